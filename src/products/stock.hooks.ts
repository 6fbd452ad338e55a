import type { Trx, Queryable } from '../db/database.ts'

// What issuing and cancelling a sales document asks of the products feature.
// Owned by the products feature; the documents feature only calls these.

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
}

/** For each line, the product with exactly the line's name or, beyond the seed, its SKU; null when none. */
export async function matchProducts (db: Queryable, lines: LineForMatching[]): Promise<Array<MatchedProduct | null>> {
  const result: Array<MatchedProduct | null> = []
  for (const line of lines) {
    let query = db.selectFrom('products').select(['id', 'name', 'sku', 'vat_rate', 'stock_milli'])
    query = line.sku ? query.where((eb) => eb.or([eb('name', '=', line.name), eb('sku', '=', line.sku)])) : query.where('name', '=', line.name)
    const row = await query.orderBy('id').executeTakeFirst()
    result.push(row ? { id: row.id, name: row.name, sku: row.sku, vatRate: row.vat_rate, stockMilli: row.stock_milli } : null)
  }
  return result
}

/** Called inside the issuing transaction, after the document and its lines are stored. */
export async function applyStockForIssuedDocument (_trx: Trx, _documentId: number): Promise<void> {
  // implemented by the products feature
}

/** Called inside the cancelling transaction. */
export async function reverseStockForCancelledDocument (_trx: Trx, _documentId: number): Promise<void> {
  // implemented by the products feature
}
