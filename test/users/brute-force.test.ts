import t from 'tap'
import { loadConfig, parseTrustProxy } from '../../src/config.ts'
import { build, OWNER, seedUser } from '../helpers/app.ts'
import { TestClient } from '../helpers/client.ts'

// Login POSTs need a CSRF token; a fresh client per guess gets one like a script would.
async function guessWithToken(
  app: Awaited<ReturnType<typeof build>>['app'],
  login: string,
  password: string,
  forwardedFor: string,
  remoteAddress = '127.0.0.1'
): Promise<number> {
  const page = await app.inject({
    method: 'GET',
    url: '/logowanie',
    remoteAddress,
    headers: { 'x-forwarded-for': forwardedFor }
  })
  const token = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? ''
  const cookie = page.cookies.map((c) => `${c.name}=${encodeURIComponent(c.value)}`).join('; ')
  const response = await app.inject({
    method: 'POST',
    url: '/logowanie',
    remoteAddress,
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, 'x-forwarded-for': forwardedFor },
    payload: new URLSearchParams({ _csrf: token, login, password }).toString()
  })
  return response.statusCode
}

t.test('30 guesses with a rotating X-Forwarded-For: refused with 429 (no proxy trusted)', async (t) => {
  const { app } = await build(t, { state: 'company' })
  const codes: number[] = []
  for (let i = 0; i < 30; i++) codes.push(await guessWithToken(app, OWNER.login, `zgadywanie-${i}`, `203.0.113.${i}`))
  t.equal(codes.filter((c) => c === 429).length, 20, 'after 10 failures every guess is refused')
  t.same(codes.slice(0, 10), Array(10).fill(422))
  t.equal(await guessWithToken(app, OWNER.login, OWNER.password, '198.51.100.1'), 429, 'the right password waits too')
})

t.test('30 guesses with a rotating X-Forwarded-For behind a trusted proxy: the account limit holds', async (t) => {
  const { app } = await build(t, {
    state: 'company',
    config: { TRUST_PROXY: '127.0.0.1', LOGIN_RATE_LIMIT_MAX: '1000' }
  })
  const codes: number[] = []
  for (let i = 0; i < 30; i++) codes.push(await guessWithToken(app, OWNER.login, `zgadywanie-${i}`, `203.0.113.${i}`))
  t.same(codes.slice(0, 10), Array(10).fill(422))
  t.same(codes.slice(10), Array(20).fill(429), 'per account, whatever address the guesses come from')
})

t.test('the per-address limit counts guesses across accounts', async (t) => {
  const { app } = await build(t, {
    state: 'company',
    config: { TRUST_PROXY: '127.0.0.1', LOGIN_ACCOUNT_RATE_LIMIT_MAX: '1000' }
  })
  const codes: number[] = []
  for (let i = 0; i < 12; i++) codes.push(await guessWithToken(app, `konto${i}`, 'zgadywanie', '203.0.113.9'))
  t.same(codes, [...Array(10).fill(422), 429, 429])
  t.equal(
    await guessWithToken(app, OWNER.login, OWNER.password, '203.0.113.10'),
    303,
    'another client behind the proxy logs in'
  )
})

t.test('the owner is not locked out by colleagues logging in behind one proxy', async (t) => {
  const { app, db } = await build(t, { state: 'company' })
  for (let i = 0; i < 5; i++)
    await seedUser(db, { login: `pracownik${i}`, password: `haslo-pracownika-${i}`, ksiegowosc: true })
  for (let round = 0; round < 4; round++) {
    for (let i = 0; i < 5; i++) await new TestClient(app).login(`pracownik${i}`, `haslo-pracownika-${i}`)
  }
  const owner = new TestClient(app)
  t.equal(
    (await owner.login(OWNER.login, OWNER.password)).statusCode,
    303,
    'after 20 successful logins from the same address'
  )
})

t.test('POST /konto/haslo is limited too', async (t) => {
  const { owner } = await build(t)
  await owner.get('/konto/haslo')
  const codes: number[] = []
  for (let i = 0; i < 12; i++)
    codes.push(
      (
        await owner.post('/konto/haslo', {
          currentPassword: `zle-${i}-haslo`,
          newPassword: 'nowe-dlugie-haslo-42',
          newPasswordRepeat: 'nowe-dlugie-haslo-42'
        })
      ).statusCode
    )
  t.same(codes, [...Array(10).fill(422), 429, 429])
  const right = await owner.post('/konto/haslo', {
    currentPassword: OWNER.password,
    newPassword: 'nowe-dlugie-haslo-42',
    newPasswordRepeat: 'nowe-dlugie-haslo-42'
  })
  t.equal(right.statusCode, 429, 'the right one waits out the limit')
})

t.test('TRUST_PROXY lists addresses; true (trust anyone) is refused', async (t) => {
  t.equal(parseTrustProxy(''), false)
  t.equal(parseTrustProxy('false'), false)
  t.same(parseTrustProxy('10.0.0.1, 192.168.0.0/16,loopback,::1'), ['10.0.0.1', '192.168.0.0/16', 'loopback', '::1'])
  t.throws(() => parseTrustProxy('true'), /TRUST_PROXY/)
  t.throws(() => parseTrustProxy('10.0.0.0/33'), /TRUST_PROXY/)
  t.throws(() => loadConfig({ TRUST_PROXY: 'proxy.example' }), /TRUST_PROXY/)
  t.same(loadConfig({ TRUST_PROXY: '10.0.0.1' }).trustProxy, ['10.0.0.1'])
})

t.test('a peer that is not a listed proxy cannot choose its address with X-Forwarded-For', async (t) => {
  const { app } = await build(t, {
    state: 'company',
    config: { TRUST_PROXY: '10.0.0.1', LOGIN_ACCOUNT_RATE_LIMIT_MAX: '1000' }
  })
  const codes: number[] = []
  for (let i = 0; i < 12; i++)
    codes.push(await guessWithToken(app, `konto${i}`, 'zgadywanie', `203.0.113.${i}`, '192.0.2.5'))
  t.same(codes, [...Array(10).fill(422), 429, 429], 'counted as one address, the peer')
  t.equal(
    await guessWithToken(app, `konto99`, 'zgadywanie', '203.0.113.200', '10.0.0.1'),
    422,
    'the listed proxy is believed: a different client'
  )
})
