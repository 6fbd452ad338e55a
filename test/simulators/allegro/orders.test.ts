import t from 'tap'
import { api, apiJson, login, START, startSim } from './fixtures/sim.ts'

const HOUR = 3_600_000
const DAY = 24 * HOUR

t.test('headers: Accept required, Trace-Id everywhere, Allegro error shapes', async (t) => {
  const s = await startSim(t)
  const { access_token: token } = await login(s)

  let res = await api(s, token, '/order/checkout-forms', { headers: { accept: 'application/json' } })
  t.equal(res.status, 406)
  t.match(res.headers.get('trace-id'), /^[0-9a-f]{32}$/)
  const body = await res.json()
  t.match(body, { errors: [{ code: 'NotAcceptableException', message: String, path: null, userMessage: /Accept/ }] })
  res = await fetch(`${s.apiUrl}/order/checkout-forms`, { headers: { authorization: `Bearer ${token}` } })
  t.equal(res.status, 406, 'missing Accept')
  res = await api(s, token, '/order/checkout-forms', {
    headers: { accept: 'application/json, application/vnd.allegro.public.v1+json;q=0.9' }
  })
  t.equal(res.status, 200, 'the Allegro type anywhere in the list is enough')
  t.match(res.headers.get('content-type'), /^application\/vnd\.allegro\.public\.v1\+json/)
  t.ok(res.headers.get('trace-id'))

  res = await api(s, token, '/order/nie-ma-takiego')
  t.equal(res.status, 404)
  t.equal((await res.json()).errors[0].code, 'NotFoundException')
  for (const url of [`${s.url}/skojarz-aplikacje`, `${s.url}/`, `${s.url}/nie-ma`]) {
    res = await fetch(url)
    t.ok(res.headers.get('trace-id'), `Trace-Id on ${url}`)
  }
})

