import { sql } from 'kysely'
import { DateTime } from 'luxon'
import type { Trx, Queryable } from '../db/database.ts'
import { ZONE } from '../shared/dates.ts'
import { productsPath, wzNumber } from './product.ts'
import { changeStock } from './stock.queries.ts'

// What issuing and cancelling a sales document asks of the products feature.
// Owned by the products feature; the documents feature only calls these.
//
// The rule that keeps stock from moving twice:
// - A line of an Allegro transaction (document_lines.transaction_item_id set) takes goods out of
//   stock once per transaction item, across all non-cancelled documents. A receipt and then an
//   invoice for the same purchase ("faktura do paragonu") are two documents for one sale; only the
//   first one moves stock. If that first document is cancelled while another one for the same item
//   stays issued, the stock is handed over to the remaining document (put back, then taken out
//   again for it), so the history tells the truth and the stock stays right.
// - A line typed by hand (no transaction item) moves stock once per document line.
// Both are also unique indexes on stock_movements (migration 0400), so no race can break them.

/** Sales documents that take goods out of stock. Pro forma never does. */
const STOCK_MOVING_TYPES = ['faktura', 'faktura_bez_vat', 'paragon', 'inny_przychod'] as const
/**
 * A correction of a sale (faktura korygująca) lists its lines as they stand after it, next to
 * what they were before (src/corrections). What the quantity went down by comes back to stock
 * ('zwrot'), for the product the sale took out; a price change moves nothing.
 */
const STOCK_CORRECTION_TYPES = ['korekta'] as const

export interface LineForMatching {
  name: string
  sku: string | null
}

export interface MatchedProduct {
  id: number
  name: string
  sku: string | null
  vatRate: string
  stockMilli: number
  unit: string
}

/** Issuing refused because the company blocks negative stock; the message is for the user, in Polish. */
export class StockBlockedError extends Error {
  override name = 'StockBlockedError'
}

export interface StockHookOptions {
  /** When the change happens (stored timestamp); defaults to the document's created_at or cancelled_at. */
  at?: string
  /** Who did it; defaults to the document's created_by or cancelled_by. */
  userId?: number | null
}

const MATCH_CHUNK = 400

/**
 * For each line, the product with the line's SKU (Allegro's sygnatura) or, failing that, with
 * exactly the line's name (surrounding spaces ignored, letter case significant); null when none.
 * The SKU wins because the seller sets it on purpose and it survives renaming an offer, while
 * titles get edited for marketing.
 */
export async function matchProducts(db: Queryable, lines: LineForMatching[]): Promise<Array<MatchedProduct | null>> {
  const names = [...new Set(lines.map((line) => line.name.trim()).filter((name) => name !== ''))]
  const skus = [...new Set(lines.map((line) => line.sku?.trim() ?? '').filter((sku) => sku !== ''))]
  const byName = new Map<string, MatchedProduct>()
  const bySku = new Map<string, MatchedProduct>()
  const select = db.selectFrom('products').select(['id', 'name', 'sku', 'vat_rate', 'stock_milli', 'unit'])
  const toMatched = (row: {
    id: number
    name: string
    sku: string | null
    vat_rate: string
    stock_milli: number
    unit: string
  }): MatchedProduct => ({
    id: row.id,
    name: row.name,
    sku: row.sku,
    vatRate: row.vat_rate,
    stockMilli: row.stock_milli,
    unit: row.unit
  })
  for (let i = 0; i < names.length; i += MATCH_CHUNK) {
    for (const row of await select.where('name', 'in', names.slice(i, i + MATCH_CHUNK)).execute())
      byName.set(row.name, toMatched(row))
  }
  for (let i = 0; i < skus.length; i += MATCH_CHUNK) {
    for (const row of await select.where('sku', 'in', skus.slice(i, i + MATCH_CHUNK)).execute())
      bySku.set(row.sku ?? '', toMatched(row))
  }
  return lines.map((line) => {
    const sku = line.sku?.trim() ?? ''
    return (sku !== '' ? bySku.get(sku) : undefined) ?? byName.get(line.name.trim()) ?? null
  })
}

