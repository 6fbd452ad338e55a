// The KSeF number KSeF gives an accepted invoice: 35 characters, NIP-YYYYMMDD-12 hex-2 hex, the
// last two a CRC-8 (polynomial 0x07, initial 0x00) of the first 32 (ksef-docs faktury/numer-ksef.md).
import { isIsoDate } from '../shared/dates.ts'

// the identifier part as TNumerKSeF allows it: a NIP, or the M… and ABC… forms of other issuers
const KSEF_NUMBER =
  /^([1-9]((\d[1-9])|([1-9]\d))\d{7}|M\d{9}|[A-Z]{3}\d{7})-(\d{4})(\d{2})(\d{2})-[0-9A-F]{12}-([0-9A-F]{2})$/

function crc8(text: string): number {
  let crc = 0
  for (const byte of Buffer.from(text, 'utf8')) {
    crc ^= byte
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x80 ? ((crc << 1) ^ 0x07) & 0xff : (crc << 1) & 0xff
  }
  return crc
}

/** Strips spaces a user may paste along and upper-cases the hex digits. */
export function normalizeKsefNumber(text: string): string {
  return text.replace(/\s+/g, '').toUpperCase()
}

export function isValidKsefNumber(text: string): boolean {
  const match = KSEF_NUMBER.exec(text)
  if (!match) return false
  if (!isIsoDate(`${match[5]}-${match[6]}-${match[7]}`)) return false
  return crc8(text.slice(0, 32)) === parseInt(match[8], 16)
}
