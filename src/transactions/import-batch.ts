// One batch of the import stored atomically with the progress it covers.
import type { Queryable } from '../db/database.ts'
import { impliedStatus } from './checkout-form.ts'
import { changeTransactionStatus } from './status.queries.ts'
import {
  insertTransactions,
  saveProgress,
  updateTransaction,
  type BatchCounts,
  type BatchProgress,
  type ValidForm
} from './import.queries.ts'

/**
 * Stores one batch of checkout forms and the import progress it covers, in ONE transaction:
 * a crash leaves either both or neither. Keyed by (shop, checkout form) and (transaction, line
 * item); deleted transactions stay deleted; manual and closed statuses are left alone.
 */
export async function saveBatch(
  db: Queryable,
  shopId: number,
  forms: ValidForm[],
  progress: BatchProgress,
  at: string
): Promise<BatchCounts & { deletedIds: string[] }> {
  const counts: BatchCounts & { deletedIds: string[] } = {
    new: 0,
    updated: 0,
    unchanged: 0,
    deleted: 0,
    deletedIds: []
  }
  const unique = new Map<string, ValidForm>()
  for (const entry of forms) unique.set(entry.form.id, entry)
  await db.transaction().execute(async (trx) => {
    const ids = [...unique.keys()]
    const deleted = new Set<string>()
    const existing = new Map<string, { id: number; revision: string; local_status: string; status_manual: number }>()
    if (ids.length > 0) {
      for (const row of await trx
        .selectFrom('transaction_tombstones')
        .select('checkout_form_id')
        .where('shop_id', '=', shopId)
        .where('checkout_form_id', 'in', ids)
        .execute()) {
        deleted.add(row.checkout_form_id)
      }
      for (const row of await trx
        .selectFrom('transactions')
        .select(['id', 'checkout_form_id', 'revision', 'local_status', 'status_manual'])
        .where('shop_id', '=', shopId)
        .where('checkout_form_id', 'in', ids)
        .execute()) {
        existing.set(row.checkout_form_id, row)
      }
    }
    const fresh: ValidForm[] = []
    for (const entry of unique.values()) {
      const { form, raw } = entry
      if (deleted.has(form.id)) {
        counts.deleted++
        counts.deletedIds.push(form.id)
        continue
      }
      const current = existing.get(form.id)
      if (!current) {
        fresh.push(entry)
        continue
      }
      if (current.revision === form.revision) {
        counts.unchanged++
        continue
      }
      await updateTransaction(trx, current.id, form, raw, at)
      counts.updated++
      // a person's choice (pencil) and a closed transaction with its document are never undone
      if (current.status_manual !== 1 && current.local_status !== 'zamknieta') {
        await changeTransactionStatus(trx, {
          transactionId: current.id,
          to: impliedStatus(form),
          manual: false,
          userId: null,
          at
        })
      }
    }
    await insertTransactions(trx, shopId, fresh, at)
    counts.new += fresh.length
    await saveProgress(trx, shopId, progress, at)
  })
  return counts
}
