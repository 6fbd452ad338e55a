import t from 'tap'
import { csvAmount, csvText, toCsv } from '../../src/ledger/ledger.csv.ts'
import {
  addMonths,
  eventDate,
  monthLabel,
  parseMonth,
  planBooking,
  requiredRegisters,
  toPln,
  type BookingCompany,
  type BookingDocument
} from '../../src/ledger/ledger.ts'

const vatKpir: BookingCompany = { vatPayer: true, taxForm: 'kpir', ryczaltRateBp: null }

function doc(overrides: Partial<BookingDocument> = {}): BookingDocument {
  return {
    id: 1,
    type: 'faktura',
    number: 'FV 1/11/2026',
    status: 'issued',
    issueDate: '2026-11-05',
    saleDate: '2026-11-05',
    currency: 'PLN',
    exchangeRate: null,
    exchangeRateTable: null,
    exchangeRateDate: null,
    buyerName: 'Firma',
    buyerNip: '1234563218',
    buyerForeignTaxId: null,
    buyerStreet: 'ul. A 1',
    buyerPostalCode: '00-001',
    buyerCity: 'Warszawa',
    buyerCountryCode: 'PL',
    totalNet: 10000,
    totalVat: 2300,
    totalGross: 12300,
    totalVatPln: 2300,
    ksefNumber: null,
    correctedNumber: null,
    receiptNumber: null,
    ...overrides
  }
}
const line = { id: 1, kind: 'item', vatRate: '23', net: 10000, gross: 12300 }
const rate23 = { vatRate: '23', net: 10000, vat: 2300, gross: 12300 }

t.test('conversion to PLN rounds half up to the grosz, away from zero', async (t) => {
  t.equal(toPln(12345, '4.2345'), 52275, '123,45 × 4,2345 = 522,749025 → 522,75')
  t.equal(toPln(1, '0.5'), 1, '0,005 zł → 0,01')
  t.equal(toPln(-1, '0.5'), -1, 'negative halves round away from zero too')
  t.equal(toPln(10000, '0.011234'), 112, '100 HUF × 0,011234 = 1,1234 → 1,12')
  t.throws(() => toPln(100, '4,23'), RangeError, 'a comma rate is not a stored rate')
})

t.test('months and event dates', async (t) => {
  t.equal(parseMonth('2026-11'), '2026-11')
  for (const bad of ['2026-13', '2026-00', '26-11', '2026-1', '1999-12', '2026-11-01', ''])
    t.equal(parseMonth(bad), null, bad)
  t.equal(addMonths('2026-12', 1), '2027-01')
  t.equal(addMonths('2026-01', -1), '2025-12')
  t.equal(monthLabel('2026-02'), 'luty 2026')
  t.equal(eventDate({ type: 'faktura', issueDate: '2026-11-12', saleDate: '2026-11-10' }), '2026-11-10', 'the sale')
  t.equal(
    eventDate({ type: 'faktura', issueDate: '2026-11-02', saleDate: '2026-11-20' }),
    '2026-11-02',
    'not later than the invoice'
  )
  t.equal(
    eventDate({ type: 'korekta', issueDate: '2026-12-02', saleDate: '2026-11-04' }),
    '2026-12-02',
    'a correction when issued'
  )
})

t.test('which registers a document belongs in', async (t) => {
  const exempt: BookingCompany = { vatPayer: false, taxForm: 'ryczalt', ryczaltRateBp: 300 }
  t.same(requiredRegisters(doc(), vatKpir), ['kpir', 'vat'])
  t.same(requiredRegisters(doc({ type: 'paragon' }), exempt), ['ryczalt'])
  t.same(requiredRegisters(doc({ type: 'proforma' }), vatKpir), [])
  t.same(requiredRegisters(doc({ type: 'proforma_bez_vat' }), exempt), [])
  t.same(requiredRegisters(doc({ status: 'cancelled' }), vatKpir), [])
  t.same(
    requiredRegisters(doc({ receiptNumber: 'PAR 1/11/2026' }), vatKpir),
    ['vat'],
    'invoice to a receipt: VAT register only'
  )
  t.same(requiredRegisters(doc({ receiptNumber: 'PAR 1/11/2026' }), exempt), [], 'and nothing for an exempt company')
  t.same(requiredRegisters(doc({ type: 'wz' }), vatKpir), [], 'unknown types are not booked')
})

t.test('booking plans refuse inconsistent documents instead of booking wrong amounts', async (t) => {
  const wrongTotal = planBooking(doc({ totalNet: 9999 }), [line], [rate23], vatKpir, ['kpir'])
  t.same(wrongTotal, {
    ok: false,
    reason: 'Sumy dokumentu FV 1/11/2026 nie zgadzają się z sumami według stawek VAT – nie można go zaksięgować.'
  })
  const oddRate = planBooking(doc(), [line], [{ ...rate23, vatRate: '22' }], vatKpir, ['vat'])
  t.match(oddRate, { ok: false, reason: /Nieobsługiwana stawka VAT „22”/ })
  const badPln = planBooking(doc({ totalVatPln: 2299 }), [line], [rate23], vatKpir, ['vat'])
  t.match(badPln, { ok: false, reason: /VAT w złotych/ })
  const farOff = planBooking(
    doc({ currency: 'EUR', exchangeRate: '4.0000', totalVatPln: 5000 }),
    [line],
    [rate23],
    vatKpir,
    ['vat']
  )
  t.match(farOff, { ok: false, reason: /nie zgadza się/ }, '92,00 zł expected, the document says 50,00')
  const noRyczaltRate = planBooking(
    doc(),
    [line],
    [rate23],
    { vatPayer: true, taxForm: 'ryczalt', ryczaltRateBp: null },
    ['ryczalt']
  )
  t.match(noRyczaltRate, { ok: false, reason: /stawki ryczałtu/ })
  const proforma = planBooking(doc({ type: 'proforma' }), [line], [rate23], vatKpir, ['kpir'])
  t.match(proforma, { ok: false, reason: /Pro forma/ })

  const fromLines = planBooking(doc(), [line], [], vatKpir, ['kpir', 'vat'])
  t.match(
    fromLines,
    {
      ok: true,
      entries: [
        { register: 'kpir', revenueSales: 10000 },
        { register: 'vat', revenueSales: 10000, totalVat: 2300, amounts: [{ rate: '23', net: 10000, vat: 2300 }] }
      ]
    },
    'per-rate totals rebuilt from lines when none are stored'
  )
  const foreignBuyer = planBooking(
    doc({ buyerNip: null, buyerForeignTaxId: 'CZ12345678', buyerCountryCode: 'CZ' }),
    [line],
    [rate23],
    vatKpir,
    ['kpir']
  )
  t.match(foreignBuyer, {
    ok: true,
    entries: [{ counterpartyTaxId: 'CZ12345678', counterpartyAddress: 'ul. A 1, 00-001 Warszawa, CZ' }]
  })
  const services = planBooking(doc(), [{ ...line, kind: 'service' }], [rate23], vatKpir, ['kpir'])
  t.match(services, { ok: true, entries: [{ description: 'Sprzedaż usług' }] })
})

t.test('CSV cells', async (t) => {
  t.equal(csvAmount(-5), '-0,05')
  t.equal(csvAmount(123456789), '1234567,89')
  t.equal(csvText('+48 600'), "'+48 600")
  t.equal(csvText('Zwykła nazwa'), 'Zwykła nazwa')
  t.equal(toCsv([['a;b', 'c"d', 'e\nf', 'g']]), '\uFEFF"a;b";"c""d";"e\nf";g\r\n')
})