t.test('checkout-forms: limits, paging, filters, sort', async (t) => {
  const s = await startSim(t, { initialOrders: 0, ordersPerHour: 0 })
  const { access_token: token } = await login(s)
  s.simulator.addOrders(250, { from: new Date(START - 10 * DAY), to: new Date(START - DAY) })

  for (const [query, status] of [
    ['limit=101', 422],
    ['limit=0', 422],
    ['limit=100', 200],
    ['limit=abc', 400],
    ['offset=9901&limit=100', 422],
    ['offset=9900&limit=100', 200],
    ['offset=-1', 422],
    ['sort=boughtAt', 400],
    ['status=PAID', 400],
    ['lineItems.boughtAt.gte=wczoraj', 400]
  ] as const) {
    const res = await apiJson(s, token, `/order/checkout-forms?${query}`)
    t.equal(res.status, status, query)
    if (status !== 200)
      t.match(
        res.body.errors[0],
        { code: String, message: String, userMessage: String },
        `${query}: Allegro error body`
      )
  }
  const deep = await apiJson(s, token, '/order/checkout-forms?offset=9950&limit=100')
  t.match(deep.body.errors[0], { path: 'offset', userMessage: /10 000/ })

  const page1 = await apiJson(s, token, '/order/checkout-forms?limit=100')
  t.equal(page1.body.count, 100)
  t.equal(page1.body.totalCount, 250)
  const times = page1.body.checkoutForms.map((f: any) => Date.parse(f.lineItems[0].boughtAt))
  t.same(
    times,
    [...times].sort((a, b) => b - a),
    'default sort: newest purchase first'
  )

  // Paging with offset visits every order exactly once.
  const seen = new Set<string>()
  for (let offset = 0; offset < 250; offset += 100) {
    const page = await apiJson(s, token, `/order/checkout-forms?limit=100&offset=${offset}&sort=lineItems.boughtAt`)
    for (const f of page.body.checkoutForms) seen.add(f.id)
  }
  t.equal(seen.size, 250)

  const asc = await apiJson(s, token, '/order/checkout-forms?sort=lineItems.boughtAt&limit=5')
  const ascTimes = asc.body.checkoutForms.map((f: any) => Date.parse(f.lineItems[0].boughtAt))
  t.same(
    ascTimes,
    [...ascTimes].sort((a, b) => a - b)
  )

  // Date window, both ends inclusive.
  const from = new Date(START - 8 * DAY).toISOString()
  const to = new Date(START - 5 * DAY).toISOString()
  const all = s.simulator.listOrders()
  const expected = all.filter((o) => o.lineItems[0].boughtAt >= from && o.lineItems[0].boughtAt <= to)
  const windowed = await apiJson(
    s,
    token,
    `/order/checkout-forms?lineItems.boughtAt.gte=${from}&lineItems.boughtAt.lte=${to}&limit=100`
  )
  t.equal(windowed.body.totalCount, expected.length)
  t.ok(windowed.body.checkoutForms.every((f: any) => f.lineItems[0].boughtAt >= from && f.lineItems[0].boughtAt <= to))
  const exact = expected[0].lineItems[0].boughtAt
  const point = await apiJson(
    s,
    token,
    `/order/checkout-forms?lineItems.boughtAt.gte=${exact}&lineItems.boughtAt.lte=${exact}`
  )
  t.ok(
    point.body.checkoutForms.some((f: any) => f.id === expected[0].id),
    'gte/lte are inclusive'
  )
  const offsetForm = new Date(Date.parse(from)).toISOString().replace('Z', '+00:00')
  const withOffset = await apiJson(
    s,
    token,
    `/order/checkout-forms?lineItems.boughtAt.gte=${encodeURIComponent(offsetForm)}&lineItems.boughtAt.lte=${to}`
  )
  t.equal(withOffset.body.totalCount, expected.length, 'timezone offsets accepted')

  // updatedAt window and sort.
  const byUpdate = await apiJson(s, token, '/order/checkout-forms?sort=-updatedAt&limit=100')
  const updated = byUpdate.body.checkoutForms.map((f: any) => Date.parse(f.updatedAt))
  t.same(
    updated,
    [...updated].sort((a, b) => b - a)
  )
  const target = all[17]
  s.clock.advance(HOUR)
  const changed = s.simulator.updateOrder(target.id, (f) => {
    f.delivery.address.street = 'Nowa 1'
  })
  const recent = await apiJson(s, token, `/order/checkout-forms?updatedAt.gte=${new Date(START + HOUR).toISOString()}`)
  t.same(
    recent.body.checkoutForms.map((f: any) => f.id),
    [target.id]
  )
  t.equal(recent.body.checkoutForms[0].revision, changed.revision)
  t.not(changed.revision, target.revision, 'revision changes on modification')
  t.match(changed.revision, /^[0-9a-f]{8}$/)

  const statusOf = await apiJson(s, token, '/order/checkout-forms?status=CANCELLED&limit=100')
  t.ok(statusOf.body.checkoutForms.every((f: any) => f.status === 'CANCELLED'))
  t.equal(statusOf.body.totalCount, all.filter((o) => o.status === 'CANCELLED').length)
  const buyer = all.find((o) => !o.buyer.guest)?.buyer.login ?? ''
  const byBuyer = await apiJson(s, token, `/order/checkout-forms?buyer.login=${encodeURIComponent(buyer)}`)
  t.ok(byBuyer.body.totalCount >= 1)
  t.ok(byBuyer.body.checkoutForms.every((f: any) => f.buyer.login === buyer))
  const cz = await apiJson(s, token, '/order/checkout-forms?marketplace.id=allegro-cz')
  t.ok(
    cz.body.checkoutForms.every(
      (f: any) => f.marketplace.id === 'allegro-cz' && f.summary.totalToPay.currency === 'CZK'
    )
  )
})

t.test('checkout-forms/{id}: found, unknown, malformed, another seller', async (t) => {
  const s = await startSim(t)
  const demo = await login(s)
  const other = await login(s, 'inny_sklep', 'inny1234')
  const order = s.simulator.listOrders()[0]
  let res = await apiJson(s, demo.access_token, `/order/checkout-forms/${order.id}`)
  t.equal(res.status, 200)
  t.same(res.body, order)
  res = await apiJson(s, demo.access_token, '/order/checkout-forms/00000000-0000-4000-8000-000000000000')
  t.equal(res.status, 404)
  t.equal(res.body.errors[0].code, 'CheckoutFormNotFoundException')
  t.match(res.body.errors[0].userMessage, /zamówienia/)
  res = await apiJson(s, demo.access_token, '/order/checkout-forms/123')
  t.equal(res.status, 422)
  res = await apiJson(s, other.access_token, `/order/checkout-forms/${order.id}`)
  t.equal(res.status, 404, "another seller's order looks like a missing one")
  res = await apiJson(s, other.access_token, '/order/checkout-forms')
  t.equal(res.body.totalCount, 0)
  const [mine] = s.simulator.addOrders(1, { seller: 'inny_sklep', at: s.clock.now() })
  res = await apiJson(s, other.access_token, `/order/checkout-forms/${mine.id}`)
  t.equal(res.status, 200)
  res = await apiJson(s, demo.access_token, `/order/checkout-forms/${mine.id}`)
  t.equal(res.status, 404)
})