interface DocumentForStock {
  id: number
  type: string
  status: string
  issue_date: string
  created_at: string
  created_by: number | null
  cancelled_at: string | null
  cancelled_by: number | null
}

interface PlannedMovement {
  lineId: number
  lineHadProduct: boolean
  transactionItemId: number | null
  product: MatchedProduct
  kind: 'sprzedaz' | 'zwrot'
  quantityMilli: number
}

async function findDocument(db: Queryable, documentId: number): Promise<DocumentForStock | undefined> {
  return await db
    .selectFrom('documents')
    .select(['id', 'type', 'status', 'issue_date', 'created_at', 'created_by', 'cancelled_at', 'cancelled_by'])
    .where('id', '=', documentId)
    .executeTakeFirst()
}

function movesStock(type: string): 'sale' | 'correction' | null {
  if ((STOCK_MOVING_TYPES as readonly string[]).includes(type)) return 'sale'
  if ((STOCK_CORRECTION_TYPES as readonly string[]).includes(type)) return 'correction'
  return null
}

/** The movements issuing this document would make now, following the rule at the top of this file. */
async function planMovements(
  db: Queryable,
  document: DocumentForStock,
  onlyLineIds?: number[]
): Promise<PlannedMovement[]> {
  const mode = movesStock(document.type)
  if (mode === null || document.status !== 'issued') return []
  if (mode === 'correction') return await planReturns(db, document, onlyLineIds)
  let query = db
    .selectFrom('document_lines')
    .select(['id', 'name', 'sku', 'product_id', 'transaction_item_id', 'quantity_milli'])
    .where('document_id', '=', document.id)
    .where('kind', '!=', 'delivery')
    .where('quantity_milli', '!=', 0)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('stock_movements as m')
            .select('m.id')
            .whereRef('m.document_line_id', '=', 'document_lines.id')
            .where('m.kind', 'in', ['sprzedaz', 'zwrot'])
        )
      )
    )
    .orderBy('position')
  if (onlyLineIds) {
    if (onlyLineIds.length === 0) return []
    query = query.where('id', 'in', onlyLineIds)
  }
  const lines = await query.execute()
  if (lines.length === 0) return []

  const soldItems = new Set<number>()
  const itemIds = lines.map((line) => line.transaction_item_id).filter((id): id is number => id !== null)
  if (itemIds.length > 0) {
    const open = await db
      .selectFrom('stock_movements')
      .select('transaction_item_id')
      .where('kind', '=', 'sprzedaz')
      .where('reversed', '=', 0)
      .where('transaction_item_id', 'in', itemIds)
      .execute()
    for (const row of open) if (row.transaction_item_id !== null) soldItems.add(row.transaction_item_id)
  }

  const linked = lines.filter((line) => line.product_id !== null).map((line) => line.product_id as number)
  const linkedProducts = new Map<number, MatchedProduct>()
  if (linked.length > 0) {
    const rows = await db
      .selectFrom('products')
      .select(['id', 'name', 'sku', 'vat_rate', 'stock_milli', 'unit'])
      .where('id', 'in', [...new Set(linked)])
      .execute()
    for (const row of rows)
      linkedProducts.set(row.id, {
        id: row.id,
        name: row.name,
        sku: row.sku,
        vatRate: row.vat_rate,
        stockMilli: row.stock_milli,
        unit: row.unit
      })
  }
  const matched = await matchProducts(
    db,
    lines.map((line) => ({ name: line.name, sku: line.sku }))
  )

  const planned: PlannedMovement[] = []
  lines.forEach((line, index) => {
    const product = line.product_id !== null ? (linkedProducts.get(line.product_id) ?? null) : matched[index]
    if (!product) return
    if (line.quantity_milli < 0) return
    if (line.transaction_item_id !== null) {
      if (soldItems.has(line.transaction_item_id)) return
      soldItems.add(line.transaction_item_id)
    }
    planned.push({
      lineId: line.id,
      lineHadProduct: line.product_id !== null,
      transactionItemId: line.transaction_item_id,
      product,
      kind: 'sprzedaz',
      quantityMilli: -line.quantity_milli
    })
  })
  return planned
}

