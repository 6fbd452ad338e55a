import t from 'tap'
import { decryptSecret, deriveKey } from '../../src/shared/crypto.ts'
import { build, seedUser, TEST_SECRET } from '../helpers/app.ts'
import { TestClient } from '../helpers/client.ts'

const BASE = '/ustawienia/integracje/allegro'
const validShop = {
  name: 'Zabawki Kasi',
  environment: 'production',
  buyerDataSource: 'account_owner',
  backfillDays: '14',
  autoImportMinutes: '30',
  autoImport: 'on'
}

t.test('no session: settings redirect to login, POSTs too', async (t) => {
  const { anonymous } = await build(t)
  const page = await anonymous.get(BASE)
  t.equal(page.statusCode, 303)
  t.match(page.headers.location, /^\/logowanie\?next=/)
  await anonymous.get('/logowanie')
  const post = await anonymous.post(`${BASE}/sklepy`, validShop)
  t.equal(post.statusCode, 303)
  t.equal(post.headers.location, '/logowanie')
})

t.test('a user without Allegro access gets 403; with access may manage shops', async (t) => {
  const { app, db } = await build(t)
  await seedUser(db, { login: 'ksiegowa', password: 'haslo-ksiegowej-1', ksiegowosc: true })
  await seedUser(db, { login: 'sprzedawca', password: 'haslo-sprzedawcy-1', allegro: true, administracja: true })
  const bookkeeper = new TestClient(app)
  await bookkeeper.login('ksiegowa', 'haslo-ksiegowej-1')
  t.equal((await bookkeeper.get(BASE)).statusCode, 403)
  t.equal((await bookkeeper.get(`${BASE}/sklepy/nowy`)).statusCode, 403)
  const denied = await bookkeeper.post(`${BASE}/sklepy`, validShop)
  t.equal(denied.statusCode, 403)
  t.equal((await db.selectFrom('allegro_shops').selectAll().execute()).length, 0, 'nothing created')
  t.notMatch((await bookkeeper.get('/')).body, 'href="/ustawienia/integracje"', 'no Integracje link for them')

  const seller = new TestClient(app)
  await seller.login('sprzedawca', 'haslo-sprzedawcy-1')
  const created = await seller.submit(`${BASE}/sklepy/nowy`, `${BASE}/sklepy`, validShop)
  t.equal(created.statusCode, 303)
})

t.test('missing CSRF token → 403 and nothing changes', async (t) => {
  const { owner, db } = await build(t)
  await owner.get(BASE)
  const response = await owner.post(`${BASE}/sklepy`, validShop, { csrf: null })
  t.equal(response.statusCode, 403)
  const module = await owner.post(`${BASE}/modul`, {}, { csrf: 'zly-token' })
  t.equal(module.statusCode, 403)
  t.equal((await db.selectFrom('allegro_shops').selectAll().execute()).length, 0)
  t.equal((await db.selectFrom('company').select('allegro_enabled').executeTakeFirstOrThrow()).allegro_enabled, 1)
})

t.test('add shop: valid form creates it, the list shows it with its health panel', async (t) => {
  const { owner, db } = await build(t)
  const form = await owner.get(`${BASE}/sklepy/nowy`)
  t.equal(form.statusCode, 200)
  t.match(form.body, 'Źródło danych kupującego, gdy nie chce faktury')
  t.match(form.body, 'Dane dostawy')
  t.match(form.body, 'Dane właściciela konta')
  t.notMatch(form.body, 'value="simulator"', 'no simulator option while it is off')

  const created = await owner.post(`${BASE}/sklepy`, validShop)
  t.equal(created.statusCode, 303)
  t.equal(created.headers.location, BASE)
  const shop = await db.selectFrom('allegro_shops').selectAll().executeTakeFirstOrThrow()
  t.match(shop, {
    name: 'Zabawki Kasi',
    environment: 'production',
    buyer_data_source: 'account_owner',
    backfill_days: 14,
    auto_import_minutes: 30,
    connection_status: 'not_connected'
  })

  const list = await owner.get(BASE)
  t.match(list.body, 'Dodano sklep Zabawki Kasi')
  t.match(list.body, 'Zabawki Kasi')
  t.match(list.body, 'niepołączony')
  t.match(list.body, 'Połącz z Allegro')
  t.match(list.body, 'automatycznie co 30 min')
})

