// The trigram search index (migration 0210): orders the import stored are indexed in chunks, each chunk in one
// transaction, before a search and after an import.
import { sql } from 'kysely'
import type { Queryable } from '../db/database.ts'

/** Pending orders indexed per transaction: one index segment each, and other requests get in between. */
const INDEX_CHUNK = 2000

/**
 * Puts the search text of orders the import stored into the trigram index (migration 0210),
 * in chunks. Every search runs it first, so none misses an order; the import runs it when done.
 * Returns how many orders it indexed.
 */
export async function indexPendingSearch(db: Queryable): Promise<number> {
  let indexed = 0
  for (;;) {
    const pending = await db
      .selectFrom('transactions_search_pending')
      .select('transaction_id')
      .limit(1)
      .executeTakeFirst()
    if (pending === undefined) return indexed
    indexed += db.isTransaction ? await indexChunk(db) : await db.transaction().execute(indexChunk)
    await new Promise((resolve) => setImmediate(resolve))
  }
}
async function indexChunk(trx: Queryable): Promise<number> {
  const chunk = await trx
    .selectFrom('transactions_search_pending')
    .select('transaction_id')
    .orderBy('transaction_id')
    .limit(INDEX_CHUNK)
    .execute()
  const last = chunk.at(-1)?.transaction_id
  if (last === undefined) return 0
  // one INSERT … SELECT in id order: the index takes the chunk as one sorted segment
  await sql`INSERT INTO transactions_search (rowid, search_text)
    SELECT t.id, t.search_text FROM transactions_search_pending p JOIN transactions t ON t.id = p.transaction_id
    WHERE p.transaction_id <= ${last} ORDER BY p.transaction_id`.execute(trx)
  await trx.deleteFrom('transactions_search_pending').where('transaction_id', '<=', last).execute()
  return chunk.length
}
