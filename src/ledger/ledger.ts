// What a sales document becomes in the registers: pure rules, no Fastify, no Kysely.
// Rules: reference/polish-invoicing.md §3–§6 and §8 (KPiR 2026, ryczałt, VAT register / JPK_V7).
import { RYCZALT_RATES_BP, ryczaltRateLabel } from '../shared/tax-codes.ts'
import { convertToPln, isValidMidRate } from '../nbp/nbp.ts'
import { formatAmount } from '../shared/money.ts'

export type Register = 'kpir' | 'ryczalt' | 'vat'
type BookRegister = Exclude<Register, 'vat'>

export const REGISTER_NAMES = {
  kpir: 'Podatkowa księga przychodów i rozchodów',
  ryczalt: 'Ewidencja przychodów (ryczałt)',
  vat: 'Rejestr sprzedaży VAT'
} as const satisfies Record<Register, string>

export const REGISTER_PATHS = {
  kpir: '/ksiegowosc/kpir',
  ryczalt: '/ksiegowosc/ryczalt',
  vat: '/ksiegowosc/rejestr-vat'
} as const satisfies Record<Register, string>

/** VAT register columns, in JPK_V7 order of importance: K_19/20, K_17/18, K_15/16, K_13, K_10, K_11. */
export const VAT_REGISTER_RATES = ['23', '8', '5', '0', 'zw', 'np'] as const
export const VAT_RATES_WITH_TAX: readonly string[] = ['23', '8', '5']

export { RYCZALT_RATES_BP, ryczaltRateLabel }

/** Sales document types that go into the registers (pro forma never does). */
export const BOOKABLE_TYPES: readonly string[] = ['faktura', 'faktura_bez_vat', 'paragon', 'inny_przychod', 'korekta']

export function isProforma(type: string): boolean {
  return type === 'proforma' || type === 'proforma_bez_vat'
}

export interface BookingCompany {
  vatPayer: boolean
  taxForm: BookRegister
  ryczaltRateBp: number | null
}

export interface BookingDocument {
  id: number
  type: string
  number: string
  status: string
  issueDate: string
  saleDate: string
  /** a correction's settlement date (art. 29a), null: booked when issued */
  settlementDate?: string | null
  currency: string
  exchangeRate: string | null
  exchangeRateTable: string | null
  exchangeRateDate: string | null
  buyerName: string
  buyerNip: string | null
  buyerForeignTaxId: string | null
  buyerStreet: string
  buyerPostalCode: string
  buyerCity: string
  buyerCountryCode: string
  totalNet: number
  totalVat: number
  totalGross: number
  totalVatPln: number
  ksefNumber: string | null
  /** the number of the corrected document, for a correction */
  correctedNumber: string | null
  /** the receipt this invoice was issued for (faktura do paragonu), when there is one */
  receiptNumber: string | null
}

export interface BookingLine {
  id: number
  kind: string
  vatRate: string
  net: number
  gross: number
}

export interface RateAmounts {
  vatRate: string
  net: number
  vat: number
  gross: number
}

interface EntryAmount {
  rate: string
  net: number
  vat: number
}

export interface EntryDraft {
  register: Register
  year: number
  month: string
  eventDate: string
  documentType: string
  documentNumber: string
  issueDate: string
  saleDate: string
  ksefNumber: string | null
  counterpartyTaxId: string
  counterpartyName: string
  counterpartyAddress: string
  description: string
  documentMark: 'RO' | 'WEW' | 'FP' | null
  revenueSales: number
  revenueOther: number
  totalVat: number
  remarks: string
  amounts: EntryAmount[]
}

export type BookingPlan = { ok: true; entries: EntryDraft[] } | { ok: false; reason: string }

export interface BookingOptions {
  /** ryczałt rate chosen per document line (line id → basis points) */
  lineRates?: ReadonlyMap<number, number>
  /** for a correction: the ryczałt rate its corrected document was booked with */
  correctedRyczaltRateBp?: number | null
}

