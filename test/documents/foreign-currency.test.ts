// Orders from allegro.cz / allegro.sk issued in their currency with the VAT in PLN at the NBP
// table A rate of the last business day before the sale, asked from a local NBP stand-in over
// real HTTP; NBP down → not issued, the rate typed by hand instead.
import t, { type Test } from 'tap'
import { extractText } from 'unpdf'
import { startNbpStandIn, type StandInRates } from '../../src/nbp/nbp-stand-in.ts'
import { build, seedUser } from '../helpers/app.ts'
import { TestClient } from '../helpers/client.ts'
import { insertShop, insertTransaction, type OrderSpec } from '../helpers/transaction-fixtures.ts'

const RATES: StandInRates = {
  CZK: {
    '2026-11-13': { no: '221/A/NBP/2026', mid: '0.1735' },
    '2026-04-03': { no: '066/A/NBP/2026', mid: '0.1702' }
  },
  EUR: {
    '2026-04-03': { no: '066/A/NBP/2026', mid: '4.2618' }
  }
}

// 1 230,00 + 99,00 delivery at 23 % and 108,00 at 8 % (CZK):
//   23 %: gross 1 329,00 → VAT 132 900 × 23 / 123 = 24 851,2… → 248,51 CZK
//    8 %: gross   108,00 → VAT 10 800 × 8 / 108 = 800 → 8,00 CZK
// at 0,1735: 248,51 × 0,1735 = 43,116 485 → 43,12 zł; 8,00 × 0,1735 = 1,388 → 1,39 zł; VAT w PLN 44,51 zł
// (converting the total 256,51 CZK at once would give 44,50 zł: the rates are converted one by one)
const CZK_ORDER: OrderSpec = {
  currency: 'CZK',
  marketplace: 'allegro-cz',
  invoice: 'company',
  items: [
    { name: 'Momentový klíč 1/2"', price: '1230.00', taxRate: '23.00' },
    { name: 'Kniha o nářadí', price: '108.00', taxRate: '8.00' }
  ],
  deliveryCost: '99.00',
  // Monday morning in Warsaw: the sale date is Monday 16.11.2026, so Friday's table applies
  boughtAt: '2026-11-16T07:20:00.000Z',
  paidAt: '2026-11-16T07:30:00.000Z'
}

async function setup(t: Test) {
  const standIn = await startNbpStandIn(RATES)
  t.teardown(standIn.close)
  const built = await build(t, { config: { NBP_API_URL: standIn.baseUrl } })
  const shop = await insertShop(built.db)
  return { ...built, standIn, shop }
}

async function wystaw(client: TestClient, transactionIds: number[], type = 'faktura') {
  await client.get('/przychody/dokumenty')
  const response = await client.post('/przychody/dokumenty/wystaw', {
    transactionIds: transactionIds.map(String),
    type
  })
  const location = String(response.headers.location ?? '')
  return {
    response,
    location,
    page: location.startsWith('/przychody/dokumenty/wynik/') ? await client.get(location) : null
  }
}

t.test(
  "CZK on a Monday: Friday's NBP table, PLN VAT summed per rate, shown on the page and the PDF, booked in PLN",
  async (t) => {
    const { db, owner, standIn, shop } = await setup(t)
    const id = await insertTransaction(db, shop, CZK_ORDER)
    const { page } = await wystaw(owner, [id])
    t.match(page?.body, 'Wystawiono 1 z 1')
    t.same(
      standIn.requests,
      ['/api/exchangerates/rates/a/czk/2026-11-13/'],
      'one question, for Friday 13.11 (sale on Monday 16.11)'
    )

    const doc = await db.selectFrom('documents').selectAll().executeTakeFirstOrThrow()
    t.match(doc, {
      currency: 'CZK',
      sale_date: '2026-11-16',
      total_gross: 143700,
      total_vat: 25651,
      total_net: 118049,
      exchange_rate: '0.1735',
      exchange_rate_table: '221/A/NBP/2026',
      exchange_rate_date: '2026-11-13',
      total_vat_pln: 4451
    })

    const note = 'Kurs NBP z dnia 13.11.2026, tabela 221/A/NBP/2026: 1 CZK = 0,1735 PLN; VAT w PLN: 44,51\u00a0zł'
    const detail = await owner.get(`/przychody/dokumenty/${doc.id}`)
    t.match(detail.body, note)
    t.match(detail.body, '1\u00a0437,00\u00a0CZK', 'amounts stay in CZK')
    const pdf = await owner.get(`/przychody/dokumenty/${doc.id}/pdf`)
    const { text } = await extractText(new Uint8Array(pdf.rawPayload), { mergePages: true })
    t.match(text.replace(/\s+/g, ' '), note.replace(/\s+/g, ' '))

    const vat = await db
      .selectFrom('ledger_entries')
      .select(['total_vat', 'revenue_sales'])
      .where('register', '=', 'vat')
      .where('document_id', '=', doc.id)
      .executeTakeFirstOrThrow()
    // net in PLN per rate: 1 080,49 × 0,1735 = 187,465… → 187,47; 100,00 × 0,1735 = 17,35 → 204,82 zł
    t.same(vat, { total_vat: 4451, revenue_sales: 20482 }, 'the VAT register has the same PLN VAT as the document')
  }
)

