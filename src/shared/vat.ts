// VAT rates, VAT from gross prices and the exemption basis: pure rules shared by sales, corrections,
// purchases, the ledger and the JPK files.
import { divideRoundHalfUp } from './money.ts'

export const VAT_RATES = ['23', '8', '5', '0', 'zw'] as const
export type VatRate = (typeof VAT_RATES)[number]

export function isVatRate(value: string): value is VatRate {
  return (VAT_RATES as readonly string[]).includes(value)
}

/** The rate as a percentage for the arithmetic; exempt ('zw') carries no VAT. */
function vatPercent(rate: VatRate): number {
  return rate === 'zw' ? 0 : Number(rate)
}

export function vatRateLabel(rate: string): string {
  return rate === 'zw' ? 'zw.' : `${rate}%`
}

/** Highest first, exempt last: the order of the per-rate summary. */
export function compareVatRates(a: VatRate, b: VatRate): number {
  if (a === b) return 0
  if (a === 'zw') return 1
  if (b === 'zw') return -1
  return vatPercent(b) - vatPercent(a)
}

export interface Amounts {
  net: number
  vat: number
  gross: number
}

/** VAT from a gross amount (art. 106e ust. 7–8): VAT = gross × r / (100 + r), half up to the grosz. */
export function splitGross(gross: number, rate: VatRate): Amounts {
  const percent = vatPercent(rate)
  const vat = percent === 0 ? 0 : divideRoundHalfUp(gross * percent, 100 + percent)
  return { net: gross - vat, vat, gross }
}

/** Gross value of a line: quantity in thousandths × unit gross price, half up to the grosz. */
export function lineGross(quantityMilli: number, unitPriceGross: number): number {
  // BigInt: 100 000 units at a million złoty is past 2^53 grosze-thousandths
  const product = BigInt(quantityMilli) * BigInt(unitPriceGross)
  const negative = product < 0n
  const abs = negative ? -product : product
  const rounded = (abs * 2n + 1000n) / 2000n
  return Number(negative ? -rounded : rounded)
}

export interface VatTotal extends Amounts {
  vatRate: VatRate
}

/**
 * Totals per rate, authoritative for the document: the gross values of the rate's lines are
 * summed first and the VAT is computed once from that sum, so the document's gross always
 * equals what the buyer paid (3 × 33.33 at 23 % → VAT 18.70, net 81.29, gross 99.99).
 */
export function vatTotals(lines: ReadonlyArray<{ vatRate: VatRate; gross: number }>): VatTotal[] {
  const grossByRate = new Map<VatRate, number>()
  for (const line of lines) grossByRate.set(line.vatRate, (grossByRate.get(line.vatRate) ?? 0) + line.gross)
  return [...grossByRate.entries()]
    .sort(([a], [b]) => compareVatRates(a, b))
    .map(([vatRate, gross]) => ({ vatRate, ...splitGross(gross, vatRate) }))
}

export function sumAmounts(rows: ReadonlyArray<Amounts>): Amounts {
  return rows.reduce((acc, row) => ({ net: acc.net + row.net, vat: acc.vat + row.vat, gross: acc.gross + row.gross }), {
    net: 0,
    vat: 0,
    gross: 0
  })
}

/** The rate delivery takes when nothing says otherwise: the goods' rate, the highest if mixed. */
export function highestRate(rates: ReadonlyArray<VatRate>, fallback: VatRate): VatRate {
  if (rates.length === 0) return fallback
  return [...rates].sort(compareVatRates)[0]
}

/** The basis an exempt seller's documents print unless the company says otherwise. */
export const DEFAULT_EXEMPTION_BASIS = 'Zwolnienie podmiotowe z VAT na podstawie art. 113 ust. 1 ustawy o VAT'

/**
 * The kind of provision exempt sales rely on (art. 106e ust. 1 pkt 19; FA(3) P_19A/B/C): the
 * VAT Act or an act issued under it, directive 2006/112/WE, or another legal basis.
 */
export const EXEMPTION_BASIS_KINDS = ['ustawa', 'dyrektywa', 'inna'] as const
export type ExemptionBasisKind = (typeof EXEMPTION_BASIS_KINDS)[number]

export const EXEMPTION_BASIS_KIND_LABELS: Record<ExemptionBasisKind, string> = {
  ustawa: 'przepis ustawy o VAT lub aktu wydanego na jej podstawie',
  dyrektywa: 'przepis dyrektywy 2006/112/WE',
  inna: 'inna podstawa prawna'
}

/** The basis as printed: a directive or other provision says so, the Act's article speaks for itself. */
export function exemptionBasisText(basis: string, kind: ExemptionBasisKind): string {
  return kind === 'dyrektywa' && !basis.includes('2006/112') ? `${basis} dyrektywy 2006/112/WE` : basis
}

export function isExemptionBasisKind(value: string): value is ExemptionBasisKind {
  return (EXEMPTION_BASIS_KINDS as readonly string[]).includes(value)
}
