import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import t, { type Test } from 'tap'
import { AllegroApiError, RECONNECT_MESSAGE } from '../../src/allegro/allegro.client.ts'
import { allegroClientForShop, SIMULATOR_CLIENT_ID } from '../../src/allegro/shop-client.ts'
import { openDatabase } from '../../src/db/database.ts'
import { migrateToLatest } from '../../src/db/migrate.ts'
import { decryptSecret, deriveKey, encryptSecret } from '../../src/shared/crypto.ts'
import { fixedClock } from '../../src/shared/dates.ts'
import { build, TEST_NOW, TEST_SECRET } from '../helpers/app.ts'
import type { StandaloneSimulator } from '../../src/simulators/allegro/simulator.ts'
import {
  addShop,
  approveOnConfirmationPage,
  connectDemoSeller,
  finishFlow,
  startFlow,
  startSimulator,
  TEST_CLIENT
} from './helpers.ts'

const BASE = '/ustawienia/integracje/allegro'
const secretsKey = deriveKey(TEST_SECRET, 'secrets')
const noSleep = { sleep: async () => {}, random: () => 0 }

async function rejection(promise: Promise<unknown>): Promise<AllegroApiError> {
  try {
    await promise
  } catch (error) {
    if (error instanceof AllegroApiError) return error
    throw error
  }
  throw new Error('expected the call to fail')
}

type Built = Awaited<ReturnType<typeof build>>

interface ShopOptions {
  /** config for the app; gets the simulator so URLs can point at it */
  config?: (sim: StandaloneSimulator) => Record<string, string>
  db?: Built['db']
  logger?: object
  fetch?: typeof fetch
}