t.test(
  'after Easter Monday: the Friday before Easter; one question per currency and table day in a batch',
  async (t) => {
    const { db, owner, standIn, shop, clock } = await setup(t)
    clock.set('2026-04-08T10:00:00.000+02:00')
    // paid on Tuesday 7.04.2026: Monday 6.04 is Easter Monday, so the table is Friday's (3.04)
    const paid = { boughtAt: '2026-04-07T08:00:00.000Z', paidAt: '2026-04-07T08:05:00.000Z', deliveryCost: '0.00' }
    const eur1 = await insertTransaction(db, shop, {
      ...paid,
      currency: 'EUR',
      marketplace: 'allegro-sk',
      items: [{ price: '123.00', taxRate: '23.00' }]
    })
    const eur2 = await insertTransaction(db, shop, {
      ...paid,
      currency: 'EUR',
      marketplace: 'allegro-sk',
      items: [{ price: '10.01', taxRate: '23.00' }]
    })
    const czk = await insertTransaction(db, shop, {
      ...paid,
      currency: 'CZK',
      items: [{ price: '500.00', taxRate: '23.00' }]
    })
    const pln = await insertTransaction(db, shop, { ...paid, items: [{ price: '50.00', taxRate: '23.00' }] })
    const { page } = await wystaw(owner, [eur1, eur2, czk, pln])
    t.match(page?.body, 'Wystawiono 4 z 4')
    t.same([...standIn.requests].sort(), [
      '/api/exchangerates/rates/a/czk/2026-04-03/',
      '/api/exchangerates/rates/a/eur/2026-04-03/'
    ])

    const docs = await db
      .selectFrom('documents')
      .select(['currency', 'total_vat', 'total_vat_pln', 'exchange_rate', 'exchange_rate_date'])
      .orderBy('id')
      .execute()
    t.same(docs, [
      // 123,00 EUR: VAT 23,00 EUR × 4,2618 = 98,0214 → 98,02 zł
      {
        currency: 'EUR',
        total_vat: 2300,
        total_vat_pln: 9802,
        exchange_rate: '4.2618',
        exchange_rate_date: '2026-04-03'
      },
      // 10,01 EUR: VAT 1 001 × 23 / 123 = 187,18… → 1,87 EUR × 4,2618 = 7,969… → 7,97 zł
      {
        currency: 'EUR',
        total_vat: 187,
        total_vat_pln: 797,
        exchange_rate: '4.2618',
        exchange_rate_date: '2026-04-03'
      },
      // 500,00 CZK: VAT 50 000 × 23 / 123 = 9 349,59… → 93,50 CZK × 0,1702 = 15,9137 → 15,91 zł
      {
        currency: 'CZK',
        total_vat: 9350,
        total_vat_pln: 1591,
        exchange_rate: '0.1702',
        exchange_rate_date: '2026-04-03'
      },
      { currency: 'PLN', total_vat: 935, total_vat_pln: 935, exchange_rate: null, exchange_rate_date: null }
    ])
  }
)

