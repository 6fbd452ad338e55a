// Pobierz z KSeF against the built-in simulator over loopback HTTP: the seeded purchase invoices
// arrive once each, untrusted files are flagged, and a run cut off half-way by a fault resumes
// from the stored high-water mark with no duplicates and no gaps.
import t from 'tap'
import { setup, NIP, type Setup } from '../ksef/helpers/sim-setup.ts'
import { downloadPurchases } from '../../src/purchases/purchases.sync.ts'
import { extraPurchase, ALLEGRO_NIP, HOSTILE_NIP, BROKEN_NIP, EUR_SELLER_NIP } from '../../src/simulators/ksef/purchases.ts'

async function stored (s: Setup) {
  return await s.built.db.selectFrom('purchase_invoices').selectAll().orderBy('permanent_storage_date').orderBy('id').execute()
}

/** KSeF numbers the simulator lists for the buyer (its own view, all of them). */
function simNumbers (s: Setup): string[] {
  const answer = s.sim.queryInvoiceMetadata({ nip: NIP, authReferenceNumber: '', exp: 0 }, { subjectType: 'Subject2', dateRange: { dateType: 'PermanentStorage', from: '2026-09-01T00:00:00Z' } }, { pageSize: '250' }) as { invoices: Array<{ ksefNumber: string }> }
  return answer.invoices.map((i) => i.ksefNumber).sort()
}

function downloads (s: Setup): number {
  return s.sim.faults.history.length
}

t.test('the first download stores every seeded purchase invoice once and flags the untrusted ones', async (t) => {
  const s = await setup(t)
  const first = await downloadPurchases(s.deps)
  t.ok(first.ok, first.message)
  t.ok(first.complete)
  const rows = await stored(s)
  t.equal(rows.length, 6, 'six seeded invoices')
  t.same(rows.map((r) => r.ksef_number).sort(), simNumbers(s), 'exactly the simulator\'s list')
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
  t.equal(hostile.seller_name, '<script>alert("sprzedawca")</script> Podejrzana Firma & Syn', 'stored as received, escaped only when shown')
  const broken = bySeller.get(BROKEN_NIP)!
  t.equal(broken.needs_review, 1)
  t.match(broken.review_reasons, /UTF-8/)
  t.ok(broken.xml !== null && broken.xml.length > 0, 'the broken file is kept as received')
  t.equal(broken.seller_name, null, 'nothing parsed from it')
  const rates = await s.built.db.selectFrom('purchase_invoice_rates').selectAll().where('purchase_invoice_id', '=', rows.find((r) => r.meta_seller_nip === '7789458078' && r.invoice_kind === 'VAT')!.id).orderBy('rate').execute()
  t.same(rates.map((r) => [r.rate, r.net, r.vat]), [['23', 71_600, 16_468], ['8', 11_000, 880]], 'per-rate net and VAT of the 23 % + 8 % invoice')

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

t.test('a fault half-way, then a rerun: no duplicates, no gaps', async (t) => {
  const s = await setup(t)
  s.sim.seedPurchases(NIP)
  const at = s.built.clock().toMillis()
  // 24 more invoices, three of them sharing each permanent-storage instant (page borders fall inside)
  for (let i = 0; i < 24; i++) {
    const extra = extraPurchase(NIP, i + 1, at - 3 * 3_600_000)
    s.sim.addReceivedInvoice({ ...extra, storedAtMs: at - 3 * 3_600_000 + Math.floor(i / 3) * 1000 })
  }
  t.equal(simNumbers(s).length, 30)
  // the 15th file download fails, and every retry of it too
  s.sim.faults.add({ method: 'GET', path: '/invoices/ksef', kind: 'status', status: 500, skip: 14, times: 10 })
  const first = await downloadPurchases(s.deps, { pageSize: 10 })
  t.notOk(first.ok, first.message)
  t.match(first.message, /Pobieranie przerwane/)
  t.equal(first.stored, 10, 'the first page stored')
  const rowsAfterFault = await stored(s)
  t.equal(rowsAfterFault.length, 10)
  const mark = (await s.built.db.selectFrom('purchase_sync').select('continue_from').executeTakeFirstOrThrow()).continue_from
  t.equal(mark, rowsAfterFault.at(-1)!.permanent_storage_date, 'the mark is the last stored page\'s last date')
  t.equal((await s.built.db.selectFrom('purchase_sync').select('claimed_until').executeTakeFirstOrThrow()).claimed_until, null, 'the claim is released after the failure')

  s.sim.faults.clear()
  const second = await downloadPurchases(s.deps, { pageSize: 10 })
  t.ok(second.ok, second.message)
  const rows = await stored(s)
  t.equal(rows.length, 30, 'all thirty')
  t.equal(new Set(rows.map((r) => r.ksef_number)).size, 30, 'each once')
  t.same(rows.map((r) => r.ksef_number).sort(), simNumbers(s), 'none missing')
  t.equal(second.stored, 20)
})

t.test('a truncated listing (the 10 000-record cap, here 12) continues from the last date', async (t) => {
  const s = await setup(t)
  s.sim.seedPurchases(NIP)
  s.sim.metadataRecordLimit = 12
  const at = s.built.clock().toMillis()
  for (let i = 0; i < 20; i++) s.sim.addReceivedInvoice({ ...extraPurchase(NIP, i + 1, at), storedAtMs: at - 3_600_000 + i * 1000 })
  const result = await downloadPurchases(s.deps, { pageSize: 10 })
  t.ok(result.ok, result.message)
  const rows = await stored(s)
  t.equal(rows.length, 26)
  s.sim.metadataRecordLimit = 10_000
  t.same(rows.map((r) => r.ksef_number).sort(), simNumbers(s))
})

t.test('a mark older than three months is caught up window by window, new invoices arrive later', async (t) => {
  const s = await setup(t)
  s.sim.seedPurchases(NIP)
  await downloadPurchases(s.deps)
  t.equal((await stored(s)).length, 6)
  // a year later (the window from the mark to now is longer than the API allows)
  s.built.clock.advance(365 * 86_400_000)
  s.sim.addReceivedInvoice({ ...extraPurchase(NIP, 99, s.built.clock().toMillis()), storedAtMs: s.built.clock().toMillis() - 60_000 })
  const later = await downloadPurchases(s.deps, { maxPages: 20 })
  t.ok(later.ok, later.message)
  t.ok(later.complete)
  t.ok(later.pages >= 5, `one query per 3-month window (${later.pages})`)
  t.equal((await stored(s)).length, 7)
})

t.test('no connection: a clear message, nothing stored', async (t) => {
  const s = await setup(t, { connect: false })
  const result = await downloadPurchases(s.deps)
  t.notOk(result.ok)
  t.match(result.message, /USTAWIENIA » INTEGRACJE » KSeF/)
})
