import { sql, type ExpressionBuilder, type Selectable } from 'kysely'
import type { Queryable, Trx } from '../db/database.ts'
import type { DB, LedgerEntries } from '../db/schema.gen.ts'
import {
  addMonths,
  addTotals,
  BOOKABLE_TYPES,
  emptyTotals,
  eventDate,
  isProforma,
  monthLabel,
  monthOf,
  toPln,
  type BookingCompany,
  type BookingDocument,
  type BookingLine,
  type EntryDraft,
  type RateAmounts,
  type Register,
  type RegisterTotals
} from './ledger.ts'

export type LedgerEntryRow = Selectable<LedgerEntries>
export interface EntryWithAmounts extends LedgerEntryRow {
  amounts: Record<string, { net: number; vat: number }>
}

// Shifting Lp. goes through this offset so UNIQUE (register, year, entry_number) holds row by row.
const RENUMBER_OFFSET = 1_000_000_000

export async function getBookingCompany(db: Queryable): Promise<BookingCompany & { autoBook: boolean }> {
  const row = await db
    .selectFrom('company')
    .select(['vat_status', 'tax_form', 'ryczalt_rate_bp', 'auto_book'])
    .where('id', '=', 1)
    .executeTakeFirstOrThrow()
  return {
    vatPayer: row.vat_status === 'czynny',
    taxForm: row.tax_form === 'ryczalt' ? 'ryczalt' : 'kpir',
    ryczaltRateBp: row.ryczalt_rate_bp,
    autoBook: row.auto_book === 1
  }
}

export async function setAutoBook(db: Queryable, on: boolean, updatedAt: string): Promise<void> {
  await db
    .updateTable('company')
    .set({ auto_book: on ? 1 : 0, updated_at: updatedAt })
    .where('id', '=', 1)
    .execute()
}

/** The receipt issued for the same transaction as this invoice (faktura do paragonu). */
export function receiptNumber(eb: ExpressionBuilder<DB, 'documents'>) {
  return eb
    .selectFrom('document_transactions as own')
    .innerJoin('document_transactions as other', (join) =>
      join.onRef('other.transaction_id', '=', 'own.transaction_id').onRef('other.document_id', '!=', 'own.document_id')
    )
    .innerJoin('documents as receipt', 'receipt.id', 'other.document_id')
    .whereRef('own.document_id', '=', 'documents.id')
    .where('receipt.type', '=', 'paragon')
    .where('receipt.status', '=', 'issued')
    .select('receipt.number')
    .orderBy('receipt.id')
    .limit(1)
}

export interface BookingInput {
  doc: BookingDocument
  createdAt: string
  createdBy: number | null
  correctsDocumentId: number | null
  lines: BookingLine[]
  rateTotals: RateAmounts[]
}

export async function loadBookingInput(db: Queryable, documentId: number): Promise<BookingInput | undefined> {
  const row = await db
    .selectFrom('documents')
    .leftJoin('documents as corrected', 'corrected.id', 'documents.corrects_document_id')
    .selectAll('documents')
    .select('corrected.number as corrected_number')
    .select((eb) => receiptNumber(eb).as('receipt_number'))
    .where('documents.id', '=', documentId)
    .executeTakeFirst()
  if (!row) return undefined
  const lines = await db
    .selectFrom('document_lines')
    .select(['id', 'kind', 'vat_rate', 'net', 'gross'])
    .where('document_id', '=', documentId)
    .orderBy('position')
    .orderBy('id')
    .execute()
  const totals = await db
    .selectFrom('document_vat_totals')
    .select(['vat_rate', 'net', 'vat', 'gross'])
    .where('document_id', '=', documentId)
    .execute()
  return {
    doc: {
      id: row.id,
      type: row.type,
      number: row.number,
      status: row.status,
      issueDate: row.issue_date,
      saleDate: row.sale_date,
      settlementDate: row.settlement_date,
      currency: row.currency,
      exchangeRate: row.exchange_rate,
      exchangeRateTable: row.exchange_rate_table,
      exchangeRateDate: row.exchange_rate_date,
      buyerName: row.buyer_name,
      buyerNip: row.buyer_nip,
      buyerForeignTaxId: row.buyer_foreign_tax_id,
      buyerStreet: row.buyer_street,
      buyerPostalCode: row.buyer_postal_code,
      buyerCity: row.buyer_city,
      buyerCountryCode: row.buyer_country_code,
      totalNet: row.total_net,
      totalVat: row.total_vat,
      totalGross: row.total_gross,
      totalVatPln: row.total_vat_pln,
      ksefNumber: row.ksef_number,
      correctedNumber: row.corrected_number,
      receiptNumber: row.receipt_number ?? null
    },
    createdAt: row.created_at,
    createdBy: row.created_by,
    correctsDocumentId: row.corrects_document_id,
    lines: lines.map((l) => ({ id: l.id, kind: l.kind, vatRate: l.vat_rate, net: l.net, gross: l.gross })),
    rateTotals: totals.map((t) => ({ vatRate: t.vat_rate, net: t.net, vat: t.vat, gross: t.gross }))
  }
}

