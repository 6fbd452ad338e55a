// What the JPK pages save, each in one transaction: the old set goes and the new one comes, so a
// file never sees half of each.
import type { Database } from '../db/database.ts'
import { replaceDocumentMarks, replaceStockCounts, type StockCounts } from './jpk.queries.ts'

/** The GTU and procedure marks a user sets on a sales row of JPK_V7. */
export async function saveDocumentMarks(
  db: Database,
  documentId: number,
  marks: string[],
  at: string,
  userId: number | null
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await replaceDocumentMarks(trx, documentId, marks, at, userId)
  })
}

/** The year's stock counts (spis z natury) for JPK_PKPIR. */
export async function saveStockCounts(
  db: Database,
  year: number,
  counts: StockCounts,
  at: string,
  userId: number | null
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await replaceStockCounts(trx, year, counts, at, userId)
  })
}
