import t from 'tap'
import { AllegroApiError, AllegroAuthError, RECONNECT_MESSAGE } from '../../src/allegro/allegro.client.ts'
import { connectDemoSeller, memoryTokenStore, startSimulator, testClient } from './helpers.ts'

const ALLEGRO_JSON = 'application/vnd.allegro.public.v1+json'

async function rejection(promise: Promise<unknown>): Promise<AllegroApiError> {
  try {
    await promise
  } catch (error) {
    if (error instanceof AllegroApiError) return error
    throw error
  }
  throw new Error('expected the call to fail')
}

t.test('sends Allegro headers, Bearer token and User-Agent; reads /me and orders', async (t) => {
  const { sim, clock } = await startSimulator(t)
  const store = memoryTokenStore(await connectDemoSeller(sim, clock))
  const { client, recorded } = testClient(sim, clock, store)
  const me = await client.getMe()
  t.equal(me.login, 'demo_sklep')
  const list = await client.listCheckoutForms({ limit: 5 })
  t.equal(list.checkoutForms?.length, 5)
  const first = list.checkoutForms![0] as { id: string }
  const one = (await client.getCheckoutForm(first.id)) as { id: string }
  t.equal(one.id, first.id)

  const request = recorded.requests[0]
  t.equal(request.url, `${sim.apiUrl}/me`, 'aimed at the API base it was given')
  t.equal(request.headers.get('accept'), ALLEGRO_JSON)
  t.equal(request.headers.get('authorization'), `Bearer ${store.tokens!.accessToken}`)
  t.match(request.headers.get('user-agent'), /^Biurko\/\d+\.\d+\.\d+ \(\+https:\/\/github\.com\/biurko\)$/)
  t.equal(store.saves.length, 0, 'no refresh while the token is fresh')
})

t.test('JSON writes carry the Allegro content type; the invoice PDF goes as application/pdf', async (t) => {
  const { sim, clock } = await startSimulator(t)
  const store = memoryTokenStore(await connectDemoSeller(sim, clock))
  const { client, recorded } = testClient(sim, clock, store)
  const order = sim.simulator.listOrders({ seller: 'demo_sklep' })[0]
  const created = await client.createOrderInvoice(order.id, {
    fileName: 'FV_1_11_2026.pdf',
    invoiceNumber: 'FV 1/11/2026'
  })
  t.match(created.id, /^[0-9a-f-]{36}$/)
  const pdf = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n')
  await client.uploadOrderInvoiceFile(order.id, created.id, pdf)
  const invoices = await client.listOrderInvoices(order.id)
  t.equal(invoices.invoices?.length, 1)
  t.equal(invoices.invoices?.[0].invoiceNumber, 'FV 1/11/2026')

  const post = recorded.requests.find((r) => r.method === 'POST')!
  t.equal(post.headers.get('content-type'), ALLEGRO_JSON)
  const put = recorded.requests.find((r) => r.method === 'PUT')!
  t.equal(put.headers.get('content-type'), 'application/pdf')
})

t.test('Allegro error bodies surface their userMessage', async (t) => {
  const { sim, clock } = await startSimulator(t)
  const { client } = testClient(sim, clock, memoryTokenStore(await connectDemoSeller(sim, clock)))
  const error = await rejection(client.getCheckoutForm('nie-uuid'))
  t.equal(error.status, 422)
  t.equal(error.userMessage, 'Nieprawidłowy identyfikator zamówienia.')
  t.equal(error.retryable, false)
  const missing = await rejection(client.getCheckoutForm('00000000-0000-4000-8000-000000000000'))
  t.equal(missing.status, 404)
  t.equal(missing.code, 'CheckoutFormNotFoundException')
})

