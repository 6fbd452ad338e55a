// Putting a JPK file together: the registers' rows (queries), the figures (pure domain), the XML
// and its check against the official schema. A file with an error or failing the schema is
// shown with what is wrong and is never handed out. The schema check is the caller's: the
// download and the filing run it, a page view only shows an earlier verdict (jpk-schema.ts).
import { createHash } from 'node:crypto'
import { addMonths, monthsOfYear } from '../ledger/ledger.ts'
import { ewpRows, pkpirRows, pkpirTotals } from './jpk-annual.ts'
import type { JpkKind, SchemaCheck } from './jpk-schema.ts'
import {
  buildPurchaseRows,
  buildSalesRows,
  computeDeclaration,
  controls,
  declarationMonths,
  quarterOf,
  refundErrors,
  sumFields,
  type Controls,
  type Declaration,
  type PurchaseRow,
  type Refund,
  type RowProblem,
  type SalesRow
} from './jpk-v7.ts'
import {
  ewpXml,
  filedV7Options,
  pkpirXml,
  taxpayerProblems,
  v7Differences,
  v7Xml,
  type EwpRow,
  type PkpirRow,
  type V7File
} from './jpk-xml.ts'
import type { V7Form } from './jpk.form.ts'
import {
  bookEntries,
  closedMonthsOf,
  correctionNeededMessage,
  filedXml,
  filingsOf,
  latestFiledV7,
  getJpkCompany,
  periodLabel,
  salesMissingFromFiledV7,
  stockCounts,
  surplusCarriedFrom,
  unbookedDocuments,
  v7YearStates,
  vatPurchaseInputs,
  vatSalesInputs,
  type V7MonthState,
  type StockCounts
} from './jpk.queries.ts'
import type { Queryable } from '../db/database.ts'
import { selfAssessedOutput } from '../purchases/booking.queries.ts'
import { SELF_ASSESSMENT, type SelfAssessmentKind } from '../purchases/booking.ts'

/** The XSD verdict for a built file: a fresh check (download, filing) or a remembered one (page), null if none. */
export type SchemaLookup = (kind: JpkKind, xml: string) => Promise<SchemaCheck | null> | SchemaCheck | null

interface Problem extends RowProblem {
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
  missingFromFiled: Array<{ id: number; number: string }>
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
  carried: {
    value: number
    source: 'wpisana' | 'zlozona' | 'ten_okres' | 'brak'
    filed: number | null
    fromPeriod: string | null
  }
  /** the refund as typed does not fit the declaration: field → Polish message (a 422) */
  refundErrors: Record<string, string>
  /**
   * the latest filed file of the month against the one today's registers give with the filed
   * file's own P_39 and refund: what differs (a correction, CelZlozenia 2, is needed); empty when nothing
   */
  changedSinceFiling: string[]
  /** a correction here changes the P_62 that the next period's filed declaration took as its P_39 */
  surplusUsedLater: { period: string; usedP39: number; nowP62: number } | null
  /** this period's filed P_39 is not the P_62 of the previous period's latest filing (a correction there) */
  carriedMismatch: { period: string; filedP39: number; previousP62: number } | null
}

/** The declaration period after the one ending in this month: the next month, or the next quarter's last month. */
function nextDeclarationMonth(month: string, vatPeriod: 'miesiac' | 'kwartal'): string {
  return addMonths(month, vatPeriod === 'kwartal' ? 3 : 1)
}

function finish<T extends Omit<Prepared, 'ready' | 'sha256'>>(p: T): T & Pick<Prepared, 'ready' | 'sha256'> {
  return {
    ...p,
    ready: p.schema?.valid !== false && !p.problems.some((x) => x.level === 'error'),
    sha256: createHash('sha256').update(p.xml, 'utf8').digest('base64')
  }
}

async function unbookedProblems(
  db: Queryable,
  register: 'vat' | 'kpir' | 'ryczalt',
  months: string[]
): Promise<Problem[]> {
  const docs = await unbookedDocuments(db, register, months)
  return docs.map((d) => ({
    level: 'error' as const,
    documentNumber: d.number,
    documentId: d.id,
    message: 'Dokument nie jest zaksięgowany w rejestrze – zaksięguj go w KSIĘGOWOŚĆ » Do zaksięgowania.'
  }))
}

