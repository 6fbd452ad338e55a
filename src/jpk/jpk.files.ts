// Putting a JPK file together: the registers' rows (queries), the figures (pure domain), the XML
// and its check against the official schema. A file with an error or failing the schema is
// shown with what is wrong and is never handed out. The schema check is the caller's: the
// download and the filing run it, a page view only shows an earlier verdict (jpk-schema.ts).
import { createHash } from 'node:crypto'
import { addMonths, monthsOfYear } from '../ledger/ledger.ts'
import { ewpRows, pkpirRows, pkpirTotals } from './jpk-annual.ts'
import type { JpkKind, SchemaCheck } from './jpk-schema.ts'
import {
  buildPurchaseRows, buildSalesRows, computeDeclaration, controls, declarationMonths, quarterOf, sumFields,
  type Controls, type Declaration, type PurchaseRow, type RowProblem, type SalesRow
} from './jpk-v7.ts'
import { ewpXml, pkpirXml, taxpayerProblems, v7Xml, type EwpRow, type PkpirRow } from './jpk-xml.ts'
import {
  bookEntries, closedMonthsOf, correctionNeededMessage, filingsOf, getJpkCompany, salesMissingFromFiledV7, stockCounts, surplusCarriedFrom, unbookedDocuments, vatPurchaseInputs, vatSalesInputs,
  type StockCounts
} from './jpk.queries.ts'
import type { Queryable } from '../db/database.ts'

/** The XSD verdict for a built file: a fresh check (download, filing) or a remembered one (page), null if none. */
export type SchemaLookup = (kind: JpkKind, xml: string) => Promise<SchemaCheck | null> | SchemaCheck | null

export interface Problem extends RowProblem {
  /** the document the problem is about, when it is about one */
  documentNumber?: string
  documentId?: number
}

interface Prepared {
  kind: JpkKind
  period: string
  purpose: 1 | 2
  filings: Awaited<ReturnType<typeof filingsOf>>
  problems: Problem[]
  xml: string
  /** the XSD verdict; null on a page view before any download or filing checked this content */
  schema: SchemaCheck | null
  /** nothing known stops the download (the download itself still runs the XSD check) */
  ready: boolean
  fileName: string
  sha256: string
}

export interface V7Prepared extends Prepared {
  variant: 'V7M' | 'V7K'
  /** sales the latest filed file of the month does not carry: the filed return needs a correction (art. 81 OP) */
  missingFromFiled: Array<{ id: number, number: string }>
  month: string
  quarter: number | null
  declarationMonths: string[] | null
  sales: SalesRow[]
  purchases: PurchaseRow[]
  controls: Controls
  declaration: Declaration | null
  /**
   * P_39: typed on the page, else the P_62 of the last file filed for the previous period
   * (the month, or the quarter, before the declaration's), else 0
   */
  carried: { value: number, source: 'wpisana' | 'zlozona' | 'brak', filed: number | null, fromPeriod: string | null }
}

function finish<T extends Omit<Prepared, 'ready' | 'sha256'>> (p: T): T & Pick<Prepared, 'ready' | 'sha256'> {
  return {
    ...p,
    ready: p.schema?.valid !== false && !p.problems.some((x) => x.level === 'error'),
    sha256: createHash('sha256').update(p.xml, 'utf8').digest('base64')
  }
}

async function unbookedProblems (db: Queryable, register: 'vat' | 'kpir' | 'ryczalt', months: string[]): Promise<Problem[]> {
  const docs = await unbookedDocuments(db, register, months)
  return docs.map((d) => ({ level: 'error' as const, documentNumber: d.number, documentId: d.id, message: 'Dokument nie jest zaksięgowany w rejestrze – zaksięguj go w KSIĘGOWOŚĆ » Do zaksięgowania.' }))
}

async function closedProblem (db: Queryable, months: string[]): Promise<Problem[]> {
  const closed = new Set(await closedMonthsOf(db, months))
  const open = months.filter((m) => !closed.has(m))
  return open.length === 0 ? [] : [{ level: 'warning', message: `Niezamknięte miesiące: ${open.join(', ')} – rejestr może się jeszcze zmienić. Zamknij miesiąc przed złożeniem pliku.` }]
}

