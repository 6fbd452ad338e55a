// First-run setup: the company and its owner are created together, once.
import type { Database } from '../db/database.ts'
import { countUsers, insertUser } from '../users/users.queries.ts'
import { companyColumns, type CompanyValues } from './company.form.ts'

/**
 * Null when someone finished the setup first: two browsers racing through the first-run page
 * must not create two owners (SQLite has one writer, so the count inside the transaction holds).
 */
export async function createOwnerAndCompany(
  db: Database,
  setup: {
    company: CompanyValues
    ryczaltRateBp: number | null
    owner: { login: string; name: string }
    passwordHash: string
    now: string
  }
): Promise<number | null> {
  const { company, ryczaltRateBp, owner, passwordHash, now } = setup
  return await db.transaction().execute(async (trx) => {
    if ((await countUsers(trx)) > 0) return null
    await trx
      .insertInto('company')
      .values({ id: 1, ...companyColumns(company, ryczaltRateBp), created_at: now, updated_at: now })
      .execute()
    return await insertUser(trx, {
      login: owner.login,
      name: owner.name,
      password_hash: passwordHash,
      role: 'owner',
      perm_allegro: 1,
      perm_magazyn: 1,
      perm_ksiegowosc: 1,
      perm_dokumenty: 1,
      perm_administracja: 1,
      created_at: now,
      updated_at: now
    })
  })
}
