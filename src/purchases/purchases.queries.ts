// Purchase invoices and the download's high-water mark. Query functions take `db | trx` first.
import { sql, type Insertable } from 'kysely'
import type { Queryable } from '../db/database.ts'
import type { PurchasePayments } from '../db/schema.gen.ts'
import { totalsOf, type ManualInvoice } from './manual.ts'

/** Which of these KSeF numbers are stored already (read before downloading, so no file is fetched twice). */
export async function storedKsefNumbers(db: Queryable, numbers: string[]): Promise<Set<string>> {
  if (numbers.length === 0) return new Set()
  const rows = await db
    .selectFrom('purchase_invoices')
    .select('ksef_number')
    .where('ksef_number', 'in', numbers)
    .execute()
  return new Set(rows.map((r) => r.ksef_number).filter((n): n is string => n !== null))
}

export async function syncStateOf(db: Queryable, environment: string, nip: string) {
  return await db
    .selectFrom('purchase_sync')
    .selectAll()
    .where('environment', '=', environment)
    .where('context_nip', '=', nip)
    .executeTakeFirst()
}

/**
 * Takes the download for this company and environment (a row made on first use with its starting
 * point); false when another run holds it. A claim lapses by itself after a crash.
 */
export async function claimSync(
  db: Queryable,
  opts: { environment: string; nip: string; initialFrom: string; at: string; until: string }
): Promise<boolean> {
  await db
    .insertInto('purchase_sync')
    .values({
      environment: opts.environment,
      context_nip: opts.nip,
      continue_from: opts.initialFrom,
      updated_at: opts.at
    })
    .onConflict((oc) => oc.columns(['environment', 'context_nip']).doNothing())
    .execute()
  const result = await db
    .updateTable('purchase_sync')
    .set({ claimed_until: opts.until, updated_at: opts.at })
    .where('environment', '=', opts.environment)
    .where('context_nip', '=', opts.nip)
    .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', opts.at)]))
    .executeTakeFirst()
  return Number(result.numUpdatedRows) > 0
}

export async function releaseSync(
  db: Queryable,
  opts: { environment: string; nip: string; at: string; result: string | null; error: string | null }
): Promise<void> {
  await db
    .updateTable('purchase_sync')
    .set({
      claimed_until: null,
      last_run_at: opts.at,
      last_result: opts.result,
      last_error: opts.error,
      updated_at: opts.at
    })
    .where('environment', '=', opts.environment)
    .where('context_nip', '=', opts.nip)
    .execute()
}

export interface PurchaseListFilters {
  review: boolean
  page: number
}
const PAGE_SIZE = 50

export async function listPurchases(db: Queryable, filters: PurchaseListFilters) {
  let query = db
    .selectFrom('purchase_invoices as p')
    .leftJoin('purchase_bookings as b', 'b.purchase_invoice_id', 'p.id')
    .select([
      'p.id',
      'p.source',
      'p.ksef_number',
      'p.seller_nip',
      'p.seller_name',
      'p.meta_seller_nip',
      'p.meta_seller_name',
      'p.invoice_number',
      'p.meta_invoice_number',
      'p.invoice_kind',
      'p.meta_invoice_type',
      'p.issue_date',
      'p.currency',
      'p.net',
      'p.vat',
      'p.gross',
      'p.vat_pln',
      'p.meta_gross',
      'p.meta_currency',
      'p.needs_review',
      'p.permanent_storage_date',
      'b.id as booking_id',
      'b.entry_number',
      'b.month as booking_month',
      'b.vat_month',
      'b.kpir_column'
    ])
  if (filters.review) query = query.where('p.needs_review', '=', 1)
  const rows = await query
    .orderBy('p.permanent_storage_date', 'desc')
    .orderBy('p.id', 'desc')
    .limit(PAGE_SIZE)
    .offset((filters.page - 1) * PAGE_SIZE)
    .execute()
  const counts = await db
    .selectFrom('purchase_invoices')
    .select([sql<number>`count(*)`.as('all'), sql<number>`coalesce(sum(needs_review), 0)`.as('review')])
    .executeTakeFirstOrThrow()
  const total = Number(counts.all)
  const toReview = Number(counts.review)
  return { rows, total, toReview, pages: Math.max(1, Math.ceil((filters.review ? toReview : total) / PAGE_SIZE)) }
}

