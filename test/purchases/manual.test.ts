// Purchase invoices entered by hand (paper and foreign invoices outside KSeF) and payments of
// purchase invoices with the VAT white-list check, against the local NBP and white-list stand-ins
// over loopback HTTP.
//
// Hand figures (TEST_NOW Monday 2026-11-16):
//   A  Hurtownia Łódzka (NIP 676-246-82-59) FV/11/2026/15, issued 10.11, received 12.11, PLN:
//      23 % net 1 000,00 VAT 230,00; 8 % net 250,00 VAT 20,00 → net 1 250,00, VAT 250,00, gross 1 500,00
//      booked kol. 12, VAT deducted for 2026-11 → KPiR kol. 12 1 250,00, register VAT 250,00
//   E  Marketplace Services Ltd (IE9825613N) INV-2026-1101, issued Monday 2.11, EUR, np 123,45 EUR:
//      rate: the last business day before 2.11 is Friday 30.10 (31.10 Sat, 1.11 Sun and a holiday),
//      NBP 4,2512 (table 211/A/NBP/2026) → 123,45 × 4,2512 = 524,810 64 → 524,81 zł, booked kol. 15
//   B  Hurtownia Łódzka FV/11/2026/16: 23 % net 12 195,13 → VAT 2 804,88 (2 804,879 9), gross 15 000,01
//      — exceeds 15 000 zł (art. 19 pkt 2 Prawa przedsiębiorców): every transfer is checked
//   C  Hurtownia Łódzka FV/11/2026/17: 23 % net 12 195,12 → VAT 2 804,88 (2 804,877 6), gross 15 000,00
//      — does not exceed: no check, no request to the register
//   the seller's account on the list: 61 1090 1014 0000 0712 1981 2874; not on it: 65 1090 1014 0000 0712 1981 2899
import t from 'tap'
import { startNbpStandIn } from '../../src/nbp/nbp-stand-in.ts'
import { startWhiteListStandIn } from '../../src/simulators/whitelist/stand-in.ts'
import { build, type Built } from '../helpers/app.ts'

const SELLER = {
  name: 'HURTOWNIA ŁÓDZKA SP. Z O.O.',
  nip: '6762468259',
  statusVat: 'Czynny' as const,
  workingAddress: 'PIOTRKOWSKA 100, 90-001 ŁÓDŹ',
  accountNumbers: ['61109010140000071219812874']
}
const ON_LIST = '61109010140000071219812874'
const OFF_LIST = '65109010140000071219812899'

const nbp = await startNbpStandIn({ EUR: { '2026-10-30': { no: '211/A/NBP/2026', mid: '4.2512' } } })
t.teardown(nbp.close)
const wl = await startWhiteListStandIn([SELLER])
t.teardown(wl.close)

const NEW = '/koszty/faktury-zakupowe/nowa'
const base = {
  kraj: 'PL',
  nip: '676-246-82-59',
  nazwa: SELLER.name,
  adres: 'Piotrkowska 100, 90-001 Łódź',
  numer: 'FV/11/2026/15',
  data_wystawienia: '2026-11-10',
  data_sprzedazy: '',
  data_otrzymania: '2026-11-12',
  waluta: 'PLN',
  kurs: ''
}

