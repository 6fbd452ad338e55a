/**
 * Fault injection, like the Allegro simulator's: the next N matching requests fail in a chosen
 * way, then the fault is gone. Paths are relative to the API base (/v2 dropped), so
 * "/sessions/online" targets opening a session and everything below it (segment-wise).
 * A "processing" fault is KSeF-specific: the request is accepted, but the invoice (or the
 * authentication) it creates ends with status 550 (cancelled by the system; retry).
 */

export type FaultKind = 'status' | 'delay' | 'reset' | 'malformed' | 'expiredToken' | 'processing'

interface FaultBase {
  method?: string
  path: string
  exact?: boolean
  times?: number
  /** let this many matching requests through first (a fault on the N+1st call) */
  skip?: number
}

export type FaultSpec = FaultBase &
  (
    | { kind: 'status'; status: number; retryAfter?: number; body?: unknown }
    | { kind: 'delay'; ms: number }
    | { kind: 'reset' }
    | { kind: 'malformed'; status?: number }
    | { kind: 'expiredToken' }
    | { kind: 'processing' }
  )

export interface Fault {
  readonly id: number
  readonly spec: FaultSpec
  remaining: number
  fired: number
  skipping: number
}
export interface FaultFiring {
  faultId: number
  kind: FaultKind
  method: string
  path: string
}

function normalizeSimPath(path: string): string {
  let p = path.split('?')[0]
  if (p === '/v2' || p.startsWith('/v2/')) p = p.slice(3)
  if (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1)
  return p === '' ? '/' : p
}

const HISTORY_CAP = 1000

export class FaultRegistry {
  #nextId = 1
  #faults: Fault[] = []
  /** The latest firings, oldest first (capped); tests assert on it. */
  readonly history: FaultFiring[] = []

  add(spec: FaultSpec): Fault {
    validateFaultSpec(spec)
    const fault: Fault = {
      id: this.#nextId++,
      spec: { ...spec, path: normalizeSimPath(spec.path), method: spec.method?.toUpperCase() },
      remaining: spec.times ?? 1,
      fired: 0,
      skipping: spec.skip ?? 0
    }
    this.#faults.push(fault)
    return fault
  }

  clear(): void {
    this.#faults = []
  }

  list(): Fault[] {
    return [...this.#faults]
  }

  take(method: string, requestPath: string, kinds?: readonly FaultKind[]): Fault | undefined {
    const path = normalizeSimPath(requestPath)
    const m = method.toUpperCase()
    const index = this.#faults.findIndex((f) => {
      if (kinds !== undefined && !kinds.includes(f.spec.kind)) return false
      if (kinds === undefined && f.spec.kind === 'processing') return false
      if (f.spec.method !== undefined && f.spec.method !== m) return false
      if (f.spec.path === path) return true
      if (f.spec.exact === true) return false
      return f.spec.path === '/' || path.startsWith(f.spec.path + '/')
    })
    if (index === -1) return undefined
    const fault = this.#faults[index]
    if (fault.skipping > 0) {
      fault.skipping--
      return undefined
    }
    fault.remaining--
    fault.fired++
    if (fault.remaining <= 0) this.#faults.splice(index, 1)
    this.history.push({ faultId: fault.id, kind: fault.spec.kind, method: m, path })
    if (this.history.length > HISTORY_CAP) this.history.splice(0, this.history.length - HISTORY_CAP)
    return fault
  }
}

function validateFaultSpec(spec: unknown): asserts spec is FaultSpec {
  if (typeof spec !== 'object' || spec === null) throw new TypeError('fault: expected an object')
  const s = spec as Record<string, unknown>
  if (typeof s.path !== 'string' || !s.path.startsWith('/')) throw new TypeError('fault: path must start with "/"')
  if (s.method !== undefined && typeof s.method !== 'string') throw new TypeError('fault: method must be a string')
  if (s.times !== undefined && (!Number.isInteger(s.times) || (s.times as number) < 1))
    throw new TypeError('fault: times must be a positive integer')
  if (s.skip !== undefined && (!Number.isInteger(s.skip) || (s.skip as number) < 0))
    throw new TypeError('fault: skip must be a non-negative integer')
  switch (s.kind) {
    case 'status':
      if (!Number.isInteger(s.status) || (s.status as number) < 100 || (s.status as number) > 599)
        throw new TypeError('fault: status must be an HTTP status code')
      if (s.retryAfter !== undefined && (typeof s.retryAfter !== 'number' || s.retryAfter < 0))
        throw new TypeError('fault: retryAfter must be a non-negative number of seconds')
      return
    case 'delay':
      if (typeof s.ms !== 'number' || s.ms < 0 || s.ms > 600_000) throw new TypeError('fault: ms must be 0..600000')
      return
    case 'malformed':
      if (s.status !== undefined && !Number.isInteger(s.status)) throw new TypeError('fault: status must be an integer')
      return
    case 'reset':
    case 'expiredToken':
    case 'processing':
      return
    default:
      throw new TypeError('fault: kind must be one of status, delay, reset, malformed, expiredToken, processing')
  }
}
