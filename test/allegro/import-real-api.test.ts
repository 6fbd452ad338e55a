// The import against what Allegro's description allows and what a real Allegro may answer:
// huge totalCount with short pages, events without checkoutForm or with odd ids, an order
// fetched for an event that is another order, a deleted order met twice, and the bounds of one
// import. Real simulator over loopback HTTP, real SQLite.
import t from 'tap'
import { toStoredTimestamp } from '../../src/shared/dates.ts'
import { formatMoney } from '../../src/shared/money.ts'
import { importShop, type ImportLimits } from '../../src/transactions/import.ts'
import { getImportState } from '../../src/transactions/import.queries.ts'
import { summariseImport } from '../../src/transactions/import-summary.ts'
import { deleteTransactions } from '../../src/transactions/transaction-changes.ts'
import { setupImport, simFormIds, storedFormIds, type ImportSetup } from '../transactions/helpers.ts'

const LIST = 'GET /order/checkout-forms'
const ONE = 'GET /order/checkout-forms/:id'

async function runImport(s: ImportSetup, limits?: ImportLimits) {
  return await importShop({ db: s.db, api: await s.api(), now: s.clock, limits }, s.shopId)
}

t.test('a huge totalCount with short pages: the import stops paging on a short page and ends', async (t) => {
  const s = await setupImport(t, { initialOrders: 40 })
  s.sim.simulator.faults.add({
    method: 'GET',
    path: '/order/checkout-forms',
    exact: true,
    kind: 'shortPages',
    pageSize: 3,
    totalCount: 1_000_000,
    times: 10_000
  })
  const outcome = await runImport(s)
  t.equal(outcome.completed, true, outcome.errors.join(' '))
  t.same(outcome.errors, [], 'no "too many orders in one second" either: a short page is the whole window')
  t.equal(s.requests(LIST), 1, 'one window, one page: the whole backfill fitted')
  t.equal(outcome.counts.new, 3, 'what the short page held is stored')
  const state = await getImportState(s.db, s.shopId)
  t.equal(state?.window_to, null, 'the walk is finished')
})

t.test('full pages for ever: the request bound stops the import with the progress kept', async (t) => {
  const s = await setupImport(t, { initialOrders: 40 })
  const forms = s.sim.simulator.listOrders({ seller: 'demo_sklep' })
  // every page full of the same hundred orders (copies) and a totalCount past the offset limit
  const hundred = Array.from({ length: 100 }, (_, i) => forms[i % forms.length])
  s.sim.simulator.faults.add({
    method: 'GET',
    path: '/order/checkout-forms',
    exact: true,
    kind: 'transform',
    times: 100_000,
    transform: () => ({ checkoutForms: hundred, count: 100, totalCount: 1_000_000 })
  })
  const outcome = await runImport(s, { maxRequests: 60, maxMs: 3_600_000 })
  t.equal(outcome.completed, false)
  t.match(
    outcome.errors.at(-1),
    /^Pobieranie zatrzymano po 60 zapytaniach do Allegro \(limit jednego pobierania\); to, co pobrano, zapisano/
  )
  t.equal(s.requests(LIST), 59, 'event-stats and 59 pages, then nothing more')
  const state = await getImportState(s.db, s.shopId)
  t.not(state?.event_cursor, null, 'the cursor from event-stats stays')
  t.not(state?.window_to, null, 'the walk is not marked done')

  s.sim.simulator.faults.clear()
  const next = await runImport(s)
  t.equal(next.completed, true, 'the next import carries on and ends')
  t.same(await storedFormIds(s), simFormIds(s.sim), 'every order once')
})

t.test("the time bound: measured on the import's clock", async (t) => {
  const s = await setupImport(t, { initialOrders: 40 })
  s.sim.simulator.faults.add({
    method: 'GET',
    path: '/order/checkout-forms',
    exact: true,
    kind: 'transform',
    times: 100_000,
    transform: (body: { checkoutForms: unknown[] }) => {
      s.clock.advance(60_000)
      return { ...body, checkoutForms: Array.from({ length: 100 }, () => body.checkoutForms[0]), totalCount: 1_000_000 }
    }
  })
  const outcome = await runImport(s, { maxRequests: 100_000, maxMs: 10 * 60_000 })
  t.equal(outcome.completed, false)
  t.match(outcome.errors.at(-1), /^Pobieranie zatrzymano po 10 min \(limit jednego pobierania\)/)
  t.equal(s.requests(LIST), 10)
})

