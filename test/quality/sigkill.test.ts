// The real server (src/server.ts in a child process, SQLite file on disk) killed with SIGKILL in
// the middle of an import of 5 000 orders, and again in the middle of a bulk Wystaw; restarted
// on the same data directory each time. Nothing may be lost, doubled or left half-written.
//
// The kill lands inside a write on purpose: once the database shows some progress, the test
// takes SQLite's write lock, so the server's next write waits inside its transaction, and the
// SIGKILL comes then. The lock is released (rolled back) after the process is gone.
//
// The 10-minute throttle lives in transaction_imports.last_started_at (claimed when the import
// starts). After the restart the test first checks that it still refuses an import, then moves
// that timestamp 11 minutes back in the file, as if the person had waited.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DateTime } from 'luxon'
import t from 'tap'
import type { Test } from 'tap'
import { startStandaloneSimulator } from '../../src/simulators/allegro/simulator.ts'
import type { Database } from '../../src/db/database.ts'
import { toStoredTimestamp } from '../../src/shared/dates.ts'
import { parseAmount } from '../../src/shared/money.ts'
import { getImportState } from '../../src/transactions/import.queries.ts'
import { flashes } from './fixtures/allegro.ts'
import {
  Browser,
  holdWriteLock,
  openDataDir,
  seedDataDir,
  startServer,
  waitFor,
  type ServerProcess
} from './fixtures/server.ts'

const ORDERS = 5000
const LIST = '/przychody/allegro'
const BATCH = 200

