import { DateTime } from 'luxon'
import type { ContractorData } from '../contractors/contractors.queries.ts'
import { checkAddress, checkNip } from '../contractors/contractors.form.ts'
import { isIsoDate } from '../shared/dates.ts'
import { type FieldErrors, type FormResult, Validator, asArray, checkbox, parseId, text } from '../shared/form.ts'
import { parseUserAmount } from '../shared/money.ts'
import { normalizeNip } from '../shared/nip.ts'
import { PAYMENT_METHODS, patternProblem, type PaymentMethod } from '../documents/document.ts'
import type { DocumentFilters } from '../documents/documents.queries.ts'
import type { ManualDocumentRequest, ManualLine } from './issuing.ts'
import { DOCUMENT_TYPES, canIssue, documentKind, isDocumentType, type DocumentType } from '../shared/document-types.ts'
import { EXEMPTION_BASIS_KINDS, isVatRate, type ExemptionBasisKind } from '../shared/vat.ts'
import { parseQuantity } from '../shared/quantity.ts'
import { pageParam } from '../shared/params.ts'

/** Most transactions one Wystaw click may cover. */
const MAX_ISSUE_BATCH = 200

export function parseDocumentFilters(query: unknown): DocumentFilters {
  const type = text(query, 'typ')
  const month = text(query, 'miesiac')
  return {
    type: isDocumentType(type) ? type : '',
    month: /^\d{4}-(0[1-9]|1[0-2])$/.test(month) ? month : '',
    contractorId: parseId(text(query, 'kontrahent')),
    q: text(query, 'q').slice(0, 100),
    page: pageParam(query)
  }
}

export type IssueRequest = { ok: true; transactionIds: number[]; type: DocumentType } | { ok: false; problem: string }

/** The Wystaw form of the transactions list: checked `transactionIds` and a `type`. */
export function parseIssueRequest(body: unknown, isVatPayer: boolean): IssueRequest {
  const type = text(body, 'type')
  if (!isDocumentType(type) || !canIssue(type, isVatPayer))
    return { ok: false, problem: 'Wybierz rodzaj dokumentu do wystawienia.' }
  const raw = asArray(body, 'transactionIds')
  const ids = raw.map(parseId)
  if (ids.some((id) => id === null))
    return { ok: false, problem: 'Lista transakcji jest nieprawidłowa. Odśwież stronę i spróbuj ponownie.' }
  const transactionIds = [...new Set(ids as number[])]
  if (transactionIds.length === 0) return { ok: false, problem: 'Zaznacz co najmniej jedną transakcję.' }
  if (transactionIds.length > MAX_ISSUE_BATCH)
    return {
      ok: false,
      problem: `Jednorazowo można wystawić najwyżej ${MAX_ISSUE_BATCH} dokumentów. Zaznacz mniej transakcji.`
    }
  return { ok: true, transactionIds, type }
}

// Numbering settings ----------------------------------------------------------------------

export function parseSeriesForm(body: unknown): FormResult<Record<DocumentType, string>> {
  const values = Object.fromEntries(DOCUMENT_TYPES.map((type) => [type, text(body, type)])) as Record<
    DocumentType,
    string
  >
  const v = new Validator()
  for (const type of DOCUMENT_TYPES) {
    const problem = patternProblem(values[type])
    if (problem !== null) v.add(type, problem)
  }
  // two series with one pattern would print the same number on two documents
  const seen = new Map<string, DocumentType>()
  for (const type of DOCUMENT_TYPES) {
    const other = seen.get(values[type])
    if (other !== undefined) v.add(type, 'Ten sam wzór ma już inny rodzaj dokumentu – numery muszą się różnić.')
    else seen.set(values[type], type)
  }
  return { values, errors: v.errors }
}

// A document issued by hand ---------------------------------------------------------------

export interface ManualLineValues {
  name: string
  quantity: string
  unit: string
  price: string
  vatRate: string
}

