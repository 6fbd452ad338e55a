// Faktura korygująca (art. 106j; reference/polish-invoicing.md §6): which lines change and by how
// much, and the per-rate differences. Pure rules, no I/O.
//
// How a correction is stored (the contract of src/ksef/fa3-documents.ts and the ledger): its lines
// are the corrected lines as they stand AFTER it; its per-rate totals and document totals are the
// DIFFERENCES. The "before" of a line is the original invoice's line as left by the latest still
// issued correction, so successive corrections build on each other.
import { lineGross, splitGross, type Amounts, type VatRate, type VatTotal, compareVatRates } from '../documents/document.ts'

/** Where a line of the original invoice stands now (after every still issued correction). */
export interface LineState {
  /** the original invoice's line; every later correction refers to it */
  originalLineId: number
  position: number
  kind: 'item' | 'service' | 'delivery'
  name: string
  unit: string
  vatRate: VatRate
  quantityMilli: number
  unitPriceGross: number
  gross: number
}

/** What the user asks for one line: its quantity and unit gross price after the correction. */
export interface RequestedLine {
  quantityMilli: number
  unitPriceGross: number
}

export interface CorrectionRequest {
  /** after-values per original line id; a line not given stays as it is */
  lines: ReadonlyMap<number, RequestedLine>
  /** "Zwrot całości": every line goes to zero (korekta do zera) */
  fullReturn: boolean
  /** "Zwrot kosztów dostawy": the delivery lines' price goes to zero */
  refundDelivery: boolean
}

export interface CorrectedLine {
  before: LineState
  after: { quantityMilli: number, unitPriceGross: number, gross: number }
}

export interface CorrectionPlan {
  /** only the lines that change, in the invoice's order */
  lines: CorrectedLine[]
  /** per rate: what the correction adds to (negative: takes off) the invoice */
  differences: VatTotal[]
  totals: Amounts
}

/** Field errors keyed like the form: `lines.<index>.quantity`, `lines.<index>.price`, `refundDelivery`, `form`. */
export type PlanResult = { ok: true, plan: CorrectionPlan } | { ok: false, errors: Record<string, string> }

const MAX_UNIT_PRICE = 9_999_999_999

function quantityText (milli: number): string {
  return milli % 1000 === 0 ? String(milli / 1000) : (milli / 1000).toFixed(3).replace(/0+$/, '').replace('.', ',')
}

/** What is wrong with a line's after-values, or null: not negative, not above what is left. */
export function lineProblem (before: LineState, after: RequestedLine): { field: 'quantity' | 'price', message: string } | null {
  if (after.quantityMilli < 0) return { field: 'quantity', message: 'Ilość nie może być ujemna.' }
  if (after.quantityMilli > before.quantityMilli) {
    return { field: 'quantity', message: `Najwyżej ${quantityText(before.quantityMilli)} – korekta nie zwiększa ilości (na dosprzedaż wystaw nową fakturę).` }
  }
  if (after.unitPriceGross < 0) return { field: 'price', message: 'Cena nie może być ujemna.' }
  if (after.unitPriceGross > MAX_UNIT_PRICE) return { field: 'price', message: 'Za wysoka cena.' }
  return null
}

/**
 * The lines that change and the per-rate differences, or the reasons the request cannot be a
 * correction. `current` is every line of the invoice as it stands now; `declared` the per-rate
 * totals stated so far (the invoice's plus every issued correction's).
 */
export function planCorrection (current: readonly LineState[], declared: readonly VatTotal[], request: CorrectionRequest): PlanResult {
  const errors: Record<string, string> = {}
  const hasDelivery = current.some((line) => line.kind === 'delivery')
  if (request.refundDelivery && !hasDelivery) errors.refundDelivery = 'Ta faktura nie ma pozycji z kosztem dostawy.'

  const lines: CorrectedLine[] = []
  current.forEach((before, index) => {
    let after: RequestedLine = request.lines.get(before.originalLineId) ?? { quantityMilli: before.quantityMilli, unitPriceGross: before.unitPriceGross }
    // a refunded delivery keeps its quantity (it was carried out) and costs nothing
    if (before.kind === 'delivery' && request.refundDelivery) after = { quantityMilli: before.quantityMilli, unitPriceGross: 0 }
    if (request.fullReturn) after = { quantityMilli: 0, unitPriceGross: before.unitPriceGross }
    const problem = lineProblem(before, after)
    if (problem !== null) {
      errors[`lines.${index}.${problem.field}`] = problem.message
      return
    }
    // a price on a line with nothing left changes nothing
    const changed = after.quantityMilli !== before.quantityMilli || (after.quantityMilli > 0 && after.unitPriceGross !== before.unitPriceGross)
    if (!changed) return
    lines.push({ before, after: { ...after, gross: lineGross(after.quantityMilli, after.unitPriceGross) } })
  })
  if (Object.keys(errors).length > 0) return { ok: false, errors }
  if (lines.length === 0) {
    return { ok: false, errors: { form: 'Nic się nie zmienia – zmień ilość lub cenę co najmniej jednej pozycji albo zaznacz zwrot całości lub zwrot kosztów dostawy.' } }
  }
  const differences = correctionDifferences(current, declared, lines)
  const totals = differences.reduce((sum, rate) => ({ net: sum.net + rate.net, vat: sum.vat + rate.vat, gross: sum.gross + rate.gross }), { net: 0, vat: 0, gross: 0 })
  return { ok: true, plan: { lines, differences, totals } }
}

