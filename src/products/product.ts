// Pure product rules: prices by VAT rate, stock quantities in thousandths, where products live.
import { divideRoundHalfUp } from '../shared/money.ts'
import { VAT_RATES } from '../shared/vat.ts'

export type VatRate = (typeof VAT_RATES)[number]

export const UNITS = ['szt.', 'kpl.', 'opak.', 'para', 'kg', 'g', 'l', 'm', 'mb', 'm²', 'usł.'] as const

export const MAX_NAME_LENGTH = 200
/** Allegro allows up to 100 characters in an offer's external.id (sygnatura). */
export const MAX_SKU_LENGTH = 100
export const MAX_REASON_LENGTH = 300

/** The percentage of a VAT rate code; 'zw' (exempt) and '0' carry no VAT. */
function vatPercent(rate: string): number {
  const percent = Number(rate)
  return Number.isInteger(percent) && percent > 0 ? percent : 0
}

/** The VAT contained in a gross amount, rounded half up as the VAT rules require. */
export function netFromGross(grossMinor: number, rate: string): number {
  const percent = vatPercent(rate)
  return grossMinor - divideRoundHalfUp(grossMinor * percent, 100 + percent)
}

export function grossFromNet(netMinor: number, rate: string): number {
  return netMinor + divideRoundHalfUp(netMinor * vatPercent(rate), 100)
}

/** Allegro's tax.rate arrives as '23.00'; our rate codes are '23', '8', '5', '0', 'zw'. Null when it fits none. */
export function vatRateFromAllegro(rate: string | null): VatRate | null {
  if (rate === null) return null
  // the seller marked the offer VAT-exempt ("ZW", zwolniony; art. 43 ustawy o VAT)
  if (rate.trim().toUpperCase() === 'ZW') return 'zw'
  const match = /^(\d{1,2})(?:\.0{1,2})?$/.exec(rate.trim())
  if (!match) return null
  const code = String(Number(match[1]))
  return (VAT_RATES as readonly string[]).includes(code) ? (code as VatRate) : null
}

// Without the warehouse package products sit under PRZYCHODY, with it under MAGAZYN (seed S13).
export const PRODUCTS_PATH = { plain: '/przychody/produkty', warehouse: '/magazyn/produkty' } as const

export function productsPath(hasWarehouse: boolean): string {
  return hasWarehouse ? PRODUCTS_PATH.warehouse : PRODUCTS_PATH.plain
}

/** Numbering of warehouse issue documents: "WZ 7/11/2026" for the 7th in November 2026. */
export function wzNumber(seq: number, period: string): string {
  const [year, month] = period.split('-')
  return `WZ ${seq}/${month}/${year}`
}