async function count(db: Database, table: 'transactions' | 'documents'): Promise<number> {
  const row = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

/** Kills the server once `progress` reports at least `atLeast`, inside its next write. */
async function killMidWrite(
  server: ServerProcess,
  file: ReturnType<typeof openDataDir>,
  what: string,
  progress: () => Promise<number>,
  atLeast: number
): Promise<void> {
  await waitFor(`${what}: ${atLeast} stored`, async () => ((await progress()) >= atLeast ? true : undefined))
  const release = holdWriteLock(file.sqlite)
  try {
    await server.kill()
  } finally {
    release()
  }
}

/** Numbers per series (type, month) are 1..n; ledger entries per register and year too. */
async function assertNoGaps(t: Test, db: Database, label: string): Promise<void> {
  const docs = await db
    .selectFrom('documents')
    .select(['type', 'period', 'seq', 'number'])
    .orderBy('type')
    .orderBy('period')
    .orderBy('seq')
    .execute()
  const series = new Map<string, number[]>()
  for (const doc of docs)
    series.set(`${doc.type} ${doc.period}`, [...(series.get(`${doc.type} ${doc.period}`) ?? []), doc.seq])
  for (const [name, seqs] of series)
    t.same(
      seqs,
      seqs.map((_, i) => i + 1),
      `${label}: ${name} numbered 1..${seqs.length} without gaps`
    )
  t.equal(new Set(docs.map((d) => `${d.type} ${d.number}`)).size, docs.length, `${label}: no number used twice`)
  const entries = await db
    .selectFrom('ledger_entries')
    .select(['register', 'year', 'entry_number', 'document_id'])
    .orderBy('register')
    .orderBy('year')
    .orderBy('entry_number')
    .execute()
  const registers = new Map<string, number[]>()
  for (const e of entries)
    registers.set(`${e.register} ${e.year}`, [...(registers.get(`${e.register} ${e.year}`) ?? []), e.entry_number])
  for (const [name, numbers] of registers)
    t.same(
      numbers,
      numbers.map((_, i) => i + 1),
      `${label}: ledger ${name} entries 1..${numbers.length}`
    )
}

/** Every document is whole: lines adding up to its total, one issuing link, booked once per register. */
async function assertDocumentsWhole(t: Test, db: Database, label: string): Promise<void> {
  const docs = await db.selectFrom('documents').select(['id', 'number', 'total_gross']).execute()
  const lines = await db
    .selectFrom('document_lines')
    .select(['document_id', (eb) => eb.fn.sum<number>('gross').as('gross'), (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('document_id')
    .execute()
  const lineSums = new Map(lines.map((l) => [l.document_id, Number(l.gross)]))
  const links = await db
    .selectFrom('document_transactions')
    .select(['document_id', 'transaction_id'])
    .where('link_kind', '=', 'issued')
    .execute()
  const linksPerDoc = new Map<number, number>()
  for (const link of links) linksPerDoc.set(link.document_id, (linksPerDoc.get(link.document_id) ?? 0) + 1)
  const booked = await db.selectFrom('ledger_entries').select(['document_id', 'register']).execute()
  const registersPerDoc = new Map<number, string[]>()
  for (const entry of booked)
    registersPerDoc.set(entry.document_id, [...(registersPerDoc.get(entry.document_id) ?? []), entry.register].sort())
  const broken = docs.filter(
    (d) =>
      lineSums.get(d.id) !== d.total_gross ||
      linksPerDoc.get(d.id) !== 1 ||
      (registersPerDoc.get(d.id) ?? []).join() !== 'kpir,vat'
  )
  t.same(
    broken.map((d) => d.number),
    [],
    `${label}: each of ${docs.length} documents has its lines, one transaction and its KPiR and VAT entries`
  )
  const perTransaction = new Map<number, number>()
  for (const link of links) perTransaction.set(link.transaction_id, (perTransaction.get(link.transaction_id) ?? 0) + 1)
  t.same(
    [...perTransaction.values()].filter((n) => n > 1),
    [],
    `${label}: no transaction has two invoices`
  )
}

t.test(
  'SIGKILL during an import of 5 000 orders and during a bulk Wystaw: after restarts nothing is lost or doubled',
  async (t) => {
    const sim = await startStandaloneSimulator({ seed: 3, initialOrders: ORDERS, ordersPerHour: 0 })
    t.teardown(async () => {
      await sim.close()
    })
    const dataDir = mkdtempSync(join(tmpdir(), 'biurko-sigkill-'))
    t.teardown(() => {
      rmSync(dataDir, { recursive: true, force: true })
    })
    const { shopId } = await seedDataDir(dataDir, sim)
    const env = { SIMULATOR_URL: sim.url, ALLEGRO_RETRY_BASE_MS: '1' }
    const file = openDataDir(dataDir)
    t.teardown(file.close)

    // --- the import, killed part-way -------------------------------------------------------------
    let server = await startServer(t, dataDir, env)
    let browser = new Browser(server.url)
    await browser.login()
    await browser.get(LIST)
    const cursorAtStart = sim.simulator.listEvents({ seller: 'demo_sklep' }).at(-1)?.id ?? null
    const click = browser.post(`${LIST}/pobierz`, { shopId: String(shopId), back: LIST }).catch(() => null)
    await killMidWrite(server, file, 'import', async () => await count(file.db, 'transactions'), 1000)
    t.equal(await click, null, 'the click never got an answer: the server died')

    const partial = await count(file.db, 'transactions')
    t.ok(partial >= 1000 && partial < ORDERS, `killed part-way: ${partial} of ${ORDERS} orders stored`)
    const killedState = await getImportState(file.db, shopId)
    t.equal(killedState?.event_cursor, cursorAtStart, 'the events cursor was stored before the backfill')
    t.not(killedState?.window_to, null, 'the backfill is recorded as unfinished')
    t.equal(killedState?.last_finished_at, null, 'the import never finished')

    server = await startServer(t, dataDir, env)
    browser = new Browser(server.url)
    await browser.login()
    await browser.get(LIST)
    const throttled = await browser.post(`${LIST}/pobierz`, { shopId: String(shopId), back: LIST })
    t.equal(throttled.status, 303)
    const throttledPage = (await browser.get(LIST)).body
    t.match(
      flashes(throttledPage, 'warning').join(' '),
      'Kolejne pobranie dla sklepu Sklep Demo będzie możliwe o',
      'the throttle survived the kill'
    )
    t.equal(await count(file.db, 'transactions'), partial, 'a refused import changes nothing')

    const waited = toStoredTimestamp(DateTime.fromISO(killedState!.last_started_at).minus({ minutes: 11 }))
    await file.db
      .updateTable('transaction_imports')
      .set({ last_started_at: waited })
      .where('shop_id', '=', shopId)
      .execute()
    const eventsBefore = sim.simulator.listEvents({ seller: 'demo_sklep' }).at(-1)?.id ?? '0'
    const resumed = await browser.post(`${LIST}/pobierz`, { shopId: String(shopId), back: LIST })
    t.equal(resumed.status, 303)
    const finished = await waitFor('the resumed import to finish', async () => {
      const state = await getImportState(file.db, shopId)
      return state?.last_finished_at != null ? state : undefined
    })
    t.equal(finished.last_error, null, 'the resumed import reports no error')
    t.equal(finished.window_to, null, 'the backfill is complete')

    const orders = sim.simulator.listOrders({ seller: 'demo_sklep' })
    const rows = await file.db
      .selectFrom('transactions')
      .select(['id', 'checkout_form_id', 'total_to_pay', 'currency', 'allegro_status', 'local_status'])
      .execute()
    t.equal(rows.length, ORDERS, `${ORDERS} transactions`)
    t.same(
      rows.map((r) => r.checkout_form_id).sort(),
      orders.map((o) => o.id).sort(),
      'exactly the simulator’s orders, none twice'
    )
    const totals = new Map(orders.map((o) => [o.id, parseAmount(o.summary.totalToPay.amount)]))
    t.same(
      rows.filter((r) => totals.get(r.checkout_form_id) !== r.total_to_pay).map((r) => r.checkout_form_id),
      [],
      'every total as on Allegro'
    )
    t.equal(
      await file.db
        .selectFrom('transaction_items')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
        .then((r) => Number(r.n)),
      orders.reduce((sum, o) => sum + o.lineItems.length, 0),
      'every cart item once'
    )
    const cursor = BigInt(finished.event_cursor ?? '0')
    t.ok(
      cursor >= BigInt(eventsBefore) &&
        cursor <= BigInt(sim.simulator.listEvents({ seller: 'demo_sklep' }).at(-1)?.id ?? '0'),
      'the cursor reached Allegro’s latest event'
    )

    // --- a bulk Wystaw, killed part-way ------------------------------------------------------------
    const selected = rows
      .filter((r) => r.currency === 'PLN' && r.allegro_status !== 'CANCELLED' && r.local_status !== 'anulowana')
      .slice(0, BATCH)
      .map((r) => r.id)
    t.equal(selected.length, BATCH)
    await browser.get(LIST)
    const wystaw = browser
      .post('/przychody/dokumenty/wystaw', { transactionIds: selected.map(String), type: 'faktura' })
      .catch(() => null)
    await killMidWrite(server, file, 'bulk issuing', async () => await count(file.db, 'documents'), 20)
    t.equal(await wystaw, null, 'the bulk Wystaw never got an answer: the server died')
    const issuedBeforeKill = await count(file.db, 'documents')
    t.ok(
      issuedBeforeKill >= 20 && issuedBeforeKill < BATCH,
      `killed part-way: ${issuedBeforeKill} of ${BATCH} documents`
    )
    await assertNoGaps(t, file.db, 'after the kill')
    await assertDocumentsWhole(t, file.db, 'after the kill')

    server = await startServer(t, dataDir, env)
    browser = new Browser(server.url)
    await browser.login()
    await browser.get(LIST)
    const again = await browser.post('/przychody/dokumenty/wystaw', {
      transactionIds: selected.map(String),
      type: 'faktura'
    })
    t.equal(again.status, 303, 'the same selection issued again')
    t.match(again.location ?? '', /^\/przychody\/dokumenty\/wynik\/\d+$/)
    const report = (await browser.get(again.location!)).body
    t.match(report, 'transakcja ma już dokument tego rodzaju', 'the report names the ones issued before the kill')

    const documents = await count(file.db, 'documents')
    const linked = await file.db
      .selectFrom('document_transactions')
      .select('transaction_id')
      .where('transaction_id', 'in', selected)
      .execute()
    t.equal(linked.length, documents, 'every document belongs to one of the selected transactions')
    t.ok(documents > issuedBeforeKill, `issuing the rest completed (${documents} documents)`)
    const withoutInvoice = selected.filter((id) => !linked.some((l) => l.transaction_id === id))
    const reasons = await file.db
      .selectFrom('document_issue_reports')
      .select('outcomes_json')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow()
    const outcomes = JSON.parse(reasons.outcomes_json) as Array<{
      transactionId: number
      status: string
      reason?: { code: string }
    }>
    t.equal(
      outcomes.filter((o) => o.status === 'skipped' && o.reason?.code === 'already').length,
      issuedBeforeKill,
      'each document from before the kill is recognised, not issued again'
    )
    const byNumber = (a: number, b: number): number => a - b
    t.same(
      withoutInvoice.sort(byNumber),
      outcomes
        .filter((o) => o.status === 'skipped' && o.reason?.code !== 'already')
        .map((o) => o.transactionId)
        .sort(byNumber),
      'a selected transaction without an invoice was skipped for a stated reason'
    )
    await assertNoGaps(t, file.db, 'after the restart')
    await assertDocumentsWhole(t, file.db, 'after the restart')
    await server.kill()
  }
)
