import { sql } from 'kysely'
import { DateTime } from 'luxon'
import type { Queryable } from '../db/database.ts'
import { BOOKABLE_TYPES } from '../ledger/ledger.ts'
import type { BookEntryInput } from './jpk-annual.ts'
import { GTU_CODES, PROCEDURE_MARKS, type PurchaseRowInput, type SalesRowInput, type VatPeriod } from './jpk-v7.ts'
import type { JpkKind } from './jpk-schema.ts'
import type { Taxpayer } from './jpk-xml.ts'

export interface JpkCompany {
  taxpayer: Taxpayer
  vatPayer: boolean
  taxForm: 'kpir' | 'ryczalt'
  vatPeriod: VatPeriod
  /** kasowy PIT chosen on USTAWIENIA » Firma: JPK_PKPIR/JPK_EWP Podmiot1/Kasowy_PIT */
  pitCashMethod: boolean
}

export async function getJpkCompany(db: Queryable): Promise<JpkCompany> {
  const c = await db.selectFrom('company').selectAll().where('id', '=', 1).executeTakeFirstOrThrow()
  return {
    taxpayer: {
      kind: c.taxpayer_kind === 'niefizyczna' ? 'niefizyczna' : 'fizyczna',
      nip: c.nip,
      fullName: c.name,
      firstName: c.taxpayer_first_name,
      lastName: c.taxpayer_last_name,
      birthDate: c.taxpayer_birth_date,
      email: c.email,
      phone: c.phone,
      taxOfficeCode: c.tax_office_code
    },
    vatPayer: c.vat_status === 'czynny',
    taxForm: c.tax_form === 'ryczalt' ? 'ryczalt' : 'kpir',
    vatPeriod: c.vat_period === 'kwartal' ? 'kwartal' : 'miesiac',
    pitCashMethod: c.pit_cash_method === 1
  }
}

/** The VAT sales register rows of the months, with the KSeF facts as of now (the day of filing). */
export async function vatSalesInputs(db: Queryable, months: string[]): Promise<SalesRowInput[]> {
  if (months.length === 0) return []
  const entries = await db
    .selectFrom('ledger_entries as e')
    .innerJoin('documents as d', 'd.id', 'e.document_id')
    .leftJoin('ksef_submissions as k', 'k.document_id', 'd.id')
    .select([
      'e.id',
      'e.document_id',
      'e.entry_number',
      'e.document_type',
      'e.document_number',
      'e.issue_date',
      'e.sale_date',
      'e.document_mark',
      'd.buyer_nip',
      'd.buyer_foreign_tax_id',
      'd.buyer_country_code',
      'd.buyer_name',
      'd.ksef_number',
      'k.ksef_number as submission_number',
      'k.state as submission_state',
      'k.offline_mode'
    ])
    .where('e.register', '=', 'vat')
    .where('e.month', 'in', months)
    .orderBy('e.year')
    .orderBy('e.entry_number')
    .execute()
  const amounts = await db
    .selectFrom('ledger_entry_amounts as a')
    .innerJoin('ledger_entries as e', 'e.id', 'a.entry_id')
    .select(['a.entry_id', 'a.rate', 'a.net', 'a.vat'])
    .where('e.register', '=', 'vat')
    .where('e.month', 'in', months)
    .execute()
  const byEntry = new Map<number, Record<string, { net: number; vat: number }>>()
  for (const a of amounts) byEntry.set(a.entry_id, { ...byEntry.get(a.entry_id), [a.rate]: { net: a.net, vat: a.vat } })
  const marks = await documentMarks(db, [...new Set(entries.map((e) => e.document_id))])
  return entries.map((e) => ({
    entryNumber: e.entry_number,
    documentType: e.document_type,
    documentNumber: e.document_number,
    issueDate: e.issue_date,
    saleDate: e.sale_date,
    documentMark: e.document_mark as SalesRowInput['documentMark'],
    buyerNip: e.buyer_nip,
    buyerForeignTaxId: e.buyer_foreign_tax_id,
    buyerCountryCode: e.buyer_country_code,
    buyerName: e.buyer_name,
    amounts: byEntry.get(e.id) ?? {},
    ksef: {
      documentType: e.document_type,
      ksefNumber: e.ksef_number ?? e.submission_number ?? null,
      submissionState: e.submission_state ?? null,
      offlineMode: e.offline_mode ?? null
    },
    documentId: e.document_id,
    ...rowMarks(marks.get(e.document_id))
  }))
}

