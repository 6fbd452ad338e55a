import { createHmac } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { createAllegroSimulator, type AllegroSimulator } from './simulator.ts'
import allegroSimulatorPlugin from './simulator.plugin.ts'
import type { Config } from '../../config.ts'
import type { Clock } from '../../shared/dates.ts'
import { SIMULATOR_PREFIX } from '../../allegro/shop-client.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** the in-process Allegro simulator, when SIMULATOR_ENABLED (null otherwise) */
    allegroSimulator: AllegroSimulator | null
  }
}

/**
 * Mounts the built-in Allegro simulator at /symulator-allegro when enabled, so a new user can
 * try the whole product without an Allegro account. Its clock is the app's clock, its token
 * signing key comes from the app secret (tokens survive a restart) and its epoch is kept in the
 * database (a restart serves the same order history).
 */
export async function mountAllegroSimulator(
  app: FastifyInstance,
  config: Config,
  deps: { appSecret: Buffer; now: Clock }
): Promise<void> {
  if (!config.simulator.enabled) {
    app.decorate('allegroSimulator', null)
    return
  }
  const simulator = createAllegroSimulator({
    seed: config.simulator.seed,
    now: () => deps.now().toJSDate(),
    epoch: await simulatorEpoch(app, deps.now),
    secret: createHmac('sha256', deps.appSecret).update('biurko:allegro-simulator').digest('hex'),
    publicBaseUrl: config.publicUrl + SIMULATOR_PREFIX,
    // the authorization page sends the browser back to this app only
    redirectOrigins: [new URL(config.publicUrl).origin]
  })
  app.decorate('allegroSimulator', simulator)
  await app.register(allegroSimulatorPlugin, { prefix: SIMULATOR_PREFIX, simulator })
}

async function simulatorEpoch(app: FastifyInstance, now: Clock): Promise<Date> {
  const stored = await app.db
    .selectFrom('allegro_simulator_state')
    .select('epoch')
    .where('id', '=', 1)
    .executeTakeFirst()
  if (stored) return new Date(stored.epoch)
  const epoch = now().toUTC().toISO()
  await app.db
    .insertInto('allegro_simulator_state')
    .values({ id: 1, epoch })
    .onConflict((oc) => oc.doNothing())
    .execute()
  return new Date(epoch)
}
