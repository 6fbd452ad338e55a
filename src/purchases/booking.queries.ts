// Purchase bookings: the KPiR cost entries and the VAT purchase register. Query functions take
// `db | trx` first.
import type { Selectable } from 'kysely'
import type { Queryable, Trx } from '../db/database.ts'
import type { PurchaseBookings, PurchaseInvoices } from '../db/schema.gen.ts'
import { readPurchaseFile, type ParsedPurchase, type PurchaseRate } from './fa3-read.ts'
import { parsedFromRow } from './manual.ts'
import type { BookableInvoice, BookingDraft, KpirCostColumn, SellerRule, VatKind } from './booking.ts'
import { logLedgerAction } from '../ledger/ledger.queries.ts'

export type PurchaseBookingRow = Selectable<PurchaseBookings>
export interface BookingWithAmounts extends PurchaseBookingRow {
  amounts: Record<string, { net: number; vat: number; deductible: number }>
}

/** The invoice as the booking sees it: the stored file read again (what is booked is what was received). */
export async function loadBookable(
  db: Queryable,
  id: number
): Promise<{ invoice: BookableInvoice; sellerNip: string } | undefined> {
  const row = await db.selectFrom('purchase_invoices').selectAll().where('id', '=', id).executeTakeFirst()
  if (row === undefined) return undefined
  const rates = await db
    .selectFrom('purchase_invoice_rates')
    .select(['rate', 'net', 'vat', 'vat_pln'])
    .where('purchase_invoice_id', '=', id)
    .orderBy('id')
    .execute()
  const purchaseRates = rates.map((r) => ({ rate: r.rate, net: r.net, vat: r.vat, vatPln: r.vat_pln }))
  return {
    sellerNip: row.seller_nip ?? row.meta_seller_nip,
    invoice: {
      id: row.id,
      ksefNumber: row.ksef_number,
      needsReview: row.needs_review === 1,
      parsed: parsedOf(row, purchaseRates),
      rates: purchaseRates,
      receivedAt: row.acquisition_date ?? row.permanent_storage_date
    }
  }
}

/**
 * The invoice's content: a KSeF invoice's stored file read again (what is booked is what was
 * received); a hand-entered one from its columns, which the form validated.
 */
export function parsedOf(row: Selectable<PurchaseInvoices>, rates: PurchaseRate[]): ParsedPurchase | null {
  if (row.source === 'reczna') return parsedFromRow(row, rates, null)
  const read = row.xml === null ? null : readPurchaseFile(row.xml)
  return read?.ok === true ? read.invoice : null
}

export async function bookingOfPurchase(
  db: Queryable,
  purchaseInvoiceId: number
): Promise<PurchaseBookingRow | undefined> {
  return await db
    .selectFrom('purchase_bookings')
    .selectAll()
    .where('purchase_invoice_id', '=', purchaseInvoiceId)
    .executeTakeFirst()
}

export async function sellerRuleOf(db: Queryable, sellerNip: string): Promise<SellerRule | null> {
  if (sellerNip === '') return null
  const row = await db
    .selectFrom('purchase_seller_rules')
    .selectAll()
    .where('seller_nip', '=', sellerNip)
    .executeTakeFirst()
  if (row === undefined) return null
  return {
    kpirColumn: row.kpir_column as KpirCostColumn | null,
    vatDeducted: row.vat_deducted === 1,
    vatKind: row.vat_kind as VatKind,
    description: row.description
  }
}

export async function saveSellerRule(
  trx: Trx,
  sellerNip: string,
  rule: SellerRule,
  at: string,
  userId: number | null
): Promise<void> {
  const values = {
    kpir_column: rule.kpirColumn,
    vat_deducted: rule.vatDeducted ? 1 : 0,
    vat_kind: rule.vatKind,
    description: rule.description,
    updated_at: at,
    updated_by: userId
  }
  await trx
    .insertInto('purchase_seller_rules')
    .values({ seller_nip: sellerNip, ...values })
    .onConflict((oc) => oc.column('seller_nip').doUpdateSet(values))
    .execute()
}

