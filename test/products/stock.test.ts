import t from 'tap'
import type { Database } from '../../src/db/database.ts'
import {
  StockBlockedError,
  applyStockForIssuedDocument,
  matchProducts,
  reverseStockForCancelledDocument,
  stockWarningsForDocument,
  unmatchedLinesForTransaction,
  whyStockBlocksIssue
} from '../../src/products/stock.hooks.ts'
import { migratedMemoryDb, seedCompany, type CompanyFixture } from '../helpers/app.ts'
import {
  insertDocument,
  insertProduct,
  insertTransaction,
  markCancelled,
  stockOf,
  type DocumentFixture
} from '../helpers/document-fixtures.ts'
import { insertShop } from '../helpers/transaction-fixtures.ts'

interface Tap {
  teardown: (fn: () => unknown) => void
}

async function setup(t: Tap, company: Partial<CompanyFixture> = {}): Promise<Database> {
  const db = await migratedMemoryDb()
  t.teardown(async () => {
    await db.destroy()
  })
  await seedCompany(db, company)
  return db
}

/** What the documents feature does: store the document, then call the hook, in one transaction. */
async function issue(db: Database, doc: DocumentFixture): Promise<{ documentId: number; lineIds: number[] }> {
  return await db.transaction().execute(async (trx) => {
    const inserted = await insertDocument(trx, doc)
    await applyStockForIssuedDocument(trx, inserted.documentId)
    return inserted
  })
}

async function cancel(db: Database, documentId: number, at?: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await markCancelled(trx, documentId, at)
    await reverseStockForCancelledDocument(trx, documentId)
  })
}

async function movementsOf(
  db: Database,
  productId: number
): Promise<
  Array<{
    kind: string
    quantity_milli: number
    stock_after_milli: number
    document_id: number | null
    reversed: number
  }>
> {
  return await db
    .selectFrom('stock_movements')
    .select(['kind', 'quantity_milli', 'stock_after_milli', 'document_id', 'reversed'])
    .where('product_id', '=', productId)
    .orderBy('id')
    .execute()
}

t.test('a line named exactly like a product takes it out of stock and links the line', async (t) => {
  const db = await setup(t)
  const mug = await insertProduct(db, { name: 'Kubek ceramiczny 300 ml', stockMilli: 10_000 })
  const other = await insertProduct(db, { name: 'kubek ceramiczny 300 ml', stockMilli: 10_000 })
  const { documentId, lineIds } = await issue(db, {
    type: 'faktura',
    lines: [{ name: 'Kubek ceramiczny 300 ml', quantityMilli: 3000 }]
  })
  t.equal(await stockOf(db, mug), 7000)
  t.equal(await stockOf(db, other), 10_000, 'a name differing in letter case is another product')
  const line = await db
    .selectFrom('document_lines')
    .select('product_id')
    .where('id', '=', lineIds[0])
    .executeTakeFirstOrThrow()
  t.equal(line.product_id, mug, 'the line now points at its product')
  t.same(await movementsOf(db, mug), [
    { kind: 'sprzedaz', quantity_milli: -3000, stock_after_milli: 7000, document_id: documentId, reversed: 0 }
  ])
})

t.test('the SKU matches too, and wins over a name that points elsewhere', async (t) => {
  const db = await setup(t)
  const bySku = await insertProduct(db, { name: 'Lampka LED biurkowa', sku: 'LAMP-01', stockMilli: 5000 })
  const byName = await insertProduct(db, { name: 'Lampka nocna', stockMilli: 5000 })
  await issue(db, {
    type: 'paragon',
    lines: [
      { name: 'Lampka LED – nowy tytuł oferty', sku: 'LAMP-01', quantityMilli: 1000 },
      { name: 'Lampka nocna', sku: 'LAMP-01', quantityMilli: 2000 },
      { name: 'Lampka nocna', sku: 'NIEZNANA', quantityMilli: 1000 }
    ]
  })
  t.equal(await stockOf(db, bySku), 2000, 'both SKU lines went to the SKU product')
  t.equal(await stockOf(db, byName), 4000, 'an unknown SKU falls back to the exact name')
  const matched = await matchProducts(db, [
    { name: ' Lampka nocna ', sku: null },
    { name: 'Nic takiego', sku: '' },
    { name: 'x', sku: 'LAMP-01' }
  ])
  t.same(
    matched.map((m) => m?.id ?? null),
    [byName, null, bySku]
  )
})