/**
 * Per rate, the invoice's VAT follows the document's own rule (half up on the rate's gross sum,
 * document.ts vatTotals): the difference is the VAT of the rate's gross AFTER the correction minus
 * the VAT stated so far, so the invoice plus all its corrections always states exactly the VAT of
 * what was finally sold, with no rounding drift across successive corrections. The gross
 * difference is the change of the corrected lines (what KSeF checks against the lines).
 * 1 of 2 × 124,49 at 23 % returned from 268,97: VAT 50,30 → 27,02, difference −23,28.
 */
export function correctionDifferences (current: readonly LineState[], declared: readonly VatTotal[], changes: readonly CorrectedLine[]): VatTotal[] {
  const changedGross = new Map(changes.map((change) => [change.before.originalLineId, change.after.gross]))
  const grossAfter = new Map<VatRate, number>()
  for (const line of current) grossAfter.set(line.vatRate, (grossAfter.get(line.vatRate) ?? 0) + (changedGross.get(line.originalLineId) ?? line.gross))
  const grossChange = new Map<VatRate, number>()
  for (const change of changes) grossChange.set(change.before.vatRate, (grossChange.get(change.before.vatRate) ?? 0) + change.after.gross - change.before.gross)

  const rates = new Set<VatRate>(grossChange.keys())
  for (const total of declared) {
    const vatAfter = splitGross(grossAfter.get(total.vatRate) ?? 0, total.vatRate).vat
    if (vatAfter !== total.vat) rates.add(total.vatRate)
  }
  return [...rates].sort(compareVatRates).map((vatRate) => {
    const gross = grossChange.get(vatRate) ?? 0
    const vatBefore = declared.find((total) => total.vatRate === vatRate)?.vat ?? 0
    const vat = splitGross(grossAfter.get(vatRate) ?? 0, vatRate).vat - vatBefore
    return { vatRate, net: gross - vat, vat, gross }
  })
}

/** One line of the before/after table: what the document shows per corrected line. */
export interface BeforeAfterRow {
  position: number
  name: string
  unit: string
  vatRate: string
  before: LineFigures
  after: LineFigures
  difference: LineFigures
}

export interface LineFigures {
  quantityMilli: number
  unitPriceGross: number
  net: number
  vat: number
  gross: number
}

/** A line's own net and VAT are for display; the per-rate totals are what counts. */
export function lineFigures (quantityMilli: number, unitPriceGross: number, gross: number, vatRate: VatRate): LineFigures {
  const amounts = splitGross(gross, vatRate)
  return { quantityMilli, unitPriceGross, net: amounts.net, vat: amounts.vat, gross }
}

export function figuresDifference (before: LineFigures, after: LineFigures): LineFigures {
  return {
    quantityMilli: after.quantityMilli - before.quantityMilli,
    unitPriceGross: after.unitPriceGross - before.unitPriceGross,
    net: after.net - before.net,
    vat: after.vat - before.vat,
    gross: after.gross - before.gross
  }
}

/** How the difference is settled with the buyer: returned to them, paid by them, or nothing. */
export function settlementLabel (totalGross: number): 'Do zwrotu' | 'Do zapłaty' | 'Bez zmiany kwoty' {
  if (totalGross < 0) return 'Do zwrotu'
  if (totalGross > 0) return 'Do zapłaty'
  return 'Bez zmiany kwoty'
}

/** Reasons offered on the form (PrzyczynaKorekty is free text; these are the usual ones). */
export const COMMON_REASONS = ['Zwrot towaru', 'Zwrot kosztów dostawy', 'Rabat po sprzedaży', 'Błędna cena', 'Błędna ilość', 'Zwrot całości – korekta do zera'] as const

/** The types a correction may be issued for: invoices, with or without VAT. */
export const CORRECTABLE_TYPES = ['faktura', 'faktura_bez_vat'] as const

export function isCorrectable (doc: { type: string, status: string }): boolean {
  return (CORRECTABLE_TYPES as readonly string[]).includes(doc.type) && doc.status === 'issued'
}
