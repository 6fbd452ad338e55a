import t from 'tap'
import { build, seedUser } from '../helpers/app.ts'
import { TestClient } from '../helpers/client.ts'
import { entriesOf, insertDocument } from '../helpers/ledger-fixtures.ts'

t.test('no session: pages lead to the login, forms are refused', async (t) => {
  const { anonymous, db } = await build(t)
  const id = await insertDocument(db, { issueDate: '2026-11-05', lines: [{ vatRate: '23', gross: 12300 }] })
  const page = await anonymous.get('/ksiegowosc/kpir?miesiac=2026-11')
  t.equal(page.statusCode, 303)
  t.equal(page.headers.location, '/logowanie?next=%2Fksiegowosc%2Fkpir%3Fmiesiac%3D2026-11')
  const csv = await anonymous.get('/ksiegowosc/kpir/csv?miesiac=2026-11')
  t.equal(csv.statusCode, 303)
  await anonymous.get('/logowanie')
  const post = await anonymous.post(`/ksiegowosc/dokumenty/${id}/ksiegowanie`)
  t.equal(post.statusCode, 303)
  t.equal(post.headers.location, '/logowanie')
  t.equal((await entriesOf(db, 'kpir')).length, 0)
})

t.test(
  'a user without KSIĘGOWOŚĆ gets 403 and books nothing; a bookkeeper works but owner-only settings stay closed',
  async (t) => {
    const { app, db } = await build(t)
    const id = await insertDocument(db, { issueDate: '2026-11-05', lines: [{ vatRate: '23', gross: 12300 }] })
    await seedUser(db, { login: 'sprzedawca', password: 'haslo-sprzedawcy-1', allegro: true })
    const seller = new TestClient(app)
    await seller.login('sprzedawca', 'haslo-sprzedawcy-1')
    const home = await seller.get('/')
    t.notMatch(home.body, 'href="/ksiegowosc"', 'no KSIĘGOWOŚĆ in the menu')
    for (const url of [
      '/ksiegowosc',
      '/ksiegowosc/kpir',
      '/ksiegowosc/rejestr-vat/csv',
      '/ksiegowosc/do-zaksiegowania',
      `/ksiegowosc/dokumenty/${id}`
    ]) {
      const response = await seller.get(url)
      t.equal(response.statusCode, 403, `GET ${url}`)
      t.match(response.body, 'Nie masz dostępu do tego modułu')
    }
    const post = await seller.post(`/ksiegowosc/dokumenty/${id}/ksiegowanie`)
    t.equal(post.statusCode, 403)
    const close = await seller.post('/ksiegowosc/miesiace/2026-10/zamkniecie')
    t.equal(close.statusCode, 403)
    t.equal((await entriesOf(db, 'kpir')).length, 0)
    t.equal((await db.selectFrom('ledger_closed_months').selectAll().execute()).length, 0)

    await seedUser(db, { login: 'ksiegowa', password: 'haslo-ksiegowej-1', ksiegowosc: true })
    const bookkeeper = new TestClient(app)
    await bookkeeper.login('ksiegowa', 'haslo-ksiegowej-1')
    const overview = await bookkeeper.get('/ksiegowosc')
    t.equal(overview.statusCode, 200)
    t.notMatch(overview.body, 'action="/ksiegowosc/automatyczne-ksiegowanie"', "the auto-booking switch is the owner's")
    const toggle = await bookkeeper.post('/ksiegowosc/automatyczne-ksiegowanie', {})
    t.equal(toggle.statusCode, 403)
    t.equal((await db.selectFrom('company').select('auto_book').executeTakeFirstOrThrow()).auto_book, 1)
    const book = await bookkeeper.post(`/ksiegowosc/dokumenty/${id}/ksiegowanie`)
    t.equal(book.statusCode, 303)
    const booked = await db
      .selectFrom('ledger_entries')
      .select(['register', 'booked_by'])
      .where('document_id', '=', id)
      .execute()
    t.equal(booked.length, 2, 'the bookkeeper booked the document')
    t.ok(
      booked.every((e) => e.booked_by !== null && e.booked_by > 1),
      'recorded as booked by the bookkeeper'
    )
  }
)

