// The correction rules without a database: which lines change, the per-rate differences by hand.
import t from 'tap'
import {
  correctionDirection,
  correctionSettlement,
  planCorrection,
  type LineState,
  type RequestedLine
} from '../../src/corrections/correction.ts'
import { vatTotals, type VatTotal } from '../../src/shared/vat.ts'

// The default Allegro order of the fixtures: 2 × 124,49 (23 %), 1 × 10,00 (23 %), delivery 9,99 (23 %)
const INVOICE: LineState[] = [
  {
    originalLineId: 11,
    position: 1,
    kind: 'item',
    name: 'Klucz dynamometryczny',
    unit: 'szt.',
    vatRate: '23',
    quantityMilli: 2000,
    unitPriceGross: 12449,
    gross: 24898
  },
  {
    originalLineId: 12,
    position: 2,
    kind: 'item',
    name: 'Smar miedziany 100 g',
    unit: 'szt.',
    vatRate: '23',
    quantityMilli: 1000,
    unitPriceGross: 1000,
    gross: 1000
  },
  {
    originalLineId: 13,
    position: 3,
    kind: 'delivery',
    name: 'Dostawa: Kurier',
    unit: 'szt.',
    vatRate: '23',
    quantityMilli: 1000,
    unitPriceGross: 999,
    gross: 999
  }
]
// 268,97 at 23 %: VAT 268,97 · 23 / 123 = 50,2952… → 50,30, net 218,67
const DECLARED: VatTotal[] = vatTotals(INVOICE)

function request(
  lines: Record<number, RequestedLine> = {},
  flags: { fullReturn?: boolean; refundDelivery?: boolean } = {}
) {
  return {
    lines: new Map(Object.entries(lines).map(([id, line]) => [Number(id), line])),
    fullReturn: flags.fullReturn ?? false,
    refundDelivery: flags.refundDelivery ?? false
  }
}

t.test('the invoice the examples start from', async (t) => {
  t.same(DECLARED, [{ vatRate: '23', net: 21867, vat: 5030, gross: 26897 }])
})

t.test('a returned item: 1 of 2 pieces at 124,49 zł, 23 %', async (t) => {
  const result = planCorrection(INVOICE, DECLARED, request({ 11: { quantityMilli: 1000, unitPriceGross: 12449 } }))
  if (!result.ok) throw new Error(JSON.stringify(result.errors))
  // gross −124,49; VAT after = 144,48 · 23 / 123 = 27,0166… → 27,02, so 27,02 − 50,30 = −23,28; net −124,49 + 23,28 =
  // −101,21
  t.same(result.plan.differences, [{ vatRate: '23', net: -10121, vat: -2328, gross: -12449 }])
  t.same(result.plan.totals, { net: -10121, vat: -2328, gross: -12449 })
  t.same(
    result.plan.lines.map((l) => [
      l.before.originalLineId,
      l.before.quantityMilli,
      l.after.quantityMilli,
      l.after.gross
    ]),
    [[11, 2000, 1000, 12449]],
    'only the changed line'
  )
})

t.test("a changed price keeps the invoice's per-rate rounding, with no drift", async (t) => {
  const result = planCorrection(INVOICE, DECLARED, request({ 12: { quantityMilli: 1000, unitPriceGross: 800 } }))
  if (!result.ok) throw new Error(JSON.stringify(result.errors))
  // after: 266,97 · 23 / 123 = 49,9212… → 49,92; 49,92 − 50,30 = −0,38 (−2,00 alone would round to −0,37,
  // and the invoice with its correction would then state 49,93 for a sale whose VAT is 49,92); net −2,00 + 0,38 = −1,62
  t.same(result.plan.differences, [{ vatRate: '23', net: -162, vat: -38, gross: -200 }])
})

t.test('refunded delivery: its price goes to zero, its quantity stays', async (t) => {
  const result = planCorrection(INVOICE, DECLARED, request({}, { refundDelivery: true }))
  if (!result.ok) throw new Error(JSON.stringify(result.errors))
  // after 258,98 · 23 / 123 = 48,4272… → 48,43; 48,43 − 50,30 = −1,87; net −9,99 + 1,87 = −8,12
  t.same(result.plan.differences, [{ vatRate: '23', net: -812, vat: -187, gross: -999 }])
  t.same(
    result.plan.lines.map((l) => l.after),
    [{ quantityMilli: 1000, unitPriceGross: 0, gross: 0 }]
  )
})

