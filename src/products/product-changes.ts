// Atomic changes to the catalogue: a new product with its opening stock, a delivery or a stock count.
import type { Database } from '../db/database.ts'
import { changeStock } from './stock.queries.ts'
import type { ProductData, StockCorrection } from './products.queries.ts'

/** Stores a new product; a non-zero initial stock becomes its first movement. */
export async function createProduct(
  db: Database,
  data: ProductData,
  initialStockMilli: number,
  userId: number,
  now: string
): Promise<number> {
  return await db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('products')
      .values({
        name: data.name,
        sku: data.sku,
        unit: data.unit,
        vat_rate: data.vatRate,
        price_net: data.priceNet,
        price_gross: data.priceGross,
        annex15: data.annex15 === true ? 1 : 0,
        gtu: data.gtu ?? '',
        exemption_excluded: data.exemptionExcluded === true ? 1 : 0,
        stock_milli: 0,
        created_at: now,
        updated_at: now
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    if (initialStockMilli !== 0) {
      await changeStock(trx, {
        productId: row.id,
        kind: 'initial',
        quantityMilli: initialStockMilli,
        userId,
        createdAt: now
      })
    }
    return row.id
  })
}
/**
 * A delivery adds to the stock; a stocktaking correction sets it to what was counted, recording
 * the difference. Returns the stock afterwards, or null when the count already matched.
 */
export async function correctStock(
  db: Database,
  productId: number,
  correction: StockCorrection,
  userId: number,
  now: string
): Promise<number | null> {
  return await db.transaction().execute(async (trx) => {
    const product = await trx
      .selectFrom('products')
      .select('stock_milli')
      .where('id', '=', productId)
      .executeTakeFirstOrThrow()
    const delta =
      correction.kind === 'przyjecie' ? correction.quantityMilli : correction.countedMilli - product.stock_milli
    if (delta === 0) return null
    const recorded = await changeStock(trx, {
      productId,
      kind: correction.kind,
      quantityMilli: delta,
      reason: correction.reason,
      userId,
      createdAt: now
    })
    return recorded.stockAfterMilli
  })
}
