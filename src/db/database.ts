import SQLite from 'better-sqlite3'
import { Kysely, SqliteDialect, type Transaction } from 'kysely'
import type { DB } from './schema.gen.ts'
import { ensurePrivateFile, tightenDatabaseFiles } from '../shared/private-files.ts'

export type Database = Kysely<DB>
export type Trx = Transaction<DB>
/** Query functions take either the database or an open transaction as their first argument. */
export type Queryable = Database | Trx

export interface OpenedDatabase {
  db: Database
  sqlite: SQLite.Database
}

export function openDatabase(file: string): OpenedDatabase {
  const onDisk = file !== ':memory:' && file !== ''
  if (onDisk) ensurePrivateFile(file)
  const sqlite = new SQLite(file)
  if (onDisk) {
    sqlite.pragma('journal_mode = WAL')
    tightenDatabaseFiles(file)
  }
  sqlite.pragma('busy_timeout = 5000')
  sqlite.pragma('foreign_keys = ON')
  sqlite.pragma('synchronous = NORMAL')
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: sqlite }) })
  return { db, sqlite }
}

/** SQLite refused a row a UNIQUE index already holds: the race a check before the insert cannot close. */
export function isUniqueViolation(error: unknown): error is Error {
  return error instanceof Error && (error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE'
}