/** A correction's returns not yet put back: one 'zwrot' per corrected line, never twice. */
async function planReturns(
  db: Queryable,
  document: DocumentForStock,
  onlyLineIds?: number[]
): Promise<PlannedMovement[]> {
  const returns = (await returnedGoods(db, document.id)).filter(
    (item) => !onlyLineIds || onlyLineIds.includes(item.lineId)
  )
  if (returns.length === 0) return []
  const done = await db
    .selectFrom('stock_movements')
    .select('document_line_id')
    .where(
      'document_line_id',
      'in',
      returns.map((item) => item.lineId)
    )
    .where('kind', 'in', ['sprzedaz', 'zwrot'])
    .execute()
  const moved = new Set(done.map((row) => row.document_line_id))
  const products = new Map(
    (
      await db
        .selectFrom('products')
        .select(['id', 'name', 'sku', 'vat_rate', 'stock_milli', 'unit'])
        .where('id', 'in', [...new Set(returns.map((item) => item.productId))])
        .execute()
    ).map((row) => [
      row.id,
      { id: row.id, name: row.name, sku: row.sku, vatRate: row.vat_rate, stockMilli: row.stock_milli, unit: row.unit }
    ])
  )
  return returns.flatMap((item) => {
    const product = products.get(item.productId)
    if (!product || moved.has(item.lineId)) return []
    return [
      {
        lineId: item.lineId,
        lineHadProduct: false,
        transactionItemId: null,
        product,
        kind: 'zwrot' as const,
        quantityMilli: item.returnedMilli
      }
    ]
  })
}

function formatUnits(milli: number, unit: string): string {
  const abs = Math.abs(milli)
  const text = abs % 1000 === 0 ? String(abs / 1000) : (abs / 1000).toFixed(3).replace(/0+$/, '').replace('.', ',')
  return `${milli < 0 ? '-' : ''}${text} ${unit}`
}

async function blockingMessage(db: Queryable, planned: PlannedMovement[]): Promise<string | null> {
  const company = await db.selectFrom('company').select('block_negative_stock').where('id', '=', 1).executeTakeFirst()
  if (company?.block_negative_stock !== 1) return null
  const takenOut = new Map<number, { product: MatchedProduct; milli: number }>()
  for (const movement of planned) {
    if (movement.quantityMilli >= 0) continue
    const entry = takenOut.get(movement.product.id) ?? { product: movement.product, milli: 0 }
    entry.milli += -movement.quantityMilli
    takenOut.set(movement.product.id, entry)
  }
  const problems: string[] = []
  for (const { product, milli } of takenOut.values()) {
    if (product.stockMilli - milli < 0) {
      problems.push(
        `„${product.name}” (na stanie ${formatUnits(product.stockMilli, product.unit)}, dokument wydaje ${formatUnits(milli, product.unit)})`
      )
    }
  }
  if (problems.length === 0) return null
  return (
    `Nie można wystawić dokumentu: za mały stan magazynowy produktu ${problems.join(', ')}. ` +
    'Przyjmij towar na stan albo wyłącz blokadę ujemnych stanów na liście produktów.'
  )
}

/**
 * Whether the company's block on negative stock refuses issuing this (already stored) document:
 * the Polish message to show, or null when issuing may go on.
 */
export async function whyStockBlocksIssue(trx: Trx, documentId: number): Promise<string | null> {
  const document = await findDocument(trx, documentId)
  if (!document) return null
  return await blockingMessage(trx, await planMovements(trx, document))
}

