// Pure product rules: prices by VAT rate, stock quantities in thousandths, where products live.
import { divideRoundHalfUp, formatAmount } from '../shared/money.ts'
import { VAT_RATES } from '../shared/vat.ts'

export { VAT_RATES }
export type VatRate = typeof VAT_RATES[number]

export const UNITS = ['szt.', 'kpl.', 'opak.', 'para', 'kg', 'g', 'l', 'm', 'mb', 'm²', 'usł.'] as const

export const MAX_NAME_LENGTH = 200
/** Allegro allows up to 100 characters in an offer's external.id (sygnatura). */
export const MAX_SKU_LENGTH = 100
export const MAX_REASON_LENGTH = 300

/** The percentage of a VAT rate code; 'zw' (exempt) and '0' carry no VAT. */
export function vatPercent (rate: string): number {
  const percent = Number(rate)
  return Number.isInteger(percent) && percent > 0 ? percent : 0
}

/** The VAT contained in a gross amount, rounded half up as the VAT rules require. */
export function netFromGross (grossMinor: number, rate: string): number {
  const percent = vatPercent(rate)
  return grossMinor - divideRoundHalfUp(grossMinor * percent, 100 + percent)
}

export function grossFromNet (netMinor: number, rate: string): number {
  return netMinor + divideRoundHalfUp(netMinor * vatPercent(rate), 100)
}

/** Allegro's tax.rate arrives as '23.00'; our rate codes are '23', '8', '5', '0', 'zw'. Null when it fits none. */
export function vatRateFromAllegro (rate: string | null): VatRate | null {
  if (rate === null) return null
  // the seller marked the offer VAT-exempt ("ZW", zwolniony; art. 43 ustawy o VAT)
  if (rate.trim().toUpperCase() === 'ZW') return 'zw'
  const match = /^(\d{1,2})(?:\.0{1,2})?$/.exec(rate.trim())
  if (!match) return null
  const code = String(Number(match[1]))
  return (VAT_RATES as readonly string[]).includes(code) ? code as VatRate : null
}

const QUANTITY_PATTERN = /^(-)?(\d{1,9})(?:[.,](\d{1,3}))?$/

/** Parses "1,5" or "2.250" into thousandths (1500, 2250); null when malformed or more precise. */
export function parseQuantity (text: string): number | null {
  const match = QUANTITY_PATTERN.exec(text.replace(/[\s\u00a0]/g, ''))
  if (!match) return null
  const [, minus, whole, fraction = ''] = match
  const milli = Number(whole) * 1000 + Number(fraction.padEnd(3, '0'))
  return minus ? -milli : milli
}

/** Thousandths back into what a person types: 1500 → "1,5". */
export function quantityInput (milli: number): string {
  const sign = milli < 0 ? '-' : ''
  const abs = Math.abs(milli)
  const fraction = String(abs % 1000).padStart(3, '0').replace(/0+$/, '')
  return `${sign}${Math.floor(abs / 1000)}${fraction ? ',' + fraction : ''}`
}

/** Minor units back into what a person types: 12345 → "123,45". */
export function amountInput (minor: number): string {
  return formatAmount(minor).replace(/\u00a0/g, '')
}

// Without the warehouse package products sit under PRZYCHODY, with it under MAGAZYN (seed S13).
export const PRODUCTS_PATH = { plain: '/przychody/produkty', warehouse: '/magazyn/produkty' } as const

export function productsPath (hasWarehouse: boolean): string {
  return hasWarehouse ? PRODUCTS_PATH.warehouse : PRODUCTS_PATH.plain
}

/** Numbering of warehouse issue documents: "WZ 7/11/2026" for the 7th in November 2026. */
export function wzNumber (seq: number, period: string): string {
  const [year, month] = period.split('-')
  return `WZ ${seq}/${month}/${year}`
}
