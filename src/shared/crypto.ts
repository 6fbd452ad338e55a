import { createCipheriv, createDecipheriv, hkdfSync, randomBytes, scrypt, timingSafeEqual } from 'node:crypto'
import { promisify } from 'node:util'

const scryptAsync = promisify(scrypt) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number; maxmem: number }
) => Promise<Buffer>

/** Separate keys for separate purposes, all derived from the one app secret. */
export function deriveKey(appSecret: Buffer, purpose: 'session' | 'secrets'): Buffer {
  return Buffer.from(hkdfSync('sha256', appSecret, Buffer.alloc(0), `biurko:${purpose}`, 32))
}

/** AES-256-GCM; the output is "v1:" + base64(iv | tag | ciphertext). */
export function encryptSecret(key: Buffer, plain: string): string {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()])
  return 'v1:' + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')
}

export function decryptSecret(key: Buffer, sealed: string): string {
  if (!sealed.startsWith('v1:')) throw new Error('Unknown secret format')
  const raw = Buffer.from(sealed.slice(3), 'base64')
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12))
  decipher.setAuthTag(raw.subarray(12, 28))
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')
}

// OWASP Password Storage Cheat Sheet (ASVS 2.4.1/2.4.3): scrypt N=2^17 r=8 p=1, or an equal-cost
// trade of memory for parallelism. N=2^15 r=8 p=3 is one of the listed equivalents and needs 32 MB
// per hash instead of 128 MB, which matters on a small self-hosted server with parallel logins.
export const SCRYPT_COST = { N: 32768, r: 8, p: 3 }
const MAXMEM = 256 * 1024 * 1024

interface StoredHash {
  N: number
  r: number
  p: number
  salt: Buffer
  hash: Buffer
}

// `scrypt$N$r$p$salt$hash`; the older `scrypt$N$salt$hash` (r=8, p=1) is still read, so hashes
// made before the cost was raised keep working until the next login rehashes them.
function parseHash(stored: string): StoredHash | null {
  const parts = stored.split('$')
  if (parts[0] !== 'scrypt') return null
  const [n, r, p, salt, hash] =
    parts.length === 4 ? [parts[1], '8', '1', parts[2], parts[3]] : parts.length === 6 ? parts.slice(1) : []
  const N = Number(n)
  const R = Number(r)
  const P = Number(p)
  if (!salt || !hash || !Number.isInteger(N) || !Number.isInteger(R) || !Number.isInteger(P) || N < 2 || R < 1 || P < 1)
    return null
  return { N, r: R, p: P, salt: Buffer.from(salt, 'base64'), hash: Buffer.from(hash, 'base64') }
}

export interface ScryptCost {
  N: number
  r: number
  p: number
}

export async function hashPassword(password: string, cost: ScryptCost = SCRYPT_COST): Promise<string> {
  const salt = randomBytes(16)
  const hash = await scryptAsync(password, salt, 32, { ...cost, maxmem: MAXMEM })
  return `scrypt$${cost.N}$${cost.r}$${cost.p}$${salt.toString('base64')}$${hash.toString('base64')}`
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored)
  if (!parsed || parsed.hash.length === 0) return false
  // a stored cost above anything we make would be a planted denial of service; refuse it
  if (parsed.N * parsed.r * 128 > MAXMEM || parsed.p > 16) return false
  const actual = await scryptAsync(password, parsed.salt, parsed.hash.length, {
    N: parsed.N,
    r: parsed.r,
    p: parsed.p,
    maxmem: MAXMEM
  })
  return timingSafeEqual(actual, parsed.hash)
}

/** true when the stored hash was made with less work than SCRYPT_COST (rehash it at login, ASVS 2.4) */
export function needsRehash(stored: string, cost: ScryptCost = SCRYPT_COST): boolean {
  const parsed = parseHash(stored)
  if (!parsed) return true
  return parsed.N * parsed.r * parsed.p < cost.N * cost.r * cost.p || parsed.N < cost.N
}

/** The app's passwords at one cost: SCRYPT_COST in production; tests inject a cheap one (AppDeps). */
export interface PasswordHasher {
  cost: ScryptCost
  hash: (password: string) => Promise<string>
  verify: (password: string, stored: string) => Promise<boolean>
  needsRehash: (stored: string) => boolean
  /** checked when the login does not exist, so both cases cost the same */
  dummyHash: string
}

export function passwordHasher(cost: ScryptCost = SCRYPT_COST): PasswordHasher {
  const zeros = (n: number): string => Buffer.alloc(n).toString('base64')
  return {
    cost,
    hash: async (password) => await hashPassword(password, cost),
    verify: verifyPassword,
    needsRehash: (stored) => needsRehash(stored, cost),
    dummyHash: `scrypt$${cost.N}$${cost.r}$${cost.p}$${zeros(16)}$${zeros(32)}`
  }
}
