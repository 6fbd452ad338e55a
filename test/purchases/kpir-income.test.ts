// The KPiR with both sides: the CSV export with the cost columns 12–16 and the income
// (przychód − koszty) of the month and the year to date on the KPiR page, from hand-entered
// purchase invoices and one sale.
//
// Hand figures (TEST_NOW 2026-11-16):
//   P1 Hurtownia Łódzka FV/10/2026/90, dated 20.10: 23 % net 100,00 VAT 23,00, deducted → kol. 15 100,00 (Lp. 1)
//   P2 Marketplace Services Ltd INV-2026-1101, dated 2.11: np 123,45 EUR × 4,2512 = 524,81 zł → kol. 15 (Lp. 2)
//   S  sale 5.11: 7 380,00 gross 23 % → kol. 9 6 000,00 (Lp. 3)
//   P3 Hurtownia Łódzka FV/11/2026/15, dated 10.11: net 1 000,00 + 250,00 = 1 250,00, VAT 250,00 deducted → kol. 12
// (Lp. 4)   November: przychód 6 000,00; koszty 1 250,00 (kol. 12) + 524,81 (kol. 16) = 1 774,81; dochód 4 225,19
//   year to date: przychód 6 000,00; koszty 1 774,81 + 100,00 = 1 874,81; dochód 4 125,19
import t from 'tap'
import { startNbpStandIn } from '../../src/nbp/nbp-stand-in.ts'
import { build, type Built } from '../helpers/app.ts'
import { invoice } from '../jpk/helpers.ts'

const nbp = await startNbpStandIn({ EUR: { '2026-10-30': { no: '211/A/NBP/2026', mid: '4.2512' } } })
t.teardown(nbp.close)

const NEW = '/koszty/faktury-zakupowe/nowa'
const seller = {
  kraj: 'PL',
  nip: '6762468259',
  nazwa: 'Hurtownia Łódzka',
  adres: 'Piotrkowska 100, 90-001 Łódź',
  data_sprzedazy: '',
  waluta: 'PLN',
  kurs: ''
}

async function enterAndBook(b: Built, fields: Record<string, string>, booking: Record<string, string>) {
  const saved = await b.owner.submit(NEW, NEW, fields)
  if (saved.statusCode !== 303) throw new Error(saved.body.slice(0, 500))
  const id = Number(/(\d+)$/.exec(String(saved.headers.location))![1])
  const booked = await b.owner.submit(`/koszty/faktury-zakupowe/${id}`, `/koszty/faktury-zakupowe/${id}/ksiegowanie`, {
    rodzaj: 'pozostale',
    opis: '',
    ...booking
  })
  if (booked.statusCode !== 303) throw new Error(booked.body.slice(0, 500))
  return id
}

t.test('KPiR November: the CSV with columns 12–16 and the income of the month and the year', async (t) => {
  const b = await build(t, { config: { NBP_API_URL: nbp.baseUrl } })
  await enterAndBook(
    b,
    {
      ...seller,
      numer: 'FV/10/2026/90',
      data_wystawienia: '2026-10-20',
      data_otrzymania: '2026-10-21',
      netto_23: '100'
    },
    { kolumna: '15', data: '2026-10-20', odliczenie: 'tak', okres: '2026-10' }
  )
  await enterAndBook(
    b,
    {
      ...seller,
      kraj: 'IE',
      nip: 'IE9825613N',
      nazwa: 'Marketplace Services Ltd',
      adres: 'Dublin',
      numer: 'INV-2026-1101',
      data_wystawienia: '2026-11-02',
      data_otrzymania: '2026-11-03',
      waluta: 'EUR',
      netto_np: '123,45'
    },
    { kolumna: '15', data: '2026-11-02', odliczenie: 'nie', okres: '' }
  )
  await invoice(b, '2026-11-05', [{ quantityMilli: 1000, unitPriceGross: 738_000, vatRate: '23' }])
  await enterAndBook(
    b,
    {
      ...seller,
      numer: 'FV/11/2026/15',
      data_wystawienia: '2026-11-10',
      data_otrzymania: '2026-11-12',
      netto_23: '1000',
      netto_8: '250'
    },
    { kolumna: '12', data: '2026-11-10', odliczenie: 'tak', okres: '2026-11' }
  )

  const csv = await b.owner.get('/ksiegowosc/kpir/csv?miesiac=2026-11')
  t.equal(csv.statusCode, 200)
  const lines = csv.body.replace(/^\uFEFF/, '').split('\r\n')
  t.equal(
    lines[0],
    'Lp.;Data zdarzenia gospodarczego;Numer KSeF;Numer dowodu księgowego;Identyfikator podatkowy kontrahenta;Imię i nazwisko (nazwa) kontrahenta;Adres kontrahenta;Opis zdarzenia gospodarczego;Wartość sprzedanych towarów i usług;Pozostałe przychody;Razem przychód;Zakup towarów handlowych i materiałów;Koszty uboczne zakupu;Wynagrodzenia w gotówce i w naturze;Pozostałe wydatki;Razem wydatki;Uwagi'
  )
  t.equal(
    lines[1],
    '2;02.11.2026;;INV-2026-1101;IE9825613N;Marketplace Services Ltd;Dublin;Pozostałe wydatki;;;;;;;524,81;524,81;EUR, kurs 4,2512',
    'a cost in kol. 15 and 16, the rate in Uwagi'
  )
  t.match(lines[2], /^3;05\.11\.2026;.*;6000,00;0,00;6000,00;;;;;;$/, 'the sale between the costs, in Lp. order')
  t.equal(
    lines[3],
    '4;10.11.2026;;FV/11/2026/15;6762468259;Hurtownia Łódzka;Piotrkowska 100, 90-001 Łódź;Zakup towarów i materiałów;;;;1250,00;;;;;',
    'kol. 12 is not in kol. 16'
  )
  t.equal(lines[4], ';;;;;;;Podsumowanie miesiąca;6000,00;0,00;6000,00;1250,00;0,00;0,00;524,81;524,81;')
  t.equal(lines[5], ';;;;;;;Przeniesienie z poprzedniej strony;0,00;0,00;0,00;0,00;0,00;0,00;100,00;100,00;')
  t.equal(lines[6], ';;;;;;;Razem od początku roku;6000,00;0,00;6000,00;1250,00;0,00;0,00;624,81;624,81;')
  t.equal(lines[7], '')

  const page = await b.owner.get('/ksiegowosc/kpir?miesiac=2026-11')
  const row = (id: string) =>
    [
      ...(new RegExp(`<tr id="${id}">([\\s\\S]*?)</tr>`).exec(page.body)?.[1] ?? '').matchAll(
        /<td[^>]*>(?:<strong>)?([^<]*)/g
      )
    ].map((m) => m[1])
  t.same(
    row('dochod-month'),
    ['6\u00a0000,00', '1\u00a0774,81', '4\u00a0225,19'],
    'November: 6 000,00 − (1 250,00 + 524,81)'
  )
  t.same(
    row('dochod-yearToDate'),
    ['6\u00a0000,00', '1\u00a0874,81', '4\u00a0125,19'],
    'the year: the October cost too'
  )
  const october = await b.owner.get('/ksiegowosc/kpir?miesiac=2026-10')
  t.match(october.body, /<tr id="dochod-month">[\s\S]*?-100,00/, 'October: a cost and no revenue is a loss')
})