async function hasWarehouse(db: Queryable): Promise<boolean> {
  const company = await db.selectFrom('company').select('package').where('id', '=', 1).executeTakeFirst()
  return company?.package === 'ksiegowosc_magazyn'
}

async function applyPlanned(
  trx: Trx,
  document: DocumentForStock,
  planned: PlannedMovement[],
  at: string,
  userId: number | null,
  wzDate: string
): Promise<void> {
  const issued: Array<{ movementId: number; product: MatchedProduct; quantityMilli: number }> = []
  for (const movement of planned) {
    const recorded = await changeStock(trx, {
      productId: movement.product.id,
      kind: movement.kind,
      quantityMilli: movement.quantityMilli,
      documentId: document.id,
      documentLineId: movement.lineId,
      transactionItemId: movement.transactionItemId,
      userId,
      createdAt: at
    })
    if (!movement.lineHadProduct) {
      await trx
        .updateTable('document_lines')
        .set({ product_id: movement.product.id })
        .where('id', '=', movement.lineId)
        .where('product_id', 'is', null)
        .execute()
    }
    if (movement.kind === 'sprzedaz')
      issued.push({
        movementId: recorded.movementId,
        product: movement.product,
        quantityMilli: -movement.quantityMilli
      })
  }
  if (issued.length > 0 && (await hasWarehouse(trx))) await createWz(trx, document.id, issued, wzDate, userId, at)
}