export interface DocumentMarks {
  /** GTU codes of the document's lines: the product's code, copied onto the line at issue */
  lineGtu: string[]
  /** TP because the buyer is flagged as a related party (KONTRAHENCI) */
  relatedParty: boolean
  /** marks set by hand on the JPK_V7 page (jpk_document_marks) */
  manual: string[]
}

/** Where each document's row marks come from: its lines, its buyer, the JPK page. */
export async function documentMarks(db: Queryable, documentIds: number[]): Promise<Map<number, DocumentMarks>> {
  const out = new Map<number, DocumentMarks>()
  const of = (id: number) => {
    let m = out.get(id)
    if (!m) out.set(id, (m = { lineGtu: [], relatedParty: false, manual: [] }))
    return m
  }
  const CHUNK = 500
  for (let i = 0; i < documentIds.length; i += CHUNK) {
    const ids = documentIds.slice(i, i + CHUNK)
    const lines = await db
      .selectFrom('document_lines')
      .select(['document_id', 'gtu'])
      .distinct()
      .where('document_id', 'in', ids)
      .where('gtu', '!=', '')
      .execute()
    for (const l of lines) of(l.document_id).lineGtu.push(l.gtu)
    const related = await db
      .selectFrom('documents as d')
      .innerJoin('contractors as c', 'c.id', 'd.contractor_id')
      .select('d.id')
      .where('d.id', 'in', ids)
      .where('c.related_party', '=', 1)
      .execute()
    for (const r of related) of(r.id).relatedParty = true
    const manual = await db
      .selectFrom('jpk_document_marks')
      .select(['document_id', 'mark'])
      .where('document_id', 'in', ids)
      .execute()
    for (const m of manual) of(m.document_id).manual.push(m.mark)
  }
  return out
}

/** The marks a document's sales row carries: its lines' GTU, TP for a related buyer, and the hand-set ones. */
function rowMarks(m: DocumentMarks | undefined): { gtu: string[]; procedures: string[] } {
  if (!m) return { gtu: [], procedures: [] }
  const all = new Set([...m.lineGtu, ...m.manual, ...(m.relatedParty ? ['TP'] : [])])
  return { gtu: GTU_CODES.filter((c) => all.has(c)), procedures: PROCEDURE_MARKS.filter((c) => all.has(c)) }
}

/** The document's hand-set marks become exactly these (one transaction: a delete, then inserts). */
export async function replaceDocumentMarks(
  db: Queryable,
  documentId: number,
  marks: string[],
  at: string,
  userId: number | null
): Promise<void> {
  await db.deleteFrom('jpk_document_marks').where('document_id', '=', documentId).execute()
  if (marks.length === 0) return
  await db
    .insertInto('jpk_document_marks')
    .values(marks.map((mark) => ({ document_id: documentId, mark, updated_at: at, updated_by: userId })))
    .execute()
}

/** A sales document of the VAT register, for the marks page; null when it has no VAT row. */
export async function vatSalesDocument(db: Queryable, documentId: number) {
  return await db
    .selectFrom('ledger_entries as e')
    .innerJoin('documents as d', 'd.id', 'e.document_id')
    .leftJoin('contractors as c', 'c.id', 'd.contractor_id')
    .select([
      'd.id',
      'd.number',
      'd.type',
      'd.buyer_name',
      'e.month',
      'e.document_mark',
      'c.id as contractor_id',
      'c.name as contractor_name'
    ])
    .where('e.register', '=', 'vat')
    .where('d.id', '=', documentId)
    .executeTakeFirst()
}

/**
 * The purchase register rows (ZakupWiersz) of the months: purchase invoices booked with their
 * VAT deducted in one of them (purchase_bookings.vat_month, chosen within art. 86 ust. 10, 10b
 * pkt 1 and 11). DowodZakupu the invoice number, DataZakupu its issue date, DataWplywu the day it
 * was received (the KSeF acquisition date); K_40/K_41 for fixed assets, K_42/K_43 for other
 * purchases, the net in PLN and the VAT deducted. Every purchase invoice here came from KSeF, so
 * it carries its KSeF number.
 */
