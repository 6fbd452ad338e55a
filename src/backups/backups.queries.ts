import { sql } from 'kysely'
import type { Queryable } from '../db/database.ts'
import type { BackupOrigin, BackupStatus } from './backups.ts'

export interface BackupRunRow {
  id: number
  origin: BackupOrigin
  started_at: string
  finished_at: string | null
  file: string
  size_bytes: number | null
  status: BackupStatus
  error: string | null
  file_deleted_at: string | null
}

const columns = [
  'id',
  'origin',
  'started_at',
  'finished_at',
  'file',
  'size_bytes',
  'status',
  'error',
  'file_deleted_at'
] as const

/** The database's own file ('' for an in-memory database, which has nothing to copy). */
export async function databaseFileOf(db: Queryable): Promise<string> {
  const row = await sql<{ file: string | null }>`select file from pragma_database_list where name = 'main'`.execute(db)
  return row.rows[0]?.file ?? ''
}

/** Starts a run; the file name needs its id, so it is set right after (setRunFile). */
export async function startRun(db: Queryable, origin: BackupOrigin, at: string): Promise<number> {
  const row = await db
    .insertInto('backup_runs')
    .values({ origin, started_at: at, file: '' })
    .returning('id')
    .executeTakeFirstOrThrow()
  return row.id
}

export async function setRunFile(db: Queryable, id: number, file: string): Promise<void> {
  await db.updateTable('backup_runs').set({ file }).where('id', '=', id).execute()
}

export async function finishRun(
  db: Queryable,
  id: number,
  result: { at: string; sizeBytes: number | null; error: string | null; fileDeleted: boolean }
): Promise<void> {
  await db
    .updateTable('backup_runs')
    .set({
      finished_at: result.at,
      size_bytes: result.sizeBytes,
      status: result.error === null ? 'ok' : 'failed',
      error: result.error,
      file_deleted_at: result.fileDeleted ? result.at : null
    })
    .where('id', '=', id)
    .execute()
}

/** A run left "running" by a process that stopped mid-copy (older than any copy could take). */
export async function failStaleRuns(db: Queryable, startedBefore: string, at: string): Promise<void> {
  await db
    .updateTable('backup_runs')
    .set({
      status: 'failed',
      finished_at: at,
      error: 'Kopia przerwana: serwer albo skrypt zatrzymał się w trakcie kopiowania.'
    })
    .where('status', '=', 'running')
    .where('started_at', '<', startedBefore)
    .execute()
}

export async function getRun(db: Queryable, id: number): Promise<BackupRunRow> {
  return (await db
    .selectFrom('backup_runs')
    .select(columns)
    .where('id', '=', id)
    .executeTakeFirstOrThrow()) as BackupRunRow
}

export async function recentRuns(db: Queryable, limit = 60): Promise<BackupRunRow[]> {
  return (await db
    .selectFrom('backup_runs')
    .select(columns)
    .orderBy('id', 'desc')
    .limit(limit)
    .execute()) as BackupRunRow[]
}

/** The newest checked copy whose file retention has not removed. */
export async function lastGoodRun(db: Queryable): Promise<BackupRunRow | undefined> {
  return (await db
    .selectFrom('backup_runs')
    .select(columns)
    .where('status', '=', 'ok')
    .where('file_deleted_at', 'is', null)
    .orderBy('id', 'desc')
    .executeTakeFirst()) as BackupRunRow | undefined
}

export async function lastAttempts(db: Queryable): Promise<{ lastOkAt: string | null; lastAttemptAt: string | null }> {
  const row = await db
    .selectFrom('backup_runs')
    .select((eb) => [
      eb.fn.max('started_at').as('lastAttemptAt'),
      eb.fn.max(sql<string>`case when status = 'ok' then started_at end`).as('lastOkAt')
    ])
    .executeTakeFirst()
  return { lastOkAt: row?.lastOkAt ?? null, lastAttemptAt: row?.lastAttemptAt ?? null }
}

export async function keptCopies(
  db: Queryable
): Promise<Array<{ id: number; status: BackupStatus; file: string; fileDeleted: boolean }>> {
  const rows = await db
    .selectFrom('backup_runs')
    .select(['id', 'status', 'file', 'file_deleted_at'])
    .where('status', '=', 'ok')
    .where('file_deleted_at', 'is', null)
    .execute()
  return rows.map((row) => ({
    id: row.id,
    status: row.status as BackupStatus,
    file: row.file,
    fileDeleted: row.file_deleted_at !== null
  }))
}

export async function markFileDeleted(db: Queryable, id: number, at: string): Promise<void> {
  await db.updateTable('backup_runs').set({ file_deleted_at: at }).where('id', '=', id).execute()
}
