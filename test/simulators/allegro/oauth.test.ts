import { createHash } from 'node:crypto'
import t from 'tap'
import { startStandaloneSimulator } from '../../../src/simulators/allegro/simulator.ts'
import {
  ACCEPT,
  api,
  BASIC,
  CLIENT_ID,
  login,
  pollToken,
  postForm,
  refresh,
  startDevice,
  startSim
} from './fixtures/sim.ts'

t.test('device flow end to end: pending, slow_down, approval on the page, token, single use', async (t) => {
  const s = await startSim(t)
  const device = await startDevice(s)
  t.match(device, {
    device_code: String,
    user_code: /^[A-Z]{3}-\d{3}-[A-Z]{3}$/,
    verification_uri: `${s.url}/skojarz-aplikacje`,
    expires_in: 3600,
    interval: 5
  })
  t.equal(device.verification_uri_complete, `${s.url}/skojarz-aplikacje?code=${String(device.user_code)}`)

  let res = await pollToken(s, String(device.device_code))
  t.equal(res.status, 400)
  t.same(await res.json(), { error: 'authorization_pending', error_description: 'Authorization pending' })
  res = await pollToken(s, String(device.device_code))
  t.equal((await res.json()).error, 'slow_down', 'polling faster than the interval')

  const page = await fetch(String(device.verification_uri_complete))
  t.equal(page.status, 200)
  t.match(page.headers.get('content-type'), /text\/html/)
  const html = await page.text()
  t.match(html, `value="${String(device.user_code)}"`)
  t.match(html, /Login/)
  t.match(html, /Hasło/)
  t.match(html, /demo_sklep/)
  t.match(html, /demo1234/)
  t.match(html, /action="skojarz-aplikacje"/, 'relative form action')
  t.notMatch(html, /<script|<style|style=/, 'nothing the host CSP would block')

  // Wrong password: 422, code and login kept, password not.
  res = await postForm(`${s.url}/skojarz-aplikacje`, {
    code: String(device.user_code),
    login: 'demo_sklep',
    password: 'zle'
  })
  t.equal(res.status, 422)
  const again = await res.text()
  t.match(again, /Nieprawidłowy login lub hasło/)
  t.match(again, 'value="demo_sklep"')
  t.notMatch(again, /value="zle"/)

  res = await postForm(`${s.url}/skojarz-aplikacje`, { code: 'XXX-999-XXX', login: 'demo_sklep', password: 'demo1234' })
  t.equal(res.status, 422)
  t.match(await res.text(), /Nie znaleziono takiego kodu/)

  // Codes are accepted in lower case and without dashes.
  const loose = String(device.user_code).toLowerCase().replace(/-/g, ' ')
  res = await postForm(`${s.url}/skojarz-aplikacje`, {
    code: loose,
    login: 'demo_sklep',
    password: 'demo1234',
    decision: 'approve'
  })
  t.equal(res.status, 200)
  t.match(await res.text(), 'Aplikacja została powiązana z kontem demo_sklep. Możesz wrócić do Biurka.')

  res = await postForm(`${s.url}/skojarz-aplikacje`, {
    code: String(device.user_code),
    login: 'demo_sklep',
    password: 'demo1234'
  })
  t.equal(res.status, 422)
  t.match(await res.text(), /już wykorzystany/)

  res = await pollToken(s, String(device.device_code))
  t.equal(res.status, 200)
  const tokens = await res.json()
  t.match(tokens, {
    access_token: String,
    token_type: 'bearer',
    refresh_token: String,
    expires_in: 43199,
    scope: /allegro:api:orders:read/,
    jti: String
  })

  res = await pollToken(s, String(device.device_code))
  t.equal(res.status, 400)
  t.equal((await res.json()).error, 'invalid_grant', 'a device code works once')

  const me = await api(s, tokens.access_token, '/me')
  t.equal(me.status, 200)
  t.same(await me.json(), {
    id: s.simulator.seller('demo_sklep').id,
    login: 'demo_sklep',
    firstName: 'Dorota',
    lastName: 'Kwiatkowska',
    email: 'demo_sklep@symulator.allegro.invalid',
    baseMarketplace: { id: 'allegro-pl' },
    company: { name: 'Sklep Demo Dorota Kwiatkowska', taxId: s.simulator.seller('demo_sklep').nip }
  })
  t.equal(s.simulator.deviceAuthorizations()[0].status, 'used')
})

