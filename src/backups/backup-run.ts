// One backup: SQLite's online backup of the live database into a new 0600 file, then a check of
// the copy on its own (opened read-only: PRAGMA integrity_check and the migrations table), then
// retention. The server, the daily worker and `npm run backup` all go through runBackup.
import { existsSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import SQLite from 'better-sqlite3'
import type { Database } from '../db/database.ts'
import type { Clock } from '../shared/dates.ts'
import { toStoredTimestamp } from '../shared/dates.ts'
import { ensurePrivateDir, ensurePrivateFile } from '../shared/private-files.ts'
import { backupFileName, copiesToDelete, type BackupOrigin } from './backups.ts'
import {
  databaseFileOf,
  failStaleRuns,
  finishRun,
  getRun,
  keptCopies,
  markFileDeleted,
  setRunFile,
  startRun,
  type BackupRunRow
} from './backups.queries.ts'

/** Writes by other connections restart SQLite's backup; after this many restarts the rest is copied in one step. */
const MAX_RESTARTS = 3
const STALE_RUN_MS = 6 * 3_600_000

export interface CopyOptions {
  /** pages per step, the event loop turns between steps (SQLite's default unit; tests make it small) */
  pagesPerStep?: number
}

/**
 * Copies the database file `source` into `target` (created 0600 before a byte is written) with
 * SQLite's online backup, from a read-only connection of its own, so the server keeps serving
 * and writing meanwhile. The copy is switched to a rollback journal: one self-contained file
 * that opens anywhere without -wal/-shm beside it.
 */
export async function copyDatabase(source: string, target: string, opts: CopyOptions = {}): Promise<void> {
  const step = opts.pagesPerStep ?? 100
  ensurePrivateFile(target)
  const connection = new SQLite(source, { readonly: true, fileMustExist: true })
  try {
    let remaining = Infinity
    let restarts = 0
    await connection.backup(target, {
      progress: ({ totalPages, remainingPages }) => {
        // another connection wrote: SQLite started over; a busy server could keep it doing so
        if (remainingPages >= remaining) restarts++
        remaining = remainingPages
        return restarts >= MAX_RESTARTS ? totalPages : step
      }
    })
  } finally {
    connection.close()
  }
  const copy = new SQLite(target)
  try {
    copy.pragma('journal_mode = DELETE')
  } finally {
    copy.close()
  }
}

/** null when the copy is a sound Biurko database, else why not (in Polish, for the page). */
export function verifyCopy(file: string): string | null {
  let copy: SQLite.Database | undefined
  try {
    copy = new SQLite(file, { readonly: true, fileMustExist: true })
    const problems = (copy.pragma('integrity_check') as Array<{ integrity_check: string }>).map(
      (row) => row.integrity_check
    )
    if (problems.length !== 1 || problems[0] !== 'ok')
      return `PRAGMA integrity_check: ${problems.slice(0, 3).join('; ')}`
    const migrations = copy
      .prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'kysely_migration'")
      .get() as { n: number }
    if (migrations.n !== 1) return 'Kopia nie ma tabeli migracji – to nie jest baza Biurka.'
    const applied = copy.prepare('SELECT count(*) AS n FROM kysely_migration').get() as { n: number }
    if (applied.n === 0) return 'Kopia nie ma zapisanych migracji – to nie jest baza Biurka.'
    return null
  } catch (error) {
    return `Kopia jest uszkodzona albo nieczytelna: ${error instanceof Error ? error.message : String(error)}`
  } finally {
    copy?.close()
  }
}

export interface BackupDeps extends CopyOptions {
  db: Database
  now: Clock
  /** the folder of the copies (created 0700) */
  dir: string
  /** how many checked copies retention keeps */
  keep: number
  origin: BackupOrigin
  /** a test's way to damage the copy between the copy and its check, as a failing disk would */
  afterCopy?: (file: string) => void
}

export class BackupUnavailableError extends Error {}

/**
 * A recorded backup run. A copy that fails its check is deleted at once (it is no backup, and
 * must not be mistaken for one when restoring); after a good copy, retention removes the good
 * copies beyond the newest `keep`. Returns the finished run.
 */
export async function runBackup(deps: BackupDeps): Promise<BackupRunRow> {
  const source = await databaseFileOf(deps.db)
  if (source === '') throw new BackupUnavailableError('Baza danych jest w pamięci (bez pliku) – nie ma czego kopiować.')
  const startedAt = deps.now()
  await failStaleRuns(
    deps.db,
    toStoredTimestamp(startedAt.minus({ milliseconds: STALE_RUN_MS })),
    toStoredTimestamp(startedAt)
  )
  const id = await startRun(deps.db, deps.origin, toStoredTimestamp(startedAt))
  const file = join(deps.dir, backupFileName(startedAt, id))
  await setRunFile(deps.db, id, file)

  let error: string | null
  try {
    ensurePrivateDir(deps.dir)
    await copyDatabase(source, file, deps)
    deps.afterCopy?.(file)
    error = verifyCopy(file)
  } catch (copyError) {
    error = `Kopiowanie nie powiodło się: ${copyError instanceof Error ? copyError.message : String(copyError)}`
  }
  const sizeBytes = existsSync(file) ? statSync(file).size : null
  if (error !== null) rmSync(file, { force: true })
  const finishedAt = toStoredTimestamp(deps.now())
  await finishRun(deps.db, id, { at: finishedAt, sizeBytes, error, fileDeleted: error !== null })
  if (error === null) await applyRetention(deps.db, deps.keep, finishedAt)
  return await getRun(deps.db, id)
}

async function applyRetention(db: Database, keep: number, at: string): Promise<void> {
  const copies = await keptCopies(db)
  const files = new Map(copies.map((copy) => [copy.id, copy.file]))
  for (const id of copiesToDelete(copies, keep)) {
    const file = files.get(id)
    if (file !== undefined && file !== '') rmSync(file, { force: true })
    await markFileDeleted(db, id, at)
  }
}
