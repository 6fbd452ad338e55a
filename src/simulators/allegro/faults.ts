/**
 * Fault injection: the next N matching requests fail in a chosen way, then the fault is gone.
 * Paths are relative to the simulator's mount point with the "/api" part dropped, so
 * "/order/checkout-forms" targets the API and "/auth/oauth/token" the web host.
 */

type FaultKind = 'status' | 'delay' | 'reset' | 'malformed' | 'expiredToken' | 'shortPages' | 'transform'

interface FaultBase {
  /** HTTP method to match; any method when omitted. */
  method?: string
  /** "/order/checkout-forms" matches itself and everything below it (segment-wise), unless exact. */
  path: string
  exact?: boolean
  /** How many matching requests fail; default 1. */
  times?: number
}

export type FaultSpec = FaultBase &
  (
    | { kind: 'status'; status: number; retryAfter?: number; body?: unknown; headers?: Record<string, string> }
    | { kind: 'delay'; ms: number }
    | { kind: 'reset' }
    | { kind: 'malformed'; status?: number }
    | { kind: 'expiredToken' }
    /**
     * A list answer (checkout forms, offers) cut to `pageSize` items while `totalCount` claims
     * many more: what an import must survive without paging for ever.
     */
    | { kind: 'shortPages'; pageSize: number; totalCount: number }
    /** The JSON answer passed through a function (a copy): odd but well-formed data. JS API only. */
    | { kind: 'transform'; transform: (body: any) => unknown }
  )

export interface Fault {
  readonly id: number
  readonly spec: FaultSpec
  remaining: number
  fired: number
}

export interface FaultFiring {
  faultId: number
  kind: FaultKind
  method: string
  path: string
}

/** Normalises a fault or request path: no query, no trailing slash, no "/api" part. */
export function normalizeSimPath(path: string): string {
  let p = path.split('?')[0]
  if (p === '/api' || p.startsWith('/api/')) p = p.slice(4)
  if (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1)
  return p === '' ? '/' : p
}

export class FaultRegistry {
  #nextId = 1
  #faults: Fault[] = []
  /** Every firing, oldest first; tests assert on it. */
  readonly history: FaultFiring[] = []

  add(spec: FaultSpec): Fault {
    validateFaultSpec(spec)
    const fault: Fault = {
      id: this.#nextId++,
      spec: { ...spec, path: normalizeSimPath(spec.path), method: spec.method?.toUpperCase() },
      remaining: spec.times ?? 1,
      fired: 0
    }
    this.#faults.push(fault)
    return fault
  }

  clear(): void {
    this.#faults = []
  }

  /** Faults still armed, in firing priority (oldest first). */
  list(): Fault[] {
    return [...this.#faults]
  }

  /** Claims the first armed fault that matches the request, or undefined. */
  take(method: string, requestPath: string): Fault | undefined {
    const path = normalizeSimPath(requestPath)
    const m = method.toUpperCase()
    const index = this.#faults.findIndex((f) => {
      if (f.spec.method !== undefined && f.spec.method !== m) return false
      if (f.spec.path === path) return true
      if (f.spec.exact === true) return false
      return f.spec.path === '/' || path.startsWith(f.spec.path + '/')
    })
    if (index === -1) return undefined
    const fault = this.#faults[index]
    fault.remaining--
    fault.fired++
    if (fault.remaining <= 0) this.#faults.splice(index, 1)
    this.history.push({ faultId: fault.id, kind: fault.spec.kind, method: m, path })
    return fault
  }
}

function validateFaultSpec(spec: unknown): asserts spec is FaultSpec {
  if (typeof spec !== 'object' || spec === null) throw new TypeError('fault: expected an object')
  const s = spec as Record<string, unknown>
  if (typeof s.path !== 'string' || !s.path.startsWith('/')) throw new TypeError('fault: path must start with "/"')
  if (s.method !== undefined && typeof s.method !== 'string') throw new TypeError('fault: method must be a string')
  if (s.times !== undefined && (!Number.isInteger(s.times) || (s.times as number) < 1)) {
    throw new TypeError('fault: times must be a positive integer')
  }
  switch (s.kind) {
    case 'status':
      if (!Number.isInteger(s.status) || (s.status as number) < 100 || (s.status as number) > 599) {
        throw new TypeError('fault: status must be an HTTP status code')
      }
      if (s.retryAfter !== undefined && (typeof s.retryAfter !== 'number' || s.retryAfter < 0)) {
        throw new TypeError('fault: retryAfter must be a non-negative number of seconds')
      }
      return
    case 'delay':
      if (typeof s.ms !== 'number' || s.ms < 0 || s.ms > 600_000) throw new TypeError('fault: ms must be 0..600000')
      return
    case 'malformed':
      if (s.status !== undefined && !Number.isInteger(s.status)) throw new TypeError('fault: status must be an integer')
      return
    case 'shortPages':
      if (!Number.isInteger(s.pageSize) || (s.pageSize as number) < 0)
        throw new TypeError('fault: pageSize must be a non-negative integer')
      if (!Number.isInteger(s.totalCount) || (s.totalCount as number) < 0)
        throw new TypeError('fault: totalCount must be a non-negative integer')
      return
    case 'transform':
      if (typeof s.transform !== 'function') throw new TypeError('fault: transform must be a function (JS API only)')
      return
    case 'reset':
    case 'expiredToken':
      return
    default:
      throw new TypeError(
        'fault: kind must be one of status, delay, reset, malformed, expiredToken, shortPages, transform'
      )
  }
}
