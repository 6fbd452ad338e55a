// The GTU and procedure marks a user sets on a sales row of JPK_V7: the old set goes and the new
// one comes in one transaction, so the file never sees half of each.
import type { Database } from '../db/database.ts'
import { replaceDocumentMarks } from './jpk.queries.ts'

export async function saveDocumentMarks (db: Database, documentId: number, marks: string[], at: string, userId: number | null): Promise<void> {
  await db.transaction().execute(async (trx) => { await replaceDocumentMarks(trx, documentId, marks, at, userId) })
}
