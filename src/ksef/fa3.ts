// KSeF e-invoice in the FA(3) structure (schema 1-0E, vendor/ksef-fa3): a plain description of
// an invoice or correction, its checks, and the XML. Pure: no I/O, no database.
// Rules: reference/polish-invoicing.md §2 (rates, computing from gross), §3 (art. 113), §6
// (corrections), §7 (FA(3)).
//
// Choices worth knowing:
// - Allegro prices are gross and VAT is computed per rate from the gross sum (art. 106e ust. 7–8),
//   so lines carry the gross variants P_9B (unit gross price) and P_11A (gross value); the
//   per-rate P_13_x (net) and P_14_x (VAT) come from the document's per-rate totals.
// - A seller exempt under art. 113 issues a normal invoice (RodzajFaktury VAT) with every line
//   P_12 = "zw", the total in P_13_7 and Adnotacje/Zwolnienie P_19 = 1 + P_19A = the legal basis
//   (as MF recommends, polish-invoicing.md §3). With no VAT there is no gross method to apply, so
//   its lines carry the net variants P_9A/P_11 (net = gross).
// - Foreign currency: amounts stay in the invoice currency; VAT per rate is converted to PLN in
//   P_14_xW with the NBP rate, which each line carries in KursWaluty (the schema's place for the
//   rate "used to compute the tax"; KursWalutyZ is only for advance invoices). FA(3) has no field
//   for the NBP table number, so it goes into DodatkowyOpis.
// - A correction (KOR) shows lines before (StanPrzed = 1) and after, numbered on; P_13_x, P_14_x
//   and P_15 carry the differences.
import type { DateTime } from 'luxon'
import { convertToPln, isValidMidRate } from '../nbp/nbp.ts'
import { isIsoDate } from '../shared/dates.ts'
import { formatDecimal } from '../shared/money.ts'
import { isValidBankAccount, isValidNip, normalizeBankAccount } from '../shared/nip.ts'
import { FA3_COUNTRY_CODES, FA3_CURRENCY_CODES, FA3_EU_VAT_PREFIXES } from './codes.ts'
import { isValidKsefNumber } from './ksef-number.ts'
import { characterCount, element, leaf, renderDocument, tokenText, type XmlElement } from '../shared/xml.ts'

export const FA3_NAMESPACE = 'http://crd.gov.pl/wzor/2025/06/25/13775/'

/** VAT rates as the documents store them. */
const FA3_RATES = ['23', '8', '5', '0', 'zw', 'np'] as const
export type Fa3Rate = (typeof FA3_RATES)[number]

interface RateFields {
  /** P_12 code */
  code: string
  /** the per-rate sum: net for taxed rates, the sales value otherwise */
  net: string
  vat: string | null
  vatPln: string | null
}

// '0' is domestic 0 % ("0 KR"); 'np' is supply outside Poland ("np I"). In the schema's order.
const RATE_FIELDS: Record<Fa3Rate, RateFields> = {
  '23': { code: '23', net: 'P_13_1', vat: 'P_14_1', vatPln: 'P_14_1W' },
  '8': { code: '8', net: 'P_13_2', vat: 'P_14_2', vatPln: 'P_14_2W' },
  '5': { code: '5', net: 'P_13_3', vat: 'P_14_3', vatPln: 'P_14_3W' },
  '0': { code: '0 KR', net: 'P_13_6_1', vat: null, vatPln: null },
  zw: { code: 'zw', net: 'P_13_7', vat: null, vatPln: null },
  np: { code: 'np I', net: 'P_13_8', vat: null, vatPln: null }
}

export function isFa3Rate(value: string): value is Fa3Rate {
  return (FA3_RATES as readonly string[]).includes(value)
}

export interface Fa3Address {
  /** ISO 3166 code as the schema lists it (PL, CZ, …) */
  countryCode: string
  /** street and number */
  line1: string
  /** postal code and city */
  line2: string | null
}

interface Fa3Seller {
  nip: string
  name: string
  address: Fa3Address
}

