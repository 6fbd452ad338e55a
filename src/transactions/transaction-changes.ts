// Changes a person makes to Allegro transactions, each in one transaction: statuses by hand, deletion for good.
import type { Database } from '../db/database.ts'
import { changeTransactionStatus } from './status.queries.ts'
import type { TransactionStatus } from './transaction-status.ts'

/** Opłać / Zamknij / Anuluj by a person: local only, marked manual; returns how many changed. */
export async function setStatusByHand(
  db: Database,
  ids: number[],
  to: TransactionStatus,
  userId: number,
  at: string
): Promise<number> {
  return await db.transaction().execute(async (trx) => {
    let changed = 0
    for (const id of ids) {
      if (await changeTransactionStatus(trx, { transactionId: id, to, manual: true, userId, at })) changed++
    }
    return changed
  })
}
/**
 * Deletes for good (S15): a tombstone per checkout form keeps every later import from bringing
 * it back. Items, status history and document links go with it; the documents stay.
 */
export async function deleteTransactions(db: Database, ids: number[], userId: number, at: string): Promise<number> {
  if (ids.length === 0) return 0
  return await db.transaction().execute(async (trx) => {
    const rows = await trx
      .selectFrom('transactions')
      .select(['id', 'shop_id', 'checkout_form_id'])
      .where('id', 'in', ids)
      .execute()
    if (rows.length === 0) return 0
    await trx
      .insertInto('transaction_tombstones')
      .values(
        rows.map((row) => ({
          shop_id: row.shop_id,
          checkout_form_id: row.checkout_form_id,
          deleted_at: at,
          deleted_by: userId
        }))
      )
      .onConflict((oc) => oc.columns(['shop_id', 'checkout_form_id']).doNothing())
      .execute()
    await trx
      .deleteFrom('transactions')
      .where(
        'id',
        'in',
        rows.map((row) => row.id)
      )
      .execute()
    return rows.length
  })
}
