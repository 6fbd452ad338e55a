import type { Selectable } from 'kysely'
import type { Queryable } from '../db/database.ts'
import type { Company } from '../db/schema.gen.ts'

export type CompanyRow = Selectable<Company>

export async function getCompany(db: Queryable): Promise<CompanyRow> {
  return await db.selectFrom('company').selectAll().where('id', '=', 1).executeTakeFirstOrThrow()
}

export async function updateCompany(
  db: Queryable,
  changes: Partial<Omit<CompanyRow, 'id' | 'created_at'>>,
  updatedAt: string
): Promise<void> {
  await db
    .updateTable('company')
    .set({ ...changes, updated_at: updatedAt })
    .where('id', '=', 1)
    .execute()
}
