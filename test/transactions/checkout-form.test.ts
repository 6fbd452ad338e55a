import t from 'tap'
import {
  buildSearchText,
  impliedStatus,
  parseCheckoutForm,
  toItemColumns,
  toTransactionColumns,
  type CheckoutFormData
} from '../../src/transactions/checkout-form.ts'
import { plural, summariseImport } from '../../src/transactions/import-summary.ts'
import { chunkByForms, parseOrderEvents } from '../../src/transactions/import.ts'
import { offerUrl } from '../../src/transactions/marketplaces.ts'

// The example order of reference/allegro-api.md §3 (268.97 = 2 × 124.49 + 10.00 + 9.99).
function example(): Record<string, any> {
  return {
    id: '6f1c2b3a-9d84-11f0-8a21-5b7c0e4d1a77',
    messageToSeller: 'Proszę o fakturę na firmę, dziękuję',
    buyer: {
      id: '98765432',
      email: 'k7x2m9q4+a1b2c3@allegromail.pl',
      login: 'warsztat_nowak',
      firstName: 'Anna',
      lastName: 'Nowak',
      companyName: 'Warsztat Nowak s.c.',
      guest: false,
      personalIdentity: null,
      phoneNumber: '+48600100200',
      preferences: { language: 'pl-PL' },
      address: { street: 'Kwiatowa 7/2', city: 'Kraków', postCode: '30-001', countryCode: 'PL' }
    },
    payment: {
      id: '0d2e7c41-9d84-11f0-b5a3-1f2e3d4c5b6a',
      type: 'ONLINE',
      provider: 'P24',
      finishedAt: '2026-03-05T10:16:02.481Z',
      paidAmount: { amount: '268.97', currency: 'PLN' },
      reconciliation: null,
      features: []
    },
    status: 'READY_FOR_PROCESSING',
    fulfillment: { status: 'NEW', shipmentSummary: { lineItemsSent: 'NONE' }, provider: { id: 'SELLER' } },
    delivery: {
      address: {
        firstName: 'Anna',
        lastName: 'Nowak',
        companyName: 'Warsztat Nowak s.c.',
        street: 'Kwiatowa 7/2',
        city: 'Kraków',
        zipCode: '30-001',
        countryCode: 'PL',
        phoneNumber: '+48600100200',
        modifiedAt: null
      },
      method: { id: '2488f7b7-5d1c-4d65-b85c-4cbcf253fd93', name: 'Allegro Paczkomaty InPost' },
      pickupPoint: {
        id: 'KRA12M',
        name: 'Paczkomat KRA12M',
        description: 'Przy sklepie spożywczym',
        address: { street: 'Długa 15', zipCode: '31-147', city: 'Kraków', countryCode: 'PL' }
      },
      cost: { amount: '9.99', currency: 'PLN' },
      smart: true,
      cancellation: null,
      calculatedNumberOfPackages: 1
    },
    invoice: {
      required: true,
      address: {
        street: 'Przemysłowa 12',
        city: 'Kraków',
        zipCode: '30-701',
        countryCode: 'PL',
        company: {
          name: 'Warsztat Nowak s.c.',
          ids: [{ type: 'PL_NIP', value: '6762468250' }],
          vatPayerStatus: 'ACTIVE',
          taxId: '6762468250'
        },
        naturalPerson: null
      },
      dueDate: null,
      features: []
    },
    lineItems: [
      {
        id: 'a3b0c9de-9d84-11f0-8a21-5b7c0e4d1a77',
        offer: { id: '17345678901', name: 'Klucz dynamometryczny 1/2" 40-210 Nm', external: { id: 'KD-12-210' } },
        quantity: 2,
        originalPrice: { amount: '129.49', currency: 'PLN' },
        price: { amount: '124.49', currency: 'PLN' },
        selectedAdditionalServices: [],
        tax: { rate: '23.00', subject: 'GOODS', exemption: null },
        boughtAt: '2026-03-05T10:15:30.133Z'
      },
      {
        id: 'a3b0c9df-9d84-11f0-8a21-5b7c0e4d1a77',
        offer: { id: '17345678955', name: 'Smar miedziany 100 g', external: null },
        quantity: 1,
        originalPrice: { amount: '10.00', currency: 'PLN' },
        price: { amount: '10.00', currency: 'PLN' },
        tax: { rate: null, subject: null, exemption: null },
        boughtAt: '2026-03-05T10:15:30.133Z'
      }
    ],
    surcharges: [],
    note: { text: 'Sprawdzić stan magazynu KD-12' },
    marketplace: { id: 'allegro-pl' },
    summary: { totalToPay: { amount: '268.97', currency: 'PLN' } },
    updatedAt: '2026-03-05T10:16:03.905Z',
    revision: '4c2a91fe'
  }
}

