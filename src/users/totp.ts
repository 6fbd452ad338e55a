import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto'
import { Secret, TOTP } from 'otpauth'
import QRCode from 'qrcode'

/** RFC 6238 as every authenticator app reads it by default: HMAC-SHA1, 6 digits, 30 s steps. */
const PERIOD_S = 30
const DIGITS = 6
// §5.2: one step either side covers a phone clock off by up to ~30 s and the time to type
const WINDOW = 1

function totp(secretBase32: string, login: string, issuer: string): TOTP {
  return new TOTP({
    issuer,
    label: login,
    secret: Secret.fromBase32(secretBase32),
    algorithm: 'SHA1',
    digits: DIGITS,
    period: PERIOD_S
  })
}

/** 160 random bits, the key length RFC 4226 §4 recommends, in Base32 for manual entry. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32
}

/** The Base32 secret in groups of four, as people type it from the screen. */
export function groupSecret(secretBase32: string): string {
  return secretBase32.replace(/(.{4})/g, '$1 ').trim()
}

export function otpauthUri(secretBase32: string, login: string, issuer: string): string {
  return totp(secretBase32, login, issuer).toString()
}

/** The enrolment QR as an SVG data URL: the CSP allows `img-src data:`, and no script is needed. */
export async function qrDataUrl(text: string): Promise<string> {
  const svg = await QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 })
  return 'data:image/svg+xml;base64,' + Buffer.from(svg).toString('base64')
}

export type CodeCheck = { ok: true; step: number } | { ok: false; reason: 'format' | 'wrong' | 'replay' }

/**
 * Checks a 6-digit code at `nowMs`. A code whose time step is not after the last accepted one
 * is refused (RFC 6238 §5.2: a verifier must not accept an OTP a second time), and so is an
 * older code from the window once a newer one was used.
 */
export function checkTotpCode(secretBase32: string, input: string, nowMs: number, lastStep: number | null): CodeCheck {
  const token = input.replace(/\s+/g, '')
  if (!/^\d{6}$/.test(token)) return { ok: false, reason: 'format' }
  const delta = TOTP.validate({
    token,
    secret: Secret.fromBase32(secretBase32),
    algorithm: 'SHA1',
    digits: DIGITS,
    period: PERIOD_S,
    timestamp: nowMs,
    window: WINDOW
  })
  if (delta === null) return { ok: false, reason: 'wrong' }
  const step = TOTP.counter({ period: PERIOD_S, timestamp: nowMs }) + delta
  if (lastStep !== null && step <= lastStep) return { ok: false, reason: 'replay' }
  return { ok: true, step }
}

// Recovery codes: 16 characters from an alphabet without look-alikes (0/O, 1/I/L), 80 bits each.
// ASVS 2.6.2 asks for a salted approved hash below 112 bits; with this much entropy a slow hash
// adds nothing, and SHA-256 lets a login compare against all ten without a scrypt each.
const RECOVERY_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ'
const RECOVERY_LENGTH = 16
const RECOVERY_CODE_COUNT = 10

export function newRecoveryCodes(count = RECOVERY_CODE_COUNT): string[] {
  return Array.from({ length: count }, () => {
    const chars = Array.from({ length: RECOVERY_LENGTH }, () => RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)])
    return chars.join('').replace(/(.{4})(?!$)/g, '$1-')
  })
}

/** What the user typed, as stored: no dashes or spaces, upper case; null when it cannot be one. */
export function normalizeRecoveryCode(input: string): string | null {
  const code = input.replace(/[\s-]+/g, '').toUpperCase()
  if (code.length !== RECOVERY_LENGTH || [...code].some((c) => !RECOVERY_ALPHABET.includes(c))) return null
  return code
}

export interface HashedRecoveryCode {
  salt: string
  codeHash: string
}

function digest(salt: string, normalized: string): Buffer {
  return createHash('sha256').update(salt).update(':').update(normalized).digest()
}

export function hashRecoveryCode(code: string): HashedRecoveryCode {
  const normalized = normalizeRecoveryCode(code)
  if (normalized === null) throw new Error('not a recovery code')
  const salt = randomBytes(16).toString('base64url')
  return { salt, codeHash: digest(salt, normalized).toString('base64url') }
}

export function recoveryCodeMatches(normalized: string, stored: HashedRecoveryCode): boolean {
  const expected = Buffer.from(stored.codeHash, 'base64url')
  const actual = digest(stored.salt, normalized)
  return expected.length === actual.length && timingSafeEqual(expected, actual)
}
