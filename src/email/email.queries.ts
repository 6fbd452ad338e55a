import type { Queryable } from '../db/database.ts'

export type SmtpSettingsRow = NonNullable<Awaited<ReturnType<typeof getSmtpSettings>>>

export async function getSmtpSettings(db: Queryable) {
  return await db.selectFrom('smtp_settings').selectAll().where('id', '=', 1).executeTakeFirst()
}

export async function saveSmtpSettings(
  db: Queryable,
  row: {
    host: string
    port: number
    security: string
    username: string
    password_enc: string | null
    from_address: string
    from_name: string
    subject_template: string
    body_template: string
    updated_at: string
  }
): Promise<void> {
  await db
    .insertInto('smtp_settings')
    .values({ id: 1, ...row })
    .onConflict((oc) => oc.column('id').doUpdateSet(row))
    .execute()
}

export async function buyerEmail(db: Queryable, contractorId: number | null): Promise<string> {
  if (contractorId === null) return ''
  const row = await db.selectFrom('contractors').select('email').where('id', '=', contractorId).executeTakeFirst()
  return row?.email ?? ''
}

export async function transactionCount(db: Queryable, documentId: number): Promise<number> {
  const row = await db
    .selectFrom('document_transactions')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('document_id', '=', documentId)
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

/** Recorded before the server is called, so a message is never sent without a trace. */
export async function startEmail(
  db: Queryable,
  row: { document_id: number; to_address: string; subject: string; sent_by: number | null; created_at: string }
): Promise<number> {
  const inserted = await db
    .insertInto('document_emails')
    .values({ ...row, state: 'wysylanie' })
    .returning('id')
    .executeTakeFirstOrThrow()
  return inserted.id
}

export async function finishEmail(
  db: Queryable,
  id: number,
  outcome: { state: 'wyslany' | 'blad'; error: string | null; message_id: string | null; finished_at: string }
): Promise<void> {
  await db.updateTable('document_emails').set(outcome).where('id', '=', id).execute()
}

/** A message to the same document handed to the server in the last minute: a double click. */
export async function recentEmailInFlight(db: Queryable, documentId: number, since: string): Promise<boolean> {
  const row = await db
    .selectFrom('document_emails')
    .select('id')
    .where('document_id', '=', documentId)
    .where('state', '=', 'wysylanie')
    .where('created_at', '>=', since)
    .executeTakeFirst()
  return row !== undefined
}

export async function emailsOfDocument(db: Queryable, documentId: number) {
  return await db
    .selectFrom('document_emails as e')
    .leftJoin('users as u', 'u.id', 'e.sent_by')
    .select([
      'e.id',
      'e.to_address',
      'e.subject',
      'e.state',
      'e.error',
      'e.created_at',
      'e.finished_at',
      'u.name as sent_by_name'
    ])
    .where('e.document_id', '=', documentId)
    .orderBy('e.id', 'desc')
    .limit(50)
    .execute()
}

export async function recentEmails(db: Queryable) {
  return await db
    .selectFrom('document_emails as e')
    .innerJoin('documents as d', 'd.id', 'e.document_id')
    .select(['e.id', 'e.document_id', 'd.number', 'e.to_address', 'e.state', 'e.error', 'e.created_at'])
    .orderBy('e.id', 'desc')
    .limit(20)
    .execute()
}