export type Fa3BuyerId =
  | { kind: 'nip'; nip: string }
  /** an EU VAT number: prefix (EL for Greece) and the number without it */
  | { kind: 'eu'; countryCode: string; vatNumber: string }
  /** any other tax id, e.g. a Czech IČO or a non-EU number */
  | { kind: 'foreign'; countryCode: string | null; taxId: string }
  /** a consumer: BrakID */
  | { kind: 'none' }

interface Fa3Buyer {
  id: Fa3BuyerId
  name: string
  address: Fa3Address | null
}

/** Money in minor units of the invoice currency; quantity in thousandths. */
export interface Fa3Line {
  name: string
  unit: string
  quantityMilli: number
  unitPriceGross: number
  net: number
  vat: number
  gross: number
  rate: Fa3Rate
  /** the seller's product code (SKU), printed as Indeks when it fits 50 characters */
  code: string | null
  /** goods or services of annex 15 (P_12_Zal_15 = 1) */
  annex15?: boolean
  /** GTU_01…GTU_13 (FaWiersz/GTU), null or '' when none */
  gtu?: string | null
}

interface Fa3RateTotal {
  rate: Fa3Rate
  net: number
  vat: number
  gross: number
}

interface Fa3ExchangeRate {
  /** NBP table A mid rate as published, '4.2103' (PLN for 1 unit) */
  mid: string
  /** '012/A/NBP/2026'; null for a rate entered by hand without it */
  tableNo: string | null
  effectiveDate: string | null
}

/** FormaPlatnosci: 1 gotówka, 2 karta, 3 bon, 4 czek, 5 kredyt, 6 przelew, 7 mobilna. */
export type Fa3PaymentForm = 1 | 2 | 3 | 4 | 5 | 6 | 7

export interface Fa3Payment {
  /** the payment date when the invoice is paid (Zaplacono) */
  paidOn: string | null
  /** TerminPlatnosci when not paid yet */
  dueDate: string | null
  form: Fa3PaymentForm | null
  /** PlatnoscInna + OpisPlatnosci, when none of the codes fits (e.g. "za pobraniem") */
  otherForm: string | null
  /** the seller's account for the transfer */
  bankAccount: string | null
}

/** TypKorekty: 1 in the period of the original, 2 in the period of the correction, 3 another date. */
export type Fa3CorrectionEffect = 1 | 2 | 3

interface Fa3Correction {
  reason: string | null
  effect: Fa3CorrectionEffect | null
  /** the corrected invoice; for a further correction still the original invoice */
  originalNumber: string
  originalIssueDate: string
  /** null when the original was issued outside KSeF */
  originalKsefNumber: string | null
  /** the lines as they stood before this correction */
  linesBefore: Fa3Line[]
  /** the corrected invoice's exchange rate (KursWaluty of the rows before); null: the correction's */
  originalExchangeRate: string | null
}

export interface Fa3Invoice {
  number: string
  issueDate: string
  saleDate: string
  /** place of issue (P_1M), optional */
  place: string | null
  currency: string
  /** required exactly when the currency is not PLN */
  exchangeRate: Fa3ExchangeRate | null
  seller: Fa3Seller
  buyer: Fa3Buyer
  /** art. 113 (or other subjective exemption): no VAT at all on the invoice */
  sellerVatExempt: boolean
  /** legal basis of exempt sales (P_19A), e.g. "art. 113 ust. 1 ustawy o VAT"; required when a rate is zw */
  exemptionBasis: string | null
  /** which element carries the basis: P_19A (the VAT Act; the default), P_19B (directive 2006/112/WE), P_19C (other) */
  exemptionBasisKind?: 'ustawa' | 'dyrektywa' | 'inna'
  /** "metoda kasowa" (P_16) */
  cashAccounting: boolean
  /** "mechanizm podzielonej płatności" (P_18A) */
  splitPayment: boolean
  /** the lines (for a correction: as they stand after it) */
  lines: Fa3Line[]
  /** per-rate totals (for a correction: the differences) */
  rateTotals: Fa3RateTotal[]
  /** P_15: the gross total (for a correction: the difference) */
  totalGross: number
  payment: Fa3Payment | null
  correction: Fa3Correction | null
  /** FP: an invoice issued to a sale already documented by a receipt (art. 109 ust. 3d) */
  invoiceToReceipt?: boolean
}