export interface ManualDocumentValues {
  type: string
  contractorId: string
  buyerName: string
  buyerNip: string
  buyerStreet: string
  buyerPostalCode: string
  buyerCity: string
  buyerCountryCode: string
  issueDate: string
  saleDate: string
  dueDate: string
  paymentMethod: string
  paid: boolean
  notes: string
  /** a VAT payer's exempt (zw) lines: the legal basis and its kind (art. 106e ust. 1 pkt 19) */
  exemptionBasis: string
  exemptionBasisKind: string
  /** the user confirmed an issue date before today */
  confirmPastDate: boolean
  lines: ManualLineValues[]
}

export const MANUAL_EMPTY_ROWS = 5
const INVOICE_BEFORE_SUPPLY_DAYS = 60

function addDays(isoDate: string, days: number): string {
  return DateTime.fromISO(isoDate, { zone: 'utc' }).plus({ days }).toISODate()!
}
const MAX_LINES = 200
const MAX_QUANTITY_MILLI = 1_000_000_000
const MAX_PRICE = 9_999_999_999

export function emptyLine(vatRate: string): ManualLineValues {
  return { name: '', quantity: '', unit: 'szt.', price: '', vatRate }
}

export function newManualDocumentValues(opts: {
  today: string
  dueDate: string
  type: DocumentType
  defaultVatRate: string
  contractorId: string
}): ManualDocumentValues {
  return {
    type: opts.type,
    contractorId: opts.contractorId,
    buyerName: '',
    buyerNip: '',
    buyerStreet: '',
    buyerPostalCode: '',
    buyerCity: '',
    buyerCountryCode: 'PL',
    issueDate: opts.today,
    saleDate: opts.today,
    dueDate: opts.dueDate,
    paymentMethod: 'przelew',
    paid: false,
    notes: '',
    exemptionBasis: '',
    exemptionBasisKind: 'ustawa',
    confirmPastDate: false,
    lines: Array.from({ length: MANUAL_EMPTY_ROWS }, () => emptyLine(opts.defaultVatRate))
  }
}

/** "1,5" → 1500 thousandths; null when not a positive quantity with at most 3 decimals. */
export function parseLineQuantity(value: string): number | null {
  const milli = parseQuantity(value)
  return milli !== null && milli > 0 && milli <= MAX_QUANTITY_MILLI ? milli : null
}

function lineIsEmpty(line: ManualLineValues): boolean {
  return line.name === '' && line.quantity === '' && line.price === ''
}

export type ManualDocumentForm = FormResult<ManualDocumentValues> & {
  request: Omit<ManualDocumentRequest, 'userId'> | null
}

