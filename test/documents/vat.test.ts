import t from 'tap'
import {
  allegroVatRate,
  buyerFromOrder,
  draftLinesFromOrder,
  paymentOf,
  saleDateOf
} from '../../src/documents/allegro-document.ts'
import { formatDocumentNumber, patternProblem } from '../../src/documents/document.ts'
import { parseCheckoutForm, type CheckoutFormData } from '../../src/transactions/checkout-form.ts'
import { checkoutForm, type OrderSpec } from '../helpers/transaction-fixtures.ts'
import { highestRate, lineGross, splitGross, sumAmounts, vatTotals } from '../../src/shared/vat.ts'

function order(spec: OrderSpec): CheckoutFormData {
  const parsed = parseCheckoutForm(checkoutForm(spec))
  if (!parsed.ok) throw new Error(parsed.error)
  return parsed.form
}

t.test('VAT from gross per rate, half up to the grosz', async (t) => {
  // 123.00 at 23 %: 123 × 23 / 123 = 23.00 exactly
  t.same(splitGross(12300, '23'), { net: 10000, vat: 2300, gross: 12300 })
  // 9.99 at 23 %: 999 × 23 / 123 = 186.80… → 1.87
  t.same(splitGross(999, '23'), { net: 812, vat: 187, gross: 999 })
  // 10.00 at 8 %: 1000 × 8 / 108 = 74.07… → 0.74
  t.same(splitGross(1000, '8'), { net: 926, vat: 74, gross: 1000 })
  // 21.00 at 5 %: 2100 × 5 / 105 = 100 exactly
  t.same(splitGross(2100, '5'), { net: 2000, vat: 100, gross: 2100 })
  // exactly half a grosz rounds up: 0.41 at 23 % → 41 × 23 / 123 = 7.666…; 2.46 at 23 % → 46 exactly
  t.same(splitGross(41, '23'), { net: 33, vat: 8, gross: 41 })
  t.same(splitGross(500, '0'), { net: 500, vat: 0, gross: 500 })
  t.same(splitGross(500, 'zw'), { net: 500, vat: 0, gross: 500 })
})

t.test('3 × 33.33 at 23 %: VAT from the rate total, so gross stays 99.99', async (t) => {
  const lines = [1, 2, 3].map(() => ({ vatRate: '23' as const, gross: 3333 }))
  t.same(vatTotals(lines), [{ vatRate: '23', net: 8129, vat: 1870, gross: 9999 }])
  // the per-line split would give 3 × 6.23 = 18.69; the per-rate total is authoritative
  t.equal(splitGross(3333, '23').vat * 3, 1869)
})

t.test('mixed rates 23/8/5 in one document, sorted highest first', async (t) => {
  const totals = vatTotals([
    { vatRate: '5', gross: 2100 },
    { vatRate: '23', gross: 24898 },
    { vatRate: '8', gross: 1000 },
    { vatRate: '23', gross: 999 }
  ])
  // 23 %: 258.97 → VAT 25897 × 23 / 123 = 4842.6… → 48.43
  t.same(totals, [
    { vatRate: '23', net: 21054, vat: 4843, gross: 25897 },
    { vatRate: '8', net: 926, vat: 74, gross: 1000 },
    { vatRate: '5', net: 2000, vat: 100, gross: 2100 }
  ])
  t.same(sumAmounts(totals), { net: 23980, vat: 5017, gross: 28997 })
})

t.test('line gross from a quantity in thousandths', async (t) => {
  t.equal(lineGross(2000, 12449), 24898)
  t.equal(lineGross(1500, 333), 500, '1,5 × 3.33 = 4.995 → 5.00')
  t.equal(lineGross(1, 1), 0)
  t.equal(lineGross(100_000_000, 99_999_999), 9_999_999_900_000, 'no float overflow')
})

