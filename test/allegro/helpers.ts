// Shared setup for the Allegro tests: a standalone simulator on loopback that shares the test's
// clock, and tokens obtained from it through the real device flow.
import { startStandaloneSimulator, type StandaloneSimulator } from '../../src/simulators/allegro/simulator.ts'
import {
  createAllegroClient,
  type AllegroClient,
  type AllegroClientOptions,
  type AllegroTokens,
  type TokenStore
} from '../../src/allegro/allegro.client.ts'
import { allegroUserAgent } from '../../src/allegro/allegro.http.ts'
import { pollDeviceAuthorization, requestDeviceAuthorization } from '../../src/allegro/allegro.oauth.ts'
import { fixedClock } from '../../src/shared/dates.ts'
import type { Test } from 'tap'
import type { Database } from '../../src/db/database.ts'
import { TEST_NOW } from '../helpers/app.ts'
import type { TestClient } from '../helpers/client.ts'

export const BASE = '/ustawienia/integracje/allegro'

interface Tap {
  teardown: (fn: () => unknown) => void
}

export const TEST_CLIENT = { clientId: 'biurko-testy', clientSecret: 'sekret-aplikacji-testowej-123' }

export type TestClock = ReturnType<typeof fixedClock>

export async function startSimulator(
  t: Tap,
  clock: TestClock = fixedClock(TEST_NOW),
  opts: { accessTokenTtlSeconds?: number } = {}
): Promise<{ sim: StandaloneSimulator; clock: TestClock }> {
  const sim = await startStandaloneSimulator({
    seed: 7,
    initialOrders: 20,
    ordersPerHour: 0,
    now: () => clock().toJSDate(),
    ...opts
  })
  t.teardown(async () => {
    await sim.close()
  })
  return { sim, clock }
}

/** Runs the device flow against the simulator without any UI. */
export async function connectDemoSeller(
  sim: StandaloneSimulator,
  clock: TestClock,
  client: { clientId: string; clientSecret: string } = TEST_CLIENT,
  login = 'demo_sklep',
  password = 'demo1234'
): Promise<AllegroTokens> {
  const app = { webUrl: sim.url, ...client }
  const deps = { fetch: globalThis.fetch, timeoutMs: 5000, now: () => clock().toJSDate() }
  const device = await requestDeviceAuthorization(app, deps)
  sim.simulator.approveDevice(device.userCode, login, password)
  const result = await pollDeviceAuthorization(app, deps, device.deviceCode)
  if (result.status !== 'approved') throw new Error(`device flow ended with ${result.status}`)
  return result.tokens
}

export interface MemoryStore extends TokenStore {
  tokens: AllegroTokens | null
  saves: AllegroTokens[]
  reconnectMessages: string[]
}

export function memoryTokenStore(tokens: AllegroTokens | null, key = `test:${Math.random()}`): MemoryStore {
  const store: MemoryStore = {
    key,
    tokens,
    saves: [],
    reconnectMessages: [],
    load: async () => store.tokens,
    save: async (next) => {
      store.tokens = next
      store.saves.push(next)
    },
    markReconnectRequired: async (message) => {
      store.tokens = null
      store.reconnectMessages.push(message)
    }
  }
  return store
}

export interface Recorded {
  sleeps: number[]
  requests: Array<{ method: string; url: string; headers: Headers }>
}

export function testClient(
  sim: StandaloneSimulator,
  clock: TestClock,
  tokens: TokenStore,
  overrides: Partial<AllegroClientOptions> = {}
): { client: AllegroClient; recorded: Recorded } {
  const recorded: Recorded = { sleeps: [], requests: [] }
  const recordingFetch: typeof fetch = async (input, init) => {
    recorded.requests.push({ method: init?.method ?? 'GET', url: String(input), headers: new Headers(init?.headers) })
    return await globalThis.fetch(input, init)
  }
  const client = createAllegroClient({
    apiUrl: sim.apiUrl,
    webUrl: sim.url,
    ...TEST_CLIENT,
    fetch: recordingFetch,
    tokens,
    timeoutMs: 2000,
    userAgent: allegroUserAgent('Biurko'),
    sleep: async (ms) => {
      recorded.sleeps.push(ms)
    },
    random: () => 0.5,
    now: () => clock().toJSDate(),
    ...overrides
  })
  return { client, recorded }
}

// --- the device flow as a user goes through it ---------------------------------------------

export async function addShop(
  owner: TestClient,
  db: Database,
  name: string,
  environment = 'simulator'
): Promise<number> {
  const response = await owner.submit(`${BASE}/sklepy/nowy`, `${BASE}/sklepy`, {
    name,
    environment,
    buyerDataSource: 'delivery',
    backfillDays: '30',
    autoImportMinutes: ''
  })
  if (response.statusCode !== 303) throw new Error(`shop not added: ${response.statusCode}`)
  return (await db.selectFrom('allegro_shops').select('id').where('name', '=', name).executeTakeFirstOrThrow()).id
}

/** Starts the flow from the UI and returns what the waiting page shows. */
export async function startFlow(
  t: Test,
  owner: TestClient,
  shopId: number
): Promise<{ userCode: string; link: string; page: string }> {
  await owner.get(`${BASE}/sklepy/${shopId}/polaczenie`)
  const started = await owner.post(`${BASE}/sklepy/${shopId}/polaczenie`)
  t.equal(started.statusCode, 303, 'device flow started')
  t.equal(started.headers.location, `${BASE}/sklepy/${shopId}/polaczenie`)
  const waiting = await owner.get(`${BASE}/sklepy/${shopId}/polaczenie`)
  t.equal(waiting.statusCode, 200)
  const code = /class="device-code"><strong>([A-Z0-9-]+)<\/strong>/.exec(waiting.body)
  const link = /href="([^"]+)" target="_blank" rel="noopener noreferrer">Otwórz stronę potwierdzenia Allegro/.exec(
    waiting.body
  )
  if (!code || !link) throw new Error('waiting page without code or link')
  return { userCode: code[1], link: link[1].replace(/&amp;/g, '&'), page: waiting.body }
}

/** The seller confirms on the simulator's page, with login and password, like on allegro.pl. */
export async function approveOnConfirmationPage(
  sim: StandaloneSimulator,
  link: string,
  userCode: string,
  login: string,
  password: string
): Promise<string> {
  const page = await fetch(link)
  const html = await page.text()
  if (!html.includes(userCode)) throw new Error('confirmation page does not show the code')
  const response = await fetch(`${sim.url}/skojarz-aplikacje`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ code: userCode, login, password }).toString()
  })
  if (response.status !== 200) throw new Error(`approval failed: ${response.status}`)
  return await response.text()
}

export async function finishFlow(
  owner: TestClient,
  clock: TestClock,
  shopId: number
): Promise<{ location: string | undefined; page: string }> {
  clock.advance(5000)
  const done = await owner.get(`${BASE}/sklepy/${shopId}/polaczenie`)
  const page = done.statusCode === 303 ? (await owner.get(String(done.headers.location).split('#')[0])).body : done.body
  return { location: done.headers.location as string | undefined, page }
}
