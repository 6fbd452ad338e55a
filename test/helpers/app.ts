import { randomBytes, scryptSync } from 'node:crypto'
import SQLite from 'better-sqlite3'
import type { FastifyInstance } from 'fastify'
import { Kysely, SqliteDialect } from 'kysely'
import { buildApp, type AppDeps } from '../../src/app.ts'
import { loadConfig, type Config } from '../../src/config.ts'
import { openDatabase, type Database } from '../../src/db/database.ts'
import type { DB } from '../../src/db/schema.gen.ts'
import { migrateToLatest } from '../../src/db/migrate.ts'
import { fixedClock } from '../../src/shared/dates.ts'
import type { ScryptCost } from '../../src/shared/crypto.ts'
import { TestClient } from './client.ts'

export const TEST_SECRET = Buffer.alloc(32, 7)
export const TEST_NOW = '2026-11-16T10:00:00.000+01:00'
export const OWNER = { login: 'wlasciciel', password: 'tajne-haslo-123', name: 'Jan Kowalski' }

interface Tap {
  teardown: (fn: () => unknown) => void
}

export function testConfig(overrides: Record<string, string> = {}): Config {
  // the white list aims at a closed loopback port: no test reaches the Ministry's server.
  // Templates are cached as in production (TEMPLATE_CACHE defaults to true); uncached, every
  // page view read and compiled its template, layout and partials again.
  return loadConfig({
    LOG_LEVEL: 'silent',
    SIMULATOR_ENABLED: 'false',
    PUBLIC_URL: 'http://localhost',
    WHITELIST_API_URL: 'http://127.0.0.1:9',
    ...overrides
  })
}

// The migrations run once per test process, on a database opened exactly as the app opens
// one; every later call gets its own in-memory copy of that file (SQLite's serialize), with the
// connection pragmas read back from the template connection, so nothing is shared between tests.
let template: Promise<{ image: Buffer; pragmas: Array<[string, unknown]> }> | undefined
const CONNECTION_PRAGMAS = ['busy_timeout', 'foreign_keys', 'synchronous']

async function migratedTemplate(): Promise<{ image: Buffer; pragmas: Array<[string, unknown]> }> {
  const { db, sqlite } = openDatabase(':memory:')
  await migrateToLatest(db, sqlite)
  const pragmas = CONNECTION_PRAGMAS.map((name): [string, unknown] => [name, sqlite.pragma(name, { simple: true })])
  const image = sqlite.serialize()
  await db.destroy()
  return { image, pragmas }
}

export async function migratedMemoryDb(): Promise<Database> {
  template ??= migratedTemplate()
  const { image, pragmas } = await template
  const sqlite = new SQLite(image)
  for (const [name, value] of pragmas) sqlite.pragma(`${name} = ${String(value)}`)
  return new Kysely<DB>({ dialect: new SqliteDialect({ database: sqlite }) })
}

// The production cost (SCRYPT_COST, about 0.3 s a hash here) is exercised in
// test/users/passwords.test.ts, which builds its app with it, and in test/shared/money-nip.test.ts.
// Every other app gets TEST_PASSWORD_COST, and users seeded straight into the database are hashed
// at it: a login checks the password for real, only cheaper, and no login rehashes.
const TEST_PASSWORD_COST: ScryptCost = { N: 1024, r: 8, p: 1 }
function seedPasswordHash(password: string): string {
  const salt = randomBytes(16)
  const { N, r, p } = TEST_PASSWORD_COST
  const hash = scryptSync(password, salt, 32, { N, r, p })
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64')}$${hash.toString('base64')}`
}

export interface BuildOptions extends Partial<AppDeps> {
  config?: Record<string, string>
  /** 'none': no company and no users (first run); 'company': owner + company (default) */
  state?: 'none' | 'company'
  company?: Partial<CompanyFixture>
}

export interface CompanyFixture {
  name: string
  nip: string
  vat_status: 'czynny' | 'zwolniony'
  tax_form: 'kpir' | 'ryczalt'
  ryczalt_rate_bp: number | null
  package: 'ksiegowosc' | 'ksiegowosc_magazyn'
  bank_account: string
  vat_exemption_basis: string
  allegro_enabled: number
  allegro_auto_close: number
  auto_book: number
  block_negative_stock: number
  default_vat_rate: string
}

export interface Built {
  app: FastifyInstance
  db: Database
  clock: ReturnType<typeof fixedClock>
  /** a logged-in browser-like client for the owner (when state is 'company') */
  owner: TestClient
  anonymous: TestClient
}

export async function seedCompany(db: Database, company: Partial<CompanyFixture> = {}): Promise<void> {
  const now = new Date(TEST_NOW).toISOString()
  await db
    .insertInto('company')
    .values({
      id: 1,
      name: 'Sklep Testowy Sp. z o.o.',
      nip: '5261040828',
      street: 'ul. Prosta 1',
      postal_code: '00-001',
      city: 'Warszawa',
      bank_account: '61109010140000071219812874',
      vat_status: 'czynny',
      tax_form: 'kpir',
      package: 'ksiegowosc',
      created_at: now,
      updated_at: now,
      ...company
    })
    .execute()
}

export async function seedUser(
  db: Database,
  user: {
    login: string
    password: string
    name?: string
    role?: 'owner' | 'user'
    allegro?: boolean
    magazyn?: boolean
    ksiegowosc?: boolean
    dokumenty?: boolean
    administracja?: boolean
    disabled?: boolean
  }
): Promise<number> {
  const now = new Date(TEST_NOW).toISOString()
  const row = await db
    .insertInto('users')
    .values({
      login: user.login,
      name: user.name ?? user.login,
      password_hash: seedPasswordHash(user.password),
      role: user.role ?? 'user',
      perm_allegro: user.allegro || user.role === 'owner' ? 1 : 0,
      perm_magazyn: user.magazyn || user.role === 'owner' ? 1 : 0,
      perm_ksiegowosc: user.ksiegowosc || user.role === 'owner' ? 1 : 0,
      // documents stay open unless a test says otherwise: most tests predate the permission
      perm_dokumenty: user.dokumenty !== false || user.role === 'owner' ? 1 : 0,
      perm_administracja: user.administracja || user.role === 'owner' ? 1 : 0,
      disabled: user.disabled ? 1 : 0,
      created_at: now,
      updated_at: now
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return row.id
}

/** A fresh app on its own migrated in-memory database, with a fixed clock. */
export async function build(t: Tap, opts: BuildOptions = {}): Promise<Built> {
  const db = opts.db ?? (await migratedMemoryDb())
  const clock = fixedClock(TEST_NOW)
  if ((opts.state ?? 'company') === 'company') {
    await seedCompany(db, opts.company)
    await seedUser(db, { ...OWNER, role: 'owner' })
  }
  const app = await buildApp(testConfig(opts.config), {
    appSecret: TEST_SECRET,
    now: clock,
    passwordCost: TEST_PASSWORD_COST,
    ...opts,
    db
  })
  await app.ready()
  t.teardown(async () => {
    await app.close()
    await db.destroy()
  })
  const owner = new TestClient(app)
  if ((opts.state ?? 'company') === 'company') await owner.login(OWNER.login, OWNER.password)
  return { app, db, clock, owner, anonymous: new TestClient(app) }
}