t.test('retries each transient fault on GET and loses nothing', async (t) => {
  const { sim, clock } = await startSimulator(t)
  const tokens = await connectDemoSeller(sim, clock)
  const expected = sim.simulator.listOrders({ seller: 'demo_sklep' }).length

  const cases = [
    { name: '429 with Retry-After', fault: { kind: 'status', status: 429, retryAfter: 3 }, sleeps: [3000] },
    { name: '429 without Retry-After', fault: { kind: 'status', status: 429 }, sleeps: [1000] },
    { name: '500', fault: { kind: 'status', status: 500 }, sleeps: [250] },
    { name: '503 twice', fault: { kind: 'status', status: 503, times: 2 }, sleeps: [250, 500] },
    { name: 'timeout', fault: { kind: 'delay', ms: 1500 }, sleeps: [250] },
    { name: 'connection reset', fault: { kind: 'reset' }, sleeps: [250] },
    { name: 'malformed JSON', fault: { kind: 'malformed' }, sleeps: [250] }
  ] as const
  for (const c of cases) {
    const { client, recorded } = testClient(sim, clock, memoryTokenStore(tokens), { timeoutMs: 400 })
    sim.simulator.faults.add({ path: '/order/checkout-forms', method: 'GET', ...c.fault } as never)
    const list = await client.listCheckoutForms({ limit: 100 })
    t.equal(list.checkoutForms?.length, expected, `${c.name}: every order arrives`)
    t.same(recorded.sleeps, c.sleeps, `${c.name}: waited as expected before retrying`)
    t.equal(recorded.requests.length, c.sleeps.length + 1, `${c.name}: one request per attempt`)
  }
  t.equal(sim.simulator.faults.list().length, 0, 'every fault fired')
})

t.test('expired access token: one refresh, then the same request again', async (t) => {
  const { sim, clock } = await startSimulator(t)
  const tokens = await connectDemoSeller(sim, clock)
  const store = memoryTokenStore(tokens)
  const { client } = testClient(sim, clock, store)
  sim.simulator.faults.add({ path: '/me', kind: 'expiredToken' })
  const before = sim.simulator.stats.tokenRefreshes
  t.equal((await client.getMe()).login, 'demo_sklep')
  t.equal(sim.simulator.stats.tokenRefreshes - before, 1)
  t.equal(store.saves.length, 1)
  t.not(store.tokens!.refreshToken, tokens.refreshToken, 'the rotated refresh token was saved')
  t.not(store.tokens!.accessToken, tokens.accessToken)
})

t.test('gives up after a bounded number of attempts with a clear Polish message', async (t) => {
  const { sim, clock } = await startSimulator(t)
  const store = memoryTokenStore(await connectDemoSeller(sim, clock))
  const { client, recorded } = testClient(sim, clock, store)
  sim.simulator.faults.add({ path: '/order/event-stats', kind: 'status', status: 503, times: 50 })
  const error = await rejection(client.getEventStats())
  t.equal(error.status, 503)
  t.equal(error.attempts, 5)
  t.equal(recorded.requests.length, 5, 'first attempt plus maxRetries (4)')
  t.equal(recorded.sleeps.length, 4)
  t.ok(
    recorded.sleeps.every((ms, i) => i === 0 || ms >= recorded.sleeps[i - 1]),
    'backoff grows'
  )
  t.match(error.userMessage, /błąd po stronie Allegro.*\(liczba prób: 5\)/)
  t.equal(error.retryable, true)

  sim.simulator.faults.clear()
  sim.simulator.faults.add({ path: '/order/event-stats', kind: 'status', status: 429, retryAfter: 120 })
  const { client: patient, recorded: r2 } = testClient(sim, clock, store, { maxRetryWaitMs: 60_000 })
  const limited = await rejection(patient.getEventStats())
  t.equal(limited.status, 429, 'a Retry-After beyond the time budget is not waited for')
  t.same(r2.sleeps, [])
  t.match(limited.userMessage, 'Zbyt wiele zapytań')
})

t.test('POST is not retried after it may have reached Allegro, but is after 429', async (t) => {
  const { sim, clock } = await startSimulator(t)
  const store = memoryTokenStore(await connectDemoSeller(sim, clock))
  const order = sim.simulator.listOrders({ seller: 'demo_sklep' })[0]
  const path = `/order/checkout-forms/${order.id}/invoices`

  sim.simulator.faults.add({ path, method: 'POST', kind: 'status', status: 503 })
  const { client, recorded } = testClient(sim, clock, store)
  const error = await rejection(
    client.createOrderInvoice(order.id, { fileName: 'a.pdf', invoiceNumber: 'FV 1/11/2026' })
  )
  t.equal(error.status, 503)
  t.equal(recorded.requests.length, 1, 'one attempt only')

  sim.simulator.faults.add({ path, method: 'POST', kind: 'reset' })
  const reset = await rejection(
    client.createOrderInvoice(order.id, { fileName: 'a.pdf', invoiceNumber: 'FV 1/11/2026' })
  )
  t.equal(reset.kind, 'network')
  t.equal(recorded.requests.length, 2, 'a reset POST is not repeated either')
  t.equal((await client.listOrderInvoices(order.id)).invoices?.length, 0, 'nothing was created twice (nor at all)')

  sim.simulator.faults.add({ path, method: 'POST', kind: 'status', status: 429, retryAfter: 1 })
  const created = await client.createOrderInvoice(order.id, { fileName: 'a.pdf', invoiceNumber: 'FV 1/11/2026' })
  t.ok(created.id)
  t.equal((await client.listOrderInvoices(order.id)).invoices?.length, 1, 'exactly one invoice after the 429 retry')
})

