import type { Queryable } from '../db/database.ts'
import { recoveryCodeMatches } from './totp.ts'

/** A new, not yet confirmed secret; an enabled one is never replaced this way. */
export async function startTotpEnrolment(db: Queryable, userId: number, sealedSecret: string): Promise<void> {
  await db
    .updateTable('users')
    .set({ totp_secret_enc: sealedSecret, totp_last_step: null })
    .where('id', '=', userId)
    .where('totp_enabled', '=', 0)
    .execute()
}

/**
 * Records an accepted code's step, only if it is after the last one: two requests racing with
 * the same code cannot both win, the second finds the step taken.
 */
export async function claimTotpStep(db: Queryable, userId: number, step: number): Promise<boolean> {
  const updated = await db
    .updateTable('users')
    .set({ totp_last_step: step })
    .where('id', '=', userId)
    .where('totp_enabled', '=', 1)
    .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
    .executeTakeFirst()
  return Number(updated.numUpdatedRows) === 1
}

/** Uses up the matching unused recovery code; false when none matches (or it was just used). */
export async function useRecoveryCode(
  db: Queryable,
  userId: number,
  normalized: string,
  usedAt: string
): Promise<boolean> {
  const rows = await db
    .selectFrom('user_recovery_codes')
    .select(['id', 'salt', 'code_hash'])
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .execute()
  const match = rows.find((row) => recoveryCodeMatches(normalized, { salt: row.salt, codeHash: row.code_hash }))
  if (!match) return false
  const updated = await db
    .updateTable('user_recovery_codes')
    .set({ used_at: usedAt })
    .where('id', '=', match.id)
    .where('used_at', 'is', null)
    .executeTakeFirst()
  return Number(updated.numUpdatedRows) === 1
}

export async function countUnusedRecoveryCodes(db: Queryable, userId: number): Promise<number> {
  const row = await db
    .selectFrom('user_recovery_codes')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

export async function companyRequiresTotp(db: Queryable): Promise<boolean> {
  const row = await db.selectFrom('company').select('require_totp').executeTakeFirst()
  return row?.require_totp === 1
}

export async function setCompanyRequiresTotp(db: Queryable, required: boolean): Promise<void> {
  await db
    .updateTable('company')
    .set({ require_totp: required ? 1 : 0 })
    .execute()
}
