// From the stored document rows (migrations/0002_core.sql) to the FA(3) description: the one
// call the documents feature makes before buildFa3Xml. Pure: the caller reads the rows.
import type { Selectable } from 'kysely'
import { DateTime } from 'luxon'
import type { DocumentLines, Documents, DocumentVatTotals } from '../db/schema.gen.ts'
import { isIsoDate, ZONE } from '../shared/dates.ts'
import { isValidNip, normalizeNip } from '../shared/nip.ts'
import { FA3_COUNTRY_CODES, FA3_EU_VAT_PREFIXES } from './codes.ts'
import {
  Fa3Error,
  isFa3Rate,
  type Fa3Address,
  type Fa3BuyerId,
  type Fa3CorrectionEffect,
  type Fa3Invoice,
  type Fa3Line,
  type Fa3Payment,
  type Fa3PaymentForm,
  type Fa3Rate
} from './fa3.ts'
import { normalizeKsefNumber } from './ksef-number.ts'
import { tokenText } from '../shared/xml.ts'

/** Document types that are invoices in the KSeF sense; pro formas, receipts and internal documents are not. */
export const FA3_DOCUMENT_TYPES = ['faktura', 'faktura_bez_vat', 'korekta'] as const

export function isFa3DocumentType(type: string): boolean {
  return (FA3_DOCUMENT_TYPES as readonly string[]).includes(type)
}

/** P_19A when an exempt seller's document does not say which provision it relies on. */
export const ART_113_BASIS = 'art. 113 ust. 1 ustawy o VAT'

export interface CorrectedDocumentRows {
  /** the corrected invoice; for a further correction still the original invoice (DaneFaKorygowanej) */
  original: Selectable<Documents>
  /** the lines before this correction: the original's, or those after the previous correction */
  linesBefore: ReadonlyArray<Selectable<DocumentLines>>
  reason?: string | null
  effect?: Fa3CorrectionEffect | null
}

// FormaPlatnosci codes for the documents' payment methods; the rest has no code of its own
const PAYMENT_FORMS: Record<string, { form: Fa3PaymentForm } | { other: string }> = {
  gotowka: { form: 1 },
  karta: { form: 2 },
  przelew: { form: 6 },
  online: { other: 'płatność online (Allegro)' },
  pobranie: { other: 'za pobraniem' }
}

/**
 * The FA(3) description of a stored invoice (faktura, faktura_bez_vat) or correction (korekta).
 * For a correction: `document`, `lines` and `vatTotals` are the correction's own rows — its lines
 * as they stand after the correction and its totals as the differences (as the ledger books
 * them) — and `corrected` says what it corrects. Throws Fa3Error when the document is not an
 * invoice KSeF takes; other problems (bad NIP, sums that do not add up) surface in buildFa3Xml.
 */
