// Purchase invoices entered by hand: documents that never pass KSeF (a paper invoice, a foreign
// seller's invoice, e.g. a marketplace's fee invoice from abroad). Pure: no I/O. What the form
// yields is stored like a downloaded invoice (purchase_invoices with source 'reczna' and its
// rates), so the booking reads both the same way.
import { convertToPln } from '../nbp/nbp.ts'
import { divideRoundHalfUp } from '../shared/money.ts'
import type { ParsedPurchase, PurchaseRate } from './fa3-read.ts'

/**
 * The rates the form offers, as the FA(3) P_12 codes the KSeF invoices use: with their percent,
 * or null where the invoice carries no VAT (0 % domestic, exempt, outside Polish VAT).
 */
export const MANUAL_RATES: Array<{ code: string; field: string; percent: number | null; label: string }> = [
  { code: '23', field: '23', percent: 23, label: '23 %' },
  { code: '8', field: '8', percent: 8, label: '8 %' },
  { code: '5', field: '5', percent: 5, label: '5 %' },
  { code: '0 KR', field: '0', percent: null, label: '0 %' },
  { code: 'zw', field: 'zw', percent: null, label: 'zw (zwolnione)' },
  // a foreign seller's invoice without Polish VAT (the service is taxed where the buyer is: art. 28b)
  { code: 'np I', field: 'np', percent: null, label: 'np (poza polskim VAT, np. usługa z zagranicy)' }
]

/** The VAT a rate's net gives, rounded half up to the grosz (art. 106e ust. 10 and 11 rounding). */
export function vatOf(net: number, percent: number): number {
  return divideRoundHalfUp(net * percent, 100)
}

export interface ManualInvoice {
  sellerCountry: string
  sellerNip: string
  sellerName: string
  sellerAddress: string
  number: string
  issueDate: string
  saleDate: string | null
  receivedDate: string
  currency: string
  /** the NBP mid rate as text ('4.2500'); null for PLN */
  exchangeRate: string | null
  exchangeRateTable: string | null
  exchangeRateDate: string | null
  /** minor units of the invoice currency per rate; vatPln in grosze */
  rates: PurchaseRate[]
}

/** Per-rate amounts with the VAT in PLN (art. 106e ust. 11: the tax in złoty, at the invoice's rate). */
export function ratesInPln(
  rates: Array<{ rate: string; net: number; vat: number }>,
  exchangeRate: string | null
): PurchaseRate[] {
  return rates.map((r) => ({ ...r, vatPln: exchangeRate === null ? r.vat : convertToPln(r.vat, exchangeRate) }))
}

export function totalsOf(rates: PurchaseRate[]): { net: number; vat: number; gross: number; vatPln: number } {
  const net = rates.reduce((s, r) => s + r.net, 0)
  const vat = rates.reduce((s, r) => s + r.vat, 0)
  return { net, vat, gross: net + vat, vatPln: rates.reduce((s, r) => s + r.vatPln, 0) }
}

/** What the booking and the page read for a hand-entered invoice, from its stored row and rates. */
export function parsedFromRow(
  row: {
    seller_nip: string | null
    seller_name: string | null
    seller_address: string | null
    invoice_number: string | null
    invoice_kind: string | null
    issue_date: string | null
    sale_date: string | null
    currency: string | null
    exchange_rate: string | null
    net: number | null
    vat: number | null
    gross: number | null
    vat_pln: number | null
  },
  rates: PurchaseRate[],
  buyerNip: string | null
): ParsedPurchase {
  return {
    sellerNip: row.seller_nip,
    sellerName: row.seller_name,
    sellerAddress: row.seller_address,
    buyerNip,
    buyerName: null,
    number: row.invoice_number,
    kind: row.invoice_kind ?? 'VAT',
    issueDate: row.issue_date,
    saleDate: row.sale_date,
    currency: row.currency ?? 'PLN',
    exchangeRate: row.exchange_rate,
    rates,
    net: row.net ?? 0,
    vat: row.vat ?? 0,
    vatPln: row.vat_pln,
    gross: row.gross,
    lines: [],
    payment: null,
    splitPayment: false,
    correction: null
  }
}
