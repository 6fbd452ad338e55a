import { createHmac } from 'node:crypto'
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { openDatabase } from '../../src/db/database.ts'
import { migrateToLatest } from '../../src/db/migrate.ts'
import { checkTotpCode } from '../../src/users/totp.ts'
import { build, OWNER, seedUser } from '../helpers/app.ts'
import { TestClient } from '../helpers/client.ts'

// The test's own RFC 4226/6238 code, written from the RFCs and not from the library under test:
// HMAC-SHA1 over the 8-byte big-endian step, dynamic truncation (RFC 4226 §5.3), 6 digits.
function base32Decode(text: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
  let bits = ''
  for (const c of text.replace(/[\s=]/g, '').toUpperCase()) {
    const v = alphabet.indexOf(c)
    if (v < 0) throw new Error(`not Base32: ${c}`)
    bits += v.toString(2).padStart(5, '0')
  }
  const bytes: number[] = []
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2))
  return Buffer.from(bytes)
}

function hotp(key: Buffer, counter: number, digits = 6): string {
  const message = Buffer.alloc(8)
  message.writeBigUInt64BE(BigInt(counter))
  const mac = createHmac('sha1', key).update(message).digest()
  const offset = mac[mac.length - 1] & 0x0f
  const binary = ((mac[offset] & 0x7f) << 24) | (mac[offset + 1] << 16) | (mac[offset + 2] << 8) | mac[offset + 3]
  return String(binary % 10 ** digits).padStart(digits, '0')
}

const codeAt = (secretBase32: string, ms: number): string =>
  hotp(base32Decode(secretBase32), Math.floor(ms / 1000 / 30))

// RFC 6238 Appendix B, SHA1 rows: the ASCII seed "12345678901234567890", 8-digit codes
const RFC_SEED = Buffer.from('12345678901234567890', 'ascii')
const RFC_VECTORS: Array<[number, string]> = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130']
]

function base32Encode(bytes: Buffer): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
  let bits = ''
  for (const b of bytes) bits += b.toString(2).padStart(8, '0')
  let out = ''
  for (let i = 0; i < bits.length; i += 5) out += alphabet[parseInt(bits.slice(i, i + 5).padEnd(5, '0'), 2)]
  return out
}

t.test("RFC 6238 Appendix B: the test's own HMAC and the app's check agree with the vectors", async (t) => {
  for (const [seconds, expected] of RFC_VECTORS) {
    t.equal(hotp(RFC_SEED, Math.floor(seconds / 30), 8), expected, `own HOTP at T=${seconds}`)
    // the app uses 6 digits: the last six of the same truncation
    t.same(
      checkTotpCode(base32Encode(RFC_SEED), expected.slice(-6), seconds * 1000, null),
      { ok: true, step: Math.floor(seconds / 30) },
      `app accepts the vector at T=${seconds}`
    )
  }
  t.same(checkTotpCode(base32Encode(RFC_SEED), '287083', 59_000, null), { ok: false, reason: 'wrong' })
  t.same(
    checkTotpCode(base32Encode(RFC_SEED), '287082', 59_000, 1),
    { ok: false, reason: 'replay' },
    'the step already used'
  )
  t.same(checkTotpCode(base32Encode(RFC_SEED), '28708', 59_000, null), { ok: false, reason: 'format' })
})

interface Clocked {
  now: number
}

/** The page's Base32 secret, as shown for manual entry. */
function secretOnPage(body: string): string {
  const match = /<code class="totp-secret">([A-Z2-7 ]+)<\/code>/.exec(body)
  if (!match) throw new Error('no secret on the page')
  return match[1].replace(/ /g, '')
}