export async function vatPurchaseInputs(db: Queryable, months: string[]): Promise<PurchaseRowInput[]> {
  if (months.length === 0) return []
  const rows = await db
    .selectFrom('purchase_bookings')
    .select([
      'document_number',
      'issue_date',
      'received_date',
      'ksef_number',
      'counterparty_tax_id',
      'counterparty_name',
      'vat_kind',
      'total_net',
      'deductible_vat'
    ])
    .where('vat_deducted', '=', 1)
    .where('vat_month', 'in', months)
    .orderBy('vat_month')
    .orderBy('received_date')
    .orderBy('id')
    .execute()
  return rows.map((r) => ({
    supplierNip: r.counterparty_tax_id === '' ? null : r.counterparty_tax_id,
    supplierForeignTaxId: null,
    supplierCountryCode: 'PL',
    supplierName: r.counterparty_name,
    documentNumber: r.document_number,
    purchaseDate: r.issue_date,
    receivedDate: r.received_date,
    ksef: { documentType: 'faktura', ksefNumber: r.ksef_number, submissionState: null, offlineMode: null },
    kind: r.vat_kind === 'srodki_trwale' ? 'srodki_trwale' : 'pozostale',
    net: r.total_net,
    deductibleVat: r.deductible_vat
  }))
}

const eventDateSql = sql<string>`CASE WHEN documents.type = 'korekta' THEN coalesce(documents.settlement_date, documents.issue_date) WHEN documents.sale_date < documents.issue_date THEN documents.sale_date ELSE documents.issue_date END`

/** Issued documents of the months (by the date their revenue arises) still missing from a register. */
export async function unbookedDocuments(db: Queryable, register: 'vat' | 'kpir' | 'ryczalt', months: string[]) {
  if (months.length === 0) return []
  return await db
    .selectFrom('documents')
    .select(['documents.id', 'documents.number', 'documents.type'])
    .where('documents.status', '=', 'issued')
    .where('documents.type', 'in', [...BOOKABLE_TYPES])
    .where(sql<string>`substr(${eventDateSql}, 1, 7)`, 'in', months)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('ledger_entries')
            .select('ledger_entries.id')
            .whereRef('ledger_entries.document_id', '=', 'documents.id')
            .where('ledger_entries.register', '=', register)
        )
      )
    )
    // an invoice to a receipt has no book entry (the receipt carried the revenue)
    .where((eb) =>
      register === 'vat'
        ? sql<boolean>`1 = 1`
        : eb.not(
            eb.and([
              eb('documents.type', 'in', ['faktura', 'faktura_bez_vat']),
              eb.exists(
                eb
                  .selectFrom('document_transactions as own')
                  .innerJoin('document_transactions as other', (join) =>
                    join
                      .onRef('other.transaction_id', '=', 'own.transaction_id')
                      .onRef('other.document_id', '!=', 'own.document_id')
                  )
                  .innerJoin('documents as receipt', 'receipt.id', 'other.document_id')
                  .whereRef('own.document_id', '=', 'documents.id')
                  .where('receipt.type', '=', 'paragon')
                  .where('receipt.status', '=', 'issued')
                  .select('receipt.id')
              )
            ])
          )
    )
    .orderBy('documents.issue_date')
    .orderBy('documents.id')
    .limit(50)
    .execute()
}

export async function closedMonthsOf(db: Queryable, months: string[]): Promise<string[]> {
  if (months.length === 0) return []
  const rows = await db.selectFrom('ledger_closed_months').select('month').where('month', 'in', months).execute()
  return rows.map((r) => r.month)
}

