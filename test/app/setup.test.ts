import t from 'tap'
import { build } from '../helpers/app.ts'

const validSetup = {
  login: 'szef',
  ownerName: 'Anna Nowak',
  password: 'bardzo-tajne-1',
  passwordRepeat: 'bardzo-tajne-1',
  name: 'Nowak Handel',
  nip: '526-104-08-28',
  street: 'ul. Długa 5',
  postalCode: '30-001',
  city: 'Kraków',
  bankAccount: '61 1090 1014 0000 0712 1981 2874',
  email: '',
  phone: '',
  vatStatus: 'czynny',
  vatExemptionBasis: '',
  defaultVatRate: '23',
  taxForm: 'kpir',
  ryczaltRate: '',
  package: 'ksiegowosc_magazyn'
}

t.test('first run: every page leads to setup, setup creates owner and company', async (t) => {
  const { anonymous: browser, db } = await build(t, { state: 'none' })
  const login = await browser.get('/logowanie')
  t.equal(login.statusCode, 303)
  t.equal(login.headers.location, '/konfiguracja')
  const home = await browser.get('/')
  t.equal(home.statusCode, 303, 'home needs a session')
  const page = await browser.get('/konfiguracja')
  t.equal(page.statusCode, 200)
  t.match(page.body, 'Konto właściciela')

  const created = await browser.post('/konfiguracja', validSetup)
  t.equal(created.statusCode, 303)
  t.equal(created.headers.location, '/')
  const company = await db.selectFrom('company').selectAll().executeTakeFirstOrThrow()
  t.equal(company.nip, '5261040828', 'NIP stored without dashes')
  t.equal(company.bank_account, '61109010140000071219812874')
  t.equal(company.package, 'ksiegowosc_magazyn')
  const owner = await db.selectFrom('users').selectAll().executeTakeFirstOrThrow()
  t.equal(owner.role, 'owner')
  t.not(owner.password_hash, validSetup.password, 'password is hashed')
  t.match(owner.password_hash, /^scrypt\$/)

  const dashboard = await browser.get('/')
  t.equal(dashboard.statusCode, 200, 'logged in right after setup')
  t.match(dashboard.body, 'Magazyn', 'warehouse package shows MAGAZYN')

  const again = await browser.get('/konfiguracja')
  t.equal(again.statusCode, 303, 'setup is closed once an owner exists')
})

t.test('setup rejects bad NIP, bank account and short password with 422 and keeps values', async (t) => {
  const { anonymous: browser, db } = await build(t, { state: 'none' })
  await browser.get('/konfiguracja')
  const response = await browser.post('/konfiguracja', {
    ...validSetup,
    nip: '5261040829',
    bankAccount: '61109010140000071219812875',
    password: 'krotkie',
    passwordRepeat: 'krotkie',
    name: 'Firma <b>X</b>'
  })
  t.equal(response.statusCode, 422)
  t.match(response.body, 'NIP jest nieprawidłowy')
  t.match(response.body, 'Numer rachunku jest nieprawidłowy')
  t.match(response.body, 'co najmniej 12 znaków')
  t.match(response.body, 'value="Firma &lt;b&gt;X&lt;/b&gt;"', 'value kept and escaped')
  t.equal((await db.selectFrom('users').selectAll().execute()).length, 0, 'nothing created')
  t.equal((await db.selectFrom('company').selectAll().execute()).length, 0)
})

t.test('ryczałt needs a rate; zwolniony gets the art. 113 basis', async (t) => {
  const { anonymous: browser, db } = await build(t, { state: 'none' })
  await browser.get('/konfiguracja')
  const missing = await browser.post('/konfiguracja', { ...validSetup, taxForm: 'ryczalt', ryczaltRate: '' })
  t.equal(missing.statusCode, 422)
  t.match(missing.body, 'Wybierz stawkę ryczałtu')
  const ok = await browser.post('/konfiguracja', {
    ...validSetup,
    taxForm: 'ryczalt',
    ryczaltRate: '850',
    vatStatus: 'zwolniony'
  })
  t.equal(ok.statusCode, 303)
  const company = await db.selectFrom('company').selectAll().executeTakeFirstOrThrow()
  t.equal(company.ryczalt_rate_bp, 850)
  t.equal(company.default_vat_rate, 'zw')
  t.match(company.vat_exemption_basis, 'art. 113')
})