t.test('cart items without a product are reported, with a link to create it', async (t) => {
  const db = await setup(t)
  await insertProduct(db, { name: 'Kubek ceramiczny 300 ml' })
  const shop = await insertShop(db, { connected: false })
  const { transactionId, itemIds } = await insertTransaction(db, shop, [
    { offerName: 'Kubek ceramiczny 300 ml' },
    { offerName: 'Podkładka korkowa', externalId: 'PK-2', quantity: 2, unitPrice: 1299 }
  ])
  const unmatched = await unmatchedLinesForTransaction(db, transactionId)
  t.same(unmatched, [
    {
      transactionItemId: itemIds[1],
      offerId: '7000000002',
      name: 'Podkładka korkowa',
      sku: 'PK-2',
      quantity: 2,
      unitPrice: 1299,
      createProductPath: `/przychody/produkty/nowy?z_oferty=${itemIds[1]}`
    }
  ])
  const { documentId } = await issue(db, {
    type: 'faktura',
    lines: [{ name: 'Podkładka korkowa', sku: 'PK-2', quantityMilli: 2000, transactionItemId: itemIds[1] }]
  })
  t.equal(
    (await db.selectFrom('stock_movements').selectAll().where('document_id', '=', documentId).execute()).length,
    0,
    'nothing moves without a product'
  )

  await insertProduct(db, { name: 'Inna nazwa', sku: 'PK-2' })
  t.same(await unmatchedLinesForTransaction(db, transactionId), [], 'matched by SKU now')
})

t.test('the create-product link points at MAGAZYN in the warehouse package', async (t) => {
  const db = await setup(t, { package: 'ksiegowosc_magazyn' })
  const shop = await insertShop(db, { connected: false })
  const { transactionId, itemIds } = await insertTransaction(db, shop, [{ offerName: 'Świeca sojowa' }])
  const [line] = await unmatchedLinesForTransaction(db, transactionId)
  t.equal(line.createProductPath, `/magazyn/produkty/nowy?z_oferty=${itemIds[0]}`)
})

t.test('pro forma and delivery lines move nothing', async (t) => {
  const db = await setup(t)
  const mug = await insertProduct(db, { name: 'Kubek', stockMilli: 4000 })
  const delivery = await insertProduct(db, { name: 'Dostawa', stockMilli: 4000 })
  await issue(db, { type: 'proforma', lines: [{ name: 'Kubek', quantityMilli: 1000 }] })
  await issue(db, { type: 'proforma_bez_vat', lines: [{ name: 'Kubek', quantityMilli: 1000 }] })
  t.equal(await stockOf(db, mug), 4000, 'pro forma never moves stock')
  await issue(db, {
    type: 'faktura',
    lines: [
      { name: 'Kubek', quantityMilli: 1000 },
      { name: 'Dostawa', quantityMilli: 1000, kind: 'delivery' }
    ]
  })
  t.equal(await stockOf(db, mug), 3000)
  t.equal(await stockOf(db, delivery), 4000, 'delivery cost is not goods')
})

t.test('every stock-moving type moves stock: faktura, faktura bez VAT, paragon, inny przychód', async (t) => {
  const db = await setup(t)
  const mug = await insertProduct(db, { name: 'Kubek', stockMilli: 10_000 })
  for (const type of ['faktura', 'faktura_bez_vat', 'paragon', 'inny_przychod']) {
    await issue(db, { type, lines: [{ name: 'Kubek', quantityMilli: 1500 }] })
  }
  t.equal(await stockOf(db, mug), 4000, 'four documents, 1,5 each')
})