async function closedProblem(db: Queryable, months: string[]): Promise<Problem[]> {
  const closed = new Set(await closedMonthsOf(db, months))
  const open = months.filter((m) => !closed.has(m))
  return open.length === 0
    ? []
    : [
        {
          level: 'warning',
          message: `Niezamknięte miesiące: ${open.join(', ')} – rejestr może się jeszcze zmienić. Zamknij miesiąc przed złożeniem pliku.`
        }
      ]
}

export async function prepareV7(
  db: Queryable,
  month: string,
  opts: { carried: number | null; reason: string; refund?: V7Form['refund']; now: string; schema: SchemaLookup }
): Promise<V7Prepared> {
  const company = await getJpkCompany(db)
  const variant: 'V7M' | 'V7K' = company.vatPeriod === 'kwartal' ? 'V7K' : 'V7M'
  const filings = await filingsOf(db, variant, month)
  const purpose = filings.length > 0 ? 2 : 1
  const declMonths = declarationMonths(month, company.vatPeriod)
  const problems: Problem[] = taxpayerProblems(company.taxpayer, true).map((message) => ({ level: 'error', message }))
  if (!company.vatPayer)
    problems.push({ level: 'error', message: 'Firma nie jest czynnym podatnikiem VAT – nie składa JPK_V7.' })

  const sales = buildSalesRows(await vatSalesInputs(db, [month]))
  const purchases = buildPurchaseRows(await vatPurchaseInputs(db, [month]))
  for (const row of [...sales, ...purchases]) {
    for (const p of row.problems) problems.push({ ...p, documentNumber: row.documentNumber })
  }

  // A self-assessed purchase (WNT, import of services, reverse charge: src/purchases) owes output VAT in
  // SprzedazWiersz (K_23/K_24, K_29/K_30, K_31/K_32) and P_23…P_32 beside the input VAT it deducts. This file does
  // not write that side yet, so a period holding one would show the deduction alone: refused rather than wrong.
  for (const row of await selfAssessedOutput(db, declMonths ?? [month])) {
    const kind =
      row.output_kind !== null && row.output_kind in SELF_ASSESSMENT
        ? SELF_ASSESSMENT[row.output_kind as SelfAssessmentKind]
        : null
    problems.push({
      level: 'error',
      documentNumber: row.document_number,
      message:
        `Faktura zakupu ${row.document_number} jest rozliczana przez nabywcę (${kind?.label ?? 'samonaliczenie VAT'}): ` +
        'Biurko nie ujmuje jeszcze w JPK_V7 podatku należnego z samonaliczenia, więc plik za ten okres byłby błędny. ' +
        'Przygotuj JPK_V7 za ten okres w innym programie albo odksięguj tę fakturę.'
    })
  }

  const latestFiling = filings.length > 0 ? await filedXml(db, filings[filings.length - 1].id) : undefined
  const filedText = latestFiling ? Buffer.from(latestFiling.xml).toString('utf8') : null
  const filedOptions = filedText !== null ? filedV7Options(filedText) : null
  let declaration: Declaration | null = null
  let carried: V7Prepared['carried'] = { value: 0, source: 'brak', filed: null, fromPeriod: null }
  let sums: Record<string, number> | null = null
  const typedRefund = opts.refund ?? { amount: null, term: '', offset: null, liability: '' }
  let refundProblems: Record<string, string> = {}
  if (declMonths) {
    // a V7K quarter's surplus is filed with its last month, the month before this quarter
    const previous = addMonths(declMonths[0], -1)
    const filed = await surplusCarriedFrom(db, ['V7M', 'V7K'], previous)
    // a correction without a filed previous period keeps the P_39 its own period was filed with
    const ownFiled = filed === null && filedOptions ? filedOptions.carried : null
    const source =
      opts.carried !== null ? 'wpisana' : filed !== null ? 'zlozona' : ownFiled !== null ? 'ten_okres' : 'brak'
    carried = { value: opts.carried ?? filed ?? ownFiled ?? 0, source, filed, fromPeriod: previous }
    const declSales = declMonths.length === 1 ? sales : buildSalesRows(await vatSalesInputs(db, declMonths))
    const declPurchases =
      declMonths.length === 1 ? purchases : buildPurchaseRows(await vatPurchaseInputs(db, declMonths))
    sums = sumFields(declSales, declPurchases)
    const plain = computeDeclaration(sums, carried.value)
    refundProblems = refundErrors(plain.fields.P_53, typedRefund)
    const refund: Refund | null =
      Object.keys(refundProblems).length === 0 && typedRefund.amount !== null && typedRefund.amount > 0
        ? {
            amount: typedRefund.amount,
            term: typedRefund.term as Refund['term'],
            offset:
              typedRefund.offset !== null
                ? { amount: typedRefund.offset, liability: typedRefund.liability.trim() }
                : null
          }
        : null
    declaration = refund ? computeDeclaration(sums, carried.value, refund) : plain
  } else {
    refundProblems = refundErrors(null, typedRefund)
  }
  const months = declMonths ?? [month]
  problems.push(...(await unbookedProblems(db, 'vat', months)), ...(await closedProblem(db, months)))
  const missingFromFiled = filings.length > 0 ? await salesMissingFromFiledV7(db, [month]) : []
  for (const d of missingFromFiled)
    problems.push({
      level: 'warning',
      documentNumber: d.number,
      documentId: d.id,
      message: `${correctionNeededMessage(month)}.`
    })

  const quarter = variant === 'V7K' ? quarterOf(month) : null
  const file: V7File = {
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
  }
  const xml = v7Xml(file)

  // the filed file is what the office has: today's registers, with the P_39 and refund the user
  // filed, must give the same file, or the filed return needs a correction (art. 81 OP)
  let changedSinceFiling: string[] = []
  let surplusUsedLater: V7Prepared['surplusUsedLater'] = null
  let carriedMismatch: V7Prepared['carriedMismatch'] = null
  if (filedText !== null && filedOptions !== null) {
    const options = filedOptions
    const asFiled = sums && declaration ? computeDeclaration(sums, options.carried ?? 0, options.refund) : null
    changedSinceFiling = v7Differences(filedText, v7Xml({ ...file, declaration: asFiled }))
    if (declaration && options.carried !== null && carried.filed !== null && options.carried !== carried.filed) {
      carriedMismatch = { period: carried.fromPeriod!, filedP39: options.carried, previousP62: carried.filed }
    }
  }
  if (declaration) {
    // the next declaration took this one's P_62 as its P_39 (art. 87 ust. 1): a correction that
    // changes P_62 changes that one too
    const next = nextDeclarationMonth(month, company.vatPeriod)
    const used = await latestFiledV7(db, next)
    const usedP39 = used ? filedV7Options(Buffer.from(used.xml).toString('utf8')).carried : null
    if (usedP39 !== null && usedP39 !== (declaration.fields.P_62 ?? 0))
      surplusUsedLater = { period: next, usedP39, nowP62: declaration.fields.P_62 ?? 0 }
  }
  if (changedSinceFiling.length > 0 && missingFromFiled.length === 0) {
    problems.push({
      level: 'warning',
      message: `Dane zmieniły się od złożenia pliku za ${periodLabel(month)} – złożony plik wymaga korekty (CelZlozenia 2). Zmiany: ${changedSinceFiling.slice(0, 10).join('; ')}${changedSinceFiling.length > 10 ? '…' : ''}.`
    })
  }
  if (surplusUsedLater) {
    problems.push({
      level: 'warning',
      message: `P_62 tej deklaracji wynosi teraz ${surplusUsedLater.nowP62} zł, a złożona deklaracja za ${periodLabel(surplusUsedLater.period)} przyjęła w P_39 ${surplusUsedLater.usedP39} zł – po złożeniu tej korekty skoryguj także deklarację za ${periodLabel(surplusUsedLater.period)}.`
    })
  }
  if (carriedMismatch) {
    problems.push({
      level: 'warning',
      message: `Złożona deklaracja przyjęła w P_39 ${carriedMismatch.filedP39} zł, a ostatni złożony plik za ${periodLabel(carriedMismatch.period)} ma P_62 ${carriedMismatch.previousP62} zł (korekta) – złóż korektę tej deklaracji z P_39 ${carriedMismatch.previousP62} zł.`
    })
  }
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
    refundErrors: refundProblems,
    changedSinceFiling,
    surplusUsedLater,
    carriedMismatch,
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

export async function preparePkpir(
  db: Queryable,
  year: number,
  now: string,
  schema: SchemaLookup
): Promise<PkpirPrepared> {
  const company = await getJpkCompany(db)
  const filings = await filingsOf(db, 'PKPIR', String(year))
  const purpose = filings.length > 0 ? 2 : 1
  const problems: Problem[] = taxpayerProblems(company.taxpayer, false).map((message) => ({ level: 'error', message }))
  if (company.taxForm !== 'kpir')
    problems.push({ level: 'warning', message: 'Firma rozlicza się ryczałtem – jej plikiem rocznym jest JPK_EWP.' })
  const rows = pkpirRows(await bookEntries(db, 'kpir', year))
  if (rows.length === 0)
    problems.push({
      level: 'error',
      message: `W księdze nie ma wpisów z roku ${year} – pliku JPK_PKPIR nie da się utworzyć bez wierszy.`
    })
  const stock = await stockCounts(db, year)
  if (stock.start === null || stock.end === null)
    problems.push({
      level: 'error',
      message: 'Wpisz spis z natury na początek i na koniec roku (formularz poniżej) – plik JPK_PKPIR go wymaga.'
    })
  const totals = pkpirTotals(rows, stock.start?.value ?? 0, stock.end?.value ?? 0)
  const months = monthsOfYear(year)
  problems.push(...(await unbookedProblems(db, 'kpir', months)), ...(await closedProblem(db, months)))
  const xml = pkpirXml({
    purpose,
    generatedAt: now,
    year,
    taxpayer: company.taxpayer,
    pitCashMethod: company.pitCashMethod,
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

export async function prepareEwp(db: Queryable, year: number, now: string, schema: SchemaLookup): Promise<EwpPrepared> {
  const company = await getJpkCompany(db)
  const filings = await filingsOf(db, 'EWP', String(year))
  const purpose = filings.length > 0 ? 2 : 1
  const problems: Problem[] = taxpayerProblems(company.taxpayer, false).map((message) => ({ level: 'error', message }))
  if (company.taxForm !== 'ryczalt')
    problems.push({ level: 'warning', message: 'Firma prowadzi KPiR – jej plikiem rocznym jest JPK_PKPIR.' })
  const built = ewpRows(await bookEntries(db, 'ryczalt', year))
  problems.push(...built.problems)
  if (built.rows.length === 0)
    problems.push({
      level: 'error',
      message: `W ewidencji nie ma wpisów z roku ${year} – pliku JPK_EWP nie da się utworzyć bez wierszy.`
    })
  const revenueTotal = built.rows.reduce((acc, r) => acc + r.amount, 0)
  const months = monthsOfYear(year)
  problems.push(...(await unbookedProblems(db, 'ryczalt', months)), ...(await closedProblem(db, months)))
  const xml = ewpXml({
    purpose,
    generatedAt: now,
    year,
    taxpayer: company.taxpayer,
    pitCashMethod: company.pitCashMethod,
    rows: built.rows,
    revenueTotal
  })
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

/**
 * Each month of the year: not filed, filed, or filed and needing a correction: a sale missing
 * from the filed file, a filed file today's registers no longer give, or a P_39 that the previous
 * period's correction changed. For V7K every month is its own file; a change in the quarter's
 * first month also flags its last month, whose declaration covers it.
 */
export async function v7YearStatesWithChanges(
  db: Queryable,
  year: number,
  now: string
): Promise<Array<{ month: string; state: V7MonthState; missing: number; changed: boolean }>> {
  const states = await v7YearStates(db, year)
  const out = []
  for (const s of states) {
    if (s.state === 'niezlozony') {
      out.push({ ...s, changed: false })
      continue
    }
    const p = await prepareV7(db, s.month, { carried: null, reason: '', now, schema: () => null })
    const changed = p.changedSinceFiling.length > 0 || p.carriedMismatch !== null
    out.push({ ...s, changed, state: changed ? ('wymaga_korekty' as const) : s.state })
  }
  return out
}
