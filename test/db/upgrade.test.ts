// Upgrading a self-hoster's database: every landed release's database (as its migrations left it,
// with data in it) must migrate with HEAD, keep every row it had, end with the same schema as a
// fresh install, and serve pages. test/fixtures/releases.json lists each release's migrations with
// their SHA-256, which also proves no applied migration was edited afterwards.
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import type SQLite from 'better-sqlite3'
import { sql } from 'kysely'
import { buildApp } from '../../src/app.ts'
import { openDatabase, type OpenedDatabase } from '../../src/db/database.ts'
import { checkMigrationOrder, migrateToLatest } from '../../src/db/migrate.ts'
import { migrationsDir, projectRoot } from '../../src/paths.ts'
import { hashPassword } from '../../src/shared/crypto.ts'
import { fixedClock } from '../../src/shared/dates.ts'
import { OWNER, seedCompany, TEST_NOW, TEST_SECRET, testConfig } from '../helpers/app.ts'
import { TestClient } from '../helpers/client.ts'
import { insertDocument, insertProduct, insertTransaction } from '../helpers/document-fixtures.ts'
import { insertShop } from '../helpers/transaction-fixtures.ts'

interface Release {
  commit: string
  note: string
  migrations: Array<{ name: string; sha256: string }>
}
const { releases } = JSON.parse(readFileSync(join(projectRoot, 'test/fixtures/releases.json'), 'utf8')) as {
  releases: Release[]
}

const work = mkdtempSync(join(tmpdir(), 'biurko-upgrade-'))
t.teardown(() => rmSync(work, { recursive: true, force: true }))

const headMigrations = readdirSync(migrationsDir)
  .filter((f) => f.endsWith('.sql'))
  .map((f) => f.replace(/\.sql$/, ''))
  .sort()

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex')
}

/** A migrations folder holding only the named files, as they are in HEAD's migrations/. */
function folderOf(name: string, migrations: string[]): string {
  const folder = join(work, name)
  mkdirSync(folder)
  for (const migration of migrations)
    copyFileSync(join(migrationsDir, `${migration}.sql`), join(folder, `${migration}.sql`))
  return folder
}

function tablesOf(sqlite: SQLite.Database): string[] {
  return (
    sqlite
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'kysely_%' ORDER BY name"
      )
      .all() as Array<{ name: string }>
  ).map((r) => r.name)
}

/** Everything that makes up the schema, independent of the order it was created in. */
function schemaOf(sqlite: SQLite.Database): string[] {
  const objects = (
    sqlite
      .prepare(
        "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND name NOT LIKE 'kysely_%'"
      )
      .all() as Array<Record<string, string>>
  ).map((o) => `${o.type} ${o.name} on ${o.tbl_name}: ${o.sql ?? ''}`)
  const columns = tablesOf(sqlite).flatMap((table) =>
    (sqlite.prepare(`SELECT * FROM pragma_table_xinfo('${table}')`).all() as Array<Record<string, unknown>>).map(
      (c) => `${table}.${JSON.stringify(c)}`
    )
  )
  return [...objects, ...columns].sort()
}

function rowsOf(sqlite: SQLite.Database, table: string, columns: string[]): unknown[] {
  // every column as the sort key: some tables are WITHOUT ROWID or virtual
  return sqlite
    .prepare(
      `SELECT ${columns.map((c) => `"${c}"`).join(', ')} FROM "${table}" ORDER BY ${columns.map((_, i) => i + 1).join(', ')}`
    )
    .raw()
    .all()
}

function columnsOf(sqlite: SQLite.Database, table: string): string[] {
  return (sqlite.prepare(`SELECT name FROM pragma_table_info('${table}')`).all() as Array<{ name: string }>).map(
    (c) => c.name
  )
}

/** What a shop has after a few weeks: the owner, a transaction, a product, issued documents. */
async function fill({ db }: OpenedDatabase): Promise<{ documentNumber: string; documentId: number }> {
  await seedCompany(db)
  // in the columns of 0001, not through today's seedUser: later migrations add user columns
  await sql`INSERT INTO users (login, name, password_hash, role, perm_allegro, perm_magazyn, perm_ksiegowosc, created_at, updated_at)
    VALUES (${OWNER.login}, ${OWNER.name}, ${await hashPassword(OWNER.password)}, 'owner', 1, 1, 1, ${TEST_NOW}, ${TEST_NOW})`.execute(
    db
  )
  const shopId = await insertShop(db, { name: 'Sklep na Allegro', connected: false })
  const { itemIds } = await insertTransaction(db, shopId, [
    { offerName: 'Kubek ceramiczny', quantity: 2, unitPrice: 2999 }
  ])
  const productId = await insertProduct(db, {
    name: 'Kubek ceramiczny',
    sku: 'KUB-1',
    stockMilli: 10000,
    priceGross: 2999
  })
  const { documentId } = await insertDocument(db, {
    type: 'faktura',
    lines: [{ name: 'Kubek ceramiczny', quantityMilli: 2000, transactionItemId: itemIds[0], productId }]
  })
  await insertDocument(db, { type: 'paragon', lines: [{ name: 'Kubek ceramiczny', quantityMilli: 1000 }] })
  const document = await db
    .selectFrom('documents')
    .select('number')
    .where('id', '=', documentId)
    .executeTakeFirstOrThrow()
  return { documentNumber: document.number, documentId }
}

