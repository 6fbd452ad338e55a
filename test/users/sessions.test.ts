import t from 'tap'
import { build, OWNER, seedUser } from '../helpers/app.ts'
import { TestClient } from '../helpers/client.ts'

/** The session cookie exactly as the browser holds it after the response. */
function sessionCookie(response: { cookies: Array<{ name: string; value: string }> }): string {
  const cookie = response.cookies.find((c) => c.name === 'biurko_session')
  if (!cookie) throw new Error('no session cookie')
  return `biurko_session=${encodeURIComponent(cookie.value)}`
}

t.test('a cookie copied before logout opens nothing after it', async (t) => {
  const { app, anonymous } = await build(t, { state: 'company' })
  const client = new TestClient(app)
  const login = await client.login(OWNER.login, OWNER.password)
  const stolen = sessionCookie(login)
  t.equal(
    (await app.inject({ method: 'GET', url: '/', headers: { cookie: stolen } })).statusCode,
    200,
    'the copy works while logged in'
  )
  await client.get('/')
  t.equal((await client.post('/wyloguj')).statusCode, 303)
  const replay = await app.inject({ method: 'GET', url: '/', headers: { cookie: stolen } })
  t.equal(replay.statusCode, 303)
  t.match(String(replay.headers.location), /^\/logowanie/, 'the replayed cookie lands on the login page')
  t.ok(anonymous)
})

t.test('a password change ends the other sessions and keeps this one', async (t) => {
  const { app, owner } = await build(t)
  const other = new TestClient(app)
  const otherLogin = await other.login(OWNER.login, OWNER.password)
  const otherCookie = sessionCookie(otherLogin)
  const changed = await owner.submit('/konto/haslo', '/konto/haslo', {
    currentPassword: OWNER.password,
    newPassword: 'nowe-dlugie-haslo-42',
    newPasswordRepeat: 'nowe-dlugie-haslo-42'
  })
  t.equal(changed.statusCode, 303)
  t.equal((await owner.get('/')).statusCode, 200, 'the browser that changed it stays logged in')
  const replay = await app.inject({ method: 'GET', url: '/', headers: { cookie: otherCookie } })
  t.equal(replay.statusCode, 303, 'the other browser is logged out')
})

t.test('disabling a user ends their session at once', async (t) => {
  const { app, db, owner } = await build(t)
  const id = await seedUser(db, { login: 'ksiegowa', password: 'haslo-ksiegowej-1', ksiegowosc: true })
  const user = new TestClient(app)
  await user.login('ksiegowa', 'haslo-ksiegowej-1')
  t.equal((await user.get('/')).statusCode, 200)
  const saved = await owner.submit(`/ustawienia/uzytkownicy/${id}`, `/ustawienia/uzytkownicy/${id}`, {
    login: 'ksiegowa',
    name: 'ksiegowa',
    permKsiegowosc: 'on',
    disabled: 'on'
  })
  t.equal(saved.statusCode, 303)
  t.equal((await user.get('/')).statusCode, 303, 'the disabled user is sent to the login page')
  t.equal(
    Number(
      (
        await db
          .selectFrom('user_sessions')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('user_id', '=', id)
          .executeTakeFirstOrThrow()
      ).n
    ),
    0,
    'no session row is left'
  )
})

t.test('idle timeout and absolute lifetime', async (t) => {
  let now = Date.UTC(2026, 10, 16, 9)
  const { app } = await build(t, { state: 'company', sessionNow: () => now })
  const client = new TestClient(app)
  await client.login(OWNER.login, OWNER.password)
  now += 29 * 60_000
  t.equal((await client.get('/')).statusCode, 200, '29 minutes idle: still in')
  now += 31 * 60_000
  t.equal((await client.get('/')).statusCode, 303, '31 minutes idle: logged out')

  await client.login(OWNER.login, OWNER.password)
  for (let i = 0; i < 25; i++) {
    now += 29 * 60_000
    const page = await client.get('/')
    if (i < 24) t.equal(page.statusCode, 200, `active for ${(i + 1) * 29} minutes`)
    else t.equal(page.statusCode, 303, 'past 12 hours the session ends however active it is')
  }
})

t.test('idle timeout is configurable', async (t) => {
  let now = Date.UTC(2026, 10, 16, 9)
  const { app } = await build(t, { state: 'company', sessionNow: () => now, config: { SESSION_IDLE_MINUTES: '5' } })
  const client = new TestClient(app)
  await client.login(OWNER.login, OWNER.password)
  now += 6 * 60_000
  t.equal((await client.get('/')).statusCode, 303)
})

t.test('the CSRF token rotates at login', async (t) => {
  const { app } = await build(t, { state: 'company' })
  const client = new TestClient(app)
  await client.get('/logowanie')
  const before = client.csrfToken
  const loginPage = await client.get('/logowanie')
  t.ok(before)
  t.ok(loginPage)
  await client.post('/logowanie', { login: OWNER.login, password: OWNER.password })
  await client.get('/')
  t.not(client.csrfToken, before, 'a new token after login')
  const forged = await client.post('/ustawienia/firma', { name: 'X' }, { csrf: before })
  t.equal(forged.statusCode, 403, 'the token from before login no longer passes')
})