t.test('events without checkoutForm or with an id that is not a UUID are skipped, counted, and passed', async (t) => {
  const s = await setupImport(t, { initialOrders: 20 })
  t.equal((await runImport(s)).completed, true)
  const sim = s.sim.simulator
  const [changed] = sim.listOrders({ seller: 'demo_sklep' })
  sim.injectEvent({ type: 'BOUGHT', order: { seller: { id: sim.seller('demo_sklep').id }, buyer: { id: '1' } } })
  sim.injectEvent({ type: 'BOUGHT', order: { checkoutForm: { id: '29837493' } } })
  sim.updateOrder(changed.id, (f) => {
    f.messageToSeller = 'Proszę o szybką wysyłkę'
  })
  const last = sim.injectEvent({ type: 'FILLED_IN', order: { checkoutForm: { id: 'zły' } } })

  const outcome = await runImport(s)
  t.equal(outcome.completed, true, 'one odd event does not block the shop')
  t.equal(outcome.counts.skippedEvents, 3)
  t.equal(outcome.counts.updated, 1, 'the valid change next to them is stored')
  t.match(outcome.errors, [
    /brak order\.checkoutForm/,
    /order\.checkoutForm\.id nie jest identyfikatorem UUID/,
    /order\.checkoutForm\.id nie jest identyfikatorem UUID/
  ])
  t.match(summariseImport(outcome.counts), /3 zdarzenia pominięte \(niepełne dane\)/)
  t.equal(
    (await getImportState(s.db, s.shopId))?.event_cursor,
    last.id,
    'the cursor moved past the trailing skipped event'
  )
  const row = await s.db
    .selectFrom('transactions')
    .select('message_to_seller')
    .where('checkout_form_id', '=', changed.id)
    .executeTakeFirstOrThrow()
  t.equal(row.message_to_seller, 'Proszę o szybką wysyłkę')

  const again = await runImport(s)
  t.equal(again.counts.skippedEvents, undefined, 'skipped once, not at every import')
  t.same(again.errors, [])
})

t.test('an order fetched for an event must be the order of that event', async (t) => {
  const s = await setupImport(t, { initialOrders: 20 })
  t.equal((await runImport(s)).completed, true)
  const sim = s.sim.simulator
  const [changed, other] = sim.listOrders({ seller: 'demo_sklep' })
  const otherBefore = await s.db
    .selectFrom('transactions')
    .select(['revision', 'raw_json'])
    .where('checkout_form_id', '=', other.id)
    .executeTakeFirstOrThrow()
  sim.updateOrder(changed.id, (f) => {
    f.messageToSeller = 'Zmiana'
  })
  const otherNow = sim.updateOrder(
    other.id,
    (f) => {
      f.messageToSeller = 'Nie ta'
    },
    { eventType: null }
  )
  s.sim.simulator.faults.add({
    method: 'GET',
    path: `/order/checkout-forms/${changed.id}`,
    exact: true,
    kind: 'transform',
    transform: () => otherNow
  })

  const outcome = await runImport(s)
  t.equal(outcome.counts.invalid, 1)
  t.equal(outcome.counts.updated, 0, 'nothing stored under the wrong event')
  t.match(outcome.errors, [
    new RegExp(`Allegro zwróciło dla zamówienia ${changed.id} inne zamówienie \\(${other.id}\\); pominięto je\\.`)
  ])
  const otherAfter = await s.db
    .selectFrom('transactions')
    .select(['revision', 'raw_json'])
    .where('checkout_form_id', '=', other.id)
    .executeTakeFirstOrThrow()
  t.same(otherAfter, otherBefore, 'the other order is untouched')
  t.equal(s.requests(ONE), 1)
})

t.test('a deleted order met by the order list and by the events is counted once', async (t) => {
  const s = await setupImport(t, { initialOrders: 20 })
  const first = await runImport(s)
  t.equal(first.completed, true)
  const cursor = (await getImportState(s.db, s.shopId))?.event_cursor
  const sim = s.sim.simulator
  const [gone] = sim.listOrders({ seller: 'demo_sklep' })
  const row = await s.db
    .selectFrom('transactions')
    .select('id')
    .where('checkout_form_id', '=', gone.id)
    .executeTakeFirstOrThrow()
  const owner = await s.db.selectFrom('users').select('id').executeTakeFirstOrThrow()
  t.equal(await deleteTransactions(s.db, [row.id], owner.id, toStoredTimestamp(s.clock())), 1)
  sim.updateOrder(gone.id, (f) => {
    f.messageToSeller = 'Jeszcze jedno'
  })
  // two months without a sync: the import re-reads by updatedAt and takes a fresh cursor, which
  // here lags behind (event-stats still names the old latest event), so both passes meet it
  s.clock.advance(56 * 24 * 3600 * 1000)
  sim.faults.add({
    method: 'GET',
    path: '/order/event-stats',
    kind: 'transform',
    transform: () => ({ latestEvent: { id: cursor, occurredAt: '2026-11-16T09:00:00.000Z' } })
  })
  const outcome = await runImport(s)
  t.equal(outcome.completed, true, outcome.errors.join(' '))
  t.equal(outcome.counts.deleted, 1)
  t.match(summariseImport(outcome.counts), /1 pominięta \(usunięte wcześniej\)/)
  t.equal(
    await s.db.selectFrom('transactions').select('id').where('checkout_form_id', '=', gone.id).executeTakeFirst(),
    undefined,
    'still deleted'
  )
})

