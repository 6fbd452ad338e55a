// Faktura korygująca (art. 106j; reference/polish-invoicing.md §6): which lines change and by how
// much, and the per-rate differences. Pure rules, no I/O.
//
// How a correction is stored (the contract of src/ksef/fa3-documents.ts and the ledger): its lines
// are the corrected lines as they stand AFTER it; its per-rate totals and document totals are the
// DIFFERENCES. The "before" of a line is the original invoice's line as left by the latest still
// issued correction, so successive corrections build on each other.
import { lineGross, splitGross, type Amounts, type VatRate, type VatTotal, compareVatRates } from '../shared/vat.ts'

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

interface CorrectedLine {
  before: LineState
  after: { quantityMilli: number; unitPriceGross: number; gross: number }
}

interface CorrectionPlan {
  /** only the lines that change, in the invoice's order */
  lines: CorrectedLine[]
  /** per rate: what the correction adds to (negative: takes off) the invoice */
  differences: VatTotal[]
  totals: Amounts
}

/** Field errors keyed like the form: `lines.<index>.quantity`, `lines.<index>.price`, `refundDelivery`, `form`. */
export type PlanResult = { ok: true; plan: CorrectionPlan } | { ok: false; errors: Record<string, string> }

const MAX_UNIT_PRICE = 9_999_999_999

function quantityText(milli: number): string {
  return milli % 1000 === 0 ? String(milli / 1000) : (milli / 1000).toFixed(3).replace(/0+$/, '').replace('.', ',')
}

