// Money is integer minor units (grosze) everywhere; these are the only conversions to and from text.

const AMOUNT_PATTERN = /^(-)?(\d{1,13})(?:[.,](\d{1,2}))?$/

/** Parses a decimal string such as "123.45" (Allegro's Price.amount) into minor units; null when malformed. */
export function parseAmount(text: string): number | null {
  const match = AMOUNT_PATTERN.exec(text.trim())
  if (!match) return null
  const [, minus, whole, fraction = ''] = match
  const minor = Number(whole) * 100 + Number(fraction.padEnd(2, '0'))
  return minus ? -minor : minor
}

/** Parses a user-typed amount: allows spaces as thousands separators and a comma or dot. */
export function parseUserAmount(text: string): number | null {
  return parseAmount(text.replace(/[\s\u00a0]/g, ''))
}

/** "1234.5" style for machines (CSV, XML): always two decimals, dot separator. */
export function formatDecimal(minor: number): string {
  const sign = minor < 0 ? '-' : ''
  const abs = Math.abs(minor)
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`
}

/** "1 234,50" Polish style, for pages and PDFs. */
export function formatAmount(minor: number): string {
  const sign = minor < 0 ? '-' : ''
  const abs = Math.abs(minor)
  const whole = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, '\u00a0')
  return `${sign}${whole},${String(abs % 100).padStart(2, '0')}`
}

export function formatMoney(minor: number, currency = 'PLN'): string {
  const symbol = currency === 'PLN' ? 'zł' : currency
  return `${formatAmount(minor)}\u00a0${symbol}`
}

/** Integer division rounding half away from zero: the rounding Polish VAT rules use. */
export function divideRoundHalfUp(numerator: number, denominator: number): number {
  if (denominator <= 0) throw new RangeError('denominator must be positive')
  const sign = numerator < 0 ? -1 : 1
  const abs = Math.abs(numerator)
  const quotient = Math.floor(abs / denominator)
  const remainder = abs - quotient * denominator
  return sign * (remainder * 2 >= denominator ? quotient + 1 : quotient)
}

/** Minor units back into what a person types: 12345 → "123,45". */
export function amountInput(minor: number): string {
  return formatAmount(minor).replace(/\u00a0/g, '')
}
