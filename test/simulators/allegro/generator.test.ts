import t from 'tap'
import { generateCzIco, generateNip, isValidNipChecksum } from '../../../src/simulators/allegro/generator.ts'
import { formatMinor, parseMinor, Rng } from '../../../src/simulators/allegro/random.ts'
import { computeTotalMinor, createAllegroSimulator } from '../../../src/simulators/allegro/simulator.ts'
import type { CheckoutForm } from '../../../src/simulators/allegro/simulator.ts'
import { START } from './fixtures/sim.ts'

const now = (): Date => new Date(START)
const AMOUNT = /^\d+\.\d{2}$/

t.test('NIP and IČO generation', async (t) => {
  const rng = new Rng('nip-test')
  const nips = Array.from({ length: 5000 }, () => generateNip(rng))
  t.same(
    nips.filter((nip) => !isValidNipChecksum(nip)),
    [],
    '5 000 generated NIPs, all valid'
  )
  t.ok(nips.every((nip) => /^[1-9]\d{9}$/.test(nip)))
  t.ok(isValidNipChecksum('5260250274'), 'a real NIP')
  t.notOk(isValidNipChecksum('5260250275'))
  // The reference's invented example fails the checksum; generated data never does.
  t.notOk(isValidNipChecksum('6762468250'))
  t.notOk(isValidNipChecksum('123'))
  const ico = generateCzIco(rng)
  t.match(ico, /^\d{8}$/)
})

t.test('money helpers', async (t) => {
  t.equal(formatMinor(26897), '268.97')
  t.equal(formatMinor(5), '0.05')
  t.equal(formatMinor(0), '0.00')
  t.equal(parseMinor('33.33'), 3333)
  t.equal(parseMinor('10'), 1000)
  t.equal(parseMinor('1.5'), 150)
  t.equal(parseMinor('abc'), null)
})

