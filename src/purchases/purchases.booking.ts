// Booking and unbooking a purchase invoice: one call per user action inside the caller's
// transaction, so the KPiR (and its numbering), the VAT purchase register and the seller's rule
// change all at once or not at all. Closed months refuse both, as for sales.
import type { Database, Trx } from '../db/database.ts'
import { closeKpirPosition, getBookingCompany, isMonthClosed, openKpirPosition } from '../ledger/ledger.queries.ts'
import { monthLabel } from '../ledger/ledger.ts'
import type { FieldErrors } from '../shared/form.ts'
import { planPurchaseBooking, type BookingChoice } from './booking.ts'
import type { ManualInvoice } from './manual.ts'
import { insertManualPurchase } from './purchases.queries.ts'
import {
  bookingOfPurchase,
  deleteBooking,
  insertBooking,
  loadBookable,
  logPurchaseAction,
  saveSellerRule
} from './booking.queries.ts'

export interface Actor {
  userId: number | null
  at: string
}

export type PurchaseBookOutcome =
  { ok: true; entryNumber: number | null; month: string; vatMonth: string | null } | { ok: false; errors: FieldErrors }

const closedReason = (month: string) =>
  `Miesiąc ${monthLabel(month)} jest zamknięty w księgowości – otwórz go ponownie, aby coś w nim zmienić.`

async function bookPurchase(
  trx: Trx,
  purchaseInvoiceId: number,
  choice: BookingChoice,
  actor: Actor
): Promise<PurchaseBookOutcome> {
  const loaded = await loadBookable(trx, purchaseInvoiceId)
  if (loaded === undefined) return { ok: false, errors: { faktura: 'Nie ma takiej faktury zakupowej.' } }
  if ((await bookingOfPurchase(trx, purchaseInvoiceId)) !== undefined)
    return { ok: false, errors: { faktura: 'Faktura jest już zaksięgowana – odksięguj ją, aby zmienić księgowanie.' } }
  const company = await getBookingCompany(trx)
  const plan = planPurchaseBooking(loaded.invoice, choice, company)
  if (!plan.ok) return plan
  const { draft } = plan
  if (draft.kpirColumn !== null && (await isMonthClosed(trx, draft.month)))
    return { ok: false, errors: { data: closedReason(draft.month) } }
  if (draft.vatMonth !== null && (await isMonthClosed(trx, draft.vatMonth)))
    return { ok: false, errors: { okres: closedReason(draft.vatMonth) } }

  const entryNumber = draft.kpirColumn === null ? null : await openKpirPosition(trx, draft.year, draft.eventDate)
  await insertBooking(trx, draft, entryNumber, actor.at, actor.userId)
  await logPurchaseAction(trx, {
    action: 'booked',
    purchaseInvoiceId,
    documentNumber: draft.documentNumber,
    kpir: entryNumber === null ? null : { month: draft.month, entryNumber },
    vatMonth: draft.vatMonth,
    userId: actor.userId,
    at: actor.at
  })
  if (choice.remember && loaded.sellerNip !== '') {
    await saveSellerRule(
      trx,
      loaded.sellerNip,
      {
        kpirColumn: draft.kpirColumn,
        vatDeducted: choice.deductVat,
        vatKind: draft.vatKind,
        description: choice.description.trim()
      },
      actor.at,
      actor.userId
    )
  }
  return { ok: true, entryNumber, month: draft.month, vatMonth: draft.vatMonth }
}

/** Removes the booking; the later KPiR entries of its year move one number down. */
async function unbookPurchase(
  trx: Trx,
  purchaseInvoiceId: number,
  actor: Actor
): Promise<{ ok: true } | { ok: false; reason: string }> {
  const booking = await bookingOfPurchase(trx, purchaseInvoiceId)
  if (booking === undefined) return { ok: false, reason: 'Faktura nie jest zaksięgowana.' }
  for (const month of [booking.entry_number !== null ? booking.month : null, booking.vat_month]) {
    if (month !== null && (await isMonthClosed(trx, month))) return { ok: false, reason: closedReason(month) }
  }
  await deleteBooking(trx, booking.id)
  await logPurchaseAction(trx, {
    action: 'unbooked',
    purchaseInvoiceId,
    documentNumber: booking.document_number,
    kpir: booking.entry_number === null ? null : { month: booking.month, entryNumber: booking.entry_number },
    vatMonth: booking.vat_month,
    userId: actor.userId,
    at: actor.at
  })
  if (booking.entry_number !== null) await closeKpirPosition(trx, booking.year, booking.entry_number)
  return { ok: true }
}

class BookingRefused extends Error {
  readonly errors: FieldErrors
  constructor(errors: FieldErrors) {
    super('booking refused')
    this.errors = errors
  }
}

/** Zaksięguj from the invoice's page, in one transaction: a refusal throws out of it, so nothing it wrote stays. */
export async function bookPurchaseInvoice(
  db: Database,
  purchaseInvoiceId: number,
  choice: BookingChoice,
  actor: Actor
): Promise<PurchaseBookOutcome> {
  return await db
    .transaction()
    .execute(async (trx) => {
      const result = await bookPurchase(trx, purchaseInvoiceId, choice, actor)
      if (!result.ok) throw new BookingRefused(result.errors)
      return result
    })
    .catch((error: unknown) => {
      if (error instanceof BookingRefused) return { ok: false as const, errors: error.errors }
      throw error
    })
}

/** Odksięguj from the invoice's page, in one transaction. */
export async function unbookPurchaseInvoice(
  db: Database,
  purchaseInvoiceId: number,
  actor: Actor
): Promise<{ ok: true } | { ok: false; reason: string }> {
  return await db.transaction().execute(async (trx) => await unbookPurchase(trx, purchaseInvoiceId, actor))
}

/** A purchase invoice entered by hand, stored with its rates and lines in one transaction. */
export async function saveManualPurchase(
  db: Database,
  invoice: ManualInvoice,
  opts: { at: string; receivedAt: string; userId: number | null }
): Promise<number> {
  return await db.transaction().execute(async (trx) => await insertManualPurchase(trx, invoice, opts))
}