t.test('lines of an Allegro order: items, services, delivery', async (t) => {
  const o = order({
    items: [
      { name: 'Książka', price: '42.00', quantity: 1, taxRate: '5.00' },
      {
        name: 'Kubek',
        price: '33.33',
        quantity: 3,
        taxRate: '23.00',
        services: [{ name: 'Pakowanie na prezent', price: '10.00', quantity: 3 }]
      },
      { name: 'Herbata', price: '10.00', quantity: 1, taxRate: null }
    ],
    deliveryCost: '9.99',
    deliveryMethod: 'Allegro Kurier DPD'
  })
  const lines = draftLinesFromOrder(o, {
    vatExempt: false,
    defaultRate: '23',
    products: [null, null, { id: 7, vatRate: '8' }]
  })
  t.same(
    lines.map((l) => [l.kind, l.name, l.quantityMilli, l.unitPriceGross, l.vatRate, l.gross]),
    [
      ['item', 'Książka', 1000, 4200, '5', 4200],
      ['item', 'Kubek', 3000, 3333, '23', 9999],
      // 10.00 for 3 units does not split evenly: one lot
      ['service', 'Pakowanie na prezent (3 szt.)', 1000, 1000, '23', 1000],
      ['item', 'Herbata', 1000, 1000, '8', 1000],
      ['delivery', 'Dostawa: Allegro Kurier DPD', 1000, 999, '23', 999]
    ]
  )
  t.equal(lines[3].productId, 7, 'the matched product is remembered')
  t.equal(
    lines.reduce((s, l) => s + l.gross, 0),
    o.totalToPay,
    'lines add up to totalToPay'
  )
  t.same(vatTotals(lines), [
    { vatRate: '23', net: 9754, vat: 2244, gross: 11998 },
    { vatRate: '8', net: 926, vat: 74, gross: 1000 },
    { vatRate: '5', net: 4000, vat: 200, gross: 4200 }
  ])
})

t.test('a service whose total splits evenly keeps its quantity', async (t) => {
  const o = order({
    items: [
      { name: 'Kubek', price: '20.00', quantity: 2, services: [{ name: 'Grawer', price: '12.00', quantity: 2 }] }
    ],
    deliveryCost: '0.00'
  })
  const lines = draftLinesFromOrder(o, { vatExempt: false, defaultRate: '23', products: [null] })
  t.same(
    lines.map((l) => [l.kind, l.name, l.quantityMilli, l.unitPriceGross, l.gross]),
    [
      ['item', 'Kubek', 2000, 2000, 4000],
      ['service', 'Grawer', 2000, 600, 1200]
    ]
  )
  t.equal(lines[1].lineItemId, null, 'only the goods line stands for the cart item (stock counts it once)')
})

t.test('zero delivery adds no line; delivery follows the highest goods rate', async (t) => {
  const free = order({ items: [{ price: '50.00', taxRate: '8.00' }], deliveryCost: '0.00' })
  t.same(
    draftLinesFromOrder(free, { vatExempt: false, defaultRate: '23', products: [null] }).map((l) => l.kind),
    ['item']
  )
  const mixed = order({
    items: [
      { price: '50.00', taxRate: '8.00' },
      { price: '10.00', taxRate: '5.00' }
    ],
    deliveryCost: '12.00'
  })
  const lines = draftLinesFromOrder(mixed, { vatExempt: false, defaultRate: '23', products: [null, null] })
  t.equal(lines[2].vatRate, '8')
  t.equal(highestRate(['5', 'zw', '8'], '23'), '8')
  t.equal(highestRate([], '23'), '23')
})

t.test('rates: Allegro, else product, else company default', async (t) => {
  t.equal(allegroVatRate('23.00'), '23')
  t.equal(allegroVatRate('8'), '8')
  t.equal(allegroVatRate('0.00'), '0')
  t.equal(allegroVatRate('21.00'), null, 'a foreign rate is not ours')
  t.equal(allegroVatRate(null), null)
  const o = order({
    items: [
      { price: '10.00', taxRate: null },
      { price: '10.00', taxRate: null }
    ],
    deliveryCost: '0.00'
  })
  const lines = draftLinesFromOrder(o, {
    vatExempt: false,
    defaultRate: '8',
    products: [{ id: 1, vatRate: '5' }, null]
  })
  t.same(
    lines.map((l) => l.vatRate),
    ['5', '8']
  )
})

t.test('non-VAT payer: every line exempt, no VAT', async (t) => {
  const o = order({ items: [{ price: '33.33', quantity: 3, taxRate: '23.00' }], deliveryCost: '9.99' })
  const lines = draftLinesFromOrder(o, { vatExempt: true, defaultRate: 'zw', products: [null] })
  t.same(
    lines.map((l) => l.vatRate),
    ['zw', 'zw']
  )
  t.same(vatTotals(lines), [{ vatRate: 'zw', net: 10998, vat: 0, gross: 10998 }])
})