t.test('cancelling puts the stock back once; issuing again changes nothing', async (t) => {
  const db = await setup(t)
  const mug = await insertProduct(db, { name: 'Kubek', stockMilli: 5000 })
  const { documentId } = await issue(db, { type: 'faktura', lines: [{ name: 'Kubek', quantityMilli: 2000 }] })
  await db.transaction().execute(async (trx) => {
    await applyStockForIssuedDocument(trx, documentId)
  })
  t.equal(await stockOf(db, mug), 3000, 'a second call for the same document moves nothing')
  await cancel(db, documentId)
  t.equal(await stockOf(db, mug), 5000)
  await db.transaction().execute(async (trx) => {
    await reverseStockForCancelledDocument(trx, documentId)
  })
  await db.transaction().execute(async (trx) => {
    await applyStockForIssuedDocument(trx, documentId)
  })
  t.equal(await stockOf(db, mug), 5000, 'repeating the cancel or issuing a cancelled document moves nothing')
  const movements = await movementsOf(db, mug)
  t.same(
    movements.map((m) => [m.kind, m.quantity_milli, m.stock_after_milli, m.reversed]),
    [
      ['sprzedaz', -2000, 3000, 1],
      ['anulowanie', 2000, 5000, 0]
    ]
  )
  const reversal = await db
    .selectFrom('stock_movements')
    .select(['created_at', 'reverses_movement_id'])
    .where('kind', '=', 'anulowanie')
    .executeTakeFirstOrThrow()
  t.equal(reversal.created_at, '2026-11-17T08:00:00.000Z', 'dated when the document was cancelled')
  t.ok(reversal.reverses_movement_id)
})

t.test('a receipt and then an invoice for the same transaction move stock once', async (t) => {
  const db = await setup(t, { package: 'ksiegowosc_magazyn' })
  const mug = await insertProduct(db, { name: 'Kubek', stockMilli: 10_000 })
  const shop = await insertShop(db, { connected: false })
  const { itemIds } = await insertTransaction(db, shop, [{ offerName: 'Kubek', quantity: 2 }])
  const line = { name: 'Kubek', quantityMilli: 2000, transactionItemId: itemIds[0] }
  const receipt = await issue(db, { type: 'paragon', lines: [line] })
  const invoice = await issue(db, { type: 'faktura', lines: [line] })
  t.equal(await stockOf(db, mug), 8000, 'the invoice for the receipt does not take the goods out again')
  t.equal((await movementsOf(db, mug)).length, 1)
  t.same(
    (await db.selectFrom('wz_documents').select('document_id').execute()).map((w) => w.document_id),
    [receipt.documentId],
    'one WZ, for the receipt'
  )

  await cancel(db, receipt.documentId)
  t.equal(await stockOf(db, mug), 8000, 'the sale stays: the invoice takes it over')
  const open = await db
    .selectFrom('stock_movements')
    .select(['document_id', 'quantity_milli'])
    .where('kind', '=', 'sprzedaz')
    .where('reversed', '=', 0)
    .execute()
  t.same(open, [{ document_id: invoice.documentId, quantity_milli: -2000 }])
  const wz = await db
    .selectFrom('wz_documents')
    .select(['document_id', 'status', 'number', 'issue_date'])
    .orderBy('id')
    .execute()
  t.same(wz, [
    { document_id: receipt.documentId, status: 'cancelled', number: 'WZ 1/11/2026', issue_date: '2026-11-16' },
    { document_id: invoice.documentId, status: 'issued', number: 'WZ 2/11/2026', issue_date: '2026-11-17' }
  ])

  await cancel(db, invoice.documentId)
  t.equal(await stockOf(db, mug), 10_000, 'with both cancelled the goods are back')
})