/** The book's entries of a year (KPiR or ryczałt), Lp. order, KSeF numbers as of now. */
export async function bookEntries(
  db: Queryable,
  register: 'kpir' | 'ryczalt',
  year: number
): Promise<BookEntryInput[]> {
  const entries = await db
    .selectFrom('ledger_entries as e')
    .innerJoin('documents as d', 'd.id', 'e.document_id')
    .select([
      'e.id',
      'e.entry_number',
      'e.booked_at',
      'e.event_date',
      'e.document_number',
      'e.counterparty_tax_id',
      'e.counterparty_name',
      'e.counterparty_address',
      'e.description',
      'e.revenue_sales',
      'e.revenue_other',
      'e.remarks',
      'd.ksef_number',
      'd.buyer_country_code',
      'd.buyer_nip'
    ])
    .where('e.register', '=', register)
    .where('e.year', '=', year)
    .orderBy('e.entry_number')
    .execute()
  const amounts = await db
    .selectFrom('ledger_entry_amounts as a')
    .innerJoin('ledger_entries as e', 'e.id', 'a.entry_id')
    .select(['a.entry_id', 'a.rate', 'a.net'])
    .where('e.register', '=', register)
    .where('e.year', '=', year)
    .execute()
  const byEntry = new Map<number, Record<string, number>>()
  for (const a of amounts) byEntry.set(a.entry_id, { ...byEntry.get(a.entry_id), [a.rate]: a.net })
  const revenue: BookEntryInput[] = entries.map((e) => ({
    entryNumber: e.entry_number,
    entryDate: DateTime.fromISO(e.booked_at, { zone: 'utc' }).setZone('Europe/Warsaw').toISODate() ?? e.event_date,
    eventDate: e.event_date,
    documentNumber: e.document_number,
    ksefNumber: e.ksef_number,
    counterpartyTaxId: e.counterparty_tax_id,
    // a Polish NIP carries the country PL; a foreign number the buyer's country
    counterpartyCountryCode: e.buyer_nip ? 'PL' : e.buyer_country_code,
    counterpartyName: e.counterparty_name,
    counterpartyAddress: e.counterparty_address,
    description: e.description,
    revenueSales: e.revenue_sales,
    revenueOther: e.revenue_other,
    remarks: e.remarks,
    amounts: byEntry.get(e.id) ?? {}
  }))
  if (register === 'ryczalt') return revenue
  // the KPiR's cost entries: purchase invoices booked into col. 12–15, in the same Lp. sequence
  const costs = await db
    .selectFrom('purchase_bookings')
    .select([
      'entry_number',
      'booked_at',
      'event_date',
      'document_number',
      'ksef_number',
      'counterparty_tax_id',
      'counterparty_name',
      'counterparty_address',
      'description',
      'remarks',
      'kpir_column',
      'cost_amount'
    ])
    .where('year', '=', year)
    .where('entry_number', 'is not', null)
    .execute()
  const costEntries: BookEntryInput[] = costs.map((c) => ({
    entryNumber: c.entry_number!,
    entryDate: DateTime.fromISO(c.booked_at, { zone: 'utc' }).setZone('Europe/Warsaw').toISODate() ?? c.event_date,
    eventDate: c.event_date,
    documentNumber: c.document_number,
    ksefNumber: c.ksef_number,
    counterpartyTaxId: c.counterparty_tax_id,
    // purchase invoices come from KSeF: the seller has a Polish NIP
    counterpartyCountryCode: 'PL',
    counterpartyName: c.counterparty_name,
    counterpartyAddress: c.counterparty_address,
    description: c.description,
    revenueSales: 0,
    revenueOther: 0,
    remarks: c.remarks,
    cost: { column: c.kpir_column ?? '15', amount: c.cost_amount },
    amounts: {}
  }))
  return [...revenue, ...costEntries].sort((a, b) => a.entryNumber - b.entryNumber)
}

// ---------- filed periods ----------

export async function filingsOf(db: Queryable, kind: JpkKind, period: string) {
  return await db
    .selectFrom('jpk_filings')
    .leftJoin('users', 'users.id', 'jpk_filings.filed_by')
    .select([
      'jpk_filings.id',
      'jpk_filings.purpose',
      'jpk_filings.reason',
      'jpk_filings.xml_sha256',
      'jpk_filings.tax_to_pay',
      'jpk_filings.surplus_carried',
      'jpk_filings.filed_at',
      'users.name as user_name'
    ])
    .where('jpk_filings.kind', '=', kind)
    .where('jpk_filings.period', '=', period)
    .orderBy('jpk_filings.id')
    .execute()
}

