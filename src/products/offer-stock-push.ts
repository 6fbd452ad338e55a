// "Ustaw w Allegro stan z Biurka": each matched offer's stock sent to Allegro in turn, every
// answer recorded, and the run stopped at a failure that no later offer of the shop could escape.
import type { FastifyBaseLogger } from 'fastify'
import { isAllegroApiError, type AllegroClient } from '../allegro/allegro.client.ts'
import type { Queryable } from '../db/database.ts'
import { toStoredTimestamp, type Clock } from '../shared/dates.ts'
import { pushFailed, pushSucceeded, type PushResult } from './offers.ts'
import { recordStockPush } from './offers.queries.ts'

/** Failures of the shop's connection, not of one offer: the next offer would fail the same way. */
export const SHOP_WIDE_FAILURES = new Set(['reconnect_required', 'not_connected', 'not_configured'])

export interface StockPushTarget {
  offer: { id: string }
  product: { id: number }
  /** the available quantity to set */
  target: number
}

/** The results in the order tried; offers after a shop-wide failure are not tried. */
export async function pushOfferStocks<T extends StockPushTarget>(
  deps: { db: Queryable; log: FastifyBaseLogger; now: Clock },
  client: AllegroClient,
  push: { shopId: number; targets: readonly T[]; userId: number | null }
): Promise<Array<{ row: T; result: PushResult }>> {
  const results: Array<{ row: T; result: PushResult }> = []
  for (const row of push.targets) {
    let result: PushResult
    let shopWide = false
    try {
      const answer = await client.changeOfferStock(row.offer.id, row.target)
      result = pushSucceeded(answer.status, row.target)
    } catch (failure) {
      if (!isAllegroApiError(failure)) throw failure
      deps.log.warn(
        {
          shopId: push.shopId,
          offerId: row.offer.id,
          code: failure.code,
          status: failure.status,
          attempts: failure.attempts
        },
        'setting Allegro offer stock failed'
      )
      result = pushFailed(failure)
      shopWide = SHOP_WIDE_FAILURES.has(failure.kind)
    }
    await recordStockPush(
      deps.db,
      {
        shopId: push.shopId,
        offerId: row.offer.id,
        productId: row.product.id,
        available: row.target,
        userId: push.userId,
        at: toStoredTimestamp(deps.now())
      },
      result
    )
    results.push({ row, result })
    if (shopWide) break
  }
  return results
}