export interface Fa3Options {
  /** DataWytworzeniaFa: when the file was made (app.ctx.now()) */
  generatedAt: DateTime
  systemInfo: 'Biurko'
}

/** Why an invoice cannot be exported; `problems` are Polish sentences for the user. */
export class Fa3Error extends Error {
  override name = 'Fa3Error'
  readonly problems: string[]
  constructor(problems: string[]) {
    super(problems.length === 1 ? problems[0] : `Nie można utworzyć pliku KSeF: ${problems.join(' ')}`)
    this.problems = problems
  }
}

// ---------- checks ----------

const MAX_ROWS = 10000
const NIP_PATTERN = /^[1-9]((\d[1-9])|([1-9]\d))\d{7}$/
const EU_VAT_NUMBER = /^[0-9A-Z+*]{1,12}$/
const EARLIEST_GENERATED = '2025-09-01T00:00:00Z'

interface TextRule {
  label: string
  max: number
  required: boolean
}

class Checker {
  readonly problems: string[] = []

  add(problem: string): void {
    if (!this.problems.includes(problem)) this.problems.push(problem)
  }

  /** The text as it will be written, or null; records a problem when it does not fit. */
  text(value: string | null | undefined, rule: TextRule): string | null {
    const token = tokenText(value ?? '')
    if (token === '') {
      if (rule.required) this.add(`Brak: ${rule.label}.`)
      return null
    }
    if (characterCount(token) > rule.max) {
      this.add(
        `${capitalize(rule.label)} ma więcej niż ${rule.max} znaków (${characterCount(token)}) – KSeF tego nie przyjmie.`
      )
      return null
    }
    return token
  }

  date(value: string | null | undefined, label: string, earliest: string): void {
    if (!value || !isIsoDate(value)) this.add(`${capitalize(label)}: „${value ?? ''}” nie jest poprawną datą.`)
    else if (value < earliest || value > '2050-01-01')
      this.add(`${capitalize(label)} ${value} jest poza zakresem dat KSeF.`)
  }