export function fa3InvoiceFromDocumentRows(
  document: Selectable<Documents>,
  lines: ReadonlyArray<Selectable<DocumentLines>>,
  vatTotals: ReadonlyArray<Selectable<DocumentVatTotals>>,
  corrected?: CorrectedDocumentRows,
  /** the invoice was issued to a receipt (FP) */
  invoiceToReceipt = false
): Fa3Invoice {
  if (!isFa3DocumentType(document.type)) {
    throw new Fa3Error([
      `Dokument ${document.number} nie jest fakturą – do KSeF trafiają tylko faktury i faktury korygujące (nie pro formy, paragony ani dokumenty wewnętrzne).`
    ])
  }
  if (document.status === 'cancelled')
    throw new Fa3Error([`Dokument ${document.number} jest anulowany – nie tworzy się dla niego pliku KSeF.`])
  const isCorrection = document.type === 'korekta'
  if (isCorrection && !corrected)
    throw new Fa3Error([`Do korekty ${document.number} potrzebne są dane faktury korygowanej.`])
  if (!isCorrection && corrected) throw new Fa3Error([`Dokument ${document.number} nie jest korektą.`])
  if (corrected && corrected.original.type === 'korekta') {
    throw new Fa3Error([`Korekta ${document.number} musi wskazywać fakturę pierwotną, a nie inną korektę.`])
  }
  if (corrected && corrected.original.currency !== document.currency) {
    throw new Fa3Error([
      `Korekta ${document.number} musi być w walucie faktury korygowanej (${corrected.original.currency}).`
    ])
  }

  const after = sortedLines(lines).map(toLine)
  const before = corrected ? sortedLines(corrected.linesBefore).map(toLine) : []
  const rateTotals = vatTotals.map((total) => ({
    rate: rateOf(total.vat_rate),
    net: total.net,
    vat: total.vat,
    gross: total.gross
  }))
  const hasExemptSales =
    [...after, ...before].some((line) => line.rate === 'zw') || rateTotals.some((total) => total.rate === 'zw')
  const storedBasis = tokenText(document.vat_exemption_basis ?? '')

  return {
    number: document.number,
    issueDate: document.issue_date,
    saleDate: document.sale_date,
    place: null,
    currency: document.currency.trim().toUpperCase(),
    exchangeRate:
      document.currency.trim().toUpperCase() === 'PLN' || document.exchange_rate === null
        ? null
        : {
            mid: document.exchange_rate.trim(),
            tableNo: document.exchange_rate_table,
            effectiveDate: document.exchange_rate_date
          },
    seller: {
      nip: normalizeNip(document.seller_nip),
      name: document.seller_name,
      address: sellerAddress(document.seller_address)
    },
    buyer: {
      id: buyerId(document),
      name: document.buyer_name,
      address: buyerAddress(document)
    },
    sellerVatExempt: document.vat_exempt === 1,
    exemptionBasis: hasExemptSales
      ? storedBasis !== ''
        ? storedBasis
        : document.vat_exempt === 1
          ? ART_113_BASIS
          : null
      : null,
    exemptionBasisKind:
      document.vat_exemption_basis_kind === 'dyrektywa' || document.vat_exemption_basis_kind === 'inna'
        ? document.vat_exemption_basis_kind
        : 'ustawa',
    cashAccounting: document.cash_accounting === 1,
    splitPayment: document.split_payment === 1,
    lines: after,
    rateTotals,
    totalGross: document.total_gross,
    // a correction that lowers the amount is refunded, not paid: no payment terms for it
    payment: isCorrection && document.total_gross <= 0 ? null : payment(document),
    invoiceToReceipt: !isCorrection && invoiceToReceipt,
    correction: corrected
      ? {
          reason: corrected.reason ?? null,
          effect: corrected.effect ?? null,
          originalNumber: corrected.original.number,
          originalIssueDate: corrected.original.issue_date,
          originalKsefNumber:
            corrected.original.ksef_number !== null && corrected.original.ksef_number.trim() !== ''
              ? normalizeKsefNumber(corrected.original.ksef_number)
              : null,
          linesBefore: before,
          originalExchangeRate:
            document.currency.trim().toUpperCase() === 'PLN' ? null : corrected.original.exchange_rate
        }
      : null
  }
}

function sortedLines(lines: ReadonlyArray<Selectable<DocumentLines>>): Array<Selectable<DocumentLines>> {
  return [...lines].sort((a, b) => a.position - b.position || a.id - b.id)
}

function rateOf(stored: string): Fa3Rate {
  if (!isFa3Rate(stored))
    throw new Fa3Error([`Nieobsługiwana stawka VAT „${stored}” – KSeF przyjmuje 23, 8, 5, 0, zw lub np.`])
  return stored
}

function toLine(row: Selectable<DocumentLines>): Fa3Line {
  return {
    name: row.name,
    unit: row.unit,
    quantityMilli: row.quantity_milli,
    unitPriceGross: row.unit_price_gross,
    net: row.net,
    vat: row.vat,
    gross: row.gross,
    rate: rateOf(row.vat_rate),
    code: row.sku,
    annex15: row.annex15 === 1,
    gtu: row.gtu === '' ? null : row.gtu
  }
}