t.test('events: ascending, from is exclusive, limits, stats, per seller', async (t) => {
  const s = await startSim(t, { initialOrders: 40, ordersPerHour: 0 })
  const { access_token: token } = await login(s)
  const all = s.simulator.listEvents({ seller: 'demo_sklep' })
  t.ok(all.length > 40, 'every order has at least one event')

  let res = await apiJson(s, token, '/order/events')
  t.equal(res.body.events.length, all.length > 100 ? 100 : all.length, 'default limit 100')
  t.equal(res.body.events[0].id, all[0].id, 'without from: the oldest events')
  for (const [query, status] of [
    ['limit=0', 422],
    ['limit=1001', 422],
    ['limit=1000', 200],
    ['from=abc', 400],
    ['type=PAID', 400]
  ] as const) {
    t.equal((await apiJson(s, token, `/order/events?${query}`)).status, status, query)
  }

  const ids: string[] = []
  let cursor: string | undefined
  for (;;) {
    const page = await apiJson(s, token, `/order/events?limit=7${cursor === undefined ? '' : `&from=${cursor}`}`)
    if (page.body.events.length === 0) break
    for (const e of page.body.events) ids.push(e.id)
    cursor = page.body.events[page.body.events.length - 1].id
  }
  t.same(
    ids,
    all.map((e) => e.id),
    'paging with from visits every event once, in order'
  )
  const nums = ids.map(Number)
  t.ok(
    nums.every((n, i) => i === 0 || n > nums[i - 1]),
    'ids strictly increasing'
  )
  t.ok(
    ids.every((id) => /^\d+$/.test(id)),
    'numeric strings'
  )

  const middle = all[10]
  res = await apiJson(s, token, `/order/events?from=${middle.id}&limit=1`)
  t.equal(res.body.events[0].id, all[11].id, 'strictly after from')

  const e = all[0]
  t.match(e, {
    id: String,
    type: /^(BOUGHT|FILLED_IN|READY_FOR_PROCESSING|BUYER_CANCELLED|FULFILLMENT_STATUS_CHANGED|BUYER_MODIFIED|AUTO_CANCELLED)$/,
    occurredAt: /Z$/,
    order: {
      seller: { id: s.simulator.seller('demo_sklep').id },
      buyer: { id: String, login: String, email: String },
      lineItems: [{ id: String, offer: { id: String, name: String }, quantity: Number, price: { amount: String } }],
      checkoutForm: { id: String, revision: /^[0-9a-f]{8}$/ },
      marketplace: { id: String }
    }
  })
  const bought = await apiJson(s, token, '/order/events?type=BOUGHT&limit=1000')
  t.ok(bought.body.events.every((x: any) => x.type === 'BOUGHT'))
  t.equal(bought.body.events.length, 40, 'one BOUGHT per order')

  const stats = await apiJson(s, token, '/order/event-stats')
  t.same(stats.body, { latestEvent: { id: all[all.length - 1].id, occurredAt: all[all.length - 1].occurredAt } })

  // A change recorded now gets an id after the cursor.
  const latest = stats.body.latestEvent.id
  s.clock.advance(1000)
  const order = s.simulator.listOrders().find((o) => o.status !== 'CANCELLED')
  if (order === undefined) throw new Error('no active order')
  s.simulator.cancelOrder(order.id)
  res = await apiJson(s, token, `/order/events?from=${latest}`)
  t.equal(res.body.events.length, 1)
  t.match(res.body.events[0], { type: 'BUYER_CANCELLED', order: { checkoutForm: { id: order.id } } })
  t.equal(s.simulator.getOrder(order.id)?.status, 'CANCELLED')

  const other = await login(s, 'inny_sklep', 'inny1234')
  t.same((await apiJson(s, other.access_token, '/order/event-stats')).body, { latestEvent: null }, 'no events yet')
  t.same((await apiJson(s, other.access_token, '/order/events')).body, { events: [] })
})

