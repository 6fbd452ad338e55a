// Least privilege (ASVS 4.1.3, issue 16): the attacks the audit reproduced, with valid forms, so
// a 403 here is the permission check and not a validation error. The route-table walk in
// access.test.ts covers every route; this file shows the refused action really changes nothing.
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import t from 'tap'
import { openDatabase } from '../../src/db/database.ts'
import { migrateToLatest } from '../../src/db/migrate.ts'
import { migrationsDir } from '../../src/paths.ts'
import { build, seedUser } from '../helpers/app.ts'
import { TestClient } from '../helpers/client.ts'

const PASSWORD = 'haslo-testowe-123'

const manual = {
  type: 'faktura',
  contractorId: '',
  buyerName: 'Pracownia Łucka',
  buyerNip: '526-104-08-28',
  buyerStreet: 'ul. Ogrodowa 3',
  buyerPostalCode: '31-100',
  buyerCity: 'Kraków',
  buyerCountryCode: 'PL',
  issueDate: '2026-11-16',
  saleDate: '2026-11-14',
  dueDate: '2026-11-30',
  paymentMethod: 'przelew',
  notes: '',
  lineName: ['Usługa projektowa'],
  lineQuantity: ['1'],
  lineUnit: ['usł.'],
  linePrice: ['1 230,00'],
  lineVatRate: ['23'],
  action: 'issue'
}

const appForm = { clientId: 'obca-aplikacja-123', clientSecret: 'sekret-napastnika', appName: 'Przejęta' }

t.test('a user with only the Allegro permission cannot replace the client id or switch the module off', async (t) => {
  const { app, db, owner } = await build(t)
  await owner.get('/ustawienia/integracje/allegro')
  t.equal(
    (
      await owner.post('/ustawienia/integracje/allegro/aplikacje/produkcja', {
        clientId: 'wlasciwa-aplikacja',
        clientSecret: 'sekret-wlasciciela',
        appName: 'Biurko'
      })
    ).statusCode,
    303,
    'the owner saves the app'
  )
  const before = JSON.stringify([
    await db.selectFrom('allegro_apps').selectAll().execute(),
    await db.selectFrom('company').select('allegro_enabled').execute()
  ])

  await seedUser(db, { login: 'sprzedawca', password: PASSWORD, allegro: true })
  const seller = new TestClient(app)
  await seller.login('sprzedawca', PASSWORD)
  t.equal((await seller.get('/przychody/allegro')).statusCode, 200, 'the seller works with Allegro orders')
  const settings = await seller.get('/ustawienia/integracje/allegro')
  t.equal(settings.statusCode, 403, 'but does not see the company-wide settings')
  t.match(settings.body, 'Administracja')
  t.notMatch((await seller.get('/przychody/allegro')).body, 'href="/ustawienia/integracje"', 'nor a link to them')
  await seller.get('/')
  t.equal(
    (await seller.post('/ustawienia/integracje/allegro/aplikacje/produkcja', appForm)).statusCode,
    403,
    'replacing the client id: 403'
  )
  t.equal(
    (await seller.post('/ustawienia/integracje/allegro/aplikacje/produkcja/usuniecie', {})).statusCode,
    403,
    'deleting the app: 403'
  )
  t.equal(
    (await seller.post('/ustawienia/integracje/allegro/modul', {})).statusCode,
    403,
    'switching the module off: 403'
  )
  t.equal(
    JSON.stringify([
      await db.selectFrom('allegro_apps').selectAll().execute(),
      await db.selectFrom('company').select('allegro_enabled').execute()
    ]),
    before,
    'nothing changed'
  )

  await seedUser(db, { login: 'administrator', password: PASSWORD, allegro: true, administracja: true })
  const admin = new TestClient(app)
  await admin.login('administrator', PASSWORD)
  await admin.get('/ustawienia/integracje/allegro')
  t.equal(
    (
      await admin.post('/ustawienia/integracje/allegro/aplikacje/produkcja', {
        clientId: 'nowa-aplikacja-456',
        clientSecret: 'nowy-sekret',
        appName: 'Biurko'
      })
    ).statusCode,
    303,
    'a user the owner gave "Administracja" may'
  )
  const saved = await db
    .selectFrom('allegro_apps')
    .select('client_id')
    .where('environment', '=', 'production')
    .executeTakeFirstOrThrow()
  t.equal(saved.client_id, 'nowa-aplikacja-456')
})

