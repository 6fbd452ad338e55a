// Switching a user's TOTP on (with new recovery codes) and off, each in one transaction.
import type { Database } from '../db/database.ts'
import { type HashedRecoveryCode } from './totp.ts'

/** Switches TOTP on with the step of the confirming code, and replaces the recovery codes. */
export async function enableTotp(
  db: Database,
  userId: number,
  step: number,
  codes: HashedRecoveryCode[]
): Promise<boolean> {
  return await db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('users')
      .set({ totp_enabled: 1, totp_last_step: step })
      .where('id', '=', userId)
      .where('totp_enabled', '=', 0)
      .where('totp_secret_enc', 'is not', null)
      .executeTakeFirst()
    if (Number(updated.numUpdatedRows) !== 1) return false
    await trx.deleteFrom('user_recovery_codes').where('user_id', '=', userId).execute()
    await trx
      .insertInto('user_recovery_codes')
      .values(codes.map((c) => ({ user_id: userId, salt: c.salt, code_hash: c.codeHash })))
      .execute()
    return true
  })
}
export async function disableTotp(db: Database, userId: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('users')
      .set({ totp_enabled: 0, totp_secret_enc: null, totp_last_step: null })
      .where('id', '=', userId)
      .execute()
    await trx.deleteFrom('user_recovery_codes').where('user_id', '=', userId).execute()
  })
}