t.test('orders arrive and progress as time passes', async (t) => {
  const s = await startSim(t, { initialOrders: 10, ordersPerHour: 12 })
  let { access_token: token } = await login(s)
  let res = await apiJson(s, token, '/order/checkout-forms')
  t.equal(res.body.totalCount, 10)
  const cursor = (await apiJson(s, token, '/order/event-stats')).body.latestEvent.id

  s.clock.advance(5 * HOUR)
  res = await apiJson(s, token, '/order/checkout-forms?limit=100')
  t.ok(
    res.body.totalCount > 25 && res.body.totalCount < 120,
    `about 60 new orders in 5 h (got ${res.body.totalCount - 10})`
  )
  const fresh = res.body.checkoutForms.filter((f: any) => Date.parse(f.lineItems[0].boughtAt) > START)
  t.ok(
    fresh.every((f: any) => Date.parse(f.lineItems[0].boughtAt) <= START + 5 * HOUR),
    'nothing from the future'
  )
  const events = await apiJson(s, token, `/order/events?from=${cursor}&limit=1000`)
  const boughtIds = new Set(
    events.body.events.filter((e: any) => e.type === 'BOUGHT').map((e: any) => e.order.checkoutForm.id)
  )
  t.ok(
    fresh.every((f: any) => boughtIds.has(f.id)),
    'each new order has a BOUGHT event after the old cursor'
  )
  t.ok(
    events.body.events.some((e: any) => e.type === 'READY_FOR_PROCESSING'),
    'payments happen'
  )

  // Orders the test saw unpaid end up paid or cancelled later (or stay unpaid, like real abandoned carts).
  const revisions = new Map(fresh.map((f: any) => [f.id, f.revision]))
  s.clock.advance(10 * DAY)
  t.equal((await api(s, token, '/me')).status, 401, 'a 12-hour token is long gone')
  token = (await login(s)).access_token
  let changed = 0
  for (const [id, revision] of revisions) {
    const now = await apiJson(s, token, `/order/checkout-forms/${String(id)}`)
    if (now.body.revision !== revision) changed++
  }
  t.ok(changed > 0, `some orders changed later: shipped, paid, settled (${changed} of ${revisions.size})`)
})

t.test('the same seed and epoch give the same history, however often it is observed', async (t) => {
  const a = await startSim(t, { seed: 42, initialOrders: 30, ordersPerHour: 20 })
  const b = await startSim(t, { seed: 42, initialOrders: 30, ordersPerHour: 20 })
  const ta = (await login(a)).access_token
  const tb = (await login(b)).access_token
  // a is observed every 20 minutes, b only at the end (like a restart).
  for (let i = 0; i < 9; i++) {
    a.clock.advance(20 * 60_000)
    await api(a, ta, '/order/event-stats')
  }
  b.clock.advance(9 * 20 * 60_000)
  const ea = (await apiJson(a, ta, '/order/events?limit=1000')).body.events
  const eb = (await apiJson(b, tb, '/order/events?limit=1000')).body.events
  t.ok(ea.length > 60)
  t.same(ea, eb, 'identical events, ids included')
  const fa = (await apiJson(a, ta, '/order/checkout-forms?limit=100')).body
  const fb = (await apiJson(b, tb, '/order/checkout-forms?limit=100')).body
  t.same(fa, fb, 'identical orders')

  const c = await startSim(t, { seed: 43, initialOrders: 30, ordersPerHour: 20 })
  const tc = (await login(c)).access_token
  const fc = (await apiJson(c, tc, '/order/checkout-forms?limit=100')).body
  t.not(fc.checkoutForms[0].id, fa.checkoutForms[0].id, 'another seed, other orders')
})

t.test('retention: events for 60 days, orders for about a year', async (t) => {
  const s = await startSim(t, { initialOrders: 20, ordersPerHour: 0 })
  const order = s.simulator.listOrders()[0]
  s.clock.advance(61 * DAY)
  let token = (await login(s)).access_token
  t.same((await apiJson(s, token, '/order/events')).body.events, [], 'events older than 60 days are gone')
  t.equal((await apiJson(s, token, `/order/checkout-forms/${order.id}`)).status, 200, 'the order is still there')
  s.clock.advance(340 * DAY)
  token = (await login(s)).access_token
  t.equal(
    (await apiJson(s, token, `/order/checkout-forms/${order.id}`)).status,
    404,
    'orders older than a year are gone'
  )
  t.equal((await apiJson(s, token, '/order/checkout-forms')).body.totalCount, 0)
  t.equal(s.simulator.listEvents().length, 0)
})