t.test(
  'a user without the documents permission: 403 on issue, cancel, PDF, XML and the zip, and no contractors',
  async (t) => {
    // not booked on issue, so the permitted user below can cancel it
    const { app, db, owner } = await build(t, { company: { auto_book: 0 } })
    await owner.get('/przychody/dokumenty/nowy')
    const issued = await owner.post('/przychody/dokumenty/nowy', manual)
    t.equal(issued.statusCode, 303, 'the owner issues an invoice')
    const doc = await db.selectFrom('documents').select(['id', 'status']).executeTakeFirstOrThrow()
    const contractor = await db.selectFrom('contractors').select('id').executeTakeFirstOrThrow()
    const snapshot = async (): Promise<string> =>
      JSON.stringify([
        await db.selectFrom('documents').selectAll().execute(),
        await db.selectFrom('document_lines').selectAll().execute(),
        await db.selectFrom('contractors').selectAll().execute()
      ])
    const before = await snapshot()

    await seedUser(db, { login: 'magazynier', password: PASSWORD, magazyn: true, dokumenty: false })
    const clerk = new TestClient(app)
    await clerk.login('magazynier', PASSWORD)
    const home = await clerk.get('/')
    t.equal(home.statusCode, 200)
    t.notMatch(home.body, 'href="/przychody/dokumenty"', 'no link to the documents')
    t.notMatch(home.body, 'href="/kontrahenci"', 'no link to the contractors')
    for (const url of [
      '/przychody/dokumenty',
      '/przychody/dokumenty/nowy',
      `/przychody/dokumenty/${doc.id}`,
      `/przychody/dokumenty/${doc.id}/pdf`,
      `/przychody/dokumenty/${doc.id}/ksef.xml`,
      '/przychody/dokumenty/ksef.zip?miesiac=2026-11',
      `/przychody/dokumenty/${doc.id}/anulowanie`,
      '/kontrahenci',
      `/kontrahenci/${contractor.id}`
    ]) {
      const response = await clerk.get(url)
      t.equal(response.statusCode, 403, `GET ${url}: 403`)
      t.notMatch(response.body, 'Pracownia Łucka', `GET ${url}: no buyer data in the answer`)
    }
    await clerk.get('/')
    t.equal((await clerk.post('/przychody/dokumenty/nowy', manual)).statusCode, 403, 'issuing: 403')
    t.equal((await clerk.post(`/przychody/dokumenty/${doc.id}/anulowanie`, {})).statusCode, 403, 'cancelling: 403')
    t.equal((await clerk.post(`/przychody/dokumenty/${doc.id}/korekta`, {})).statusCode, 403, 'correcting: 403')
    t.equal(
      (await clerk.post(`/kontrahenci/${contractor.id}/edycja`, { name: 'Zmieniony' })).statusCode,
      403,
      'editing a contractor: 403'
    )
    t.equal(await snapshot(), before, 'nothing changed')

    await seedUser(db, { login: 'fakturzystka', password: PASSWORD, dokumenty: true })
    const clerk2 = new TestClient(app)
    await clerk2.login('fakturzystka', PASSWORD)
    t.equal(
      (await clerk2.get(`/przychody/dokumenty/${doc.id}/pdf`)).statusCode,
      200,
      'with the permission the PDF opens'
    )
    await clerk2.get(`/przychody/dokumenty/${doc.id}/anulowanie`)
    t.equal(
      (await clerk2.post(`/przychody/dokumenty/${doc.id}/anulowanie`, {})).statusCode,
      303,
      'and cancelling works'
    )
    t.equal(
      (await db.selectFrom('documents').select('status').where('id', '=', doc.id).executeTakeFirstOrThrow()).status,
      'cancelled'
    )
  }
)

t.test('the owner grants the new permissions on the user form', async (t) => {
  const { db, owner } = await build(t)
  const form = await owner.get('/ustawienia/uzytkownicy/nowy')
  t.match(form.body, 'name="permDokumenty"')
  t.match(form.body, 'name="permAdministracja"')
  const created = await owner.post('/ustawienia/uzytkownicy', {
    login: 'ksiegowa',
    name: 'Ewa Księgowa',
    password: 'dlugie-haslo-ksiegowej',
    permKsiegowosc: 'on',
    permAdministracja: 'on'
  })
  t.equal(created.statusCode, 303)
  const row = await db
    .selectFrom('users')
    .select(['perm_ksiegowosc', 'perm_dokumenty', 'perm_administracja', 'perm_allegro'])
    .where('login', '=', 'ksiegowa')
    .executeTakeFirstOrThrow()
  t.same(row, { perm_ksiegowosc: 1, perm_dokumenty: 0, perm_administracja: 1, perm_allegro: 0 }, 'only what was ticked')
})

t.test(
  'migration 0711: users that existed keep documents access (everyone could issue before), only the owner gets administration',
  async (t) => {
    const older = mkdtempSync(join(tmpdir(), 'biurko-0711-'))
    t.teardown(() => rmSync(older, { recursive: true, force: true }))
    for (const file of readdirSync(migrationsDir).filter((f) => f.endsWith('.sql') && f < '0711'))
      copyFileSync(join(migrationsDir, file), join(older, file))
    const { db, sqlite } = openDatabase(':memory:')
    t.teardown(async () => {
      await db.destroy()
    })
    await migrateToLatest(db, sqlite, older)
    for (const [login, role] of [
      ['szef', 'owner'],
      ['pracownik', 'user']
    ]) {
      await sql`INSERT INTO users (login, name, password_hash, role, created_at, updated_at) VALUES (${login}, ${login}, 'x', ${role}, '2026-11-16T09:00:00.000Z', '2026-11-16T09:00:00.000Z')`.execute(
        db
      )
    }
    await migrateToLatest(db, sqlite)
    const rows = await db
      .selectFrom('users')
      .select(['login', 'perm_dokumenty', 'perm_administracja'])
      .orderBy('login')
      .execute()
    t.same(rows, [
      { login: 'pracownik', perm_dokumenty: 1, perm_administracja: 0 },
      { login: 'szef', perm_dokumenty: 1, perm_administracja: 1 }
    ])
  }
)
