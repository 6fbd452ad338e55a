import t from 'tap'
import { OWNER, build, seedUser } from '../helpers/app.ts'
import { TestClient } from '../helpers/client.ts'

t.test('login with good credentials, wrong password, unknown login, disabled account', async (t) => {
  const { app, db, anonymous } = await build(t)
  await seedUser(db, { login: 'wylaczony', password: 'haslo-wylaczone-1', disabled: true })

  await anonymous.get('/logowanie')
  const wrong = await anonymous.post('/logowanie', { login: OWNER.login, password: 'zle-haslo-xyz' })
  t.equal(wrong.statusCode, 422)
  t.match(wrong.body, 'Nieprawidłowy login lub hasło.')
  t.match(wrong.body, `value="${OWNER.login}"`, 'login kept')

  const unknown = await anonymous.post('/logowanie', { login: 'nikt', password: 'cokolwiek-123' })
  t.equal(unknown.statusCode, 422)
  t.match(unknown.body, 'Nieprawidłowy login lub hasło.', 'same message for an unknown login')

  const disabled = await anonymous.post('/logowanie', { login: 'wylaczony', password: 'haslo-wylaczone-1' })
  t.equal(disabled.statusCode, 422)
  t.match(disabled.body, 'konto jest wyłączone')

  const good = await anonymous.post('/logowanie', {
    login: OWNER.login.toUpperCase(),
    password: OWNER.password,
    next: '/kontrahenci'
  })
  t.equal(good.statusCode, 303)
  t.equal(good.headers.location, '/kontrahenci', 'goes back where the user wanted to go')
  const cookie = good.cookies.find((c) => c.name === 'biurko_session')
  t.ok(cookie?.httpOnly, 'session cookie is HttpOnly')
  t.equal(cookie?.sameSite, 'Lax')

  const client = new TestClient(app)
  await client.get('/logowanie')
  const offsite = await client.post('/logowanie', {
    login: OWNER.login,
    password: OWNER.password,
    next: '//evil.example/'
  })
  t.equal(offsite.headers.location, '/', 'never redirects to another site')
})

t.test('logout ends the session', async (t) => {
  const { owner } = await build(t)
  t.equal((await owner.get('/')).statusCode, 200)
  await owner.get('/')
  const out = await owner.post('/wyloguj')
  t.equal(out.statusCode, 303)
  const after = await owner.get('/')
  t.equal(after.statusCode, 303)
  t.match(after.headers.location, /^\/logowanie/)
})

t.test('login attempts are rate limited', async (t) => {
  const { anonymous } = await build(t, { config: { LOGIN_RATE_LIMIT_MAX: '4' } })
  // build() logged the owner in once from the same address: a success is not counted
  await anonymous.get('/logowanie')
  const codes: number[] = []
  for (let i = 0; i < 5; i++)
    codes.push((await anonymous.post('/logowanie', { login: OWNER.login, password: 'zle-haslo-xyz' })).statusCode)
  t.same(codes, [422, 422, 422, 422, 429])
  const blocked = await anonymous.post('/logowanie', { login: OWNER.login, password: OWNER.password })
  t.equal(blocked.statusCode, 429, 'even the right password waits out the limit')
  t.match(blocked.body, 'Zbyt wiele prób')
})

t.test('password change: wrong current password, mismatch, success ends other sessions', async (t) => {
  const { app, owner } = await build(t)
  const other = new TestClient(app)
  await other.login(OWNER.login, OWNER.password)

  await owner.get('/konto/haslo')
  const bad = await owner.post('/konto/haslo', {
    currentPassword: 'nie-to-haslo',
    newPassword: 'nowe-haslo-123',
    newPasswordRepeat: 'nowe-haslo-123'
  })
  t.equal(bad.statusCode, 422)
  t.match(bad.body, 'Obecne hasło jest nieprawidłowe.')
  const mismatch = await owner.post('/konto/haslo', {
    currentPassword: OWNER.password,
    newPassword: 'nowe-haslo-123',
    newPasswordRepeat: 'inne-haslo-123'
  })
  t.equal(mismatch.statusCode, 422)
  t.match(mismatch.body, 'Hasła nie są takie same.')

  const ok = await owner.post('/konto/haslo', {
    currentPassword: OWNER.password,
    newPassword: 'nowe-haslo-123',
    newPasswordRepeat: 'nowe-haslo-123'
  })
  t.equal(ok.statusCode, 303)
  t.equal((await owner.get('/')).statusCode, 200, 'this session stays')
  t.equal((await other.get('/')).statusCode, 303, 'the other session is logged out')
  const fresh = new TestClient(app)
  await fresh.login(OWNER.login, 'nowe-haslo-123')
  t.equal((await fresh.get('/')).statusCode, 200)
})
