import { createHmac } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import type { Config } from '../../config.ts'
import type { Clock } from '../../shared/dates.ts'
import ksefSimulatorPlugin from './plugin.ts'
import { KsefSimulator } from './simulator.ts'

/** Where the app mounts the built-in KSeF simulator: API at `${prefix}/v2`, QR pages at `${prefix}/qr`. */
const KSEF_SIMULATOR_PREFIX = '/symulator-ksef'

declare module 'fastify' {
  interface FastifyInstance {
    /** the in-process KSeF simulator, when KSEF_SIMULATOR_ENABLED (null otherwise) */
    ksefSimulator: KsefSimulator | null
  }
}

/**
 * Mounts the built-in KSeF simulator at /symulator-ksef when enabled, so a new user can see the
 * whole KSeF flow without an account. Its clock is the app's clock and its token key comes from
 * the app secret. Everything else (sessions, accepted invoices, its key pair) lives in memory:
 * a restart starts a fresh KSeF, as if the test environment had been reset.
 * Fault injection over HTTP stays off here; tests reach `app.ksefSimulator.faults` directly.
 */
export async function mountKsefSimulator(
  app: FastifyInstance,
  config: Config,
  deps: { appSecret: Buffer; now: Clock }
): Promise<void> {
  if (!config.ksefSimulator.enabled) {
    app.decorate('ksefSimulator', null)
    return
  }
  const simulator = await KsefSimulator.create({
    now: () => deps.now().toMillis(),
    // request limits count real requests per real second, whatever the app clock says
    rateClock: Date.now,
    secret: createHmac('sha256', deps.appSecret).update('biurko:ksef-simulator').digest(),
    publicBaseUrl: config.publicUrl + KSEF_SIMULATOR_PREFIX,
    lazy: true
  })
  app.decorate('ksefSimulator', simulator)
  await app.register(ksefSimulatorPlugin, { prefix: KSEF_SIMULATOR_PREFIX, simulator })
}
