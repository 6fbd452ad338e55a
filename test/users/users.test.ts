import t from 'tap'
import { build } from '../helpers/app.ts'
import { TestClient } from '../helpers/client.ts'

t.test('owner adds a user with per-module access; the user logs in and sees only those modules', async (t) => {
  const { app, owner, db } = await build(t, { company: { package: 'ksiegowosc_magazyn' } })
  const form = await owner.get('/ustawienia/uzytkownicy/nowy')
  t.equal(form.statusCode, 200)
  const created = await owner.post('/ustawienia/uzytkownicy', {
    login: 'magazynier',
    name: 'Piotr Magazyn',
    password: 'haslo-magazyniera',
    permMagazyn: 'on'
  })
  t.equal(created.statusCode, 303)
  const row = await db.selectFrom('users').selectAll().where('login', '=', 'magazynier').executeTakeFirstOrThrow()
  t.same([row.perm_allegro, row.perm_magazyn, row.perm_ksiegowosc, row.role], [0, 1, 0, 'user'])

  const list = await owner.get('/ustawienia/uzytkownicy')
  t.match(list.body, 'Piotr Magazyn')

  const user = new TestClient(app)
  await user.login('magazynier', 'haslo-magazyniera')
  const home = await user.get('/')
  t.match(home.body, 'href="/magazyn/produkty"')
  t.notMatch(home.body, 'href="/ksiegowosc"')
  t.equal((await user.get('/ksiegowosc')).statusCode, 403)
  t.equal((await user.get('/magazyn/produkty')).statusCode, 200)
})

t.test('user form validation: 422 with values kept, duplicate login, short password', async (t) => {
  const { owner, db } = await build(t)
  await owner.get('/ustawienia/uzytkownicy/nowy')
  const bad = await owner.post('/ustawienia/uzytkownicy', { login: 'a b', name: '<img src=x>', password: 'krotkie' })
  t.equal(bad.statusCode, 422)
  t.match(bad.body, 'Login: 3–50 znaków')
  t.match(bad.body, 'co najmniej 12 znaków')
  t.match(bad.body, 'value="&lt;img src=x&gt;"')
  const duplicate = await owner.post('/ustawienia/uzytkownicy', {
    login: 'WLASCICIEL',
    name: 'Ktoś',
    password: 'dlugie-haslo-1'
  })
  t.equal(duplicate.statusCode, 422)
  t.match(duplicate.body, 'Ten login jest już zajęty.')
  const huge = await owner.post('/ustawienia/uzytkownicy', {
    login: 'ktos',
    name: 'x'.repeat(5000),
    password: 'dlugie-haslo-1'
  })
  t.equal(huge.statusCode, 422)
  t.match(huge.body, 'Najwyżej 100 znaków.')
  t.equal((await db.selectFrom('users').selectAll().execute()).length, 1, 'nothing added')
})

t.test('disabling a user ends their session; the owner cannot be disabled', async (t) => {
  const { app, owner, db } = await build(t)
  await owner.get('/ustawienia/uzytkownicy/nowy')
  await owner.post('/ustawienia/uzytkownicy', {
    login: 'pracownik',
    name: 'Pracownik',
    password: 'haslo-pracownika',
    permAllegro: 'on'
  })
  const id = (await db.selectFrom('users').select('id').where('login', '=', 'pracownik').executeTakeFirstOrThrow()).id
  const worker = new TestClient(app)
  await worker.login('pracownik', 'haslo-pracownika')
  t.equal((await worker.get('/')).statusCode, 200)

  await owner.get(`/ustawienia/uzytkownicy/${id}`)
  const disabled = await owner.post(`/ustawienia/uzytkownicy/${id}`, {
    login: 'pracownik',
    name: 'Pracownik',
    disabled: 'on'
  })
  t.equal(disabled.statusCode, 303)
  t.equal((await worker.get('/')).statusCode, 303, 'disabled user is logged out')

  const ownerId = (await db.selectFrom('users').select('id').where('role', '=', 'owner').executeTakeFirstOrThrow()).id
  await owner.get(`/ustawienia/uzytkownicy/${ownerId}`)
  const selfDisable = await owner.post(`/ustawienia/uzytkownicy/${ownerId}`, {
    login: 'wlasciciel',
    name: 'Jan Kowalski',
    disabled: 'on'
  })
  t.equal(selfDisable.statusCode, 422)
  t.match(selfDisable.body, 'Nie można wyłączyć konta właściciela.')
  t.equal((await owner.get('/ustawienia/uzytkownicy/999')).statusCode, 404)
  t.equal((await owner.get('/ustawienia/uzytkownicy/abc')).statusCode, 404)
})

t.test('USTAWIENIA » Firma: edit and validation', async (t) => {
  const { owner, db } = await build(t)
  const page = await owner.get('/ustawienia/firma')
  t.equal(page.statusCode, 200)
  t.match(page.body, 'value="Sklep Testowy Sp. z o.o."')
  const fields = {
    name: 'Nowa Nazwa',
    nip: '5261040828',
    street: 'ul. Nowa 2',
    postalCode: '00-950',
    city: 'Warszawa',
    bankAccount: '',
    email: 'biuro@example.pl',
    phone: '',
    vatStatus: 'czynny',
    vatExemptionBasis: '',
    defaultVatRate: '8',
    taxForm: 'kpir',
    ryczaltRate: '',
    package: 'ksiegowosc_magazyn',
    taxOfficeCode: '',
    taxpayerKind: 'fizyczna',
    firstName: '',
    lastName: '',
    birthDate: '',
    vatPeriod: 'miesiac'
  }
  const bad = await owner.post('/ustawienia/firma', {
    ...fields,
    postalCode: '00950',
    email: 'nie-email',
    vatStatus: 'inny'
  })
  t.equal(bad.statusCode, 422)
  t.match(bad.body, 'Kod pocztowy w formacie 00-000.')
  t.match(bad.body, 'Adres e-mail jest nieprawidłowy.')
  t.match(bad.body, 'Wybierz status VAT.')
  t.equal((await db.selectFrom('company').select('name').executeTakeFirstOrThrow()).name, 'Sklep Testowy Sp. z o.o.')
  const ok = await owner.post('/ustawienia/firma', fields)
  t.equal(ok.statusCode, 303)
  const company = await db.selectFrom('company').selectAll().executeTakeFirstOrThrow()
  t.same([company.name, company.default_vat_rate, company.package], ['Nowa Nazwa', '8', 'ksiegowosc_magazyn'])
  const after = await owner.get('/ustawienia/firma')
  t.match(after.body, 'Dane firmy zostały zapisane.')
})