t.test('full return: every line to zero, the whole invoice comes off', async (t) => {
  const result = planCorrection(
    INVOICE,
    DECLARED,
    request({ 11: { quantityMilli: 2000, unitPriceGross: 12449 } }, { fullReturn: true })
  )
  if (!result.ok) throw new Error(JSON.stringify(result.errors))
  t.same(result.plan.differences, [{ vatRate: '23', net: -21867, vat: -5030, gross: -26897 }])
  t.same(
    result.plan.lines.map((l) => l.after.quantityMilli),
    [0, 0, 0],
    'what was typed does not matter'
  )
})

t.test('a second correction starts where the first left the lines', async (t) => {
  const first = planCorrection(INVOICE, DECLARED, request({ 11: { quantityMilli: 1000, unitPriceGross: 12449 } }))
  if (!first.ok) throw new Error('first')
  const afterFirst = INVOICE.map((line) =>
    line.originalLineId === 11 ? { ...line, quantityMilli: 1000, gross: 12449 } : line
  )
  const declared = [{ vatRate: '23' as const, net: 21867 - 10121, vat: 5030 - 2328, gross: 26897 - 12449 }]
  const second = planCorrection(afterFirst, declared, request({ 11: { quantityMilli: 0, unitPriceGross: 12449 } }))
  if (!second.ok) throw new Error(JSON.stringify(second.errors))
  // 19,99 left: 19,99 · 23 / 123 = 3,7380… → 3,74; 3,74 − 27,02 = −23,28; net −101,21
  t.same(second.plan.differences, [{ vatRate: '23', net: -10121, vat: -2328, gross: -12449 }])
  const back = planCorrection(afterFirst, declared, request({ 11: { quantityMilli: 2000, unitPriceGross: 12449 } }))
  t.same(
    back,
    {
      ok: false,
      errors: { 'lines.0.quantity': 'Najwyżej 1 – korekta nie zwiększa ilości (na dosprzedaż wystaw nową fakturę).' }
    },
    'not above what is left'
  )
})

t.test('mixed rates: each rate gets its own difference', async (t) => {
  const lines: LineState[] = [
    { ...INVOICE[0] },
    {
      originalLineId: 14,
      position: 2,
      kind: 'item',
      name: 'Kawa ziarnista 1 kg',
      unit: 'szt.',
      vatRate: '8',
      quantityMilli: 1000,
      unitPriceGross: 4999,
      gross: 4999
    },
    { ...INVOICE[2], position: 3 }
  ]
  const declared = vatTotals(lines)
  // 23 %: 258,97 → VAT 48,4253… → 48,43; 8 %: 49,99 · 8 / 108 = 3,7029… → 3,70
  t.same(declared, [
    { vatRate: '23', net: 21054, vat: 4843, gross: 25897 },
    { vatRate: '8', net: 4629, vat: 370, gross: 4999 }
  ])
  const result = planCorrection(
    lines,
    declared,
    request({ 11: { quantityMilli: 2000, unitPriceGross: 11949 }, 14: { quantityMilli: 0, unitPriceGross: 4999 } })
  )
  if (!result.ok) throw new Error(JSON.stringify(result.errors))
  // 23 %: 5 zł off each of 2 keys, gross −10,00; after 248,97 · 23 / 123 = 46,5555… → 46,56; VAT −1,87, net −8,13
  // 8 %: the coffee returned, gross −49,99, VAT −3,70, net −46,29
  t.same(result.plan.differences, [
    { vatRate: '23', net: -813, vat: -187, gross: -1000 },
    { vatRate: '8', net: -4629, vat: -370, gross: -4999 }
  ])
  t.same(result.plan.totals, { net: -5442, vat: -557, gross: -5999 })
})

t.test('a non-VAT seller: no VAT, the difference is the gross', async (t) => {
  const lines = INVOICE.map((line) => ({ ...line, vatRate: 'zw' as const }))
  const result = planCorrection(
    lines,
    vatTotals(lines),
    request({ 11: { quantityMilli: 1000, unitPriceGross: 12449 } })
  )
  if (!result.ok) throw new Error(JSON.stringify(result.errors))
  t.same(result.plan.differences, [{ vatRate: 'zw', net: -12449, vat: 0, gross: -12449 }])
})

