// Powiąż: documents issued elsewhere linked to an Allegro transaction, and unlinked again.
import { sql } from 'kysely'
import type { Queryable } from '../db/database.ts'
import { caseVariants, likePattern } from '../contractors/contractors.queries.ts'

export interface LinkCandidate {
  id: number
  type: string
  number: string
  issue_date: string
  buyer_name: string
  buyer_nip: string | null
  total_gross: number
  currency: string
}

/**
 * Issued documents a transaction could be linked to: by number, buyer or NIP, and/or by the
 * gross amount; with no criteria, the ones whose amount equals the transaction's.
 */
export async function searchLinkCandidates(
  db: Queryable,
  transaction: { id: number; total_to_pay: number },
  criteria: { q: string; amount: number | null; ids?: number[] }
): Promise<LinkCandidate[]> {
  let query = db
    .selectFrom('documents as d')
    .select([
      'd.id',
      'd.type',
      'd.number',
      'd.issue_date',
      'd.buyer_name',
      'd.buyer_nip',
      'd.total_gross',
      'd.currency'
    ])
    .where('d.status', '=', 'issued')
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('document_transactions as dt')
            .select('dt.document_id')
            .whereRef('dt.document_id', '=', 'd.id')
            .where('dt.transaction_id', '=', transaction.id)
        )
      )
    )
  if (criteria.ids !== undefined)
    return await query
      .where('d.id', 'in', criteria.ids.length > 0 ? criteria.ids : [0])
      .orderBy('d.issue_date', 'desc')
      .orderBy('d.id', 'desc')
      .limit(100)
      .execute()
  const amount = criteria.q === '' && criteria.amount === null ? transaction.total_to_pay : criteria.amount
  if (amount !== null) query = query.where('d.total_gross', '=', amount)
  if (criteria.q !== '') {
    const digits = criteria.q.replace(/[\s-]/g, '')
    query = query.where((eb) =>
      eb.or([
        ...caseVariants(criteria.q).flatMap((variant) => [
          sql<boolean>`${sql.ref('d.number')} like ${likePattern(variant)} escape '\\'`,
          sql<boolean>`${sql.ref('d.buyer_name')} like ${likePattern(variant)} escape '\\'`
        ]),
        ...(/^\d{3,10}$/.test(digits) ? [eb('d.buyer_nip', 'like', `%${digits}%`)] : [])
      ])
    )
  }
  return await query.orderBy('d.issue_date', 'desc').orderBy('d.id', 'desc').limit(50).execute()
}

export type LinkOutcome =
  { documentId: number; number: string; ok: true } | { documentId: number; number: string; ok: false; problem: string }