  integer(value: number, label: string): void {
    if (!Number.isSafeInteger(value)) this.add(`${capitalize(label)}: kwota musi być liczbą całkowitą groszy.`)
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}

function checkAddress(check: Checker, address: Fa3Address, who: string): void {
  if (!FA3_COUNTRY_CODES.has(address.countryCode))
    check.add(`Nieznany kod kraju w adresie ${who}: „${address.countryCode}”.`)
  check.text(address.line1, { label: `adres ${who} (ulica)`, max: 512, required: true })
  check.text(address.line2, { label: `adres ${who} (kod i miejscowość)`, max: 512, required: false })
}

function checkBuyerId(check: Checker, id: Fa3BuyerId): void {
  switch (id.kind) {
    case 'nip':
      if (!NIP_PATTERN.test(id.nip) || !isValidNip(id.nip)) check.add(`NIP nabywcy „${id.nip}” jest nieprawidłowy.`)
      break
    case 'eu':
      if (!FA3_EU_VAT_PREFIXES.has(id.countryCode) || id.countryCode === 'PL')
        check.add(`„${id.countryCode}” nie jest kodem kraju UE dla numeru VAT nabywcy.`)
      if (!EU_VAT_NUMBER.test(id.vatNumber))
        check.add(
          `Numer VAT UE nabywcy „${id.vatNumber}” jest nieprawidłowy (do 12 cyfr i wielkich liter, bez kodu kraju).`
        )
      break
    case 'foreign':
      if (id.countryCode !== null && !FA3_COUNTRY_CODES.has(id.countryCode))
        check.add(`Nieznany kod kraju identyfikatora podatkowego nabywcy: „${id.countryCode}”.`)
      check.text(id.taxId, { label: 'identyfikator podatkowy nabywcy', max: 50, required: true })
      break
    case 'none':
      break
  }
}

function checkLine(check: Checker, line: Fa3Line, position: string, sellerVatExempt: boolean): void {
  check.text(line.name, { label: `nazwa towaru lub usługi w ${position}`, max: 512, required: true })
  check.text(line.unit, { label: `jednostka miary w ${position}`, max: 256, required: true })
  for (const [value, label] of [
    [line.quantityMilli, 'ilość'],
    [line.unitPriceGross, 'cena'],
    [line.net, 'netto'],
    [line.vat, 'VAT'],
    [line.gross, 'brutto']
  ] as const) {
    check.integer(value, `${label} w ${position}`)
  }
  if (!isFa3Rate(line.rate)) {
    check.add(`Nieobsługiwana stawka VAT „${line.rate}” w ${position}.`)
    return
  }
  if (line.net + line.vat !== line.gross) check.add(`W ${position} netto + VAT nie równa się brutto.`)
  if (RATE_FIELDS[line.rate].vat === null && line.vat !== 0)
    check.add(`W ${position} stawka „${line.rate}” nie może mieć kwoty VAT.`)
  if (sellerVatExempt && line.rate !== 'zw')
    check.add(`Sprzedawca zwolniony z VAT: stawka w ${position} musi być „zw”.`)
}

function grossByRate(lines: Fa3Line[]): Map<Fa3Rate, number> {
  const sums = new Map<Fa3Rate, number>()
  for (const line of lines) sums.set(line.rate, (sums.get(line.rate) ?? 0) + line.gross)
  return sums
}

/** Everything that keeps the invoice from being a valid, consistent FA(3) file; empty when fine. */
function fa3Problems(invoice: Fa3Invoice): string[] {
  const check = new Checker()
  check.text(invoice.number, { label: 'numer faktury', max: 256, required: true })
  check.date(invoice.issueDate, 'data wystawienia', '2006-01-01')
  check.date(invoice.saleDate, 'data sprzedaży', '2006-01-01')
  check.text(invoice.place, { label: 'miejsce wystawienia', max: 256, required: false })

  if (!FA3_CURRENCY_CODES.has(invoice.currency)) check.add(`Nieznany kod waluty: „${invoice.currency}”.`)
  if (invoice.currency === 'PLN') {
    if (invoice.exchangeRate !== null) check.add('Faktura w złotych nie ma kursu waluty.')
  } else if (invoice.exchangeRate === null) {
    check.add(
      `Faktura w walucie ${invoice.currency} wymaga kursu NBP (tabela A z ostatniego dnia roboczego przed dniem sprzedaży).`
    )
  } else {
    if (!isValidMidRate(invoice.exchangeRate.mid))
      check.add(
        `Nieprawidłowy kurs waluty: „${invoice.exchangeRate.mid}” (liczba dodatnia, najwyżej 6 miejsc po kropce).`
      )
    check.text(invoice.exchangeRate.tableNo, { label: 'numer tabeli kursów', max: 100, required: false })
    if (invoice.exchangeRate.effectiveDate !== null)
      check.date(invoice.exchangeRate.effectiveDate, 'data tabeli kursów', '2006-01-01')
  }

  if (!NIP_PATTERN.test(invoice.seller.nip) || !isValidNip(invoice.seller.nip))
    check.add(`NIP sprzedawcy „${invoice.seller.nip}” jest nieprawidłowy.`)
  check.text(invoice.seller.name, { label: 'nazwa sprzedawcy', max: 512, required: true })
  checkAddress(check, invoice.seller.address, 'sprzedawcy')

  checkBuyerId(check, invoice.buyer.id)
  check.text(invoice.buyer.name, { label: 'nazwa nabywcy', max: 512, required: true })
  if (invoice.buyer.address !== null) checkAddress(check, invoice.buyer.address, 'nabywcy')

  const correction = invoice.correction
  const linesBefore = correction?.linesBefore ?? []
  // a correction to zero may list only the rows before it
  if (invoice.lines.length + linesBefore.length === 0) check.add('Faktura nie ma żadnej pozycji.')
  if (invoice.lines.length + linesBefore.length > MAX_ROWS) check.add(`Faktura ma więcej niż ${MAX_ROWS} wierszy.`)
  invoice.lines.forEach((line, i) => checkLine(check, line, `pozycji ${i + 1}`, invoice.sellerVatExempt))
  linesBefore.forEach((line, i) => checkLine(check, line, `pozycji ${i + 1} przed korektą`, invoice.sellerVatExempt))

  const seenRates = new Set<string>()
  for (const total of invoice.rateTotals) {
    if (!isFa3Rate(total.rate)) {
      check.add(`Nieobsługiwana stawka VAT „${total.rate}” w podsumowaniu.`)
      continue
    }
    if (seenRates.has(total.rate)) check.add(`Stawka „${total.rate}” występuje w podsumowaniu dwa razy.`)
    seenRates.add(total.rate)
    for (const value of [total.net, total.vat, total.gross]) check.integer(value, `podsumowanie stawki ${total.rate}`)
    if (total.net + total.vat !== total.gross)
      check.add(`W podsumowaniu stawki ${total.rate} netto + VAT nie równa się brutto.`)
    if (RATE_FIELDS[total.rate].vat === null && total.vat !== 0)
      check.add(`Stawka „${total.rate}” nie może mieć kwoty VAT w podsumowaniu.`)
    if (invoice.sellerVatExempt && total.rate !== 'zw')
      check.add('Sprzedawca zwolniony z VAT: podsumowanie może mieć tylko stawkę „zw”.')
  }
  check.integer(invoice.totalGross, 'kwota należności')
  if (invoice.rateTotals.reduce((sum, total) => sum + total.gross, 0) !== invoice.totalGross) {
    check.add('Suma brutto według stawek nie równa się kwocie należności ogółem (P_15).')
  }
  // KSeF does not check arithmetic (MF-H2 §1.6.1): the lines must add up to the per-rate totals
  const after = grossByRate(invoice.lines)
  const before = grossByRate(linesBefore)
  for (const rate of FA3_RATES) {
    const expected = invoice.rateTotals.find((total) => total.rate === rate)?.gross ?? 0
    const fromLines = (after.get(rate) ?? 0) - (before.get(rate) ?? 0)
    if (fromLines !== expected) {
      check.add(
        correction
          ? `Różnica wartości brutto pozycji przed i po korekcie w stawce ${rate} nie równa się różnicy w podsumowaniu.`
          : `Suma brutto pozycji w stawce ${rate} nie równa się podsumowaniu tej stawki.`
      )
    }
  }

  const hasExemptSales =
    [...invoice.lines, ...linesBefore].some((line) => line.rate === 'zw') ||
    invoice.rateTotals.some((total) => total.rate === 'zw')
  check.text(invoice.exemptionBasis, { label: 'podstawa zwolnienia z VAT', max: 256, required: false })
  const basisGiven = tokenText(invoice.exemptionBasis ?? '') !== ''
  if (hasExemptSales && !basisGiven) {
    check.add(
      invoice.sellerVatExempt
        ? 'Sprzedawca zwolniony z VAT: podaj podstawę prawną zwolnienia (np. art. 113 ust. 1 ustawy o VAT).'
        : 'Faktura ma sprzedaż zwolnioną (zw): podaj podstawę prawną zwolnienia.'
    )
  }
  if (!hasExemptSales && basisGiven)
    check.add('Podano podstawę zwolnienia z VAT, ale żadna pozycja nie ma stawki „zw”.')

  const payment = invoice.payment
  if (payment !== null) {
    if (payment.paidOn !== null) check.date(payment.paidOn, 'data zapłaty', '2016-07-01')
    if (payment.dueDate !== null) check.date(payment.dueDate, 'termin płatności', '2016-07-01')
    if (payment.form !== null && ![1, 2, 3, 4, 5, 6, 7].includes(payment.form))
      check.add(`Nieznana forma płatności: ${payment.form}.`)
    if (payment.form !== null && payment.otherForm !== null)
      check.add('Podaj albo kod formy płatności, albo jej opis – nie oba.')
    check.text(payment.otherForm, { label: 'opis formy płatności', max: 256, required: false })
    if (payment.bankAccount !== null) {
      const account = normalizeBankAccount(payment.bankAccount)
      if (!isValidBankAccount(account) || account.length > 34)
        check.add(`Numer rachunku „${payment.bankAccount}” jest nieprawidłowy.`)
    }
  }

  if (correction !== null) {
    check.text(correction.reason, { label: 'przyczyna korekty', max: 256, required: false })
    if (correction.effect !== null && ![1, 2, 3].includes(correction.effect))
      check.add(`Nieznany typ skutku korekty: ${correction.effect}.`)
    check.text(correction.originalNumber, { label: 'numer faktury korygowanej', max: 256, required: true })
    check.date(correction.originalIssueDate, 'data wystawienia faktury korygowanej', '2006-01-01')
    if (correction.originalKsefNumber !== null && !isValidKsefNumber(correction.originalKsefNumber)) {
      check.add(`Numer KSeF faktury korygowanej „${correction.originalKsefNumber}” jest nieprawidłowy.`)
    }
    if (correction.linesBefore.length === 0) check.add('Korekta nie ma pozycji sprzed korekty.')
    if (
      correction.originalExchangeRate !== null &&
      (invoice.currency === 'PLN' || !isValidMidRate(correction.originalExchangeRate))
    ) {
      check.add(`Nieprawidłowy kurs waluty faktury korygowanej: „${correction.originalExchangeRate}”.`)
    }
  }
  return check.problems
}

// ---------- XML ----------

/** Amounts (TKwotowy): minor units → '1234.50'. */
function amount(minor: number): string {
  return formatDecimal(minor)
}

/** Quantities (TIlosci): thousandths → '1', '1.5', '0.125'. */
function quantity(milli: number): string {
  const sign = milli < 0 ? '-' : ''
  const abs = Math.abs(milli)
  const fraction = String(abs % 1000)
    .padStart(3, '0')
    .replace(/0+$/, '')
  return `${sign}${Math.floor(abs / 1000)}${fraction === '' ? '' : `.${fraction}`}`
}

function address(value: Fa3Address): XmlElement {
  const line2 = tokenText(value.line2 ?? '')
  return element(
    'Adres',
    leaf('KodKraju', value.countryCode),
    leaf('AdresL1', tokenText(value.line1)),
    line2 !== '' && leaf('AdresL2', line2)
  )
}

function buyerIdentification(buyer: Fa3Buyer): XmlElement {
  const id = buyer.id
  const identity =
    id.kind === 'nip'
      ? [leaf('NIP', id.nip)]
      : id.kind === 'eu'
        ? [leaf('KodUE', id.countryCode), leaf('NrVatUE', id.vatNumber)]
        : id.kind === 'foreign'
          ? [id.countryCode !== null && leaf('KodKraju', id.countryCode), leaf('NrID', tokenText(id.taxId))]
          : [leaf('BrakID', 1)]
  return element('DaneIdentyfikacyjne', identity, leaf('Nazwa', tokenText(buyer.name)))
}

function rateTotalElements(invoice: Fa3Invoice): XmlElement[] {
  const out: XmlElement[] = []
  for (const rate of FA3_RATES) {
    const total = invoice.rateTotals.find((t) => t.rate === rate)
    if (!total || (total.net === 0 && total.vat === 0 && total.gross === 0)) continue
    const fields = RATE_FIELDS[rate]
    out.push(leaf(fields.net, amount(total.net)))
    if (fields.vat !== null) {
      out.push(leaf(fields.vat, amount(total.vat)))
      if (invoice.exchangeRate !== null && fields.vatPln !== null)
        out.push(leaf(fields.vatPln, amount(convertToPln(total.vat, invoice.exchangeRate.mid))))
    }
  }
  return out
}

const BASIS_FIELDS = { ustawa: 'P_19A', dyrektywa: 'P_19B', inna: 'P_19C' } as const

function annotations(invoice: Fa3Invoice): XmlElement {
  const basis = tokenText(invoice.exemptionBasis ?? '')
  return element(
    'Adnotacje',
    leaf('P_16', invoice.cashAccounting ? 1 : 2),
    leaf('P_17', 2),
    leaf('P_18', 2),
    leaf('P_18A', invoice.splitPayment ? 1 : 2),
    element(
      'Zwolnienie',
      basis !== ''
        ? [leaf('P_19', 1), leaf(BASIS_FIELDS[invoice.exemptionBasisKind ?? 'ustawa'], basis)]
        : [leaf('P_19N', 1)]
    ),
    element('NoweSrodkiTransportu', leaf('P_22N', 1)),
    leaf('P_23', 2),
    element('PMarzy', leaf('P_PMarzyN', 1))
  )
}

function correctionElements(correction: Fa3Correction): XmlElement[] {
  const reason = tokenText(correction.reason ?? '')
  const ksefNumber = correction.originalKsefNumber
  return [
    reason !== '' ? leaf('PrzyczynaKorekty', reason) : null,
    correction.effect !== null ? leaf('TypKorekty', correction.effect) : null,
    element(
      'DaneFaKorygowanej',
      leaf('DataWystFaKorygowanej', correction.originalIssueDate),
      leaf('NrFaKorygowanej', tokenText(correction.originalNumber)),
      ksefNumber !== null ? [leaf('NrKSeF', 1), leaf('NrKSeFFaKorygowanej', ksefNumber)] : [leaf('NrKSeFN', 1)]
    )
  ].filter((node): node is XmlElement => node !== null)
}

function exchangeRateNote(invoice: Fa3Invoice): XmlElement | null {
  const rate = invoice.exchangeRate
  if (rate === null) return null
  const table = [
    rate.tableNo !== null ? `tabela A NBP nr ${tokenText(rate.tableNo)}` : null,
    rate.effectiveDate !== null ? `z dnia ${rate.effectiveDate}` : null
  ]
    .filter((part) => part !== null)
    .join(' ')
  return element(
    'DodatkowyOpis',
    leaf('Klucz', 'Kurs waluty'),
    leaf('Wartosc', `1 ${invoice.currency} = ${rate.mid} PLN${table !== '' ? `, ${table}` : ''}`)
  )
}

function lineElement(invoice: Fa3Invoice, line: Fa3Line, number: number, before: boolean): XmlElement {
  const code = tokenText(line.code ?? '')
  const rate = before
    ? (invoice.correction?.originalExchangeRate ?? invoice.exchangeRate?.mid)
    : invoice.exchangeRate?.mid
  // a non-VAT seller has no gross method (no VAT at all): net = gross, shown as net
  const priceFields = invoice.sellerVatExempt ? ['P_9A', 'P_11'] : ['P_9B', 'P_11A']
  return element(
    'FaWiersz',
    leaf('NrWierszaFa', number),
    leaf('P_7', tokenText(line.name)),
    code !== '' && characterCount(code) <= 50 && leaf('Indeks', code),
    leaf('P_8A', tokenText(line.unit)),
    leaf('P_8B', quantity(line.quantityMilli)),
    leaf(priceFields[0], amount(line.unitPriceGross)),
    leaf(priceFields[1], amount(line.gross)),
    leaf('P_12', RATE_FIELDS[line.rate].code),
    line.annex15 === true && leaf('P_12_Zal_15', 1),
    line.gtu !== undefined && line.gtu !== null && /^GTU_(0[1-9]|1[0-3])$/.test(line.gtu) && leaf('GTU', line.gtu),
    rate !== undefined && leaf('KursWaluty', rate),
    before && leaf('StanPrzed', 1)
  )
}

function paymentElement(payment: Fa3Payment): XmlElement | null {
  const other = tokenText(payment.otherForm ?? '')
  const children = [
    payment.paidOn !== null ? [leaf('Zaplacono', 1), leaf('DataZaplaty', payment.paidOn)] : [],
    payment.paidOn === null && payment.dueDate !== null
      ? [element('TerminPlatnosci', leaf('Termin', payment.dueDate))]
      : [],
    payment.form !== null
      ? [leaf('FormaPlatnosci', payment.form)]
      : other !== ''
        ? [leaf('PlatnoscInna', 1), leaf('OpisPlatnosci', other)]
        : [],
    payment.bankAccount !== null
      ? [element('RachunekBankowy', leaf('NrRB', normalizeBankAccount(payment.bankAccount)))]
      : []
  ].flat()
  return children.length > 0 ? element('Platnosc', children) : null
}

/**
 * The FA(3) XML of an invoice or correction, valid against schemat_FA3_v1-0E.xsd.
 * Throws Fa3Error listing every problem when the invoice cannot be expressed or does not add up.
 */
export function buildFa3Xml(invoice: Fa3Invoice, opts: Fa3Options): string {
  const problems = fa3Problems(invoice)
  const generatedAt = opts.generatedAt.toUTC().startOf('second').toISO({ suppressMilliseconds: true })!
  if (generatedAt < EARLIEST_GENERATED) problems.push('Data wytworzenia pliku jest wcześniejsza niż 1 września 2025 r.')
  if (problems.length > 0) throw new Fa3Error(problems)

  const place = tokenText(invoice.place ?? '')
  const beforeCount = invoice.correction?.linesBefore.length ?? 0
  const root = element(
    'Faktura',
    element(
      'Naglowek',
      { name: 'KodFormularza', attributes: { kodSystemowy: 'FA (3)', wersjaSchemy: '1-0E' }, text: 'FA' },
      leaf('WariantFormularza', 3),
      leaf('DataWytworzeniaFa', generatedAt),
      leaf('SystemInfo', opts.systemInfo)
    ),
    element(
      'Podmiot1',
      element('DaneIdentyfikacyjne', leaf('NIP', invoice.seller.nip), leaf('Nazwa', tokenText(invoice.seller.name))),
      address(invoice.seller.address)
    ),
    element(
      'Podmiot2',
      buyerIdentification(invoice.buyer),
      invoice.buyer.address !== null && address(invoice.buyer.address),
      // local-government units and VAT groups are not modelled: never such a buyer
      leaf('JST', 2),
      leaf('GV', 2)
    ),
    element(
      'Fa',
      leaf('KodWaluty', invoice.currency),
      leaf('P_1', invoice.issueDate),
      place !== '' && leaf('P_1M', place),
      leaf('P_2', tokenText(invoice.number)),
      // "o ile taka data jest określona i różni się od daty wystawienia faktury"
      invoice.saleDate !== invoice.issueDate && leaf('P_6', invoice.saleDate),
      rateTotalElements(invoice),
      leaf('P_15', amount(invoice.totalGross)),
      annotations(invoice),
      leaf('RodzajFaktury', invoice.correction !== null ? 'KOR' : 'VAT'),
      invoice.correction !== null ? correctionElements(invoice.correction) : [],
      // after the correction data and before TP/DodatkowyOpis, in the schema's order
      invoice.invoiceToReceipt === true && leaf('FP', 1),
      exchangeRateNote(invoice),
      (invoice.correction?.linesBefore ?? []).map((line, i) => lineElement(invoice, line, i + 1, true)),
      invoice.lines.map((line, i) => lineElement(invoice, line, beforeCount + i + 1, false)),
      invoice.payment !== null && paymentElement(invoice.payment)
    )
  )
  root.attributes = { xmlns: FA3_NAMESPACE }
  return renderDocument(root)
}