export async function insertBooking(
  trx: Trx,
  draft: BookingDraft,
  entryNumber: number | null,
  at: string,
  userId: number | null
): Promise<number> {
  const row = await trx
    .insertInto('purchase_bookings')
    .values({
      purchase_invoice_id: draft.purchaseInvoiceId,
      kpir_column: draft.kpirColumn,
      event_date: draft.eventDate,
      year: draft.year,
      month: draft.month,
      entry_number: entryNumber,
      cost_amount: draft.costAmount,
      vat_deducted: draft.vatDeducted ? 1 : 0,
      vat_month: draft.vatMonth,
      vat_kind: draft.vatKind,
      total_net: draft.totalNet,
      total_vat: draft.totalVat,
      deductible_vat: draft.deductibleVat,
      received_date: draft.receivedDate,
      document_number: draft.documentNumber,
      issue_date: draft.issueDate,
      ksef_number: draft.ksefNumber,
      counterparty_tax_id: draft.counterpartyTaxId,
      counterparty_name: draft.counterpartyName,
      counterparty_address: draft.counterpartyAddress,
      description: draft.description,
      remarks: draft.remarks,
      review_confirmed: draft.reviewConfirmed ? 1 : 0,
      car_mixed_use: draft.carMixedUse ? 1 : 0,
      output_kind: draft.output?.kind ?? null,
      output_net: draft.output?.net ?? 0,
      output_vat: draft.output?.vat ?? 0,
      booked_at: at,
      booked_by: userId
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  if (draft.amounts.length > 0) {
    await trx
      .insertInto('purchase_booking_amounts')
      .values(
        draft.amounts.map((a) => ({
          booking_id: row.id,
          rate: a.rate,
          net: a.net,
          vat: a.vat,
          deductible_vat: a.deductibleVat
        }))
      )
      .execute()
  }
  return row.id
}

export async function deleteBooking(trx: Trx, id: number): Promise<void> {
  await trx.deleteFrom('purchase_booking_amounts').where('booking_id', '=', id).execute()
  await trx.deleteFrom('purchase_bookings').where('id', '=', id).execute()
}

async function withAmounts(db: Queryable, rows: PurchaseBookingRow[]): Promise<BookingWithAmounts[]> {
  if (rows.length === 0) return []
  const amounts = await db
    .selectFrom('purchase_booking_amounts')
    .selectAll()
    .where(
      'booking_id',
      'in',
      rows.map((r) => r.id)
    )
    .orderBy('id')
    .execute()
  const byBooking = new Map<number, BookingWithAmounts['amounts']>()
  for (const a of amounts)
    byBooking.set(a.booking_id, {
      ...byBooking.get(a.booking_id),
      [a.rate]: { net: a.net, vat: a.vat, deductible: a.deductible_vat }
    })
  return rows.map((r) => ({ ...r, amounts: byBooking.get(r.id) ?? {} }))
}

/** The VAT purchase register of the months: bookings whose VAT is deducted there, by date of receipt. */
export async function purchaseRegister(db: Queryable, months: string[]): Promise<BookingWithAmounts[]> {
  if (months.length === 0) return []
  const rows = await db
    .selectFrom('purchase_bookings')
    .selectAll()
    .where('vat_deducted', '=', 1)
    .where('vat_month', 'in', months)
    .orderBy('received_date')
    .orderBy('id')
    .execute()
  return await withAmounts(db, rows)
}

/**
 * ledger_log rows for a purchase booking, as sales bookings write them: one per register touched
 * (the KPiR with its Lp., the VAT purchase register with its period).
 */
export async function logPurchaseAction(
  trx: Trx,
  values: {
    action: 'booked' | 'unbooked'
    purchaseInvoiceId: number
    documentNumber: string
    kpir: { month: string; entryNumber: number } | null
    vatMonth: string | null
    userId: number | null
    at: string
  }
): Promise<void> {
  const rows = [
    values.kpir === null
      ? null
      : { register: 'kpir' as const, month: values.kpir.month, entryNumber: values.kpir.entryNumber },
    values.vatMonth === null ? null : { register: 'vat_zakup' as const, month: values.vatMonth, entryNumber: undefined }
  ].filter((r) => r !== null)
  for (const r of rows) {
    await logLedgerAction(trx, {
      action: values.action,
      register: r.register,
      purchaseInvoiceId: values.purchaseInvoiceId,
      documentNumber: values.documentNumber,
      month: r.month,
      entryNumber: r.entryNumber,
      userId: values.userId,
      createdAt: values.at
    })
  }
}

/**
 * For JPK_V7 (owned by src/jpk): the output side of self-assessed purchases whose VAT period is
 * one of the months — reverse charge K_31/K_32, import of services (art. 28b) K_29/K_30,
 * intra-Community acquisition K_23/K_24 (output_kind → fields in SELF_ASSESSMENT). The input side
 * is already in purchaseRegister: deductible_vat includes the self-assessed VAT (K_42/K_43 or
 * K_40/K_41). Both sides are in the booking's vat_month: a self-assessed purchase is only booked
 * with its VAT deducted (art. 86 ust. 10b pkt 2 lit. b and pkt 3: the same period).
 */
export async function selfAssessedOutput(db: Queryable, months: string[]) {
  if (months.length === 0) return []
  return await db
    .selectFrom('purchase_bookings')
    .select([
      'id',
      'vat_month',
      'output_kind',
      'output_net',
      'output_vat',
      'document_number',
      'issue_date',
      'received_date',
      'ksef_number',
      'counterparty_tax_id',
      'counterparty_name'
    ])
    .where('output_kind', 'is not', null)
    .where('vat_month', 'in', months)
    .orderBy('received_date')
    .orderBy('id')
    .execute()
}
