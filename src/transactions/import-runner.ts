// Starting imports: POBIERZ NOWE TRANSAKCJE and the optional automatic import share one throttle
// (≥ 10 minutes between the starts of two imports of a shop, claimed in the database) and one
// in-process registry, so a shop never has two imports running at once.
import type { BackgroundContext } from '../plugins/context.ts'
import { DateTime } from 'luxon'
import { allegroClientForShop, type ShopClientOverrides } from '../allegro/shop-client.ts'
import type { Database } from '../db/database.ts'
import { toStoredTimestamp, ZONE } from '../shared/dates.ts'
import { describeImportError, importShop, type ImportOutcome, type OrdersApi } from './import.ts'
import { claimImportStart, getImportState, recordImportFinished } from './import.queries.ts'
import { summariseImport } from './import-summary.ts'
import { indexPendingSearch } from './search-index.ts'
import { startIntervalWorker } from '../shared/interval-worker.ts'

/** The seed's rule; the server's own minimum comes from IMPORT_MIN_INTERVAL_MINUTES (config). */
const IMPORT_GAP_MINUTES = 10
const AUTO_IMPORT_CHECK_MS = 60_000

export type ClientFactory = (app: BackgroundContext, shopId: number) => Promise<OrdersApi>

export type StartResult =
  | { kind: 'started'; shopId: number; shopName: string; done: Promise<ImportOutcome> }
  | { kind: 'throttled'; shopId: number; shopName: string; nextAllowedAt: DateTime }
  | { kind: 'running'; shopId: number; shopName: string; nextAllowedAt: DateTime | null }
  | { kind: 'unavailable'; shopId: number; shopName: string; message: string }

interface Running {
  done: Promise<ImportOutcome>
  controller: AbortController
}

// Keyed by the database, which every encapsulated Fastify context shares (the instances differ).
const registries = new WeakMap<Database, Map<number, Running>>()

function runningImports(app: BackgroundContext): Map<number, Running> {
  let map = registries.get(app.db)
  if (!map) {
    map = new Map()
    registries.set(app.db, map)
  }
  return map
}

export function isImportRunning(app: BackgroundContext, shopId: number): boolean {
  return runningImports(app).has(shopId)
}

/** When the next import of a shop may start, given when the last one did. */
export function nextAllowedAt(lastStartedAt: string | null, gapMinutes = IMPORT_GAP_MINUTES): DateTime | null {
  if (lastStartedAt === null) return null
  return DateTime.fromISO(lastStartedAt).plus({ minutes: gapMinutes }).setZone(ZONE)
}

export interface StartOptions {
  trigger: 'manual' | 'auto'
  /** at least the configured minimum; the automatic import passes the shop's own interval */
  gapMinutes?: number
  clientFactory?: ClientFactory
}

const defaultClientFactory =
  (overrides: ShopClientOverrides = {}): ClientFactory =>
  async (app, shopId) =>
    await allegroClientForShop(app, shopId, overrides)

/**
 * Starts an import of one shop in the background, unless the throttle or a running import says
 * no. The returned `done` never rejects: failures end up in the outcome and on the list page.
 */