async function enrol(t: Test, client: TestClient, clock: Clocked): Promise<{ secret: string; codes: string[] }> {
  await client.get('/konto/weryfikacja-dwuetapowa')
  t.equal((await client.post('/konto/weryfikacja-dwuetapowa/rozpocznij')).statusCode, 303)
  const page = await client.get('/konto/weryfikacja-dwuetapowa')
  const secret = secretOnPage(page.body)
  const confirmed = await client.post('/konto/weryfikacja-dwuetapowa/potwierdz', { code: codeAt(secret, clock.now) })
  t.equal(confirmed.statusCode, 303, 'a current code switches it on')
  const shown = await client.get(String(confirmed.headers.location))
  const codes = [...shown.body.matchAll(/<li><code>([A-Z0-9-]+)<\/code><\/li>/g)].map((m) => m[1])
  return { secret, codes }
}

async function passwordStep(client: TestClient, login: string, password: string): Promise<string> {
  await client.get('/logowanie')
  const response = await client.post('/logowanie', { login, password })
  if (response.statusCode !== 303) throw new Error(`password step: ${response.statusCode}`)
  return String(response.headers.location)
}

async function loggedIn(client: TestClient): Promise<boolean> {
  const home = await client.get('/')
  return home.statusCode === 200
}

t.test(
  'enrolment, login with a code from the shared secret, wrong, replayed and recovery codes; the secret is sealed in the file',
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'biurko-totp-'))
    t.teardown(() => rmSync(dir, { recursive: true, force: true }))
    const file = join(dir, 'biurko.sqlite')
    const opened = openDatabase(file)
    await migrateToLatest(opened.db, opened.sqlite)
    const clock: Clocked = { now: Date.UTC(2026, 10, 16, 9, 0, 10) }
    const { app, db, owner } = await build(t, { db: opened.db, sessionNow: () => clock.now })

    const off = await owner.get('/konto/weryfikacja-dwuetapowa')
    t.equal(off.statusCode, 200)
    t.match(off.body, 'Włącz weryfikację dwuetapową')
    t.equal((await owner.post('/konto/weryfikacja-dwuetapowa/rozpocznij')).statusCode, 303)
    const enrolling = await owner.get('/konto/weryfikacja-dwuetapowa')
    t.match(
      enrolling.body,
      /<img class="totp-qr" src="data:image\/svg\+xml;base64,[A-Za-z0-9+/=]+"/,
      'the QR is an inline data URL'
    )
    t.match(String(enrolling.headers['content-security-policy']), /img-src 'self' data:/, 'which the CSP allows')
    t.notMatch(enrolling.body, /<script(?! src="\/public\/)/, 'and no inline script')
    const secret = secretOnPage(enrolling.body)
    t.equal(base32Decode(secret).length, 20, '160-bit secret')

    const wrongFirst = await owner.post('/konto/weryfikacja-dwuetapowa/potwierdz', {
      code: String((Number(codeAt(secret, clock.now)) + 1) % 1_000_000).padStart(6, '0')
    })
    t.equal(wrongFirst.statusCode, 422)
    t.match(wrongFirst.body, 'Nieprawidłowy kod')
    t.equal(
      (await db.selectFrom('users').select('totp_enabled').where('login', '=', OWNER.login).executeTakeFirstOrThrow())
        .totp_enabled,
      0,
      'a wrong code does not switch it on'
    )
    t.equal(secretOnPage(wrongFirst.body), secret, 'the same key is shown again')

    const confirmed = await owner.post('/konto/weryfikacja-dwuetapowa/potwierdz', { code: codeAt(secret, clock.now) })
    t.equal(confirmed.statusCode, 303)
    t.equal(confirmed.headers.location, '/konto/weryfikacja-dwuetapowa/kody-zapasowe')
    const shown = await owner.get('/konto/weryfikacja-dwuetapowa/kody-zapasowe')
    const codes = [...shown.body.matchAll(/<li><code>([A-Z0-9-]+)<\/code><\/li>/g)].map((m) => m[1])
    t.equal(codes.length, 10, 'ten recovery codes')
    t.equal(new Set(codes).size, 10, 'all different')
    const again = await owner.get('/konto/weryfikacja-dwuetapowa/kody-zapasowe')
    t.equal(again.statusCode, 303, 'shown once: the second visit has nothing to show')
    t.notMatch((await owner.get('/konto/weryfikacja-dwuetapowa')).body, codes[0])

    // the secret and the recovery codes are not in the database file in clear
    const row = await db
      .selectFrom('users')
      .select(['totp_secret_enc', 'totp_enabled'])
      .where('login', '=', OWNER.login)
      .executeTakeFirstOrThrow()
    t.equal(row.totp_enabled, 1)
    t.match(row.totp_secret_enc, /^v1:/, 'sealed with the secrets key')
    opened.sqlite.pragma('wal_checkpoint(FULL)')
    const bytes = Buffer.concat([
      readFileSync(file),
      ...(existsSync(file + '-wal') ? [readFileSync(file + '-wal')] : [])
    ])
    t.equal(bytes.indexOf(secret), -1, 'the Base32 secret is not in the file')
    t.equal(bytes.indexOf(base32Decode(secret)), -1, 'nor its raw bytes')
    for (const code of codes) {
      t.equal(bytes.indexOf(code), -1, `recovery code ${code.slice(0, 4)}… not in the file`)
      t.equal(bytes.indexOf(code.replace(/-/g, '')), -1, 'nor without dashes')
    }
    t.ok(bytes.indexOf('v1:') >= 0, 'control: the grep sees sealed values in the file')

    // the password alone: a pending session that opens no page
    const client = new TestClient(app)
    t.equal(await passwordStep(client, OWNER.login, OWNER.password), '/logowanie/kod')
    const codePage = await client.get('/logowanie/kod')
    t.equal(codePage.statusCode, 200)
    t.match(codePage.body, 'Kod z aplikacji')
    t.notMatch(codePage.body, 'Wyloguj', 'no navigation for a half-way session')
    const skipped: string[] = []
    for (const route of app.routeTable) {
      if (route.method !== 'GET' || route.url.includes(':') || route.url.includes('*')) continue
      if (
        ['/logowanie', '/logowanie/kod', '/healthz', '/konfiguracja'].includes(route.url) ||
        route.url.startsWith('/symulator-')
      ) {
        skipped.push(route.url)
        continue
      }
      const page = await client.get(route.url)
      t.not(page.statusCode, 200, `half-way session cannot open ${route.url}`)
      if (page.statusCode === 303) t.match(String(page.headers.location), /^\/logowanie/, `${route.url} sends to login`)
    }
    t.ok(
      app.routeTable.filter((r) => r.method === 'GET' && !r.url.includes(':')).length > skipped.length + 20,
      'the walk covered many pages'
    )
    const halfwayPost = await client.post('/konto/haslo', {
      currentPassword: OWNER.password,
      newPassword: 'zmienione-przez-intruza-1',
      newPasswordRepeat: 'zmienione-przez-intruza-1'
    })
    t.equal(halfwayPost.statusCode, 303)
    t.match(String(halfwayPost.headers.location), /^\/logowanie/, 'a POST from a half-way session goes to login')
    // still the old password
    t.equal(
      (await new TestClient(app).post('/logowanie', { login: OWNER.login, password: OWNER.password })).statusCode,
      303,
      'the password was not changed'
    )

    // a wrong code: refused in Polish, not logged in
    const good = codeAt(secret, clock.now + 30_000)
    clock.now += 30_000
    const wrong = await client.post('/logowanie/kod', { code: String((Number(good) + 1) % 1_000_000).padStart(6, '0') })
    t.equal(wrong.statusCode, 422)
    t.match(wrong.body, 'Nieprawidłowy kod')
    t.equal(await loggedIn(client), false, 'a wrong code does not log in')

    // the right code from the shared secret logs in, and goes where the login was going
    await client.get('/logowanie/kod')
    const right = await client.post('/logowanie/kod', { code: good })
    t.equal(right.statusCode, 303)
    t.equal(right.headers.location, '/')
    t.equal(await loggedIn(client), true, 'the code computed from the secret logs in')

    // the same code again, in the same 30 s: replay
    await client.post('/wyloguj')
    await passwordStep(client, OWNER.login, OWNER.password)
    await client.get('/logowanie/kod')
    const replayed = await client.post('/logowanie/kod', { code: good })
    t.equal(replayed.statusCode, 422)
    t.match(replayed.body, 'Ten kod został już użyty')
    t.equal(await loggedIn(client), false, 'a replayed code does not log in')
    // and an older code from within the window is refused once a newer one was used
    await client.get('/logowanie/kod')
    const older = await client.post('/logowanie/kod', { code: codeAt(secret, clock.now - 30_000) })
    t.equal(older.statusCode, 422)
    t.equal(await loggedIn(client), false)

    // one step either side is accepted (RFC 6238 §5.2), two steps are not
    clock.now += 90_000
    await passwordStep(client, OWNER.login, OWNER.password)
    await client.get('/logowanie/kod')
    t.equal(
      (await client.post('/logowanie/kod', { code: codeAt(secret, clock.now - 60_000) })).statusCode,
      422,
      'two steps old: refused'
    )
    t.equal(
      (await client.post('/logowanie/kod', { code: codeAt(secret, clock.now + 60_000) })).statusCode,
      422,
      'two steps ahead: refused'
    )
    t.equal(
      (await client.post('/logowanie/kod', { code: codeAt(secret, clock.now - 30_000) })).statusCode,
      303,
      'one step old (slow typing): accepted'
    )
    t.equal(await loggedIn(client), true)
    t.equal((await client.post('/wyloguj')).statusCode, 303)

    // a recovery code works once
    await passwordStep(client, OWNER.login, OWNER.password)
    await client.get('/logowanie/kod')
    const recovered = await client.post('/logowanie/kod', { code: codes[3].toLowerCase().replace(/-/g, ' ') })
    t.equal(recovered.statusCode, 303, 'a recovery code logs in (case and separators do not matter)')
    const home = await client.get('/')
    t.equal(home.statusCode, 200)
    t.match(home.body, 'zostało 9')
    t.equal((await client.post('/wyloguj')).statusCode, 303)
    await passwordStep(client, OWNER.login, OWNER.password)
    await client.get('/logowanie/kod')
    const reused = await client.post('/logowanie/kod', { code: codes[3] })
    t.equal(reused.statusCode, 422, 'the same recovery code a second time is refused')
    t.match(reused.body, 'kod zapasowy jest nieprawidłowy albo został już użyty')
    t.equal(await loggedIn(client), false)
    const unused = await db
      .selectFrom('user_recovery_codes')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('used_at', 'is', null)
      .executeTakeFirstOrThrow()
    t.equal(Number(unused.n), 9)
  }
)