t.test('2 000 generated orders: totals, shapes, realism', async (t) => {
  const sim = createAllegroSimulator({ seed: 5, now, initialOrders: 0, ordersPerHour: 0 })
  sim.addOrders(2000)
  const orders = sim.listOrders()
  t.equal(orders.length, 2000)

  const bad: string[] = []
  const counts = {
    cz: 0,
    cod: 0,
    company: 0,
    person: 0,
    noInvoice: 0,
    message: 0,
    services: 0,
    qtyOver1: 0,
    smartFree: 0,
    personal: 0,
    pickup: 0,
    cancelled: 0,
    unpaid: 0,
    nullTax: 0,
    discount: 0,
    oneBox: 0,
    dpd: 0
  }
  const cartSizes = new Set<number>()
  const offerNames = new Map<string, number>()
  const buyers = new Map<string, number>()
  const check = (cond: boolean, what: string, o: CheckoutForm): void => {
    if (!cond) bad.push(`${what}: ${o.id}`)
  }
  for (const o of orders) {
    const currency = o.summary.totalToPay.currency
    check(
      computeTotalMinor(o) === parseMinor(o.summary.totalToPay.amount),
      'totalToPay = Σ lines + services + delivery',
      o
    )
    check(AMOUNT.test(o.summary.totalToPay.amount) && AMOUNT.test(o.delivery.cost.amount), 'amount format', o)
    check(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(o.id), 'uuid', o)
    check(/^[0-9a-f]{8}$/.test(o.revision), 'revision', o)
    check(o.updatedAt >= o.lineItems[0].boughtAt, 'updatedAt after boughtAt', o)
    check(o.surcharges.length === 0 && Array.isArray(o.surcharges), 'surcharges', o)
    check(o.lineItems.length >= 1 && o.lineItems.length <= 4, 'cart of 1–4', o)
    cartSizes.add(o.lineItems.length)
    for (const l of o.lineItems) {
      check(
        AMOUNT.test(l.price.amount) && l.price.currency === currency && l.originalPrice.currency === currency,
        'line price',
        o
      )
      check(/^\d+$/.test(l.offer.id), 'numeric offer id', o)
      check(l.boughtAt === o.lineItems[0].boughtAt, 'one boughtAt per order', o)
      check(['23.00', '8.00', '5.00', null].includes(l.tax.rate), 'tax rate', o)
      if (l.tax.rate === null) counts.nullTax++
      if (l.quantity > 1) counts.qtyOver1++
      if (l.selectedAdditionalServices.length > 0) counts.services++
      if (l.discounts.length > 0) counts.discount++
      offerNames.set(l.offer.name, (offerNames.get(l.offer.name) ?? 0) + 1)
    }
    if (o.marketplace.id === 'allegro-cz') {
      counts.cz++
      check(currency === 'CZK', 'CZ orders in CZK', o)
    } else {
      check(currency === 'PLN', 'PL orders in PLN', o)
    }
    if (o.payment.type === 'CASH_ON_DELIVERY') {
      counts.cod++
      check(o.payment.provider === 'OFFLINE', 'COD provider', o)
      check(/pobranie|przy odbiorze/.test(o.delivery.method.name), 'COD delivery method', o)
      if (o.fulfillment.status !== 'SENT')
        check(o.payment.finishedAt === null && o.payment.paidAmount === null, 'COD unpaid until delivered', o)
    } else {
      check(o.payment.type === 'ONLINE' && ['P24', 'PAYU'].includes(o.payment.provider ?? ''), 'online provider', o)
      if (o.status === 'READY_FOR_PROCESSING') {
        check(
          o.payment.finishedAt !== null && o.payment.paidAmount?.amount === o.summary.totalToPay.amount,
          'paid online',
          o
        )
      }
    }
    if (o.status === 'CANCELLED') counts.cancelled++
    if (o.status === 'BOUGHT' || o.status === 'FILLED_IN') counts.unpaid++
    const inv = o.invoice
    if (!inv.required) {
      counts.noInvoice++
      check(inv.address === null, 'no invoice address', o)
    } else if (inv.address?.company != null) {
      counts.company++
      const ids = inv.address.company.ids
      if (o.marketplace.id === 'allegro-pl') {
        check(ids[0].type === 'PL_NIP' && isValidNipChecksum(ids[0].value), 'valid NIP', o)
        check(inv.address.company.taxId === ids[0].value, 'taxId mirrors NIP', o)
      }
      check(['ACTIVE', 'NON_ACTIVE', 'NOT_APPLICABLE'].includes(inv.address.company.vatPayerStatus), 'vat status', o)
      check(inv.address.naturalPerson === null, 'company xor person', o)
    } else {
      counts.person++
      check(inv.address?.naturalPerson?.firstName !== undefined, 'natural person', o)
    }
    if (o.messageToSeller !== null) counts.message++
    const d = o.delivery
    if (d.smart && d.cost.amount === '0.00') counts.smartFree++
    if (d.method.name.startsWith('Odbiór osobisty')) {
      counts.personal++
      check(d.cost.amount === '0.00', 'personal pickup is free', o)
    }
    if (d.method.name.startsWith('Allegro Paczkomaty')) {
      counts.pickup++
      check(d.pickupPoint !== null && /^[A-Z]{3}\d{2}[A-Z]$/.test(d.pickupPoint.id), 'InPost pickup point', o)
    }
    if (d.method.name.startsWith('Allegro One Box')) counts.oneBox++
    if (d.method.name.includes('DPD')) counts.dpd++
    if (o.marketplace.id === 'allegro-pl') {
      check(/^\d{2}-\d{3}$/.test(d.address.zipCode), 'PL zip code', o)
      check(
        d.address.phoneNumber === null || /^(\+48\d{9}|\d{3} \d{3} \d{3})$/.test(d.address.phoneNumber),
        'PL phone',
        o
      )
    }
    buyers.set(o.buyer.id, (buyers.get(o.buyer.id) ?? 0) + 1)
  }
  t.same(bad.slice(0, 10), [], 'every order passes every check')
  t.same([...cartSizes].sort(), [1, 2, 3, 4])
  t.ok(offerNames.size >= 30 && offerNames.size <= 45, `catalogue of about 40 offers (${offerNames.size})`)
  t.ok(
    [...offerNames.values()].some((n) => n > 50),
    'offer names repeat across orders'
  )
  t.ok(
    [...buyers.values()].some((n) => n > 3),
    'repeat buyers'
  )
  const share = (n: number): number => n / orders.length
  t.ok(share(counts.cz) > 0.02 && share(counts.cz) < 0.09, `~5 % allegro-cz (${counts.cz})`)
  t.ok(share(counts.cod) > 0.1 && share(counts.cod) < 0.3, `COD share (${counts.cod})`)
  t.ok(share(counts.company) > 0.1, `company invoices (${counts.company})`)
  t.ok(counts.person > 20, `natural-person invoices (${counts.person})`)
  t.ok(share(counts.noInvoice) > 0.5, 'most orders without invoice')
  t.ok(counts.message > 100, 'buyer messages')
  for (const key of [
    'services',
    'qtyOver1',
    'smartFree',
    'personal',
    'pickup',
    'cancelled',
    'unpaid',
    'nullTax',
    'discount',
    'oneBox',
    'dpd'
  ] as const) {
    t.ok(counts[key] > 5, `${key}: ${counts[key]}`)
  }
  t.ok(
    orders.some(
      (o) => o.summary.totalToPay.amount.endsWith('.33') || o.lineItems.some((l) => l.price.amount === '33.33')
    ),
    'prices like 33.33'
  )
})

t.test('deterministic per seed', async (t) => {
  const make = (seed: number): CheckoutForm[] => {
    const sim = createAllegroSimulator({ seed, now, initialOrders: 60 })
    sim.addOrders(40, { invoice: 'company' })
    return sim.listOrders()
  }
  const a = make(11)
  t.same(make(11), a, 'same seed, same orders')
  const c = make(12)
  t.not(c[0].id, a[0].id)
  t.notSame(
    c.map((o) => o.summary.totalToPay.amount),
    a.map((o) => o.summary.totalToPay.amount)
  )
  const sim = createAllegroSimulator({ seed: 11, now, initialOrders: 0 })
  t.same(
    sim.offers.map((o) => o.id),
    createAllegroSimulator({ seed: 11, now, initialOrders: 0 }).offers.map((o) => o.id),
    'same catalogue'
  )
})

