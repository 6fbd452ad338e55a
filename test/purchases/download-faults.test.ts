// Pobierz z KSeF against the built-in simulator over loopback HTTP, the hard cases: a run cut off
// half-way by a fault resumes from the stored high-water mark with no duplicates and no gaps; a
// truncated listing; a mark older than the API's three-month range.
import t from 'tap'
import { setup, NIP, type Setup } from '../ksef/helpers/sim-setup.ts'
import { downloadPurchases } from '../../src/purchases/purchases.sync.ts'
import { extraPurchase } from '../../src/simulators/ksef/purchases.ts'

/** paging is what these tests are about; the XSD check has its own test in download.test.ts */
const noSchema = async (xmls: string[]): Promise<string[][]> => xmls.map(() => [])

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
  const first = await downloadPurchases(s.deps, { pageSize: 10, schemaCheck: noSchema })
  t.notOk(first.ok, first.message)
  t.match(first.message, /Pobieranie przerwane/)
  t.equal(first.stored, 10, 'the first page stored')
  const rowsAfterFault = await stored(s)
  t.equal(rowsAfterFault.length, 10)
  const mark = (await s.built.db.selectFrom('purchase_sync').select('continue_from').executeTakeFirstOrThrow())
    .continue_from
  t.equal(mark, rowsAfterFault.at(-1)!.permanent_storage_date, "the mark is the last stored page's last date")
  t.equal(
    (await s.built.db.selectFrom('purchase_sync').select('claimed_until').executeTakeFirstOrThrow()).claimed_until,
    null,
    'the claim is released after the failure'
  )

  s.sim.faults.clear()
  const second = await downloadPurchases(s.deps, { pageSize: 10, schemaCheck: noSchema })
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
  for (let i = 0; i < 20; i++)
    s.sim.addReceivedInvoice({ ...extraPurchase(NIP, i + 1, at), storedAtMs: at - 3_600_000 + i * 1000 })
  const result = await downloadPurchases(s.deps, { pageSize: 10, schemaCheck: noSchema })
  t.ok(result.ok, result.message)
  const rows = await stored(s)
  t.equal(rows.length, 26)
  s.sim.metadataRecordLimit = 10_000
  t.same(rows.map((r) => r.ksef_number).sort(), simNumbers(s))
})

t.test('a mark older than three months is caught up window by window, new invoices arrive later', async (t) => {
  const s = await setup(t)
  s.sim.seedPurchases(NIP)
  await downloadPurchases(s.deps, { schemaCheck: noSchema })
  t.equal((await stored(s)).length, 6)
  // a year later (the window from the mark to now is longer than the API allows)
  s.built.clock.advance(365 * 86_400_000)
  s.sim.addReceivedInvoice({
    ...extraPurchase(NIP, 99, s.built.clock().toMillis()),
    storedAtMs: s.built.clock().toMillis() - 60_000
  })
  const later = await downloadPurchases(s.deps, { maxPages: 20, schemaCheck: noSchema })
  t.ok(later.ok, later.message)
  t.ok(later.complete)
  t.ok(later.pages >= 5, `one query per 3-month window (${later.pages})`)
  t.equal((await stored(s)).length, 7)
})
