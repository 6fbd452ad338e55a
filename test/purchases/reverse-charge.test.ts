// Self-assessed VAT on purchases (the buyer settles the tax): booked with the output VAT (for
// JPK_V7 K_29/K_30, K_31/K_32, K_23/K_24, read through selfAssessedOutput) and the same amount
// as deductible input VAT.
//
// Hand figures: Marketplace Services Ltd (IE) INV-2026-1101, issued 2.11.2026, np 123,45 EUR at
// NBP 4,2512 (30.10) = 524,81 zł; import of services (art. 28b) at 23 %: 524,81 × 0,23 = 120,7063
// → 120,71 output VAT (K_29 524,81 / K_30 120,71), deductible 120,71; KPiR kol. 15 524,81 (net:
// the VAT is deducted).
import t from 'tap'
import { startNbpStandIn } from '../../src/nbp/nbp-stand-in.ts'
import { selfAssessedOutput } from '../../src/purchases/booking.queries.ts'
import { build } from '../helpers/app.ts'

const nbp = await startNbpStandIn({ EUR: { '2026-10-30': { no: '211/A/NBP/2026', mid: '4.2512' } } })
t.teardown(nbp.close)
const NEW = '/koszty/faktury-zakupowe/nowa'

t.test('import of services: output and input VAT in the booking', async (t) => {
  const b = await build(t, { config: { NBP_API_URL: nbp.baseUrl } })
  const enter = async (fields: Record<string, string>) =>
    Number(
      /(\d+)$/.exec(
        String(
          (
            await b.owner.submit(NEW, NEW, {
              kraj: 'IE',
              nip: 'IE9825613N',
              nazwa: 'Marketplace Services Ltd',
              adres: '',
              data_sprzedazy: '',
              data_wystawienia: '2026-11-02',
              data_otrzymania: '2026-11-03',
              waluta: 'EUR',
              kurs: '',
              ...fields
            })
          ).headers.location
        )
      )![1]
    )
  const id = await enter({ numer: 'INV-2026-1101', netto_np: '123,45' })
  const book = async (invoiceId: number, fields: Record<string, string>) =>
    await b.owner.submit(`/koszty/faktury-zakupowe/${invoiceId}`, `/koszty/faktury-zakupowe/${invoiceId}/ksiegowanie`, {
      kolumna: '15',
      data: '2026-11-02',
      odliczenie: 'tak',
      okres: '2026-11',
      rodzaj: 'pozostale',
      opis: '',
      samonaliczenie: 'import_uslug_28b',
      stawka_nabywcy: '23',
      ...fields
    })

  const page = await b.owner.get(`/koszty/faktury-zakupowe/${id}`)
  t.match(page.body, 'import usług (art. 28b) (K_29/K_30)')

  // refused: without deduction (both sides go into one period), a wrong kind, a wrong rate
  const refusals: Array<[Record<string, string>, string]> = [
    [{ odliczenie: 'nie', okres: '' }, 'Przy samonaliczeniu VAT należny i naliczony ujmuje się w tym samym okresie'],
    [{ samonaliczenie: 'krajowe_oo' }, 'Faktura nie ma kwot, od których nalicza się VAT jako odwrotne obciążenie'],
    [{ stawka_nabywcy: '7' }, 'Wybierz stawkę VAT, którą naliczasz: 23, 8 albo 5 %.'],
    [{ samonaliczenie: 'cokolwiek' }, 'Wybierz rodzaj samonaliczenia VAT']
  ]
  for (const [fields, message] of refusals) {
    const res = await book(id, fields)
    t.equal(res.statusCode, 422, message)
    t.match(res.body, message)
  }
  t.equal((await b.db.selectFrom('purchase_bookings').selectAll().execute()).length, 0, 'nothing booked')

  const booked = await book(id, {})
  t.equal(booked.statusCode, 303, booked.body.slice(0, 300))
  const booking = await b.db
    .selectFrom('purchase_bookings')
    .selectAll()
    .where('purchase_invoice_id', '=', id)
    .executeTakeFirstOrThrow()
  t.match(booking, {
    total_net: 52_481,
    total_vat: 12_071,
    deductible_vat: 12_071,
    cost_amount: 52_481,
    output_kind: 'import_uslug_28b',
    output_net: 52_481,
    output_vat: 12_071,
    vat_month: '2026-11'
  })
  t.match(booking.remarks, 'import usług (art. 28b): VAT należny 23 %')
  t.match(await selfAssessedOutput(b.db, ['2026-11']), [
    {
      output_kind: 'import_uslug_28b',
      output_net: 52_481,
      output_vat: 12_071,
      document_number: 'INV-2026-1101',
      counterparty_tax_id: 'IE9825613N'
    }
  ])
  t.same(await selfAssessedOutput(b.db, ['2026-10']), [])
  const register = await b.owner.get('/ksiegowosc/rejestr-zakupu-vat?miesiac=2026-11')
  t.match(register.body, '120,71')

  // JPK_V7 does not write the output side (K_29/K_30) yet: the period's file is refused, not produced without it
  const jpk = await b.owner.get('/ksiegowosc/jpk-v7?okres=2026-11')
  t.match(jpk.body, 'Faktura zakupu INV-2026-1101 jest rozliczana przez nabywcę (import usług (art. 28b))')
  const file = await b.owner.get('/ksiegowosc/jpk-v7/plik?okres=2026-11')
  t.not(file.statusCode, 200, 'no JPK_V7 file with the deduction alone')
  t.notMatch(String(file.headers['content-type']), 'xml')

  // without self-assessment the same kind of invoice books with no VAT at all
  const plain = await enter({ numer: 'INV-2026-1102', netto_np: '10' })
  t.equal((await book(plain, { samonaliczenie: '', odliczenie: 'nie', okres: '' })).statusCode, 303)
  t.match(
    await b.db
      .selectFrom('purchase_bookings')
      .selectAll()
      .where('purchase_invoice_id', '=', plain)
      .executeTakeFirstOrThrow(),
    { total_vat: 0, output_kind: null, output_vat: 0, cost_amount: 4_251 }
  )
})
