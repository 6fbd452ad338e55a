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
  numberByHand: boolean
}

const BADGES: Record<SubmissionState, KsefPanel['badge']> = {
  do_wyslania: '',
  wysylanie: 'warn',
  przyjeta: 'ok',
  odrzucona: 'err',
  offline: 'warn',
  blad: 'err'
}

export async function ksefPanelOf(db: Queryable, documentId: number, sendable: boolean): Promise<KsefPanel> {
  const row = await db
    .selectFrom('ksef_submissions')
    .select([
      'state',
      'next_attempt_at',
      'last_error',
      'status_description',
      'offline_mode',
      'offline_deadline',
      'accepted_at',
      'ksef_number',
      (eb) => eb('upo_xml', 'is not', null).as('has_upo')
    ])
    .where('document_id', '=', documentId)
    .executeTakeFirst()
  const doc = await db.selectFrom('documents').select('ksef_number').where('id', '=', documentId).executeTakeFirst()
  const state = (row?.state ?? null) as SubmissionState | null
  const waitingFor = sendable ? await correctedInvoiceWaiting(db, documentId) : null
  const queued =
    state !== null &&
    row?.next_attempt_at != null &&
    (state === 'do_wyslania' || state === 'offline' || state === 'wysylanie')
  return {
    state,
    stateLabel:
      state === null
        ? null
        : state === 'do_wyslania' && !queued
          ? 'plik przygotowany, nie wysłano do KSeF'
          : SUBMISSION_STATE_LABELS[state],
    badge: state === null ? '' : BADGES[state],
    queued,
    reason: state === 'odrzucona' || state === 'blad' || queued ? (row?.last_error ?? null) : null,
    offlineMode: row?.offline_mode ?? null,
    offlineDeadline: row?.offline_deadline ?? null,
    acceptedAt: row?.accepted_at ?? null,
    hasUpo: Boolean(row?.has_upo),
    canSend:
      sendable &&
      waitingFor === null &&
      (doc?.ksef_number ?? null) === null &&
      (state === null ||
        state === 'odrzucona' ||
        state === 'blad' ||
        (state === 'do_wyslania' && !queued) ||
        state === 'offline'),
    waitingFor,
    nextAttemptAt: queued ? (row?.next_attempt_at ?? null) : null,
    // a number typed by hand is for an invoice Biurko does not send itself; once the sender has
    // it in flight, offline or accepted, KSeF's own answer is the only source of its number
    numberByHand: state === null || state === 'odrzucona' || state === 'blad' || (state === 'do_wyslania' && !queued)
  }
}

/** The KSeF state of each listed document, for the list's column and the bulk send. */
export interface ListState {
  label: string
  badge: KsefPanel['badge']
  offlineDeadline: string | null
  hasNumber: boolean
}

export async function ksefListStates(db: Queryable, documentIds: number[]): Promise<Record<number, ListState>> {
  if (documentIds.length === 0) return {}
  const rows = await db
    .selectFrom('ksef_submissions')
    .select(['document_id', 'state', 'next_attempt_at', 'offline_deadline'])
    .where('document_id', 'in', documentIds)
    .execute()
  const out: Record<number, ListState> = {}
  const numbered = await db
    .selectFrom('documents')
    .select(['id'])
    .where('id', 'in', documentIds)
    .where('ksef_number', 'is not', null)
    .execute()
  for (const { id } of numbered)
    out[id] = { label: 'ma numer KSeF', badge: 'ok', offlineDeadline: null, hasNumber: true }
  for (const row of rows) {
    const state = row.state as SubmissionState
    const queued = row.next_attempt_at !== null
    out[row.document_id] = {
      label:
        state === 'do_wyslania'
          ? queued
            ? 'w kolejce'
            : 'niewysłana'
          : state === 'przyjeta'
            ? 'przyjęta'
            : state === 'wysylanie'
              ? 'wysyłana'
              : state === 'odrzucona'
                ? 'odrzucona'
                : state === 'offline'
                  ? 'offline'
                  : 'błąd',
      badge: BADGES[state],
      offlineDeadline: state === 'offline' ? row.offline_deadline : null,
      hasNumber: out[row.document_id]?.hasNumber === true
    }
  }
  return out
}

/**
 * Whether an invoice's PDF may go to the buyer (Allegro's automatic delivery) yet: only with its
 * KSeF number, or as an offline invoice (KOD I OFFLINE + KOD II), since a visualisation of an
 * invoice sent to KSeF must carry its code (kody-qr.md). Null when it may go; otherwise why not.
 * Without a KSeF connection in Biurko (invoices issued in KSeF elsewhere) nothing waits.
 */
export async function ksefHoldForDelivery(db: Queryable, documentId: number): Promise<string | null> {
  const doc = await db
    .selectFrom('documents')
    .select(['type', 'ksef_number'])
    .where('id', '=', documentId)
    .executeTakeFirst()
  if (doc === undefined || !['faktura', 'faktura_bez_vat', 'korekta'].includes(doc.type) || doc.ksef_number !== null)
    return null
  const connection = await db.selectFrom('ksef_connection').select('id').where('id', '=', 1).executeTakeFirst()
  if (connection === undefined) return null
  const row = await db
    .selectFrom('ksef_submissions')
    .select('state')
    .where('document_id', '=', documentId)
    .executeTakeFirst()
  if (row?.state === 'offline' || row?.state === 'przyjeta') return null
  return 'Faktura czeka na numer KSeF – trafi do Allegro, gdy KSeF ją przyjmie (albo jako faktura offline).'
}

/**
 * An invoice on its way to KSeF (sent, answer pending) or issued offline cannot be cancelled:
 * KSeF may already hold it, and an offline invoice is issued. Null when cancelling is fine
 * (a queued one is simply never sent: the sender drops cancelled documents).
 */
export async function ksefSubmissionCancelBlocker(db: Queryable, documentId: number): Promise<string | null> {
  const row = await db
    .selectFrom('ksef_submissions as s')
    .innerJoin('documents as d', 'd.id', 's.document_id')
    .select(['s.state', 'd.number'])
    .where('s.document_id', '=', documentId)
    .executeTakeFirst()
  if (row?.state === 'wysylanie')
    return `Faktura ${row.number} jest właśnie wysyłana do KSeF – poczekaj na odpowiedź KSeF; przyjętą fakturę można tylko skorygować.`
  if (row?.state === 'offline')
    return `Faktura ${row.number} została wystawiona w trybie offline – nie można jej anulować, trzeba ją wysłać do KSeF i ewentualnie skorygować.`
  return null
}