/** An invoice issued to a receipt adds no revenue: the receipt already did (art. 109 ust. 3d, JPK FP). */
export function isInvoiceToReceipt(doc: Pick<BookingDocument, 'type' | 'receiptNumber'>): boolean {
  return (doc.type === 'faktura' || doc.type === 'faktura_bez_vat') && doc.receiptNumber !== null
}

/** The registers a document belongs in; empty for pro forma and cancelled documents. */
export function requiredRegisters(
  doc: Pick<BookingDocument, 'type' | 'status' | 'receiptNumber'>,
  company: BookingCompany
): Register[] {
  if (doc.status !== 'issued' || !BOOKABLE_TYPES.includes(doc.type)) return []
  const registers: Register[] = []
  if (!isInvoiceToReceipt(doc)) registers.push(company.taxForm)
  if (company.vatPayer) registers.push('vat')
  return registers
}

/**
 * The date revenue arises (art. 14 ust. 1c PIT): the sale, but not later than the invoice.
 * A correction is booked on its settlement date (art. 29a ustawy o VAT, chosen when it is issued:
 * src/corrections correctionSettlement), or when it is issued if it has none.
 */
export function eventDate(
  doc: Pick<BookingDocument, 'type' | 'issueDate' | 'saleDate'> & { settlementDate?: string | null }
): string {
  if (doc.type === 'korekta') return doc.settlementDate ?? doc.issueDate
  return doc.saleDate < doc.issueDate ? doc.saleDate : doc.issueDate
}

export function monthOf(isoDate: string): string {
  return isoDate.slice(0, 7)
}

// ---------- months ----------

const MONTH_PATTERN = /^(20\d{2})-(0[1-9]|1[0-2])$/
const MONTH_NAMES = [
  'styczeń',
  'luty',
  'marzec',
  'kwiecień',
  'maj',
  'czerwiec',
  'lipiec',
  'sierpień',
  'wrzesień',
  'październik',
  'listopad',
  'grudzień'
]

/** '2026-11' → '2026-11'; anything else → null. */
export function parseMonth(text: string): string | null {
  return MONTH_PATTERN.test(text) ? text : null
}

export function monthLabel(month: string): string {
  const [year, m] = month.split('-')
  return `${MONTH_NAMES[Number(m) - 1]} ${year}`
}