export function parseManualDocumentForm(
  body: unknown,
  ctx: { today: string; isVatPayer: boolean; defaultVatRate: string }
): ManualDocumentForm {
  const names = asArray(body, 'lineName')
  const quantities = asArray(body, 'lineQuantity')
  const units = asArray(body, 'lineUnit')
  const prices = asArray(body, 'linePrice')
  const rates = asArray(body, 'lineVatRate')
  const rowCount = Math.min(Math.max(names.length, quantities.length, prices.length), MAX_LINES + 1)
  const lines: ManualLineValues[] = Array.from({ length: rowCount }, (_, i) => ({
    name: (names[i] ?? '').trim(),
    quantity: (quantities[i] ?? '').trim(),
    unit: (units[i] ?? '').trim() || 'szt.',
    price: (prices[i] ?? '').trim(),
    vatRate: ctx.isVatPayer ? (rates[i] ?? '').trim() || ctx.defaultVatRate : 'zw'
  }))
  const values: ManualDocumentValues = {
    type: text(body, 'type'),
    contractorId: text(body, 'contractorId'),
    buyerName: text(body, 'buyerName'),
    buyerNip: text(body, 'buyerNip'),
    buyerStreet: text(body, 'buyerStreet'),
    buyerPostalCode: text(body, 'buyerPostalCode'),
    buyerCity: text(body, 'buyerCity'),
    buyerCountryCode: (text(body, 'buyerCountryCode') || 'PL').toUpperCase(),
    issueDate: text(body, 'issueDate'),
    saleDate: text(body, 'saleDate'),
    dueDate: text(body, 'dueDate'),
    paymentMethod: text(body, 'paymentMethod'),
    paid: checkbox(body, 'paid'),
    notes: text(body, 'notes'),
    exemptionBasis: text(body, 'exemptionBasis'),
    exemptionBasisKind: text(body, 'exemptionBasisKind') || 'ustawa',
    confirmPastDate: checkbox(body, 'confirmPastDate'),
    lines
  }
  const v = new Validator()
  const type = isDocumentType(values.type) && canIssue(values.type, ctx.isVatPayer) ? values.type : null
  if (type === null) v.add('type', 'Wybierz rodzaj dokumentu.')

  let contractorId: number | null = null
  let buyer: ContractorData | null = null
  if (values.contractorId !== '') {
    contractorId = parseId(values.contractorId)
    if (contractorId === null) v.add('contractorId', 'Wybierz kontrahenta z listy.')
  } else {
    const anyBuyerData = [
      values.buyerName,
      values.buyerNip,
      values.buyerStreet,
      values.buyerPostalCode,
      values.buyerCity
    ].some((value) => value !== '')
    // an invoice names its buyer with an address (art. 106e); a receipt may go without one
    const needsBuyer = type !== null && (documentKind(type) === 'faktura' || documentKind(type) === 'proforma')
    if (needsBuyer || anyBuyerData) {
      if (v.required('buyerName', values.buyerName, 'Podaj nazwę nabywcy albo wybierz kontrahenta.'))
        v.maxLength('buyerName', values.buyerName, 250)
      if (needsBuyer) {
        v.required('buyerStreet', values.buyerStreet, 'Podaj ulicę i numer nabywcy.')
        v.required('buyerCity', values.buyerCity, 'Podaj miejscowość nabywcy.')
      }
      checkNip(v, 'buyerNip', values.buyerNip)
      checkAddress(
        v,
        {
          street: values.buyerStreet,
          postalCode: values.buyerPostalCode,
          city: values.buyerCity,
          countryCode: values.buyerCountryCode
        },
        { street: 'buyerStreet', postalCode: 'buyerPostalCode', city: 'buyerCity', countryCode: 'buyerCountryCode' }
      )
      buyer = {
        name: values.buyerName,
        isCompany: values.buyerNip !== '',
        nip: values.buyerNip === '' ? null : normalizeNip(values.buyerNip),
        foreignTaxId: null,
        foreignTaxIdType: null,
        street: values.buyerStreet,
        postalCode: values.buyerPostalCode,
        city: values.buyerCity,
        countryCode: values.buyerCountryCode,
        email: '',
        allegroBuyerId: null,
        allegroLogin: null
      }
    }
  }

  if (
    v.required('issueDate', values.issueDate, 'Podaj datę wystawienia.') &&
    v.check(isIsoDate(values.issueDate), 'issueDate', 'Data w formacie RRRR-MM-DD.')
  ) {
    if (
      v.check(values.issueDate <= ctx.today, 'issueDate', 'Data wystawienia nie może być z przyszłości.') &&
      values.issueDate < ctx.today &&
      !values.confirmPastDate
    ) {
      // KSeF takes the day of sending as the issue date; an earlier P_1 makes it an offline
      // invoice, to be sent by the next working day (offline24, MF-H2 §1.4), and the art. 106i
      // deadline (15th of the month after the supply) counts from the date typed here
      v.add(
        'confirmPastDate',
        'Data wystawienia jest wcześniejsza niż dzisiejsza. Faktura z taką datą trafi do KSeF jako wystawiona offline – trzeba ją przesłać najpóźniej następnego dnia roboczego po tej dacie; data musi też mieścić się w terminie z art. 106i (do 15. dnia miesiąca po dostawie). Zaznacz potwierdzenie, jeśli ta data jest zamierzona.'
      )
    }
  }
  if (
    v.required('saleDate', values.saleDate, 'Podaj datę sprzedaży.') &&
    v.check(isIsoDate(values.saleDate), 'saleDate', 'Data w formacie RRRR-MM-DD.') &&
    isIsoDate(values.issueDate) &&
    type !== null &&
    documentKind(type) === 'faktura'
  ) {
    // an invoice may come before the supply, but not earlier than the 60th day before it (art. 106i ust. 7 pkt 1)
    v.check(
      values.saleDate <= addDays(values.issueDate, INVOICE_BEFORE_SUPPLY_DAYS),
      'saleDate',
      `Fakturę można wystawić najwcześniej ${INVOICE_BEFORE_SUPPLY_DAYS} dni przed dostawą (art. 106i ust. 7 ustawy o VAT) – data sprzedaży może być najpóźniej ${addDays(values.issueDate, INVOICE_BEFORE_SUPPLY_DAYS)}.`
    )
  }
  if (
    values.dueDate !== '' &&
    v.check(isIsoDate(values.dueDate), 'dueDate', 'Data w formacie RRRR-MM-DD.') &&
    isIsoDate(values.issueDate)
  ) {
    v.check(
      values.dueDate >= values.issueDate,
      'dueDate',
      'Termin płatności nie może być wcześniejszy niż data wystawienia.'
    )
  }
  v.oneOf('paymentMethod', values.paymentMethod, PAYMENT_METHODS, 'Wybierz sposób płatności.')
  v.maxLength('notes', values.notes, 1000)

  const parsedLines: ManualLine[] = []
  if (rowCount > MAX_LINES) v.add('lines', `Dokument może mieć najwyżej ${MAX_LINES} pozycji.`)
  lines.forEach((line, i) => {
    if (lineIsEmpty(line)) return
    const field = (name: string): string => `lines.${i}.${name}`
    if (v.required(field('name'), line.name, 'Podaj nazwę.')) v.maxLength(field('name'), line.name, 250)
    const quantityMilli = parseLineQuantity(line.quantity)
    v.check(quantityMilli !== null, field('quantity'), 'Ilość większa od zera, np. 2 lub 1,5.')
    v.check([...line.unit].length <= 10, field('unit'), 'Najwyżej 10 znaków.')
    const price = parseUserAmount(line.price)
    v.check(price !== null && price >= 0 && price <= MAX_PRICE, field('price'), 'Cena brutto, np. 123,45.')
    const rate = line.vatRate
    v.check(isVatRate(rate), field('vatRate'), 'Wybierz stawkę VAT.')
    if (quantityMilli !== null && price !== null && isVatRate(rate))
      parsedLines.push({ name: line.name, unit: line.unit, quantityMilli, unitPriceGross: price, vatRate: rate })
  })
  if (lines.every(lineIsEmpty)) v.add('lines', 'Dodaj co najmniej jedną pozycję.')
  // a VAT payer's exempt sales name their provision (art. 106e ust. 1 pkt 19; FA(3) P_19A/B/C);
  // an art. 113 seller's basis comes from the company settings
  const hasExemptLines = ctx.isVatPayer && parsedLines.some((line) => line.vatRate === 'zw')
  if (hasExemptLines) {
    if (
      v.required(
        'exemptionBasis',
        values.exemptionBasis,
        'Pozycja ze stawką „zw” wymaga podstawy prawnej zwolnienia, np. „art. 43 ust. 1 pkt 37 ustawy o VAT”.'
      )
    ) {
      v.maxLength('exemptionBasis', values.exemptionBasis, 256)
    }
    v.oneOf(
      'exemptionBasisKind',
      values.exemptionBasisKind,
      EXEMPTION_BASIS_KINDS,
      'Wybierz rodzaj podstawy zwolnienia.'
    )
  }

  const errors: FieldErrors = v.errors
  const request =
    v.ok && type !== null
      ? {
          type,
          contractorId,
          buyer,
          issueDate: values.issueDate,
          saleDate: values.saleDate,
          dueDate: values.dueDate === '' ? null : values.dueDate,
          paymentMethod: values.paymentMethod as PaymentMethod,
          paid: values.paid,
          notes: values.notes,
          exemptionBasis: hasExemptLines ? values.exemptionBasis : null,
          exemptionBasisKind: (hasExemptLines ? values.exemptionBasisKind : 'ustawa') as ExemptionBasisKind,
          lines: parsedLines
        }
      : null
  return { values, errors, request }
}

/** Whether the form asked for more empty rows instead of issuing. */
export function wantsMoreRows(body: unknown): boolean {
  return text(body, 'action') === 'more'
}