export interface DocumentLineForRates {
  id: number
  position: number
  name: string
  quantity_milli: number
  unit: string
  vat_rate: string
  net: number
  gross: number
  rate_bp: number | null
}

export async function linesWithRyczaltRates(db: Queryable, documentId: number): Promise<DocumentLineForRates[]> {
  return await db
    .selectFrom('document_lines')
    .leftJoin('ledger_ryczalt_line_rates as r', 'r.document_line_id', 'document_lines.id')
    .select([
      'document_lines.id',
      'document_lines.position',
      'document_lines.name',
      'document_lines.quantity_milli',
      'document_lines.unit',
      'document_lines.vat_rate',
      'document_lines.net',
      'document_lines.gross',
      'r.rate_bp'
    ])
    .where('document_lines.document_id', '=', documentId)
    .orderBy('document_lines.position')
    .orderBy('document_lines.id')
    .execute()
}

export async function ryczaltLineRates(db: Queryable, documentId: number): Promise<Map<number, number>> {
  const rows = await db
    .selectFrom('ledger_ryczalt_line_rates as r')
    .innerJoin('document_lines as l', 'l.id', 'r.document_line_id')
    .select(['r.document_line_id', 'r.rate_bp'])
    .where('l.document_id', '=', documentId)
    .execute()
  return new Map(rows.map((r) => [r.document_line_id, r.rate_bp]))
}

/** Saves the chosen rate per line; a line set back to the company's rate loses its override. */
export async function saveRyczaltLineRates(
  trx: Trx,
  rates: Array<{ lineId: number; rateBp: number | null }>,
  updatedAt: string,
  userId: number | null
): Promise<void> {
  for (const { lineId, rateBp } of rates) {
    if (rateBp === null) {
      await trx.deleteFrom('ledger_ryczalt_line_rates').where('document_line_id', '=', lineId).execute()
    } else {
      await trx
        .insertInto('ledger_ryczalt_line_rates')
        .values({ document_line_id: lineId, rate_bp: rateBp, updated_at: updatedAt, updated_by: userId })
        .onConflict((oc) =>
          oc.column('document_line_id').doUpdateSet({ rate_bp: rateBp, updated_at: updatedAt, updated_by: userId })
        )
        .execute()
    }
  }
}

/** The rate carrying most of a document's ryczałt revenue, which its correction follows. */
export async function mainRyczaltRate(db: Queryable, documentId: number): Promise<number | null> {
  const rows = await db
    .selectFrom('ledger_entry_amounts as a')
    .innerJoin('ledger_entries as e', 'e.id', 'a.entry_id')
    .select(['a.rate', 'a.net'])
    .where('e.document_id', '=', documentId)
    .where('e.register', '=', 'ryczalt')
    .execute()
  if (rows.length === 0) return null
  const main = rows.reduce((best, r) => (Math.abs(r.net) > Math.abs(best.net) ? r : best))
  return Number(main.rate)
}

export async function entriesOfDocument(db: Queryable, documentId: number): Promise<LedgerEntryRow[]> {
  return await db
    .selectFrom('ledger_entries')
    .selectAll()
    .where('document_id', '=', documentId)
    .orderBy('register')
    .execute()
}

export async function isMonthClosed(db: Queryable, month: string): Promise<boolean> {
  const row = await db.selectFrom('ledger_closed_months').select('id').where('month', '=', month).executeTakeFirst()
  return row !== undefined
}

