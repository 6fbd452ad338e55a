// Booking purchase invoices received from KSeF: the Zaksięguj form on the invoice's page, the
// KPiR cost columns (one Lp. sequence with the revenue), the VAT purchase register and the
// JPK_V7M purchase rows and declaration, checked against the official XSD.
//
// Hand figures, November 2026 (TEST_NOW 2026-11-16; the simulator's seeds, all received in November):
//   Allegro FA/2026/10/0047113, 1 476,00 gross: 23 % net 1 200,00, VAT 276,00 → kol. 15, deducted
//   Kartonex KX/2026/11/0318: 23 % net 500,00 + 216,00 = 716,00, VAT 115,00 + 49,68 = 164,68;
//                             8 % net 110,00, VAT 8,80 → kol. 12, net 826,00, VAT 173,48
//   Kartonex correction KX/KOR/2026/0021, −123,00 gross: 23 % net −100,00, VAT −23,00 → kol. 12
//   EuroParcel EXP/2026/7781, 246,00 EUR gross: net 200,00 EUR × 4,2500 = 850,00 zł, VAT 195,50 zł → kol. 15
//   Kartonex extra delivery (3 rolls × 49,20 = 147,60 gross): net 120,00, VAT 27,60 → fixed asset, not in KPiR
//   one sale 2026-11-05, 7 380,00 gross 23 %: net 6 000,00, VAT 1 380,00
// KPiR November: kol. 9 6 000,00; kol. 12 826,00 − 100,00 = 726,00; kol. 15 1 200,00 + 850,00 = 2 050,00;
//   kol. 16 (14 + 15) 2 050,00
// Register: 23 % net 1 200 + 716 − 100 + 850 + 120 = 2 786,00, VAT 276 + 164,68 − 23 + 195,50 + 27,60 = 640,78;
//   8 % net 110,00, VAT 8,80; pozostałe K_42 2 776,00 / K_43 621,98; środki trwałe K_40 120,00 / K_41 27,60
// JPK_V7M: P_40 120, P_41 28 (27,60 → 28), P_42 2 776, P_43 622 (621,98), P_48 = 0 + 28 + 622 = 650,
//   P_38 1 380, P_51 = 1 380 − 650 = 730; PodatekNaliczony 649,58, five purchase rows
import t from 'tap'
import { setup, NIP, type Setup } from '../ksef/helpers/sim-setup.ts'
import { field, headerData, invoice, xmllint } from '../jpk/helpers.ts'
import {
  ALLEGRO_NIP,
  BROKEN_NIP,
  EUR_SELLER_NIP,
  HOSTILE_NIP,
  SUPPLIER_NIP,
  extraPurchase
} from '../../src/simulators/ksef/purchases.ts'

async function downloaded(s: Setup) {
  const posted = await s.built.owner.submit('/koszty/faktury-zakupowe', '/koszty/faktury-zakupowe/pobierz', {})
  if (posted.statusCode !== 303) throw new Error(`download: ${posted.statusCode}`)
  // the button queued the run on the worker: join it (or, when it is over, run once more: the download is idempotent)
  await s.built.app.purchaseWorker!.tick()
  const rows = await s.built.db
    .selectFrom('purchase_invoices')
    .select(['id', 'meta_seller_nip', 'invoice_kind', 'ksef_number', 'invoice_number'])
    .execute()
  const id = (nip: string, kind = 'VAT') =>
    rows.find((r) => r.meta_seller_nip === nip && (r.invoice_kind === kind || r.invoice_kind === null))!.id
  return { rows, id }
}

const book = async (s: Setup, id: number, fields: Record<string, string>) =>
  await s.built.owner.submit(`/koszty/faktury-zakupowe/${id}`, `/koszty/faktury-zakupowe/${id}/ksiegowanie`, {
    odliczenie: 'tak',
    okres: '2026-11',
    rodzaj: 'pozostale',
    opis: '',
    ...fields
  })

const footRow = (html: string, id: string) => new RegExp(`<tr id="${id}">([\\s\\S]*?)</tr>`).exec(html)?.[1] ?? ''
const costCell = (row: string, column: string) => new RegExp(`data-kol="${column}">([^<]*)<`).exec(row)?.[1] ?? null
const cells = (row: string) => [...row.matchAll(/<td[^>]*>([^<]*)<\/td>/g)].map((m) => m[1])

