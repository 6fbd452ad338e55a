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

  constructor(sqlite: SQLite.Database, folder: string) {
    this.sqlite = sqlite
    this.folder = folder
  }

  async getMigrations(): Promise<Record<string, Migration>> {
    const migrations: Record<string, Migration> = {}
    for (const name of migrationNames(this.folder)) {
      const text = readFileSync(join(this.folder, `${name}.sql`), 'utf8')
      migrations[name] = {
        up: async () => {
          this.sqlite.exec(text)
        }
      }
    }
    return migrations
  }
}

/**
 * The two migrations that landed with a number below one already released: databases made with
 * the migrations as of ac903a8 had run 0500, 0650 and 0700 when 0210 and 0450 were added. Both
 * are independent of everything numbered after them (0210 replaces the transactions search
 * triggers of 0200, 0450 adds a new table referencing 0100/0002/0400 tables), so running them
 * after 0700 gives the same schema as running them in order. They are the only exceptions;
 * every other new migration must sort after every applied one (see checkMigrationOrder).
 */
const HISTORIC_OUT_OF_ORDER = new Set(['0210_transactions_search_deferred', '0450_offer_stock_pushes'])

function migrationNames(folder: string): string[] {
  return readdirSync(folder)
    .filter((f) => f.endsWith('.sql'))
    .map((f) => f.replace(/\.sql$/, ''))
    .sort()
}

function executedMigrationNames(sqlite: SQLite.Database): string[] {
  const table = sqlite.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'kysely_migration'").get()
  if (table === undefined) return []
  return (sqlite.prepare('SELECT name FROM kysely_migration').all() as Array<{ name: string }>).map((r) => r.name)
}

/**
 * A pending migration that sorts below an applied one would run after it on an upgraded
 * database but before it on a fresh one: two schemas from one release. Refuse it, so whoever
 * adds it renumbers it above the last released migration.
 */
export function checkMigrationOrder(available: string[], executed: string[]): void {
  const done = new Set(executed)
  const lastExecuted = [...executed].sort().at(-1)
  if (lastExecuted === undefined) return
  const misplaced = available.filter(
    (name) => !done.has(name) && name < lastExecuted && !HISTORIC_OUT_OF_ORDER.has(name)
  )
  if (misplaced.length > 0) {
    throw new Error(
      `Migration ${misplaced.join(', ')} sorts before the already applied migration ${lastExecuted}; ` +
        'a new migration must have a number above every applied one (rename the file, never edit an applied one)'
    )
  }
}

export async function migrateToLatest(
  db: Kysely<any>,
  sqlite: SQLite.Database,
  folder = migrationsDir
): Promise<string[]> {
  checkMigrationOrder(migrationNames(folder), executedMigrationNames(sqlite))
  // Order is enforced by checkMigrationOrder (with the two historic exceptions) instead of
  // Kysely's all-or-nothing check; pending migrations still run in name order.
  const migrator = new Migrator({
    db,
    provider: new SqlFileMigrationProvider(sqlite, folder),
    allowUnorderedMigrations: true
  })
  const { error, results } = await migrator.migrateToLatest()
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName
    throw new Error(`Migration ${failed ?? ''} failed: ${error instanceof Error ? error.message : String(error)}`)
  }
  return (results ?? []).map((r) => r.migrationName)
}