t.test('add shop: bad input → 422 with messages and values kept, nothing stored', async (t) => {
  const { owner, db } = await build(t)
  await owner.get(`${BASE}/sklepy/nowy`)
  const cases = [
    { fields: { ...validShop, name: '' }, message: 'Podaj nazwę sklepu.' },
    { fields: { ...validShop, name: 'x'.repeat(101) }, message: 'Najwyżej 100 znaków.' },
    { fields: { ...validShop, environment: 'simulator' }, message: 'Wybierz środowisko Allegro.' },
    { fields: { ...validShop, environment: 'mars' }, message: 'Wybierz środowisko Allegro.' },
    { fields: { ...validShop, buyerDataSource: 'sąsiad' }, message: 'Wybierz, skąd brać dane kupującego.' },
    { fields: { ...validShop, backfillDays: '400' }, message: 'Podaj liczbę dni od 0 do 365.' },
    { fields: { ...validShop, backfillDays: '-1' }, message: 'Podaj liczbę dni od 0 do 365.' },
    { fields: { ...validShop, backfillDays: '3.5' }, message: 'Podaj liczbę dni od 0 do 365.' },
    { fields: { ...validShop, autoImportMinutes: '5' }, message: 'najczęściej co 10 minut' },
    { fields: { ...validShop, autoImportMinutes: 'co godzinę' }, message: 'najczęściej co 10 minut' },
    { fields: { ...validShop, name: ['Pierwsza', 'Druga'] }, message: null }
  ]
  for (const c of cases) {
    const response = await owner.post(`${BASE}/sklepy`, c.fields)
    if (c.message === null) {
      t.equal(response.statusCode, 303, 'a repeated field counts once')
      continue
    }
    t.equal(response.statusCode, 422, c.message)
    t.match(response.body, c.message)
  }
  t.equal((await db.selectFrom('allegro_shops').selectAll().execute()).length, 1, 'only the valid one stored')

  const kept = await owner.post(`${BASE}/sklepy`, { ...validShop, name: 'Sklep <b>Ania</b>', backfillDays: 'dużo' })
  t.equal(kept.statusCode, 422)
  t.match(kept.body, 'value="Sklep &lt;b&gt;Ania&lt;/b&gt;"', 'name kept and escaped')
  t.match(kept.body, 'value="dużo"')
  t.match(kept.body, /value="account_owner" checked/)

  const duplicate = await owner.post(`${BASE}/sklepy`, { ...validShop, name: 'pierwsza' })
  t.equal(duplicate.statusCode, 422)
  t.match(duplicate.body, 'Sklep o tej nazwie już jest w Biurku.')
})