t.test('a month of purchases booked: KPiR, the purchase register and JPK_V7M with hand figures', async (t) => {
  t.setTimeout(240_000)
  const s = await setup(t)
  const b = s.built
  await headerData(b)
  await invoice(b, '2026-11-05', [{ quantityMilli: 1000, unitPriceGross: 738_000, vatRate: '23' }])
  const { id } = await downloaded(s)

  // Allegro: the form, then booked into col. 15 with the rule remembered
  const page = await b.owner.get(`/koszty/faktury-zakupowe/${id(ALLEGRO_NIP)}`)
  t.match(page.body, 'action="/koszty/faktury-zakupowe/' + id(ALLEGRO_NIP) + '/ksiegowanie"')
  t.match(page.body, 'kol. 15 – pozostałe wydatki')
  t.match(page.body, /name="okres" type="text" value="2026-11"/, 'the deduction period opens at the month of receipt')
  const allegro = await book(s, id(ALLEGRO_NIP), { kolumna: '15', data: '2026-11-04', zapamietaj: '1' })
  t.equal(allegro.statusCode, 303, allegro.body.slice(0, 300))
  const afterAllegro = await b.owner.get(`/koszty/faktury-zakupowe/${id(ALLEGRO_NIP)}`)
  t.match(afterAllegro.body, 'Zaksięgowano fakturę: KPiR, Lp. 1 (listopad 2026); rejestr zakupu VAT za listopad 2026.')
  t.match(afterAllegro.body, 'id="koszt-kwota">1\u00a0200,00\u00a0zł<')
  t.match(afterAllegro.body, 'id="vat-odliczony">276,00\u00a0zł<')
  const sale = await b.db
    .selectFrom('ledger_entries')
    .select('entry_number')
    .where('register', '=', 'kpir')
    .executeTakeFirstOrThrow()
  t.equal(sale.entry_number, 2, 'the sale of 5 November moved to Lp. 2 behind the cost of 4 November')

  // Kartonex with the rule remembered; its correction then opens with col. 12 from the rule
  t.equal((await book(s, id(SUPPLIER_NIP), { kolumna: '12', data: '2026-11-07', zapamietaj: '1' })).statusCode, 303)
  const correctionPage = await b.owner.get(`/koszty/faktury-zakupowe/${id(SUPPLIER_NIP, 'KOR')}`)
  t.match(correctionPage.body, '<option value="12" selected>', 'the seller rule prefills col. 12')
  t.match(correctionPage.body, 'według zapamiętanej reguły')
  t.equal((await book(s, id(SUPPLIER_NIP, 'KOR'), { kolumna: '12', data: '2026-11-11' })).statusCode, 303)
  t.equal((await book(s, id(EUR_SELLER_NIP), { kolumna: '15', data: '2026-11-09' })).statusCode, 303)

  // a later delivery from Kartonex arrives: prefilled by the rule, booked as a fixed asset outside the KPiR
  // later that day (past the first download's high-water mark)
  b.clock.advance(16 * 60_000)
  const now = b.clock().toMillis()
  s.sim.addReceivedInvoice({ ...extraPurchase(NIP, 1, now), storedAtMs: now - 60_000 })
  const { id: id2, rows } = await downloaded(s)
  const extraId = rows.find((r) => r.invoice_number === 'KX/2026/D/0001')!.id
  const extraPage = await b.owner.get(`/koszty/faktury-zakupowe/${extraId}`)
  t.match(extraPage.body, '<option value="12" selected>', 'the next invoice from the seller is prefilled')
  t.equal((await book(s, extraId, { kolumna: 'brak', data: '2026-11-16', rodzaj: 'srodki_trwale' })).statusCode, 303)
  t.equal(id2(ALLEGRO_NIP), id(ALLEGRO_NIP), 'the second download stored no duplicates')

  // KPiR: costs beside revenue, one Lp. sequence in date order
  const kpir = (await b.owner.get('/ksiegowosc/kpir?miesiac=2026-11')).body
  const month = footRow(kpir, 'suma-month')
  t.equal(cells(month)[1], '6\u00a0000,00', 'kol. 9')
  t.equal(costCell(month, '12'), '726,00', 'kol. 12: 826,00 − 100,00')
  t.equal(costCell(month, '13'), '0,00')
  t.equal(costCell(month, '15'), '2\u00a0050,00', 'kol. 15: 1 200,00 + 850,00')
  t.equal(costCell(month, '16'), '2\u00a0050,00', 'kol. 16 = 14 + 15')
  const numbers = await b.db
    .selectFrom('purchase_bookings')
    .select(['document_number', 'entry_number'])
    .orderBy('entry_number')
    .execute()
  t.same(
    numbers.map((n) => [n.document_number, n.entry_number]),
    [
      ['KX/2026/D/0001', null],
      ['FA/2026/10/0047113', 1],
      ['KX/2026/11/0318', 3],
      ['EXP/2026/7781', 4],
      ['KX/KOR/2026/0021', 5]
    ],
    'Lp. of the costs around the sale (Lp. 2); the fixed asset has none'
  )
  t.match(kpir, /id="koszt-\d+"><a href="\/koszty\/faktury-zakupowe\/\d+#ksiegowanie"[^>]*>1<\/a>/)

  // the VAT purchase register
  const register = (await b.owner.get('/ksiegowosc/rejestr-zakupu-vat?miesiac=2026-11')).body
  t.same(
    cells(footRow(register, 'suma-23')).slice(-4, -1),
    ['2\u00a0786,00', '640,78', '640,78'],
    '23 %: net, VAT, deducted'
  )
  t.same(cells(footRow(register, 'suma-8')).slice(-4, -1), ['110,00', '8,80', '8,80'], '8 %')
  t.same(cells(footRow(register, 'suma-pozostale')).slice(-4), ['2\u00a0776,00', '', '621,98', ''], 'K_42 / K_43')
  t.same(cells(footRow(register, 'suma-srodki-trwale')).slice(-4), ['120,00', '', '27,60', ''], 'K_40 / K_41')
  t.match(register, 'EUR, kurs 4,2500')
  t.notMatch(register, '<script>', 'hostile text never appears as markup')

  // JPK_V7M: the page and an XSD-valid file
  const v7 = await b.owner.get('/ksiegowosc/jpk-v7?okres=2026-11')
  t.match(v7.body, 'id="podatek-naliczony">649,58<')
  const file = await b.owner.get('/ksiegowosc/jpk-v7/plik?okres=2026-11')
  t.equal(file.statusCode, 200, file.body.slice(0, 300))
  const xml = file.body
  for (const [name, value] of [
    ['P_38', '1380'],
    ['P_40', '120'],
    ['P_41', '28'],
    ['P_42', '2776'],
    ['P_43', '622'],
    ['P_48', '650'],
    ['P_51', '730']
  ]) {
    t.equal(field(xml, name), value, `${name} = ${value} zł`)
  }
  t.equal(field(xml, 'P_53'), null, 'no surplus')
  t.equal(field(xml, 'LiczbaWierszyZakupow'), '5')
  t.equal(field(xml, 'PodatekNaliczony'), '649.58')
  const allegroRow =
    /<ZakupWiersz>(?:(?!<\/ZakupWiersz>)[\s\S])*?FA\/2026\/10\/0047113[\s\S]*?<\/ZakupWiersz>/.exec(xml)?.[0] ?? ''
  t.match(allegroRow, `<NrDostawcy>${ALLEGRO_NIP}</NrDostawcy>`)
  t.match(allegroRow, `<NrKSeF>${rows.find((r) => r.meta_seller_nip === ALLEGRO_NIP)!.ksef_number}</NrKSeF>`)
  t.match(allegroRow, '<DataZakupu>2026-11-04</DataZakupu>')
  t.match(allegroRow, /<K_42>1200\.00<\/K_42>\s*<K_43>276\.00<\/K_43>/)
  t.match(xml, /<K_40>120\.00<\/K_40>\s*<K_41>27\.60<\/K_41>/)
  t.equal(xmllint('V7M', xml), '', 'xmllint accepts the file against the official V7M(3) schema')

  // JPK_PKPIR(3) for 2026: the costs in K_10 / K_13 (+ K_14) beside the sale, in one Lp. sequence;
  // counts 0,00 and 0,00 → P_3 = 0 + (726,00 + 2 050,00) − 0 = 2 776,00, P_4 = 6 000,00 − 2 776,00 = 3 224,00
  await b.owner.submit('/ksiegowosc/jpk-roczny?rok=2026', '/ksiegowosc/jpk-roczny/spis', {
    rok: '2026',
    poczatekData: '2026-01-01',
    poczatekWartosc: '0',
    koniecData: '2026-12-31',
    koniecWartosc: '0'
  })
  const pkpir = await b.owner.get('/ksiegowosc/jpk-roczny/plik?rok=2026')
  t.equal(pkpir.statusCode, 200, pkpir.body.slice(0, 400))
  t.equal(field(pkpir.body, 'P_3'), '2776.00')
  t.equal(field(pkpir.body, 'P_4'), '3224.00')
  t.equal(field(pkpir.body, 'LiczbaWierszy'), '5')
  const pkpirRow = (lp: number) =>
    new RegExp(`<PKPIRWiersz>\\s*<K_1>${lp}</K_1>[\\s\\S]*?</PKPIRWiersz>`).exec(pkpir.body)?.[0] ?? ''
  t.match(pkpirRow(1), /<K_13>1200\.00<\/K_13>\s*<K_14>1200\.00<\/K_14>/, 'Allegro: pozostałe wydatki')
  t.match(pkpirRow(2), /<K_7>6000\.00<\/K_7>/, 'the sale')
  t.match(pkpirRow(3), /<K_10>826\.00<\/K_10>/, 'Kartonex: zakup materiałów')
  t.notMatch(pkpirRow(3), '<K_14>', 'col. 12 is not in razem wydatki')
  t.equal(xmllint('PKPIR', pkpir.body), '', 'xmllint accepts the JPK_PKPIR(3) file')

  // unbooking Allegro closes the gap in the KPiR numbering and takes it out of the register
  const unbooked = await b.owner.submit(
    `/koszty/faktury-zakupowe/${id(ALLEGRO_NIP)}`,
    `/koszty/faktury-zakupowe/${id(ALLEGRO_NIP)}/odksiegowanie`,
    {}
  )
  t.equal(unbooked.statusCode, 303)
  t.equal(
    (
      await b.db
        .selectFrom('ledger_entries')
        .select('entry_number')
        .where('register', '=', 'kpir')
        .executeTakeFirstOrThrow()
    ).entry_number,
    1,
    'the sale back at Lp. 1'
  )
  t.same(
    (
      await b.db
        .selectFrom('purchase_bookings')
        .select('entry_number')
        .where('entry_number', 'is not', null)
        .orderBy('entry_number')
        .execute()
    ).map((r) => r.entry_number),
    [2, 3, 4]
  )
  const after = await b.owner.get('/ksiegowosc/jpk-v7/plik?okres=2026-11')
  t.equal(field(after.body, 'P_43'), '346', '621,98 − 276,00 = 345,98')
  t.equal(field(after.body, 'LiczbaWierszyZakupow'), '4')

  // a closed month refuses unbooking
  await b.db
    .insertInto('ledger_closed_months')
    .values({ month: '2026-11', closed_at: '2026-12-01T10:00:00.000Z', closed_by: null })
    .execute()
  await b.owner.submit(
    `/koszty/faktury-zakupowe/${id(EUR_SELLER_NIP)}`,
    `/koszty/faktury-zakupowe/${id(EUR_SELLER_NIP)}/odksiegowanie`,
    {}
  )
  t.match(
    (await b.owner.get(`/koszty/faktury-zakupowe/${id(EUR_SELLER_NIP)}`)).body,
    'Miesiąc listopad 2026 jest zamknięty'
  )
  t.equal((await b.db.selectFrom('purchase_bookings').select('id').execute()).length, 4, 'still booked')
})