/** The seller's address is stored as one text, "ul. Prosta 1, 00-001 Warszawa[, CZ]". */
export function sellerAddress(text: string): Fa3Address {
  const parts = text
    .split(/\r?\n|,/)
    .map((part) => part.trim())
    .filter((part) => part !== '')
  let countryCode = 'PL'
  const last = parts.at(-1)
  if (parts.length > 1 && last !== undefined && /^[A-Z]{2}$/.test(last) && FA3_COUNTRY_CODES.has(last)) {
    countryCode = last
    parts.pop()
  }
  const postal = parts.findIndex((part, i) => i > 0 && /^\d{2}-\d{3}\b/.test(part))
  if (postal > 0)
    return { countryCode, line1: parts.slice(0, postal).join(', '), line2: parts.slice(postal).join(', ') }
  return { countryCode, line1: parts.join(', '), line2: null }
}

function buyerAddress(document: Selectable<Documents>): Fa3Address | null {
  const street = tokenText(document.buyer_street)
  const place = tokenText(`${document.buyer_postal_code} ${document.buyer_city}`)
  const countryCode = document.buyer_country_code.trim().toUpperCase()
  if (street === '' && place === '') return null
  return street === ''
    ? { countryCode, line1: place, line2: null }
    : { countryCode, line1: street, line2: place === '' ? null : place }
}

/**
 * NIP first; a foreign tax id with an EU VAT prefix becomes KodUE + NrVatUE (Greece: EL, also
 * when typed GR); any other id is NrID with the buyer's country; no id at all: a consumer.
 */
export function buyerId(
  document: Pick<Selectable<Documents>, 'buyer_nip' | 'buyer_foreign_tax_id' | 'buyer_country_code'>
): Fa3BuyerId {
  const nip = normalizeNip(document.buyer_nip ?? '')
  if (nip !== '') return { kind: 'nip', nip }
  const foreign = tokenText(document.buyer_foreign_tax_id ?? '')
  if (foreign === '') return { kind: 'none' }
  const compact = foreign.toUpperCase().replace(/[\s.-]/g, '')
  const prefix = compact.slice(0, 2) === 'GR' ? 'EL' : compact.slice(0, 2)
  const number = compact.slice(2)
  if (prefix === 'PL' && isValidNip(number)) return { kind: 'nip', nip: number }
  if (prefix !== 'PL' && FA3_EU_VAT_PREFIXES.has(prefix) && /^[0-9A-Z+*]{2,12}$/.test(number) && /\d/.test(number)) {
    return { kind: 'eu', countryCode: prefix, vatNumber: number }
  }
  const country = document.buyer_country_code.trim().toUpperCase()
  return { kind: 'foreign', countryCode: FA3_COUNTRY_CODES.has(country) ? country : null, taxId: foreign }
}

function payment(document: Selectable<Documents>): Fa3Payment {
  const method = PAYMENT_FORMS[document.payment_method]
  const methodText = tokenText(document.payment_method)
  const paid = document.paid === 1
  const account = document.seller_bank_account.trim()
  return {
    paidOn: paid ? (dateOf(document.paid_at) ?? document.issue_date) : null,
    dueDate: paid ? null : document.due_date,
    form: method && 'form' in method ? method.form : null,
    otherForm:
      method && 'other' in method ? method.other : method === undefined && methodText !== '' ? methodText : null,
    // the account only matters while a transfer is still due
    bankAccount: !paid && document.payment_method === 'przelew' && account !== '' ? account : null
  }
}

/** paid_at may be a date or a stored UTC timestamp; the payment date is the day in Poland. */
function dateOf(value: string | null): string | null {
  if (value === null || value.trim() === '') return null
  if (isIsoDate(value)) return value
  try {
    return DateTime.fromISO(value, { zone: 'utc', setZone: true }).setZone(ZONE).toISODate()
  } catch {
    return null
  }
}