t.test('an invoice issued first and a receipt later also move stock once', async (t) => {
  const db = await setup(t)
  const mug = await insertProduct(db, { name: 'Kubek', stockMilli: 3000 })
  const shop = await insertShop(db, { connected: false })
  const { itemIds } = await insertTransaction(db, shop, [{ offerName: 'Kubek' }])
  const invoice = await issue(db, {
    type: 'faktura',
    lines: [{ name: 'Kubek', quantityMilli: 1000, transactionItemId: itemIds[0] }]
  })
  await issue(db, { type: 'proforma', lines: [{ name: 'Kubek', quantityMilli: 1000, transactionItemId: itemIds[0] }] })
  await issue(db, {
    type: 'inny_przychod',
    lines: [{ name: 'Kubek', quantityMilli: 1000, transactionItemId: itemIds[0] }]
  })
  t.equal(await stockOf(db, mug), 2000)
  await cancel(db, invoice.documentId)
  t.equal(await stockOf(db, mug), 2000, 'handed over to the other issued document, not to the pro forma')
})

t.test('lines typed by hand move stock once per line, in every document', async (t) => {
  const db = await setup(t)
  const mug = await insertProduct(db, { name: 'Kubek', stockMilli: 10_000 })
  await issue(db, {
    type: 'faktura',
    lines: [
      { name: 'Kubek', quantityMilli: 1000 },
      { name: 'Kubek', quantityMilli: 2000 }
    ]
  })
  await issue(db, { type: 'faktura', lines: [{ name: 'Kubek', quantityMilli: 500 }] })
  t.equal(await stockOf(db, mug), 6500)
})

t.test('a WZ is written only in the warehouse package, numbered per month', async (t) => {
  t.test('without the warehouse', async (t) => {
    const db = await setup(t, { package: 'ksiegowosc' })
    await insertProduct(db, { name: 'Kubek', stockMilli: 10_000 })
    await issue(db, { type: 'faktura', lines: [{ name: 'Kubek', quantityMilli: 1000 }] })
    t.equal((await db.selectFrom('wz_documents').selectAll().execute()).length, 0)
  })
  t.test('with the warehouse', async (t) => {
    const db = await setup(t, { package: 'ksiegowosc_magazyn' })
    const mug = await insertProduct(db, { name: 'Kubek', sku: 'K-1', stockMilli: 10_000, unit: 'szt.' })
    const rice = await insertProduct(db, { name: 'Ryż', stockMilli: 10_000, unit: 'kg' })
    const first = await issue(db, {
      type: 'faktura',
      issueDate: '2026-11-03',
      lines: [
        { name: 'Kubek', quantityMilli: 2000 },
        { name: 'Nieznany', quantityMilli: 1000 },
        { name: 'Ryż', quantityMilli: 1500 }
      ]
    })
    await issue(db, { type: 'paragon', issueDate: '2026-11-20', lines: [{ name: 'Kubek', quantityMilli: 1000 }] })
    await issue(db, { type: 'proforma', issueDate: '2026-11-21', lines: [{ name: 'Kubek', quantityMilli: 1000 }] })
    await issue(db, { type: 'faktura', issueDate: '2026-11-22', lines: [{ name: 'Nieznany', quantityMilli: 1000 }] })
    await issue(db, { type: 'faktura', issueDate: '2026-12-01', lines: [{ name: 'Kubek', quantityMilli: 1000 }] })
    const wz = await db
      .selectFrom('wz_documents')
      .select(['number', 'issue_date', 'document_id'])
      .orderBy('id')
      .execute()
    t.same(
      wz.map((w) => [w.number, w.issue_date]),
      [
        ['WZ 1/11/2026', '2026-11-03'],
        ['WZ 2/11/2026', '2026-11-20'],
        ['WZ 1/12/2026', '2026-12-01']
      ],
      'no WZ for pro forma or for a sale of nothing in stock'
    )
    const lines = await db
      .selectFrom('wz_lines')
      .select(['position', 'product_id', 'name', 'sku', 'unit', 'quantity_milli'])
      .where('wz_document_id', '=', 1)
      .orderBy('position')
      .execute()
    t.same(lines, [
      { position: 1, product_id: mug, name: 'Kubek', sku: 'K-1', unit: 'szt.', quantity_milli: 2000 },
      { position: 2, product_id: rice, name: 'Ryż', sku: null, unit: 'kg', quantity_milli: 1500 }
    ])
    await cancel(db, first.documentId)
    const cancelled = await db
      .selectFrom('wz_documents')
      .select(['status', 'cancelled_at'])
      .where('document_id', '=', first.documentId)
      .executeTakeFirstOrThrow()
    t.same(cancelled, { status: 'cancelled', cancelled_at: '2026-11-17T08:00:00.000Z' })
  })
})

