/**
 * KSeF's request limits (limity/limity-api.md and the 429 tables of open-api.json): counted per
 * pair of context (NIP) and client address, in sliding windows of 1 s, 60 s and 1 h, all three
 * at once. A request over any of them gets 429 with Retry-After (seconds until it would fit).
 */

export interface Limit {
  perSecond: number | null
  perMinute: number | null
  perHour: number | null
}

/** group → limits, as in open-api.json 2.6 (the "grupa" column); the auth endpoints are 60/s each. */
export const KSEF_LIMITS: Record<string, Limit> = {
  auth: { perSecond: 60, perMinute: null, perHour: null },
  publicKeys: { perSecond: 60, perMinute: null, perHour: null },
  onlineSession: { perSecond: 10, perMinute: 30, perHour: 120 },
  invoiceSend: { perSecond: 10, perMinute: 30, perHour: 180 },
  batchSession: { perSecond: 10, perMinute: 20, perHour: 60 },
  sessionList: { perSecond: 5, perMinute: 10, perHour: 60 },
  sessionMisc: { perSecond: 10, perMinute: 120, perHour: 1200 },
  sessionInvoiceList: { perSecond: 10, perMinute: 20, perHour: 200 },
  invoiceStatus: { perSecond: 30, perMinute: 120, perHour: 1200 },
  invoiceDownload: { perSecond: 8, perMinute: 16, perHour: 64 },
  invoiceMetadata: { perSecond: 8, perMinute: 16, perHour: 20 },
  other: { perSecond: 10, perMinute: 30, perHour: 120 }
}

/**
 * The simulator's own limits on what anyone may call without a token, always on (also with
 * KSeF's limits switched off), per client address: the demo token/certificate helpers (a
 * certificate costs an RSA key generation), the QR verification pages and POST /auth/challenge
 * (each stores a challenge for 10 minutes).
 */
export const PUBLIC_LIMITS: Record<string, Limit> = {
  demo: { perSecond: 5, perMinute: 60, perHour: 600 },
  qr: { perSecond: 10, perMinute: 120, perHour: 2400 },
  challenge: { perSecond: 20, perMinute: 300, perHour: 3000 }
}

const WINDOWS = [
  ['perSecond', 1000],
  ['perMinute', 60_000],
  ['perHour', 3_600_000]
] as const

export interface RateDecision {
  ok: true
}
export interface RateRefusal {
  ok: false
  retryAfterSeconds: number
  message: string
}

/**
 * At most this many distinct (context, address, group) keys are tracked by default; the least recently used go first.
 */
export const MAX_RATE_KEYS = 10_000

export class RateLimiter {
  readonly #stamps = new Map<string, number[]>()
  readonly limits: Record<string, Limit>
  readonly now: () => number
  readonly #maxKeys: number
  constructor(limits: Record<string, Limit>, now: () => number, opts: { maxKeys?: number } = {}) {
    this.limits = limits
    this.now = now
    this.#maxKeys = opts.maxKeys ?? MAX_RATE_KEYS
  }

  check(group: string, context: string, address: string): RateDecision | RateRefusal {
    const limit = this.limits[group] ?? this.limits.other
    const key = `${group}|${context}|${address}`
    const t = this.now()
    let stamps = this.#stamps.get(key)
    if (stamps === undefined) {
      stamps = []
      if (this.#stamps.size >= this.#maxKeys) this.#stamps.delete(this.#stamps.keys().next().value as string)
    } else {
      this.#stamps.delete(key) // re-insert: the map stays ordered by last use
    }
    this.#stamps.set(key, stamps)
    while (stamps.length > 0 && stamps[0] <= t - 3_600_000) stamps.shift()
    for (const [name, span] of WINDOWS) {
      const max = limit[name]
      if (max === null) continue
      let inWindow = 0
      for (let i = stamps.length - 1; i >= 0 && stamps[i] > t - span; i--) inWindow++
      if (inWindow >= max) {
        // the request fits once the oldest stamp in the window leaves it
        const oldest = stamps[stamps.length - inWindow]
        const retryAfterSeconds = Math.max(1, Math.ceil((oldest + span - t) / 1000))
        const unit = name === 'perSecond' ? 'na sekundę' : name === 'perMinute' ? 'na minutę' : 'na godzinę'
        return {
          ok: false,
          retryAfterSeconds,
          message: `Przekroczono limit ${max} żądań ${unit}. Spróbuj ponownie po ${retryAfterSeconds} sekundach.`
        }
      }
    }
    stamps.push(t)
    return { ok: true }
  }

  get size(): number {
    return this.#stamps.size
  }
}