export function addMonths(month: string, delta: number): string {
  const [year, m] = month.split('-').map(Number)
  const index = year * 12 + (m - 1) + delta
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`
}

export function yearOf(month: string): number {
  return Number(month.slice(0, 4))
}

export function monthsOfYear(year: number): string[] {
  return Array.from({ length: 12 }, (_, i) => `${year}-${String(i + 1).padStart(2, '0')}`)
}

// ---------- currency ----------

/**
 * Converts minor units of a foreign currency to grosze at a stored decimal rate ('4.2345'), half
 * up: the NBP module's arithmetic, so the registers, the document and FA(3) convert alike.
 */
export function toPln(minor: number, exchangeRate: string): number {
  if (!isValidMidRate(exchangeRate)) throw new RangeError(`invalid exchange rate ${exchangeRate}`)
  return convertToPln(minor, exchangeRate)
}

function isUsableExchangeRate(text: string | null): text is string {
  return text !== null && isValidMidRate(text)
}

// ---------- amounts ----------

/** Adds `difference` to the part with the largest absolute value, so the parts sum to a target. */
function settleRemainder<K>(parts: Map<K, number>, difference: number): void {
  if (difference === 0 || parts.size === 0) return
  let largest: K | undefined
  for (const [key, value] of parts) {
    if (largest === undefined || Math.abs(value) > Math.abs(parts.get(largest)!)) largest = key
  }
  parts.set(largest!, parts.get(largest!)! + difference)
}

function rateTotalsFrom(lines: BookingLine[]): RateAmounts[] {
  const byRate = new Map<string, RateAmounts>()
  for (const line of lines) {
    const total = byRate.get(line.vatRate) ?? { vatRate: line.vatRate, net: 0, vat: 0, gross: 0 }
    total.net += line.net
    total.gross += line.gross
    total.vat += line.gross - line.net
    byRate.set(line.vatRate, total)
  }
  return [...byRate.values()]
}

function describe(doc: BookingDocument, lines: BookingLine[]): string {
  switch (doc.type) {
    case 'paragon':
      return 'Sprzedaż – paragon'
    case 'inny_przychod':
      return 'Sprzedaż – inny przychód'
    case 'korekta':
      return doc.correctedNumber ? `Korekta sprzedaży do ${doc.correctedNumber}` : 'Korekta sprzedaży'
  }
  const services = lines.filter((l) => l.kind === 'service').length
  if (services === 0) return 'Sprzedaż towarów'
  return services === lines.length ? 'Sprzedaż usług' : 'Sprzedaż towarów i usług'
}

function counterparty(
  doc: BookingDocument
): Pick<EntryDraft, 'counterpartyTaxId' | 'counterpartyName' | 'counterpartyAddress'> {
  // KPiR 2026: cols. 5–7 stay empty for revenue from internal documents and cash-register sales
  if (doc.type === 'paragon' || doc.type === 'inny_przychod')
    return { counterpartyTaxId: '', counterpartyName: '', counterpartyAddress: '' }
  const taxId = doc.buyerNip ?? doc.buyerForeignTaxId ?? ''
  const place = [doc.buyerPostalCode, doc.buyerCity].filter((p) => p !== '').join(' ')
  const address = [doc.buyerStreet, place, doc.buyerCountryCode !== 'PL' ? doc.buyerCountryCode : '']
    .filter((p) => p !== '')
    .join(', ')
  return { counterpartyTaxId: taxId, counterpartyName: doc.buyerName, counterpartyAddress: address }
}

function remarksFor(doc: BookingDocument, register: Register): string {
  const notes: string[] = []
  if (doc.currency !== 'PLN' && doc.exchangeRate) {
    const table = doc.exchangeRateTable
      ? ` (tabela ${doc.exchangeRateTable}${doc.exchangeRateDate ? ` z ${doc.exchangeRateDate}` : ''})`
      : ''
    notes.push(
      `${formatAmount(doc.totalGross)} ${doc.currency} brutto, kurs ${doc.exchangeRate.replace('.', ',')}${table}`
    )
  }
  if (doc.type === 'korekta' && doc.correctedNumber) notes.push(`Korekta dokumentu ${doc.correctedNumber}`)
  if (register === 'vat' && isInvoiceToReceipt(doc))
    notes.push(`Faktura do paragonu ${doc.receiptNumber} – poza sumami rejestru`)
  return notes.join('; ')
}

function documentMark(doc: BookingDocument): EntryDraft['documentMark'] {
  if (doc.type === 'paragon') return 'RO'
  if (doc.type === 'inny_przychod') return 'WEW'
  if (isInvoiceToReceipt(doc)) return 'FP'
  return null
}

/**
 * The entries a document gets in the given registers, amounts in PLN grosze, or why it cannot
 * be booked. Revenue is net for VAT payers and gross for exempt ones; foreign amounts are
 * converted per VAT rate at the document's rate, half up, so every register adds up the same.
 */
export function planBooking(
  doc: BookingDocument,
  lines: BookingLine[],
  storedRateTotals: RateAmounts[],
  company: BookingCompany,
  registers: Register[],
  options: BookingOptions = {}
): BookingPlan {
  if (isProforma(doc.type))
    return { ok: false, reason: 'Pro forma nie jest dokumentem księgowym – nie księguje się jej.' }
  if (doc.status === 'cancelled')
    return { ok: false, reason: 'Dokument jest anulowany – anulowanych dokumentów się nie księguje.' }
  if (!BOOKABLE_TYPES.includes(doc.type))
    return { ok: false, reason: `Dokumentów rodzaju „${doc.type}” nie księguje się w rejestrach sprzedaży.` }

  const rateTotals = storedRateTotals.length > 0 ? storedRateTotals : rateTotalsFrom(lines)
  const sum = (pick: (r: RateAmounts) => number) => rateTotals.reduce((acc, r) => acc + pick(r), 0)
  if (
    sum((r) => r.net) !== doc.totalNet ||
    sum((r) => r.vat) !== doc.totalVat ||
    sum((r) => r.gross) !== doc.totalGross
  ) {
    return {
      ok: false,
      reason: `Sumy dokumentu ${doc.number} nie zgadzają się z sumami według stawek VAT – nie można go zaksięgować.`
    }
  }
  const unknownRate = rateTotals.find((r) => !(VAT_REGISTER_RATES as readonly string[]).includes(r.vatRate))
  if (unknownRate)
    return { ok: false, reason: `Nieobsługiwana stawka VAT „${unknownRate.vatRate}” w dokumencie ${doc.number}.` }

  let convert = (minor: number) => minor
  if (doc.currency !== 'PLN') {
    if (!isUsableExchangeRate(doc.exchangeRate)) {
      return {
        ok: false,
        reason: `Dokument ${doc.number} jest w walucie ${doc.currency} i nie ma kursu wymiany – uzupełnij kurs NBP, aby go zaksięgować w złotych.`
      }
    }
    const rate = doc.exchangeRate
    convert = (minor) => toPln(minor, rate)
  } else if (doc.totalVatPln !== doc.totalVat) {
    return {
      ok: false,
      reason: `VAT w złotych dokumentu ${doc.number} różni się od jego VAT – nie można go zaksięgować.`
    }
  }

  const bookBase = (amounts: { net: number; gross: number }) => (company.vatPayer ? amounts.net : amounts.gross)
  const date = eventDate(doc)
  const base: Omit<
    EntryDraft,
    'register' | 'description' | 'documentMark' | 'revenueSales' | 'revenueOther' | 'totalVat' | 'remarks' | 'amounts'
  > = {
    year: Number(date.slice(0, 4)),
    month: monthOf(date),
    eventDate: date,
    documentType: doc.type,
    documentNumber: doc.number,
    issueDate: doc.issueDate,
    saleDate: doc.saleDate,
    ksefNumber: doc.ksefNumber,
    ...counterparty(doc)
  }
  const description = describe(doc, lines)

  const entries: EntryDraft[] = []
  for (const register of registers) {
    if (register === 'kpir') {
      const revenue = rateTotals.reduce((acc, r) => acc + convert(bookBase(r)), 0)
      entries.push({
        ...base,
        register,
        description,
        documentMark: null,
        revenueSales: revenue,
        revenueOther: 0,
        totalVat: 0,
        remarks: remarksFor(doc, register),
        amounts: []
      })
    } else if (register === 'ryczalt') {
      const amounts = ryczaltAmounts(doc, lines, rateTotals, company, options, convert, bookBase)
      if (!amounts.ok) return amounts
      const revenue = amounts.parts.reduce((acc, p) => acc + p.net, 0)
      entries.push({
        ...base,
        register,
        description,
        documentMark: null,
        revenueSales: revenue,
        revenueOther: 0,
        totalVat: 0,
        remarks: remarksFor(doc, register),
        amounts: amounts.parts
      })
    } else {
      const vat = vatAmounts(doc, rateTotals, convert)
      if (!vat.ok) return vat
      entries.push({
        ...base,
        register,
        description,
        documentMark: documentMark(doc),
        revenueSales: vat.parts.reduce((acc, p) => acc + p.net, 0),
        revenueOther: 0,
        totalVat: vat.parts.reduce((acc, p) => acc + p.vat, 0),
        remarks: remarksFor(doc, register),
        amounts: vat.parts
      })
    }
  }
  return { ok: true, entries }
}

function vatAmounts(
  doc: BookingDocument,
  rateTotals: RateAmounts[],
  convert: (minor: number) => number
): { ok: true; parts: EntryAmount[] } | { ok: false; reason: string } {
  const vatByRate = new Map(rateTotals.map((r) => [r.vatRate, convert(r.vat)]))
  const difference = doc.totalVatPln - [...vatByRate.values()].reduce((a, b) => a + b, 0)
  // per-rate conversion may differ by a grosz per rate from the document's own PLN VAT, which wins
  if (Math.abs(difference) > rateTotals.length) {
    return {
      ok: false,
      reason: `VAT w złotych dokumentu ${doc.number} nie zgadza się z kwotami według stawek – nie można go zaksięgować.`
    }
  }
  settleRemainder(vatByRate, difference)
  const parts = VAT_REGISTER_RATES.flatMap((rate) => {
    const total = rateTotals.find((r) => r.vatRate === rate)
    return total ? [{ rate, net: convert(total.net), vat: vatByRate.get(rate)! }] : []
  })
  return { ok: true, parts }
}

function ryczaltAmounts(
  doc: BookingDocument,
  lines: BookingLine[],
  rateTotals: RateAmounts[],
  company: BookingCompany,
  options: BookingOptions,
  convert: (minor: number) => number,
  bookBase: (amounts: { net: number; gross: number }) => number
): { ok: true; parts: EntryAmount[] } | { ok: false; reason: string } {
  const companyRate = company.ryczaltRateBp
  const fixedRate = doc.type === 'korekta' ? (options.correctedRyczaltRateBp ?? companyRate) : null
  if (companyRate === null)
    return { ok: false, reason: 'Firma nie ma ustawionej stawki ryczałtu – ustaw ją w USTAWIENIA » FIRMA.' }
  const lineRate = (line: BookingLine) => options.lineRates?.get(line.id) ?? companyRate

  const byRyczaltRate = new Map<number, number>()
  for (const total of rateTotals) {
    const target = convert(bookBase(total))
    // split each VAT rate's revenue over the lines' ryczałt rates; the rounding remainder goes to the largest part
    const parts = new Map<number, number>()
    if (fixedRate !== null) {
      parts.set(fixedRate, target)
    } else {
      const groupLines = lines.filter((l) => l.vatRate === total.vatRate)
      const sums = new Map<number, number>()
      for (const line of groupLines) {
        const rate = lineRate(line)
        sums.set(rate, (sums.get(rate) ?? 0) + bookBase(line))
      }
      for (const [rate, amount] of sums) parts.set(rate, convert(amount))
      if (parts.size === 0) parts.set(companyRate, 0)
      settleRemainder(parts, target - [...parts.values()].reduce((a, b) => a + b, 0))
    }
    for (const [rate, amount] of parts) byRyczaltRate.set(rate, (byRyczaltRate.get(rate) ?? 0) + amount)
  }
  const parts = RYCZALT_RATES_BP.flatMap((bp) => {
    const amount = byRyczaltRate.get(bp)
    return amount === undefined ? [] : [{ rate: String(bp), net: amount, vat: 0 }]
  })
  return { ok: true, parts }
}

// ---------- totals ----------

export interface RegisterTotals {
  revenueSales: number
  revenueOther: number
  totalVat: number
  /** by rate key: VAT rate or ryczałt basis points */
  byRate: Record<string, { net: number; vat: number }>
}

export function emptyTotals(): RegisterTotals {
  return { revenueSales: 0, revenueOther: 0, totalVat: 0, byRate: {} }
}

export function addTotals(a: RegisterTotals, b: RegisterTotals): RegisterTotals {
  const byRate: RegisterTotals['byRate'] = {}
  for (const key of new Set([...Object.keys(a.byRate), ...Object.keys(b.byRate)])) {
    byRate[key] = {
      net: (a.byRate[key]?.net ?? 0) + (b.byRate[key]?.net ?? 0),
      vat: (a.byRate[key]?.vat ?? 0) + (b.byRate[key]?.vat ?? 0)
    }
  }
  return {
    revenueSales: a.revenueSales + b.revenueSales,
    revenueOther: a.revenueOther + b.revenueOther,
    totalVat: a.totalVat + b.totalVat,
    byRate
  }
}

export function rateAmount(totals: RegisterTotals, rate: string): { net: number; vat: number } {
  return totals.byRate[rate] ?? { net: 0, vat: 0 }
}

/** JPK_V7 KSeF marker of a VAT register row: the KSeF number, DI for documents other than invoices, else BFK. */
export function ksefMarker(entry: { ksef_number: string | null; document_type: string }): string {
  if (entry.ksef_number) return entry.ksef_number
  return entry.document_type === 'paragon' || entry.document_type === 'inny_przychod' ? 'DI' : 'BFK'
}
