// What KSeF's answers mean for a document (pure: no I/O). The status codes are those of
// SessionInvoiceStatusResponse in open-api.json; the deadlines those of tryby-offline.md.
import { DateTime } from 'luxon'
import { isPolishBusinessDay } from '../nbp/nbp.ts'
import { ZONE } from '../shared/dates.ts'
import { normalizeNip } from '../shared/nip.ts'
import type { InvoiceStatus } from './client/ksef.client.ts'
import { isValidKsefNumber } from './ksef-number.ts'
import type { SubmissionState } from './submissions.queries.ts'

export const SUBMISSION_STATE_LABELS: Record<SubmissionState, string> = {
  do_wyslania: 'czeka na wysłanie do KSeF',
  wysylanie: 'wysyłana do KSeF',
  przyjeta: 'przyjęta w KSeF',
  odrzucona: 'odrzucona przez KSeF',
  offline: 'wystawiona offline – czeka na wysłanie do KSeF',
  blad: 'nie wysłano do KSeF'
}

/** Temporary failures are retried this many times before the document waits for the user. */
export const MAX_ATTEMPTS = 8

export type Verdict =
  | { kind: 'accepted'; ksefNumber: string; acceptedAt: string | null }
  /** 440: KSeF has this invoice already; its number is the original's, nothing is sent again */
  | { kind: 'duplicate'; ksefNumber: string; originalSessionReference: string | null }
  /** still processing: ask again later */
  | { kind: 'pending' }
  /** never issued in KSeF: may be fixed and sent again under the same number */
  | { kind: 'rejected'; reason: string }
  /** KSeF failed on its side (500, 550, session errors): send again */
  | { kind: 'retry'; reason: string }
  /** an answer we cannot trust or act on: stop, with the reason */
  | { kind: 'error'; reason: string }

function reasonText(status: InvoiceStatus): string {
  const parts = [status.description.trim(), ...status.details.map((d) => d.trim())].filter((p) => p !== '')
  return parts.join(' – ').slice(0, 1000)
}

/** The meaning of a final or interim invoice status for an invoice of this seller. */
export function verdictOf(status: InvoiceStatus, sellerNip: string): Verdict {
  const nip = normalizeNip(sellerNip)
  const ours = (number: string | null): number is string =>
    number !== null && isValidKsefNumber(number) && number.startsWith(`${nip}-`)
  const why = reasonText(status)
  if (status.code === 100 || status.code === 150) return { kind: 'pending' }
  if (status.code === 200) {
    if (ours(status.ksefNumber))
      return { kind: 'accepted', ksefNumber: status.ksefNumber, acceptedAt: status.acquisitionDate }
    return {
      kind: 'error',
      reason:
        'KSeF potwierdził przyjęcie faktury, ale podał numer KSeF, który nie jest poprawnym numerem tego sprzedawcy. Sprawdź fakturę w aplikacji KSeF i wpisz numer ręcznie.'
    }
  }
  if (status.code === 440) {
    if (ours(status.originalKsefNumber))
      return {
        kind: 'duplicate',
        ksefNumber: status.originalKsefNumber,
        originalSessionReference: status.originalSessionReference
      }
    return {
      kind: 'error',
      reason: `KSeF ma już fakturę o tym numerze (440 – duplikat), ale nie podał jej numeru KSeF. Sprawdź ją w aplikacji KSeF i wpisz numer ręcznie.${why === '' ? '' : ` (${why})`}`
    }
  }
  if (status.code === 405 || status.code === 435 || status.code === 550 || status.code >= 500) {
    return {
      kind: 'retry',
      reason: `KSeF nie przetworzył faktury (${status.code}${why === '' ? '' : `: ${why}`}) – zostanie wysłana ponownie.`
    }
  }
  if (status.code >= 400)
    return {
      kind: 'rejected',
      reason: `KSeF odrzucił fakturę (${status.code}${why === '' ? '' : `: ${why}`}). Popraw dane faktury i wyślij ją ponownie – zachowa swój numer.`
    }
  return {
    kind: 'error',
    reason: `KSeF podał nieznany status faktury (${status.code}${why === '' ? '' : `: ${why}`}).`
  }
}

/** Wait before the n-th retry (1, 2, …): grows from 30 × the base, at most 6 hours. */
export function retryDelayMs(attempt: number, retryBaseMs: number): number {
  return Math.min(retryBaseMs * 30 * 2 ** Math.max(0, attempt - 1), 6 * 3_600_000)
}

function nextBusinessDay(isoDate: string): string {
  let day = DateTime.fromISO(isoDate, { zone: ZONE }).plus({ days: 1 })
  while (!isPolishBusinessDay(day.toISODate()!)) day = day.plus({ days: 1 })
  return day.toISODate()!
}

/**
 * The last day an offline invoice may reach KSeF: offline24 — the next business day after the
 * issue date (art. 106nda ust. 3 ustawy o VAT); a declared KSeF failure (awaria) — 7 business
 * days after it ends (art. 106nf ust. 4), counted here from the issue date as the least.
 */
export function offlineDeadline(mode: 'offline24' | 'awaria' | 'awaria_calkowita', issueDate: string): string {
  if (mode === 'offline24') return nextBusinessDay(issueDate)
  let day = issueDate
  for (let i = 0; i < 7; i++) day = nextBusinessDay(day)
  return day
}