function parsed(json: unknown): CheckoutFormData {
  const result = parseCheckoutForm(json)
  if (!result.ok) throw new Error(result.error)
  return result.form
}

t.test('the reference example maps to a transaction row and item rows', async (t) => {
  const form = parsed(example())
  const row = toTransactionColumns(form)
  t.equal(row.total_to_pay, 26897)
  t.equal(row.delivery_cost, 999)
  t.equal(row.paid_amount, 26897)
  t.equal(row.currency, 'PLN')
  t.equal(row.bought_at, '2026-03-05T10:15:30.133Z')
  t.equal(row.buyer_name, 'Warsztat Nowak s.c.', 'company name first')
  t.equal(row.buyer_company, 'Warsztat Nowak s.c.')
  t.equal(row.invoice_required, 1)
  t.equal(row.item_count, 2)
  t.equal(row.first_offer_id, '17345678901')
  t.equal(row.first_offer_name, 'Klucz dynamometryczny 1/2" 40-210 Nm')
  t.equal(row.delivery_method, 'Allegro Paczkomaty InPost')
  t.equal(row.payment_type, 'ONLINE')
  t.equal(row.payment_provider, 'P24')
  t.equal(row.revision, '4c2a91fe')
  t.equal(form.invoice.company?.nip, '6762468250')
  t.equal(form.delivery.pickupPoint?.id, 'KRA12M')
  t.equal(impliedStatus(form), 'oplacona', 'paid online')

  const items = toItemColumns(form)
  t.same(
    items.map((i) => [
      i.position,
      i.offer_id,
      i.quantity,
      i.unit_price,
      i.original_unit_price,
      i.tax_rate,
      i.external_id
    ]),
    [
      [1, '17345678901', 2, 12449, 12949, '23.00', 'KD-12-210'],
      [2, '17345678955', 1, 1000, 1000, null, null]
    ]
  )
  // the delivery and the goods add up to what the buyer pays
  t.equal(items.reduce((sum, i) => sum + i.unit_price * i.quantity, 0) + row.delivery_cost, row.total_to_pay)

  const search = buildSearchText(form)
  for (const part of [
    'warsztat_nowak',
    'anna',
    'nowak',
    'warsztat nowak s.c.',
    'k7x2m9q4+a1b2c3@allegromail.pl',
    'klucz dynamometryczny',
    'smar miedziany',
    '17345678955',
    '6f1c2b3a-9d84-11f0-8a21-5b7c0e4d1a77'
  ]) {
    t.ok(search.includes(part), `search text has ${part}`)
  }
  t.equal(search, search.toLowerCase())
})

t.test('a person without a company is shown by name; unpaid and cancelled orders get their status', async (t) => {
  const json = example()
  json.buyer.companyName = null
  json.invoice = { required: false, address: null, dueDate: null, features: [] }
  json.payment.finishedAt = null
  json.payment.paidAmount = null
  const form = parsed(json)
  t.equal(toTransactionColumns(form).buyer_name, 'Anna Nowak')
  t.equal(toTransactionColumns(form).buyer_company, null)
  t.equal(toTransactionColumns(form).invoice_required, 0)
  t.equal(impliedStatus(form), 'nowa')
  json.status = 'CANCELLED'
  t.equal(impliedStatus(parsed(json)), 'anulowana')
  json.status = 'READY_FOR_PROCESSING'
  json.payment.type = 'CASH_ON_DELIVERY'
  t.equal(impliedStatus(parsed(json)), 'nowa', 'cash on delivery is not paid yet')
})

