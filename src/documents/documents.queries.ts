import { sql } from 'kysely'
import type { Queryable, Trx } from '../db/database.ts'
import { caseVariants, likePattern } from '../contractors/contractors.queries.ts'
import { normalizeNip } from '../shared/nip.ts'
import { convertToPln } from '../nbp/nbp.ts'
import { exemptionLimitBlocker, exemptionLimitState } from '../ledger/exemption-limit.ts'
import { eventDate } from '../ledger/ledger.ts'
import { closedPeriodReason, exemptSalesOfYear } from '../ledger/ledger.queries.ts'
import { productTaxMarks } from '../products/products.queries.ts'
import { nextNumber } from './numbering.queries.ts'
import { vatInPln, type DocumentExchangeRate } from './exchange-rates.ts'
import { exemptionBasisProblem, exemptionExcludedProblem, splitPaymentRequired } from './document.ts'
import { documentTypeLabel, isProforma, type DocumentKind, type DocumentType } from '../shared/document-types.ts'
import {
  splitGross,
  sumAmounts,
  vatTotals,
  type ExemptionBasisKind,
  type VatRate,
  type VatTotal
} from '../shared/vat.ts'

// Storing an issued document ----------------------------------------------------------------

export interface PartySnapshot {
  name: string
  nip: string | null
  street: string
  postalCode: string
  city: string
  countryCode: string
}

export interface SellerSnapshot {
  name: string
  nip: string
  address: string
  bankAccount: string
}

export interface NewDocumentLine {
  kind: 'item' | 'service' | 'delivery'
  name: string
  sku: string | null
  offerId: string | null
  transactionItemId: number | null
  productId: number | null
  unit: string
  quantityMilli: number
  unitPriceGross: number
  vatRate: VatRate
  gross: number
}

export interface NewDocument {
  type: DocumentType
  issueDate: string
  saleDate: string
  dueDate: string | null
  paymentMethod: string
  paid: boolean
  paidAt: string | null
  currency: string
  /** required exactly when the currency is not PLN */
  exchangeRate: DocumentExchangeRate | null
  vatExempt: boolean
  vatExemptionBasis: string | null
  /** which kind of provision vatExemptionBasis is (FA(3) P_19A/B/C); 'ustawa' when not given */
  vatExemptionBasisKind?: ExemptionBasisKind
  seller: SellerSnapshot
  contractorId: number | null
  buyer: PartySnapshot & { foreignTaxId: string | null }
  lines: NewDocumentLine[]
  /** a correction's per-rate differences (src/corrections); otherwise computed from the lines */
  vatTotals?: VatTotal[]
  /** a correction: the invoice it corrects */
  correctsDocumentId?: number
  /** a correction: the day whose month books it (art. 29a, src/corrections correctionSettlement) */
  settlementDate?: string
  /** an invoice issued from a pro forma (Wystaw fakturę do pro formy) */
  proformaDocumentId?: number
  /** the seller uses the cash method (art. 21) */
  cashAccounting?: boolean
  /** an invoice to a receipt of the same sale: the receipt already counted the sale */
  issuedToReceipt?: boolean
  notes: string
  shopId: number | null
  createdBy: number | null
  createdAt: string
}

function formatAddress(street: string, postalCode: string, city: string, countryCode = 'PL'): string {
  const place = [postalCode, city].filter((part) => part !== '').join(' ')
  return [street, place, countryCode === 'PL' ? '' : countryCode].filter((part) => part !== '').join(', ')
}

export async function sellerSnapshot(db: Queryable): Promise<
  SellerSnapshot & {
    vatPayer: boolean
    cashAccounting: boolean
    exemptionBasis: string
    defaultVatRate: string
    autoClose: boolean
  }
> {
  const company = await db.selectFrom('company').selectAll().where('id', '=', 1).executeTakeFirstOrThrow()
  return {
    name: company.name,
    nip: company.nip,
    address: formatAddress(company.street, company.postal_code, company.city, company.country_code),
    bankAccount: company.bank_account,
    vatPayer: company.vat_status === 'czynny',
    cashAccounting: company.vat_status === 'czynny' && company.cash_accounting === 1,
    exemptionBasis: company.vat_exemption_basis,
    defaultVatRate: company.default_vat_rate,
    autoClose: company.allegro_auto_close === 1
  }
}

export type InsertResult = { ok: true; id: number; number: string } | { ok: false; problem: string }

/**
 * Numbers and stores a document with its lines and per-rate totals, inside the caller's
 * transaction. The per-rate totals are authoritative; each line also gets its own net and VAT
 * for display.
 */
