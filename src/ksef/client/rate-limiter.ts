// KSeF's request limits per context and address (limity/limity-api.md): per endpoint group, at
// most N requests in any second, minute and hour. Going over earns a 429 and a block that grows
// with repeated excess, so the client waits its turn here instead of ever provoking one.

export type LimitGroup =
  | 'sessionOpenClose'
  | 'invoiceSend'
  | 'invoiceStatus'
  | 'sessionList'
  | 'sessionInvoiceList'
  | 'sessionsOther'
  | 'invoiceMetadata'
  | 'invoiceExport'
  | 'batchSession'
  | 'invoiceDownload'
  | 'other'

/** [per second, per minute, per hour] from the tables of limity-api.md */
export const KSEF_LIMITS: Record<LimitGroup, [number, number, number]> = {
  // POST /sessions/online, POST /sessions/online/{ref}/close
  sessionOpenClose: [10, 30, 120],
  // POST /sessions/online/{ref}/invoices
  invoiceSend: [10, 30, 180],
  // GET /sessions/{ref}/invoices/{invoiceRef}
  invoiceStatus: [30, 120, 1200],
  // GET /sessions (the list of sessions)
  sessionList: [5, 10, 60],
  // GET /sessions/{ref}/invoices and …/invoices/failed: KSeF counts them apart, one shared budget
  // here keeps the client on the safe side of both
  sessionInvoiceList: [10, 20, 200],
  // GET /sessions/* (session status, UPO)
  sessionsOther: [10, 120, 1200],
  // POST /invoices/query/metadata (open-api.json x-rate-limits: 8/s, 16/min, 20/h)
  invoiceMetadata: [8, 16, 20],
  // POST /invoices/exports (8/s, 16/min, 20/h): not used yet, counted apart so a first use is safe
  invoiceExport: [8, 16, 20],
  // POST /sessions/batch and …/batch/{ref}/close (10/s, 20/min, 60/h): likewise
  batchSession: [10, 20, 60],
  // GET /invoices/ksef/{ksefNumber} (8/s, 16/min, 64/h)
  invoiceDownload: [8, 16, 64],
  // everything else (auth, public keys): "Pozostałe POST/GET /*"
  other: [10, 30, 120]
}

const WINDOWS_MS = [1000, 60_000, 3_600_000] as const

export function limitGroup(method: string, path: string): LimitGroup {
  if (method === 'POST' && path === '/sessions/online') return 'sessionOpenClose'
  if (method === 'POST' && /^\/sessions\/online\/[^/]+\/close$/.test(path)) return 'sessionOpenClose'
  if (method === 'POST' && /^\/sessions\/online\/[^/]+\/invoices$/.test(path)) return 'invoiceSend'
  if (method === 'GET' && path === '/sessions') return 'sessionList'
  if (method === 'GET' && /^\/sessions\/[^/]+\/invoices(\/failed)?$/.test(path)) return 'sessionInvoiceList'
  if (method === 'GET' && /^\/sessions\/[^/]+\/invoices\/[^/]+$/.test(path)) return 'invoiceStatus'
  if (method === 'GET' && path.startsWith('/sessions/')) return 'sessionsOther'
  if (method === 'POST' && path === '/invoices/query/metadata') return 'invoiceMetadata'
  if (method === 'POST' && path === '/invoices/exports') return 'invoiceExport'
  if (method === 'POST' && /^\/sessions\/batch(\/[^/]+\/close)?$/.test(path)) return 'batchSession'
  if (method === 'GET' && path.startsWith('/invoices/ksef/')) return 'invoiceDownload'
  return 'other'
}

/**
 * Sliding windows of request start times. `reserve` either takes a slot now, or tells how long
 * until one is free; a hold set from a 429's Retry-After blocks every group until it ends.
 */
export class KsefRateLimiter {
  private readonly starts = new Map<LimitGroup, number[]>()
  private blockedUntil = 0

  private readonly limits: Record<LimitGroup, [number, number, number]>
  constructor(limits: Record<LimitGroup, [number, number, number]> = KSEF_LIMITS) {
    this.limits = limits
  }

  /** ms to wait before a request of this group may start (0 = the slot is taken now) */
  reserve(group: LimitGroup, nowMs: number): number {
    if (this.blockedUntil > nowMs) return this.blockedUntil - nowMs
    const list = this.starts.get(group) ?? []
    const horizon = nowMs - WINDOWS_MS[2]
    while (list.length > 0 && (list[0] as number) <= horizon) list.shift()
    let wait = 0
    const limit = this.limits[group]
    for (let i = 0; i < WINDOWS_MS.length; i++) {
      const windowMs = WINDOWS_MS[i] as number
      const max = limit[i] as number
      const inWindow = list.filter((t) => t > nowMs - windowMs)
      if (inWindow.length >= max) {
        // the oldest start that must leave the window before one more fits
        const oldest = inWindow[inWindow.length - max] as number
        wait = Math.max(wait, oldest + windowMs - nowMs + 1)
      }
    }
    if (wait > 0) return wait
    list.push(nowMs)
    this.starts.set(group, list)
    return 0
  }

  /** after a 429: nothing goes out before Retry-After has passed */
  hold(untilMs: number): void {
    this.blockedUntil = Math.max(this.blockedUntil, untilMs)
  }
}

/** One limiter per KSeF base URL in the process: the limits are KSeF's, not one client's. */
const shared = new Map<string, KsefRateLimiter>()
export function sharedLimiter(baseUrl: string): KsefRateLimiter {
  let limiter = shared.get(baseUrl)
  if (!limiter) {
    limiter = new KsefRateLimiter()
    shared.set(baseUrl, limiter)
  }
  return limiter
}
