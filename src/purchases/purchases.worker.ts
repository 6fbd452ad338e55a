// The schedule of Pobierz z KSeF: every KSEF_PURCHASES_INTERVAL_MS (30 minutes by default; KSeF
// allows 20 metadata queries an hour and advises 15 minutes at least between runs) the purchase
// invoices are downloaded by themselves, when a KSeF connection is set up. Runs never overlap
// (and the sync's claim keeps a run by hand and a scheduled one apart too).
import type { FastifyInstance } from 'fastify'
import { connectionOf } from '../ksef/connection.queries.ts'
import { ksefDepsOf } from '../ksef/ksef-worker.ts'
import { downloadPurchases, type SyncResult } from './purchases.sync.ts'

export interface PurchaseWorker {
  tick: () => Promise<SyncResult | null>
  stop: () => Promise<void>
}

export function startPurchaseWorker (app: FastifyInstance, opts: { intervalMs?: number } = {}): PurchaseWorker {
  let stopped = false
  let running: Promise<SyncResult | null> | null = null
  const tick = async (): Promise<SyncResult | null> => {
    if (stopped) return null
    if (running !== null) return await running
    running = (async () => (await connectionOf(app.db)) === undefined ? null : await downloadPurchases(ksefDepsOf(app)))()
      .catch((error: unknown) => { app.log.error({ err: error }, 'downloading purchase invoices failed'); return null })
      .finally(() => { running = null })
    return await running
  }
  const timer = setInterval(() => { void tick() }, opts.intervalMs ?? app.ctx.config.ksef.purchasesIntervalMs)
  timer.unref()
  return {
    tick,
    stop: async () => {
      stopped = true
      clearInterval(timer)
      if (running !== null) await running
    }
  }
}
