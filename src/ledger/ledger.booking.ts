// Booking, unbooking and closing months: one call per user action, run inside the caller's
// transaction so the registers and their numbering change all at once or not at all.
import type { Database, Trx } from '../db/database.ts'
import {
  addMonths,
  eventDate,
  isProforma,
  monthLabel,
  monthOf,
  planBooking,
  requiredRegisters,
  yearOf,
  type Register
} from './ledger.ts'
import {
  closedMonthsBetween,
  deleteClosedMonth,
  deleteEntry,
  entriesOfDocument,
  getBookingCompany,
  insertClosedMonth,
  insertEntry,
  isMonthClosed,
  loadBookingInput,
  logLedgerAction,
  mainRyczaltRate,
  pendingDocumentsDatedBetween,
  ryczaltLineRates,
  saveRyczaltLineRates,
  type BookingInput
} from './ledger.queries.ts'

export interface Actor {
  userId: number | null
  /** stored timestamp of the action */
  at: string
}

export type BookOutcome =
  | {
      status: 'booked'
      documentNumber: string
      entries: Array<{ register: Register; entryNumber: number; month: string }>
    }
  | { status: 'already'; documentNumber: string }
  | { status: 'refused'; documentNumber: string | null; reason: string }

export type Outcome = { ok: true } | { ok: false; reason: string }

function closedMonthReason(month: string): string {
  return `Miesiąc ${monthLabel(month)} jest zamknięty – otwórz go ponownie, aby coś w nim zmienić.`
}

export async function bookDocument(
  trx: Trx,
  documentId: number,
  actor: Actor,
  loaded?: BookingInput
): Promise<BookOutcome> {
  const input = loaded ?? (await loadBookingInput(trx, documentId))
  if (!input) return { status: 'refused', documentNumber: null, reason: 'Nie ma takiego dokumentu.' }
  const { doc } = input
  const refused = (reason: string): BookOutcome => ({ status: 'refused', documentNumber: doc.number, reason })
  if (isProforma(doc.type)) return refused('Pro forma nie jest dokumentem księgowym – nie księguje się jej.')
  if (doc.status !== 'issued') return refused('Dokument jest anulowany – anulowanych dokumentów się nie księguje.')

  const company = await getBookingCompany(trx)
  const required = requiredRegisters(doc, company)
  if (required.length === 0) return refused(`Dokumentów rodzaju „${doc.type}” nie księguje się w rejestrach sprzedaży.`)
  const existing = await entriesOfDocument(trx, documentId)
  const missing = required.filter((register) => !existing.some((e) => e.register === register))
  if (missing.length === 0) return { status: 'already', documentNumber: doc.number }

  const month = monthOf(eventDate(doc))
  if (await isMonthClosed(trx, month)) return refused(closedMonthReason(month))

  const plan = planBooking(doc, input.lines, input.rateTotals, company, missing, {
    lineRates: await ryczaltLineRates(trx, documentId),
    correctedRyczaltRateBp:
      doc.type === 'korekta' && input.correctsDocumentId !== null
        ? await mainRyczaltRate(trx, input.correctsDocumentId)
        : null
  })
  if (!plan.ok) return refused(plan.reason)

  const entries: Array<{ register: Register; entryNumber: number; month: string }> = []
  for (const draft of plan.entries) {
    const entryNumber = await insertEntry(trx, draft, documentId, actor.at, actor.userId)
    await logLedgerAction(trx, {
      action: 'booked',
      register: draft.register,
      documentId,
      documentNumber: doc.number,
      month: draft.month,
      entryNumber,
      userId: actor.userId,
      createdAt: actor.at
    })
    entries.push({ register: draft.register, entryNumber, month: draft.month })
  }
  return { status: 'booked', documentNumber: doc.number, entries }
}

/** Removes all of a document's entries; later entries of each register move one number down. */
async function unbookDocument(trx: Trx, documentId: number, actor: Actor): Promise<Outcome> {
  const entries = await entriesOfDocument(trx, documentId)
  if (entries.length === 0) return { ok: false, reason: 'Dokument nie jest zaksięgowany.' }
  for (const month of new Set(entries.map((e) => e.month))) {
    if (await isMonthClosed(trx, month)) return { ok: false, reason: closedMonthReason(month) }
  }
  for (const entry of entries) {
    await deleteEntry(trx, entry)
    await logLedgerAction(trx, {
      action: 'unbooked',
      register: entry.register as Register,
      documentId,
      documentNumber: entry.document_number,
      month: entry.month,
      entryNumber: entry.entry_number,
      userId: actor.userId,
      createdAt: actor.at
    })
  }
  return { ok: true }
}

/**
 * Closes the month and every still open earlier month of its year, so that the closed months of
 * a year are always January..N and renumbering never reaches into them. Refused while documents
 * of those months wait for booking.
 */
