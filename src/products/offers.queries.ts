import type { Queryable } from '../db/database.ts'
import type { PushOutcome, PushResult } from './offers.ts'

export interface StockPush {
  shopId: number
  offerId: string
  productId: number
  available: number
  userId: number | null
  at: string
}

/** One row per offer per click, after Allegro answered (never inside a transaction with the call). */
export async function recordStockPush(db: Queryable, push: StockPush, result: PushResult): Promise<void> {
  await db
    .insertInto('offer_stock_pushes')
    .values({
      shop_id: push.shopId,
      offer_id: push.offerId,
      product_id: push.productId,
      available: push.available,
      outcome: result.outcome,
      http_status: result.httpStatus,
      message: result.message,
      user_id: push.userId,
      created_at: push.at
    })
    .execute()
}

export interface LastPush {
  available: number
  outcome: PushOutcome
  message: string
  at: string
  userName: string | null
}

/** The latest push of each of these offers of the shop, by offer id. */
export async function lastStockPushes(
  db: Queryable,
  shopId: number,
  offerIds: string[]
): Promise<Map<string, LastPush>> {
  const result = new Map<string, LastPush>()
  if (offerIds.length === 0) return result
  const latest = db
    .selectFrom('offer_stock_pushes')
    .select((eb) => eb.fn.max('id').as('id'))
    .where('shop_id', '=', shopId)
    .where('offer_id', 'in', offerIds)
    .groupBy('offer_id')
  const rows = await db
    .selectFrom('offer_stock_pushes as p')
    .leftJoin('users as u', 'u.id', 'p.user_id')
    .select(['p.offer_id', 'p.available', 'p.outcome', 'p.message', 'p.created_at', 'u.name as user_name'])
    .where('p.id', 'in', latest)
    .execute()
  for (const row of rows) {
    result.set(row.offer_id, {
      available: row.available,
      outcome: row.outcome as PushOutcome,
      message: row.message,
      at: row.created_at,
      userName: row.user_name
    })
  }
  return result
}
