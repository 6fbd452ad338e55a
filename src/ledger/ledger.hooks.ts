import type { Queryable, Trx } from '../db/database.ts'
import { cancellationBlocker, bookDocument } from './ledger.booking.ts'
import { entriesOfDocument, getBookingCompany, loadBookingInput } from './ledger.queries.ts'
import { isProforma, REGISTER_NAMES, REGISTER_PATHS, type Register } from './ledger.ts'

// What issuing and cancelling a sales document asks of the ledger feature.
// Owned by the ledger feature; the documents feature only calls these.

/**
 * Called inside the issuing transaction: books the document when the company books
 * automatically. Never fails the issue: a document that cannot be booked now (closed month,
 * no exchange rate) stays on KSIĘGOWOŚĆ » Do zaksięgowania with the reason.
 */
export async function autoBookIssuedDocument(trx: Trx, documentId: number): Promise<void> {
  const company = await getBookingCompany(trx)
  if (!company.autoBook) return
  const input = await loadBookingInput(trx, documentId)
  if (!input || isProforma(input.doc.type)) return
  // booked at the moment of issue, by whoever issued it
  await bookDocument(trx, documentId, { userId: input.createdBy, at: input.createdAt }, input)
}

/** A booked document cannot be cancelled; returns the Polish reason, or null when cancelling is allowed. */
export async function whyDocumentCannotBeCancelled(trx: Trx, documentId: number): Promise<string | null> {
  return await cancellationBlocker(trx, documentId)
}

export interface BookingStatus {
  booked: true
  register: Register
  registerName: string
  entryNumber: number
  month: string
  /** the entry in its register's month view */
  link: string
}

/**
 * Where a document is booked, one item per register (empty when it is not booked). The ledger's
 * own page for the document, with Zaksięguj / Odksięguj, is `/ksiegowosc/dokumenty/:id`.
 */
export async function bookingStatusForDocument(db: Queryable, documentId: number): Promise<BookingStatus[]> {
  const entries = await entriesOfDocument(db, documentId)
  return entries.map((e) => {
    const register = e.register as Register
    return {
      booked: true,
      register,
      registerName: REGISTER_NAMES[register],
      entryNumber: e.entry_number,
      month: e.month,
      link: `${REGISTER_PATHS[register]}?miesiac=${e.month}#wpis-${e.entry_number}`
    }
  })
}
