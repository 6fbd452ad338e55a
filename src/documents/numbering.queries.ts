// The documents' monthly number series (the seed's Numeracja): patterns and the next number.
import type { Queryable, Trx } from '../db/database.ts'
import { DOCUMENT_TYPE_INFO, DOCUMENT_TYPES, isDocumentType, type DocumentType } from '../shared/document-types.ts'
import { formatDocumentNumber, numberingPeriod } from './document.ts'

export async function seriesPatterns(db: Queryable): Promise<Record<DocumentType, string>> {
  const rows = await db.selectFrom('document_series').select(['type', 'pattern']).execute()
  const patterns = Object.fromEntries(
    DOCUMENT_TYPES.map((type) => [type, DOCUMENT_TYPE_INFO[type].defaultPattern])
  ) as Record<DocumentType, string>
  for (const row of rows) if (isDocumentType(row.type)) patterns[row.type] = row.pattern
  return patterns
}

export async function saveSeriesPatterns(
  db: Queryable,
  patterns: Record<DocumentType, string>,
  at: string,
  userId: number
): Promise<void> {
  for (const type of DOCUMENT_TYPES) {
    await db
      .insertInto('document_series')
      .values({ type, pattern: patterns[type], updated_at: at, updated_by: userId })
      .onConflict((oc) =>
        oc.column('type').doUpdateSet({ pattern: patterns[type], updated_at: at, updated_by: userId })
      )
      .execute()
  }
}

/**
 * The next number of the type's monthly series. Call it inside the issuing transaction: SQLite
 * has one writer, so MAX(seq) + 1 cannot be handed out twice, and UNIQUE (type, period, seq)
 * would refuse it if it were.
 */
export async function nextNumber(
  trx: Trx,
  type: DocumentType,
  issueDate: string
): Promise<{ period: string; seq: number; number: string }> {
  const period = numberingPeriod(issueDate)
  const pattern = (await seriesPatterns(trx))[type]
  const last = await trx
    .selectFrom('documents')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .where('type', '=', type)
    .where('period', '=', period)
    .executeTakeFirst()
  const seq = Number(last?.seq ?? 0) + 1
  return { period, seq, number: formatDocumentNumber(pattern, seq, period) }
}