/**
 * Why a document cannot be issued into its month, or null: the month the sale is booked in
 * (eventDate) is closed in the ledger; the user reopens it first. A filed JPK_V7 for the month
 * does not block: a sale may lawfully be issued (or come to light) after the return is filed,
 * and the taxpayer then files a correction (art. 81 Ordynacji podatkowej) – the document page
 * and the JPK_V7 page warn about it (src/jpk/jpk.queries.ts, salesMissingFromFiledV7). A pro
 * forma is never booked and never blocked.
 */
export async function closedPeriodReason(
  db: Queryable,
  doc: { type: string; issueDate: string; saleDate: string; settlementDate?: string | null }
): Promise<string | null> {
  if (isProforma(doc.type)) return null
  const month = monthOf(eventDate(doc))
  if (await isMonthClosed(db, month)) {
    return `miesiąc ${monthLabel(month)} jest zamknięty w księgowości – otwórz go ponownie (KSIĘGOWOŚĆ) albo wybierz datę w otwartym miesiącu`
  }
  return null
}

/**
 * The sales of the tax year counted against the VAT exemption limit (art. 113 ust. 1: their value
 * without VAT): what the registers count as revenue (issued, no pro forma, no invoice to a
 * receipt, corrections with their sign) by the tax event date, each foreign document converted
 * at its own rate.
 */
export async function exemptSalesOfYear(db: Queryable, year: string): Promise<number> {
  const event = sql<string>`case when documents.type = 'korekta' then coalesce(documents.settlement_date, documents.issue_date) else min(documents.sale_date, documents.issue_date) end`
  const counted = db
    .selectFrom('documents')
    .where('documents.status', '=', 'issued')
    .where('documents.type', 'in', [...BOOKABLE_TYPES])
    .where(event, '>=', `${year}-01-01`)
    .where(event, '<=', `${year}-12-31`)
    .where((eb) =>
      eb.not(eb.and([eb('documents.type', 'in', ['faktura', 'faktura_bez_vat']), eb.exists(receiptNumber(eb))]))
    )
  const [pln, foreign] = await Promise.all([
    counted
      .where('documents.exchange_rate', 'is', null)
      .select((eb) => eb.fn.sum<number>('documents.total_net').as('net'))
      .executeTakeFirstOrThrow(),
    counted
      .where('documents.exchange_rate', 'is not', null)
      .select(['documents.total_net', 'documents.exchange_rate'])
      .execute()
  ])
  return foreign.reduce((sum, row) => sum + toPln(row.total_net, row.exchange_rate ?? ''), Number(pln.net ?? 0))
}

export async function closedMonthsBetween(db: Queryable, from: string, to: string): Promise<string[]> {
  const rows = await db
    .selectFrom('ledger_closed_months')
    .select('month')
    .where('month', '>=', from)
    .where('month', '<=', to)
    .orderBy('month')
    .execute()
  return rows.map((r) => r.month)
}

export async function insertClosedMonth(
  trx: Trx,
  month: string,
  closedAt: string,
  userId: number | null
): Promise<void> {
  await trx.insertInto('ledger_closed_months').values({ month, closed_at: closedAt, closed_by: userId }).execute()
}

export async function deleteClosedMonth(trx: Trx, month: string): Promise<void> {
  await trx.deleteFrom('ledger_closed_months').where('month', '=', month).execute()
}

/**
 * Inserts the entry at its place in event-date order (after entries of the same day) and moves
 * the later entries of the year one number up. Returns its Lp.
 */