/** A shop row already connected to demo_sklep (tokens from the real device flow). */
async function connectedShop(t: Tap, environment: 'simulator' | 'production' | 'sandbox', opts: ShopOptions = {}) {
  const clock = fixedClock(TEST_NOW)
  const { sim } = await startSimulator(t, clock)
  const built = await build(t, {
    now: clock,
    config: { SIMULATOR_URL: sim.url, ...opts.config?.(sim) },
    ...(opts.db ? { db: opts.db } : {}),
    ...(opts.logger ? { logger: opts.logger as never } : {}),
    ...(opts.fetch ? { fetch: opts.fetch } : {})
  })
  // the simulator environment always uses Biurko's simulator client id; tokens are bound to it
  const tokens = await connectDemoSeller(
    sim,
    clock,
    environment === 'simulator' ? { clientId: SIMULATOR_CLIENT_ID, clientSecret: SIMULATOR_CLIENT_ID } : TEST_CLIENT
  )
  const at = clock().toUTC().toISO()
  const { id } = await built.db
    .insertInto('allegro_shops')
    .values({
      name: 'Sklep demo',
      environment,
      allegro_user_id: sim.simulator.seller('demo_sklep').id,
      allegro_login: 'demo_sklep',
      connection_status: 'connected',
      access_token_enc: encryptSecret(secretsKey, tokens.accessToken),
      refresh_token_enc: encryptSecret(secretsKey, tokens.refreshToken),
      access_token_expires_at: tokens.expiresAt.toISOString(),
      created_at: at,
      updated_at: at
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return { ...built, sim, clock, tokens, shopId: id }
}

type Tap = Test

t.test('20 concurrent calls through the DB token store: one refresh, rotated token stored encrypted', async (t) => {
  const { app, db, sim, tokens, shopId } = await connectedShop(t, 'simulator')
  sim.simulator.expireAccessTokens()
  const before = sim.simulator.stats.tokenRefreshes
  // one client per call, as 20 requests of the app would each build their own
  const clients = await Promise.all(
    Array.from({ length: 20 }, async () => await allegroClientForShop(app, shopId, noSleep))
  )
  const answers = await Promise.all(clients.map(async (client) => await client.getMe()))
  t.ok(answers.every((me) => me.login === 'demo_sklep'))
  t.equal(sim.simulator.stats.tokenRefreshes - before, 1, 'exactly one refresh')

  const shop = await db.selectFrom('allegro_shops').selectAll().executeTakeFirstOrThrow()
  t.match(shop.refresh_token_enc, /^v1:/)
  const refreshToken = decryptSecret(secretsKey, shop.refresh_token_enc!)
  t.not(refreshToken, tokens.refreshToken, 'the rotated refresh token replaced the old one')
  t.notOk(shop.refresh_token_enc!.includes(refreshToken), 'stored as ciphertext only')
  t.not(decryptSecret(secretsKey, shop.access_token_enc!), tokens.accessToken)
  t.ok(shop.last_success_at, 'health: last successful call recorded')
})

t.test('revoked grant: shop needs reconnecting and the health panel says so in plain Polish', async (t) => {
  const { app, db, sim, owner, shopId } = await connectedShop(t, 'simulator')
  sim.simulator.revokeTokens('demo_sklep')
  const client = await allegroClientForShop(app, shopId, noSleep)
  const error = await rejection(client.getEventStats())
  t.equal(error.kind, 'reconnect_required')
  t.equal(error.userMessage, RECONNECT_MESSAGE)

  const shop = await db.selectFrom('allegro_shops').selectAll().executeTakeFirstOrThrow()
  t.equal(shop.connection_status, 'reconnect_required')
  t.equal(shop.access_token_enc, null, 'dead tokens forgotten')
  t.equal(shop.refresh_token_enc, null)
  t.equal(shop.last_error, RECONNECT_MESSAGE)

  const panel = await owner.get(BASE)
  t.match(panel.body, 'wymaga ponownego połączenia')
  t.match(panel.body, 'Allegro odrzuciło token – połącz sklep ponownie')
  t.match(panel.body, 'Połącz ponownie')

  const again = await rejection((await allegroClientForShop(app, shopId, noSleep)).getMe())
  t.equal(again.kind, 'reconnect_required', 'later calls fail fast with the same message')
  t.equal(again.userMessage, RECONNECT_MESSAGE)
})

t.test(
  'health: connection errors are recorded, then cleared by the next success; "Sprawdź połączenie" reports both',
  async (t) => {
    const { app, db, sim, owner, shopId } = await connectedShop(t, 'simulator')
    // 403 is not retried (no real waiting in this test) but says something about the connection
    sim.simulator.faults.add({ path: '/me', kind: 'status', status: 403 })
    await owner.get(BASE)
    const check = await owner.post(`${BASE}/sklepy/${shopId}/sprawdzenie`)
    t.equal(check.statusCode, 303)
    const failed = await owner.get(BASE)
    t.match(failed.body, 'Wystąpił błąd po stronie Allegro')
    const shop = await db.selectFrom('allegro_shops').selectAll().executeTakeFirstOrThrow()
    t.match(shop.last_error, 'Wystąpił błąd po stronie Allegro')
    t.ok(shop.last_error_at)

    // a 404 for one order says nothing about the connection
    const client = await allegroClientForShop(app, shopId, noSleep)
    await rejection(client.getCheckoutForm('00000000-0000-4000-8000-000000000000'))
    t.equal(
      (await db.selectFrom('allegro_shops').select('last_error').executeTakeFirstOrThrow()).last_error,
      shop.last_error
    )

    await owner.post(`${BASE}/sklepy/${shopId}/sprawdzenie`)
    const ok = await owner.get(BASE)
    t.match(ok.body, 'Połączenie ze sklepem Sklep demo działa (konto Allegro: demo_sklep).')
    const healed = await db.selectFrom('allegro_shops').selectAll().executeTakeFirstOrThrow()
    t.equal(healed.last_error, null)
    t.ok(healed.last_success_at)
  }
)

t.test('production: base URLs and client credentials from config aim the client at any server', async (t) => {
  const { app, shopId } = await connectedShop(t, 'production', {
    config: (sim) => ({
      ALLEGRO_WEB_URL: sim.url,
      ALLEGRO_API_URL: sim.apiUrl,
      ALLEGRO_CLIENT_ID: TEST_CLIENT.clientId,
      ALLEGRO_CLIENT_SECRET: TEST_CLIENT.clientSecret
    })
  })
  const client = await allegroClientForShop(app, shopId, noSleep)
  t.equal((await client.getMe()).login, 'demo_sklep')

  const { app: elsewhere, shopId: other } = await connectedShop(t, 'production', {
    config: () => ({
      ALLEGRO_WEB_URL: 'http://127.0.0.1:9',
      ALLEGRO_API_URL: 'http://127.0.0.1:9/api',
      ALLEGRO_CLIENT_ID: TEST_CLIENT.clientId,
      ALLEGRO_CLIENT_SECRET: TEST_CLIENT.clientSecret
    })
  })
  const unreachable = await rejection(
    (await allegroClientForShop(elsewhere, other, { ...noSleep, maxRetries: 1 })).getMe()
  )
  t.equal(unreachable.kind, 'network', 'a different configured server is the one called')
  t.equal(unreachable.attempts, 2)
  t.match(unreachable.userMessage, 'Nie udało się połączyć z Allegro')
})

t.test(
  'sandbox: credentials saved in settings (encrypted) are used, with the app name in the User-Agent',
  async (t) => {
    const seen: Array<{ url: string; headers: Headers }> = []
    const recording: typeof fetch = async (input, init) => {
      seen.push({ url: String(input), headers: new Headers(init?.headers) })
      return await globalThis.fetch(input, init)
    }
    const { app, db, sim, shopId } = await connectedShop(t, 'sandbox', {
      config: (s) => ({ ALLEGRO_SANDBOX_WEB_URL: s.url, ALLEGRO_SANDBOX_API_URL: s.apiUrl }),
      fetch: recording
    })
    const missing = await rejection(allegroClientForShop(app, shopId))
    t.equal(missing.kind, 'not_configured')
    t.match(missing.userMessage, 'Brak danych aplikacji Allegro')

    const at = new Date().toISOString()
    await db
      .insertInto('allegro_apps')
      .values({
        environment: 'sandbox',
        client_id: TEST_CLIENT.clientId,
        client_secret_enc: encryptSecret(secretsKey, TEST_CLIENT.clientSecret),
        app_name: 'Moje Biurko',
        created_at: at,
        updated_at: at
      })
      .execute()
    sim.simulator.expireAccessTokens()
    const client = await allegroClientForShop(app, shopId, noSleep)
    t.equal((await client.getMe()).login, 'demo_sklep')
    const refresh = seen.find((r) => r.url.endsWith('/auth/oauth/token'))!
    t.equal(
      refresh.headers.get('authorization'),
      'Basic ' + Buffer.from(`${TEST_CLIENT.clientId}:${TEST_CLIENT.clientSecret}`).toString('base64'),
      'client secret from settings, decrypted for the call'
    )
    const api = seen.filter((r) => r.url.startsWith(sim.apiUrl))
    t.ok(api.length >= 2)
    t.ok(
      api.every((r) =>
        /^Moje-Biurko\/\d+\.\d+\.\d+ \(\+https:\/\/github\.com\/biurko\)$/.test(r.headers.get('user-agent') ?? '')
      ),
      'User-Agent names the registered app'
    )
  }
)

t.test('secrets never appear in plain text in the SQLite file nor in the logs', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'biurko-allegro-'))
  t.teardown(() => {
    rmSync(dir, { recursive: true, force: true })
  })
  const file = join(dir, 'biurko.sqlite')
  const { db, sqlite } = openDatabase(file)
  await migrateToLatest(db, sqlite)

  const logLines: string[] = []
  const stream = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk))
      done()
    }
  })

  // every secret that crosses the wire, from both directions
  const secrets = new Set<string>()
  const remember = (value: unknown): void => {
    if (typeof value === 'string' && value.length >= 8) secrets.add(value)
  }
  const recording: typeof fetch = async (input, init) => {
    const authorization = new Headers(init?.headers).get('authorization') ?? ''
    if (authorization.startsWith('Bearer ')) remember(authorization.slice(7))
    if (authorization.startsWith('Basic '))
      remember(Buffer.from(authorization.slice(6), 'base64').toString().split(':')[1])
    if (typeof init?.body === 'string')
      for (const [name, value] of new URLSearchParams(init.body))
        if (name !== 'grant_type' && name !== 'client_id') remember(value)
    const response = await globalThis.fetch(input, init)
    if (String(input).includes('/auth/oauth/')) {
      const body = (await response
        .clone()
        .json()
        .catch(() => ({}))) as Record<string, unknown>
      remember(body.access_token)
      remember(body.refresh_token)
      remember(body.device_code)
    }
    return response
  }

  const clientSecret = 'Sandbox-Sekret-Aplikacji-9f8e7d6c'
  const clock = fixedClock(TEST_NOW)
  const { sim } = await startSimulator(t, clock)
  const { app, owner } = await build(t, {
    db,
    now: clock,
    fetch: recording,
    logger: { level: 'trace', stream } as never,
    config: { SIMULATOR_URL: sim.url, ALLEGRO_SANDBOX_WEB_URL: sim.url, ALLEGRO_SANDBOX_API_URL: sim.apiUrl }
  })

  await owner.submit(BASE, `${BASE}/aplikacje/sandbox`, {
    clientId: TEST_CLIENT.clientId,
    clientSecret,
    appName: 'Biurko'
  })
  const shopId = await addShop(owner, db, 'Sklep testowy', 'sandbox')
  const flow = await startFlow(t, owner, shopId)
  await approveOnConfirmationPage(sim, flow.link, flow.userCode, 'demo_sklep', 'demo1234')
  const { page } = await finishFlow(owner, clock, shopId)
  t.match(page, 'Połączono z kontem demo_sklep.')

  // a refresh (rotation), a retried failure and a rejected grant, for the logs to have something to say
  sim.simulator.expireAccessTokens()
  sim.simulator.faults.add({ path: '/order/event-stats', kind: 'status', status: 503 })
  const client = await allegroClientForShop(app, shopId, noSleep)
  await client.getMe()
  await client.getEventStats()
  sim.simulator.revokeTokens('demo_sklep')
  sim.simulator.expireAccessTokens()
  await rejection(client.getMe())

  t.ok(secrets.has(clientSecret), 'the client secret went out in Basic auth')
  t.ok(
    secrets.size >= 6,
    `collected ${secrets.size} secrets: device code, access and refresh tokens (twice), client secret`
  )

  const files = readdirSync(dir).map((name) => ({ name, bytes: readFileSync(join(dir, name)) }))
  t.ok(files.some((f) => f.name === 'biurko.sqlite'))
  const stored = (await db.selectFrom('allegro_apps').select('client_secret_enc').executeTakeFirstOrThrow())
    .client_secret_enc
  t.ok(
    files.some((f) => f.bytes.includes(stored)),
    'the ciphertext is in the files, so the search looks at the right bytes'
  )
  for (const secret of secrets) {
    for (const f of files) t.notOk(f.bytes.includes(secret), `${f.name} holds no plain ${secret.slice(0, 6)}…`)
  }

  const logs = logLines.join('')
  t.match(logs, /"traceId":"[0-9a-f]{32}"/, 'Trace-Id is logged')
  t.match(logs, 'allegro access token refreshed')
  t.match(logs, 'allegro call failed, retrying')
  for (const secret of secrets) t.notOk(logs.includes(secret), `logs hold no ${secret.slice(0, 6)}…`)
  t.notMatch(logs, /Bearer |Basic [A-Za-z0-9+/=]{8}/, 'no Authorization header in the logs')
})
