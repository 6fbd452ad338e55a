import Fastify from 'fastify'
import t from 'tap'
import allegroSimulatorPlugin from '../../../src/simulators/allegro/simulator.plugin.ts'
import { createAllegroSimulator } from '../../../src/simulators/allegro/simulator.ts'
import type { StandaloneSimulator } from '../../../src/simulators/allegro/simulator.ts'
import { ACCEPT, api, BASIC, CLIENT_ID, createClock, login, postForm, refresh, startSim } from './fixtures/sim.ts'

async function statuses(s: StandaloneSimulator, token: string, path: string, n: number): Promise<number[]> {
  const out: number[] = []
  for (let i = 0; i < n; i++) out.push((await api(s, token, path)).status)
  return out
}

t.test('status faults fire exactly `times` times, then disappear', async (t) => {
  const s = await startSim(t)
  const { access_token: token } = await login(s)
  const fault = s.simulator.faults.add({
    method: 'GET',
    path: '/order/checkout-forms',
    times: 2,
    kind: 'status',
    status: 503,
    retryAfter: 7
  })
  const first = await api(s, token, '/order/checkout-forms')
  t.equal(first.status, 503)
  t.equal(first.headers.get('retry-after'), '7')
  t.ok(first.headers.get('trace-id'))
  t.match(await first.json(), { errors: [{ code: String, userMessage: String }] })
  t.same(await statuses(s, token, '/order/checkout-forms', 3), [503, 200, 200])
  t.equal(fault.fired, 2)
  t.same(s.simulator.faults.list(), [], 'removed after firing')
  t.equal(s.simulator.stats.faultsFired, 2)

  s.simulator.faults.add({ path: '/order/checkout-forms', times: 1, kind: 'status', status: 429 })
  const limited = await api(s, token, '/order/checkout-forms?limit=5')
  t.equal(limited.status, 429)
  t.equal((await limited.json()).errors[0].code, 'TooManyRequestsException')
  s.simulator.faults.add({ path: '/order/checkout-forms', kind: 'status', status: 500, body: { custom: true } })
  t.same(await (await api(s, token, '/order/checkout-forms')).json(), { custom: true }, 'custom body')

  // Prefix matching is per path segment; exact and method restrict it.
  s.simulator.faults.add({ path: '/order/checkout-forms', exact: true, kind: 'status', status: 500, times: 5 })
  const order = s.simulator.listOrders()[0]
  t.equal((await api(s, token, `/order/checkout-forms/${order.id}`)).status, 200, 'exact: sub-resource untouched')
  t.equal((await api(s, token, '/order/checkout-forms')).status, 500)
  s.simulator.faults.clear()
  s.simulator.faults.add({ path: '/order', kind: 'status', status: 502, times: 2 })
  t.same(await statuses(s, token, `/order/checkout-forms/${order.id}`, 1), [502], 'prefix covers sub-paths')
  t.same(await statuses(s, token, '/order/events', 2), [502, 200])
  s.simulator.faults.add({ path: '/order/event', kind: 'status', status: 500 })
  t.same(await statuses(s, token, '/order/events', 1), [200], '"/order/event" is not a prefix of "/order/events"')
  s.simulator.faults.clear()
  s.simulator.faults.add({ method: 'POST', path: '/api/me', kind: 'status', status: 500 })
  t.same(await statuses(s, token, '/me', 1), [200], 'method must match; "/api" in the fault path is optional')
  s.simulator.faults.clear()

  // Web-host paths get OAuth-shaped errors.
  const tokens = await login(s)
  s.simulator.faults.add({ path: '/auth/oauth/token', kind: 'status', status: 429, times: 1 })
  const res = await refresh(s, tokens.refresh_token)
  t.equal(res.status, 429)
  t.match(await res.json(), { error: 'too_many_requests' })
  t.equal((await refresh(s, tokens.refresh_token)).status, 200)

  t.throws(() => s.simulator.faults.add({ path: 'bez-ukosnika', kind: 'reset' }), TypeError)
  t.throws(() => s.simulator.faults.add({ path: '/x', kind: 'status', status: 42 }), TypeError)
  t.throws(() => s.simulator.faults.add({ path: '/x', kind: 'reset', times: 0 }), TypeError)
  t.throws(() => s.simulator.faults.add({ path: '/x', kind: 'nope' } as never), TypeError)
})