t.test('missing CSRF token: 403 and nothing changes', async (t) => {
  const { owner, db } = await build(t)
  const id = await insertDocument(db, { issueDate: '2026-11-05', lines: [{ vatRate: '23', gross: 12300 }] })
  await owner.get('/ksiegowosc')
  for (const url of [
    `/ksiegowosc/dokumenty/${id}/ksiegowanie`,
    '/ksiegowosc/do-zaksiegowania',
    '/ksiegowosc/miesiace/2026-10/zamkniecie',
    '/ksiegowosc/automatyczne-ksiegowanie'
  ]) {
    const response = await owner.post(url, { dokumenty: String(id) }, { csrf: null })
    t.equal(response.statusCode, 403, url)
    t.match(response.body, 'Formularz wygasł')
  }
  t.equal((await entriesOf(db, 'kpir')).length, 0)
  t.equal((await db.selectFrom('ledger_closed_months').selectAll().execute()).length, 0)
  t.equal((await db.selectFrom('company').select('auto_book').executeTakeFirstOrThrow()).auto_book, 1)
})

t.test('bad input: 422 with the value kept, unknown ids 404, never a 500', async (t) => {
  const { owner, db } = await build(t)
  const id = await insertDocument(db, { issueDate: '2026-11-05', lines: [{ vatRate: '23', gross: 12300 }] })
  for (const url of [
    '/ksiegowosc/kpir?miesiac=2026-13',
    '/ksiegowosc/rejestr-vat?miesiac=%3Cb%3E',
    '/ksiegowosc/ryczalt?miesiac=2026-00',
    '/ksiegowosc?miesiac=listopad'
  ]) {
    const response = await owner.get(url)
    t.equal(response.statusCode, 422, url)
    t.match(response.body, 'Podaj miesiąc w formacie RRRR-MM')
  }
  t.match((await owner.get('/ksiegowosc/kpir?miesiac=2026-13')).body, 'value="2026-13"', 'the typed month is kept')
  t.match((await owner.get('/ksiegowosc/rejestr-vat?miesiac=%3Cb%3E')).body, 'value="&lt;b&gt;"', 'and escaped')

  await owner.get('/ksiegowosc/do-zaksiegowania')
  const none = await owner.post('/ksiegowosc/do-zaksiegowania', {})
  t.equal(none.statusCode, 422)
  t.match(none.body, 'Zaznacz co najmniej jeden dokument do zaksięgowania.')
  const garbage = await owner.post('/ksiegowosc/do-zaksiegowania', { dokumenty: [String(id), 'abc'] })
  t.equal(garbage.statusCode, 422)
  t.match(garbage.body, /value="\d+" aria-label="Zaznacz FV 1\/11\/2026" checked/, 'the valid selection is kept')
  const tooMany = await owner.post('/ksiegowosc/do-zaksiegowania', {
    dokumenty: Array.from({ length: 501 }, (_, i) => String(i + 1))
  })
  t.equal(tooMany.statusCode, 422)
  t.match(tooMany.body, 'Najwyżej 500 dokumentów naraz.')
  const unknown = await owner.post('/ksiegowosc/do-zaksiegowania', { dokumenty: ['999999'] })
  t.equal(unknown.statusCode, 303)
  t.match((await owner.get('/ksiegowosc/do-zaksiegowania')).body, 'brak dokumentu: Nie ma takiego dokumentu.')
  t.equal((await entriesOf(db, 'kpir')).length, 0, 'nothing booked by the bad requests')

  const notRyczalt = await owner.post(`/ksiegowosc/dokumenty/${id}/stawki-ryczaltu`, { stawka_1: '300' })
  t.equal(notRyczalt.statusCode, 303)
  t.match((await owner.get(`/ksiegowosc/dokumenty/${id}`)).body, 'Firma nie rozlicza się ryczałtem')
  t.equal(
    (await db.selectFrom('ledger_ryczalt_line_rates').selectAll().execute()).length,
    0,
    'a KPiR company sets no ryczałt rates'
  )

  t.equal((await owner.get('/ksiegowosc/dokumenty/999999')).statusCode, 404)
  t.equal((await owner.get('/ksiegowosc/dokumenty/abc')).statusCode, 404)
  t.equal((await owner.post('/ksiegowosc/dokumenty/999999/ksiegowanie')).statusCode, 404)
  t.equal((await owner.post('/ksiegowosc/dokumenty/999999/odksiegowanie')).statusCode, 404)
  t.equal((await owner.post('/ksiegowosc/dokumenty/999999/stawki-ryczaltu')).statusCode, 404)
  t.equal((await owner.post('/ksiegowosc/miesiace/2026-13/zamkniecie')).statusCode, 404)
  t.equal((await owner.post('/ksiegowosc/miesiace/x/otwarcie')).statusCode, 404)
})