async function createWz(
  trx: Trx,
  documentId: number,
  lines: Array<{ movementId: number; product: MatchedProduct; quantityMilli: number }>,
  issueDate: string,
  userId: number | null,
  at: string
): Promise<number> {
  const period = issueDate.slice(0, 7)
  // Inside the issuing transaction, and SQLite has one writer, so max + 1 cannot be taken twice;
  // UNIQUE (period, seq) would refuse it anyway.
  const last = await trx
    .selectFrom('wz_documents')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .where('period', '=', period)
    .executeTakeFirst()
  const seq = Number(last?.seq ?? 0) + 1
  const wz = await trx
    .insertInto('wz_documents')
    .values({
      number: wzNumber(seq, period),
      period,
      seq,
      document_id: documentId,
      issue_date: issueDate,
      created_by: userId,
      created_at: at
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  let position = 0
  for (const line of lines) {
    position += 1
    await trx
      .insertInto('wz_lines')
      .values({
        wz_document_id: wz.id,
        position,
        product_id: line.product.id,
        stock_movement_id: line.movementId,
        name: line.product.name,
        sku: line.product.sku,
        unit: line.product.unit,
        quantity_milli: line.quantityMilli
      })
      .execute()
  }
  return wz.id
}

/**
 * Called inside the issuing transaction, after the document and its lines are stored. Takes the
 * matched lines out of stock (see the rule at the top), links each line to its product, and in
 * the warehouse package writes the WZ. Throws StockBlockedError when the company blocks negative
 * stock and this document would take a product below zero: roll the transaction back and show
 * the error's message. Calling it again for the same document changes nothing.
 */
export async function applyStockForIssuedDocument(
  trx: Trx,
  documentId: number,
  opts: StockHookOptions = {}
): Promise<void> {
  const document = await findDocument(trx, documentId)
  if (!document) return
  const planned = await planMovements(trx, document)
  if (planned.length === 0) return
  const blocked = await blockingMessage(trx, planned)
  if (blocked !== null) throw new StockBlockedError(blocked)
  await applyPlanned(
    trx,
    document,
    planned,
    opts.at ?? document.created_at,
    opts.userId !== undefined ? opts.userId : document.created_by,
    document.issue_date
  )
}

/**
 * Called inside the cancelling transaction: puts back what the document took out of stock,
 * marks its WZ cancelled, and hands the sale of each Allegro transaction item over to another
 * still-issued document for the same item, if there is one.
 */
export async function reverseStockForCancelledDocument(
  trx: Trx,
  documentId: number,
  opts: StockHookOptions = {}
): Promise<void> {
  const document = await findDocument(trx, documentId)
  if (!document) return
  const at = opts.at ?? document.cancelled_at ?? (await databaseNow(trx))
  const userId = opts.userId !== undefined ? opts.userId : document.cancelled_by
  const open = await trx
    .selectFrom('stock_movements')
    .select(['id', 'product_id', 'quantity_milli', 'transaction_item_id', 'kind'])
    .where('document_id', '=', documentId)
    .where('kind', 'in', ['sprzedaz', 'zwrot'])
    .where('reversed', '=', 0)
    .orderBy('id')
    .execute()
  const releasedItems: number[] = []
  for (const movement of open) {
    await trx.updateTable('stock_movements').set({ reversed: 1 }).where('id', '=', movement.id).execute()
    await changeStock(trx, {
      productId: movement.product_id,
      kind: 'anulowanie',
      quantityMilli: -movement.quantity_milli,
      documentId,
      reversesMovementId: movement.id,
      userId,
      createdAt: at
    })
    if (movement.kind === 'sprzedaz' && movement.transaction_item_id !== null)
      releasedItems.push(movement.transaction_item_id)
  }
  await trx
    .updateTable('wz_documents')
    .set({ status: 'cancelled', cancelled_at: at })
    .where('document_id', '=', documentId)
    .where('status', '=', 'issued')
    .execute()
  if (releasedItems.length > 0) await handOverReleasedItems(trx, documentId, releasedItems, at, userId)
}

async function handOverReleasedItems(
  trx: Trx,
  cancelledId: number,
  itemIds: number[],
  at: string,
  userId: number | null
): Promise<void> {
  const heirs = await trx
    .selectFrom('document_lines as l')
    .innerJoin('documents as d', 'd.id', 'l.document_id')
    .select(['l.id as line_id', 'd.id as document_id'])
    .where('l.transaction_item_id', 'in', itemIds)
    .where('d.id', '!=', cancelledId)
    .where('d.status', '=', 'issued')
    .where('d.type', 'in', [...STOCK_MOVING_TYPES])
    .orderBy('d.id')
    .orderBy('l.position')
    .execute()
  const linesByDocument = new Map<number, number[]>()
  for (const heir of heirs)
    linesByDocument.set(heir.document_id, [...(linesByDocument.get(heir.document_id) ?? []), heir.line_id])
  const wzDate = DateTime.fromISO(at, { zone: ZONE }).setZone(ZONE).toISODate() ?? at.slice(0, 10)
  for (const [heirId, lineIds] of linesByDocument) {
    const heir = await findDocument(trx, heirId)
    if (!heir) continue
    // The goods already left with the sale; handing it over is never blocked by the negative-stock rule.
    await applyPlanned(trx, heir, await planMovements(trx, heir, lineIds), at, userId, wzDate)
  }
}

async function databaseNow(db: Queryable): Promise<string> {
  // Only when the caller neither set documents.cancelled_at nor passed `at`.
  const row = await sql<{ now: string }>`select strftime('%Y-%m-%dT%H:%M:%fZ', 'now') as now`.execute(db)
  return row.rows[0].now
}

export interface StockWarning {
  productId: number
  productName: string
  unit: string
  soldMilli: number
  stockAfterMilli: number
  currentStockMilli: number
}

/** Products this document took below zero, for the warning on the issuing result page. */
export async function stockWarningsForDocument(db: Queryable, documentId: number): Promise<StockWarning[]> {
  const rows = await db
    .selectFrom('stock_movements as m')
    .innerJoin('products as p', 'p.id', 'm.product_id')
    .select(['p.id', 'p.name', 'p.unit', 'p.stock_milli', 'm.quantity_milli', 'm.stock_after_milli'])
    .where('m.document_id', '=', documentId)
    .where('m.kind', '=', 'sprzedaz')
    .where('m.reversed', '=', 0)
    .where('m.stock_after_milli', '<', 0)
    .orderBy('m.id')
    .execute()
  return rows.map((row) => ({
    productId: row.id,
    productName: row.name,
    unit: row.unit,
    soldMilli: -row.quantity_milli,
    stockAfterMilli: row.stock_after_milli,
    currentStockMilli: row.stock_milli
  }))
}

export interface UnmatchedLine {
  transactionItemId: number
  offerId: string
  name: string
  sku: string | null
  quantity: number
  unitPrice: number
  /** "Utwórz produkt z oferty": the product form prefilled from this cart item */
  createProductPath: string
}

/** Cart items of a transaction that match no product, so selling them will not move any stock. */
export async function unmatchedLinesForTransaction(db: Queryable, transactionId: number): Promise<UnmatchedLine[]> {
  const items = await db
    .selectFrom('transaction_items')
    .select(['id', 'offer_id', 'offer_name', 'external_id', 'quantity', 'unit_price'])
    .where('transaction_id', '=', transactionId)
    .orderBy('position')
    .execute()
  if (items.length === 0) return []
  const matched = await matchProducts(
    db,
    items.map((item) => ({ name: item.offer_name, sku: item.external_id }))
  )
  const base = productsPath(await hasWarehouse(db))
  return items
    .filter((_item, index) => matched[index] === null)
    .map((item) => ({
      transactionItemId: item.id,
      offerId: item.offer_id,
      name: item.offer_name,
      sku: item.external_id,
      quantity: item.quantity,
      unitPrice: item.unit_price,
      createProductPath: `${base}/nowy?z_oferty=${item.id}`
    }))
}

// Corrections that return goods -------------------------------------------------------------

interface ReturnedGoods {
  /** the correction's line the 'zwrot' movement belongs to */
  lineId: number
  productId: number
  returnedMilli: number
}

/**
 * Goods a correction brings back to stock: per corrected line, the quantity before minus after,
 * for products the sale actually took out of stock (the original line's sale, or its Allegro
 * cart item's sale through another document such as a receipt). A price change returns nothing.
 */
async function returnedGoods(db: Queryable, correctionDocumentId: number): Promise<ReturnedGoods[]> {
  const lines = await db
    .selectFrom('correction_lines as cl')
    .innerJoin('corrections as c', 'c.id', 'cl.correction_id')
    .innerJoin('document_lines as after', 'after.id', 'cl.document_line_id')
    .innerJoin('document_lines as ol', 'ol.id', 'cl.original_line_id')
    .select([
      'cl.document_line_id',
      'cl.original_line_id',
      'cl.quantity_before_milli',
      'after.quantity_milli',
      'ol.transaction_item_id',
      'ol.kind'
    ])
    .where('c.document_id', '=', correctionDocumentId)
    .orderBy('after.position')
    .execute()
  const returned: ReturnedGoods[] = []
  for (const line of lines) {
    const returnedMilli = line.quantity_before_milli - line.quantity_milli
    if (returnedMilli <= 0 || line.kind === 'delivery') continue
    const sale = await db
      .selectFrom('stock_movements')
      .select('product_id')
      .where('kind', '=', 'sprzedaz')
      .where('reversed', '=', 0)
      .where((eb) =>
        line.transaction_item_id === null
          ? eb('document_line_id', '=', line.original_line_id)
          : eb.or([
              eb('document_line_id', '=', line.original_line_id),
              eb('transaction_item_id', '=', line.transaction_item_id)
            ])
      )
      .orderBy('id')
      .executeTakeFirst()
    if (sale) returned.push({ lineId: line.document_line_id, productId: sale.product_id, returnedMilli })
  }
  return returned
}