t.test('delay, reset, malformed and expiredToken faults', async (t) => {
  const s = await startSim(t)
  const { access_token: token } = await login(s)

  s.simulator.faults.add({ path: '/order/events', kind: 'delay', ms: 400, times: 1 })
  await t.rejects(api(s, token, '/order/events', { signal: AbortSignal.timeout(100) }), 'client timeout fires')
  t.equal((await api(s, token, '/order/events')).status, 200, 'the fault fired once only')
  s.simulator.faults.add({ path: '/order/events', kind: 'delay', ms: 150 })
  const started = Date.now()
  const delayed = await api(s, token, '/order/events')
  t.equal(delayed.status, 200, 'a delayed request still succeeds')
  t.ok(Date.now() - started >= 140)

  s.simulator.faults.add({ path: '/order/checkout-forms', kind: 'reset', times: 2 })
  await t.rejects(api(s, token, '/order/checkout-forms'), 'socket destroyed')
  await t.rejects(api(s, token, '/order/checkout-forms'))
  t.equal((await api(s, token, '/order/checkout-forms')).status, 200)

  s.simulator.faults.add({ path: '/order/checkout-forms', kind: 'malformed', times: 1 })
  const broken = await api(s, token, '/order/checkout-forms')
  t.equal(broken.status, 200)
  t.match(broken.headers.get('content-type'), /vnd\.allegro/)
  await t.rejects(broken.json(), SyntaxError)
  t.equal((await api(s, token, '/order/checkout-forms')).status, 200)

  s.simulator.faults.add({ path: '/me', kind: 'expiredToken' })
  const expired = await api(s, token, '/me')
  t.equal(expired.status, 401)
  t.match(await expired.json(), { error: 'invalid_token' })
  t.equal((await api(s, token, '/me')).status, 200, 'the token itself still works')

  t.same(
    s.simulator.faults.history.map((h) => h.kind),
    ['delay', 'delay', 'reset', 'reset', 'malformed', 'expiredToken']
  )
})

t.test('control routes exist only when enabled', async (t) => {
  const off = await startSim(t)
  t.equal(
    (
      await fetch(`${off.url}/__sim/faults`, {
        method: 'POST',
        body: '{}',
        headers: { 'content-type': 'application/json' }
      })
    ).status,
    404
  )

  const s = await startSim(t, { controlRoutes: true, initialOrders: 0, ordersPerHour: 0 })
  const { access_token: token } = await login(s)
  let res = await fetch(`${s.url}/__sim/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ path: '/order/checkout-forms', kind: 'status', status: 500, times: 2 })
  })
  t.equal(res.status, 201)
  t.same(await statuses(s, token, '/order/checkout-forms', 3), [500, 500, 200])
  res = await fetch(`${s.url}/__sim/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"path":"x"}'
  })
  t.equal(res.status, 400)
  await fetch(`${s.url}/__sim/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify([{ path: '/me', kind: 'status', status: 500 }])
  })
  t.equal((await fetch(`${s.url}/__sim/faults`, { method: 'DELETE' })).status, 204)
  t.equal((await api(s, token, '/me')).status, 200, 'cleared')

  res = await fetch(`${s.url}/__sim/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ count: 25, status: 'READY_FOR_PROCESSING' })
  })
  t.equal(res.status, 201)
  t.equal((await res.json()).ids.length, 25)
  const list = await (await api(s, token, '/order/checkout-forms')).json()
  t.equal(list.totalCount, 25)
  const stats = await (await fetch(`${s.url}/__sim/stats`)).json()
  t.ok(stats.requests['GET /order/checkout-forms'] >= 4, 'per-route request counts')
  t.equal(stats.requests['POST /__sim/orders'], undefined, 'control traffic is not counted')
  t.equal((await fetch(`${s.url}/__sim/expire-access-tokens`, { method: 'POST' })).status, 204)
  t.equal((await api(s, token, '/me')).status, 401)
})