t.test('hostile data', async (t) => {
  const sim = createAllegroSimulator({ seed: 3, now, initialOrders: 0, ordersPerHour: 0 })
  const [o] = sim.addOrders(1, { hostile: true, at: now() })
  const text = JSON.stringify(o)
  t.match(o.buyer.firstName, '<script>alert(1)</script>')
  t.match(o.buyer.lastName, /"/)
  t.match(o.buyer.lastName, /'/)
  t.match(o.messageToSeller, /😀/)
  t.match(o.messageToSeller, /\u202E/, 'right-to-left override')
  t.match(text, /مرحبا/)
  t.ok(
    o.lineItems.some((l) => l.offer.name.length === 10000),
    'a 10 000-character offer name'
  )
  t.ok(o.lineItems.some((l) => l.offer.name.includes('<script>')))
  t.equal(computeTotalMinor(o), parseMinor(o.summary.totalToPay.amount), 'totals still consistent')
  t.ok(
    sim.offers.some((offer) => offer.name.length === 10000),
    'hostile offers are in the catalogue too'
  )
  const nip = o.invoice.address?.company?.ids[0].value ?? ''
  t.ok(isValidNipChecksum(nip), 'NIP stays valid')
})

t.test('control API: forced status, seller, time range; order updates', async (t) => {
  let clock = START
  const sim = createAllegroSimulator({ seed: 9, now: () => new Date(clock), initialOrders: 0, ordersPerHour: 0 })
  const forced = sim.addOrders(20, {
    status: 'READY_FOR_PROCESSING',
    payment: 'ONLINE',
    invoice: 'person',
    at: new Date(START)
  })
  t.ok(
    forced.every(
      (o) =>
        o.status === 'READY_FOR_PROCESSING' &&
        o.payment.finishedAt !== null &&
        o.invoice.address?.naturalPerson !== null
    )
  )
  const unpaid = sim.addOrders(5, { status: 'BOUGHT', payment: 'CASH_ON_DELIVERY' })
  t.ok(unpaid.every((o) => o.status === 'BOUGHT'))
  const cancelled = sim.addOrders(3, { status: 'CANCELLED', lineItems: 4 })
  t.ok(cancelled.every((o) => o.status === 'CANCELLED' && o.lineItems.length === 4))
  const cz = sim.addOrders(3, { marketplace: 'allegro-cz', invoice: 'company' })
  t.ok(cz.every((o) => o.invoice.address?.company?.ids.some((i) => i.type === 'CZ_ICO')))
  const future = sim.addOrders(1, { at: new Date(START + 3_600_000) })
  t.equal(sim.getOrder(future[0].id), undefined, 'an order bought in the future is not visible yet')
  clock += 3_600_000
  t.ok(sim.getOrder(future[0].id), 'visible once the clock gets there')

  const before = sim.listEvents().length
  const revisionBefore = unpaid[0].revision
  const paid = sim.payOrder(unpaid[0].id)
  t.equal(paid.status, 'READY_FOR_PROCESSING')
  t.equal(paid.payment.finishedAt, null, 'COD: ready without payment')
  t.not(paid.revision, revisionBefore)
  t.equal(unpaid[0].revision, paid.revision, 'addOrders returns live views')
  const modified = sim.updateOrder(
    unpaid[1].id,
    (f) => {
      f.lineItems[0].quantity += 1
    },
    { recomputeTotal: true }
  )
  t.equal(computeTotalMinor(modified), parseMinor(modified.summary.totalToPay.amount))
  sim.updateOrder(
    unpaid[2].id,
    (f) => {
      f.messageToSeller = 'cicho'
    },
    { eventType: null }
  )
  sim.setFulfillmentStatus(forced[0].id, 'SENT')
  const events = sim.listEvents().slice(before)
  t.same(
    events.map((e) => e.type),
    ['READY_FOR_PROCESSING', 'BUYER_MODIFIED', 'FULFILLMENT_STATUS_CHANGED']
  )
  t.throws(() => sim.updateOrder('nope', () => {}), /unknown order/)
  t.throws(() => sim.addOrders(1, { seller: 'nikt' }), /unknown seller/)
  t.throws(() => sim.addOrders(-1), RangeError)
})

// Speed is measured by `npm run bench`, not here; this checks that a bulk of 10 000 stays consistent.
t.test('10 000 orders in one bulk', async (t) => {
  const sim = createAllegroSimulator({ seed: 1, now, initialOrders: 0, ordersPerHour: 0 })
  const added = sim.addOrders(10000)
  t.equal(added.length, 10000)
  t.equal(new Set(added.map((o) => o.id)).size, 10000, 'unique ids')
  t.equal(
    new Set(added.flatMap((o) => o.lineItems.map((l) => l.id))).size,
    added.reduce((n, o) => n + o.lineItems.length, 0),
    'unique line ids'
  )
})