t.test('untrusted input: every bad field rejects the whole form with its path', async (t) => {
  const cases: Array<[string, (j: Record<string, any>) => void, RegExp]> = [
    [
      'not an object',
      (j) => {
        j.buyer = ['x']
      },
      /^pole buyer: oczekiwano obiektu/
    ],
    [
      'amount with a comma',
      (j) => {
        j.summary.totalToPay.amount = '268,97'
      },
      /summary\.totalToPay\.amount/
    ],
    [
      'amount as a number',
      (j) => {
        j.lineItems[0].price.amount = 124.49
      },
      /lineItems\[0\]\.price\.amount/
    ],
    [
      'negative amount',
      (j) => {
        j.delivery.cost.amount = '-9.99'
      },
      /delivery\.cost\.amount/
    ],
    [
      'three decimals',
      (j) => {
        j.lineItems[1].price.amount = '10.001'
      },
      /lineItems\[1\]\.price\.amount/
    ],
    [
      'other currency on a line',
      (j) => {
        j.lineItems[1].price.currency = 'EUR'
      },
      /lineItems\[1\]\.price\.currency: oczekiwano waluty PLN/
    ],
    [
      'bad currency code',
      (j) => {
        j.summary.totalToPay.currency = 'zł'
      },
      /summary\.totalToPay\.currency/
    ],
    [
      'id not a UUID',
      (j) => {
        j.id = '../../etc/passwd'
      },
      /^pole id: nieoczekiwany format/
    ],
    [
      'line id not a UUID',
      (j) => {
        j.lineItems[0].id = 'x'
      },
      /lineItems\[0\]\.id/
    ],
    [
      'offer id with odd characters',
      (j) => {
        j.lineItems[0].offer.id = '123/../abc'
      },
      /lineItems\[0\]\.offer\.id/
    ],
    [
      'offer id that is a path segment',
      (j) => {
        j.lineItems[0].offer.id = '..'
      },
      /lineItems\[0\]\.offer\.id/
    ],
    [
      'buyer id too long',
      (j) => {
        j.buyer.id = '1'.repeat(65)
      },
      /buyer\.id/
    ],
    [
      'unknown status',
      (j) => {
        j.status = 'PAID'
      },
      /^pole status: nieznana wartość/
    ],
    [
      'unknown payment type',
      (j) => {
        j.payment.type = 'BITCOIN'
      },
      /payment\.type/
    ],
    [
      'quantity zero',
      (j) => {
        j.lineItems[0].quantity = 0
      },
      /lineItems\[0\]\.quantity/
    ],
    [
      'quantity fractional',
      (j) => {
        j.lineItems[0].quantity = 1.5
      },
      /lineItems\[0\]\.quantity/
    ],
    [
      'date without zone',
      (j) => {
        j.lineItems[0].boughtAt = '2026-03-05 10:15'
      },
      /lineItems\[0\]\.boughtAt/
    ],
    [
      'impossible date',
      (j) => {
        j.updatedAt = '2026-02-30T10:00:00Z'
      },
      /updatedAt: niepoprawna data i godzina/
    ],
    [
      'no items',
      (j) => {
        j.lineItems = []
      },
      /lineItems: zamówienie bez pozycji/
    ],
    [
      'repeated line id',
      (j) => {
        j.lineItems[1].id = j.lineItems[0].id
      },
      /powtórzony identyfikator pozycji/
    ],
    [
      'login too long',
      (j) => {
        j.buyer.login = 'x'.repeat(1001)
      },
      /buyer\.login: dłuższe niż 1000/
    ],
    [
      'control characters',
      (j) => {
        j.messageToSeller = 'a\u0000b'
      },
      /messageToSeller: zawiera znaki sterujące/
    ],
    [
      'revision of odd characters',
      (j) => {
        j.revision = 'a b'
      },
      /^pole revision: nieoczekiwany format/
    ],
    [
      'tax rate garbage',
      (j) => {
        j.lineItems[0].tax.rate = '23%; DROP'
      },
      /lineItems\[0\]\.tax\.rate/
    ],
    [
      'unpriced service when the total needs it',
      (j) => {
        j.lineItems[0].selectedAdditionalServices = [{ name: 'Wniesienie', quantity: 1 }]
        j.summary.totalToPay.amount = '278.97'
      },
      /lineItems\[0\]\.selectedAdditionalServices\[0\]\.price: brak wartości, a bez niej kwoty zamówienia się nie sumują/
    ],
    [
      'boolean as text',
      (j) => {
        j.invoice.required = 'true'
      },
      /invoice\.required/
    ]
  ]
  for (const [name, mutate, error] of cases) {
    const json = example()
    mutate(json)
    const result = parseCheckoutForm(json)
    t.equal(result.ok, false, name)
    if (!result.ok) t.match(result.error, error, name)
  }
  t.same(parseCheckoutForm('nonsense'), { ok: false, id: null, error: 'pole checkoutForm: oczekiwano obiektu' })
  const badAmount = example()
  badAmount.summary.totalToPay.amount = 'x'
  const result = parseCheckoutForm(badAmount)
  t.equal(!result.ok && result.id, '6f1c2b3a-9d84-11f0-8a21-5b7c0e4d1a77', 'the id is reported when it is valid')
})

