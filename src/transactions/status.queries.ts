import type { Trx } from '../db/database.ts'
import type { TransactionStatus } from './transaction-status.ts'

export interface StatusChange {
  transactionId: number
  to: TransactionStatus
  /** true for Opłać / Zamknij / Anuluj by a person: imports never overwrite it afterwards */
  manual: boolean
  userId: number | null
  at: string
}

/** Sets the local status and records who changed what and when; a no-op when nothing changes. */
export async function changeTransactionStatus(trx: Trx, change: StatusChange): Promise<boolean> {
  const current = await trx
    .selectFrom('transactions')
    .select(['local_status', 'status_manual'])
    .where('id', '=', change.transactionId)
    .executeTakeFirst()
  if (!current) return false
  if (current.local_status === change.to && (current.status_manual === 1 || !change.manual)) return false
  await trx
    .updateTable('transactions')
    .set({
      local_status: change.to,
      status_manual: change.manual || current.status_manual === 1 ? 1 : 0,
      updated_at: change.at
    })
    .where('id', '=', change.transactionId)
    .execute()
  await trx
    .insertInto('transaction_status_changes')
    .values({
      transaction_id: change.transactionId,
      from_status: current.local_status,
      to_status: change.to,
      manual: change.manual ? 1 : 0,
      user_id: change.userId,
      created_at: change.at
    })
    .execute()
  return true
}
