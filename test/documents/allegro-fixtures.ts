// A Biurko app whose shop is connected to a standalone Allegro simulator on loopback (same fixed
// clock, tokens from the real device flow), and orders that exist on both sides.
import {
  startStandaloneSimulator,
  type AllegroSimulatorOptions,
  type StandaloneSimulator
} from '../../src/simulators/allegro/simulator.ts'
import { pollDeviceAuthorization, requestDeviceAuthorization } from '../../src/allegro/allegro.oauth.ts'
import { SIMULATOR_CLIENT_ID } from '../../src/allegro/shop-client.ts'
import { deriveKey, encryptSecret } from '../../src/shared/crypto.ts'
import { fixedClock, toStoredTimestamp } from '../../src/shared/dates.ts'
import { build, TEST_NOW, TEST_SECRET, type BuildOptions, type Built } from '../helpers/app.ts'
import type { TestClient } from '../helpers/client.ts'
import { insertTransaction, type OrderSpec } from '../helpers/transaction-fixtures.ts'

interface Tap {
  teardown: (fn: () => unknown) => void
}

export interface AllegroSetup extends Built {
  sim: StandaloneSimulator
  clock: ReturnType<typeof fixedClock>
  shopId: number
}

export async function setupAllegro(
  t: Tap,
  opts: { build?: BuildOptions; sim?: AllegroSimulatorOptions } = {}
): Promise<AllegroSetup> {
  const clock = fixedClock(TEST_NOW)
  const sim = await startStandaloneSimulator({
    seed: 5,
    initialOrders: 0,
    ordersPerHour: 0,
    invoiceScanSeconds: 5,
    now: () => clock().toJSDate(),
    ...opts.sim
  })
  t.teardown(async () => {
    await sim.close()
  })
  const oauth = { webUrl: sim.url, clientId: SIMULATOR_CLIENT_ID, clientSecret: SIMULATOR_CLIENT_ID }
  const deps = { fetch: globalThis.fetch, timeoutMs: 5000, now: () => clock().toJSDate() }
  const device = await requestDeviceAuthorization(oauth, deps)
  sim.simulator.approveDevice(device.userCode, 'demo_sklep', 'demo1234')
  const granted = await pollDeviceAuthorization(oauth, deps, device.deviceCode)
  if (granted.status !== 'approved') throw new Error(`device flow ended with ${granted.status}`)

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
      access_token_enc: encryptSecret(key, granted.tokens.accessToken),
      refresh_token_enc: encryptSecret(key, granted.tokens.refreshToken),
      access_token_expires_at: granted.tokens.expiresAt.toISOString(),
      created_at: at,
      updated_at: at
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return { ...built, sim, clock, shopId: shop.id }
}

/** An order in the simulator and the same order (by id) as an imported transaction. */
export async function sharedOrder(
  setup: AllegroSetup,
  spec: OrderSpec & { simInvoice?: 'company' | 'person' | 'none' } = {}
): Promise<{ orderId: string; transactionId: number }> {
  const [form] = setup.sim.simulator.addOrders(1, {
    invoice: spec.simInvoice ?? (spec.invoice === 'none' ? 'none' : 'company')
  })
  const transactionId = await insertTransaction(setup.db, setup.shopId, { invoice: 'company', ...spec, id: form.id })
  return { orderId: form.id, transactionId }
}

/** Wystaw from the transactions list; returns the new document's id. */
export async function issue(
  setup: AllegroSetup,
  client: TestClient,
  transactionId: number,
  type = 'faktura'
): Promise<number> {
  await client.get('/przychody/dokumenty')
  const response = await client.post('/przychody/dokumenty/wystaw', { transactionIds: [String(transactionId)], type })
  if (response.statusCode !== 303) throw new Error(`Wystaw answered ${response.statusCode}`)
  const link = await setup.db
    .selectFrom('document_transactions')
    .select('document_id')
    .where('transaction_id', '=', transactionId)
    .orderBy('document_id', 'desc')
    .executeTakeFirst()
  if (!link) throw new Error('no document was issued')
  return link.document_id
}
