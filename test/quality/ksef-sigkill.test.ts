// The real server (src/server.ts in a child process, SQLite file on disk) killed with SIGKILL in
// the middle of sending invoices to KSeF, then again while it polls for their verdicts, and
// restarted on the same data directory each time. The KSeF simulator runs on its own port in
// this process, so it keeps what it received across the server's deaths, as KSeF would. Every
// invoice must end accepted, with exactly one KSeF invoice per document holding the stored bytes.
//
// As in sigkill.test.ts, the kill lands inside a write: once the file shows the progress wanted,
// the test takes SQLite's write lock, so the server's next write waits inside its transaction.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DateTime } from 'luxon'
import t from 'tap'
import { openDatabase, type Database } from '../../src/db/database.ts'
import { migrateToLatest } from '../../src/db/migrate.ts'
import { issueManualDocument } from '../../src/sales/issuing.ts'
import { isValidKsefNumber } from '../../src/ksef/ksef-number.ts'
import { queueSubmission } from '../../src/ksef/ksef-sender.ts'
import { invoiceFileOf } from '../../src/ksef/submissions.queries.ts'
import { deriveKey, encryptSecret } from '../../src/shared/crypto.ts'
import { ZONE } from '../../src/shared/dates.ts'
import { startStandaloneKsefSimulator } from '../../src/simulators/ksef/standalone.ts'
import { OWNER, seedCompany, seedUser, TEST_SECRET } from '../helpers/app.ts'
import { holdWriteLock, openDataDir, startServer, waitFor, type ServerProcess } from './fixtures/server.ts'

const INVOICES = 20
const NIP = '5261040828'
const buyer = {
  name: 'Pracownia Nowak',
  isCompany: true,
  nip: '1234563218',
  foreignTaxId: null,
  foreignTaxIdType: null,
  street: 'ul. Polna 3',
  postalCode: '31-100',
  city: 'Kraków',
  countryCode: 'PL',
  email: '',
  allegroBuyerId: null,
  allegroLogin: null
}

async function seed(dataDir: string, token: string): Promise<number[]> {
  const { db, sqlite } = openDatabase(join(dataDir, 'biurko.sqlite'))
  try {
    await migrateToLatest(db, sqlite)
    await seedCompany(db)
    const userId = await seedUser(db, { ...OWNER, role: 'owner' })
    const now = DateTime.now().setZone(ZONE)
    const at = now.toUTC().toISO() ?? ''
    await db
      .insertInto('ksef_connection')
      .values({
        id: 1,
        environment: 'symulator',
        auth_method: 'token',
        token_enc: encryptSecret(deriveKey(TEST_SECRET, 'secrets'), token),
        created_at: at,
        updated_at: at
      })
      .execute()
    const ids: number[] = []
    for (let i = 0; i < INVOICES; i++) {
      const issued = await issueManualDocument(
        db,
        {
          type: 'faktura',
          contractorId: null,
          buyer,
          issueDate: now.toISODate() ?? '',
          saleDate: now.toISODate() ?? '',
          dueDate: now.toISODate() ?? '',
          paymentMethod: 'przelew',
          paid: false,
          notes: `Zamówienie ${i + 1}`,
          lines: [
            { name: `Towar ${i + 1}`, unit: 'szt.', quantityMilli: 1000, unitPriceGross: 12_300 + i, vatRate: '23' }
          ],
          userId
        },
        now
      )
      if (!issued.ok) throw new Error(issued.problem)
      const queued = await queueSubmission(db, issued.documentId, now)
      if (!queued.ok) throw new Error(queued.problems.join(' '))
      ids.push(issued.documentId)
    }
    return ids
  } finally {
    await db.destroy()
  }
}

async function submissions(db: Database) {
  return await db
    .selectFrom('ksef_submissions')
    .select(['document_id', 'state', 'invoice_reference', 'ksef_number'])
    .orderBy('document_id')
    .execute()
}

