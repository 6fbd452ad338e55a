// Issue 16, "The demo simulators cannot be abused": an anonymous flood of the simulators' public
// endpoints gets 429s, and whatever a flood makes them hold (device grants, authorization codes,
// KSeF challenges, the limiters' own per-address counters) stays under a fixed count of entries,
// also when the flood comes from many addresses. Their authorization page sends the browser back
// to the app itself only.
import Fastify from 'fastify'
import t from 'tap'
import { MAX_DEVICE_GRANTS } from '../../src/simulators/allegro/oauth.ts'
import { createAllegroSimulator, WEB_RATE_LIMIT } from '../../src/simulators/allegro/simulator.ts'
import allegroSimulatorPlugin from '../../src/simulators/allegro/simulator.plugin.ts'
import ksefSimulatorPlugin from '../../src/simulators/ksef/plugin.ts'
import { PUBLIC_LIMITS } from '../../src/simulators/shared/rate-limits.ts'
import { KsefSimulator } from '../../src/simulators/ksef/simulator.ts'
import { build } from '../helpers/app.ts'

const BASIC = `Basic ${Buffer.from('dowolny-klient:sekret').toString('base64')}`
const form = { 'content-type': 'application/x-www-form-urlencoded' }

t.test(
  'in the app: an anonymous flood of the Allegro and KSeF simulators gets 429 and they hold only what was let through',
  async (t) => {
    const { app } = await build(t, { config: { SIMULATOR_ENABLED: 'true', KSEF_SIMULATOR_ENABLED: 'true' } })
    const allegro = app.allegroSimulator
    const ksef = app.ksefSimulator
    if (allegro === null || ksef === null) throw new Error('simulators not mounted')

    const statuses = new Map<number, number>()
    let retryAfter: string | undefined
    for (let i = 0; i < 1000; i++) {
      const response = await app.inject({
        method: 'POST',
        url: '/symulator-allegro/auth/oauth/device',
        headers: { authorization: BASIC, ...form },
        payload: 'client_id=dowolny-klient'
      })
      const refusedRightly = response.statusCode === 429 && response.json().error === 'too_many_requests'
      const key = response.statusCode === 429 && !refusedRightly ? -429 : response.statusCode
      statuses.set(key, (statuses.get(key) ?? 0) + 1)
      if (refusedRightly) retryAfter ??= String(response.headers['retry-after'])
    }
    const letThrough = statuses.get(200) ?? 0
    t.equal(letThrough + (statuses.get(429) ?? 0), 1000, 'every answer is 200 or 429 with error too_many_requests')
    t.ok(
      (statuses.get(429) ?? 0) >= 1000 - WEB_RATE_LIMIT.perMinute!,
      `1000 device requests: ${statuses.get(429) ?? 0} refused with 429`
    )
    t.ok(letThrough <= WEB_RATE_LIMIT.perMinute!, `${letThrough} let through, at most the minute's limit`)
    t.match(retryAfter, /^\d+$/, 'with Retry-After')
    t.equal(allegro.heldGrants.deviceGrants, letThrough, 'a device grant only for a request let through')
    const page = await app.inject({ method: 'GET', url: '/symulator-allegro/skojarz-aplikacje' })
    t.equal(page.statusCode, 429, 'the pages of the same address too')
    t.match(page.body, 'Zbyt wiele żądań')
    t.equal(allegro.webLimiter?.size, 1, 'one address, one counter')

    // KSeF's own limits off (as in the benchmark): the challenge still has the public limit
    ksef.setRateLimits(false)
    let challenges = 0
    let refused = 0
    for (let i = 0; i < 400; i++) {
      const response = await app.inject({ method: 'POST', url: '/symulator-ksef/v2/auth/challenge' })
      if (response.statusCode === 200) challenges++
      else if (response.statusCode === 429 && /^\d+$/.test(String(response.headers['retry-after']))) refused++
    }
    t.equal(challenges + refused, 400, 'every answer is 200 or 429 with Retry-After')
    t.ok(refused >= 400 - PUBLIC_LIMITS.challenge.perMinute!, `400 challenges: ${refused} refused`)
    t.equal(ksef.stats().challenges, challenges, 'a stored challenge only for a request let through')
    const demo = []
    for (let i = 0; i < 80; i++)
      demo.push((await app.inject({ method: 'GET', url: '/symulator-ksef/demo/token' })).statusCode)
    t.ok(
      demo.filter((status) => status === 429).length >= 80 - PUBLIC_LIMITS.demo.perMinute!,
      'the demo token page is limited too'
    )
  }
)

