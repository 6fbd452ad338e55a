// The restore drill (issue 16, "Backups that a bookkeeper can trust"): on a real SQLite file,
// invoices are issued through the app while a backup runs, step by step, beside them; the copy is
// then restored (copied into place and opened as the app opens its database) and must hold every
// document committed before the backup started, exactly as it was, with numbering gapless in
// every series, and pass integrity_check. Also: documents are never hard-deleted, neither by the
// cancel path nor by a stray DELETE.
import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import t from 'tap'
import { runBackup, verifyCopy } from '../../src/backups/backup-run.ts'
import { openDatabase } from '../../src/db/database.ts'
import { migrateToLatest } from '../../src/db/migrate.ts'
import { build, OWNER } from '../helpers/app.ts'
import { TestClient } from '../helpers/client.ts'

const invoice = (i: number): Record<string, string | string[]> => ({
  type: i % 3 === 0 ? 'paragon' : 'faktura',
  contractorId: '',
  buyerName: `Kupujący ${i}`,
  buyerNip: i % 3 === 0 ? '' : '526-104-08-28',
  buyerStreet: 'ul. Ogrodowa 3',
  buyerPostalCode: '31-100',
  buyerCity: 'Kraków',
  buyerCountryCode: 'PL',
  issueDate: '2026-11-16',
  saleDate: '2026-11-14',
  dueDate: '2026-11-30',
  paymentMethod: 'przelew',
  notes: 'x'.repeat(400),
  lineName: ['Usługa projektowa', 'Materiały'],
  lineQuantity: ['1', String(1 + (i % 5))],
  lineUnit: ['usł.', 'szt.'],
  linePrice: [`${100 + i},00`, '12,30'],
  lineVatRate: ['23', '8'],
  action: 'issue'
})