t.test('each release lists migrations that are still in HEAD, unedited', async (t) => {
  t.ok(releases.length >= 2, 'at least the two landed releases are listed')
  for (const release of releases) {
    for (const { name, sha256: expected } of release.migrations) {
      t.ok(headMigrations.includes(name), `${release.commit}: ${name} is still in migrations/`)
      if (headMigrations.includes(name))
        t.equal(
          sha256(join(migrationsDir, `${name}.sql`)),
          expected,
          `${release.commit}: ${name} is unchanged since it was released`
        )
    }
  }
})

const fresh = openDatabase(join(work, 'fresh.sqlite'))
await migrateToLatest(fresh.db, fresh.sqlite)
const freshSchema = schemaOf(fresh.sqlite)
await fresh.db.destroy()

for (const release of releases) {
  t.test(
    `a database from release ${release.commit} upgrades with HEAD and keeps its data (${release.note})`,
    async (t) => {
      const file = join(work, `${release.commit}.sqlite`)
      const old = openDatabase(file)
      const applied = await migrateToLatest(
        old.db,
        old.sqlite,
        folderOf(
          release.commit,
          release.migrations.map((m) => m.name)
        )
      )
      t.same(
        applied,
        release.migrations.map((m) => m.name),
        'the release database runs exactly its own migrations'
      )
      const { documentNumber, documentId } = await fill(old)
      const before = new Map(
        tablesOf(old.sqlite).map((table) => {
          const columns = columnsOf(old.sqlite, table)
          return [table, { columns, rows: rowsOf(old.sqlite, table, columns) }]
        })
      )
      t.ok((before.get('documents')?.rows.length ?? 0) >= 2, 'the release database holds documents before the upgrade')
      await old.db.destroy()

      const upgraded = openDatabase(file)
      t.teardown(() => upgraded.db.destroy())
      const ran = await migrateToLatest(upgraded.db, upgraded.sqlite)
      t.same(
        ran,
        headMigrations.filter((name) => !release.migrations.some((m) => m.name === name)),
        'HEAD runs every migration the release lacked, and only those'
      )
      t.same(schemaOf(upgraded.sqlite), freshSchema, 'the upgraded schema equals a fresh install of HEAD')
      for (const [table, { columns, rows }] of before) {
        t.same(rowsOf(upgraded.sqlite, table, columns), rows, `${table}: every row and value is kept`)
      }
      t.same(await migrateToLatest(upgraded.db, upgraded.sqlite), [], 'a second start runs nothing')

      const app = await buildApp(testConfig(), { appSecret: TEST_SECRET, now: fixedClock(TEST_NOW), db: upgraded.db })
      t.teardown(() => app.close())
      await app.ready()
      const owner = new TestClient(app)
      await owner.login(OWNER.login, OWNER.password)
      const page = await owner.get(`/przychody/dokumenty/${documentId}`)
      t.equal(page.statusCode, 200, 'the owner logs in and opens an old document')
      t.match(page.body, documentNumber, 'the old document shows its number')
    }
  )
}

t.test('a new migration numbered below an applied one stops the upgrade before anything runs', async (t) => {
  const latest = releases.at(-1)
  if (latest === undefined) throw new Error('no release listed')
  const file = join(work, 'misnumbered.sqlite')
  const { db, sqlite } = openDatabase(file)
  t.teardown(() => db.destroy())
  const names = latest.migrations.map((m) => m.name)
  const folder = folderOf('misnumbered', names)
  await migrateToLatest(db, sqlite, folder)
  const lastApplied = names.at(-1) ?? ''
  const misnumbered = `${String(Number(lastApplied.slice(0, 4)) - 1).padStart(4, '0')}_late_arrival`
  writeFileSync(join(folder, `${misnumbered}.sql`), 'CREATE TABLE late_arrival (id INTEGER PRIMARY KEY) STRICT;')
  await t.rejects(
    migrateToLatest(db, sqlite, folder),
    new RegExp(`${misnumbered} sorts before the already applied migration ${lastApplied}`)
  )
  t.notOk(tablesOf(sqlite).includes('late_arrival'), 'the misnumbered migration did not run')
})

t.test('the order rule: only the two historic files may sort below an applied migration', async (t) => {
  const applied = ['0001_a', '0300_documents', '0700_corrections']
  t.doesNotThrow(() =>
    checkMigrationOrder(
      [...applied, '0210_transactions_search_deferred', '0450_offer_stock_pushes', '0701_next'],
      applied
    )
  )
  t.throws(() => checkMigrationOrder([...applied, '0699_between'], applied), /0699_between sorts before/)
  t.doesNotThrow(() => checkMigrationOrder(['0001_a', '0002_b'], []), 'a fresh database has no order to keep')
})