t.test('edit and remove a shop; removal keeps its transactions', async (t) => {
  const { owner, db } = await build(t)
  await owner.submit(`${BASE}/sklepy/nowy`, `${BASE}/sklepy`, validShop)
  const shop = await db.selectFrom('allegro_shops').selectAll().executeTakeFirstOrThrow()
  const now = new Date().toISOString()
  await db
    .insertInto('transactions')
    .values({
      shop_id: shop.id,
      checkout_form_id: 'a1b2c3',
      revision: '1',
      allegro_status: 'READY_FOR_PROCESSING',
      total_to_pay: 1000,
      bought_at: now,
      buyer_id: '1',
      buyer_login: 'kupiec',
      raw_json: '{}',
      imported_at: now,
      updated_at: now
    })
    .execute()

  const edit = await owner.get(`${BASE}/sklepy/${shop.id}`)
  t.equal(edit.statusCode, 200)
  t.match(edit.body, 'value="Zabawki Kasi"')
  const saved = await owner.post(`${BASE}/sklepy/${shop.id}`, {
    ...validShop,
    name: 'Zabawki Kasi i Tomka',
    autoImport: null
  })
  t.equal(saved.statusCode, 303)
  const updated = await db.selectFrom('allegro_shops').selectAll().executeTakeFirstOrThrow()
  t.equal(updated.name, 'Zabawki Kasi i Tomka')
  t.equal(updated.auto_import_minutes, null, 'automatic import switched off')

  const bad = await owner.post(`${BASE}/sklepy/${shop.id}`, { ...validShop, name: '' })
  t.equal(bad.statusCode, 422)

  t.equal((await owner.get(`${BASE}/sklepy/abc`)).statusCode, 404)
  t.equal((await owner.get(`${BASE}/sklepy/999`)).statusCode, 404)

  await owner.get(BASE)
  const removed = await owner.post(`${BASE}/sklepy/${shop.id}/usuniecie`)
  t.equal(removed.statusCode, 303)
  const list = await owner.get(BASE)
  t.match(list.body, 'Pobrane z niego transakcje i wystawione dokumenty zostają w Biurku.')
  t.notMatch(list.body, `id="sklep-${shop.id}"`, 'removed shop hidden')
  t.equal((await owner.get(`${BASE}/sklepy/${shop.id}`)).statusCode, 404)
  const row = await db.selectFrom('allegro_shops').selectAll().executeTakeFirstOrThrow()
  t.ok(row.removed_at, 'row kept with removed_at')
  t.equal((await db.selectFrom('transactions').selectAll().execute()).length, 1, 'transactions kept')
})

t.test('module switch: off hides PRZYCHODY » ALLEGRO; auto-close option is stored', async (t) => {
  const { owner, db } = await build(t)
  const home = await owner.get('/')
  t.match(home.body, 'href="/przychody/allegro"')
  const page = await owner.get(BASE)
  t.match(page.body, 'WŁĄCZ MODUŁ ALLEGRO')
  t.match(page.body, 'Automatycznie zamykaj transakcję po wystawieniu dokumentu sprzedaży')

  const off = await owner.post(`${BASE}/modul`, { allegroAutoClose: 'on' })
  t.equal(off.statusCode, 303)
  const company = await db.selectFrom('company').selectAll().executeTakeFirstOrThrow()
  t.equal(company.allegro_enabled, 0)
  t.equal(company.allegro_auto_close, 1)
  const settings = await owner.get(BASE)
  t.match(settings.body, 'Moduł Allegro jest wyłączony')
  const hidden = await owner.get('/')
  t.notMatch(hidden.body, 'href="/przychody/allegro"', 'the tab is gone')
  t.notMatch(settings.body, 'name="allegroEnabled" checked')
  t.match(settings.body, 'name="allegroAutoClose" checked')

  await owner.post(`${BASE}/modul`, { allegroEnabled: 'on' })
  t.match((await owner.get('/')).body, 'href="/przychody/allegro"', 'back on')
})

