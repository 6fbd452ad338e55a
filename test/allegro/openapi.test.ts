// Every request the Allegro client puts on the wire, checked against Allegro's own OpenAPI
// description (the part Biurko uses, test/allegro/openapi/allegro-api.subset.json): paths,
// query parameters, headers (Accept-Language included) and bodies. The client runs the real
// import, offer and invoice calls through a recording proxy in front of the simulator.
import t from 'tap'
import { pollDeviceAuthorization, requestDeviceAuthorization } from '../../src/allegro/allegro.oauth.ts'
import { allegroClientForShop, SIMULATOR_CLIENT_ID } from '../../src/allegro/shop-client.ts'
import { startStandaloneSimulator } from '../../src/simulators/allegro/simulator.ts'
import { deriveKey, encryptSecret } from '../../src/shared/crypto.ts'
import { fixedClock, toStoredTimestamp } from '../../src/shared/dates.ts'
import { importShop } from '../../src/transactions/import.ts'
import { build, TEST_NOW, TEST_SECRET } from '../helpers/app.ts'
import { allegroOpenApi, requestProblems, startWireRecorder } from './openapi/wire.ts'

const USER_AGENT = /^Biurko\/\d+\.\d+\.\d+ \(\+https:\/\/github\.com\/biurko\)$/