export async function purchaseById(db: Queryable, id: number) {
  const row = await db.selectFrom('purchase_invoices').selectAll().where('id', '=', id).executeTakeFirst()
  if (row === undefined) return undefined
  const rates = await db
    .selectFrom('purchase_invoice_rates')
    .selectAll()
    .where('purchase_invoice_id', '=', id)
    .orderBy('id')
    .execute()
  return { row, rates }
}

/** A stored invoice (from KSeF or by hand) with this seller and number: a hand entry must not repeat it. */
export async function findBySellerAndNumber(
  db: Queryable,
  sellerNip: string,
  number: string
): Promise<{ id: number } | undefined> {
  return await db
    .selectFrom('purchase_invoices')
    .select('id')
    .where((eb) => eb.or([eb('seller_nip', '=', sellerNip), eb('meta_seller_nip', '=', sellerNip)]))
    .where((eb) => eb.or([eb('invoice_number', '=', number), eb('meta_invoice_number', '=', number)]))
    .executeTakeFirst()
}

/** Stores a hand-entered invoice and its rates (one transaction, opened by the caller). */
export async function insertManualPurchase(
  trx: Queryable,
  invoice: ManualInvoice,
  opts: { at: string; receivedAt: string; userId: number | null }
): Promise<number> {
  const totals = totalsOf(invoice.rates)
  const row = await trx
    .insertInto('purchase_invoices')
    .values({
      source: 'reczna',
      ksef_number: null,
      environment: null,
      permanent_storage_date: opts.at,
      acquisition_date: opts.receivedAt,
      meta_invoice_number: invoice.number,
      meta_seller_nip: invoice.sellerNip,
      meta_seller_name: invoice.sellerName,
      meta_gross: totals.gross,
      meta_vat_pln: totals.vatPln,
      meta_currency: invoice.currency,
      meta_invoice_type: 'Vat',
      seller_nip: invoice.sellerNip,
      seller_name: invoice.sellerName,
      seller_country: invoice.sellerCountry,
      seller_address: invoice.sellerAddress,
      invoice_number: invoice.number,
      invoice_kind: 'VAT',
      issue_date: invoice.issueDate,
      sale_date: invoice.saleDate,
      currency: invoice.currency,
      exchange_rate: invoice.exchangeRate,
      exchange_rate_table: invoice.exchangeRateTable,
      exchange_rate_date: invoice.exchangeRateDate,
      net: totals.net,
      vat: totals.vat,
      gross: totals.gross,
      vat_pln: totals.vatPln,
      needs_review: 0,
      review_reasons: '',
      downloaded_at: opts.at,
      entered_by: opts.userId
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  await trx
    .insertInto('purchase_invoice_rates')
    .values(
      invoice.rates.map((r) => ({
        purchase_invoice_id: row.id,
        rate: r.rate,
        net: r.net,
        vat: r.vat,
        vat_pln: r.vatPln
      }))
    )
    .execute()
  return row.id
}

export async function paymentsOf(db: Queryable, purchaseInvoiceId: number) {
  return await db
    .selectFrom('purchase_payments')
    .selectAll()
    .where('purchase_invoice_id', '=', purchaseInvoiceId)
    .orderBy('paid_on')
    .orderBy('id')
    .execute()
}

export async function insertPayment(db: Queryable, values: Insertable<PurchasePayments>): Promise<number> {
  const row = await db.insertInto('purchase_payments').values(values).returning('id').executeTakeFirstOrThrow()
  return row.id
}