export async function insertEntry(
  trx: Trx,
  draft: EntryDraft,
  documentId: number,
  bookedAt: string,
  bookedBy: number | null
): Promise<number> {
  const entryNumber = await openPosition(trx, draft.register, draft.year, draft.eventDate)
  const inserted = await trx
    .insertInto('ledger_entries')
    .values({
      register: draft.register,
      document_id: documentId,
      year: draft.year,
      month: draft.month,
      event_date: draft.eventDate,
      entry_number: entryNumber,
      document_type: draft.documentType,
      document_number: draft.documentNumber,
      issue_date: draft.issueDate,
      sale_date: draft.saleDate,
      ksef_number: draft.ksefNumber,
      counterparty_tax_id: draft.counterpartyTaxId,
      counterparty_name: draft.counterpartyName,
      counterparty_address: draft.counterpartyAddress,
      description: draft.description,
      document_mark: draft.documentMark,
      revenue_sales: draft.revenueSales,
      revenue_other: draft.revenueOther,
      total_vat: draft.totalVat,
      remarks: draft.remarks,
      booked_at: bookedAt,
      booked_by: bookedBy
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  if (draft.amounts.length > 0) {
    await trx
      .insertInto('ledger_entry_amounts')
      .values(draft.amounts.map((a) => ({ entry_id: inserted.id, rate: a.rate, net: a.net, vat: a.vat })))
      .execute()
  }
  return entryNumber
}

/** Deletes the entry and closes the gap: later entries of the year move one number down. */
export async function deleteEntry(trx: Trx, entry: LedgerEntryRow): Promise<void> {
  await trx.deleteFrom('ledger_entry_amounts').where('entry_id', '=', entry.id).execute()
  await trx.deleteFrom('ledger_entries').where('id', '=', entry.id).execute()
  await shiftNumbers(trx, entry.register as Register, entry.year, entry.entry_number + 1, -1)
}

// The KPiR is one book: its Lp. runs over the revenue entries (ledger_entries, register 'kpir')
// and the cost entries of purchase invoices (purchase_bookings) of the year, in event-date order.

/** The Lp. for a new entry dated eventDate (after entries of the same day); later entries move one up. */
async function openPosition(trx: Trx, register: Register, year: number, eventDate: string): Promise<number> {
  const before = await trx
    .selectFrom('ledger_entries')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('register', '=', register)
    .where('year', '=', year)
    .where('event_date', '<=', eventDate)
    .executeTakeFirstOrThrow()
  let count = Number(before.count)
  if (register === 'kpir') {
    const costs = await trx
      .selectFrom('purchase_bookings')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('entry_number', 'is not', null)
      .where('year', '=', year)
      .where('event_date', '<=', eventDate)
      .executeTakeFirstOrThrow()
    count += Number(costs.count)
  }
  const entryNumber = count + 1
  await shiftNumbers(trx, register, year, entryNumber, +1)
  return entryNumber
}

/** A KPiR Lp. for a cost entry dated eventDate; the caller inserts the entry with it. */
export async function openKpirPosition(trx: Trx, year: number, eventDate: string): Promise<number> {
  return await openPosition(trx, 'kpir', year, eventDate)
}

/** After a KPiR cost entry is deleted: the later entries of the year move one number down. */
export async function closeKpirPosition(trx: Trx, year: number, entryNumber: number): Promise<void> {
  await shiftNumbers(trx, 'kpir', year, entryNumber + 1, -1)
}

async function shiftNumbers(trx: Trx, register: Register, year: number, from: number, delta: 1 | -1): Promise<void> {
  const scope = trx.updateTable('ledger_entries').where('register', '=', register).where('year', '=', year)
  await scope
    .set({ entry_number: sql<number>`entry_number + ${RENUMBER_OFFSET}` })
    .where('entry_number', '>=', from)
    .execute()
  await scope
    .set({ entry_number: sql<number>`entry_number - ${RENUMBER_OFFSET - delta}` })
    .where('entry_number', '>=', RENUMBER_OFFSET)
    .execute()
  if (register !== 'kpir') return
  const costs = trx.updateTable('purchase_bookings').where('year', '=', year)
  await costs
    .set({ entry_number: sql<number>`entry_number + ${RENUMBER_OFFSET}` })
    .where('entry_number', '>=', from)
    .execute()
  await costs
    .set({ entry_number: sql<number>`entry_number - ${RENUMBER_OFFSET - delta}` })
    .where('entry_number', '>=', RENUMBER_OFFSET)
    .execute()
}

export async function logLedgerAction(
  trx: Trx,
  values: {
    action: 'booked' | 'unbooked' | 'month_closed' | 'month_reopened'
    /** 'vat_zakup': the VAT purchase register, which purchase bookings write */
    register?: Register | 'vat_zakup'
    documentId?: number
    purchaseInvoiceId?: number
    documentNumber?: string
    month: string
    entryNumber?: number
    userId: number | null
    createdAt: string
  }
): Promise<void> {
  await trx
    .insertInto('ledger_log')
    .values({
      action: values.action,
      register: values.register ?? null,
      document_id: values.documentId ?? null,
      purchase_invoice_id: values.purchaseInvoiceId ?? null,
      document_number: values.documentNumber ?? null,
      month: values.month,
      entry_number: values.entryNumber ?? null,
      user_id: values.userId,
      created_at: values.createdAt
    })
    .execute()
}

/** The booking history of a sales document or of a purchase invoice, newest first. */
export async function ledgerLog(db: Queryable, of: { documentId: number } | { purchaseInvoiceId: number }) {
  return await db
    .selectFrom('ledger_log')
    .leftJoin('users', 'users.id', 'ledger_log.user_id')
    .select([
      'ledger_log.action',
      'ledger_log.register',
      'ledger_log.month',
      'ledger_log.entry_number',
      'ledger_log.created_at',
      'users.name as user_name'
    ])
    .where((eb) =>
      'documentId' in of
        ? eb('ledger_log.document_id', '=', of.documentId)
        : eb('ledger_log.purchase_invoice_id', '=', of.purchaseInvoiceId)
    )
    .orderBy('ledger_log.id', 'desc')
    .execute()
}

export async function listMonthEntries(db: Queryable, register: Register, month: string): Promise<EntryWithAmounts[]> {
  const entries = await db
    .selectFrom('ledger_entries')
    .selectAll()
    .where('register', '=', register)
    .where('month', '=', month)
    .orderBy('entry_number')
    .execute()
  const amounts = await db
    .selectFrom('ledger_entry_amounts as a')
    .innerJoin('ledger_entries as e', 'e.id', 'a.entry_id')
    .select(['a.entry_id', 'a.rate', 'a.net', 'a.vat'])
    .where('e.register', '=', register)
    .where('e.month', '=', month)
    .execute()
  const byEntry = new Map<number, EntryWithAmounts['amounts']>()
  for (const a of amounts) {
    const map = byEntry.get(a.entry_id) ?? {}
    map[a.rate] = { net: a.net, vat: a.vat }
    byEntry.set(a.entry_id, map)
  }
  return entries.map((e) => ({ ...e, amounts: byEntry.get(e.id) ?? {} }))
}

/**
 * Sums of a register over the months from..to (inclusive). FP rows do not count: their tax is already in the receipt's
 * RO row.
 */
async function totalsBetween(db: Queryable, register: Register, from: string, to: string): Promise<RegisterTotals> {
  if (from > to) return emptyTotals()
  const counted = (eb: ExpressionBuilder<DB, 'ledger_entries'>) =>
    eb.or([eb('ledger_entries.document_mark', 'is', null), eb('ledger_entries.document_mark', '!=', 'FP')])
  const sums = await db
    .selectFrom('ledger_entries')
    .select((eb) => [
      eb.fn.coalesce(eb.fn.sum<number>('revenue_sales'), sql<number>`0`).as('revenue_sales'),
      eb.fn.coalesce(eb.fn.sum<number>('revenue_other'), sql<number>`0`).as('revenue_other'),
      eb.fn.coalesce(eb.fn.sum<number>('total_vat'), sql<number>`0`).as('total_vat')
    ])
    .where('register', '=', register)
    .where('month', '>=', from)
    .where('month', '<=', to)
    .where(counted)
    .executeTakeFirstOrThrow()
  const rates = await db
    .selectFrom('ledger_entry_amounts as a')
    .innerJoin('ledger_entries', 'ledger_entries.id', 'a.entry_id')
    .select((eb) => ['a.rate', eb.fn.sum<number>('a.net').as('net'), eb.fn.sum<number>('a.vat').as('vat')])
    .where('ledger_entries.register', '=', register)
    .where('ledger_entries.month', '>=', from)
    .where('ledger_entries.month', '<=', to)
    .where(counted)
    .groupBy('a.rate')
    .execute()
  const totals: RegisterTotals = {
    revenueSales: Number(sums.revenue_sales),
    revenueOther: Number(sums.revenue_other),
    totalVat: Number(sums.total_vat),
    byRate: {}
  }
  for (const r of rates) totals.byRate[r.rate] = { net: Number(r.net), vat: Number(r.vat) }
  return totals
}

export interface PageTotals {
  month: RegisterTotals
  carried: RegisterTotals
  yearToDate: RegisterTotals
}

/** The month's sums, the sums carried from the start of the year, and both together. */
export async function pageTotals(db: Queryable, register: Register, month: string): Promise<PageTotals> {
  const yearStart = `${month.slice(0, 4)}-01`
  const monthTotals = await totalsBetween(db, register, month, month)
  const previous =
    month.slice(5) === '01' ? emptyTotals() : await totalsBetween(db, register, yearStart, addMonths(month, -1))
  return { month: monthTotals, carried: previous, yearToDate: addTotals(previous, monthTotals) }
}

export interface MonthSummary {
  month: string
  entries: number
  revenue: number
  vat: number
}

export async function monthSummaries(
  db: Queryable,
  register: Register,
  year: number
): Promise<Map<string, MonthSummary>> {
  const rows = await db
    .selectFrom('ledger_entries')
    .select((eb) => [
      'month',
      eb.fn.countAll<number>().as('entries'),
      eb.fn.sum<number>(sql<number>`CASE WHEN document_mark = 'FP' THEN 0 ELSE revenue_sales END`).as('revenue'),
      eb.fn.sum<number>(sql<number>`CASE WHEN document_mark = 'FP' THEN 0 ELSE total_vat END`).as('vat')
    ])
    .where('register', '=', register)
    .where('year', '=', year)
    .groupBy('month')
    .execute()
  return new Map(
    rows.map((r) => [
      r.month,
      { month: r.month, entries: Number(r.entries), revenue: Number(r.revenue), vat: Number(r.vat) }
    ])
  )
}

// ---------- documents waiting for booking ----------

function missingIn(eb: ExpressionBuilder<DB, 'documents'>, register: Register) {
  return eb.not(
    eb.exists(
      eb
        .selectFrom('ledger_entries')
        .select('ledger_entries.id')
        .whereRef('ledger_entries.document_id', '=', 'documents.id')
        .where('ledger_entries.register', '=', register)
    )
  )
}

function pendingQuery(db: Queryable, company: BookingCompany) {
  return db
    .selectFrom('documents')
    .where('documents.status', '=', 'issued')
    .where('documents.type', 'in', [...BOOKABLE_TYPES])
    .where((eb) => {
      const bookMissing = eb.and([
        missingIn(eb, company.taxForm),
        // an invoice to a receipt needs no book entry: the receipt carried the revenue
        eb.not(eb.and([eb('documents.type', 'in', ['faktura', 'faktura_bez_vat']), eb.exists(receiptNumber(eb))]))
      ])
      return company.vatPayer ? eb.or([bookMissing, missingIn(eb, 'vat')]) : bookMissing
    })
}

export async function countPendingDocuments(db: Queryable, company: BookingCompany): Promise<number> {
  const row = await pendingQuery(db, company)
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .executeTakeFirstOrThrow()
  return Number(row.count)
}

export async function listPendingDocuments(
  db: Queryable,
  company: BookingCompany,
  page: { limit: number; offset: number }
) {
  return await pendingQuery(db, company)
    .select([
      'documents.id',
      'documents.type',
      'documents.number',
      'documents.issue_date',
      'documents.sale_date',
      'documents.settlement_date',
      'documents.buyer_name',
      'documents.total_gross',
      'documents.currency',
      'documents.exchange_rate'
    ])
    .select((eb) => receiptNumber(eb).as('receipt_number'))
    .orderBy('documents.sale_date')
    .orderBy('documents.id')
    .limit(page.limit)
    .offset(page.offset)
    .execute()
}

/** Waiting documents whose sale or issue date falls between the dates; the caller narrows by event date. */
export async function pendingDocumentsDatedBetween(
  db: Queryable,
  company: BookingCompany,
  fromDate: string,
  toDate: string
) {
  return await pendingQuery(db, company)
    .select([
      'documents.number',
      'documents.type',
      'documents.issue_date',
      'documents.sale_date',
      'documents.settlement_date'
    ])
    .where((eb) =>
      eb.or([
        eb.between('documents.sale_date', fromDate, toDate),
        eb.between('documents.issue_date', fromDate, toDate),
        eb.between('documents.settlement_date', fromDate, toDate)
      ])
    )
    .orderBy('documents.sale_date')
    .orderBy('documents.id')
    .execute()
}

export async function registersOfDocuments(db: Queryable, documentIds: number[]): Promise<Map<number, string[]>> {
  const result = new Map<number, string[]>()
  if (documentIds.length === 0) return result
  const rows = await db
    .selectFrom('ledger_entries')
    .select(['document_id', 'register'])
    .where('document_id', 'in', documentIds)
    .execute()
  for (const row of rows) result.set(row.document_id, [...(result.get(row.document_id) ?? []), row.register])
  return result
}
