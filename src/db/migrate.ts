import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type SQLite from 'better-sqlite3'
import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely'
import { migrationsDir } from '../paths.ts'

// Migrations are plain SQL files run with exec() on the same handle, so they take part in
// the migrator's transaction; prepare() would refuse files with several statements.
class SqlFileMigrationProvider implements MigrationProvider {
  private readonly sqlite: SQLite.Database
  private readonly folder: string

  constructor (sqlite: SQLite.Database, folder: string) {
    this.sqlite = sqlite
    this.folder = folder
  }

  async getMigrations (): Promise<Record<string, Migration>> {
    const migrations: Record<string, Migration> = {}
    for (const file of readdirSync(this.folder).filter((f) => f.endsWith('.sql')).sort()) {
      const text = readFileSync(join(this.folder, file), 'utf8')
      migrations[file.replace(/\.sql$/, '')] = {
        up: async () => { this.sqlite.exec(text) }
      }
    }
    return migrations
  }
}

export async function migrateToLatest (db: Kysely<any>, sqlite: SQLite.Database, folder = migrationsDir): Promise<string[]> {
  const migrator = new Migrator({ db, provider: new SqlFileMigrationProvider(sqlite, folder) })
  const { error, results } = await migrator.migrateToLatest()
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName
    throw new Error(`Migration ${failed ?? ''} failed: ${error instanceof Error ? error.message : String(error)}`)
  }
  return (results ?? []).map((r) => r.migrationName)
}