t.test('a flood from many addresses: the counters and the grants stay under their caps', async (t) => {
  t.setTimeout(120_000)
  const sim = createAllegroSimulator({ initialOrders: 0, ordersPerHour: 0, maxRateKeys: 50 })
  const app = Fastify()
  await app.register(allegroSimulatorPlugin, { simulator: sim })
  t.teardown(async () => {
    await app.close()
  })
  const address = (i: number): string => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`
  let ok = 0
  for (let i = 0; i < MAX_DEVICE_GRANTS + 200; i++) {
    const response = await app.inject({
      method: 'POST',
      url: '/auth/oauth/device',
      remoteAddress: address(i),
      headers: { authorization: BASIC, ...form },
      payload: 'client_id=dowolny-klient'
    })
    if (response.statusCode === 200) ok++
  }
  t.equal(ok, MAX_DEVICE_GRANTS + 200, 'one request per address: none limited')
  t.equal(
    sim.heldGrants.deviceGrants,
    MAX_DEVICE_GRANTS,
    `device grants held: ${MAX_DEVICE_GRANTS}, the oldest dropped`
  )
  t.equal(sim.webLimiter?.size, 50, 'the limiter tracks 50 addresses, the least recently seen forgotten')

  const ksef = await KsefSimulator.create({
    rateLimits: false,
    rateClock: () => 0,
    limits: { maxRateKeys: 40, maxChallenges: 300 }
  })
  const kapp = Fastify()
  await kapp.register(ksefSimulatorPlugin, { simulator: ksef, prefix: '/k' })
  t.teardown(async () => {
    await kapp.close()
  })
  for (let i = 0; i < 1000; i++) {
    await kapp.inject({ method: 'POST', url: '/k/v2/auth/challenge', remoteAddress: address(i % 200) })
  }
  t.equal(ksef.stats().challenges, 300, 'challenges held: at most maxChallenges')
  t.equal(ksef.publicLimiter.size, 40, 'the public limiter tracks 40 addresses')
})

t.test('the authorization page returns only to the app itself', async (t) => {
  const { app } = await build(t, { config: { SIMULATOR_ENABLED: 'true', PUBLIC_URL: 'http://localhost:3000' } })
  const authorize = (redirect: string): string =>
    `/symulator-allegro/auth/oauth/authorize?${new URLSearchParams({ response_type: 'code', client_id: 'klient', redirect_uri: redirect, state: 's' }).toString()}`
  t.equal(
    (await app.inject({ method: 'GET', url: authorize('http://localhost:3000/powrot') })).statusCode,
    200,
    "the app's own address"
  )
  for (const evil of [
    'https://evil.example/cb',
    'http://localhost:3001/powrot',
    'http://localhost:3000@evil.example/cb',
    'http://127.0.0.1:3000/powrot',
    '//evil.example/cb'
  ]) {
    const page = await app.inject({ method: 'GET', url: authorize(evil) })
    t.equal(page.statusCode, 400, `GET with redirect_uri ${evil}: 400`)
    const denied = await app.inject({
      method: 'POST',
      url: '/symulator-allegro/auth/oauth/authorize',
      headers: form,
      payload: new URLSearchParams({
        response_type: 'code',
        client_id: 'klient',
        redirect_uri: evil,
        decision: 'deny'
      }).toString()
    })
    t.equal(denied.statusCode, 400, `deny with redirect_uri ${evil}: 400`)
    t.equal(denied.headers.location, undefined, 'and no redirect')
    const approved = await app.inject({
      method: 'POST',
      url: '/symulator-allegro/auth/oauth/authorize',
      headers: form,
      payload: new URLSearchParams({
        response_type: 'code',
        client_id: 'klient',
        redirect_uri: evil,
        login: 'demo_sklep',
        password: 'demo1234'
      }).toString()
    })
    t.equal(approved.statusCode, 400, 'approving sends no code there either')
    t.equal(approved.headers.location, undefined)
  }
  t.match(
    (await app.inject({ method: 'GET', url: authorize('https://evil.example/cb') })).body,
    'musi prowadzić do aplikacji'
  )
  const back = await app.inject({
    method: 'POST',
    url: '/symulator-allegro/auth/oauth/authorize',
    headers: form,
    payload: new URLSearchParams({
      response_type: 'code',
      client_id: 'klient',
      redirect_uri: 'http://localhost:3000/powrot',
      login: 'demo_sklep',
      password: 'demo1234'
    }).toString()
  })
  t.equal(back.statusCode, 303)
  t.match(back.headers.location, /^http:\/\/localhost:3000\/powrot\?code=/, 'the app gets its code')

  // the simulator on its own: loopback addresses unless --app-url names the app
  const alone = createAllegroSimulator({ initialOrders: 0, ordersPerHour: 0 })
  const standalone = Fastify()
  await standalone.register(allegroSimulatorPlugin, { simulator: alone })
  t.teardown(async () => {
    await standalone.close()
  })
  const plain = (redirect: string): string =>
    `/auth/oauth/authorize?${new URLSearchParams({ response_type: 'code', client_id: 'klient', redirect_uri: redirect }).toString()}`
  t.equal((await standalone.inject({ method: 'GET', url: plain('http://127.0.0.1:3000/powrot') })).statusCode, 200)
  t.equal((await standalone.inject({ method: 'GET', url: plain('http://localhost:3000/powrot') })).statusCode, 200)
  t.equal((await standalone.inject({ method: 'GET', url: plain('https://evil.example/cb') })).statusCode, 400)
  t.equal((await standalone.inject({ method: 'GET', url: plain('http://127.0.0.1.evil.example/cb') })).statusCode, 400)
})
