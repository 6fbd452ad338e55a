import t from 'tap'
import { DateTime } from 'luxon'
import { createAllegroSimulator } from '../../src/simulators/allegro/simulator.ts'
import { cancelDocument, issueForTransaction } from '../../src/sales/issuing.ts'
import { ZONE } from '../../src/shared/dates.ts'
import { build, TEST_NOW } from '../helpers/app.ts'
import { insertShop } from '../helpers/transaction-fixtures.ts'

// The path of a new user: a product named like an Allegro offer, a sale of that offer, an
// invoice, and the stock drops; then the receipt for the same sale moves nothing.
t.test('a product named like a simulator offer loses stock when the invoice is issued', async (t) => {
  const { owner, db } = await build(t, { company: { package: 'ksiegowosc_magazyn', auto_book: 0 } })
  const sim = createAllegroSimulator({ seed: 7, now: () => new Date(TEST_NOW), initialOrders: 0 })
  const [order] = sim.addOrders(1, {
    status: 'READY_FOR_PROCESSING',
    payment: 'ONLINE',
    invoice: 'person',
    lineItems: 1
  })
  const item = order.lineItems[0]

  await owner.get('/magazyn/produkty/nowy')
  const created = await owner.post('/magazyn/produkty', {
    name: item.offer.name,
    sku: '',
    unit: 'szt.',
    vatRate: '23',
    price: item.price.amount,
    priceBasis: 'brutto',
    initialStock: '10'
  })
  t.equal(created.statusCode, 303)
  const productUrl = created.headers.location as string

  // what the import stores for this order
  const shopId = await insertShop(db, { connected: false })
  const at = new Date(TEST_NOW).toISOString()
  const transaction = await db
    .insertInto('transactions')
    .values({
      shop_id: shopId,
      checkout_form_id: order.id,
      revision: order.revision,
      allegro_status: order.status,
      total_to_pay: Math.round(Number(order.summary.totalToPay.amount) * 100),
      bought_at: at,
      buyer_id: order.buyer.id,
      buyer_login: order.buyer.login,
      raw_json: JSON.stringify(order),
      imported_at: at,
      updated_at: at
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  await db
    .insertInto('transaction_items')
    .values({
      transaction_id: transaction.id,
      line_item_id: item.id,
      position: 1,
      offer_id: item.offer.id,
      offer_name: item.offer.name,
      external_id: item.offer.external?.id ?? null,
      quantity: item.quantity,
      unit_price: Math.round(Number(item.price.amount) * 100),
      original_unit_price: Math.round(Number(item.originalPrice.amount) * 100),
      tax_rate: null
    })
    .execute()

  // the receipt first: an invoice for the sale may follow it (faktura do paragonu), a receipt
  // may not follow an invoice (#14: it would count the sale twice)
  const now = DateTime.fromISO(TEST_NOW, { zone: ZONE })
  const receipt = await issueForTransaction(db, { transactionId: transaction.id, type: 'paragon', userId: 1 }, now)
  t.equal(receipt.status, 'issued', JSON.stringify(receipt))
  const page = await owner.get(productUrl)
  const expected = 10 - item.quantity
  t.match(page.body, `<strong>${expected} szt.</strong>`, 'the stock dropped by the quantity sold')
  t.match(page.body, 'PAR ')

  const invoice = await issueForTransaction(db, { transactionId: transaction.id, type: 'faktura', userId: 1 }, now)
  t.equal(invoice.status, 'issued', JSON.stringify(invoice))
  const product = await db.selectFrom('products').select('stock_milli').executeTakeFirstOrThrow()
  t.equal(product.stock_milli, expected * 1000, 'the invoice to the receipt moves nothing')
  t.equal((await db.selectFrom('wz_documents').selectAll().execute()).length, 1, 'one WZ')

  if (invoice.status === 'issued') {
    const cancelled = await cancelDocument(db, { documentId: invoice.documentId, userId: 1 }, now)
    t.equal(cancelled.ok, true, JSON.stringify(cancelled))
  }
  const after = await db.selectFrom('products').select('stock_milli').executeTakeFirstOrThrow()
  t.equal(after.stock_milli, expected * 1000, 'the receipt still covers the sale, so the stock stays down')
  const wz = await db.selectFrom('wz_documents').select(['status', 'document_id']).orderBy('id').execute()
  t.same(
    wz.map((w) => [w.status, w.document_id]),
    [['issued', receipt.status === 'issued' ? receipt.documentId : -1]],
    'the WZ stays the receipt’s'
  )
})
