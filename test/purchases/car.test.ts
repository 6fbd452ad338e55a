// The passenger-car rule as a booking option: 50 % of the input VAT (art. 86a ust. 1 ustawy o
// VAT) and 75 % of the expense, the VAT not deducted included (art. 23 ust. 1 pkt 46a ustawy o PIT).
//
// Hand figures (hand-entered invoices, November 2026):
//   fuel FV/P/1: 23 % net 300,00 VAT 69,00; VAT deducted 50 % = 34,50; expense 300,00 + 34,50 = 334,50;
//                kol. 15 = 75 % × 334,50 = 250,875 → 250,88
//   repair FV/P/2, VAT not deducted: gross 123,00 → kol. 15 = 75 % × 123,00 = 92,25
//   without the option, FV/P/3: 23 % net 300,00 VAT 69,00 deducted → kol. 15 300,00, VAT 69,00
import t from 'tap'
import { build, type Built } from '../helpers/app.ts'
import { carCost, carDeductibleVat } from '../../src/purchases/booking.ts'

const NEW = '/koszty/faktury-zakupowe/nowa'
const seller = {
  kraj: 'PL',
  nip: '6762468259',
  nazwa: 'Stacja Paliw',
  adres: '',
  data_sprzedazy: '',
  data_wystawienia: '2026-11-09',
  data_otrzymania: '2026-11-09',
  waluta: 'PLN',
  kurs: ''
}

async function enterAndBook(b: Built, numer: string, booking: Record<string, string>) {
  const saved = await b.owner.submit(NEW, NEW, { ...seller, numer, netto_23: booking.netto })
  const id = Number(/(\d+)$/.exec(String(saved.headers.location))![1])
  const { netto: _n, ...rest } = booking
  const booked = await b.owner.submit(`/koszty/faktury-zakupowe/${id}`, `/koszty/faktury-zakupowe/${id}/ksiegowanie`, {
    kolumna: '15',
    data: '2026-11-09',
    rodzaj: 'pozostale',
    opis: '',
    okres: '2026-11',
    ...rest
  })
  t.equal(booked.statusCode, 303, booked.body.slice(0, 300))
  return await b.db
    .selectFrom('purchase_bookings')
    .select(['cost_amount', 'total_net', 'total_vat', 'deductible_vat', 'car_mixed_use', 'remarks'])
    .where('purchase_invoice_id', '=', id)
    .executeTakeFirstOrThrow()
}

t.test('the car option: 50 % VAT, 75 % of the expense', async (t) => {
  const b = await build(t)
  const page = await b.owner.get(NEW)
  t.equal(page.statusCode, 200)
  const fuel = await enterAndBook(b, 'FV/P/1', { netto: '300', odliczenie: 'tak', samochod: '1' })
  t.match(fuel, { total_net: 30_000, total_vat: 6_900, deductible_vat: 3_450, cost_amount: 25_088, car_mixed_use: 1 })
  t.match(fuel.remarks, 'samochód osobowy: 50 % VAT (art. 86a ust. 1 VAT), 75 % wydatku (art. 23 ust. 1 pkt 46a PIT)')
  const repair = await enterAndBook(b, 'FV/P/2', { netto: '100', odliczenie: 'nie', okres: '', samochod: '1' })
  t.match(repair, { total_vat: 2_300, deductible_vat: 0, cost_amount: 9_225, car_mixed_use: 1 })
  const plain = await enterAndBook(b, 'FV/P/3', { netto: '300', odliczenie: 'tak' })
  t.match(plain, { deductible_vat: 6_900, cost_amount: 30_000, car_mixed_use: 0 })

  const register = await b.owner.get('/ksiegowosc/rejestr-zakupu-vat?miesiac=2026-11')
  t.match(register.body, '103,50', 'deducted in the register: 34,50 + 69,00')
  const kpir = await b.owner.get('/ksiegowosc/kpir?miesiac=2026-11')
  t.match(kpir.body, /<tr id="suma-month">[\s\S]*?data-kol="15">643,13</, 'kol. 15: 250,88 + 92,25 + 300,00')
})

t.test('rounding half up, negative amounts (a correction) too', async (t) => {
  t.equal(carDeductibleVat(6_900), 3_450)
  t.equal(carDeductibleVat(1), 1, '0,005 → 0,01')
  t.equal(carDeductibleVat(-2_301), -1_151, 'a correction: −11,505 → −11,51')
  t.equal(carCost(33_450), 25_088)
  t.equal(carCost(-33_450), -25_088)
})