t.test("the client's requests are valid by Allegro's OpenAPI description", async (t) => {
  const clock = fixedClock(TEST_NOW)
  const sim = await startStandaloneSimulator({
    seed: 5,
    initialOrders: 30,
    ordersPerHour: 0,
    now: () => clock().toJSDate()
  })
  t.teardown(async () => {
    await sim.close()
  })
  const wire = await startWireRecorder(t, sim.url)

  // the device flow as the app runs it, through the recorder
  const oauth = { webUrl: wire.url, clientId: SIMULATOR_CLIENT_ID, clientSecret: SIMULATOR_CLIENT_ID }
  const deps = { fetch: globalThis.fetch, timeoutMs: 5000, now: () => clock().toJSDate() }
  const device = await requestDeviceAuthorization(oauth, deps)
  sim.simulator.approveDevice(device.userCode, 'demo_sklep', 'demo1234')
  const approved = await pollDeviceAuthorization(oauth, deps, device.deviceCode)
  if (approved.status !== 'approved') throw new Error(approved.status)

  const built = await build(t, { now: clock, config: { SIMULATOR_URL: wire.url } })
  const key = deriveKey(TEST_SECRET, 'secrets')
  const at = toStoredTimestamp(clock())
  const shop = await built.db
    .insertInto('allegro_shops')
    .values({
      name: 'Sklep Demo',
      environment: 'simulator',
      connection_status: 'connected',
      allegro_login: 'demo_sklep',
      backfill_days: 31,
      access_token_enc: encryptSecret(key, approved.tokens.accessToken),
      refresh_token_enc: encryptSecret(key, approved.tokens.refreshToken),
      access_token_expires_at: approved.tokens.expiresAt.toISOString(),
      created_at: at,
      updated_at: at
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  const client = await allegroClientForShop(built.app, shop.id, { sleep: async () => {}, maxRetries: 1 })

  // the import: event-stats, the backfill by date windows, then events and single orders
  let outcome = await importShop({ db: built.db, api: client, now: clock }, shop.id)
  t.equal(outcome.completed, true, outcome.errors.join('; '))
  const order = sim.simulator.listOrders({ seller: 'demo_sklep' })[0]
  sim.simulator.updateOrder(order.id, (f) => {
    f.messageToSeller = 'Proszę o fakturę'
  })
  outcome = await importShop({ db: built.db, api: client, now: clock }, shop.id)
  t.equal(outcome.counts.updated, 1)

  // an expired access token: refresh on the OAuth host, then the same call again
  sim.simulator.expireAccessTokens()
  t.equal((await client.getMe()).login, 'demo_sklep')

  // offers as the offers page and the stock push call them
  const offers = await client.listOffers({ limit: 20, offset: 0 })
  const offerId = (offers.offers?.[0] as { id: string }).id
  await client.listOffers({ 'offer.id': [offerId], limit: 1 })
  await client.changeOfferStock(offerId, 7)

  // an invoice as the delivery sender attaches it
  await client.listOrderInvoices(order.id)
  const invoice = await client.createOrderInvoice(order.id, {
    fileName: 'FV_1_11_2026.pdf',
    invoiceNumber: 'FV 1/11/2026'
  })
  await client.uploadOrderInvoiceFile(order.id, invoice.id, Buffer.from('%PDF-1.7\n%%EOF\n'))

  const spec = await allegroOpenApi()
  const apiCalls = wire.requests.filter((r) => r.url.startsWith('/api/'))
  const problems = apiCalls.flatMap((r) => requestProblems(spec, r, '/api'))
  t.same(problems, [], 'no request breaks the description')
  const operations = new Set(
    apiCalls.map(
      (r) =>
        spec.matchOperation({ method: r.method, path: new URL(r.url, 'http://x').pathname.slice(4), headers: {} })
          ?.operationId
    )
  )
  t.same(
    [...operations].sort(),
    [
      'addOrderInvoicesMetadata',
      'editProductOffers',
      'getListOfOrdersUsingGET',
      'getOrderEventsStatisticsUsingGET',
      'getOrderEventsUsingGET',
      'getOrderInvoicesDetails',
      'getOrdersDetailsUsingGET',
      'meGET',
      'searchOffersUsingGET',
      'uploadOrderInvoiceFile'
    ],
    'every operation the client uses was exercised'
  )
  for (const r of apiCalls) {
    t.match(r.headers['user-agent'], USER_AGENT, `${r.method} ${r.url}: Biurko's User-Agent`)
    t.equal(r.headers.accept, 'application/vnd.allegro.public.v1+json')
  }

  const oauthCalls = wire.requests.filter((r) => r.url.startsWith('/auth/oauth/'))
  t.same(
    oauthCalls.map((r) => r.url),
    ['/auth/oauth/device', '/auth/oauth/token', '/auth/oauth/token'],
    'device, poll, refresh'
  )
  for (const r of oauthCalls) {
    t.match(r.headers['user-agent'], USER_AGENT, `${r.url}: Biurko's User-Agent, not Node's`)
    t.equal(r.headers['accept-language'], 'pl-PL')
    t.equal(r.headers['content-type'], 'application/x-www-form-urlencoded')
  }
})

t.test('the validator does catch what the description forbids', async (t) => {
  const spec = await allegroOpenApi()
  const request = (
    method: string,
    url: string,
    headers: Record<string, string>,
    body = ''
  ): Parameters<typeof requestProblems>[1] => ({ method, url, headers, body: Buffer.from(body) })
  t.match(
    requestProblems(spec, request('GET', '/api/me', { 'accept-language': '*' }), '/api'),
    [/accept-language must be equal to one of the allowed values/],
    "Node's default Accept-Language"
  )
  t.match(
    requestProblems(
      spec,
      request('GET', '/api/order/checkout-forms/x/invoices', { 'accept-language': 'pl-PL' }),
      '/api'
    ),
    [/accept-language/],
    'invoice endpoints allow only en-US'
  )
  t.match(
    requestProblems(spec, request('GET', '/api/order/events?limit=5000', { 'accept-language': 'pl-PL' }), '/api'),
    [/limit must be <= 1000/]
  )
  t.match(
    requestProblems(
      spec,
      request('GET', '/api/order/checkout-forms?boughtAt.gte=2026-01-01', { 'accept-language': 'pl-PL' }),
      '/api'
    ),
    [/additional properties/, /query parameter boughtAt.gte is not in the description/]
  )
  t.match(
    requestProblems(
      spec,
      request(
        'POST',
        '/api/order/checkout-forms/x/invoices',
        { 'accept-language': 'en-US', 'content-type': 'application/vnd.allegro.public.v1+json' },
        '{"invoiceNumber":"FV 1"}'
      ),
      '/api'
    ),
    [/requestBody must have required property 'file'/]
  )
  t.match(
    requestProblems(
      spec,
      request(
        'PATCH',
        '/api/sale/product-offers/123',
        { 'accept-language': 'pl-PL', 'content-type': 'application/vnd.allegro.public.v1+json' },
        '{"stock":{"available":"7"}}'
      ),
      '/api'
    ),
    [/requestBody\/stock\/available must be integer/]
  )
  t.match(requestProblems(spec, request('GET', '/api/order/nonexistent', {}), '/api'), [/no such operation/])
})
