import type { Insertable, Selectable } from 'kysely'
import type { Queryable } from '../db/database.ts'
import type { Users } from '../db/schema.gen.ts'

export type UserRow = Selectable<Users>

export async function countUsers(db: Queryable): Promise<number> {
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

export async function findUserByLogin(db: Queryable, login: string): Promise<UserRow | undefined> {
  return await db.selectFrom('users').selectAll().where('login', '=', login).executeTakeFirst()
}

export async function getUser(db: Queryable, id: number): Promise<UserRow> {
  return await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
}

export async function listUsers(db: Queryable): Promise<UserRow[]> {
  return await db.selectFrom('users').selectAll().orderBy('role', 'desc').orderBy('login').execute()
}

export async function insertUser(db: Queryable, user: Insertable<Users>): Promise<number> {
  const row = await db.insertInto('users').values(user).returning('id').executeTakeFirstOrThrow()
  return row.id
}

export async function updateUser(
  db: Queryable,
  id: number,
  changes: Partial<Omit<UserRow, 'id' | 'created_at'>>
): Promise<void> {
  await db.updateTable('users').set(changes).where('id', '=', id).execute()
}

export async function changePassword(
  db: Queryable,
  id: number,
  passwordHash: string,
  updatedAt: string
): Promise<void> {
  await db
    .updateTable('users')
    .set((eb) => ({
      password_hash: passwordHash,
      session_version: eb('session_version', '+', 1),
      updated_at: updatedAt
    }))
    .where('id', '=', id)
    .execute()
}