t.test("what Allegro's description allows is accepted, each with a sensible meaning", async (t) => {
  const json = example()
  delete json.revision
  const first = parsed(json)
  t.match(first.revision, /^h-[0-9a-f]{24}$/, 'no revision: one derived from the content')
  const again = example()
  delete again.revision
  t.equal(parsed(again).revision, first.revision, 'the same content, the same revision')
  json.messageToSeller = 'inna treść'
  t.not(parsed(json).revision, first.revision, 'changed content, another revision')

  const services = example()
  services.lineItems[0].selectedAdditionalServices = [
    { definitionId: 'CARRY_IN', price: { amount: '10.00', currency: 'PLN' } },
    { quantity: 2, name: 'Montaż', price: { amount: '20.00', currency: 'PLN' } },
    {}
  ]
  services.summary.totalToPay.amount = '298.97'
  const withServices = parsed(services)
  t.same(
    withServices.lineItems[0].services,
    [
      { name: 'CARRY_IN', price: 1000, quantity: 1 },
      { name: 'Montaż', price: 2000, quantity: 2 },
      { name: 'Usługa dodatkowa', price: 0, quantity: 1 }
    ],
    'name from definitionId or a general one, quantity 1, no price free when the total adds up without it'
  )

  const loose = example()
  delete loose.delivery.pickupPoint.id
  loose.buyer.id = 'a1b2-c3'
  loose.lineItems[0].offer.id = 'OFR-17345678901'
  loose.updatedAt = '2026-03-05T10:16:03'
  loose.invoice.dueDate = '2026-03-19T23:30:00Z'
  loose.buyer.address.countryCode = 'pl'
  loose.delivery.address.countryCode = 'cz'
  loose.lineItems[0].tax.rate = 'ZW'
  const form = parsed(loose)
  t.equal(form.delivery.pickupPoint?.id, null)
  t.equal(form.delivery.pickupPoint?.name, 'Paczkomat KRA12M', 'the rest of the pickup point stays')
  t.equal(form.buyer.id, 'a1b2-c3')
  t.equal(form.lineItems[0].offerId, 'OFR-17345678901')
  t.equal(offerUrl('allegro-pl', form.lineItems[0].offerId), null, 'no link built from a non-numeric offer id')
  t.equal(form.updatedAt, '2026-03-05T10:16:03.000Z', 'a zone-less time is UTC')
  t.equal(form.invoice.dueDate, '2026-03-20', 'a date-time due date is its Polish calendar day')
  t.equal(form.buyer.address?.countryCode, 'PL')
  t.equal(form.delivery.address?.countryCode, 'CZ')
  t.equal(form.lineItems[0].taxRate, 'ZW')
  t.equal(parsed({ ...example(), updatedAt: '2026-03-05' }).updatedAt, '2026-03-05T00:00:00.000Z')
})