t.test('20 documents issued at once for one product leave the exact stock', async (t) => {
  const db = await setup(t, { package: 'ksiegowosc_magazyn' })
  const mug = await insertProduct(db, { name: 'Kubek', stockMilli: 100_000 })
  await Promise.all(
    Array.from(
      { length: 20 },
      async (_v, i) =>
        await issue(db, { type: i % 2 === 0 ? 'faktura' : 'paragon', lines: [{ name: 'Kubek', quantityMilli: 1500 }] })
    )
  )
  t.equal(await stockOf(db, mug), 70_000, '100 − 20 × 1,5')
  const movements = await movementsOf(db, mug)
  t.equal(movements.length, 20)
  t.same(
    movements.map((m) => m.stock_after_milli).sort((a, b) => b - a),
    Array.from({ length: 20 }, (_v, i) => 100_000 - 1500 * (i + 1)),
    'each movement saw the stock the one before left'
  )
  const numbers = await db.selectFrom('wz_documents').select('seq').orderBy('seq').execute()
  t.same(
    numbers.map((n) => n.seq),
    Array.from({ length: 20 }, (_v, i) => i + 1),
    'WZ numbers without gaps or repeats'
  )
})

t.test('block_negative_stock refuses a document that would go below zero', async (t) => {
  const db = await setup(t, { block_negative_stock: 1, package: 'ksiegowosc_magazyn' })
  const mug = await insertProduct(db, { name: 'Kubek', stockMilli: 2000 })
  const rice = await insertProduct(db, { name: 'Ryż', stockMilli: 1000, unit: 'kg' })
  let message: string | null = null
  await db.transaction().execute(async (trx) => {
    const { documentId } = await insertDocument(trx, {
      type: 'faktura',
      lines: [
        { name: 'Kubek', quantityMilli: 1000 },
        { name: 'Kubek', quantityMilli: 1500 },
        { name: 'Ryż', quantityMilli: 500 }
      ]
    })
    message = await whyStockBlocksIssue(trx, documentId)
  })
  t.equal(
    message,
    'Nie można wystawić dokumentu: za mały stan magazynowy produktu „Kubek” (na stanie 2 szt., dokument wydaje 2,5 szt.). Przyjmij towar na stan albo wyłącz blokadę ujemnych stanów na liście produktów.'
  )

  const attempt = issue(db, { type: 'faktura', lines: [{ name: 'Kubek', quantityMilli: 2500 }] })
  await t.rejects(attempt, StockBlockedError)
  await t.rejects(attempt, { message: /za mały stan magazynowy produktu „Kubek”/ })
  t.equal(await stockOf(db, mug), 2000, 'rolled back')
  t.equal(
    (await db.selectFrom('documents').selectAll().execute()).length,
    1,
    'only the document of the check above, not the refused one'
  )
  t.equal((await db.selectFrom('wz_documents').selectAll().execute()).length, 0)

  await issue(db, {
    type: 'faktura',
    lines: [
      { name: 'Kubek', quantityMilli: 2000 },
      { name: 'Ryż', quantityMilli: 1000 }
    ]
  })
  t.equal(await stockOf(db, mug), 0, 'down to exactly zero is allowed')
  t.equal(await stockOf(db, rice), 0)
  await db.transaction().execute(async (trx) => {
    const { documentId } = await insertDocument(trx, {
      type: 'proforma',
      lines: [{ name: 'Kubek', quantityMilli: 5000 }]
    })
    t.equal(await whyStockBlocksIssue(trx, documentId), null, 'a pro forma is never blocked')
  })
})