export async function filedXml(db: Queryable, id: number) {
  return await db
    .selectFrom('jpk_filings')
    .select(['id', 'kind', 'period', 'purpose', 'xml'])
    .where('id', '=', id)
    .executeTakeFirst()
}

/** The latest JPK_V7 file filed for the month (either variant), with its bytes. */
export async function latestFiledV7(db: Queryable, month: string) {
  return await db
    .selectFrom('jpk_filings')
    .select(['id', 'kind', 'xml'])
    .where('kind', 'in', ['V7M', 'V7K'])
    .where('period', '=', month)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst()
}

/** The surplus the latest filed declaration of the period carried on (P_62), whole złoty. */
export async function surplusCarriedFrom(db: Queryable, kinds: JpkKind[], period: string): Promise<number | null> {
  const row = await db
    .selectFrom('jpk_filings')
    .select('surplus_carried')
    .where('kind', 'in', kinds)
    .where('period', '=', period)
    .where('surplus_carried', 'is not', null)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst()
  return row?.surplus_carried ?? null
}

export async function insertFiling(
  db: Queryable,
  values: {
    kind: JpkKind
    period: string
    purpose: 1 | 2
    reason: string
    xml: string
    sha256: string
    taxToPay: number | null
    surplusCarried: number | null
    filedAt: string
    filedBy: number | null
  }
): Promise<number> {
  const row = await db
    .insertInto('jpk_filings')
    .values({
      kind: values.kind,
      period: values.period,
      purpose: values.purpose,
      reason: values.reason,
      xml: Buffer.from(values.xml, 'utf8'),
      xml_sha256: values.sha256,
      tax_to_pay: values.taxToPay,
      surplus_carried: values.surplusCarried,
      filed_at: values.filedAt,
      filed_by: values.filedBy
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return row.id
}

// ---------- stock counts ----------

interface StockCount {
  date: string
  value: number
}

export interface StockCounts {
  start: StockCount | null
  end: StockCount | null
  during: StockCount[]
}

export async function stockCounts(db: Queryable, year: number): Promise<StockCounts> {
  const rows = await db
    .selectFrom('jpk_stock_counts')
    .select(['kind', 'count_date', 'value'])
    .where('year', '=', year)
    .orderBy('count_date')
    .orderBy('id')
    .execute()
  const one = (kind: string) => {
    const row = rows.find((r) => r.kind === kind)
    return row ? { date: row.count_date, value: row.value } : null
  }
  return {
    start: one('poczatek'),
    end: one('koniec'),
    during: rows.filter((r) => r.kind === 'w_ciagu_roku').map((r) => ({ date: r.count_date, value: r.value }))
  }
}

/** The year's counts become exactly these (run it in a transaction: a delete, then inserts). */
export async function replaceStockCounts(
  db: Queryable,
  year: number,
  counts: StockCounts,
  at: string,
  userId: number | null
): Promise<void> {
  await db.deleteFrom('jpk_stock_counts').where('year', '=', year).execute()
  const rows = [
    ...(counts.start ? [{ kind: 'poczatek', count_date: counts.start.date, value: counts.start.value }] : []),
    ...(counts.end ? [{ kind: 'koniec', count_date: counts.end.date, value: counts.end.value }] : []),
    ...counts.during.map((c) => ({ kind: 'w_ciagu_roku', count_date: c.date, value: c.value }))
  ]
  if (rows.length === 0) return
  await db
    .insertInto('jpk_stock_counts')
    .values(rows.map((r) => ({ ...r, year, updated_at: at, updated_by: userId })))
    .execute()
}

// ---------- sales issued into a filed JPK_V7 month ----------

/** 'MM/RRRR', as the tax forms name a period. */
export const periodLabel = (month: string) => `${month.slice(5, 7)}/${month.slice(0, 4)}`

/**
 * The warning for a sale in a month whose JPK_V7 is filed. Issuing there is lawful; the
 * taxpayer then corrects the filed return (art. 81 Ordynacji podatkowej).
 */
export const correctionNeededMessage = (month: string) =>
  `Deklaracja za ${periodLabel(month)} została złożona — ten dokument wymaga korekty JPK_V7 (art. 81 Ordynacji podatkowej)`

const XML_ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&apos;': "'" }

/** The document numbers (DowodSprzedazy) of the sales rows of a filed JPK_V7 file. */
function filedDocumentNumbers(xml: string): Set<string> {
  const numbers = new Set<string>()
  for (const m of xml.matchAll(/<(?:[\w-]+:)?DowodSprzedazy>([^<]*)<\/(?:[\w-]+:)?DowodSprzedazy>/g)) {
    numbers.add(m[1].replace(/&(?:amp|lt|gt|quot|apos);/g, (e) => XML_ENTITIES[e]))
  }
  return numbers
}

/**
 * Sales documents of the months that the latest filed JPK_V7 file of their month does not carry:
 * issued after the filing (or otherwise missing from it), they need a correction of the filed
 * file. A month stops needing one once a correction carrying them is filed (the latest filing
 * is the one that counts: a correction is a whole file). Only documents created since the
 * latest filing are candidates – anything older was in the register when it was filed – and
 * each candidate is confirmed against the filed XML, so a clock at one instant (tests) or a
 * later filing never leaves a false warning.
 */
export async function salesMissingFromFiledV7(
  db: Queryable,
  months: string[]
): Promise<Array<{ month: string; id: number; number: string }>> {
  if (months.length === 0) return []
  const filings = await db
    .selectFrom('jpk_filings')
    .select(['id', 'period', 'xml', 'filed_at'])
    .where('kind', 'in', ['V7M', 'V7K'])
    .where('period', 'in', months)
    .orderBy('id')
    .execute()
  const latest = new Map<string, (typeof filings)[number]>()
  for (const f of filings) latest.set(f.period, f)
  const missing: Array<{ month: string; id: number; number: string }> = []
  for (const [month, filing] of latest) {
    const candidates = await db
      .selectFrom('documents')
      .select(['documents.id', 'documents.number'])
      .where('documents.status', '=', 'issued')
      .where('documents.type', 'in', [...BOOKABLE_TYPES])
      .where('documents.created_at', '>=', filing.filed_at)
      .where(sql<string>`substr(${eventDateSql}, 1, 7)`, '=', month)
      .orderBy('documents.id')
      .execute()
    if (candidates.length === 0) continue
    const filed = filedDocumentNumbers(Buffer.from(filing.xml).toString('utf8'))
    for (const d of candidates) if (!filed.has(d.number)) missing.push({ month, id: d.id, number: d.number })
  }
  return missing
}

/** The correction warning for one document, or null (not a sale, no filed JPK_V7 for its month, or carried by it). */
export async function correctionNeededFor(
  db: Queryable,
  documentId: number
): Promise<{ month: string; message: string } | null> {
  const doc = await db
    .selectFrom('documents')
    .select(['id', sql<string>`substr(${eventDateSql}, 1, 7)`.as('month')])
    .where('id', '=', documentId)
    .executeTakeFirst()
  if (!doc) return null
  const missing = await salesMissingFromFiledV7(db, [doc.month])
  return missing.some((m) => m.id === documentId)
    ? { month: doc.month, message: correctionNeededMessage(doc.month) }
    : null
}

export type V7MonthState = 'niezlozony' | 'zlozony' | 'wymaga_korekty'

/** Each month of the year: not filed, filed, or filed and needing a correction (sales missing from the filed file). */
export async function v7YearStates(
  db: Queryable,
  year: number
): Promise<Array<{ month: string; state: V7MonthState; missing: number }>> {
  const months = Array.from({ length: 12 }, (_, i) => `${year}-${String(i + 1).padStart(2, '0')}`)
  const filed = new Set(
    (
      await db
        .selectFrom('jpk_filings')
        .select('period')
        .where('kind', 'in', ['V7M', 'V7K'])
        .where('period', 'in', months)
        .execute()
    ).map((r) => r.period)
  )
  const missing = await salesMissingFromFiledV7(db, [...filed])
  return months.map((month) => {
    const count = missing.filter((m) => m.month === month).length
    return { month, state: !filed.has(month) ? 'niezlozony' : count > 0 ? 'wymaga_korekty' : 'zlozony', missing: count }
  })
}