t.test('Allegro app credentials: secret stored encrypted, never shown; 422 on bad input', async (t) => {
  const { owner, db } = await build(t)
  const page = await owner.get(BASE)
  t.match(page.body, 'apps.developer.allegro.pl')
  t.match(page.body, 'User-Agent')

  const bad = await owner.post(`${BASE}/aplikacje/produkcja`, {
    clientId: 'ab',
    clientSecret: '',
    appName: 'Biurko <script>'
  })
  t.equal(bad.statusCode, 422)
  t.match(bad.body, 'Client ID to 8–200 znaków')
  t.match(bad.body, 'Podaj Client Secret aplikacji.')
  t.match(bad.body, 'Nazwa aplikacji: do 60 znaków')
  t.match(bad.body, 'value="ab"', 'value kept')
  t.equal((await db.selectFrom('allegro_apps').selectAll().execute()).length, 0)

  const secret = 'Sekret-Aplikacji-0123456789abcdef'
  const ok = await owner.post(`${BASE}/aplikacje/produkcja`, {
    clientId: '0123456789abcdef0123456789abcdef',
    clientSecret: secret,
    appName: 'Moje Biurko'
  })
  t.equal(ok.statusCode, 303)
  const row = await db.selectFrom('allegro_apps').selectAll().executeTakeFirstOrThrow()
  t.equal(row.environment, 'production')
  t.equal(row.app_name, 'Moje Biurko')
  t.not(row.client_secret_enc, secret)
  t.equal(decryptSecret(deriveKey(TEST_SECRET, 'secrets'), row.client_secret_enc), secret)

  const after = await owner.get(BASE)
  t.notMatch(after.body, secret, 'the secret is never rendered')
  t.match(after.body, 'Zapisany. Zostaw puste, aby go nie zmieniać.')
  const keep = await owner.post(`${BASE}/aplikacje/produkcja`, {
    clientId: '0123456789abcdef0123456789abcdef',
    clientSecret: '',
    appName: 'Biurko'
  })
  t.equal(keep.statusCode, 303, 'an empty secret keeps the saved one')
  const kept = await db.selectFrom('allegro_apps').selectAll().executeTakeFirstOrThrow()
  t.equal(decryptSecret(deriveKey(TEST_SECRET, 'secrets'), kept.client_secret_enc), secret)

  t.equal((await owner.post(`${BASE}/aplikacje/ksiezyc`, { clientId: 'x' })).statusCode, 404)
  await owner.get(BASE)
  await owner.post(`${BASE}/aplikacje/produkcja/usuniecie`)
  t.equal((await db.selectFrom('allegro_apps').selectAll().execute()).length, 0)
})

t.test('connecting a production shop without app credentials explains what is missing', async (t) => {
  const { owner, db } = await build(t)
  await owner.submit(`${BASE}/sklepy/nowy`, `${BASE}/sklepy`, validShop)
  const shop = await db.selectFrom('allegro_shops').selectAll().executeTakeFirstOrThrow()
  const intro = await owner.get(`${BASE}/sklepy/${shop.id}/polaczenie`)
  t.equal(intro.statusCode, 200)
  t.match(intro.body, 'Połącz z Allegro')
  const start = await owner.post(`${BASE}/sklepy/${shop.id}/polaczenie`)
  t.equal(start.statusCode, 303)
  t.equal(start.headers.location, `${BASE}#aplikacje`)
  t.match((await owner.get(BASE)).body, 'Brak danych aplikacji Allegro (Client ID i Client Secret)')
  t.equal((await db.selectFrom('allegro_device_authorizations').selectAll().execute()).length, 0)
})

t.test('which server: the shop shows the Allegro address only when the configuration moved it', async (t) => {
  const usual = await build(t)
  await usual.owner.get(`${BASE}/sklepy/nowy`)
  t.equal((await usual.owner.post(`${BASE}/sklepy`, validShop)).statusCode, 303)
  const plain = await usual.owner.get(BASE)
  t.equal(plain.statusCode, 200)
  t.match(plain.body, 'Zabawki Kasi')
  t.notMatch(plain.body, 'Adres Allegro', "Allegro's own addresses are not worth a line")

  const moved = await build(t, {
    config: { ALLEGRO_API_URL: 'https://allegro-mock.internal:8443/', ALLEGRO_WEB_URL: 'https://allegro.pl' }
  })
  await moved.owner.get(`${BASE}/sklepy/nowy`)
  t.equal((await moved.owner.post(`${BASE}/sklepy`, validShop)).statusCode, 303)
  await moved.owner.get(`${BASE}/sklepy/nowy`)
  t.equal(
    (await moved.owner.post(`${BASE}/sklepy`, { ...validShop, name: 'Testowy', environment: 'sandbox' })).statusCode,
    303
  )
  const page = await moved.owner.get(BASE)
  t.match(
    page.body,
    /<dt>Adres Allegro<\/dt><dd>strona <code>https:\/\/allegro\.pl<\/code>, API <code>https:\/\/allegro-mock\.internal:8443<\/code>/,
    'the effective address, as the client uses it'
  )
  t.equal(
    page.body.split('<dt>Adres Allegro</dt>').length - 1,
    1,
    'the sandbox shop keeps its default addresses and no line'
  )
})