t.test('device flow: deny, expiry, the other seller, client checks', async (t) => {
  const s = await startSim(t, { deviceInterval: 0, deviceCodeTtlSeconds: 600 })
  let device = await startDevice(s)
  t.equal(device.interval, 0)
  let res = await postForm(`${s.url}/skojarz-aplikacje`, { code: String(device.user_code), decision: 'deny' })
  t.equal(res.status, 200)
  t.match(await res.text(), /Odmówiono dostępu/)
  res = await pollToken(s, String(device.device_code))
  t.same(await res.json(), { error: 'access_denied', error_description: 'User denied access' })

  device = await startDevice(s)
  s.clock.advance(601_000)
  res = await pollToken(s, String(device.device_code))
  t.equal(res.status, 400)
  t.equal((await res.json()).error, 'expired_token')
  t.throws(() => s.simulator.approveDevice(String(device.user_code), 'demo_sklep', 'demo1234'), /expired/)

  const other = await login(s, 'inny_sklep', 'inny1234')
  const me = await (await api(s, other.access_token, '/me')).json()
  t.equal(me.login, 'inny_sklep', 'tokens carry the account that approved')
  t.throws(() => s.simulator.approveDevice('ABC-234-DEF', 'demo_sklep', 'demo1234'), /unknown_code/)

  // Basic auth is mandatory and must be well formed.
  res = await postForm(`${s.url}/auth/oauth/device`, { client_id: CLIENT_ID })
  t.equal(res.status, 401)
  t.equal((await res.json()).error, 'unauthorized')
  res = await postForm(
    `${s.url}/auth/oauth/device`,
    { client_id: CLIENT_ID },
    { authorization: 'Basic ' + Buffer.from('bezdwukropka').toString('base64') }
  )
  t.equal(res.status, 401)
  res = await postForm(`${s.url}/auth/oauth/device`, {}, { authorization: BASIC })
  t.equal(res.status, 400)
  t.equal((await res.json()).error, 'invalid_request')
  // client_id may come in the query string too.
  res = await fetch(`${s.url}/auth/oauth/device?client_id=${CLIENT_ID}`, {
    method: 'POST',
    headers: { authorization: BASIC }
  })
  t.equal(res.status, 200)
  res = await fetch(`${s.url}/auth/oauth/token?grant_type=password`, {
    method: 'POST',
    headers: { authorization: BASIC }
  })
  t.equal((await res.json()).error, 'unsupported_grant_type')
  res = await fetch(`${s.url}/auth/oauth/token?grant_type=refresh_token&refresh_token=x`, { method: 'POST' })
  t.equal(res.status, 401)
})

t.test('refresh rotation: new pair each time, old token usable for 60 s, then invalid_grant', async (t) => {
  const s = await startSim(t)
  const first = await login(s)
  s.simulator.resetStats()

  let res = await refresh(s, first.refresh_token)
  t.equal(res.status, 200)
  const second = await res.json()
  t.not(second.refresh_token, first.refresh_token, 'refresh token rotates')
  t.not(second.access_token, first.access_token)
  t.equal(s.simulator.stats.tokenRefreshes, 1, 'exactly one refresh counted')

  s.clock.advance(59_000)
  res = await refresh(s, first.refresh_token)
  t.equal(res.status, 200, 'old refresh token still valid within 60 s of first use')
  s.clock.advance(2_000)
  res = await refresh(s, first.refresh_token)
  t.equal(res.status, 400)
  t.match(await res.json(), { error: 'invalid_grant' })
  t.equal(s.simulator.stats.tokenRefreshes, 2)
  t.equal(s.simulator.stats.tokenRefreshAttempts, 3)

  res = await refresh(s, second.refresh_token)
  t.equal(res.status, 200, 'the newest token keeps working')
  res = await refresh(s, 'garbage.token.here')
  t.equal((await res.json()).error, 'invalid_grant')

  // Another client id cannot use the token.
  res = await fetch(`${s.url}/auth/oauth/token?grant_type=refresh_token&refresh_token=${second.refresh_token}`, {
    method: 'POST',
    headers: { authorization: 'Basic ' + Buffer.from('inna-aplikacja:x').toString('base64') }
  })
  t.equal((await res.json()).error, 'invalid_grant')
})

