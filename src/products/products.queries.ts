import { sql, type Selectable } from 'kysely'
import type { Queryable } from '../db/database.ts'
import type { Products, WzDocuments, WzLines } from '../db/schema.gen.ts'

export type ProductRow = Selectable<Products>

export interface ProductData {
  name: string
  sku: string | null
  unit: string
  vatRate: string
  priceNet: number
  priceGross: number
  annex15?: boolean
  gtu?: string
  exemptionExcluded?: boolean
}

function likePattern(search: string): string {
  return `%${search.replace(/[\\%_]/g, (c) => '\\' + c)}%`
}

export async function listProducts(
  db: Queryable,
  opts: { search: string; limit: number; offset: number }
): Promise<{ rows: ProductRow[]; total: number }> {
  let query = db.selectFrom('products')
  if (opts.search !== '') {
    const pattern = likePattern(opts.search)
    query = query.where(sql<boolean>`(name like ${pattern} escape '\\' or sku like ${pattern} escape '\\')`)
  }
  const rows = await query.selectAll().orderBy('name').orderBy('id').limit(opts.limit).offset(opts.offset).execute()
  const count = await query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  return { rows, total: Number(count.n) }
}

export async function getProduct(db: Queryable, id: number): Promise<ProductRow> {
  return await db.selectFrom('products').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
}

export async function findProductByName(db: Queryable, name: string): Promise<ProductRow | undefined> {
  return await db.selectFrom('products').selectAll().where('name', '=', name).executeTakeFirst()
}

export async function findProductBySku(db: Queryable, sku: string): Promise<ProductRow | undefined> {
  return await db.selectFrom('products').selectAll().where('sku', '=', sku).executeTakeFirst()
}

export async function updateProduct(db: Queryable, id: number, data: ProductData, now: string): Promise<void> {
  await db
    .updateTable('products')
    .set({
      name: data.name,
      sku: data.sku,
      unit: data.unit,
      vat_rate: data.vatRate,
      price_net: data.priceNet,
      price_gross: data.priceGross,
      ...(data.annex15 !== undefined ? { annex15: data.annex15 ? 1 : 0 } : {}),
      ...(data.gtu !== undefined ? { gtu: data.gtu } : {}),
      ...(data.exemptionExcluded !== undefined ? { exemption_excluded: data.exemptionExcluded ? 1 : 0 } : {}),
      updated_at: now
    })
    .where('id', '=', id)
    .executeTakeFirstOrThrow()
}

export type StockCorrection =
  | { kind: 'przyjecie'; quantityMilli: number; reason: string }
  | { kind: 'korekta'; countedMilli: number; reason: string }

export async function setBlockNegativeStock(db: Queryable, block: boolean, now: string): Promise<void> {
  await db
    .updateTable('company')
    .set({ block_negative_stock: block ? 1 : 0, updated_at: now })
    .where('id', '=', 1)
    .execute()
}

export async function isNegativeStockBlocked(db: Queryable): Promise<boolean> {
  const row = await db.selectFrom('company').select('block_negative_stock').where('id', '=', 1).executeTakeFirst()
  return row?.block_negative_stock === 1
}

export interface TransactionItemForProduct {
  id: number
  offer_name: string
  external_id: string | null
  unit_price: number
  tax_rate: string | null
}

export async function findTransactionItem(db: Queryable, id: number): Promise<TransactionItemForProduct | undefined> {
  return await db
    .selectFrom('transaction_items')
    .select(['id', 'offer_name', 'external_id', 'unit_price', 'tax_rate'])
    .where('id', '=', id)
    .executeTakeFirst()
}

export async function companyDefaultVatRate(db: Queryable): Promise<string> {
  const row = await db.selectFrom('company').select('default_vat_rate').where('id', '=', 1).executeTakeFirst()
  return row?.default_vat_rate ?? '23'
}

export type WzRow = Selectable<WzDocuments> & {
  document_number: string
  document_type: string
  buyer_name: string
  line_count: number
}
export type WzLineRow = Selectable<WzLines>

const wzColumns = [
  'w.id',
  'w.number',
  'w.period',
  'w.seq',
  'w.document_id',
  'w.status',
  'w.issue_date',
  'w.created_by',
  'w.created_at',
  'w.cancelled_at',
  'd.number as document_number',
  'd.type as document_type',
  'd.buyer_name'
] as const

