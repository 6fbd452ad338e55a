// Sales documents' rules beyond types and VAT (src/shared): exemption problems, split payment, the
// supply date, linking checks, payment methods, numbering. Pure, no I/O.
import { type DocumentType } from '../shared/document-types.ts'
import { DateTime } from 'luxon'
import { isIsoDate, ZONE } from '../shared/dates.ts'
import { SPLIT_PAYMENT_THRESHOLD_GROSZE } from '../shared/tax-codes.ts'

/**
 * Why a VAT payer's document with exempt (zw) lines cannot be issued: an invoice with exempt
 * sales must name the provision (art. 106e ust. 1 pkt 19), or null when it does.
 */
export function exemptionBasisProblem(lines: ReadonlyArray<{ vatRate: string }>, basis: string | null): string | null {
  if (!lines.some((line) => line.vatRate === 'zw')) return null
  if (basis !== null && basis.trim() !== '') return null
  return 'pozycja ze stawką „zw” wymaga podstawy prawnej zwolnienia z VAT (art. 106e ust. 1 pkt 19 ustawy o VAT), np. „art. 43 ust. 1 pkt 37 ustawy o VAT”'
}

/**
 * Why an exempt seller (art. 113) cannot sell these lines without VAT, or null: goods and services
 * of art. 113 ust. 13 (marked on the product) exclude the subjective exemption whatever the
 * turnover, so their sale is taxed from the first one and needs a VAT registration.
 */
export function exemptionExcludedProblem(
  lines: ReadonlyArray<{ name: string }>,
  marks: ReadonlyArray<{ exemptionExcluded: boolean }>
): string | null {
  const excluded = lines.filter((_, i) => marks[i]?.exemptionExcluded === true).map((line) => `„${line.name}”`)
  if (excluded.length === 0) return null
  return (
    `${excluded.length === 1 ? 'pozycja' : 'pozycje'} ${excluded.join(', ')} ${excluded.length === 1 ? 'jest wyłączona' : 'są wyłączone'} ze zwolnienia podmiotowego z VAT (art. 113 ust. 13 ustawy o VAT) – ` +
    'sprzedawca zwolniony z VAT nie może ich sprzedać bez VAT; zarejestruj firmę jako czynnego podatnika VAT i zmień status VAT w USTAWIENIA » Firma'
  )
}

/**
 * Whether the invoice must say "mechanizm podzielonej płatności" (art. 106e ust. 1 pkt 18a with
 * art. 108a ust. 1a): a VAT invoice to a taxpayer (a buyer with a NIP), total due over 15 000 zł
 * (in PLN at the document's rate for another currency), with at least one annex 15 line.
 */
export function splitPaymentRequired(doc: {
  type: DocumentType
  buyerNip: string | null
  totalGrossPln: number
  lines: ReadonlyArray<{ annex15: boolean }>
}): boolean {
  if (doc.type !== 'faktura') return false
  if (doc.buyerNip === null || doc.buyerNip.trim() === '') return false
  if (doc.totalGrossPln <= SPLIT_PAYMENT_THRESHOLD_GROSZE) return false
  return doc.lines.some((line) => line.annex15)
}

/**
 * The date of the supply (or of the payment received before it) that an invoice states under
 * art. 106e ust. 1 pkt 6 – "o ile taka data jest określona i różni się od daty wystawienia
 * faktury": printed and sent (FA(3) P_6) only when it differs from the issue date, null otherwise.
 */
export function supplyDateShown(doc: { issueDate: string; saleDate: string }): string | null {
  return doc.saleDate !== '' && doc.saleDate !== doc.issueDate ? doc.saleDate : null
}

/** The label of that date on the PDF and the page. */
export const SUPPLY_DATE_LABEL = 'Data dokonania dostawy / wykonania usługi'

