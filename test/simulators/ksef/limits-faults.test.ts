// KSeF's request limits (limity-api.md: per context and address, 1 s / 1 min / 1 h windows,
// 429 with Retry-After) on the simulator clock, and fault injection through the control routes.
import t from 'tap'
import {
  demoToken,
  fa3Invoice,
  invoiceStatus,
  manualClock,
  openSession,
  publicKeys,
  rsaOaep,
  SELLER_NIP,
  sendInvoice,
  startSim,
  tokenLogin,
  authStatus
} from './helpers.ts'

const OTHER_NIP = '7751234564'

t.test(
  'invoice sending: 10/s, 30/min, 180/h per context, 429 with Retry-After; another context has its own',
  async (t) => {
    const clock = manualClock()
    const sim = await startSim(t, { now: clock.now, rateLimits: true, accessTokenTtlSeconds: 7200 })
    const a = await tokenLogin(sim.api, SELLER_NIP, await demoToken(sim.url, SELLER_NIP))
    const b = await tokenLogin(sim.api, OTHER_NIP, await demoToken(sim.url, OTHER_NIP))
    const send = async (access: string): Promise<{ status: number; retryAfter: string | null }> => {
      const r = await sim.api('POST', '/sessions/online/20261207-SO-0000000000-0000000000-00/invoices', {
        bearer: access,
        body: {}
      })
      return { status: r.status, retryAfter: r.headers.get('retry-after') }
    }
    const statuses: number[] = []
    for (let i = 0; i < 10; i++) statuses.push((await send(a.accessToken)).status)
    t.same(statuses, Array(10).fill(400), 'ten in a second are let through (and refused for what they are)')
    const over = await send(a.accessToken)
    t.equal(over.status, 429)
    t.equal(over.retryAfter, '1')
    t.equal((await send(b.accessToken)).status, 400, 'the other company is not held back')

    for (let second = 1; second <= 2; second++) {
      clock.advance(1000)
      for (let i = 0; i < 10; i++) t.equal((await send(a.accessToken)).status, 400)
    }
    clock.advance(1000)
    const minute = await send(a.accessToken)
    t.equal(minute.status, 429, '30 in a minute')
    t.ok(
      Number(minute.retryAfter) > 50 && Number(minute.retryAfter) <= 60,
      `Retry-After ${minute.retryAfter ?? ''} until the first one leaves the minute`
    )
    clock.advance(Number(minute.retryAfter) * 1000)
    t.equal((await send(a.accessToken)).status, 400, 'after Retry-After it fits again')

    // the hour: 180 in total
    let sent = 31
    while (sent < 180) {
      clock.advance(60_000)
      for (let i = 0; i < 10 && sent < 180; i++, sent++) t.equal((await send(a.accessToken)).status, 400)
    }
    clock.advance(60_000)
    const hour = await send(a.accessToken)
    t.equal(hour.status, 429, '180 in an hour')
    t.ok(Number(hour.retryAfter) > 60, 'Retry-After counts to the hour window')
  }
)

t.test('limits switched off and replaced through /demo/rate-limits', async (t) => {
  const clock = manualClock()
  const sim = await startSim(t, { now: clock.now, rateLimits: true, controlRoutes: true })
  const login = await tokenLogin(sim.api, SELLER_NIP, await demoToken(sim.url, SELLER_NIP))
  const control = async (body: unknown): Promise<number> =>
    (
      await fetch(`${sim.url}/demo/rate-limits`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body)
      })
    ).status
  const burst = async (n: number): Promise<number[]> => {
    const out: number[] = []
    for (let i = 0; i < n; i++)
      out.push(
        (
          await sim.api(
            'GET',
            '/sessions/20261207-SO-0000000000-0000000000-00/invoices/20261207-EE-0000000000-0000000000-00',
            { bearer: login.accessToken }
          )
        ).status
      )
    return out
  }
  t.equal(await control({ enabled: false }), 204)
  t.notOk((await burst(40)).includes(429), 'off: 40 status reads in one instant')
  t.equal(await control({ limits: { invoiceStatus: { perSecond: 2, perMinute: null, perHour: null } } }), 204)
  t.same(await burst(3), [400, 400, 429])
  t.equal(await control({ enabled: true }), 204)
  t.same((await burst(31)).slice(-2), [400, 429], 'the real 30/s of invoice status')
  t.equal(await control({ limits: { invoiceStatus: { perSecond: 0 } } }), 400)
  t.equal(await control('nie'), 400)
})