t.test('what is not a correction', async (t) => {
  t.same(planCorrection(INVOICE, DECLARED, request({ 11: { quantityMilli: 2000, unitPriceGross: 12449 } })), {
    ok: false,
    errors: {
      form: 'Nic się nie zmienia – zmień ilość lub cenę co najmniej jednej pozycji albo zaznacz zwrot całości lub zwrot kosztów dostawy.'
    }
  })
  const negative = planCorrection(
    INVOICE,
    DECLARED,
    request({ 11: { quantityMilli: -1000, unitPriceGross: 12449 }, 12: { quantityMilli: 1000, unitPriceGross: -5 } })
  )
  t.same(negative, {
    ok: false,
    errors: { 'lines.0.quantity': 'Ilość nie może być ujemna.', 'lines.1.price': 'Cena nie może być ujemna.' }
  })
  const noDelivery = planCorrection(
    INVOICE.slice(0, 2),
    vatTotals(INVOICE.slice(0, 2)),
    request({}, { refundDelivery: true })
  )
  t.equal(noDelivery.ok, false)
  t.match(noDelivery, { errors: { refundDelivery: 'Ta faktura nie ma pozycji z kosztem dostawy.' } })
  const zeroed = INVOICE.map((line) => ({ ...line, quantityMilli: 0, gross: 0 }))
  const priceOnNothing = planCorrection(
    zeroed,
    [{ vatRate: '23', net: 0, vat: 0, gross: 0 }],
    request({ 11: { quantityMilli: 0, unitPriceGross: 100 } })
  )
  t.equal(priceOnNothing.ok, false, 'a price on a line with nothing left changes nothing')
})

t.test('art. 29a: the direction of a correction and the period and TypKorekty it is settled with', async (t) => {
  t.equal(correctionDirection({ net: -20000, vat: -4600, gross: -24600 }), 'decrease')
  t.equal(correctionDirection({ net: 10000, vat: 2300, gross: 12300 }), 'increase')
  // a rate-only change that leaves the net: its VAT decides
  t.equal(correctionDirection({ net: 0, vat: -1, gross: -1 }), 'decrease')
  t.equal(correctionDirection({ net: 0, vat: 0, gross: 0 }), 'none')
  const base = { date: '', issueDate: '2026-11-28', originalDate: '2026-10-20', today: '2026-12-03' }
  t.same(correctionSettlement('decrease', { ...base, settlement: 'wystawienie' }), {
    ok: true,
    effect: 2,
    date: '2026-11-28'
  })
  t.same(correctionSettlement('decrease', { ...base, settlement: 'dokumentacja', date: '2026-12-03' }), {
    ok: true,
    effect: 3,
    date: '2026-12-03'
  })
  t.same(
    correctionSettlement('decrease', { ...base, settlement: 'dokumentacja', date: '2026-11-30' }),
    { ok: true, effect: 2, date: '2026-11-30' },
    'documented in the same month: its own period'
  )
  t.match(
    correctionSettlement('decrease', { ...base, settlement: 'dokumentacja', date: '2026-12-04' }),
    { ok: false, field: 'settlementDate' },
    'not from the future'
  )
  t.match(
    correctionSettlement('decrease', { ...base, settlement: 'pierwotny' }),
    { ok: false, field: 'settlement' },
    'a decrease never goes back to the original period'
  )
  t.same(correctionSettlement('increase', { ...base, settlement: 'pierwotny' }), {
    ok: true,
    effect: 1,
    date: '2026-10-20'
  })
  t.same(
    correctionSettlement('increase', { ...base, settlement: 'przyczyna', date: '2026-10-25' }),
    { ok: true, effect: 1, date: '2026-10-25' },
    'a cause in the original month'
  )
  t.same(correctionSettlement('increase', { ...base, settlement: 'przyczyna', date: '2026-11-02' }), {
    ok: true,
    effect: 2,
    date: '2026-11-02'
  })
  t.match(
    correctionSettlement('increase', { ...base, settlement: 'przyczyna', date: '2026-11-29' }),
    { ok: false, field: 'settlementDate' },
    'not after the correction'
  )
  t.match(correctionSettlement('increase', { ...base, settlement: 'wystawienie' }), { ok: false, field: 'settlement' })
  t.same(correctionSettlement('none', { ...base, settlement: 'pierwotny' }), {
    ok: true,
    effect: 2,
    date: '2026-11-28'
  })
})
