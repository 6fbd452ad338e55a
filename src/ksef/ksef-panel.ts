// What the document page shows about KSeF: the submission's state in Polish, the Ministry's
// reason for a rejection, the offline deadline, and whether Wyślij do KSeF is offered.
import type { Queryable } from '../db/database.ts'
import { SUBMISSION_STATE_LABELS } from './ksef-sending.ts'
import { correctedInvoiceWaiting, type SubmissionState } from './submissions.queries.ts'

export interface KsefPanel {
  state: SubmissionState | null
  stateLabel: string | null
  badge: '' | 'ok' | 'warn' | 'err'
  queued: boolean
  reason: string | null
  offlineMode: string | null
  offlineDeadline: string | null
  acceptedAt: string | null
  hasUpo: boolean
  canSend: boolean
  /** why it cannot go yet (a correction of an invoice still on its way) */
  waitingFor: string | null
  nextAttemptAt: string | null
}

const BADGES: Record<SubmissionState, KsefPanel['badge']> = { do_wyslania: '', wysylanie: 'warn', przyjeta: 'ok', odrzucona: 'err', offline: 'warn', blad: 'err' }

export async function ksefPanelOf (db: Queryable, documentId: number, sendable: boolean): Promise<KsefPanel> {
  const row = await db.selectFrom('ksef_submissions')
    .select(['state', 'next_attempt_at', 'last_error', 'status_description', 'offline_mode', 'offline_deadline', 'accepted_at', 'ksef_number', (eb) => eb('upo_xml', 'is not', null).as('has_upo')])
    .where('document_id', '=', documentId).executeTakeFirst()
  const doc = await db.selectFrom('documents').select('ksef_number').where('id', '=', documentId).executeTakeFirst()
  const state = (row?.state ?? null) as SubmissionState | null
  const waitingFor = sendable ? await correctedInvoiceWaiting(db, documentId) : null
  const queued = state !== null && row?.next_attempt_at != null && (state === 'do_wyslania' || state === 'offline' || state === 'wysylanie')
  return {
    state,
    stateLabel: state === null ? null : state === 'do_wyslania' && !queued ? 'plik przygotowany, nie wysłano do KSeF' : SUBMISSION_STATE_LABELS[state],
    badge: state === null ? '' : BADGES[state],
    queued,
    reason: state === 'odrzucona' || state === 'blad' || queued ? (row?.last_error ?? null) : null,
    offlineMode: row?.offline_mode ?? null,
    offlineDeadline: row?.offline_deadline ?? null,
    acceptedAt: row?.accepted_at ?? null,
    hasUpo: Boolean(row?.has_upo),
    canSend: sendable && waitingFor === null && (doc?.ksef_number ?? null) === null && (state === null || state === 'odrzucona' || state === 'blad' || (state === 'do_wyslania' && !queued) || state === 'offline'),
    waitingFor,
    nextAttemptAt: queued ? (row?.next_attempt_at ?? null) : null
  }
}

/** The KSeF state of each listed document, for the list's column and the bulk send. */
export interface ListState { label: string, badge: KsefPanel['badge'], offlineDeadline: string | null, hasNumber: boolean }

export async function ksefListStates (db: Queryable, documentIds: number[]): Promise<Record<number, ListState>> {
  if (documentIds.length === 0) return {}
  const rows = await db.selectFrom('ksef_submissions').select(['document_id', 'state', 'next_attempt_at', 'offline_deadline'])
    .where('document_id', 'in', documentIds).execute()
  const out: Record<number, ListState> = {}
  const numbered = await db.selectFrom('documents').select(['id']).where('id', 'in', documentIds).where('ksef_number', 'is not', null).execute()
  for (const { id } of numbered) out[id] = { label: 'ma numer KSeF', badge: 'ok', offlineDeadline: null, hasNumber: true }
  for (const row of rows) {
    const state = row.state as SubmissionState
    const queued = row.next_attempt_at !== null
    out[row.document_id] = {
      label: state === 'do_wyslania' ? (queued ? 'w kolejce' : 'niewysłana') : state === 'przyjeta' ? 'przyjęta' : state === 'wysylanie' ? 'wysyłana' : state === 'odrzucona' ? 'odrzucona' : state === 'offline' ? 'offline' : 'błąd',
      badge: BADGES[state],
      offlineDeadline: state === 'offline' ? row.offline_deadline : null,
      hasNumber: out[row.document_id]?.hasNumber === true
    }
  }
  return out
}