t.test(
  'SIGKILL while sending to KSeF and while polling: after restarts every invoice is in KSeF once, accepted, with its number',
  async (t) => {
    const sim = await startStandaloneKsefSimulator({ port: 0, rateLimits: false })
    t.teardown(() => sim.close())
    const dataDir = mkdtempSync(join(tmpdir(), 'biurko-ksef-sigkill-'))
    t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
    const ids = await seed(dataDir, sim.simulator.issueKsefToken(NIP).token)
    const file = openDataDir(dataDir)
    t.teardown(() => file.close())
    const env = {
      KSEF_SIMULATOR_ENABLED: 'false',
      KSEF_SIMULATOR_API_URL: sim.apiUrl,
      KSEF_WORKER_INTERVAL_MS: '200',
      KSEF_RETRY_BASE_MS: '50',
      KSEF_TIMEOUT_MS: '20000'
    }

    const kill = async (
      server: ServerProcess,
      what: string,
      reached: (rows: Awaited<ReturnType<typeof submissions>>) => boolean
    ): Promise<void> => {
      await waitFor(what, async () => (reached(await submissions(file.db)) ? true : undefined), 120_000)
      const release = holdWriteLock(file.sqlite)
      try {
        await server.kill()
      } finally {
        release()
      }
    }

    // 1. mid-send: some invoices handed to KSeF, not all
    const first = await startServer(t, dataDir, env)
    await kill(first, 'the first invoices handed to KSeF', (rows) => rows.some((r) => r.invoice_reference !== null))
    const afterFirst = await submissions(file.db)
    t.ok(
      afterFirst.some((r) => r.ksef_number === null),
      `killed before the end: ${afterFirst.filter((r) => r.ksef_number !== null).length} of ${INVOICES} numbered`
    )
    t.same(
      afterFirst.filter((r) => r.ksef_number !== null && r.state !== 'przyjeta'),
      [],
      'no half-written acceptance (a number always with its state)'
    )

    // 2. restarted, killed again once some verdicts are in
    const second = await startServer(t, dataDir, env)
    const numberedBefore = afterFirst.filter((r) => r.ksef_number !== null).length
    await kill(
      second,
      'more verdicts',
      (rows) =>
        rows.filter((r) => r.ksef_number !== null).length > numberedBefore || rows.every((r) => r.state === 'przyjeta')
    )
    t.comment(
      `second kill with ${(await submissions(file.db)).filter((r) => r.ksef_number !== null).length} of ${INVOICES} numbered`
    )

    // 3. restarted: everything goes through
    await startServer(t, dataDir, env)
    const done = await waitFor(
      'every invoice accepted',
      async () => {
        const rows = await submissions(file.db)
        return rows.every((r) => r.state === 'przyjeta') ? rows : undefined
      },
      180_000
    )

    t.equal(done.length, INVOICES)
    const numbers = done.map((r) => r.ksef_number ?? '')
    t.ok(
      numbers.every((n) => isValidKsefNumber(n)),
      'every number passes its CRC-8'
    )
    t.equal(new Set(numbers).size, INVOICES, 'no number given twice')
    await sim.simulator.idle()
    t.equal(
      sim.simulator.stats().invoices,
      INVOICES,
      'exactly one KSeF invoice per document: nothing sent twice, nothing lost'
    )
    const claims = { authReferenceNumber: 'test', nip: NIP, exp: Number.MAX_SAFE_INTEGER }
    const mismatched: number[] = []
    for (const row of done) {
      const stored = await invoiceFileOf(file.db, row.document_id)
      if (
        !Buffer.from(stored?.xml ?? '').equals(sim.simulator.invoiceByKsefNumber(claims, row.ksef_number ?? '').content)
      )
        mismatched.push(row.document_id)
    }
    t.same(mismatched, [], 'KSeF holds exactly the bytes stored for each document')
    const documents = await file.db
      .selectFrom('documents')
      .select(['id', 'ksef_number'])
      .where('id', 'in', ids)
      .orderBy('id')
      .execute()
    t.same(
      documents.map((d) => d.ksef_number),
      numbers,
      'each document carries its number'
    )
    const entries = await file.db
      .selectFrom('ledger_entries')
      .select(['document_id', 'ksef_number'])
      .where('document_id', 'in', ids)
      .execute()
    t.ok(
      entries.length > 0 && entries.every((e) => e.ksef_number === numbers[ids.indexOf(e.document_id)]),
      `the ${entries.length} ledger entries carry the numbers too`
    )
  }
)