export async function startImport(app: BackgroundContext, shopId: number, opts: StartOptions): Promise<StartResult> {
  const shop = await app.db
    .selectFrom('allegro_shops')
    .select(['id', 'name', 'connection_status', 'removed_at'])
    .where('id', '=', shopId)
    .executeTakeFirst()
  if (!shop || shop.removed_at !== null)
    return { kind: 'unavailable', shopId, shopName: shop?.name ?? '', message: 'Nie ma takiego sklepu Allegro.' }
  if (shop.connection_status !== 'connected') {
    return {
      kind: 'unavailable',
      shopId,
      shopName: shop.name,
      message: `Sklep ${shop.name} nie jest połączony z Allegro – połącz go w USTAWIENIA » INTEGRACJE » ALLEGRO.`
    }
  }
  const minimum = app.ctx.config.importMinIntervalMinutes
  const gap = Math.max(opts.gapMinutes ?? minimum, minimum)
  const running = runningImports(app)
  if (running.has(shopId)) {
    const state = await getImportState(app.db, shopId)
    return {
      kind: 'running',
      shopId,
      shopName: shop.name,
      nextAllowedAt: nextAllowedAt(state?.last_started_at ?? null, gap)
    }
  }

  const now = app.ctx.now()
  const claimed = await claimImportStart(app.db, shopId, {
    at: toStoredTimestamp(now),
    notBefore: toStoredTimestamp(now.minus({ minutes: gap })),
    trigger: opts.trigger
  })
  if (!claimed) {
    const state = await getImportState(app.db, shopId)
    return {
      kind: 'throttled',
      shopId,
      shopName: shop.name,
      nextAllowedAt: nextAllowedAt(state?.last_started_at ?? null, gap) ?? now
    }
  }

  const controller = new AbortController()
  const factory = opts.clientFactory ?? defaultClientFactory()
  const done = (async (): Promise<ImportOutcome> => {
    let outcome: ImportOutcome
    try {
      const api = await factory(app, shopId)
      const limits = {
        maxRequests: app.ctx.config.allegro.importMaxRequests,
        maxMs: app.ctx.config.allegro.importMaxMinutes * 60_000
      }
      outcome = await importShop(
        { db: app.db, api, now: app.ctx.now, log: app.log, signal: controller.signal, limits },
        shopId
      )
    } catch (error) {
      app.log.warn({ shopId, err: error }, 'allegro import could not start')
      outcome = {
        counts: { new: 0, updated: 0, unchanged: 0, deleted: 0, invalid: 0 },
        errors: [describeImportError(error)],
        completed: false
      }
    }
    try {
      await recordImportFinished(app.db, shopId, {
        at: toStoredTimestamp(app.ctx.now()),
        result: summariseImport(outcome.counts),
        error: outcome.errors.length === 0 ? null : outcome.errors.slice(0, 5).join(' ')
      })
    } catch (error) {
      app.log.error({ shopId, err: error }, 'could not record the import result')
    }
    return outcome
  })()
  running.set(shopId, { done, controller })
  void done.finally(() => running.delete(shopId))
  // The new orders are on the list already; their search text goes into the index in bulk while
  // the person reads the result (a search before that ends indexes them itself).
  const indexed = done.then(async () => {
    try {
      await indexPendingSearch(app.db)
    } catch (error) {
      app.log.error({ shopId, err: error }, 'could not index the imported orders for search')
    }
  })
  const indexing = indexingAfterImports(app)
  indexing.add(indexed)
  void indexed.finally(() => indexing.delete(indexed))
  return { kind: 'started', shopId, shopName: shop.name, done }
}

const indexings = new WeakMap<Database, Set<Promise<void>>>()

function indexingAfterImports(app: BackgroundContext): Set<Promise<void>> {
  let set = indexings.get(app.db)
  if (!set) {
    set = new Set()
    indexings.set(app.db, set)
  }
  return set
}

/** Stops running imports (they keep what they saved) and waits for them: for shutdown. */
export async function stopRunningImports(app: BackgroundContext): Promise<void> {
  const running = [...runningImports(app).values()]
  for (const entry of running) entry.controller.abort()
  await Promise.all(running.map(async (entry) => await entry.done))
  // the index work that follows them, too: it must not outlive the database
  await Promise.all([...indexingAfterImports(app)])
}

/** One round of the automatic import: every connected shop whose own interval has passed. */
export async function autoImportTick(app: BackgroundContext, clientFactory?: ClientFactory): Promise<StartResult[]> {
  const shops = await app.db
    .selectFrom('allegro_shops')
    .select(['id', 'auto_import_minutes'])
    .where('removed_at', 'is', null)
    .where('connection_status', '=', 'connected')
    .where('auto_import_minutes', '>=', IMPORT_GAP_MINUTES)
    .execute()
  const results: StartResult[] = []
  for (const shop of shops) {
    if (isImportRunning(app, shop.id)) continue
    results.push(
      await startImport(app, shop.id, {
        trigger: 'auto',
        gapMinutes: shop.auto_import_minutes ?? IMPORT_GAP_MINUTES,
        clientFactory
      })
    )
  }
  return results
}

export interface AutoImport {
  tick: () => Promise<StartResult[]>
  stop: () => Promise<void>
}

/**
 * The in-process timer of the automatic import (call from onReady, stop from onClose). Each
 * minute it starts the imports that are due; the database throttle keeps it from ever
 * starting closer than 10 minutes after any other import of the shop.
 */
export function startAutoImport(
  app: BackgroundContext,
  opts: { intervalMs?: number; clientFactory?: ClientFactory } = {}
): AutoImport {
  const worker = startIntervalWorker<StartResult[]>({
    intervalMs: opts.intervalMs ?? AUTO_IMPORT_CHECK_MS,
    run: async () => await autoImportTick(app, opts.clientFactory),
    idle: [],
    onError: (error) => {
      app.log.error({ err: error }, 'automatic import round failed')
    }
  })
  return {
    tick: worker.tick,
    stop: async () => {
      await worker.stop()
      await stopRunningImports(app)
    }
  }
}