export async function prepareV7 (db: Queryable, month: string, opts: { carried: number | null, reason: string, now: string, schema: SchemaLookup }): Promise<V7Prepared> {
  const company = await getJpkCompany(db)
  const variant: 'V7M' | 'V7K' = company.vatPeriod === 'kwartal' ? 'V7K' : 'V7M'
  const filings = await filingsOf(db, variant, month)
  const purpose = filings.length > 0 ? 2 : 1
  const declMonths = declarationMonths(month, company.vatPeriod)
  const problems: Problem[] = taxpayerProblems(company.taxpayer, true).map((message) => ({ level: 'error', message }))
  if (!company.vatPayer) problems.push({ level: 'error', message: 'Firma nie jest czynnym podatnikiem VAT – nie składa JPK_V7.' })

  const sales = buildSalesRows(await vatSalesInputs(db, [month]))
  const purchases = buildPurchaseRows(await vatPurchaseInputs(db, [month]))
  for (const row of [...sales, ...purchases]) {
    for (const p of row.problems) problems.push({ ...p, documentNumber: row.documentNumber })
  }

  let declaration: Declaration | null = null
  let carried: V7Prepared['carried'] = { value: 0, source: 'brak', filed: null, fromPeriod: null }
  if (declMonths) {
    // a V7K quarter's surplus is filed with its last month, the month before this quarter
    const previous = addMonths(declMonths[0], -1)
    const filed = await surplusCarriedFrom(db, ['V7M', 'V7K'], previous)
    const source = opts.carried !== null ? 'wpisana' : filed !== null ? 'zlozona' : 'brak'
    carried = { value: opts.carried ?? filed ?? 0, source, filed, fromPeriod: previous }
    const declSales = declMonths.length === 1 ? sales : buildSalesRows(await vatSalesInputs(db, declMonths))
    const declPurchases = declMonths.length === 1 ? purchases : buildPurchaseRows(await vatPurchaseInputs(db, declMonths))
    declaration = computeDeclaration(sumFields(declSales, declPurchases), carried.value)
  }
  const months = declMonths ?? [month]
  problems.push(...await unbookedProblems(db, 'vat', months), ...await closedProblem(db, months))
  const missingFromFiled = filings.length > 0 ? await salesMissingFromFiledV7(db, [month]) : []
  for (const d of missingFromFiled) problems.push({ level: 'warning', documentNumber: d.number, documentId: d.id, message: `${correctionNeededMessage(month)}.` })

  const quarter = variant === 'V7K' ? quarterOf(month) : null
  const xml = v7Xml({
    variant,
    purpose,
    generatedAt: opts.now,
    year: Number(month.slice(0, 4)),
    month: Number(month.slice(5, 7)),
    taxpayer: company.taxpayer,
    declaration,
    quarter,
    correctionReason: purpose === 2 ? opts.reason : null,
    sales,
    purchases,
    controls: controls(sales, purchases)
  })
  return finish({
    kind: variant,
    variant,
    period: month,
    month,
    quarter,
    declarationMonths: declMonths,
    missingFromFiled,
    purpose,
    filings,
    problems,
    sales,
    purchases,
    controls: controls(sales, purchases),
    declaration,
    carried,
    xml,
    schema: await opts.schema(variant, xml),
    fileName: `JPK_${variant}_${month}${purpose === 2 ? `_korekta${filings.length}` : ''}.xml`
  })
}

export interface PkpirPrepared extends Prepared {
  year: number
  rows: PkpirRow[]
  stock: StockCounts
  totals: ReturnType<typeof pkpirTotals>
}

export async function preparePkpir (db: Queryable, year: number, now: string, schema: SchemaLookup): Promise<PkpirPrepared> {
  const company = await getJpkCompany(db)
  const filings = await filingsOf(db, 'PKPIR', String(year))
  const purpose = filings.length > 0 ? 2 : 1
  const problems: Problem[] = taxpayerProblems(company.taxpayer, false).map((message) => ({ level: 'error', message }))
  if (company.taxForm !== 'kpir') problems.push({ level: 'warning', message: 'Firma rozlicza się ryczałtem – jej plikiem rocznym jest JPK_EWP.' })
  const rows = pkpirRows(await bookEntries(db, 'kpir', year))
  if (rows.length === 0) problems.push({ level: 'error', message: `W księdze nie ma wpisów z roku ${year} – pliku JPK_PKPIR nie da się utworzyć bez wierszy.` })
  const stock = await stockCounts(db, year)
  if (stock.start === null || stock.end === null) problems.push({ level: 'error', message: 'Wpisz spis z natury na początek i na koniec roku (formularz poniżej) – plik JPK_PKPIR go wymaga.' })
  const totals = pkpirTotals(rows, stock.start?.value ?? 0, stock.end?.value ?? 0)
  const months = monthsOfYear(year)
  problems.push(...await unbookedProblems(db, 'kpir', months), ...await closedProblem(db, months))
  const xml = pkpirXml({
    purpose,
    generatedAt: now,
    year,
    taxpayer: company.taxpayer,
    stockStart: stock.start?.value ?? 0,
    stockEnd: stock.end?.value ?? 0,
    costs: totals.costs,
    income: totals.income,
    counts: stock.during,
    rows,
    revenueTotal: totals.revenue
  })
  return finish({
    kind: 'PKPIR',
    period: String(year),
    year,
    purpose,
    filings,
    problems,
    rows,
    stock,
    totals,
    xml,
    schema: await schema('PKPIR', xml),
    fileName: `JPK_PKPIR_${year}${purpose === 2 ? `_korekta${filings.length}` : ''}.xml`
  })
}

export interface EwpPrepared extends Prepared {
  year: number
  rows: EwpRow[]
  revenueTotal: number
}

export async function prepareEwp (db: Queryable, year: number, now: string, schema: SchemaLookup): Promise<EwpPrepared> {
  const company = await getJpkCompany(db)
  const filings = await filingsOf(db, 'EWP', String(year))
  const purpose = filings.length > 0 ? 2 : 1
  const problems: Problem[] = taxpayerProblems(company.taxpayer, false).map((message) => ({ level: 'error', message }))
  if (company.taxForm !== 'ryczalt') problems.push({ level: 'warning', message: 'Firma prowadzi KPiR – jej plikiem rocznym jest JPK_PKPIR.' })
  const built = ewpRows(await bookEntries(db, 'ryczalt', year))
  problems.push(...built.problems)
  if (built.rows.length === 0) problems.push({ level: 'error', message: `W ewidencji nie ma wpisów z roku ${year} – pliku JPK_EWP nie da się utworzyć bez wierszy.` })
  const revenueTotal = built.rows.reduce((acc, r) => acc + r.amount, 0)
  const months = monthsOfYear(year)
  problems.push(...await unbookedProblems(db, 'ryczalt', months), ...await closedProblem(db, months))
  const xml = ewpXml({ purpose, generatedAt: now, year, taxpayer: company.taxpayer, rows: built.rows, revenueTotal })
  return finish({
    kind: 'EWP',
    period: String(year),
    year,
    purpose,
    filings,
    problems,
    rows: built.rows,
    revenueTotal,
    xml,
    schema: await schema('EWP', xml),
    fileName: `JPK_EWP_${year}${purpose === 2 ? `_korekta${filings.length}` : ''}.xml`
  })
}
