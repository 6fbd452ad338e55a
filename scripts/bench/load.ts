// Load on one URL: latency of requests one after another (nothing else in flight), and
// requests per second with several connections kept busy by autocannon.
import { createRequire } from 'node:module'

// autocannon ships no types; this is the part of its API the benchmark uses
interface AutocannonResult {
  /** seconds the run really took */
  duration: number
  requests: { total: number }
  latency: { p50: number; p99: number }
  non2xx: number
  errors: number
  timeouts: number
}
type Autocannon = (opts: {
  url: string
  connections: number
  duration: number
  headers: Record<string, string>
}) => Promise<AutocannonResult>
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[index]
}

export function median(values: number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50
  )
}

export interface Latency {
  medianMs: number
  p99Ms: number
  samples: number
}

/** `count` GETs in a row with the session cookie; every answer must be a 200. */
export async function sequentialLatency(url: string, cookie: string, count: number): Promise<Latency> {
  const times: number[] = []
  for (let i = 0; i < count; i++) {
    const started = performance.now()
    const response = await fetch(url, { headers: { cookie } })
    await response.arrayBuffer()
    times.push(performance.now() - started)
    if (response.status !== 200) throw new Error(`GET ${url}: ${response.status}`)
  }
  times.sort((a, b) => a - b)
  return { medianMs: percentile(times, 50), p99Ms: percentile(times, 99), samples: times.length }
}

export interface Throughput {
  requestsPerSecond: number
  medianMs: number
  p99Ms: number
  requests: number
}

/** autocannon for `seconds` with `connections` connections; any non-2xx answer or error fails the run. */
export async function throughput(
  url: string,
  cookie: string,
  connections: number,
  seconds: number
): Promise<Throughput> {
  const result = await autocannon({ url, connections, duration: seconds, headers: { cookie } })
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
    throw new Error(
      `${url}: ${result.non2xx} non-2xx answers, ${result.errors} errors, ${result.timeouts} timeouts under load`
    )
  }
  return {
    requestsPerSecond: result.requests.total / result.duration,
    medianMs: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total
  }
}