function scratch(t: { teardown: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'biurko-drill-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

const documentsOf = async (db: ReturnType<typeof openDatabase>['db'], ids: number[]): Promise<string> =>
  JSON.stringify([
    await db.selectFrom('documents').selectAll().where('id', 'in', ids).orderBy('id').execute(),
    await db.selectFrom('document_lines').selectAll().where('document_id', 'in', ids).orderBy('id').execute(),
    await db
      .selectFrom('document_vat_totals')
      .selectAll()
      .where('document_id', 'in', ids)
      .orderBy('document_id')
      .orderBy('vat_rate')
      .execute()
  ])

t.test(
  'back up while invoices are being issued, restore, every document is there and numbering is gapless',
  async (t) => {
    t.setTimeout(240_000)
    const dir = scratch(t)
    const live = openDatabase(join(dir, 'biurko.sqlite'))
    await migrateToLatest(live.db, live.sqlite)
    const { db, owner, clock } = await build(t, { db: live.db, company: { auto_book: 1 } })

    let issued = 0
    const issue = async (): Promise<void> => {
      const response = await owner.post('/przychody/dokumenty/nowy', invoice(issued))
      if (response.statusCode !== 303)
        throw new Error(`issuing failed: ${response.statusCode} ${response.body.slice(0, 400)}`)
      issued++
    }
    await owner.get('/przychody/dokumenty/nowy')
    for (let i = 0; i < 60; i++) await issue()
    const before = await db.selectFrom('documents').select('id').orderBy('id').execute()
    t.equal(before.length, 60, 'sixty documents committed before the backup')
    const beforeIds = before.map((row) => row.id)
    const beforeRows = await documentsOf(db, beforeIds)

    // the backup copies two pages a turn of the event loop; the app keeps issuing meanwhile
    let done = false
    const backup = runBackup({
      db,
      now: clock,
      dir: join(dir, 'backups'),
      keep: 3,
      origin: 'manual',
      pagesPerStep: 2
    }).finally(() => {
      done = true
    })
    let duringBackup = 0
    // eslint-disable-next-line no-unmodified-loop-condition -- set by the backup's finally, between turns
    while (!done) {
      await issue()
      duringBackup++
    }
    const run = await backup
    t.equal(run.status, 'ok', run.error ?? 'the copy passed its check')
    t.ok(duringBackup >= 3, `documents were issued while the backup ran (${duringBackup})`)
    const pages = statSync(run.file).size / 4096
    t.ok(pages > 20, `the copy took many steps (${pages} pages, 2 a step)`)
    const total = (
      await db
        .selectFrom('documents')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n
    t.equal(total, 60 + duringBackup, 'every issue went through')

    // restore: the copy put in place of the database and opened as the app opens one
    const restoredFile = join(dir, 'przywrocona', 'biurko.sqlite')
    rmSync(join(dir, 'przywrocona'), { recursive: true, force: true })
    const { mkdirSync } = await import('node:fs')
    mkdirSync(join(dir, 'przywrocona'))
    copyFileSync(run.file, restoredFile)
    t.equal(verifyCopy(restoredFile), null, 'integrity_check ok on the restored file')
    const restored = openDatabase(restoredFile)
    const check = restored.sqlite.pragma('integrity_check', { simple: true })
    t.equal(check, 'ok')
    await migrateToLatest(restored.db, restored.sqlite)
    t.equal(
      await documentsOf(restored.db, beforeIds),
      beforeRows,
      'every document committed before the backup, its lines and VAT totals, exactly as they were'
    )

    const series = await restored.db
      .selectFrom('documents')
      .select(['type', 'period', 'seq', 'number'])
      .orderBy('type')
      .orderBy('period')
      .orderBy('seq')
      .execute()
    t.ok(
      series.length >= 60 && series.length <= total,
      `the copy holds ${series.length} of ${total} documents: a moment between the start and the end of the backup`
    )
    const bySeries = new Map<string, number[]>()
    for (const row of series)
      bySeries.set(`${row.type} ${row.period}`, [...(bySeries.get(`${row.type} ${row.period}`) ?? []), row.seq])
    t.ok(bySeries.size >= 2, 'invoices and receipts: two series')
    for (const [name, seqs] of bySeries) {
      t.same(
        seqs,
        seqs.map((_, i) => i + 1),
        `series ${name}: 1…${seqs.length} without a gap`
      )
    }
    const booked = await restored.db
      .selectFrom('ledger_entries')
      .select(['register', 'year', 'entry_number', 'document_id'])
      .orderBy('register')
      .orderBy('year')
      .orderBy('entry_number')
      .execute()
    t.equal(
      new Set(booked.map((row) => row.document_id)).size,
      series.length,
      'every document in the copy is booked in it (the same transaction as the issue)'
    )
    for (const register of new Set(booked.map((row) => row.register))) {
      const numbers = booked.filter((row) => row.register === register).map((row) => row.entry_number)
      t.same(
        numbers,
        numbers.map((_, i) => i + 1),
        `register ${register}: entries 1…${numbers.length} without a gap`
      )
    }
    // the restored database runs the app: the owner logs in and the last document before the backup opens
    const app2 = await build(t, { db: restored.db, state: 'none' })
    const client = new TestClient(app2.app)
    t.equal((await client.login(OWNER.login, OWNER.password)).statusCode, 303, 'the owner logs in to the restored app')
    const last = await restored.db
      .selectFrom('documents')
      .select(['id', 'number'])
      .where('id', '=', beforeIds[59])
      .executeTakeFirstOrThrow()
    const page = await client.get(`/przychody/dokumenty/${last.id}`)
    t.equal(page.statusCode, 200)
    t.match(page.body, last.number)
  }
)

t.test(
  'documents are never hard-deleted: cancelling keeps every row; a DELETE is refused by the database',
  async (t) => {
    const { db, owner } = await build(t, { company: { auto_book: 0 } })
    await owner.get('/przychody/dokumenty/nowy')
    for (let i = 0; i < 4; i++) t.equal((await owner.post('/przychody/dokumenty/nowy', invoice(i + 1))).statusCode, 303)
    const counts = async (): Promise<number[]> =>
      await Promise.all(
        ['documents', 'document_lines', 'document_vat_totals'].map(async (table) =>
          Number((await sql<{ n: number }>`select count(*) as n from ${sql.table(table)}`.execute(db)).rows[0].n)
        )
      )
    const start = await counts()
    t.ok(start[0] === 4 && start[1] === 8, 'four documents, eight lines')
    const docs = await db.selectFrom('documents').select('id').execute()
    for (const doc of docs) {
      await owner.get(`/przychody/dokumenty/${doc.id}/anulowanie`)
      t.equal(
        (await owner.post(`/przychody/dokumenty/${doc.id}/anulowanie`, {})).statusCode,
        303,
        `document ${doc.id} cancelled`
      )
      t.same(await counts(), start, 'no row is gone after the cancel')
    }
    t.same(
      (await db.selectFrom('documents').select('status').execute()).map((row) => row.status),
      ['cancelled', 'cancelled', 'cancelled', 'cancelled']
    )
    // a correction record, so the correction tables have rows for the DELETE to meet
    const [first, second] = await db.selectFrom('documents').select('id').orderBy('id').limit(2).execute()
    const lineOf = async (documentId: number): Promise<number> =>
      (
        await db
          .selectFrom('document_lines')
          .select('id')
          .where('document_id', '=', documentId)
          .orderBy('id')
          .executeTakeFirstOrThrow()
      ).id
    const correction = await db
      .insertInto('corrections')
      .values({
        document_id: second.id,
        original_document_id: first.id,
        reason: 'Zwrot towaru',
        created_at: '2026-11-16T09:00:00.000Z'
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    await db
      .insertInto('correction_lines')
      .values({
        correction_id: correction.id,
        document_line_id: await lineOf(second.id),
        original_line_id: await lineOf(first.id),
        quantity_before_milli: 1000,
        unit_price_gross_before: 100,
        gross_before: 100
      })
      .execute()
    for (const table of ['documents', 'document_lines', 'document_vat_totals', 'corrections', 'correction_lines']) {
      await t.rejects(
        sql`delete from ${sql.table(table)}`.execute(db),
        /never deleted/,
        `DELETE FROM ${table} is refused`
      )
    }
    t.same(await counts(), start)
  }
)
