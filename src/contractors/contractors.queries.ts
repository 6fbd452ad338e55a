import { sql, type Insertable, type Selectable, type Updateable } from 'kysely'
import type { Queryable } from '../db/database.ts'
import type { Contractors } from '../db/schema.gen.ts'

export type ContractorRow = Selectable<Contractors>
export type NewContractor = Insertable<Contractors>
export type ContractorChanges = Updateable<Contractors>

export const CONTRACTORS_PER_PAGE = 50

/** Turns user text into a LIKE pattern (ESCAPE '\\') that matches it literally anywhere. */
export function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => '\\' + c)}%`
}

/**
 * SQLite's LIKE ignores case only for ASCII letters, so "łódź" would miss "Łódź": the search
 * tries the text as typed, in lower and upper case, and with capitalised words.
 */
export function caseVariants(text: string): string[] {
  const title = text
    .toLowerCase()
    .replace(/(^|[\s-])(\p{L})/gu, (_m, sep: string, letter: string) => sep + letter.toUpperCase())
  return [...new Set([text, text.toLowerCase(), text.toUpperCase(), title])]
}

export async function listContractors(
  db: Queryable,
  filters: { q: string; page: number }
): Promise<{ rows: ContractorRow[]; total: number }> {
  let query = db.selectFrom('contractors')
  if (filters.q !== '') {
    const patterns = caseVariants(filters.q).map(likePattern)
    const digits = filters.q.replace(/[\s-]/g, '')
    query = query.where((eb) =>
      eb.or([
        ...patterns.flatMap((pattern) => [
          sql<boolean>`${sql.ref('name')} like ${pattern} escape '\\'`,
          sql<boolean>`${sql.ref('city')} like ${pattern} escape '\\'`
        ]),
        sql<boolean>`${sql.ref('allegro_login')} like ${likePattern(filters.q)} escape '\\'`,
        sql<boolean>`${sql.ref('foreign_tax_id')} like ${likePattern(filters.q)} escape '\\'`,
        ...(/^\d{3,10}$/.test(digits) ? [eb('nip', 'like', `%${digits}%`)] : [])
      ])
    )
  }
  const [rows, count] = await Promise.all([
    query
      .selectAll()
      .orderBy('name')
      .orderBy('id')
      .limit(CONTRACTORS_PER_PAGE)
      .offset((filters.page - 1) * CONTRACTORS_PER_PAGE)
      .execute(),
    query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  ])
  return { rows, total: Number(count.n) }
}

export async function getContractor(db: Queryable, id: number): Promise<ContractorRow> {
  return await db.selectFrom('contractors').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
}

export async function findContractorByNip(
  db: Queryable,
  nip: string,
  exceptId: number | null = null
): Promise<ContractorRow | undefined> {
  let query = db.selectFrom('contractors').selectAll().where('nip', '=', nip)
  if (exceptId !== null) query = query.where('id', '!=', exceptId)
  return await query.orderBy('id').executeTakeFirst()
}

/** For the contractor picker of a hand-made document. */
export async function listContractorOptions(
  db: Queryable,
  limit = 1000
): Promise<Array<{ id: number; name: string; nip: string | null; city: string }>> {
  return await db
    .selectFrom('contractors')
    .select(['id', 'name', 'nip', 'city'])
    .orderBy('name')
    .orderBy('id')
    .limit(limit)
    .execute()
}

export async function insertContractor(db: Queryable, contractor: NewContractor): Promise<number> {
  const row = await db.insertInto('contractors').values(contractor).returning('id').executeTakeFirstOrThrow()
  return row.id
}

export async function updateContractor(db: Queryable, id: number, changes: ContractorChanges): Promise<void> {
  await db.updateTable('contractors').set(changes).where('id', '=', id).execute()
}

export interface ContractorData {
  name: string
  isCompany: boolean
  nip: string | null
  foreignTaxId: string | null
  foreignTaxIdType: string | null
  street: string
  postalCode: string
  city: string
  countryCode: string
  email: string
  allegroBuyerId: string | null
  allegroLogin: string | null
}

/**
 * Adds the buyer to KONTRAHENCI or updates the one already there (S10), never duplicating:
 * a buyer with a NIP is the contractor with that NIP; a buyer without one is the NIP-less
 * contractor with the same Allegro buyer id, else the same Allegro login. A company's contractor
 * is never turned into a private person's (or the other way round) by an order without a NIP.
 * Run it inside the issuing transaction so two issues cannot both insert.
 */
export async function upsertContractor(db: Queryable, data: ContractorData, at: string): Promise<number> {
  let existing: ContractorRow | undefined
  if (data.nip !== null) {
    existing = await findContractorByNip(db, data.nip)
  } else {
    if (data.allegroBuyerId !== null) {
      existing = await db
        .selectFrom('contractors')
        .selectAll()
        .where('allegro_buyer_id', '=', data.allegroBuyerId)
        .where('nip', 'is', null)
        .orderBy('id')
        .executeTakeFirst()
    }
    if (!existing && data.allegroLogin !== null) {
      existing = await db
        .selectFrom('contractors')
        .selectAll()
        .where('allegro_login', '=', data.allegroLogin)
        .where('nip', 'is', null)
        .orderBy('id')
        .executeTakeFirst()
    }
  }
  const columns = {
    name: data.name,
    is_company: data.isCompany ? 1 : 0,
    street: data.street,
    postal_code: data.postalCode,
    city: data.city,
    country_code: data.countryCode,
    updated_at: at
  }
  if (existing) {
    await updateContractor(db, existing.id, {
      ...columns,
      ...(data.foreignTaxId !== null
        ? { foreign_tax_id: data.foreignTaxId, foreign_tax_id_type: data.foreignTaxIdType }
        : {}),
      ...(data.allegroBuyerId !== null ? { allegro_buyer_id: data.allegroBuyerId } : {}),
      ...(data.allegroLogin !== null ? { allegro_login: data.allegroLogin } : {}),
      ...(existing.email === '' && data.email !== '' ? { email: data.email } : {})
    })
    return existing.id
  }
  return await insertContractor(db, {
    ...columns,
    nip: data.nip,
    foreign_tax_id: data.foreignTaxId,
    foreign_tax_id_type: data.foreignTaxIdType,
    email: data.email,
    allegro_buyer_id: data.allegroBuyerId,
    allegro_login: data.allegroLogin,
    created_at: at
  })
}