t.test('bad booking input: 422 in Polish with the values kept and nothing stored', async (t) => {
  t.setTimeout(180_000)
  const s = await setup(t)
  const b = s.built
  const { id } = await downloaded(s)
  const nothingStored = async (what: string) => {
    t.equal((await b.db.selectFrom('purchase_bookings').select('id').execute()).length, 0, `${what}: no booking`)
    t.equal(
      (await b.db.selectFrom('purchase_seller_rules').select('seller_nip').execute()).length,
      0,
      `${what}: no rule`
    )
  }

  const bad = await book(s, id(ALLEGRO_NIP), { kolumna: '99', data: 'jutro', okres: '2026-13', zapamietaj: '1' })
  t.equal(bad.statusCode, 422)
  t.match(bad.body, 'Wybierz jedną z kolumn 12–15 KPiR')
  t.match(bad.body, 'Podaj prawidłową datę w formacie RRRR-MM-DD')
  t.match(bad.body, 'Podaj okres odliczenia w formacie RRRR-MM')
  t.match(bad.body, 'value="jutro"', 'the typed value is kept')
  await nothingStored('bad fields')

  const early = await book(s, id(ALLEGRO_NIP), { kolumna: '15', data: '2026-11-04', okres: '2026-10', zapamietaj: '1' })
  t.equal(early.statusCode, 422, 'October is before the invoice was received (art. 86 ust. 10b pkt 1)')
  t.match(early.body, 'VAT można odliczyć najwcześniej za listopad 2026')
  t.match(early.body, 'value="2026-10"')
  const late = await book(s, id(ALLEGRO_NIP), { kolumna: '15', data: '2026-11-04', okres: '2027-03' })
  t.equal(late.statusCode, 422, 'beyond the three following periods (art. 86 ust. 11)')
  t.match(late.body, 'najpóźniej za luty 2027')
  const correction = await book(s, id(SUPPLIER_NIP, 'KOR'), { kolumna: '12', data: '2026-11-11', okres: '2026-12' })
  t.equal(correction.statusCode, 422, 'a correction lowering VAT goes into the month it was received')
  t.match(correction.body, 'art. 86 ust. 19a')

  const unconfirmed = await book(s, id(HOSTILE_NIP), { kolumna: '15', data: '2026-11-13' })
  t.equal(unconfirmed.statusCode, 422)
  t.match(unconfirmed.body, 'potwierdź, że ją sprawdziłeś')
  t.notMatch(unconfirmed.body, /<script>alert|<img src=x/, 'the hostile file stays escaped on the 422')
  const broken = await book(s, id(BROKEN_NIP), { kolumna: '15', data: '2026-11-14', potwierdzenie: '1' })
  t.equal(broken.statusCode, 422)
  t.match(broken.body, 'Pliku tej faktury nie udało się odczytać – nie można jej zaksięgować')
  await nothingStored('refused bookings')

  // once confirmed, the flagged invoice books
  t.equal((await book(s, id(HOSTILE_NIP), { kolumna: '15', data: '2026-11-13', potwierdzenie: '1' })).statusCode, 303)
  const row = await b.db.selectFrom('purchase_bookings').selectAll().executeTakeFirstOrThrow()
  t.equal(row.review_confirmed, 1)
  const twice = await book(s, id(HOSTILE_NIP), { kolumna: '15', data: '2026-11-13', potwierdzenie: '1' })
  t.equal(twice.statusCode, 422)
  t.match(twice.body, 'Faktura jest już zaksięgowana')
})

