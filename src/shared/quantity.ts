// Quantities in thousandths (1,5 kg = 1500): what a person types, and back.

const QUANTITY_PATTERN = /^(-)?(\d{1,9})(?:[.,](\d{1,3}))?$/

/** Parses "1,5" or "2.250" into thousandths (1500, 2250); null when malformed or more precise. */
export function parseQuantity(text: string): number | null {
  const match = QUANTITY_PATTERN.exec(text.replace(/[\s\u00a0]/g, ''))
  if (!match) return null
  const [, minus, whole, fraction = ''] = match
  const milli = Number(whole) * 1000 + Number(fraction.padEnd(3, '0'))
  return minus ? -milli : milli
}

/** Thousandths back into what a person types: 1500 → "1,5". */
export function quantityInput(milli: number): string {
  const sign = milli < 0 ? '-' : ''
  const abs = Math.abs(milli)
  const fraction = String(abs % 1000)
    .padStart(3, '0')
    .replace(/0+$/, '')
  return `${sign}${Math.floor(abs / 1000)}${fraction ? ',' + fraction : ''}`
}