async function closeMonth(trx: Trx, month: string, currentMonth: string, actor: Actor): Promise<Outcome> {
  if (month > currentMonth)
    return { ok: false, reason: `Miesiąc ${monthLabel(month)} jeszcze się nie zaczął – nie można go zamknąć.` }
  if (await isMonthClosed(trx, month)) return { ok: false, reason: `Miesiąc ${monthLabel(month)} jest już zamknięty.` }
  const yearStart = `${yearOf(month)}-01`
  const candidates = await pendingDocumentsDatedBetween(
    trx,
    await getBookingCompany(trx),
    `${yearStart}-01`,
    `${month}-31`
  )
  const waiting = candidates
    .filter((d) => {
      const eventMonth = monthOf(
        eventDate({ type: d.type, issueDate: d.issue_date, saleDate: d.sale_date, settlementDate: d.settlement_date })
      )
      return eventMonth >= yearStart && eventMonth <= month
    })
    .map((d) => d.number)
  if (waiting.length > 0) {
    const shown = waiting.slice(0, 5).join(', ') + (waiting.length > 5 ? ` i ${waiting.length - 5} innych` : '')
    return {
      ok: false,
      reason: `Nie można zamknąć miesiąca ${monthLabel(month)}: dokumenty czekają na zaksięgowanie (${shown}). Zaksięguj je albo anuluj.`
    }
  }
  const closed = new Set(await closedMonthsBetween(trx, yearStart, month))
  for (let m = yearStart; m <= month; m = addMonths(m, 1)) {
    if (closed.has(m)) continue
    await insertClosedMonth(trx, m, actor.at, actor.userId)
    await logLedgerAction(trx, { action: 'month_closed', month: m, userId: actor.userId, createdAt: actor.at })
  }
  return { ok: true }
}

/** Reopens the last closed month of a year (one at a time, newest first). */
async function reopenMonth(trx: Trx, month: string, actor: Actor): Promise<Outcome> {
  if (!(await isMonthClosed(trx, month)))
    return { ok: false, reason: `Miesiąc ${monthLabel(month)} nie jest zamknięty.` }
  const later = await closedMonthsBetween(trx, addMonths(month, 1), `${yearOf(month)}-12`)
  if (later.length > 0)
    return {
      ok: false,
      reason: `Najpierw otwórz ${monthLabel(later[later.length - 1])} – miesiące otwiera się od najpóźniejszego.`
    }
  await deleteClosedMonth(trx, month)
  await logLedgerAction(trx, { action: 'month_reopened', month, userId: actor.userId, createdAt: actor.at })
  return { ok: true }
}

async function setRyczaltLineRates(
  trx: Trx,
  documentId: number,
  rates: Array<{ lineId: number; rateBp: number | null }>,
  actor: Actor
): Promise<Outcome> {
  const booked = await entriesOfDocument(trx, documentId)
  if (booked.some((e) => e.register === 'ryczalt')) {
    return {
      ok: false,
      reason: 'Dokument jest już zaksięgowany w ewidencji przychodów – odksięguj go, aby zmienić stawki ryczałtu.'
    }
  }
  await saveRyczaltLineRates(trx, rates, actor.at, actor.userId)
  return { ok: true }
}

/** Null when the document may be cancelled; otherwise why not, in Polish. */
export async function cancellationBlocker(trx: Trx, documentId: number): Promise<string | null> {
  const input = await loadBookingInput(trx, documentId)
  if (!input || isProforma(input.doc.type)) return null
  const entries = await entriesOfDocument(trx, documentId)
  if (entries.length > 0) {
    for (const entry of entries) {
      if (await isMonthClosed(trx, entry.month)) {
        return `Dokument jest zaksięgowany w zamkniętym miesiącu ${monthLabel(entry.month)} – nie można go anulować. Wystaw fakturę korygującą.`
      }
    }
    return 'Dokument jest zaksięgowany – najpierw go odksięguj w KSIĘGOWOŚĆ (miesiąc musi być otwarty).'
  }
  const month = monthOf(eventDate(input.doc))
  if (await isMonthClosed(trx, month))
    return `Miesiąc ${monthLabel(month)} jest zamknięty w księgowości – nie można anulować dokumentu z tego miesiąca.`
  return null
}

// From the pages: each action in one transaction of its own (issuing calls the functions above
// inside the transaction that issues the document).

/** Zaksięguj, one document or a bulk selection: each outcome in the order of the ids. */
export async function bookDocuments(
  db: Database,
  documentIds: readonly number[],
  actor: Actor
): Promise<BookOutcome[]> {
  return await db.transaction().execute(async (trx) => {
    const outcomes: BookOutcome[] = []
    for (const id of documentIds) outcomes.push(await bookDocument(trx, id, actor))
    return outcomes
  })
}

/** Odksięguj. */
export async function cancelBooking(db: Database, documentId: number, actor: Actor): Promise<Outcome> {
  return await db.transaction().execute(async (trx) => await unbookDocument(trx, documentId, actor))
}

export async function setRyczaltRates(
  db: Database,
  documentId: number,
  rates: Array<{ lineId: number; rateBp: number | null }>,
  actor: Actor
): Promise<Outcome> {
  return await db.transaction().execute(async (trx) => await setRyczaltLineRates(trx, documentId, rates, actor))
}

/** Zamknij miesiąc: the month and the year's earlier ones. */
export async function closeMonths(db: Database, month: string, currentMonth: string, actor: Actor): Promise<Outcome> {
  return await db.transaction().execute(async (trx) => await closeMonth(trx, month, currentMonth, actor))
}

export async function openMonthAgain(db: Database, month: string, actor: Actor): Promise<Outcome> {
  return await db.transaction().execute(async (trx) => await reopenMonth(trx, month, actor))
}