t.test('without the block stock goes below zero and the document gets a warning', async (t) => {
  const db = await setup(t)
  const mug = await insertProduct(db, { name: 'Kubek', stockMilli: 1000 })
  await insertProduct(db, { name: 'Talerz', stockMilli: 5000 })
  const { documentId } = await issue(db, {
    type: 'faktura',
    lines: [
      { name: 'Kubek', quantityMilli: 3000 },
      { name: 'Talerz', quantityMilli: 1000 }
    ]
  })
  t.equal(await stockOf(db, mug), -2000)
  t.same(await stockWarningsForDocument(db, documentId), [
    {
      productId: mug,
      productName: 'Kubek',
      unit: 'szt.',
      soldMilli: 3000,
      stockAfterMilli: -2000,
      currentStockMilli: -2000
    }
  ])
  await db.transaction().execute(async (trx) => {
    t.equal(await whyStockBlocksIssue(trx, documentId), null)
  })
})

/**
 * What the corrections feature stores (src/corrections): the correction's lines as they stand
 * after it, each with the quantity it had before; then the hook, in one transaction.
 */
async function issueCorrection(
  db: Database,
  originalId: number,
  lines: Array<{ originalLineId: number; name: string; beforeMilli: number; afterMilli: number }>
): Promise<number> {
  return await db.transaction().execute(async (trx) => {
    const { documentId, lineIds } = await insertDocument(trx, {
      type: 'korekta',
      lines: lines.map((line) => ({ name: line.name, quantityMilli: line.afterMilli }))
    })
    const correction = await trx
      .insertInto('corrections')
      .values({
        document_id: documentId,
        original_document_id: originalId,
        reason: 'Zwrot towaru',
        created_at: '2026-11-17T08:00:00.000Z'
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    for (const [i, line] of lines.entries()) {
      await trx
        .insertInto('correction_lines')
        .values({
          correction_id: correction.id,
          document_line_id: lineIds[i],
          original_line_id: line.originalLineId,
          quantity_before_milli: line.beforeMilli,
          unit_price_gross_before: 1000,
          gross_before: line.beforeMilli
        })
        .execute()
    }
    await applyStockForIssuedDocument(trx, documentId)
    return documentId
  })
}

t.test('a correction returns what a line went down by, for the product its sale took out', async (t) => {
  const db = await setup(t)
  const mug = await insertProduct(db, { name: 'Kubek', stockMilli: 5000 })
  const sale = await issue(db, {
    type: 'faktura',
    lines: [
      { name: 'Kubek', quantityMilli: 3000 },
      { name: 'Talerz bez kartoteki', quantityMilli: 1000 }
    ]
  })
  const correction = await issueCorrection(db, sale.documentId, [
    { originalLineId: sale.lineIds[0], name: 'Kubek', beforeMilli: 3000, afterMilli: 2000 },
    { originalLineId: sale.lineIds[1], name: 'Talerz bez kartoteki', beforeMilli: 1000, afterMilli: 0 }
  ])
  t.equal(await stockOf(db, mug), 3000, '5 − 3 sold + 1 returned')
  t.same(
    (await movementsOf(db, mug)).map((m) => [m.kind, m.quantity_milli]),
    [
      ['sprzedaz', -3000],
      ['zwrot', 1000]
    ],
    'a product the sale never moved returns nothing'
  )
  await db.transaction().execute((trx) => applyStockForIssuedDocument(trx, correction))
  t.equal(await stockOf(db, mug), 3000, 'calling the hook again changes nothing')
  await cancel(db, correction)
  t.equal(await stockOf(db, mug), 2000, 'cancelling the correction takes the return back out')

  const priceOnly = await issueCorrection(db, sale.documentId, [
    { originalLineId: sale.lineIds[0], name: 'Kubek', beforeMilli: 3000, afterMilli: 3000 }
  ])
  t.equal(await stockOf(db, mug), 2000, 'a price change moves no stock')
  t.equal(
    (await db.selectFrom('stock_movements').select('id').where('document_id', '=', priceOnly).execute()).length,
    0
  )
})