export async function insertDocument(trx: Trx, doc: NewDocument): Promise<InsertResult> {
  const { period, seq, number } = await nextNumber(trx, doc.type, doc.issueDate)
  const clash = await trx.selectFrom('documents').select(['id', 'type']).where('number', '=', number).executeTakeFirst()
  if (clash) {
    return {
      ok: false,
      problem: `numer ${number} ma już dokument typu „${documentTypeLabel(clash.type)}” – zmień wzór numeracji w ustawieniach`
    }
  }
  if ((doc.currency === 'PLN') !== (doc.exchangeRate === null)) {
    return {
      ok: false,
      problem:
        doc.currency === 'PLN'
          ? 'dokument w złotych nie ma kursu waluty'
          : `dokument w walucie ${doc.currency} wymaga kursu NBP`
    }
  }
  const rates = doc.vatTotals ?? vatTotals(doc.lines)
  const exemptProblem = exemptionBasisProblem(doc.lines, doc.vatExemptionBasis)
  if (exemptProblem !== null) return { ok: false, problem: exemptProblem }
  const periodProblem = await closedPeriodReason(trx, doc)
  if (periodProblem !== null) return { ok: false, problem: periodProblem }
  const totals = sumAmounts(rates)
  const marks = await productTaxMarks(trx, doc.lines)
  if (doc.vatExempt && doc.type !== 'korekta' && doc.issuedToReceipt !== true) {
    const excluded = exemptionExcludedProblem(doc.lines, marks)
    if (excluded !== null) return { ok: false, problem: excluded }
  }
  if (doc.vatExempt && !isProforma(doc.type) && doc.issuedToReceipt !== true) {
    const year = eventDate(doc).slice(0, 4)
    const netPln = doc.exchangeRate === null ? totals.net : convertToPln(totals.net, doc.exchangeRate.mid)
    const company = await trx
      .selectFrom('company')
      .select('activity_start_date')
      .where('id', '=', 1)
      .executeTakeFirstOrThrow()
    const limitProblem = exemptionLimitBlocker(
      exemptionLimitState(year, await exemptSalesOfYear(trx, year), company.activity_start_date),
      netPln
    )
    if (limitProblem !== null) return { ok: false, problem: limitProblem }
  }
  const splitPayment = splitPaymentRequired({
    type: doc.type,
    buyerNip: doc.buyer.nip,
    totalGrossPln: doc.exchangeRate === null ? totals.gross : convertToPln(totals.gross, doc.exchangeRate.mid),
    lines: marks
  })
  const inserted = await trx
    .insertInto('documents')
    .values({
      type: doc.type,
      number,
      period,
      seq,
      status: 'issued',
      issue_date: doc.issueDate,
      sale_date: doc.saleDate,
      settlement_date: doc.settlementDate ?? null,
      due_date: doc.dueDate,
      payment_method: doc.paymentMethod,
      // a pro forma asks for payment and documents none (polish-invoicing.md §4): never paid
      paid: doc.paid && !isProforma(doc.type) ? 1 : 0,
      paid_at: isProforma(doc.type) ? null : doc.paidAt,
      currency: doc.currency,
      exchange_rate: doc.exchangeRate?.mid ?? null,
      exchange_rate_table: doc.exchangeRate?.tableNo ?? null,
      exchange_rate_date: doc.exchangeRate?.effectiveDate ?? null,
      vat_exempt: doc.vatExempt ? 1 : 0,
      vat_exemption_basis: doc.vatExemptionBasis,
      vat_exemption_basis_kind: doc.vatExemptionBasisKind ?? 'ustawa',
      seller_name: doc.seller.name,
      seller_nip: doc.seller.nip,
      seller_address: doc.seller.address,
      seller_bank_account: doc.seller.bankAccount,
      contractor_id: doc.contractorId,
      buyer_name: doc.buyer.name,
      buyer_nip: doc.buyer.nip,
      buyer_foreign_tax_id: doc.buyer.foreignTaxId,
      buyer_street: doc.buyer.street,
      buyer_postal_code: doc.buyer.postalCode,
      buyer_city: doc.buyer.city,
      buyer_country_code: doc.buyer.countryCode,
      total_net: totals.net,
      total_vat: totals.vat,
      total_gross: totals.gross,
      total_vat_pln: doc.exchangeRate === null ? totals.vat : vatInPln(rates, doc.exchangeRate.mid),
      split_payment: splitPayment ? 1 : 0,
      // "metoda kasowa" (art. 106e ust. 1 pkt 16) on a cash-method seller's invoices and corrections
      cash_accounting: doc.cashAccounting === true && (doc.type === 'faktura' || doc.type === 'korekta') ? 1 : 0,
      notes: doc.notes,
      shop_id: doc.shopId,
      corrects_document_id: doc.correctsDocumentId ?? null,
      proforma_document_id: doc.proformaDocumentId ?? null,
      created_by: doc.createdBy,
      created_at: doc.createdAt
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  let position = 0
  for (const [index, line] of doc.lines.entries()) {
    position += 1
    const amounts = splitGross(line.gross, line.vatRate)
    await trx
      .insertInto('document_lines')
      .values({
        document_id: inserted.id,
        position,
        kind: line.kind,
        name: line.name,
        sku: line.sku,
        offer_id: line.offerId,
        transaction_item_id: line.transactionItemId,
        product_id: line.productId,
        unit: line.unit,
        quantity_milli: line.quantityMilli,
        unit_price_gross: line.unitPriceGross,
        vat_rate: line.vatRate,
        net: amounts.net,
        vat: amounts.vat,
        gross: amounts.gross,
        annex15: marks[index].annex15 ? 1 : 0,
        gtu: marks[index].gtu
      })
      .execute()
  }
  for (const rate of rates) {
    await trx
      .insertInto('document_vat_totals')
      .values({ document_id: inserted.id, vat_rate: rate.vatRate, net: rate.net, vat: rate.vat, gross: rate.gross })
      .execute()
  }
  return { ok: true, id: inserted.id, number }
}

// One document of a kind per transaction ----------------------------------------------------

export async function activeDocumentOfKind(
  db: Queryable,
  transactionId: number,
  kind: DocumentKind
): Promise<{ id: number; number: string } | undefined> {
  return await db
    .selectFrom('transaction_document_kinds as k')
    .innerJoin('documents as d', 'd.id', 'k.document_id')
    .select(['d.id', 'd.number'])
    .where('k.transaction_id', '=', transactionId)
    .where('k.kind', '=', kind)
    .executeTakeFirst()
}

/**
 * The receipt an invoice was issued to (faktura do paragonu, art. 109 ust. 3d): an issued
 * paragon of the same transaction, as the ledger finds it (ledger.queries.ts receiptNumber).
 */
export async function receiptOfInvoice(
  db: Queryable,
  documentId: number
): Promise<{ id: number; number: string; issue_date: string } | undefined> {
  return await db
    .selectFrom('document_transactions as own')
    .innerJoin('document_transactions as other', (join) =>
      join.onRef('other.transaction_id', '=', 'own.transaction_id').onRef('other.document_id', '!=', 'own.document_id')
    )
    .innerJoin('documents as receipt', 'receipt.id', 'other.document_id')
    .innerJoin('documents as invoice', 'invoice.id', 'own.document_id')
    .where('own.document_id', '=', documentId)
    .where('invoice.type', 'in', ['faktura', 'faktura_bez_vat'])
    .where('receipt.type', '=', 'paragon')
    .where('receipt.status', '=', 'issued')
    .select(['receipt.id', 'receipt.number', 'receipt.issue_date'])
    .orderBy('receipt.id')
    .executeTakeFirst()
}

/**
 * Why an invoice to a business cannot be issued to this receipt, or null. Art. 106b ust. 5: an
 * invoice to a receipt for a buyer identified by NIP may be issued only when the receipt carries
 * that NIP; a consumer (no NIP) may always get one (art. 106b ust. 3).
 */
export function receiptInvoiceBlocker(
  receipt: { number: string; buyer_nip: string | null },
  buyerNip: string | null
): string | null {
  const nip = normalizeNip(buyerNip ?? '')
  if (nip === '') return null
  if (normalizeNip(receipt.buyer_nip ?? '') === nip) return null
  return `Do sprzedaży udokumentowano już paragon ${receipt.number} bez NIP nabywcy ${nip} – faktury na firmę do takiego paragonu nie wystawia się (art. 106b ust. 5 ustawy o VAT). Fakturę dla nabywcy z NIP można wystawić tylko do paragonu z tym NIP.`
}

/**
 * A receipt after the sale's invoice: the invoice already documents the sale, and a receipt after
 * it would count the revenue twice in the book and the VAT register (only an invoice issued to a
 * receipt is left out of them, art. 109 ust. 3d; JPK FP). A fiscal cash register's receipt is
 * printed by the register itself, not by Biurko.
 */
export function receiptAfterInvoiceProblem(invoiceNumber: string): string {
  return `Do tej sprzedaży wystawiono już fakturę ${invoiceNumber} – sprzedaż jest nią udokumentowana; paragon wystawiony po fakturze policzyłby ją drugi raz w księdze i rejestrze VAT`
}

export async function attachToTransaction(
  trx: Trx,
  link: { documentId: number; transactionId: number; kind: DocumentKind; linkKind: 'issued' | 'linked'; at: string }
): Promise<void> {
  await trx
    .insertInto('document_transactions')
    .values({
      document_id: link.documentId,
      transaction_id: link.transactionId,
      link_kind: link.linkKind,
      created_at: link.at
    })
    .execute()
  if (link.kind === 'korekta') return
  await trx
    .insertInto('transaction_document_kinds')
    .values({ transaction_id: link.transactionId, kind: link.kind, document_id: link.documentId })
    .execute()
}

// Lists and details -------------------------------------------------------------------------

const DOCUMENTS_PER_PAGE = 50

export interface DocumentFilters {
  type: DocumentType | ''
  /** 'YYYY-MM' of the issue date, or '' */
  month: string
  contractorId: number | null
  q: string
  page: number
  /** the list's order (URL keys, src/shared/list-order.ts); newest first when absent */
  order?: { column: DocumentSort; direction: 'asc' | 'desc' }
  pageSize?: number
}

export const DOCUMENT_SORTS = ['data', 'numer', 'nabywca', 'brutto'] as const
type DocumentSort = (typeof DOCUMENT_SORTS)[number]
export const DEFAULT_DOCUMENT_ORDER = { column: 'data', direction: 'desc' } as const

/** What the filtered documents total: gross in PLN, a foreign one at its own rate (as in the ledger). */
export interface DocumentListSums {
  grossPln: number
  /** issued documents summed; cancelled ones are left out */
  counted: number
  /** foreign-currency documents without a rate (pro formas), left out of the sum */
  withoutRate: number
}

export interface DocumentListRow {
  id: number
  type: string
  number: string
  status: string
  issue_date: string
  sale_date: string
  buyer_name: string
  buyer_nip: string | null
  contractor_id: number | null
  total_net: number
  total_vat: number
  total_gross: number
  currency: string
  paid: number
  vat_exempt: number
  transaction_count: number
}

export async function listDocuments(
  db: Queryable,
  filters: DocumentFilters
): Promise<{ rows: DocumentListRow[]; total: number; sums: DocumentListSums }> {
  let query = db.selectFrom('documents as d')
  if (filters.type !== '') query = query.where('d.type', '=', filters.type)
  if (filters.month !== '')
    query = query.where('d.issue_date', '>=', `${filters.month}-01`).where('d.issue_date', '<=', `${filters.month}-31`)
  if (filters.contractorId !== null) query = query.where('d.contractor_id', '=', filters.contractorId)
  if (filters.q !== '') {
    const digits = filters.q.replace(/[\s-]/g, '')
    query = query.where((eb) =>
      eb.or([
        ...caseVariants(filters.q).flatMap((variant) => [
          sql<boolean>`${sql.ref('d.number')} like ${likePattern(variant)} escape '\\'`,
          sql<boolean>`${sql.ref('d.buyer_name')} like ${likePattern(variant)} escape '\\'`
        ]),
        ...(/^\d{3,10}$/.test(digits) ? [eb('d.buyer_nip', 'like', `%${digits}%`)] : [])
      ])
    )
  }
  const pageSize = filters.pageSize ?? DOCUMENTS_PER_PAGE
  const order = filters.order ?? DEFAULT_DOCUMENT_ORDER
  let page = query
    .select([
      'd.id',
      'd.type',
      'd.number',
      'd.status',
      'd.issue_date',
      'd.sale_date',
      'd.buyer_name',
      'd.buyer_nip',
      'd.contractor_id',
      'd.total_net',
      'd.total_vat',
      'd.total_gross',
      'd.currency',
      'd.paid',
      'd.vat_exempt'
    ])
    .select((eb) =>
      eb
        .selectFrom('document_transactions as dt')
        .select((e) => e.fn.countAll<number>().as('n'))
        .whereRef('dt.document_id', '=', 'd.id')
        .as('transaction_count')
    )
  // a number sorts by its series and place in it (text order would put FV 10/… before FV 2/…)
  if (order.column === 'numer')
    page = page
      .orderBy('d.type', order.direction)
      .orderBy('d.period', order.direction)
      .orderBy('d.seq', order.direction)
  else if (order.column === 'nabywca') page = page.orderBy('d.buyer_name', order.direction)
  else if (order.column === 'brutto') page = page.orderBy('d.total_gross', order.direction)
  else page = page.orderBy('d.issue_date', order.direction)
  const [rows, count, plnSum, foreign] = await Promise.all([
    page
      .orderBy('d.id', order.direction)
      .limit(pageSize)
      .offset((filters.page - 1) * pageSize)
      .execute(),
    query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    query
      .where('d.status', '!=', 'cancelled')
      .where('d.exchange_rate', 'is', null)
      .where('d.currency', '=', 'PLN')
      .select([(eb) => eb.fn.sum<number>('d.total_gross').as('gross'), (eb) => eb.fn.countAll<number>().as('n')])
      .executeTakeFirstOrThrow(),
    // few: converted one by one at each document's rate, rounded per document as the ledger does
    query
      .where('d.status', '!=', 'cancelled')
      .where((eb) => eb.or([eb('d.exchange_rate', 'is not', null), eb('d.currency', '!=', 'PLN')]))
      .select(['d.total_gross', 'd.exchange_rate'])
      .execute()
  ])
  const converted = foreign.filter((row) => row.exchange_rate !== null)
  const sums: DocumentListSums = {
    grossPln:
      Number(plnSum.gross ?? 0) +
      converted.reduce((sum, row) => sum + convertToPln(row.total_gross, row.exchange_rate!), 0),
    counted: Number(plnSum.n) + converted.length,
    withoutRate: foreign.length - converted.length
  }
  return {
    rows: rows.map((row) => ({ ...row, transaction_count: Number(row.transaction_count ?? 0) })),
    total: Number(count.n),
    sums
  }
}

// Documents of transactions (for the transactions list and details) --------------------------

export interface TransactionDocument {
  id: number
  type: string
  typeLabel: string
  number: string
  status: string
  totalGross: number
  currency: string
  linkKind: 'issued' | 'linked'
}

/** The documents of each transaction, issued from it or linked by hand, cancelled ones included. */
export async function documentsForTransactions(
  db: Queryable,
  transactionIds: number[]
): Promise<Map<number, TransactionDocument[]>> {
  const result = new Map<number, TransactionDocument[]>()
  if (transactionIds.length === 0) return result
  for (let i = 0; i < transactionIds.length; i += 500) {
    const rows = await db
      .selectFrom('document_transactions as dt')
      .innerJoin('documents as d', 'd.id', 'dt.document_id')
      .select([
        'dt.transaction_id',
        'dt.link_kind',
        'd.id',
        'd.type',
        'd.number',
        'd.status',
        'd.total_gross',
        'd.currency'
      ])
      .where('dt.transaction_id', 'in', transactionIds.slice(i, i + 500))
      .orderBy('d.id')
      .execute()
    for (const row of rows) {
      const list = result.get(row.transaction_id) ?? []
      list.push({
        id: row.id,
        type: row.type,
        typeLabel: documentTypeLabel(row.type),
        number: row.number,
        status: row.status,
        totalGross: row.total_gross,
        currency: row.currency,
        linkKind: row.link_kind === 'linked' ? 'linked' : 'issued'
      })
      result.set(row.transaction_id, list)
    }
  }
  return result
}

// Cancelling --------------------------------------------------------------------------------

export async function markCancelled(trx: Trx, documentId: number, userId: number | null, at: string): Promise<void> {
  await trx
    .updateTable('documents')
    .set({ status: 'cancelled', cancelled_at: at, cancelled_by: userId })
    .where('id', '=', documentId)
    .execute()
  // the transaction may get a new document of this kind now
  await trx.deleteFrom('transaction_document_kinds').where('document_id', '=', documentId).execute()
}

// Linking (S12) -----------------------------------------------------------------------------

export interface TransactionSummary {
  id: number
  checkout_form_id: string
  buyer_name: string
  buyer_login: string
  total_to_pay: number
  currency: string
  bought_at: string
  first_offer_name: string | null
  item_count: number
  local_status: string
}

export async function getTransactionSummary(db: Queryable, id: number): Promise<TransactionSummary> {
  return await db
    .selectFrom('transactions')
    .select([
      'id',
      'checkout_form_id',
      'buyer_name',
      'buyer_login',
      'total_to_pay',
      'currency',
      'bought_at',
      'first_offer_name',
      'item_count',
      'local_status'
    ])
    .where('id', '=', id)
    .executeTakeFirstOrThrow()
}

export async function transactionsByIds(db: Queryable, ids: number[]): Promise<Map<number, TransactionSummary>> {
  const result = new Map<number, TransactionSummary>()
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db
      .selectFrom('transactions')
      .select([
        'id',
        'checkout_form_id',
        'buyer_name',
        'buyer_login',
        'total_to_pay',
        'currency',
        'bought_at',
        'first_offer_name',
        'item_count',
        'local_status'
      ])
      .where('id', 'in', ids.slice(i, i + 500))
      .execute()
    for (const row of rows) result.set(row.id, row)
  }
  return result
}