t.test('access token expiry, forced expiry and revocation', async (t) => {
  const s = await startSim(t, { accessTokenTtlSeconds: 120 })
  const tokens = await login(s)
  t.equal(tokens.expires_in, 120)
  t.equal((await api(s, tokens.access_token, '/me')).status, 200)
  s.clock.advance(120_000)
  let res = await api(s, tokens.access_token, '/me')
  t.equal(res.status, 401)
  t.match(await res.json(), { error: 'invalid_token', error_description: /expired/ })

  res = await refresh(s, tokens.refresh_token)
  const fresh = await res.json()
  t.equal((await api(s, fresh.access_token, '/me')).status, 200)
  s.simulator.expireAccessTokens()
  t.equal((await api(s, fresh.access_token, '/me')).status, 401, 'expireAccessTokens')
  res = await refresh(s, fresh.refresh_token)
  t.equal(res.status, 200, 'refresh still works after a forced expiry, even at the same instant')
  const afterExpiry = await res.json()
  t.equal((await api(s, afterExpiry.access_token, '/me')).status, 200)

  const other = await login(s, 'inny_sklep', 'inny1234')
  s.simulator.revokeTokens('demo_sklep')
  t.equal((await api(s, afterExpiry.access_token, '/me')).status, 401, 'revoked access token')
  res = await refresh(s, afterExpiry.refresh_token)
  t.equal((await res.json()).error, 'invalid_grant', 'revoked refresh token')
  t.equal((await api(s, other.access_token, '/me')).status, 200, 'other seller unaffected')
  const again = await login(s)
  t.equal((await api(s, again.access_token, '/me')).status, 200, 'reconnecting after revocation works')

  res = await api(s, 'not-a-token', '/me')
  t.equal(res.status, 401)
  res = await fetch(`${s.apiUrl}/me`, { headers: { accept: ACCEPT } })
  t.equal(res.status, 401)
  t.equal((await res.json()).error, 'invalid_token')
})

t.test('tokens stay valid across a restart with the same secret', async (t) => {
  const s = await startSim(t)
  const tokens = await login(s)
  await s.close()
  const restarted = await startStandaloneSimulator({ now: s.clock.now, initialOrders: 0, secret: 'test-secret' })
  t.teardown(() => restarted.close())
  t.equal((await api(restarted, tokens.access_token, '/me')).status, 200)
  t.equal((await refresh(restarted, tokens.refresh_token)).status, 200)
  const foreign = await startStandaloneSimulator({ now: s.clock.now, initialOrders: 0, secret: 'other-secret' })
  t.teardown(() => foreign.close())
  t.equal((await api(foreign, tokens.access_token, '/me')).status, 401)
})

t.test('authorization code flow with PKCE', async (t) => {
  const s = await startSim(t)
  const verifier = 'v'.repeat(50)
  const challenge = createHash('sha256').update(verifier).digest('base64url')
  const redirect = 'http://127.0.0.1:9/allegro/powrot'
  const q = new URLSearchParams({
    response_type: 'code',
    client_id: CLIENT_ID,
    redirect_uri: redirect,
    state: 'st<a>te',
    code_challenge: challenge,
    code_challenge_method: 'S256'
  })
  let res = await fetch(`${s.url}/auth/oauth/authorize?${q.toString()}`)
  t.equal(res.status, 200)
  const html = await res.text()
  t.match(html, /Hasło/)
  t.match(html, 'value="st&lt;a&gt;te"', 'state escaped into a hidden field')
  t.match(html, /action="authorize"/)

  res = await fetch(
    `${s.url}/auth/oauth/authorize?response_type=token&client_id=x&redirect_uri=${encodeURIComponent(redirect)}`
  )
  t.equal(res.status, 400)

  const form = Object.fromEntries(q)
  res = await postForm(`${s.url}/auth/oauth/authorize`, { ...form, login: 'demo_sklep', password: 'zle' })
  t.equal(res.status, 422)
  res = await postForm(`${s.url}/auth/oauth/authorize`, { ...form, login: 'demo_sklep', password: 'demo1234' })
  t.equal(res.status, 303)
  const back = new URL(res.headers.get('location') ?? '')
  t.equal(back.origin + back.pathname, redirect)
  t.equal(back.searchParams.get('state'), 'st<a>te')
  const code = back.searchParams.get('code') ?? ''

  const exchange = async (verifierValue: string): Promise<Response> =>
    await fetch(`${s.url}/auth/oauth/token`, {
      method: 'POST',
      headers: { authorization: BASIC, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: redirect,
        code_verifier: verifierValue
      }).toString()
    })
  res = await exchange(verifier)
  t.equal(res.status, 200)
  const tokens = await res.json()
  t.equal((await api(s, tokens.access_token, '/me')).status, 200)
  res = await exchange(verifier)
  t.equal((await res.json()).error, 'invalid_grant', 'codes are single use')

  res = await postForm(`${s.url}/auth/oauth/authorize`, { ...form, decision: 'deny' })
  t.equal(res.status, 303)
  t.match(res.headers.get('location'), /error=access_denied/)
})