/** "Sp. z o.o."-insensitive enough: case, spacing and quotes do not make another buyer. */
function comparableName(name: string): string {
  return name
    .toLocaleLowerCase('pl-PL')
    .replace(/["'„”«»]/g, '')
    .replace(/\s+/g, ' ')
    .trim()
}

/**
 * What differs between a document and the Allegro transaction it is about to be linked to
 * (Powiąż z istniejącym dokumentem): the gross amount or currency, the buyer's NIP, the buyer's
 * name. Polish sentences; empty when they agree. A document without a buyer (a receipt) is not
 * compared by buyer.
 */
export function linkMismatches(
  doc: { number: string; buyerName: string; buyerNip: string | null; totalGross: number; currency: string },
  sale: { buyerNames: readonly string[]; buyerNip: string | null; totalToPay: number; currency: string },
  money: (grosze: number, currency: string) => string
): string[] {
  const problems: string[] = []
  if (doc.currency !== sale.currency || doc.totalGross !== sale.totalToPay) {
    problems.push(
      `kwota dokumentu ${doc.number} (${money(doc.totalGross, doc.currency)}) różni się od kwoty transakcji (${money(sale.totalToPay, sale.currency)})`
    )
  }
  const docNip = (doc.buyerNip ?? '').replace(/\D/g, '')
  const saleNip = (sale.buyerNip ?? '').replace(/\D/g, '')
  if (docNip !== saleNip && (docNip !== '' || doc.buyerName !== '')) {
    problems.push(
      docNip === ''
        ? `dokument ${doc.number} nie ma NIP nabywcy, a kupujący podał w Allegro NIP ${saleNip}`
        : saleNip === ''
          ? `dokument ${doc.number} ma NIP nabywcy ${docNip}, a kupujący nie podał NIP w Allegro`
          : `NIP nabywcy na dokumencie ${doc.number} (${docNip}) różni się od NIP kupującego w Allegro (${saleNip})`
    )
  }
  const names = sale.buyerNames.map(comparableName).filter((name) => name !== '')
  if (doc.buyerName !== '' && names.length > 0 && !names.includes(comparableName(doc.buyerName))) {
    problems.push(
      `nabywca na dokumencie ${doc.number} („${doc.buyerName}”) to nie kupujący z transakcji („${sale.buyerNames.find((name) => name.trim() !== '') ?? ''}”)`
    )
  }
  return problems
}

export const PAYMENT_METHODS = ['przelew', 'online', 'pobranie', 'gotowka', 'karta'] as const
export type PaymentMethod = (typeof PAYMENT_METHODS)[number]

export const PAYMENT_METHOD_LABELS: Record<PaymentMethod, string> = {
  przelew: 'przelew',
  online: 'płatność online',
  pobranie: 'za pobraniem',
  gotowka: 'gotówka',
  karta: 'karta płatnicza'
}

export function paymentMethodLabel(method: string): string {
  return (PAYMENT_METHODS as readonly string[]).includes(method)
    ? PAYMENT_METHOD_LABELS[method as PaymentMethod]
    : method
}

/**
 * The day of a payment in Poland: paid_at is a plain date or a stored UTC timestamp, and
 * 2026-11-06T23:30Z is the 7th in Warsaw — the date FA(3) DataZaplaty carries too.
 */
export function paymentDay(paidAt: string | null): string | null {
  if (paidAt === null || paidAt.trim() === '') return null
  if (isIsoDate(paidAt)) return paidAt
  try {
    return DateTime.fromISO(paidAt, { zone: 'utc', setZone: true }).setZone(ZONE).toISODate()
  } catch {
    return null
  }
}

// Numbering ---------------------------------------------------------------------------------

const NUMBER_TOKENS = ['{n}', '{mm}', '{yyyy}'] as const
const PATTERN_MAX_LENGTH = 40

/** Why a numbering pattern cannot be used (Polish), or null when it is fine. */
export function patternProblem(pattern: string): string | null {
  if (pattern === '') return 'Podaj wzór numeru.'
  if ([...pattern].length > PATTERN_MAX_LENGTH) return `Najwyżej ${PATTERN_MAX_LENGTH} znaków.`
  if (!pattern.includes('{n}')) return 'Wzór musi zawierać {n} – kolejny numer dokumentu w miesiącu.'
  // the series restarts every month, so the month and year keep numbers unique
  if (!pattern.includes('{mm}') || !pattern.includes('{yyyy}'))
    return 'Wzór musi zawierać {mm} i {yyyy} – numeracja zaczyna się od 1 w każdym miesiącu.'
  const literal = NUMBER_TOKENS.reduce((rest, token) => rest.split(token).join(''), pattern)
  if (/[{}]/.test(literal)) return 'Dozwolone znaczniki to {n}, {mm} i {yyyy}.'
  if (!/^[\p{L}\p{N} /._-]*$/u.test(literal))
    return 'Poza znacznikami wolno użyć liter, cyfr, spacji oraz znaków / - _ .'
  return null
}

/** "FV {n}/{mm}/{yyyy}", 12, "2026-11" → "FV 12/11/2026". */
export function formatDocumentNumber(pattern: string, seq: number, period: string): string {
  const [year, month] = period.split('-')
  return pattern.split('{n}').join(String(seq)).split('{mm}').join(month).split('{yyyy}').join(year)
}

/** The numbering period of an issue date ('2026-11-16' → '2026-11'). */
export function numberingPeriod(issueDate: string): string {
  return issueDate.slice(0, 7)
}