t.test('buyer rule', async (t) => {
  const company = buyerFromOrder(order({ invoice: 'company' }), 'delivery')
  t.ok(company.ok)
  if (company.ok)
    t.match(company.buyer, {
      name: 'Warsztat Nowak s.c.',
      nip: '6762468259',
      isCompany: true,
      street: 'Przemysłowa 12',
      postalCode: '30-701',
      city: 'Kraków',
      allegroBuyerId: '98765432',
      allegroLogin: 'warsztat_nowak'
    })

  const person = buyerFromOrder(order({ invoice: 'person' }), 'account_owner')
  if (person.ok)
    t.match(person.buyer, {
      name: 'Zofia Wiśniewska',
      nip: null,
      isCompany: false,
      street: 'Przemysłowa 12',
      city: 'Kraków'
    })
  else t.fail(person.problem)

  const delivery = buyerFromOrder(
    order({ delivery: { firstName: 'Piotr', lastName: 'Zieliński', pickupPoint: true } }),
    'delivery'
  )
  if (delivery.ok)
    t.match(delivery.buyer, {
      name: 'Piotr Zieliński',
      street: 'Długa 5/3',
      postalCode: '50-001',
      city: 'Wrocław',
      nip: null
    })
  else t.fail(delivery.problem)

  const owner = buyerFromOrder(
    order({ buyer: { firstName: 'Anna', lastName: 'Nowak', companyName: 'Nowak Sp. j.' } }),
    'account_owner'
  )
  if (owner.ok)
    t.match(owner.buyer, {
      name: 'Nowak Sp. j.',
      isCompany: true,
      street: 'Kwiatowa 7/2',
      postalCode: '30-001',
      city: 'Kraków'
    })
  else t.fail(owner.problem)

  const ownerNoAddress = buyerFromOrder(order({ buyer: { address: null } }), 'account_owner')
  if (ownerNoAddress.ok)
    t.match(
      ownerNoAddress.buyer,
      { name: 'Anna Nowak', street: 'Długa 5/3', city: 'Wrocław' },
      'falls back to the delivery address'
    )

  const foreign = buyerFromOrder(order({ invoice: 'foreign_company' }), 'delivery')
  if (foreign.ok)
    t.match(foreign.buyer, { nip: null, foreignTaxId: 'CZ27074358', foreignTaxIdType: 'CZ_DIC', countryCode: 'CZ' })
  else t.fail(foreign.problem)

  const badNip = buyerFromOrder(order({ invoice: 'company', invoiceNip: '6762468250' }), 'delivery')
  t.same(badNip, { ok: false, problem: 'NIP nabywcy podany w Allegro (6762468250) jest nieprawidłowy' })
})

t.test('dates and payment', async (t) => {
  const paid = order({ paidAt: '2026-11-14T23:30:00.000Z', boughtAt: '2026-11-14T20:00:00.000Z' })
  t.equal(saleDateOf(paid), '2026-11-15', 'the Warsaw day of the payment')
  t.same(paymentOf(paid), { method: 'online', paid: true, paidAt: '2026-11-14T23:30:00.000Z' })
  const cod = order({ paymentType: 'CASH_ON_DELIVERY', boughtAt: '2026-11-10T10:00:00.000Z' })
  t.equal(saleDateOf(cod), '2026-11-10', 'unpaid: the purchase day')
  t.same(paymentOf(cod), { method: 'pobranie', paid: false, paidAt: null })
  t.equal(paymentOf(order({ paymentType: 'WIRE_TRANSFER', paid: false })).method, 'przelew')
})

t.test('numbering patterns', async (t) => {
  t.equal(formatDocumentNumber('FV {n}/{mm}/{yyyy}', 12, '2026-11'), 'FV 12/11/2026')
  t.equal(formatDocumentNumber('{yyyy}/{mm}/ALG/{n}', 3, '2027-01'), '2027/01/ALG/3')
  t.equal(patternProblem('FV {n}/{mm}/{yyyy}'), null)
  t.match(patternProblem('FV {mm}/{yyyy}'), /\{n\}/)
  t.match(patternProblem('FV {n}/{yyyy}'), /\{mm\}/)
  t.match(patternProblem('FV {n}/{mm}/{yyyy}/{x}'), /znaczniki/)
  t.match(patternProblem('FV<b> {n}/{mm}/{yyyy}'), /liter/)
  t.match(patternProblem(''), /Podaj/)
})