t.test('orders the description allows are imported: optional fields missing, services, odd codes', async (t) => {
  const s = await setupImport(t, { initialOrders: 12 })
  t.equal((await runImport(s)).completed, true)
  const sim = s.sim.simulator
  const orders = sim.listOrders({ seller: 'demo_sklep' })
  const [services, noIds, loose, noRevision] = orders
  // orders that can be invoiced (not cancelled)
  const [paidServices, taxFree] = orders.slice(4).filter((f) => f.status === 'READY_FOR_PROCESSING')
  t.ok(paidServices !== undefined && taxFree !== undefined, 'the simulator made two open orders to invoice')
  // services the total holds, as a real Allegro sends them
  sim.updateOrder(paidServices.id, (f) => {
    const currency = f.summary.totalToPay.currency
    f.lineItems[0].selectedAdditionalServices = [
      { definitionId: 'CARRY_IN', name: 'Wniesienie', price: { amount: '30.00', currency }, quantity: 1 },
      { definitionId: 'ASSEMBLY', name: 'Montaż', price: { amount: '20.00', currency }, quantity: 3 }
    ]
    f.summary.totalToPay.amount = ((Math.round(Number(f.summary.totalToPay.amount) * 100) + 5000) / 100).toFixed(2)
  })
  sim.updateOrder(services.id, (f) => {
    f.lineItems[0].selectedAdditionalServices = [
      {
        definitionId: 'CARRY_IN',
        name: 'Wniesienie',
        price: { amount: '123.45', currency: f.summary.totalToPay.currency },
        quantity: 1
      },
      {
        definitionId: 'ASSEMBLY',
        name: 'Montaż',
        price: { amount: '123.45', currency: f.summary.totalToPay.currency },
        quantity: 1
      }
    ]
  })
  sim.updateOrder(noIds.id, (f) => {
    const form = f as any
    form.buyer.id = 'guest-8c1f'
    form.lineItems[0].offer.id = 'ABC-1234'
    if (form.delivery.pickupPoint !== null) delete form.delivery.pickupPoint.id
    else form.delivery.pickupPoint = { name: 'Punkt odbioru', description: null, address: null }
  })
  sim.updateOrder(loose.id, (f) => {
    if (f.buyer.address !== null) f.buyer.address.countryCode = 'pl'
    if (f.delivery.address !== null) f.delivery.address.countryCode = 'pl'
    ;(f as any).invoice.dueDate = '2026-11-30T12:00:00Z'
    // a service the description leaves without name, price and quantity: free, as the total says
    ;(f as any).lineItems[0].selectedAdditionalServices = [{ definitionId: 'GIFT_WRAP' }]
  })
  sim.updateOrder(taxFree.id, (f) => {
    f.lineItems[0].tax = { rate: 'ZW', subject: 'GOODS', exemption: 'MONEY_EQUIVALENT' }
  })
  sim.updateOrder(noRevision.id, (f) => {
    f.messageToSeller = 'Bez rewizji'
  })
  sim.faults.add({
    method: 'GET',
    path: `/order/checkout-forms/${noRevision.id}`,
    exact: true,
    kind: 'transform',
    transform: (body: Record<string, unknown>) => {
      delete body.revision
      delete body.updatedAt
      return body
    }
  })

  const outcome = await runImport(s)
  t.same(outcome.errors, [], 'nothing rejected')
  t.equal(outcome.counts.invalid, 0)
  t.equal(outcome.counts.updated, 6)
  const row = async (id: string) =>
    await s.db.selectFrom('transactions').selectAll().where('checkout_form_id', '=', id).executeTakeFirstOrThrow()
  t.equal((await row(noIds.id)).buyer_id, 'guest-8c1f')
  t.match((await row(noRevision.id)).revision, /^h-[0-9a-f]{24}$/, 'a revision derived from the content')
  t.equal((await row(noRevision.id)).message_to_seller, 'Bez rewizji')
  const item = await s.db
    .selectFrom('transaction_items')
    .select('tax_rate')
    .where('transaction_id', '=', (await row(taxFree.id)).id)
    .orderBy('position')
    .executeTakeFirstOrThrow()
  t.equal(item.tax_rate, 'ZW')

  // the details page adds the services up
  const withServices = await row(services.id)
  const page = await s.owner.get(`/przychody/allegro/${withServices.id}`)
  t.equal(page.statusCode, 200)
  const items = await s.db
    .selectFrom('transaction_items')
    .select(['unit_price', 'quantity'])
    .where('transaction_id', '=', withServices.id)
    .execute()
  const goods = items.reduce((sum, i) => sum + i.unit_price * i.quantity, 0) + 2 * 12345
  // like the mock server of the report: a total that does not hold the services
  t.not(withServices.total_to_pay - withServices.delivery_cost, goods)
  const shown = /<dt>Produkty i usługi<\/dt><dd class="num">([^<]+)<\/dd>/.exec(page.body)?.[1]
  t.equal(shown, formatMoney(goods, withServices.currency), 'goods and services, not the total less delivery of a mock')
  t.match(page.body, /Wniesienie/)
  const taxPage = await s.owner.get(`/przychody/allegro/${(await row(taxFree.id)).id}`)
  t.match(taxPage.body, /<td class="num">ZW<\/td>/, 'ZW shown as it is, not "ZW%"')

  // the invoices of these orders: every grosz the buyer paid for goods, services and delivery
  await s.owner.get('/przychody/dokumenty')
  const issue = async (id: string) => {
    const transaction = await row(id)
    const response = await s.owner.post('/przychody/dokumenty/wystaw', {
      transactionIds: [String(transaction.id)],
      type: 'faktura'
    })
    t.equal(response.statusCode, 303)
    const result = await s.owner.get(String(response.headers.location))
    const link = await s.db
      .selectFrom('document_transactions')
      .select('document_id')
      .where('transaction_id', '=', transaction.id)
      .executeTakeFirst()
    return { transaction, documentId: link?.document_id ?? null, page: result.body }
  }
  const mock = await issue(services.id)
  t.equal(mock.documentId, null, 'a total that leaves out the services gets no invoice')
  t.match(mock.page, /suma pozycji \([^)]+\) różni się od kwoty do zapłaty w Allegro/, 'and the reason is shown')

  const paid = await issue(paidServices.id)
  t.not(paid.documentId, null, 'the order with services is invoiced')
  const doc = await s.db
    .selectFrom('documents')
    .selectAll()
    .where('id', '=', paid.documentId!)
    .executeTakeFirstOrThrow()
  const lines = await s.db
    .selectFrom('document_lines')
    .selectAll()
    .where('document_id', '=', doc.id)
    .orderBy('position')
    .execute()
  // 20,00 over 3 units does not split into whole grosze: one lot of 20,00
  t.same(
    lines.filter((l) => l.kind === 'service').map((l) => [l.name, l.quantity_milli, l.unit_price_gross, l.gross]),
    [
      ['Wniesienie', 1000, 3000, 3000],
      ['Montaż (3 szt.)', 1000, 2000, 2000]
    ]
  )
  t.equal(
    doc.total_gross,
    paid.transaction.total_to_pay,
    'goods, services and delivery: what the buyer paid, to the grosz'
  )
  t.equal(
    lines.reduce((sum, l) => sum + l.gross, 0),
    doc.total_gross
  )

  const freeInvoice = await issue(loose.id)
  const freeDoc = await s.db
    .selectFrom('documents')
    .selectAll()
    .where('id', '=', freeInvoice.documentId!)
    .executeTakeFirstOrThrow()
  const freeLines = await s.db
    .selectFrom('document_lines')
    .selectAll()
    .where('document_id', '=', freeDoc.id)
    .orderBy('position')
    .execute()
  t.same(
    freeLines.filter((l) => l.kind === 'service').map((l) => [l.name, l.gross]),
    [['GIFT_WRAP', 0]],
    'the free service is a line of 0,00 zł'
  )
  t.equal(freeDoc.total_gross, freeInvoice.transaction.total_to_pay, 'and the invoice is what the buyer paid')
  t.equal(freeDoc.buyer_country_code, 'PL', 'the lowercase country code as ours')

  // a VAT payer's exempt line needs the legal basis of the exemption (art. 106e ust. 1 pkt 19),
  // which the order does not carry: no invoice, and the page says why
  const exempt = await issue(taxFree.id)
  t.equal(exempt.documentId, null)
  t.match(exempt.page, /stawką „zw” wymaga podstawy prawnej zwolnienia/)
})
