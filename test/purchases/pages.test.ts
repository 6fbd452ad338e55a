// KOSZTY » Faktury zakupowe: Pobierz z KSeF through the page (POST → flash → 303), the list, a
// readable page per invoice with hostile content escaped, the file as received, permissions.
import t from 'tap'
import { downloadFinished } from './wait.ts'
import { setup, NIP } from '../ksef/helpers/sim-setup.ts'
import { build, seedUser } from '../helpers/app.ts'
import { TestClient } from '../helpers/client.ts'
import { ALLEGRO_NIP, BROKEN_NIP, EUR_SELLER_NIP, HOSTILE_NIP } from '../../src/simulators/ksef/purchases.ts'

t.test('Pobierz z KSeF, the list and a page per invoice', async (t) => {
  const s = await setup(t)
  const owner = s.built.owner
  const empty = await owner.get('/koszty/faktury-zakupowe')
  t.equal(empty.statusCode, 200)
  t.match(empty.body, 'Pobierz z KSeF')
  t.match(empty.body, 'href="/koszty/faktury-zakupowe" class="active"', 'the menu entry, active')
  const posted = await owner.post('/koszty/faktury-zakupowe/pobierz')
  t.equal(posted.statusCode, 303)
  t.equal(posted.headers.location, '/koszty/faktury-zakupowe')
  t.match(
    (await owner.get('/koszty/faktury-zakupowe')).body,
    'Pobieranie faktur z KSeF rozpoczęte w tle',
    'the button queues the download on the worker'
  )
  const finished = await downloadFinished(s.built.db)
  t.equal(finished.last_result, 'Pobrano faktury zakupowe z KSeF: nowych faktur: 6, do sprawdzenia: 2.')
  const list = await owner.get('/koszty/faktury-zakupowe')
  t.match(
    list.body,
    'Wynik ostatniego pobrania: Pobrano faktury zakupowe z KSeF: nowych faktur: 6, do sprawdzenia: 2.',
    'the page shows the result'
  )
  t.match(list.body, 'Allegro sp. z o.o.')
  t.match(list.body, 'Do sprawdzenia (2)')
  t.notMatch(list.body, '<script>alert', 'hostile names escaped')
  t.match(list.body, '&lt;script&gt;alert(&quot;sprzedawca&quot;)&lt;/script&gt;')
  const review = await owner.get('/koszty/faktury-zakupowe?do-sprawdzenia=1')
  t.notMatch(review.body, 'Allegro sp. z o.o.')

  const rows = await s.built.db
    .selectFrom('purchase_invoices')
    .select(['id', 'meta_seller_nip', 'invoice_kind', 'ksef_number'])
    .execute()
  const id = (nip: string, kind = 'VAT') =>
    rows.find((r) => r.meta_seller_nip === nip && (r.invoice_kind === kind || r.invoice_kind === null))!.id
  const allegro = await owner.get(`/koszty/faktury-zakupowe/${id(ALLEGRO_NIP)}`)
  t.equal(allegro.statusCode, 200)
  for (const expected of [
    'Allegro sp. z o.o.',
    '525-267-47-98',
    'Opłaty za sprzedaż – prowizje od transakcji',
    '1\u00a0476,00\u00a0zł',
    '276,00\u00a0zł',
    'zapłacona',
    'przelew',
    rows.find((r) => r.meta_seller_nip === ALLEGRO_NIP)!.ksef_number!
  ]) {
    t.match(allegro.body, expected, expected)
  }
  const eur = await owner.get(`/koszty/faktury-zakupowe/${id(EUR_SELLER_NIP)}`)
  t.match(eur.body, '46,00\u00a0EUR')
  t.match(eur.body, '195,50\u00a0zł', 'VAT in PLN')
  t.match(eur.body, '69 1140 2004 0000 3987 6543 2101', 'the payee account')
  const correction = await owner.get(`/koszty/faktury-zakupowe/${id('7789458078', 'KOR')}`)
  t.match(correction.body, 'Faktura korygująca')
  t.match(correction.body, 'przed korektą')
  t.match(correction.body, 'Zwrot 100 szt. kartonów')
  t.match(correction.body, '-123,00\u00a0zł')

  const hostile = await owner.get(`/koszty/faktury-zakupowe/${id(HOSTILE_NIP)}`)
  t.equal(hostile.statusCode, 200)
  t.notMatch(hostile.body, /<script>alert|<img src=x|<iframe|<b>szt/, 'nothing from the file is markup')
  t.match(hostile.body, '&lt;img src=x onerror=alert(1)&gt;')
  t.match(hostile.body, 'Do sprawdzenia')
  t.match(hostile.body, 'nieprawdopodobnie wysokie')
  const broken = await owner.get(`/koszty/faktury-zakupowe/${id(BROKEN_NIP)}`)
  t.equal(broken.statusCode, 200, 'an unreadable file still has a page')
  t.match(broken.body, 'nie jest poprawnym tekstem UTF-8')
  t.match(broken.body, 'Pliku tej faktury nie udało się odczytać')

  const file = await owner.get(`/koszty/faktury-zakupowe/${id(BROKEN_NIP)}/plik`)
  t.equal(file.statusCode, 200)
  t.equal(file.headers['content-type'], 'application/octet-stream')
  t.match(
    String(file.headers['content-disposition']),
    /^attachment; filename="\d{10}-\d{8}-[0-9A-F]{12}-[0-9A-F]{2}\.xml"$/
  )
  t.ok(file.rawPayload.includes(Buffer.from([0xff, 0xfe])), 'the bytes as received')

  for (const bad of [
    '/koszty/faktury-zakupowe/999999',
    '/koszty/faktury-zakupowe/abc',
    '/koszty/faktury-zakupowe/999999/plik'
  ]) {
    t.equal((await owner.get(bad)).statusCode, 404, bad)
  }
  t.equal(NIP, '5261040828')
})

t.test('without a KSeF connection the page says where to set it up', async (t) => {
  const b = await build(t)
  const page = await b.owner.get('/koszty/faktury-zakupowe')
  t.equal(page.statusCode, 200)
  t.match(page.body, 'USTAWIENIA » INTEGRACJE » KSeF')
  t.notMatch(page.body, 'action="/koszty/faktury-zakupowe/pobierz"')
  const posted = await b.owner.post('/koszty/faktury-zakupowe/pobierz')
  t.equal(posted.statusCode, 303)
  t.match((await b.owner.get('/koszty/faktury-zakupowe')).body, 'Nie skonfigurowano połączenia z KSeF')
})

t.test('a user without KSIĘGOWOŚĆ gets 403 and no menu link; CSRF is required', async (t) => {
  const b = await build(t)
  await seedUser(b.db, { login: 'sprzedawca', password: 'haslo-sprzedawcy-1', allegro: true })
  const seller = new TestClient(b.app)
  await seller.login('sprzedawca', 'haslo-sprzedawcy-1')
  t.notMatch((await seller.get('/')).body, 'href="/koszty/faktury-zakupowe"')
  t.equal((await seller.get('/koszty/faktury-zakupowe')).statusCode, 403)
  t.equal((await seller.post('/koszty/faktury-zakupowe/pobierz')).statusCode, 403)
  await b.owner.get('/koszty/faktury-zakupowe')
  t.equal((await b.owner.post('/koszty/faktury-zakupowe/pobierz', {}, { csrf: null })).statusCode, 403)
  t.equal((await b.anonymous.get('/koszty/faktury-zakupowe')).statusCode, 303)
})