t.test('wrong codes go through the login throttle, and a right password does not reset it', async (t) => {
  const clock: Clocked = { now: Date.UTC(2026, 10, 16, 9, 0, 10) }
  const { app } = await build(t, {
    sessionNow: () => clock.now,
    config: { LOGIN_ACCOUNT_RATE_LIMIT_MAX: '4', LOGIN_RATE_LIMIT_MAX: '100' }
  })
  const setup = new TestClient(app)
  await setup.login(OWNER.login, OWNER.password)
  const { secret } = await enrol(t, setup, clock)
  await setup.post('/wyloguj')
  clock.now += 30_000

  const attacker = new TestClient(app)
  for (let round = 0; round < 2; round++) {
    await passwordStep(attacker, OWNER.login, OWNER.password)
    await attacker.get('/logowanie/kod')
    for (let i = 0; i < 2; i++)
      t.equal(
        (await attacker.post('/logowanie/kod', { code: codeAt(secret, clock.now) === '000000' ? '111111' : '000000' }))
          .statusCode,
        422,
        `round ${round}, guess ${i}`
      )
  }
  const blocked = await attacker.post('/logowanie/kod', { code: codeAt(secret, clock.now) })
  t.equal(blocked.statusCode, 429, 'after 4 wrong codes even the right one is refused')
  await attacker.get('/logowanie')
  t.equal(
    (await attacker.post('/logowanie', { login: OWNER.login, password: OWNER.password })).statusCode,
    429,
    'and the password step of that account too'
  )
})

