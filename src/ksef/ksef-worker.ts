// The background KSeF sender, started with the app like the Allegro delivery worker: every
// interval it sends what is due (queued, retries after their backoff, offline invoices) and
// polls what is in flight, round after round while rounds come back full, then fetches UPOs a
// previous round could not. Rounds never overlap; the state is all in SQLite, so a restart
// simply carries on.
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { startIntervalWorker, type IntervalWorker } from '../shared/interval-worker.ts'
import {
  fetchMissingUpos,
  queueNewlyIssued,
  releaseClaimsOfEarlierRun,
  ROUND_SIZE,
  runKsefRound,
  type KsefDeps,
  type RoundResult
} from './ksef-sender.ts'

export const KSEF_SIMULATOR_PREFIX = '/symulator-ksef'

/** Where this process reaches its own KSeF simulator (its listening address, else PUBLIC_URL). */
function ksefSimulatorApiUrl(app: FastifyInstance): string {
  const address = app.server.listening ? app.server.address() : null
  if (address !== null && typeof address === 'object') {
    const { address: host, port, family } = address as AddressInfo
    const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host
    const literal = family === 'IPv6' && reachable.includes(':') ? `[${reachable}]` : reachable
    return `http://${literal}:${port}${KSEF_SIMULATOR_PREFIX}/v2`
  }
  return `${app.ctx.config.publicUrl}${KSEF_SIMULATOR_PREFIX}/v2`
}

export function ksefDepsOf(app: FastifyInstance): KsefDeps {
  return {
    db: app.db,
    config: app.ctx.config.ksef,
    secretsKey: app.ctx.secretsKey,
    now: app.ctx.now,
    fetch: app.ctx.fetch,
    simulatorUrl: () => ksefSimulatorApiUrl(app),
    log: { warn: (obj, msg) => app.log.warn(obj, msg), info: (obj, msg) => app.log.info(obj, msg) }
  }
}

/** tick(): one pass now (tests; the bulk send kicks it) */
export type KsefWorker = IntervalWorker<RoundResult[]>

/** At most this many rounds per tick, so one tick cannot run for ever. */
const ROUNDS_PER_TICK = 8

export function startKsefWorker(
  app: FastifyInstance,
  opts: { intervalMs?: number; deps?: Partial<KsefDeps> } = {}
): KsefWorker {
  const deps = (): KsefDeps => ({ ...ksefDepsOf(app), ...opts.deps })
  let recovery: Promise<void> | null = releaseClaimsOfEarlierRun(app.db, app.ctx.now()).then(
    (released) => {
      if (released > 0) app.log.info({ released }, 'ksef: claims left by an earlier run released')
    },
    (error: unknown) => {
      app.log.error({ err: error }, 'ksef: releasing claims of an earlier run failed')
    }
  )

  async function pass(): Promise<RoundResult[]> {
    if (recovery !== null) {
      await recovery
      recovery = null
    }
    const results: RoundResult[] = []
    await queueNewlyIssued(deps())
    for (let i = 0; i < ROUNDS_PER_TICK && !worker.stopped; i++) {
      const result = await runKsefRound(deps())
      results.push(result)
      // a full round means more may be due; a round that only queued (429) must not spin
      if (result.claimed < ROUND_SIZE || result.accepted + result.rejected === 0) break
    }
    if (!worker.stopped) await fetchMissingUpos(deps())
    return results
  }

  const worker = startIntervalWorker({
    intervalMs: opts.intervalMs ?? app.ctx.config.ksef.workerIntervalMs,
    run: pass,
    idle: [],
    onError: (error) => {
      app.log.error({ err: error }, 'sending invoices to ksef failed')
    }
  })
  return worker
}