t.test('ryczałt: VAT purchase rows only; VAT-exempt: gross cost in the KPiR, nothing deducted', async (t) => {
  t.setTimeout(180_000)
  const s = await setup(t)
  const b = s.built
  const { id } = await downloaded(s)
  await b.db.updateTable('company').set({ tax_form: 'ryczalt', ryczalt_rate_bp: 300 }).where('id', '=', 1).execute()
  const page = await b.owner.get(`/koszty/faktury-zakupowe/${id(ALLEGRO_NIP)}`)
  t.notMatch(page.body, 'name="kolumna"', 'no KPiR column for a ryczałt company')
  t.equal((await book(s, id(ALLEGRO_NIP), { data: '2026-11-04' })).statusCode, 303)
  const ryczalt = await b.db.selectFrom('purchase_bookings').selectAll().executeTakeFirstOrThrow()
  t.equal(ryczalt.entry_number, null, 'not in any book')
  t.equal(ryczalt.cost_amount, 0)
  t.equal(ryczalt.deductible_vat, 27_600, 'VAT 276,00 deducted')
  t.match(
    (await b.owner.get('/ksiegowosc/rejestr-zakupu-vat?miesiac=2026-11')).body,
    /id="suma-razem">[\s\S]*?<strong>276,00<\/strong><\/td><td[^>]*><strong>276,00<\/strong>/
  )

  await b.db
    .updateTable('company')
    .set({ tax_form: 'kpir', ryczalt_rate_bp: null, vat_status: 'zwolniony' })
    .where('id', '=', 1)
    .execute()
  const deducting = await b.owner.submit(
    `/koszty/faktury-zakupowe/${id(SUPPLIER_NIP)}`,
    `/koszty/faktury-zakupowe/${id(SUPPLIER_NIP)}/ksiegowanie`,
    { kolumna: '12', data: '2026-11-07', odliczenie: 'tak', okres: '2026-11', rodzaj: 'pozostale' }
  )
  t.equal(deducting.statusCode, 422)
  t.match(deducting.body, 'nie jest czynnym podatnikiem VAT – nie odlicza podatku naliczonego')
  const exempt = await b.owner.submit(
    `/koszty/faktury-zakupowe/${id(SUPPLIER_NIP)}`,
    `/koszty/faktury-zakupowe/${id(SUPPLIER_NIP)}/ksiegowanie`,
    { kolumna: '12', data: '2026-11-07', odliczenie: 'nie', rodzaj: 'pozostale' }
  )
  t.equal(exempt.statusCode, 303)
  const row = await b.db
    .selectFrom('purchase_bookings')
    .selectAll()
    .where('document_number', '=', 'KX/2026/11/0318')
    .executeTakeFirstOrThrow()
  t.equal(row.cost_amount, 99_948, 'gross 999,48 = 826,00 + 173,48')
  t.equal(row.vat_month, null)
  t.equal(row.entry_number, 1)
  t.equal(costCell(footRow((await b.owner.get('/ksiegowosc/kpir?miesiac=2026-11')).body, 'suma-month'), '12'), '999,48')
})