t.test('NBP down: not issued, the reason shown, the rate typed by hand issues it', async (t) => {
  const { db, owner, standIn, shop } = await setup(t)
  const id = await insertTransaction(db, shop, CZK_ORDER)
  const other = await insertTransaction(db, shop, { ...CZK_ORDER, currency: 'EUR', marketplace: 'allegro-sk' })
  standIn.failWith(503)
  const { page } = await wystaw(owner, [id, other])
  t.match(page?.body, 'Wystawiono 0 z 2')
  t.match(
    page?.body,
    'brak kursu NBP dla CZK. Serwis kursów NBP odpowiedział błędem (HTTP 503) – spróbuj ponownie później albo wpisz kurs ręcznie.'
  )
  t.match(page?.body, `href="/przychody/allegro/${id}/kurs?typ=faktura"`)
  t.equal(standIn.requests.length, 1, 'after the first failure NBP is not asked again in the same batch')
  t.equal((await db.selectFrom('documents').select('id').execute()).length, 0, 'nothing issued')

  const form = await owner.get(`/przychody/allegro/${id}/kurs?typ=faktura`)
  t.equal(form.statusCode, 200)
  t.match(form.body, 'Data sprzedaży: <strong>16.11.2026</strong>')
  t.match(form.body, 'z <strong>13.11.2026</strong>')
  t.match(form.body, 'value="2026-11-13"', 'the table date is suggested')

  const bad = await owner.post(`/przychody/allegro/${id}/kurs`, {
    typ: 'faktura',
    kurs: '0,17351234',
    tabela: '221/NBP',
    data: '2026-11-16'
  })
  t.equal(bad.statusCode, 422)
  t.match(bad.body, 'najwyżej 6 cyfr po przecinku')
  t.match(bad.body, 'Numer tabeli jak w NBP')
  t.match(bad.body, 'Kurs musi pochodzić z dnia przed datą sprzedaży (16.11.2026)')
  t.match(bad.body, 'value="0,17351234"', 'values kept')
  t.match(bad.body, 'value="221/NBP"')
  const zero = await owner.post(`/przychody/allegro/${id}/kurs`, {
    typ: 'faktura',
    kurs: '0,0000',
    tabela: '',
    data: '2026-11-13'
  })
  t.equal(zero.statusCode, 422)
  t.match(zero.body, 'Kurs to liczba większa od zera')
  const old = await owner.post(`/przychody/allegro/${id}/kurs`, {
    typ: 'faktura',
    kurs: '0,1735',
    tabela: '',
    data: '2026-09-30'
  })
  t.equal(old.statusCode, 422)
  t.match(old.body, 'starsza niż miesiąc przed sprzedażą')
  const hostile = await owner.post(`/przychody/allegro/${id}/kurs`, {
    typ: ['faktura', 'x'],
    kurs: ['1', '2'],
    tabela: '<b>',
    data: 'jutro'
  })
  t.equal(hostile.statusCode, 422)
  t.match(hostile.body, 'value="&lt;b&gt;"')
  t.equal((await db.selectFrom('documents').select('id').execute()).length, 0, 'still nothing issued')

  const noCsrf = await owner.post(
    `/przychody/allegro/${id}/kurs`,
    { typ: 'faktura', kurs: '0,1735', tabela: '221/A/NBP/2026', data: '2026-11-13' },
    { csrf: null }
  )
  t.equal(noCsrf.statusCode, 403)

  const good = await owner.post(`/przychody/allegro/${id}/kurs`, {
    typ: 'faktura',
    kurs: '0,1735',
    tabela: '221/a/nbp/2026',
    data: '2026-11-13'
  })
  t.equal(good.statusCode, 303)
  t.match(good.headers.location, /^\/przychody\/dokumenty\/wynik\/\d+$/)
  const result = await owner.get(String(good.headers.location))
  t.match(result.body, 'Wystawiono 1 z 1')
  const doc = await db.selectFrom('documents').selectAll().executeTakeFirstOrThrow()
  t.match(doc, {
    currency: 'CZK',
    exchange_rate: '0.1735',
    exchange_rate_table: '221/A/NBP/2026',
    exchange_rate_date: '2026-11-13',
    total_vat_pln: 4451
  })
  const again = await owner.post(`/przychody/allegro/${id}/kurs`, {
    typ: 'faktura',
    kurs: '0,1735',
    tabela: '',
    data: '2026-11-13'
  })
  t.match(
    (await owner.get(String(again.headers.location))).body,
    'transakcja ma już dokument tego rodzaju: FV 1/11/2026',
    'a second submit issues nothing'
  )
  t.equal((await db.selectFrom('documents').select('id').execute()).length, 1)
})

t.test('the rate page: PLN orders need none, access needs the Allegro permission and a session', async (t) => {
  const { app, db, owner, shop, anonymous } = await setup(t)
  const pln = await insertTransaction(db, shop, {})
  const plnPage = await owner.get(`/przychody/allegro/${pln}/kurs?typ=faktura`)
  t.equal(plnPage.statusCode, 303)
  t.equal(plnPage.headers.location, `/przychody/allegro/${pln}`)
  const czk = await insertTransaction(db, shop, CZK_ORDER)
  const anon = await anonymous.get(`/przychody/allegro/${czk}/kurs?typ=faktura`)
  t.equal(anon.statusCode, 303)
  t.match(anon.headers.location, /^\/logowanie/)
  await seedUser(db, { login: 'ksiegowa', password: 'haslo-ksiegowej-1', ksiegowosc: true })
  const bookkeeper = new TestClient(app)
  await bookkeeper.login('ksiegowa', 'haslo-ksiegowej-1')
  t.equal((await bookkeeper.get(`/przychody/allegro/${czk}/kurs?typ=faktura`)).statusCode, 403)
  t.equal(
    (
      await bookkeeper.post(`/przychody/allegro/${czk}/kurs`, {
        typ: 'faktura',
        kurs: '0,1735',
        tabela: '',
        data: '2026-11-13'
      })
    ).statusCode,
    403
  )
  t.equal((await db.selectFrom('documents').select('id').execute()).length, 0)
})
