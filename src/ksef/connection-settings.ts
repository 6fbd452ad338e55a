// Saving the KSeF connection settings: the row, the tokens it invalidates and the invoices that
// waited for a connection, in one transaction.
import type { Insertable } from 'kysely'
import type { Database } from '../db/database.ts'
import type { KsefConnection } from '../db/schema.gen.ts'
import { forgetTokens } from './connection.queries.ts'
import { requeueWaiting } from './ksef-sender.ts'

export async function saveKsefConnection(
  db: Database,
  columns: Omit<Insertable<KsefConnection>, 'id' | 'created_at'>,
  opts: { credentialsChanged: boolean; at: string }
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('ksef_connection')
      .values({ id: 1, ...columns, created_at: opts.at })
      .onConflict((oc) => oc.column('id').doUpdateSet(columns))
      .execute()
    if (opts.credentialsChanged) await forgetTokens(trx, opts.at)
    await requeueWaiting(trx, opts.at)
  })
}
