import t from 'tap'
import { apiJson, login, startSim } from './fixtures/sim.ts'

t.test('shortPages: a list cut short under a huge totalCount, then back to normal', async (t) => {
  const s = await startSim(t, { initialOrders: 30, ordersPerHour: 0 })
  const { access_token: token } = await login(s)
  s.simulator.faults.add({
    method: 'GET',
    path: '/order/checkout-forms',
    exact: true,
    kind: 'shortPages',
    pageSize: 2,
    totalCount: 1_000_000
  })
  let res = await apiJson(s, token, '/order/checkout-forms?limit=10')
  t.equal(res.status, 200)
  t.equal(res.body.checkoutForms.length, 2)
  t.equal(res.body.count, 2)
  t.equal(res.body.totalCount, 1_000_000)
  res = await apiJson(s, token, '/order/checkout-forms?limit=10')
  t.equal(res.body.checkoutForms.length, 10, 'the fault fired once')
  t.equal(res.body.totalCount, 30)
  s.simulator.faults.add({ method: 'GET', path: '/sale/offers', kind: 'shortPages', pageSize: 1, totalCount: 500 })
  res = await apiJson(s, token, '/sale/offers?limit=5')
  t.same([res.body.offers.length, res.body.totalCount], [1, 500], 'offers too')
})

t.test('transform: the answer passed through a function, on a copy', async (t) => {
  const s = await startSim(t, { initialOrders: 5, ordersPerHour: 0 })
  const { access_token: token } = await login(s)
  const [order] = s.simulator.listOrders()
  s.simulator.faults.add({
    path: `/order/checkout-forms/${order.id}`,
    exact: true,
    kind: 'transform',
    transform: (body: any) => {
      delete body.revision
      body.buyer.address.countryCode = 'pl'
      return body
    }
  })
  const res = await apiJson(s, token, `/order/checkout-forms/${order.id}`)
  t.equal(res.body.revision, undefined)
  t.equal(res.body.buyer.address.countryCode, 'pl')
  t.equal(s.simulator.getOrder(order.id)?.revision, order.revision, "the simulator's order is untouched")
  t.throws(() => s.simulator.faults.add({ path: '/me', kind: 'transform' } as never), /transform must be a function/)
  t.throws(() => s.simulator.faults.add({ path: '/me', kind: 'shortPages', pageSize: -1, totalCount: 1 }), /pageSize/)
})

t.test('injectEvent: an event as given, with the next id, in the feed after the cursor', async (t) => {
  const s = await startSim(t, { initialOrders: 5, ordersPerHour: 0 })
  const { access_token: token } = await login(s)
  const stats = await apiJson(s, token, '/order/event-stats')
  const injected = s.simulator.injectEvent({ type: 'BOUGHT', order: { buyer: { id: '1' } } })
  t.ok(BigInt(injected.id) > BigInt(stats.body.latestEvent.id), 'ids keep increasing')
  const res = await apiJson(s, token, `/order/events?from=${stats.body.latestEvent.id}`)
  t.same(res.body.events, [
    { id: injected.id, occurredAt: injected.occurredAt, type: 'BOUGHT', order: { buyer: { id: '1' } } }
  ])
  t.equal((await apiJson(s, token, '/order/event-stats')).body.latestEvent.id, injected.id)
})