t.test('hostile but well-formed text is accepted as data (escaping is the pages’ job)', async (t) => {
  const json = example()
  json.buyer.firstName = '<script>alert(1)</script>'
  json.messageToSeller = "<img src=x onerror=alert(1)>\n'; DROP TABLE orders; --"
  json.lineItems[0].offer.name = 'Bardzo długa nazwa <b>z tagami</b> '.repeat(300).slice(0, 10_000)
  const form = parsed(json)
  t.equal(form.buyer.firstName, '<script>alert(1)</script>')
  t.equal(form.lineItems[0].offerName.length, 10_000)
  json.lineItems[0].offer.name += 'x'
  t.equal(parseCheckoutForm(json).ok, false, 'but not beyond 10 000 characters')
})

t.test('events: validated, chunked by checkout form; unusable events skipped with a reason', async (t) => {
  const form = (n: number) => `00000000-0000-0000-0000-${String(n).padStart(12, '0')}`
  const events = parseOrderEvents({
    events: [1, 2, 1, 3, 4, 3, 5].map((n, i) => ({
      id: String(100 + i),
      type: 'BOUGHT',
      order: { checkoutForm: { id: form(n), revision: `r${i}` } }
    }))
  })
  t.same(events.skipped, [])
  t.equal(events.lastId, '106')
  const chunks = chunkByForms(events.refs, 2)
  t.same(
    chunks.map((c) => c.map((e) => e.id)),
    [['100', '101', '102'], ['103', '104', '105'], ['106']]
  )
  const odd = parseOrderEvents({
    events: [
      { id: '1', order: { checkoutForm: { id: 'not-a-uuid' } } },
      { id: '2', order: { buyer: { id: '5' } } },
      { id: 'zły id!', order: { checkoutForm: { id: form(1) } } },
      { id: '4', order: { checkoutForm: { id: form(2) } } },
      { id: '5', type: 'BOUGHT' }
    ]
  })
  t.same(odd.refs, [{ id: '4', checkoutFormId: form(2), revision: null }], 'revision is optional')
  t.same(odd.skipped, [
    { id: '1', reason: 'order.checkoutForm.id nie jest identyfikatorem UUID' },
    { id: '2', reason: 'brak order.checkoutForm' },
    { id: null, reason: 'events[2].id nie jest identyfikatorem zdarzenia' },
    { id: '5', reason: 'brak order.checkoutForm' }
  ])
  t.equal(odd.lastId, '5', 'the cursor may move past the trailing skipped event')
  t.throws(() => parseOrderEvents({ nope: [] }))
})

t.test('offer links per marketplace, Polish plurals and the import summary', async (t) => {
  t.equal(offerUrl('allegro-pl', '17345678901'), 'https://allegro.pl/oferta/17345678901')
  t.equal(offerUrl('allegro-hu', '17345678901'), 'https://allegro.hu/termek/17345678901')
  t.equal(offerUrl('allegro-cz', '17345678901'), 'https://allegro.cz/nabidka/17345678901')
  t.equal(offerUrl('allegro-pl', 'javascript:alert(1)'), null)
  t.same(
    [1, 2, 4, 5, 12, 14, 22, 25, 112].map((n) => plural(n, 'nowa', 'nowe', 'nowych')),
    ['nowa', 'nowe', 'nowe', 'nowych', 'nowych', 'nowych', 'nowe', 'nowych', 'nowych']
  )
  t.equal(summariseImport({ new: 12, updated: 3, unchanged: 7, deleted: 0, invalid: 0 }), '12 nowych, 3 zaktualizowane')
  t.equal(
    summariseImport({ new: 1, updated: 0, unchanged: 0, deleted: 2, invalid: 1 }),
    '1 nowa, 0 zaktualizowanych, 2 pominięte (usunięte wcześniej), 1 odrzucona (błędne dane)'
  )
})