t.test('20 concurrent calls with an expired access token make exactly one refresh', async (t) => {
  const { sim, clock } = await startSimulator(t)
  const store = memoryTokenStore(await connectDemoSeller(sim, clock))
  sim.simulator.expireAccessTokens()
  const before = sim.simulator.stats.tokenRefreshes
  const clients = Array.from({ length: 20 }, () => testClient(sim, clock, store).client)
  const results = await Promise.all(clients.map(async (c) => await c.getMe()))
  t.ok(
    results.every((me) => me.login === 'demo_sklep'),
    'all 20 calls succeed'
  )
  t.equal(sim.simulator.stats.tokenRefreshes - before, 1, 'one refresh for all of them')
  t.equal(store.saves.length, 1)
})

t.test('20 concurrent calls with a token past its stored expiry refresh once, before calling', async (t) => {
  const { sim, clock } = await startSimulator(t, undefined, { accessTokenTtlSeconds: 600 })
  const store = memoryTokenStore(await connectDemoSeller(sim, clock))
  clock.advance(6 * 60 * 1000) // 4 minutes left: inside the 5-minute refresh margin
  const before = sim.simulator.stats
  const refreshesBefore = before.tokenRefreshes
  const { client } = testClient(sim, clock, store)
  const results = await Promise.all(Array.from({ length: 20 }, async () => await client.getEventStats()))
  t.equal(results.length, 20)
  t.equal(sim.simulator.stats.tokenRefreshes - refreshesBefore, 1)
  t.ok(store.tokens!.expiresAt.getTime() - clock().toMillis() > 5 * 60 * 1000, 'the new token is fresh')
})

t.test('a revoked grant: invalid_grant marks the shop for reconnection', async (t) => {
  const { sim, clock } = await startSimulator(t)
  const store = memoryTokenStore(await connectDemoSeller(sim, clock))
  sim.simulator.revokeTokens('demo_sklep')
  const { client, recorded } = testClient(sim, clock, store)
  const error = await rejection(client.getMe())
  t.ok(error instanceof AllegroAuthError)
  t.equal(error.kind, 'reconnect_required')
  t.equal(error.userMessage, RECONNECT_MESSAGE)
  t.same(store.reconnectMessages, [RECONNECT_MESSAGE])
  t.equal(store.tokens, null)
  t.same(recorded.sleeps, [], 'not retried')
  const again = await rejection(client.getMe())
  t.equal(again.kind, 'not_connected', 'without tokens nothing is sent')
})

t.test('a 409 on a repeated invoice-file upload means the first attempt landed', async (t) => {
  const { sim, clock } = await startSimulator(t)
  const store = memoryTokenStore(await connectDemoSeller(sim, clock))
  let puts = 0
  // the first PUT reaches Allegro and is stored, but its answer is lost on the way back
  const losingFetch: typeof fetch = async (input, init) => {
    const response = await globalThis.fetch(input, init)
    if (init?.method === 'PUT' && ++puts === 1) {
      await response.arrayBuffer()
      throw new TypeError('fetch failed', { cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) })
    }
    return response
  }
  const messages: string[] = []
  const log = {
    debug: () => {},
    info: (_obj: object, msg?: string) => {
      messages.push(msg ?? '')
    },
    warn: (_obj: object, msg?: string) => {
      messages.push(msg ?? '')
    }
  }
  const { client } = testClient(sim, clock, store, { fetch: losingFetch, log })
  const order = sim.simulator.listOrders({ seller: 'demo_sklep' })[0]
  const { id } = await client.createOrderInvoice(order.id, { fileName: 'x.pdf', invoiceNumber: 'FV 2/11/2026' })
  await client.uploadOrderInvoiceFile(order.id, id, Buffer.from('%PDF-1.4\n%%EOF\n'))
  t.equal(puts, 2, 'tried twice')
  t.ok(
    messages.includes('allegro 409 on a repeated PUT: earlier attempt landed'),
    "the second attempt met the first one's file (409)"
  )
  t.equal(sim.simulator.stats.invoiceFilesUploaded, 1, 'one file on Allegro')
  t.equal((await client.listOrderInvoices(order.id)).invoices?.length, 1)
})
