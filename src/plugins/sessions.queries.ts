import { createHash, randomBytes } from 'node:crypto'
import type { Queryable } from '../db/database.ts'

/** The database keeps only a hash of the token, so a copy of the database opens no session. */
function hashSessionToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url')
}

export interface SessionLimits {
  idleMs: number
  absoluteMs: number
}

/** `pendingTotp`: the password was right, the second factor is still owed; it opens no page. */
export async function createSession(
  db: Queryable,
  userId: number,
  nowMs: number,
  opts: { pendingTotp?: boolean } = {}
): Promise<string> {
  const token = randomBytes(32).toString('base64url')
  await db
    .insertInto('user_sessions')
    .values({
      token_hash: hashSessionToken(token),
      user_id: userId,
      created_ms: nowMs,
      last_seen_ms: nowMs,
      pending_totp: opts.pendingTotp === true ? 1 : 0
    })
    .execute()
  return token
}

export interface LiveSession {
  userId: number
  pendingTotp: boolean
  createdMs: number
}

/**
 * The live session, or null. An expired session (idle or absolute) is deleted.
 * last_seen is written at most once a minute, so a page with many requests writes once.
 */
export async function touchSession(
  db: Queryable,
  token: string,
  nowMs: number,
  limits: SessionLimits
): Promise<LiveSession | null> {
  const hash = hashSessionToken(token)
  const row = await db.selectFrom('user_sessions').selectAll().where('token_hash', '=', hash).executeTakeFirst()
  if (!row) return null
  if (nowMs - row.last_seen_ms > limits.idleMs || nowMs - row.created_ms > limits.absoluteMs) {
    await db.deleteFrom('user_sessions').where('token_hash', '=', hash).execute()
    return null
  }
  if (nowMs - row.last_seen_ms >= 60_000) {
    await db.updateTable('user_sessions').set({ last_seen_ms: nowMs }).where('token_hash', '=', hash).execute()
  }
  return { userId: row.user_id, pendingTotp: row.pending_totp === 1, createdMs: row.created_ms }
}

export async function deleteSession(db: Queryable, token: string): Promise<void> {
  await db.deleteFrom('user_sessions').where('token_hash', '=', hashSessionToken(token)).execute()
}

/** Ends every session of a user (password change, disabling), optionally but one. */
export async function deleteUserSessions(db: Queryable, userId: number, exceptToken?: string): Promise<void> {
  let q = db.deleteFrom('user_sessions').where('user_id', '=', userId)
  if (exceptToken !== undefined) q = q.where('token_hash', '!=', hashSessionToken(exceptToken))
  await q.execute()
}

export async function deleteExpiredSessions(db: Queryable, nowMs: number, limits: SessionLimits): Promise<void> {
  await db
    .deleteFrom('user_sessions')
    .where((eb) =>
      eb.or([eb('last_seen_ms', '<', nowMs - limits.idleMs), eb('created_ms', '<', nowMs - limits.absoluteMs)])
    )
    .execute()
}