export async function listWz(
  db: Queryable,
  opts: { limit: number; offset: number }
): Promise<{ rows: WzRow[]; total: number }> {
  const rows = await db
    .selectFrom('wz_documents as w')
    .innerJoin('documents as d', 'd.id', 'w.document_id')
    .select(wzColumns)
    .select((eb) =>
      eb
        .selectFrom('wz_lines')
        .select((e) => e.fn.countAll<number>().as('n'))
        .whereRef('wz_lines.wz_document_id', '=', 'w.id')
        .as('line_count')
    )
    .orderBy('w.issue_date', 'desc')
    .orderBy('w.id', 'desc')
    .limit(opts.limit)
    .offset(opts.offset)
    .execute()
  const count = await db
    .selectFrom('wz_documents')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow()
  return { rows: rows.map((row) => ({ ...row, line_count: Number(row.line_count ?? 0) })), total: Number(count.n) }
}

export async function getWz(db: Queryable, id: number): Promise<{ wz: WzRow; lines: WzLineRow[] }> {
  const row = await db
    .selectFrom('wz_documents as w')
    .innerJoin('documents as d', 'd.id', 'w.document_id')
    .select(wzColumns)
    .where('w.id', '=', id)
    .executeTakeFirstOrThrow()
  const lines = await db
    .selectFrom('wz_lines')
    .selectAll()
    .where('wz_document_id', '=', id)
    .orderBy('position')
    .execute()
  return { wz: { ...row, line_count: lines.length }, lines }
}

export interface ProductTaxMarks {
  annex15: boolean
  gtu: string
  /** art. 113 ust. 13: an exempt seller may not sell it without VAT */
  exemptionExcluded: boolean
}

/**
 * What the products say about the lines of a document being issued: annex 15 (split payment)
 * and the GTU code. A line linked to a product takes it from that product; otherwise the product
 * is found as stock does — by SKU, then by exact name. No product: neither mark.
 */
export async function productTaxMarks(
  db: Queryable,
  lines: ReadonlyArray<{ productId: number | null; name: string; sku: string | null }>
): Promise<ProductTaxMarks[]> {
  const ids = [...new Set(lines.map((line) => line.productId).filter((id): id is number => id !== null))]
  const names = [
    ...new Set(
      lines
        .filter((line) => line.productId === null)
        .map((line) => line.name.trim())
        .filter((name) => name !== '')
    )
  ]
  const skus = [
    ...new Set(
      lines
        .filter((line) => line.productId === null)
        .map((line) => line.sku?.trim() ?? '')
        .filter((sku) => sku !== '')
    )
  ]
  const select = db.selectFrom('products').select(['id', 'name', 'sku', 'annex15', 'gtu', 'exemption_excluded'])
  const byId = new Map<number, ProductTaxMarks>()
  const byName = new Map<string, ProductTaxMarks>()
  const bySku = new Map<string, ProductTaxMarks>()
  const marks = (row: { annex15: number; gtu: string; exemption_excluded: number }): ProductTaxMarks => ({
    annex15: row.annex15 === 1,
    gtu: row.gtu,
    exemptionExcluded: row.exemption_excluded === 1
  })
  const CHUNK = 500
  for (let i = 0; i < ids.length; i += CHUNK)
    for (const row of await select.where('id', 'in', ids.slice(i, i + CHUNK)).execute()) byId.set(row.id, marks(row))
  for (let i = 0; i < names.length; i += CHUNK)
    for (const row of await select.where('name', 'in', names.slice(i, i + CHUNK)).execute())
      byName.set(row.name, marks(row))
  for (let i = 0; i < skus.length; i += CHUNK)
    for (const row of await select.where('sku', 'in', skus.slice(i, i + CHUNK)).execute())
      bySku.set(row.sku ?? '', marks(row))
  return lines.map((line) => {
    const found =
      line.productId !== null
        ? byId.get(line.productId)
        : (((line.sku?.trim() ?? '') !== '' ? bySku.get(line.sku!.trim()) : undefined) ?? byName.get(line.name.trim()))
    return found ?? { annex15: false, gtu: '', exemptionExcluded: false }
  })
}
