// Pobierz z KSeF against the built-in simulator over loopback HTTP: the seeded purchase invoices
// arrive once each, untrusted files are flagged, and a run cut off half-way by a fault resumes
// from the stored high-water mark with no duplicates and no gaps.
import t from 'tap'
import { setup, NIP, type Setup } from '../ksef/helpers/sim-setup.ts'
import { downloadPurchases } from '../../src/purchases/purchases.sync.ts'
import { startPurchaseWorker } from '../../src/purchases/purchases.worker.ts'
import { ALLEGRO_NIP, HOSTILE_NIP, BROKEN_NIP, EUR_SELLER_NIP } from '../../src/simulators/ksef/purchases.ts'

async function stored(s: Setup) {
  return await s.built.db
    .selectFrom('purchase_invoices')
    .selectAll()
    .orderBy('permanent_storage_date')
    .orderBy('id')
    .execute()
}

/** KSeF numbers the simulator lists for the buyer (its own view, all of them). */
function simNumbers(s: Setup): string[] {
  const answer = s.sim.queryInvoiceMetadata(
    { nip: NIP, authReferenceNumber: '', exp: 0 },
    { subjectType: 'Subject2', dateRange: { dateType: 'PermanentStorage', from: '2026-09-01T00:00:00Z' } },
    { pageSize: '250' }
  ) as { invoices: Array<{ ksefNumber: string }> }
  return answer.invoices.map((i) => i.ksefNumber).sort()
}

t.test('the first download stores every seeded purchase invoice once and flags the untrusted ones', async (t) => {
  const s = await setup(t)
  const first = await downloadPurchases(s.deps)
  t.ok(first.ok, first.message)
  t.ok(first.complete)
  const rows = await stored(s)
  t.equal(rows.length, 6, 'six seeded invoices')
  t.same(rows.map((r) => r.ksef_number).sort(), simNumbers(s), "exactly the simulator's list")
  const bySeller = new Map(rows.map((r) => [r.meta_seller_nip, r]))
  const allegro = bySeller.get(ALLEGRO_NIP)!
  t.equal(allegro.seller_name, 'Allegro sp. z o.o.')
  t.equal(allegro.gross, 147_600)
  t.equal(allegro.needs_review, 0, allegro.review_reasons)
  const eur = bySeller.get(EUR_SELLER_NIP)!
  t.equal(eur.currency, 'EUR')
  t.equal(eur.vat, 4_600, 'VAT in EUR cents')
  t.equal(eur.vat_pln, 19_550, 'VAT in PLN from P_14_1W')
  t.equal(eur.needs_review, 0, eur.review_reasons)
  const correction = rows.find((r) => r.invoice_kind === 'KOR')!
  t.equal(correction.gross, -12_300)
  t.equal(correction.needs_review, 0, correction.review_reasons)
  const hostile = bySeller.get(HOSTILE_NIP)!
  t.equal(hostile.needs_review, 1)
  t.match(hostile.review_reasons, /nieprawdopodobnie wysokie/)
  t.equal(
    hostile.seller_name,
    '<script>alert("sprzedawca")</script> Podejrzana Firma & Syn',
    'stored as received, escaped only when shown'
  )
  const broken = bySeller.get(BROKEN_NIP)!
  t.equal(broken.needs_review, 1)
  t.match(broken.review_reasons, /UTF-8/)
  t.ok(broken.xml !== null && broken.xml.length > 0, 'the broken file is kept as received')
  t.equal(broken.seller_name, null, 'nothing parsed from it')
  const rates = await s.built.db
    .selectFrom('purchase_invoice_rates')
    .selectAll()
    .where(
      'purchase_invoice_id',
      '=',
      rows.find((r) => r.meta_seller_nip === '7789458078' && r.invoice_kind === 'VAT')!.id
    )
    .orderBy('rate')
    .execute()
  t.same(
    rates.map((r) => [r.rate, r.net, r.vat]),
    [
      ['23', 71_600, 16_468],
      ['8', 11_000, 880]
    ],
    'per-rate net and VAT of the 23 % + 8 % invoice'
  )

  const sync = await s.built.db.selectFrom('purchase_sync').selectAll().executeTakeFirstOrThrow()
  t.equal(sync.context_nip, NIP)
  t.equal(sync.environment, 'symulator')
  t.equal(sync.continue_from, new Date(s.sim.permanentStorageHwm()).toISOString(), 'the mark is the HWM KSeF reported')
  t.equal(sync.claimed_until, null)

  // a second run: nothing new, no file fetched again
  const before = s.responses.length
  const again = await downloadPurchases(s.deps)
  t.ok(again.ok, again.message)
  t.equal(again.stored, 0)
  t.equal((await stored(s)).length, 6)
  t.ok(s.responses.length - before <= 2, 'only the metadata query (and no downloads) on a rerun')
})

t.test('no connection: a clear message, nothing stored', async (t) => {
  const s = await setup(t, { connect: false })
  const result = await downloadPurchases(s.deps)
  t.notOk(result.ok)
  t.match(result.message, /USTAWIENIA » INTEGRACJE » KSeF/)
})

t.test('the schedule downloads by itself once KSeF is connected', async (t) => {
  const s = await setup(t)
  const worker = startPurchaseWorker(s.built.app, { intervalMs: 3_600_000 })
  t.teardown(worker.stop)
  const [a, b] = await Promise.all([worker.tick(), worker.tick()])
  t.ok(a?.ok, a?.message ?? '')
  t.equal(a, b, 'a tick during a run waits for it instead of starting another')
  t.equal((await stored(s)).length, 6)
  t.equal(s.built.app.ctx.config.ksef.purchasesIntervalMs, 1_800_000, 'every 30 minutes by default')
})
