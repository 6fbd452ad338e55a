// A Biurko app whose shop is connected to a standalone Allegro simulator on loopback, both on
// the same fixed clock, with tokens from the real device flow (test/allegro/helpers.ts).
import { startStandaloneSimulator, type StandaloneSimulator } from '../../src/simulators/allegro/simulator.ts'
import {
  pollDeviceAuthorization,
  requestDeviceAuthorization,
  type AllegroTokens
} from '../../src/allegro/allegro.oauth.ts'
import { allegroClientForShop, SIMULATOR_CLIENT_ID } from '../../src/allegro/shop-client.ts'
import { deriveKey, encryptSecret } from '../../src/shared/crypto.ts'
import { fixedClock, toStoredTimestamp } from '../../src/shared/dates.ts'
import type { OrdersApi } from '../../src/transactions/import.ts'
import { build, TEST_NOW, TEST_SECRET, type BuildOptions, type Built } from '../helpers/app.ts'

interface Tap {
  teardown: (fn: () => unknown) => void
}

type TestClock = ReturnType<typeof fixedClock>

export interface ImportSetup extends Built {
  sim: StandaloneSimulator
  clock: TestClock
  shopId: number
  /** the shop's real client, without backoff sleeps */
  api: () => Promise<OrdersApi>
  /** requests the simulator served, by "METHOD /route" */
  requests: (key: string) => number
}

export async function setupImport(
  t: Tap,
  opts: { initialOrders?: number; backfillDays?: number; build?: BuildOptions } = {}
): Promise<ImportSetup> {
  const clock = fixedClock(TEST_NOW)
  const sim = await startStandaloneSimulator({
    seed: 11,
    initialOrders: opts.initialOrders ?? 40,
    ordersPerHour: 0,
    now: () => clock().toJSDate()
  })
  t.teardown(async () => {
    await sim.close()
  })
  const tokens = await connectDemoSeller(sim, clock)
  const built = await build(t, { ...opts.build, now: clock, config: { SIMULATOR_URL: sim.url, ...opts.build?.config } })
  const key = deriveKey(TEST_SECRET, 'secrets')
  const at = toStoredTimestamp(clock())
  const shop = await built.db
    .insertInto('allegro_shops')
    .values({
      name: 'Sklep Demo',
      environment: 'simulator',
      connection_status: 'connected',
      allegro_login: 'demo_sklep',
      backfill_days: opts.backfillDays ?? 31,
      access_token_enc: encryptSecret(key, tokens.accessToken),
      refresh_token_enc: encryptSecret(key, tokens.refreshToken),
      access_token_expires_at: tokens.expiresAt.toISOString(),
      created_at: at,
      updated_at: at
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return {
    ...built,
    sim,
    clock,
    shopId: shop.id,
    api: async () => await allegroClientForShop(built.app, shop.id, { sleep: async () => {}, maxRetries: 1 }),
    requests: (route) => sim.simulator.stats.requests[route] ?? 0
  }
}

/** The device flow as the app runs it for a 'simulator' shop (same client id, so refreshes work). */
async function connectDemoSeller(sim: StandaloneSimulator, clock: TestClock): Promise<AllegroTokens> {
  const oauth = { webUrl: sim.url, clientId: SIMULATOR_CLIENT_ID, clientSecret: SIMULATOR_CLIENT_ID }
  const deps = { fetch: globalThis.fetch, timeoutMs: 5000, now: () => clock().toJSDate() }
  const device = await requestDeviceAuthorization(oauth, deps)
  sim.simulator.approveDevice(device.userCode, 'demo_sklep', 'demo1234')
  const result = await pollDeviceAuthorization(oauth, deps, device.deviceCode)
  if (result.status !== 'approved') throw new Error(`device flow ended with ${result.status}`)
  return result.tokens
}

/** Checkout-form ids (and how often each is stored) in the transactions table. */
export async function storedFormIds(setup: Built): Promise<string[]> {
  const rows = await setup.db
    .selectFrom('transactions')
    .select('checkout_form_id')
    .orderBy('checkout_form_id')
    .execute()
  return rows.map((row) => row.checkout_form_id)
}

export function simFormIds(sim: StandaloneSimulator): string[] {
  return sim.simulator
    .listOrders({ seller: 'demo_sklep' })
    .map((form) => form.id)
    .sort()
}
