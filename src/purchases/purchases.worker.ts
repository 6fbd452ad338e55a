// The schedule of Pobierz z KSeF: every KSEF_PURCHASES_INTERVAL_MS (30 minutes by default; KSeF
// allows 20 metadata queries an hour and advises 15 minutes at least between runs) the purchase
// invoices are downloaded by themselves, when a KSeF connection is set up. Runs never overlap
// (and the sync's claim keeps a run by hand and a scheduled one apart too).
import type { FastifyInstance } from 'fastify'
import { connectionOf } from '../ksef/connection.queries.ts'
import { ksefDepsOf } from '../ksef/ksef-worker.ts'
import { startIntervalWorker, type IntervalWorker } from '../shared/interval-worker.ts'
import { downloadPurchases, type SyncResult } from './purchases.sync.ts'

export type PurchaseWorker = IntervalWorker<SyncResult | null>

export function startPurchaseWorker(app: FastifyInstance, opts: { intervalMs?: number } = {}): PurchaseWorker {
  return startIntervalWorker({
    intervalMs: opts.intervalMs ?? app.ctx.config.ksef.purchasesIntervalMs,
    run: async () => ((await connectionOf(app.db)) === undefined ? null : await downloadPurchases(ksefDepsOf(app))),
    idle: null,
    onError: (error) => {
      app.log.error({ err: error }, 'downloading purchase invoices failed')
    }
  })
}