async function enter(b: Built, fields: Record<string, string>) {
  return await b.owner.submit(NEW, NEW, fields)
}
const idFrom = (location: unknown) => Number(/\/koszty\/faktury-zakupowe\/(\d+)$/.exec(String(location))?.[1])
const count = async (b: Built) =>
  Number(
    (
      await b.db
        .selectFrom('purchase_invoices')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n
  )

t.test('a paper invoice in PLN: stored like a KSeF one, booked the same way, in the list and ledger_log', async (t) => {
  const b = await build(t, { config: { NBP_API_URL: nbp.baseUrl, WHITELIST_API_URL: wl.baseUrl } })
  const form = await b.owner.get(NEW)
  t.equal(form.statusCode, 200)
  t.match(form.body, 'name="netto_23"')

  // the white-list lookup fills the name and address
  const lookup = await b.owner.submit(NEW, `${NEW}/wykaz`, { ...base, nazwa: '', adres: '' })
  t.equal(lookup.statusCode, 200)
  t.match(lookup.body, 'value="HURTOWNIA ŁÓDZKA SP. Z O.O."')
  t.match(lookup.body, 'value="PIOTRKOWSKA 100, 90-001 ŁÓDŹ"')

  const saved = await enter(b, { ...base, netto_23: '1 000,00', vat_23: '230,00', netto_8: '250', vat_8: '' })
  t.equal(saved.statusCode, 303, saved.body.slice(0, 400))
  const id = idFrom(saved.headers.location)
  const row = await b.db.selectFrom('purchase_invoices').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
  t.match(row, {
    source: 'reczna',
    ksef_number: null,
    environment: null,
    seller_nip: '6762468259',
    seller_country: 'PL',
    invoice_number: 'FV/11/2026/15',
    issue_date: '2026-11-10',
    currency: 'PLN',
    net: 125_000,
    vat: 25_000,
    gross: 150_000,
    vat_pln: 25_000,
    needs_review: 0
  })
  t.equal(row.acquisition_date, '2026-11-11T23:00:00.000Z', 'the day of receipt, midnight in Warsaw')
  const rates = await b.db
    .selectFrom('purchase_invoice_rates')
    .select(['rate', 'net', 'vat', 'vat_pln'])
    .where('purchase_invoice_id', '=', id)
    .orderBy('id')
    .execute()
  t.same(
    rates,
    [
      { rate: '23', net: 100_000, vat: 23_000, vat_pln: 23_000 },
      { rate: '8', net: 25_000, vat: 2_000, vat_pln: 2_000 }
    ],
    'the 8 % VAT computed when left empty'
  )

  const page = await b.owner.get(`/koszty/faktury-zakupowe/${id}`)
  t.match(page.body, 'wprowadzona ręcznie (poza KSeF)')
  t.match(page.body, '1\u00a0500,00\u00a0zł')
  t.match(page.body, /name="okres" type="text" value="2026-11"/)

  const booked = await b.owner.submit(`/koszty/faktury-zakupowe/${id}`, `/koszty/faktury-zakupowe/${id}/ksiegowanie`, {
    kolumna: '12',
    data: '2026-11-10',
    odliczenie: 'tak',
    okres: '2026-11',
    rodzaj: 'pozostale',
    opis: ''
  })
  t.equal(booked.statusCode, 303, booked.body.slice(0, 300))
  const booking = await b.db
    .selectFrom('purchase_bookings')
    .selectAll()
    .where('purchase_invoice_id', '=', id)
    .executeTakeFirstOrThrow()
  t.match(booking, {
    kpir_column: '12',
    entry_number: 1,
    cost_amount: 125_000,
    deductible_vat: 25_000,
    vat_month: '2026-11',
    ksef_number: null,
    document_number: 'FV/11/2026/15',
    counterparty_tax_id: '6762468259',
    received_date: '2026-11-12'
  })
  const kpir = await b.owner.get('/ksiegowosc/kpir?miesiac=2026-11')
  t.match(kpir.body, 'FV/11/2026/15')
  const register = await b.owner.get('/ksiegowosc/rejestr-zakupu-vat?miesiac=2026-11')
  t.match(register.body, '250,00')

  const list = await b.owner.get('/koszty/faktury-zakupowe')
  t.match(list.body, 'wprowadzona ręcznie')
  t.match(
    list.body,
    /data-label="Zaksięgowana"><span class="badge ok">tak<\/span><br><small class="muted">KPiR Lp\. 1 \(2026-11\), VAT 2026-11/
  )

  const log = () =>
    b.db
      .selectFrom('ledger_log')
      .select(['action', 'register', 'month', 'entry_number', 'document_number', 'purchase_invoice_id'])
      .where('purchase_invoice_id', '=', id)
      .orderBy('id')
      .execute()
  t.same(await log(), [
    {
      action: 'booked',
      register: 'kpir',
      month: '2026-11',
      entry_number: 1,
      document_number: 'FV/11/2026/15',
      purchase_invoice_id: id
    },
    {
      action: 'booked',
      register: 'vat_zakup',
      month: '2026-11',
      entry_number: null,
      document_number: 'FV/11/2026/15',
      purchase_invoice_id: id
    }
  ])
  const unbooked = await b.owner.submit(
    `/koszty/faktury-zakupowe/${id}`,
    `/koszty/faktury-zakupowe/${id}/odksiegowanie`,
    {}
  )
  t.equal(unbooked.statusCode, 303)
  t.same(
    (await log()).map((l) => `${l.action} ${l.register}`),
    ['booked kpir', 'booked vat_zakup', 'unbooked kpir', 'unbooked vat_zakup']
  )
  t.match(
    (await b.owner.get(`/koszty/faktury-zakupowe/${id}`)).body,
    'odksięgowano (rejestr zakupu VAT, listopad 2026)'
  )
  t.match(
    (await b.owner.get('/koszty/faktury-zakupowe')).body,
    /data-label="Zaksięgowana"><span class="muted">nie<\/span>/
  )

  // the same seller and number again
  const again = await enter(b, { ...base, netto_23: '1000' })
  t.equal(again.statusCode, 422)
  t.match(again.body, 'Faktura FV/11/2026/15 od tego sprzedawcy jest już zapisana')
  t.equal(await count(b), 1)
})

t.test('a foreign invoice in EUR: the NBP rate of the last business day before, VAT-free, booked in PLN', async (t) => {
  const b = await build(t, { config: { NBP_API_URL: nbp.baseUrl, WHITELIST_API_URL: wl.baseUrl } })
  nbp.requests.length = 0
  const saved = await enter(b, {
    ...base,
    kraj: 'IE',
    nip: 'IE 9825613 N',
    nazwa: 'Marketplace Services Ltd',
    adres: '1 Dock Road, Dublin',
    numer: 'INV-2026-1101',
    data_wystawienia: '2026-11-02',
    data_otrzymania: '2026-11-03',
    waluta: 'eur',
    netto_np: '123,45'
  })
  t.equal(saved.statusCode, 303, saved.body.slice(0, 400))
  t.same(nbp.requests, ['/api/exchangerates/rates/a/eur/2026-10-30/'], 'one question, for Friday 30.10')
  const id = idFrom(saved.headers.location)
  const row = await b.db.selectFrom('purchase_invoices').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
  t.match(row, {
    seller_nip: 'IE9825613N',
    seller_country: 'IE',
    currency: 'EUR',
    exchange_rate: '4.2512',
    exchange_rate_table: '211/A/NBP/2026',
    exchange_rate_date: '2026-10-30',
    net: 12_345,
    vat: 0,
    gross: 12_345
  })
  const page = await b.owner.get(`/koszty/faktury-zakupowe/${id}`)
  t.match(page.body, '4,2512')
  t.match(page.body, '123,45\u00a0EUR')
  const booked = await b.owner.submit(`/koszty/faktury-zakupowe/${id}`, `/koszty/faktury-zakupowe/${id}/ksiegowanie`, {
    kolumna: '15',
    data: '2026-11-02',
    odliczenie: 'nie',
    okres: '',
    rodzaj: 'pozostale',
    opis: 'Opłaty platformy'
  })
  t.equal(booked.statusCode, 303, booked.body.slice(0, 300))
  const booking = await b.db
    .selectFrom('purchase_bookings')
    .selectAll()
    .where('purchase_invoice_id', '=', id)
    .executeTakeFirstOrThrow()
  t.match(booking, {
    kpir_column: '15',
    cost_amount: 52_481,
    total_net: 52_481,
    total_vat: 0,
    vat_deducted: 0,
    remarks: 'EUR, kurs 4,2512'
  })

  // a rate typed from the invoice is used as it is, without asking NBP
  nbp.requests.length = 0
  const typed = await enter(b, {
    ...base,
    kraj: 'IE',
    nip: 'IE9825613N',
    nazwa: 'Marketplace Services Ltd',
    numer: 'INV-2026-1102',
    data_wystawienia: '2026-11-02',
    waluta: 'EUR',
    kurs: '4,25',
    netto_np: '10'
  })
  t.equal(typed.statusCode, 303)
  t.same(nbp.requests, [])
  t.match(
    await b.db
      .selectFrom('purchase_invoices')
      .select(['exchange_rate', 'exchange_rate_table'])
      .where('invoice_number', '=', 'INV-2026-1102')
      .executeTakeFirstOrThrow(),
    { exchange_rate: '4.25', exchange_rate_table: null }
  )

  // NBP failing: a 422 on the rate field, nothing stored
  nbp.failWith(500)
  const failed = await enter(b, {
    ...base,
    kraj: 'IE',
    nip: 'IE9825613N',
    nazwa: 'Marketplace Services Ltd',
    numer: 'INV-2026-1103',
    data_wystawienia: '2026-11-02',
    waluta: 'EUR',
    netto_np: '10'
  })
  nbp.failWith(null)
  t.equal(failed.statusCode, 422)
  t.match(failed.body, 'Serwis kursów NBP odpowiedział błędem (HTTP 500)')
  t.match(failed.body, 'value="INV-2026-1103"', 'the values kept')
  t.equal(await count(b), 2)
})

t.test('bad input: a 422 in Polish with the values kept, nothing stored', async (t) => {
  const b = await build(t, { config: { NBP_API_URL: nbp.baseUrl, WHITELIST_API_URL: wl.baseUrl } })
  const cases: Array<[Record<string, string>, string]> = [
    [{ nip: '676-246-82-58', netto_23: '100' }, 'NIP jest nieprawidłowy (błędna cyfra kontrolna albo nie 10 cyfr).'],
    [{ netto_23: '1000,00', vat_23: '231,00' }, 'VAT 23 % od 1\u00a0000,00 to 230,00 – sprawdź kwoty na fakturze.'],
    [{ netto_8: '0,07', vat_8: '0,00' }, 'VAT 8 % od 0,07 to 0,01'],
    [{ netto_23: '12,345' }, 'Kwota netto: liczba z najwyżej dwoma miejscami po przecinku'],
    [{}, 'Podaj kwotę netto przynajmniej dla jednej stawki VAT.'],
    [{ netto_23: '100', data_wystawienia: '2026-02-30' }, 'Podaj prawidłową datę w formacie RRRR-MM-DD'],
    [{ netto_23: '100', data_otrzymania: '2026-11-17' }, 'Data otrzymania nie może być późniejsza niż dziś.'],
    [{ netto_23: '100', data_otrzymania: '2026-11-09' }, 'Faktury nie można otrzymać przed jej wystawieniem.'],
    [{ netto_23: '100', waluta: 'EURO' }, 'Waluta: trzyliterowy kod'],
    [{ netto_23: '100', waluta: 'EUR', kurs: '-4' }, 'Kurs: liczba dodatnia'],
    [{ netto_23: '100', nazwa: '' }, 'Podaj nazwę sprzedawcy.'],
    [{ netto_23: '100', kraj: 'IE', nip: 'IE<script>' }, 'Numer podatkowy sprzedawcy: 2–20 liter i cyfr']
  ]
  for (const [fields, message] of cases) {
    const res = await enter(b, { ...base, ...fields })
    t.equal(res.statusCode, 422, message)
    t.match(res.body, message)
  }
  const kept = await enter(b, { ...base, numer: 'FV/<b>1</b>', netto_23: '1000,00', vat_23: '231,00' })
  t.match(kept.body, 'value="FV/&lt;b&gt;1&lt;/b&gt;"', 'the number kept, escaped')
  t.match(kept.body, 'value="231,00"')
  t.equal(await count(b), 0)
})

t.test('payments: the white-list check above 15 000 zł, on the day of payment', async (t) => {
  const b = await build(t, { config: { NBP_API_URL: nbp.baseUrl, WHITELIST_API_URL: wl.baseUrl } })
  const small = idFrom((await enter(b, { ...base, netto_23: '1000', netto_8: '250' })).headers.location)
  const big = idFrom((await enter(b, { ...base, numer: 'FV/11/2026/16', netto_23: '12195,13' })).headers.location)
  const limit = idFrom((await enter(b, { ...base, numer: 'FV/11/2026/17', netto_23: '12195,12' })).headers.location)
  t.match(
    await b.db
      .selectFrom('purchase_invoices')
      .select(['gross'])
      .where('id', 'in', [big, limit])
      .orderBy('id')
      .execute(),
    [{ gross: 1_500_001 }, { gross: 1_500_000 }]
  )
  const pay = async (id: number, fields: Record<string, string>) =>
    await b.owner.submit(`/koszty/faktury-zakupowe/${id}`, `/koszty/faktury-zakupowe/${id}/zaplata`, {
      zaplata_data: '2026-11-14',
      sposob: 'przelew',
      rachunek: OFF_LIST,
      ...fields
    })
  const payments = async (id: number) =>
    await b.db
      .selectFrom('purchase_payments')
      .select(['paid_on', 'amount', 'method', 'account', 'whitelist_status', 'warning'])
      .where('purchase_invoice_id', '=', id)
      .orderBy('id')
      .execute()

  wl.requests.length = 0
  t.equal((await pay(small, { zaplata_kwota: '1500,00' })).statusCode, 303)
  t.equal((await pay(limit, { zaplata_kwota: '15 000,00' })).statusCode, 303)
  t.same(wl.requests, [], 'no question to the register at 15 000,00 zł and below')
  t.match(await payments(limit), [{ amount: 1_500_000, whitelist_status: 'nie_dotyczy', warning: '' }])
  t.match((await b.owner.get(`/koszty/faktury-zakupowe/${small}`)).body, /id="pozostalo">0,00\u00a0zł</)

  // 15 000,01: to an account on the list, then to one that is not
  t.equal((await pay(big, { zaplata_kwota: '5000', rachunek: '61 1090 1014 0000 0712 1981 2874' })).statusCode, 303)
  t.same(wl.requests, ['/api/search/nip/6762468259?date=2026-11-14'], 'the register as of the day of payment')
  const off = await pay(big, { zaplata_kwota: '5000', zaplata_data: '2026-11-15' })
  t.equal(off.statusCode, 303)
  const list = await payments(big)
  t.match(list, [
    { amount: 500_000, account: ON_LIST, whitelist_status: 'na_liscie', warning: '' },
    { amount: 500_000, account: OFF_LIST, whitelist_status: 'poza_lista' }
  ])
  for (const reason of [
    'art. 22p ust. 1 pkt 2 ustawy o PIT',
    'art. 117ba § 1 Ordynacji podatkowej',
    'ZAW-NR',
    'w ciągu 7 dni'
  ])
    t.match(list[1].warning, reason, reason)
  const page = await b.owner.get(`/koszty/faktury-zakupowe/${big}`)
  t.match(page.body, 'rachunek POZA wykazem')
  t.match(page.body, 'Uwaga: Rachunek 65109010140000071219812899 nie jest w Wykazie', 'the flash says it at once')
  t.match(page.body, /id="pozostalo">5\u00a0000,01\u00a0zł</)

  // the register not answering: the payment is kept with a warning to check by hand
  wl.fault({ kind: 'status', status: 500 })
  t.equal((await pay(big, { zaplata_kwota: '1000' })).statusCode, 303)
  wl.fault(null)
  t.match((await payments(big))[2], {
    whitelist_status: 'nie_sprawdzono',
    warning:
      /Nie udało się sprawdzić rachunku w Wykazie podatników VAT \(Wykaz podatników VAT odpowiedział błędem \(HTTP 500\)/
  })
  // in cash above the limit: no account at all (art. 22p ust. 1 pkt 1)
  t.equal((await pay(big, { zaplata_kwota: '1000', sposob: 'gotowka', rachunek: '' })).statusCode, 303)
  t.match((await payments(big))[3], {
    method: 'gotowka',
    account: '',
    whitelist_status: 'nie_dotyczy',
    warning: /art\. 22p ust\. 1 pkt 1 ustawy o PIT/
  })
  // split payment: no joint liability, no question
  wl.requests.length = 0
  t.equal((await pay(big, { zaplata_kwota: '1000', mpp: '1' })).statusCode, 303)
  t.same(wl.requests, [])
  t.match((await payments(big))[4], { whitelist_status: 'nie_dotyczy', warning: '' })

  // bad input: nothing stored
  const before = (await payments(big)).length
  const bad: Array<[Record<string, string>, string]> = [
    [{ zaplata_kwota: '2000,02' }, 'Kwota przekracza pozostałą do zapłaty: 2\u00a0000,01 PLN.'],
    [{ zaplata_kwota: '0' }, 'Kwota: liczba większa od zera'],
    [{ zaplata_kwota: '10', rachunek: '61109010140000071219812875' }, 'Numer rachunku jest nieprawidłowy'],
    [{ zaplata_kwota: '10', rachunek: '' }, 'Podaj rachunek, na który zlecono przelew.'],
    [{ zaplata_kwota: '10', zaplata_data: '2026-11-17' }, 'Data zapłaty nie może być późniejsza niż dziś'],
    [{ zaplata_kwota: '10', sposob: 'bitcoin' }, 'Wybierz sposób zapłaty.']
  ]
  for (const [fields, message] of bad) {
    const res = await pay(big, fields)
    t.equal(res.statusCode, 422, message)
    t.match(res.body, message)
  }
  t.equal((await payments(big)).length, before)
})
