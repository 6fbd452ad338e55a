// Wystaw's result reports: what a bulk issue did, kept briefly for the page that shows it.
import type { Queryable } from '../db/database.ts'
import type { DocumentType } from '../shared/document-types.ts'

export async function saveIssueReport<T>(
  db: Queryable,
  report: { userId: number; type: DocumentType; outcomes: T[]; at: string; removeBefore: string }
): Promise<number> {
  await db.deleteFrom('document_issue_reports').where('created_at', '<', report.removeBefore).execute()
  const row = await db
    .insertInto('document_issue_reports')
    .values({
      user_id: report.userId,
      document_type: report.type,
      outcomes_json: JSON.stringify(report.outcomes),
      created_at: report.at
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return row.id
}

/** A report is shown only to the user who issued. */
export async function findIssueReport<T>(
  db: Queryable,
  id: number,
  userId: number
): Promise<{ type: string; outcomes: T[]; createdAt: string } | undefined> {
  const row = await db
    .selectFrom('document_issue_reports')
    .selectAll()
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .executeTakeFirst()
  if (!row) return undefined
  return { type: row.document_type, outcomes: JSON.parse(row.outcomes_json) as T[], createdAt: row.created_at }
}
