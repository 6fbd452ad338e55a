import type { FastifyInstance } from 'fastify'
import { buildApp, type AppDeps } from '../../src/app.ts'
import { loadConfig, type Config } from '../../src/config.ts'
import { openDatabase, type Database } from '../../src/db/database.ts'
import { migrateToLatest } from '../../src/db/migrate.ts'
import { hashPassword } from '../../src/shared/crypto.ts'
import { fixedClock } from '../../src/shared/dates.ts'
import { TestClient } from './client.ts'

export const TEST_SECRET = Buffer.alloc(32, 7)
export const TEST_NOW = '2026-11-16T10:00:00.000+01:00'
export const OWNER = { login: 'wlasciciel', password: 'tajne-haslo-123', name: 'Jan Kowalski' }

interface Tap {
  teardown: (fn: () => unknown) => void
}

export function testConfig (overrides: Record<string, string> = {}): Config {
  // the white list aims at a closed loopback port: no test reaches the Ministry's server
  return loadConfig({ TEMPLATE_CACHE: 'false', LOG_LEVEL: 'silent', SIMULATOR_ENABLED: 'false', PUBLIC_URL: 'http://localhost', WHITELIST_API_URL: 'http://127.0.0.1:9', ...overrides })
}

export async function migratedMemoryDb (): Promise<Database> {
  const { db, sqlite } = openDatabase(':memory:')
  await migrateToLatest(db, sqlite)
  return db
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

export async function seedCompany (db: Database, company: Partial<CompanyFixture> = {}): Promise<void> {
  const now = new Date(TEST_NOW).toISOString()
  await db.insertInto('company').values({
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
  }).execute()
}

// scrypt at the production cost takes a noticeable part of a second; every test seeds the same few
// passwords, so each is hashed once per test process (a fresh salt is no concern in fixtures)
const hashes = new Map<string, Promise<string>>()
function cachedHash (password: string): Promise<string> {
  let hash = hashes.get(password)
  if (!hash) { hash = hashPassword(password); hashes.set(password, hash) }
  return hash
}

export async function seedUser (db: Database, user: { login: string, password: string, name?: string, role?: 'owner' | 'user', allegro?: boolean, magazyn?: boolean, ksiegowosc?: boolean, dokumenty?: boolean, administracja?: boolean, disabled?: boolean }): Promise<number> {
  const now = new Date(TEST_NOW).toISOString()
  const row = await db.insertInto('users').values({
    login: user.login,
    name: user.name ?? user.login,
    password_hash: await cachedHash(user.password),
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
  }).returning('id').executeTakeFirstOrThrow()
  return row.id
}

/** A fresh app on its own migrated in-memory database, with a fixed clock. */
export async function build (t: Tap, opts: BuildOptions = {}): Promise<Built> {
  const db = opts.db ?? await migratedMemoryDb()
  const clock = fixedClock(TEST_NOW)
  if ((opts.state ?? 'company') === 'company') {
    await seedCompany(db, opts.company)
    await seedUser(db, { ...OWNER, role: 'owner' })
  }
  const app = await buildApp(testConfig(opts.config), { appSecret: TEST_SECRET, now: clock, ...opts, db })
  await app.ready()
  t.teardown(async () => {
    await app.close()
    await db.destroy()
  })
  const owner = new TestClient(app)
  if ((opts.state ?? 'company') === 'company') await owner.login(OWNER.login, OWNER.password)
  return { app, db, clock, owner, anonymous: new TestClient(app) }
}