t.test(
  'fault injection: status with Retry-After, reset, malformed JSON, expired token, delay, processing 550',
  async (t) => {
    const sim = await startSim(t, { controlRoutes: true })
    const login = await tokenLogin(sim.api, SELLER_NIP, await demoToken(sim.url, SELLER_NIP))
    const fault = async (spec: unknown): Promise<Response> =>
      await fetch(`${sim.url}/demo/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(spec)
      })
    t.equal(
      (await fault({ path: '/security/public-key-certificates', kind: 'status', status: 503, retryAfter: 7, times: 2 }))
        .status,
      201
    )
    const r1 = await sim.api('GET', '/security/public-key-certificates')
    t.equal(r1.status, 503)
    t.equal(r1.headers.get('retry-after'), '7')
    t.equal(r1.json.exception.exceptionDetailList[0].exceptionCode, 500)
    t.equal((await sim.api('GET', '/security/public-key-certificates')).status, 503)
    t.equal((await sim.api('GET', '/security/public-key-certificates')).status, 200, 'gone after `times`')

    await fault({ path: '/sessions/online', method: 'POST', kind: 'status', status: 429, retryAfter: 3 })
    const limited = await sim.api('POST', '/sessions/online', { bearer: login.accessToken, body: {} })
    t.equal(limited.status, 429)
    t.equal(limited.headers.get('retry-after'), '3')

    await fault({ path: '/auth/challenge', kind: 'reset' })
    await t.rejects(
      fetch(`${sim.apiUrl}/auth/challenge`, { method: 'POST' }),
      'the connection is dropped without an answer'
    )
    t.equal((await sim.api('POST', '/auth/challenge')).status, 200)

    await fault({ path: '/auth/challenge', kind: 'malformed' })
    const bad = await sim.api('POST', '/auth/challenge')
    t.equal(bad.status, 200)
    t.equal(bad.json, null, 'the body does not parse as JSON')
    t.throws(() => JSON.parse(bad.text))

    await fault({ path: '/sessions/online', kind: 'expiredToken' })
    const expired = await sim.api('POST', '/sessions/online', { bearer: login.accessToken, body: {} })
    t.equal(expired.status, 401)
    t.match(expired.json.detail, /wygasł/)

    await fault({ path: '/security/public-key-certificates', kind: 'delay', ms: 20 })
    t.equal((await sim.api('GET', '/security/public-key-certificates')).status, 200, 'a delayed answer still comes')

    const s = await openSession(sim.api, login.accessToken)
    await fault({ path: `/sessions/online/${s.ref}/invoices`, kind: 'processing' })
    const sent = await sendInvoice(sim.api, login.accessToken, s, fa3Invoice())
    t.equal(sent.status, 202, 'accepted, then cancelled by the system')
    const st = await invoiceStatus(sim.api, login.accessToken, s.ref, sent.json.referenceNumber)
    t.equal(st.json.status.code, 550)
    t.equal(st.json.ksefNumber, null)
    const retry = await sendInvoice(sim.api, login.accessToken, s, fa3Invoice())
    const st2 = await invoiceStatus(sim.api, login.accessToken, s.ref, retry.json.referenceNumber)
    t.equal(st2.json.status.code, 200, 'sent again after 550: accepted once, not a duplicate')

    await fault({ path: '/auth/ksef-token', kind: 'processing' })
    const keys = await publicKeys(sim.api)
    const ch = await sim.api('POST', '/auth/challenge')
    const token = await demoToken(sim.url, SELLER_NIP)
    const init = await sim.api('POST', '/auth/ksef-token', {
      body: {
        challenge: ch.json.challenge,
        contextIdentifier: { type: 'Nip', value: SELLER_NIP },
        encryptedToken: rsaOaep(keys.token.certificate, Buffer.from(`${token}|${ch.json.timestampMs as number}`))
      }
    })
    t.equal(
      (await authStatus(sim.api, init.json.referenceNumber, init.json.authenticationToken.token)).json.status.code,
      550
    )

    const listed = (await (await fetch(`${sim.url}/demo/faults`)).json()) as {
      faults: unknown[]
      history: Array<{ kind: string }>
    }
    t.same(listed.faults, [], 'every fault fired')
    t.same(
      listed.history.map((h) => h.kind),
      ['status', 'status', 'status', 'reset', 'malformed', 'expiredToken', 'delay', 'processing', 'processing']
    )
    t.equal((await fault({ path: 'bez-ukosnika', kind: 'reset' })).status, 400)
    t.equal((await fault({ path: '/x', kind: 'nieznany' })).status, 400)
    await fault({ path: '/x', kind: 'reset', times: 5 })
    t.equal((await fetch(`${sim.url}/demo/faults`, { method: 'DELETE' })).status, 204)
    t.same(((await (await fetch(`${sim.url}/demo/faults`)).json()) as { faults: unknown[] }).faults, [])
  }
)