/** What is wrong with a line's after-values, or null: not negative, not above what is left. */
export function lineProblem(
  before: LineState,
  after: RequestedLine
): { field: 'quantity' | 'price'; message: string } | null {
  if (after.quantityMilli < 0) return { field: 'quantity', message: 'Ilość nie może być ujemna.' }
  if (after.quantityMilli > before.quantityMilli) {
    return {
      field: 'quantity',
      message: `Najwyżej ${quantityText(before.quantityMilli)} – korekta nie zwiększa ilości (na dosprzedaż wystaw nową fakturę).`
    }
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
export function planCorrection(
  current: readonly LineState[],
  declared: readonly VatTotal[],
  request: CorrectionRequest
): PlanResult {
  const errors: Record<string, string> = {}
  const hasDelivery = current.some((line) => line.kind === 'delivery')
  if (request.refundDelivery && !hasDelivery) errors.refundDelivery = 'Ta faktura nie ma pozycji z kosztem dostawy.'

  const lines: CorrectedLine[] = []
  current.forEach((before, index) => {
    let after: RequestedLine = request.lines.get(before.originalLineId) ?? {
      quantityMilli: before.quantityMilli,
      unitPriceGross: before.unitPriceGross
    }
    // a refunded delivery keeps its quantity (it was carried out) and costs nothing
    if (before.kind === 'delivery' && request.refundDelivery)
      after = { quantityMilli: before.quantityMilli, unitPriceGross: 0 }
    if (request.fullReturn) after = { quantityMilli: 0, unitPriceGross: before.unitPriceGross }
    const problem = lineProblem(before, after)
    if (problem !== null) {
      errors[`lines.${index}.${problem.field}`] = problem.message
      return
    }
    // a price on a line with nothing left changes nothing
    const changed =
      after.quantityMilli !== before.quantityMilli ||
      (after.quantityMilli > 0 && after.unitPriceGross !== before.unitPriceGross)
    if (!changed) return
    lines.push({ before, after: { ...after, gross: lineGross(after.quantityMilli, after.unitPriceGross) } })
  })
  if (Object.keys(errors).length > 0) return { ok: false, errors }
  if (lines.length === 0) {
    return {
      ok: false,
      errors: {
        form: 'Nic się nie zmienia – zmień ilość lub cenę co najmniej jednej pozycji albo zaznacz zwrot całości lub zwrot kosztów dostawy.'
      }
    }
  }
  const differences = correctionDifferences(current, declared, lines)
  const totals = differences.reduce(
    (sum, rate) => ({ net: sum.net + rate.net, vat: sum.vat + rate.vat, gross: sum.gross + rate.gross }),
    { net: 0, vat: 0, gross: 0 }
  )
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
function correctionDifferences(
  current: readonly LineState[],
  declared: readonly VatTotal[],
  changes: readonly CorrectedLine[]
): VatTotal[] {
  const changedGross = new Map(changes.map((change) => [change.before.originalLineId, change.after.gross]))
  const grossAfter = new Map<VatRate, number>()
  for (const line of current)
    grossAfter.set(
      line.vatRate,
      (grossAfter.get(line.vatRate) ?? 0) + (changedGross.get(line.originalLineId) ?? line.gross)
    )
  const grossChange = new Map<VatRate, number>()
  for (const change of changes)
    grossChange.set(
      change.before.vatRate,
      (grossChange.get(change.before.vatRate) ?? 0) + change.after.gross - change.before.gross
    )

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
export function lineFigures(
  quantityMilli: number,
  unitPriceGross: number,
  gross: number,
  vatRate: VatRate
): LineFigures {
  const amounts = splitGross(gross, vatRate)
  return { quantityMilli, unitPriceGross, net: amounts.net, vat: amounts.vat, gross }
}

export function figuresDifference(before: LineFigures, after: LineFigures): LineFigures {
  return {
    quantityMilli: after.quantityMilli - before.quantityMilli,
    unitPriceGross: after.unitPriceGross - before.unitPriceGross,
    net: after.net - before.net,
    vat: after.vat - before.vat,
    gross: after.gross - before.gross
  }
}

/** How the difference is settled with the buyer: returned to them, paid by them, or nothing. */
export function settlementLabel(totalGross: number): 'Do zwrotu' | 'Do zapłaty' | 'Bez zmiany kwoty' {
  if (totalGross < 0) return 'Do zwrotu'
  if (totalGross > 0) return 'Do zapłaty'
  return 'Bez zmiany kwoty'
}

/** Reasons offered on the form (PrzyczynaKorekty is free text; these are the usual ones). */
export const COMMON_REASONS = [
  'Zwrot towaru',
  'Zwrot kosztów dostawy',
  'Rabat po sprzedaży',
  'Błędna cena',
  'Błędna ilość',
  'Zwrot całości – korekta do zera'
] as const

/** The types a correction may be issued for: invoices, with or without VAT. */
const CORRECTABLE_TYPES = ['faktura', 'faktura_bez_vat'] as const

export function isCorrectable(doc: { type: string; status: string }): boolean {
  return (CORRECTABLE_TYPES as readonly string[]).includes(doc.type) && doc.status === 'issued'
}

// When the correction is settled (art. 29a ustawy o VAT) --------------------------------------

/**
 * What the user says about the correction's timing:
 * - `wystawienie`: a decrease whose terms agreed with the buyer are documented when the correction
 *   is issued (art. 29a ust. 13 zd. 1) – or a correction issued in KSeF, for which the
 *   documentation condition does not apply (art. 29a ust. 15 pkt 4) – settled in its own period;
 * - `dokumentacja`: a decrease whose documentation is obtained only later (ust. 13 zd. 2),
 *   settled in the period of that day;
 * - `pierwotny`: an increase whose cause existed at the sale (a wrong price or quantity on the
 *   invoice), settled in the period of the original sale;
 * - `przyczyna`: an increase whose cause arose later (e.g. a price raised afterwards), settled in
 *   the period the cause arose (ust. 17).
 */
export const SETTLEMENTS = ['wystawienie', 'dokumentacja', 'pierwotny', 'przyczyna'] as const
export type Settlement = (typeof SETTLEMENTS)[number]

export const SETTLEMENT_LABELS: Record<Settlement, string> = {
  wystawienie:
    'Zmniejszenie: warunki uzgodnione z nabywcą i spełnione, mam dokumentację (np. przyjęty zwrot) albo korekta trafia do KSeF – w okresie wystawienia korekty',
  dokumentacja: 'Zmniejszenie: dokumentację uzgodnienia z nabywcą uzyskałem później – w okresie jej uzyskania',
  pierwotny:
    'Zwiększenie: przyczyna istniała w chwili sprzedaży (np. błędna cena lub ilość na fakturze) – w okresie faktury pierwotnej',
  przyczyna:
    'Zwiększenie: przyczyna powstała po sprzedaży (np. późniejsza podwyżka ceny) – w okresie, w którym powstała'
}

export function isSettlement(value: string): value is Settlement {
  return (SETTLEMENTS as readonly string[]).includes(value)
}

/** Whether the correction lowers or raises the tax base: its net difference, else its VAT's. */
export function correctionDirection(totals: Amounts): 'decrease' | 'increase' | 'none' {
  const sign = totals.net !== 0 ? totals.net : totals.vat !== 0 ? totals.vat : totals.gross
  return sign < 0 ? 'decrease' : sign > 0 ? 'increase' : 'none'
}

export interface SettlementInput {
  settlement: Settlement
  /** the day of `dokumentacja` (documentation obtained) or `przyczyna` (cause arose); '' otherwise */
  date: string
  /** the correction's issue date */
  issueDate: string
  /** the day the original invoice was booked (its event date in the ledger) */
  originalDate: string
  today: string
}

/** FA(3) TypKorekty and the day whose month books the correction, or a Polish reason on a field. */
export type SettlementResult =
  { ok: true; effect: 1 | 2 | 3; date: string } | { ok: false; field: 'settlement' | 'settlementDate'; message: string }

/**
 * The period of a correction (art. 29a ust. 13, 15 pkt 4 and 17) and its FA(3) TypKorekty: 1 when
 * it is settled in the original invoice's period, 2 in the correction's own, 3 in another one.
 * A correction that changes no amount (only its description) takes effect when issued.
 * Decrease documented 3.12 for a correction issued 28.11: settled in December, TypKorekty 3.
 */
export function correctionSettlement(
  direction: 'decrease' | 'increase' | 'none',
  input: SettlementInput
): SettlementResult {
  const month = (date: string) => date.slice(0, 7)
  const effectOf = (date: string): 1 | 2 | 3 =>
    month(date) === month(input.issueDate) ? 2 : month(date) === month(input.originalDate) ? 1 : 3
  if (direction === 'none') return { ok: true, effect: 2, date: input.issueDate }
  if (direction === 'decrease') {
    if (input.settlement === 'pierwotny' || input.settlement === 'przyczyna') {
      return {
        ok: false,
        field: 'settlement',
        message:
          'Ta korekta zmniejsza podstawę opodatkowania – rozlicza się ją w okresie wystawienia korekty albo uzyskania dokumentacji uzgodnienia z nabywcą (art. 29a ust. 13 ustawy o VAT).'
      }
    }
    if (input.settlement === 'wystawienie') return { ok: true, effect: 2, date: input.issueDate }
    if (input.date === '')
      return { ok: false, field: 'settlementDate', message: 'Podaj datę uzyskania dokumentacji uzgodnienia z nabywcą.' }
    if (input.date < input.issueDate)
      return {
        ok: false,
        field: 'settlementDate',
        message: 'Dokumentacja uzyskana przed wystawieniem korekty – wybierz rozliczenie w okresie wystawienia korekty.'
      }
    if (input.date > input.today)
      return {
        ok: false,
        field: 'settlementDate',
        message: 'Data uzyskania dokumentacji nie może być z przyszłości – wystaw korektę, gdy ją uzyskasz.'
      }
    return { ok: true, effect: effectOf(input.date), date: input.date }
  }
  if (input.settlement === 'wystawienie' || input.settlement === 'dokumentacja') {
    return {
      ok: false,
      field: 'settlement',
      message:
        'Ta korekta zwiększa podstawę opodatkowania – wskaż, czy przyczyna istniała w chwili sprzedaży, czy powstała później (art. 29a ust. 17 ustawy o VAT).'
    }
  }
  if (input.settlement === 'pierwotny') return { ok: true, effect: 1, date: input.originalDate }
  if (input.date === '')
    return {
      ok: false,
      field: 'settlementDate',
      message: 'Podaj datę, w której powstała przyczyna zwiększenia (np. uzgodnienia podwyżki ceny).'
    }
  if (input.date < input.originalDate)
    return {
      ok: false,
      field: 'settlementDate',
      message:
        'Przyczyna zwiększenia nie może być wcześniejsza niż sprzedaż – jeśli istniała już przy sprzedaży, wybierz okres faktury pierwotnej.'
    }
  if (input.date > input.issueDate)
    return {
      ok: false,
      field: 'settlementDate',
      message: 'Przyczyna zwiększenia nie może być późniejsza niż data wystawienia korekty.'
    }
  return { ok: true, effect: effectOf(input.date), date: input.date }
}