t.test('a half-way session expires after 5 minutes', async (t) => {
  const clock: Clocked = { now: Date.UTC(2026, 10, 16, 9, 0, 10) }
  const { app } = await build(t, { sessionNow: () => clock.now })
  const setup = new TestClient(app)
  await setup.login(OWNER.login, OWNER.password)
  const { secret } = await enrol(t, setup, clock)
  const client = new TestClient(app)
  clock.now += 30_000
  await passwordStep(client, OWNER.login, OWNER.password)
  await client.get('/logowanie/kod')
  clock.now += 6 * 60_000
  const late = await client.post('/logowanie/kod', { code: codeAt(secret, clock.now) })
  t.equal(late.statusCode, 303)
  t.equal(late.headers.location, '/logowanie', 'back to the password')
  t.equal(await loggedIn(client), false)
})

t.test('switching off needs the password and a code', async (t) => {
  const clock: Clocked = { now: Date.UTC(2026, 10, 16, 9, 0, 10) }
  const { app, db, owner } = await build(t, { sessionNow: () => clock.now })
  const { secret } = await enrol(t, owner, clock)
  clock.now += 30_000
  await owner.get('/konto/weryfikacja-dwuetapowa')
  const badPassword = await owner.post('/konto/weryfikacja-dwuetapowa/wylacz', {
    password: 'nie-to-haslo-123',
    code: codeAt(secret, clock.now)
  })
  t.equal(badPassword.statusCode, 422)
  t.match(badPassword.body, 'Hasło jest nieprawidłowe')
  const badCode = await owner.post('/konto/weryfikacja-dwuetapowa/wylacz', { password: OWNER.password, code: '12345' })
  t.equal(badCode.statusCode, 422)
  t.match(badCode.body, 'Wpisz 6-cyfrowy kod')
  t.equal(
    (await db.selectFrom('users').select('totp_enabled').where('login', '=', OWNER.login).executeTakeFirstOrThrow())
      .totp_enabled,
    1,
    'still on'
  )
  const off = await owner.post('/konto/weryfikacja-dwuetapowa/wylacz', {
    password: OWNER.password,
    code: codeAt(secret, clock.now)
  })
  t.equal(off.statusCode, 303)
  const row = await db
    .selectFrom('users')
    .select(['totp_enabled', 'totp_secret_enc'])
    .where('login', '=', OWNER.login)
    .executeTakeFirstOrThrow()
  t.same(row, { totp_enabled: 0, totp_secret_enc: null }, 'off, and the secret is gone')
  t.equal(
    Number(
      (
        await db
          .selectFrom('user_recovery_codes')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n
    ),
    0,
    'recovery codes gone'
  )
  const client = new TestClient(app)
  t.equal(await passwordStep(client, OWNER.login, OWNER.password), '/', 'the password alone logs in again')
})

t.test('the owner can require two-factor login: a user without it can only enrol', async (t) => {
  const clock: Clocked = { now: Date.UTC(2026, 10, 16, 9, 0, 10) }
  const { app, db, owner } = await build(t, { sessionNow: () => clock.now })
  await seedUser(db, { login: 'ksiegowa', password: 'haslo-ksiegowej-1', ksiegowosc: true })

  await owner.get('/ustawienia/uzytkownicy')
  const early = await owner.post('/ustawienia/uzytkownicy/weryfikacja-dwuetapowa', { requireTotp: 'on' })
  t.equal(early.statusCode, 422, 'not before the owner has it')
  t.match(early.body, 'Najpierw włącz weryfikację dwuetapową na swoim koncie')
  t.equal((await db.selectFrom('company').select('require_totp').executeTakeFirstOrThrow()).require_totp, 0)

  await enrol(t, owner, clock)
  await owner.get('/ustawienia/uzytkownicy')
  t.equal((await owner.post('/ustawienia/uzytkownicy/weryfikacja-dwuetapowa', { requireTotp: 'on' })).statusCode, 303)
  t.equal((await db.selectFrom('company').select('require_totp').executeTakeFirstOrThrow()).require_totp, 1)
  t.equal((await owner.get('/')).statusCode, 200, 'the enrolled owner goes on working')

  const user = new TestClient(app)
  await user.login('ksiegowa', 'haslo-ksiegowej-1')
  for (const url of ['/', '/konto/haslo', '/ksiegowosc/kpir', '/ustawienia/firma']) {
    const page = await user.get(url)
    t.equal(page.statusCode, 303, `${url} is closed`)
    t.equal(page.headers.location, '/konto/weryfikacja-dwuetapowa', `${url} sends to enrolment`)
  }
  await user.get('/konto/weryfikacja-dwuetapowa') // a page with this session's CSRF token
  const post = await user.post('/konto/haslo', {
    currentPassword: 'haslo-ksiegowej-1',
    newPassword: 'nowe-haslo-ksiegowej-2',
    newPasswordRepeat: 'nowe-haslo-ksiegowej-2'
  })
  t.equal(post.headers.location, '/konto/weryfikacja-dwuetapowa', 'a POST elsewhere goes to enrolment too')
  t.equal(
    (await new TestClient(app).post('/logowanie', { login: 'ksiegowa', password: 'haslo-ksiegowej-1' })).statusCode,
    303,
    'and changed nothing'
  )
  const page = await user.get('/konto/weryfikacja-dwuetapowa')
  t.equal(page.statusCode, 200)
  t.match(page.body, 'Właściciel konta wymaga weryfikacji dwuetapowej')

  await enrol(t, user, clock)
  t.equal((await user.get('/')).statusCode, 200, 'enrolled: the app opens')
  clock.now += 30_000
  await user.get('/konto/weryfikacja-dwuetapowa')
  const off = await user.post('/konto/weryfikacja-dwuetapowa/wylacz', { password: 'haslo-ksiegowej-1', code: '000000' })
  t.equal(off.statusCode, 422, 'cannot switch off while required')
  t.match(off.body, 'nie można jej wyłączyć')

  await owner.get('/ustawienia/uzytkownicy')
  const list = await owner.get('/ustawienia/uzytkownicy')
  t.match(list.body, /name="requireTotp" checked/)
})

t.test("the owner can switch off a user's two-factor login (lost phone), not their own from there", async (t) => {
  const clock: Clocked = { now: Date.UTC(2026, 10, 16, 9, 0, 10) }
  const { app, db, owner } = await build(t, { sessionNow: () => clock.now })
  const id = await seedUser(db, { login: 'ksiegowa', password: 'haslo-ksiegowej-1', ksiegowosc: true })
  const user = new TestClient(app)
  await user.login('ksiegowa', 'haslo-ksiegowej-1')
  await enrol(t, user, clock)
  t.equal((await user.get('/')).statusCode, 200)

  const page = await owner.get(`/ustawienia/uzytkownicy/${id}`)
  t.match(page.body, `action="/ustawienia/uzytkownicy/${id}/weryfikacja-dwuetapowa/wylacz"`)
  const reset = await owner.post(`/ustawienia/uzytkownicy/${id}/weryfikacja-dwuetapowa/wylacz`)
  t.equal(reset.statusCode, 303)
  t.same(
    await db
      .selectFrom('users')
      .select(['totp_enabled', 'totp_secret_enc'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow(),
    { totp_enabled: 0, totp_secret_enc: null }
  )
  t.equal((await user.get('/')).statusCode, 303, 'their open session ended')
  t.equal(
    await passwordStep(new TestClient(app), 'ksiegowa', 'haslo-ksiegowej-1'),
    '/',
    'the password alone logs in again'
  )

  const ownerId = (await db.selectFrom('users').select('id').where('login', '=', OWNER.login).executeTakeFirstOrThrow())
    .id
  await enrol(t, owner, clock)
  await owner.get(`/ustawienia/uzytkownicy/${ownerId}`)
  t.equal((await owner.post(`/ustawienia/uzytkownicy/${ownerId}/weryfikacja-dwuetapowa/wylacz`)).statusCode, 303)
  t.equal(
    (await db.selectFrom('users').select('totp_enabled').where('id', '=', ownerId).executeTakeFirstOrThrow())
      .totp_enabled,
    1,
    "the owner's own stays on: that needs the password and a code"
  )
})
