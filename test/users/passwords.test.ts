import { randomBytes, scryptSync } from 'node:crypto'
import t from 'tap'
import { hashPassword, needsRehash, SCRYPT_COST, verifyPassword } from '../../src/shared/crypto.ts'
import { isCommonPassword } from '../../src/users/common-passwords.ts'
import { checkPassword, MIN_PASSWORD_LENGTH } from '../../src/users/users.form.ts'
import { Validator } from '../../src/shared/form.ts'
import { build, OWNER, seedUser } from '../helpers/app.ts'
import { TestClient } from '../helpers/client.ts'

function errorsFor(password: string): string[] {
  const v = new Validator()
  checkPassword(v, 'password', password)
  return Object.values(v.errors).flat() as string[]
}

// a hash as the app made it before the cost was raised: scrypt$N$salt$hash with N=2^14, r=8, p=1
function legacyHash(password: string): string {
  const salt = randomBytes(16)
  const hash = scryptSync(password, salt, 32, { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 })
  return `scrypt$16384$${salt.toString('base64')}$${hash.toString('base64')}`
}

t.test('ASVS 2.1.1: 12 characters at least, counted as characters, not bytes', async (t) => {
  t.equal(MIN_PASSWORD_LENGTH, 12)
  t.match(errorsFor('lato-w-maju'), [/co najmniej 12 znaków/])
  t.same(errorsFor('lato-w-maju!'), [])
  t.match(errorsFor('żółć-gęś-ąę'), [/co najmniej 12 znaków/])
  t.same(errorsFor('żółć-gęś-ąęś'), [])
  t.match(errorsFor(''), [/Podaj hasło/])
})

t.test('ASVS 2.1.7: common and breached passwords are refused, whatever their case', async (t) => {
  for (const common of ['password1234', 'PASSWORD1234', 'Qwerty123456', '123456789012', '1qaz2wsx3edc']) {
    t.ok(isCommonPassword(common), common)
    t.match(errorsFor(common), [/liście popularnych lub wykradzionych haseł/], common)
  }
  t.notOk(isCommonPassword('szafa-rower-kompot-9'))
  t.ok(isCommonPassword('dragon'), 'the short top entries are in the list too')
})

t.test('scrypt cost: new hashes at the current cost; old ones verify and are marked for rehash', async (t) => {
  const fresh = await hashPassword('szafa-rower-kompot')
  t.match(fresh, new RegExp(`^scrypt\\$${SCRYPT_COST.N}\\$${SCRYPT_COST.r}\\$${SCRYPT_COST.p}\\$`))
  t.ok(await verifyPassword('szafa-rower-kompot', fresh))
  t.notOk(await verifyPassword('szafa-rower-kompoT', fresh))
  t.notOk(needsRehash(fresh))
  const old = legacyHash('szafa-rower-kompot')
  t.ok(await verifyPassword('szafa-rower-kompot', old))
  t.ok(needsRehash(old))
  t.notOk(await verifyPassword('x', 'scrypt$1048576$8$64$AAAA$AAAA'), 'a planted huge cost is refused, not computed')
  t.notOk(await verifyPassword('x', 'bcrypt$whatever'))
})

t.test('a login with an old-cost hash rehashes it transparently; the password keeps working', async (t) => {
  // the app at the production cost (other tests' apps use a cheap one)
  const { app, db } = await build(t, { passwordCost: SCRYPT_COST })
  const id = await seedUser(db, { login: 'ksiegowa', password: 'haslo-ksiegowej-1' })
  const old = legacyHash('haslo-ksiegowej-1')
  await db.updateTable('users').set({ password_hash: old }).where('id', '=', id).execute()

  const wrong = new TestClient(app)
  await wrong.get('/logowanie')
  t.equal((await wrong.post('/logowanie', { login: 'ksiegowa', password: 'zle-haslo-xyz' })).statusCode, 422)
  t.equal(
    (await db.selectFrom('users').select('password_hash').where('id', '=', id).executeTakeFirstOrThrow()).password_hash,
    old,
    'a failed login changes nothing'
  )

  await new TestClient(app).login('ksiegowa', 'haslo-ksiegowej-1')
  const after = (await db.selectFrom('users').select('password_hash').where('id', '=', id).executeTakeFirstOrThrow())
    .password_hash
  t.not(after, old)
  t.notOk(needsRehash(after))
  t.ok(await verifyPassword('haslo-ksiegowej-1', after))
  const again = new TestClient(app)
  await again.login('ksiegowa', 'haslo-ksiegowej-1')
  t.equal((await again.get('/')).statusCode, 200)
})

t.test('a user whose password predates the 12-character rule still logs in, and is told to change it', async (t) => {
  const { app, db } = await build(t)
  await seedUser(db, { login: 'stary', password: 'krotkie-10' })
  const client = new TestClient(app)
  await client.login('stary', 'krotkie-10')
  const home = await client.get('/')
  t.equal(home.statusCode, 200)
  t.match(home.body, 'Twoje hasło ma mniej niż 12 znaków')
  t.match(home.body, '/konto/haslo')
})

t.test('the forms refuse a short or common password with 422 and change nothing', async (t) => {
  const { owner, db } = await build(t)
  await owner.get('/ustawienia/uzytkownicy/nowy')
  const common = await owner.post('/ustawienia/uzytkownicy', {
    login: 'nowa',
    name: 'Nowa Osoba',
    password: 'Password1234'
  })
  t.equal(common.statusCode, 422)
  t.match(common.body, 'liście popularnych lub wykradzionych haseł')
  t.match(common.body, 'value="Nowa Osoba"')
  t.equal((await db.selectFrom('users').selectAll().execute()).length, 1)

  const before = (
    await db.selectFrom('users').select('password_hash').where('login', '=', OWNER.login).executeTakeFirstOrThrow()
  ).password_hash
  await owner.get('/konto/haslo')
  for (const next of ['qwerty123456', 'jedenascie1']) {
    const res = await owner.post('/konto/haslo', {
      currentPassword: OWNER.password,
      newPassword: next,
      newPasswordRepeat: next
    })
    t.equal(res.statusCode, 422, next)
  }
  t.equal(
    (await db.selectFrom('users').select('password_hash').where('login', '=', OWNER.login).executeTakeFirstOrThrow())
      .password_hash,
    before
  )
})