t.test('mounted inside a host app: own parsers, own 404s, host untouched', async (t) => {
  const clock = createClock()
  const simulator = createAllegroSimulator({ now: clock.now, initialOrders: 20, secret: 'x' })
  const host = Fastify()
  t.teardown(() => host.close())
  // A host whose parsers would break the simulator if they leaked in.
  host.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) =>
    done(null, { hostParsed: body })
  )
  host.removeContentTypeParser('application/json')
  host.addContentTypeParser('application/json', (_req, _payload, done) =>
    done(new Error('host json parser must not be used'), undefined)
  )
  host.setNotFoundHandler((_req, reply) => reply.code(404).send('host 404'))
  host.post('/formularz', async (request) => request.body)
  await host.register(allegroSimulatorPlugin, { prefix: '/symulator-allegro', simulator })
  await host.ready()

  let res = await host.inject({
    method: 'POST',
    url: '/formularz',
    payload: 'a=1',
    headers: { 'content-type': 'application/x-www-form-urlencoded' }
  })
  t.same(res.json(), { hostParsed: 'a=1' }, 'host keeps its parsers')
  res = await host.inject({ url: '/nie-ma' })
  t.equal(res.body, 'host 404')

  const basic = { authorization: BASIC, 'content-type': 'application/x-www-form-urlencoded' }
  res = await host.inject({
    method: 'POST',
    url: '/symulator-allegro/auth/oauth/device',
    payload: `client_id=${CLIENT_ID}`,
    headers: { ...basic, host: 'biurko.example:8080' }
  })
  t.equal(res.statusCode, 200)
  const device = res.json()
  t.equal(
    device.verification_uri,
    'http://biurko.example:8080/symulator-allegro/skojarz-aplikacje',
    'URLs include the mount prefix'
  )

  res = await host.inject({ url: `/symulator-allegro/skojarz-aplikacje?code=${String(device.user_code)}` })
  t.equal(res.statusCode, 200)
  res = await host.inject({
    method: 'POST',
    url: '/symulator-allegro/skojarz-aplikacje',
    payload: new URLSearchParams({ code: device.user_code, login: 'demo_sklep', password: 'demo1234' }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' }
  })
  t.equal(res.statusCode, 200)
  t.match(res.body, /Aplikacja została powiązana z kontem demo_sklep/)
  res = await host.inject({
    method: 'POST',
    url: `/symulator-allegro/auth/oauth/token?grant_type=urn:ietf:params:oauth:grant-type:device_code&device_code=${String(device.device_code)}`,
    headers: { authorization: BASIC }
  })
  t.equal(res.statusCode, 200)
  const token = res.json().access_token

  const headers = { accept: ACCEPT, authorization: `Bearer ${String(token)}` }
  res = await host.inject({ url: '/symulator-allegro/api/order/checkout-forms?limit=5', headers })
  t.equal(res.statusCode, 200)
  t.equal(res.json().totalCount, 20)
  res = await host.inject({ url: '/symulator-allegro/api/nie-ma', headers })
  t.equal(res.statusCode, 404)
  t.equal(res.json().errors[0].code, 'NotFoundException')
  res = await host.inject({ url: '/symulator-allegro/nie-ma' })
  t.equal(res.statusCode, 404)
  t.match(res.body, /Nie możemy wyświetlić strony/)
  t.ok(res.headers['trace-id'])

  const order = simulator.listOrders()[0]
  res = await host.inject({
    method: 'POST',
    url: `/symulator-allegro/api/order/checkout-forms/${order.id}/invoices`,
    headers: { ...headers, 'content-type': ACCEPT },
    payload: JSON.stringify({ file: { name: 'a.pdf' } })
  })
  t.equal(res.statusCode, 201, 'the simulator parses its JSON itself')
  t.same(simulator.stats.requests['POST /order/checkout-forms/:id/invoices'], 1, 'stats keys drop prefix and /api')
  simulator.faults.add({ path: '/order/events', kind: 'status', status: 503 })
  res = await host.inject({ url: '/symulator-allegro/api/order/events', headers })
  t.equal(res.statusCode, 503, 'fault paths are relative to the mount point')

  res = await host.inject({ url: '/symulator-allegro/' })
  t.equal(res.statusCode, 200)
  t.match(res.body, /Symulator Allegro/)
})

t.test('standalone server with a prefix', async (t) => {
  const s = await startSim(t, { prefix: '/symulator-allegro/' })
  t.match(s.url, /\/symulator-allegro$/)
  t.equal(s.apiUrl, `${s.url}/api`)
  const res = await postForm(`${s.url}/auth/oauth/device`, { client_id: CLIENT_ID }, { authorization: BASIC })
  t.equal((await res.json()).verification_uri, `${s.url}/skojarz-aplikacje`)
})
