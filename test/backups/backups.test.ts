// USTAWIENIA » Kopie zapasowe and the backup run behind it, on real SQLite files: the page lists
// each copy with its size and result and marks the last checked one; a copy damaged between the
// copy and its check is reported as failed and never counts as the last good one; retention
// keeps BACKUP_KEEP good copies and never the last good one; the daily schedule.
import {
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readSync,
  rmSync,
  statSync,
  writeSync,
  closeSync
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import SQLite from 'better-sqlite3'
import t from 'tap'
import { runBackup, verifyCopy } from '../../src/backups/backup-run.ts'
import { backupDir, backupFileName, copiesToDelete, formatSize, isBackupDue } from '../../src/backups/backups.ts'
import { startBackupWorker } from '../../src/backups/backups.worker.ts'
import { openDatabase, type Database } from '../../src/db/database.ts'
import { migrateToLatest } from '../../src/db/migrate.ts'
import { fixedClock } from '../../src/shared/dates.ts'
import { build, seedUser, TEST_NOW } from '../helpers/app.ts'
import { TestClient } from '../helpers/client.ts'

function scratch(t: { teardown: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'biurko-backups-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

async function fileDb(dir: string): Promise<{ db: Database; file: string }> {
  const file = join(dir, 'biurko.sqlite')
  const { db, sqlite } = openDatabase(file)
  await migrateToLatest(db, sqlite)
  return { db, file }
}

const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8)

/**
 * Damages the copy as a failing disk would: the headers of its b-tree pages (every page after the first) are inverted.
 */
function flipBytes(file: string): void {
  const pages = Math.floor(statSync(file).size / 4096)
  const fd = openSync(file, 'r+')
  const buffer = Buffer.alloc(8)
  for (let page = 1; page < pages; page++) {
    readSync(fd, buffer, 0, buffer.length, page * 4096)
    for (let i = 0; i < buffer.length; i++) buffer[i] = buffer[i] ^ 0xff
    writeSync(fd, buffer, 0, buffer.length, page * 4096)
  }
  closeSync(fd)
}

t.test('the rules: names, when a copy is due, what retention removes, sizes', async (t) => {
  const at = fixedClock('2026-12-08T03:15:09.000+01:00')()
  t.equal(backupFileName(at, 17), 'biurko-20261208-031509-17.sqlite')
  t.equal(backupDir('', '/srv/biurko/dane/biurko.sqlite'), '/srv/biurko/dane/backups', 'beside the database by default')
  t.equal(backupDir('/mnt/kopie', '/srv/biurko/dane/biurko.sqlite'), '/mnt/kopie')

  const day = 24 * 3_600_000
  const now = Date.parse('2026-12-08T12:00:00Z')
  t.equal(isBackupDue({ lastOkAt: null, lastAttemptAt: null, now, intervalMs: day }), true, 'never backed up: due')
  t.equal(
    isBackupDue({ lastOkAt: now - day + 60_000, lastAttemptAt: now - day + 60_000, now, intervalMs: day }),
    false,
    'a good copy within the day: not due'
  )
  t.equal(
    isBackupDue({ lastOkAt: now - day, lastAttemptAt: now - day, now, intervalMs: day }),
    true,
    'a day later: due'
  )
  t.equal(
    isBackupDue({ lastOkAt: now - 2 * day, lastAttemptAt: now - 30 * 60_000, now, intervalMs: day }),
    false,
    'a failed attempt half an hour ago: wait'
  )
  t.equal(
    isBackupDue({ lastOkAt: now - 2 * day, lastAttemptAt: now - 3_600_000, now, intervalMs: day }),
    true,
    'an hour after a failed attempt: retry'
  )
  t.equal(isBackupDue({ lastOkAt: null, lastAttemptAt: null, now, intervalMs: 0 }), false, 'interval 0: only by hand')

  const copies = [
    { id: 1, status: 'ok' as const, fileDeleted: false },
    { id: 2, status: 'failed' as const, fileDeleted: true },
    { id: 3, status: 'ok' as const, fileDeleted: false },
    { id: 4, status: 'running' as const, fileDeleted: false },
    { id: 5, status: 'ok' as const, fileDeleted: false },
    { id: 6, status: 'ok' as const, fileDeleted: true }
  ]
  t.same(copiesToDelete(copies, 2), [1], 'the good copies beyond the newest two')
  t.same(copiesToDelete(copies, 1), [3, 1])
  t.same(copiesToDelete(copies, 0), [3, 1], 'keep 0 still keeps the last good copy')
  t.same(copiesToDelete(copies, 3), [])
  t.equal(formatSize(512), '512 B')
  t.equal(formatSize(1_300_000), '1,2 MB')
})

t.test('a copy is 0600, self-contained, checked; a damaged copy is reported and removed', async (t) => {
  const dir = scratch(t)
  const { db, file } = await fileDb(dir)
  t.teardown(async () => {
    await db.destroy()
  })
  const clock = fixedClock(TEST_NOW)
  const good = await runBackup({ db, now: clock, dir: join(dir, 'kopie'), keep: 3, origin: 'manual' })
  t.equal(good.status, 'ok', good.error ?? '')
  t.equal(good.error, null)
  t.equal(mode(join(dir, 'kopie')), '700', 'folder 0700')
  t.equal(mode(good.file), '600', 'copy 0600')
  t.equal(good.size_bytes, statSync(good.file).size, "the size recorded is the file's")
  t.same(readdirSync(join(dir, 'kopie')), [good.file.split('/').at(-1)], 'one file, no -wal/-shm beside it')
  t.equal(verifyCopy(good.file), null)

  const damaged = await runBackup({
    db,
    now: clock,
    dir: join(dir, 'kopie'),
    keep: 3,
    origin: 'manual',
    afterCopy: flipBytes
  })
  t.equal(damaged.status, 'failed')
  t.match(damaged.error, /integrity_check|Kopia jest uszkodzona albo nieczytelna/, 'the reason is the check')
  t.notOk(existsSync(damaged.file), 'the damaged copy is not left to be mistaken for a backup')
  t.ok(damaged.file_deleted_at)

  const notBiurko = join(dir, 'obca.sqlite')
  const other = new SQLite(notBiurko)
  other.exec('create table notes (x)')
  other.close()
  t.match(verifyCopy(notBiurko), /tabeli migracji/, 'a sound SQLite file without the migrations is no Biurko backup')
  t.match(verifyCopy(join(dir, 'brak.sqlite')), /uszkodzona albo nieczytelna/)
  t.ok(existsSync(file))
})

t.test(
  'retention keeps BACKUP_KEEP good copies, the newest ones; failures never push out the last good one',
  async (t) => {
    const dir = scratch(t)
    const { db } = await fileDb(dir)
    t.teardown(async () => {
      await db.destroy()
    })
    const clock = fixedClock(TEST_NOW)
    const target = join(dir, 'kopie')
    const runs = []
    for (let i = 0; i < 5; i++) {
      runs.push(await runBackup({ db, now: clock, dir: target, keep: 2, origin: 'schedule' }))
      clock.advance(24 * 3_600_000)
    }
    t.ok(runs.every((run) => run.status === 'ok'))
    const kept = readdirSync(target).sort()
    t.same(
      kept,
      runs
        .slice(3)
        .map((run) => run.file.split('/').at(-1))
        .sort(),
      'the newest two files are left'
    )
    const rows = await db.selectFrom('backup_runs').select(['id', 'file_deleted_at']).orderBy('id').execute()
    t.same(
      rows.map((row) => row.file_deleted_at !== null),
      [true, true, true, false, false],
      'the older three are marked removed'
    )

    // three failed copies in a row: more than keep, and the last good one stays
    for (let i = 0; i < 3; i++) {
      const failed = await runBackup({ db, now: clock, dir: target, keep: 1, origin: 'schedule', afterCopy: flipBytes })
      t.equal(failed.status, 'failed')
    }
    t.same(readdirSync(target).sort(), kept, 'failed runs delete no good copy')
    const next = await runBackup({ db, now: clock, dir: target, keep: 1, origin: 'schedule' })
    t.same(readdirSync(target), [next.file.split('/').at(-1)], 'the next good copy with keep 1 leaves only itself')
  }
)

t.test('USTAWIENIA » Kopie zapasowe: the list, the last checked copy, a damaged copy, the button', async (t) => {
  const dir = scratch(t)
  const { db } = await fileDb(dir)
  const { app, owner } = await build(t, { db, config: { BACKUP_KEEP: '2' } })
  const page = await owner.get('/ustawienia/kopie-zapasowe')
  t.equal(page.statusCode, 200)
  t.match(page.body, 'Nie ma jeszcze żadnej sprawdzonej kopii')
  t.match(page.body, join(dir, 'backups'), 'the folder beside the database')
  t.match((await owner.get('/')).body, 'href="/ustawienia/kopie-zapasowe"', 'linked from the settings menu')

  const made = await owner.post('/ustawienia/kopie-zapasowe', {})
  t.equal(made.statusCode, 303)
  t.equal(made.headers.location, '/ustawienia/kopie-zapasowe')
  const first = await db.selectFrom('backup_runs').selectAll().executeTakeFirstOrThrow()
  t.equal(first.status, 'ok')
  t.equal(first.origin, 'manual')
  const listed = await owner.get('/ustawienia/kopie-zapasowe')
  t.match(listed.body, 'Kopia zapasowa wykonana i sprawdzona', 'flash')
  const name = first.file.split('/').at(-1) ?? ''
  t.match(
    listed.body,
    new RegExp(
      `Ostatnia sprawdzona kopia: <strong>16\\.11\\.2026 10:00</strong>, ${formatSize(first.size_bytes ?? 0)} – <code>${name}</code>`
    ),
    'the last checked copy with date, size and file'
  )
  t.match(listed.body, /<span class="badge ok">OK<\/span>/)

  // the next copy is damaged on its way to the disk
  const service = app.backups
  if (service === null) throw new Error('no service')
  const damaging = startBackupWorker(app, { afterCopy: flipBytes })
  t.teardown(async () => {
    await damaging.stop()
  })
  const failed = await damaging.runNow()
  t.equal(failed.status, 'failed')
  const after = await owner.get('/ustawienia/kopie-zapasowe')
  t.match(
    after.body,
    /<span class="badge err">błąd<\/span> <span class="backup-error">PRAGMA integrity_check|<span class="badge err">błąd<\/span> <span class="backup-error">Kopia jest uszkodzona albo nieczytelna/,
    'the failure with its reason'
  )
  t.match(after.body, `<code>${name}</code></div>`, 'the last checked copy is still the first one')
  t.match(
    after.body,
    new RegExp(
      `<tr class="selected" aria-current="true">\\s*<td>[^<]+<br><span class="muted">na żądanie</span></td>\\s*<td class="wrap"><code>${name}`
    ),
    'and its row is the highlighted one'
  )

  // CSRF, and who may
  t.equal(
    (await owner.post('/ustawienia/kopie-zapasowe', {}, { csrf: 'zly-token' })).statusCode,
    403,
    'a POST without a valid token'
  )
  await seedUser(db, { login: 'ksiegowa', password: 'haslo-testowe-123', ksiegowosc: true })
  const clerk = new TestClient(app)
  await clerk.login('ksiegowa', 'haslo-testowe-123')
  t.equal(
    (await clerk.get('/ustawienia/kopie-zapasowe')).statusCode,
    403,
    'a user without "Administracja" does not see it'
  )
  t.equal((await clerk.post('/ustawienia/kopie-zapasowe', {})).statusCode, 403, 'nor makes copies')
  t.notMatch((await clerk.get('/')).body, 'href="/ustawienia/kopie-zapasowe"', 'nor gets the link')
  await seedUser(db, { login: 'admin', password: 'haslo-testowe-123', administracja: true })
  const admin = new TestClient(app)
  await admin.login('admin', 'haslo-testowe-123')
  t.equal((await admin.get('/ustawienia/kopie-zapasowe')).statusCode, 200, 'a user with "Administracja" does')
  t.equal(
    await db
      .selectFrom('backup_runs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
      .then((r) => r.n),
    2,
    'the refused POSTs made no copy'
  )
})

t.test('an in-memory database: the button says there is nothing to copy', async (t) => {
  const { owner } = await build(t)
  await owner.get('/ustawienia/kopie-zapasowe')
  t.equal((await owner.post('/ustawienia/kopie-zapasowe', {})).statusCode, 303)
  t.match((await owner.get('/ustawienia/kopie-zapasowe')).body, 'Baza danych jest w pamięci')
})

t.test('the schedule: the first check makes a copy, the next one within the interval does not', async (t) => {
  const dir = scratch(t)
  const { db } = await fileDb(dir)
  const { app, clock } = await build(t, { db, config: { BACKUP_INTERVAL_HOURS: '24' } })
  const worker = startBackupWorker(app, { checkMs: 3_600_000 })
  t.teardown(async () => {
    await worker.stop()
  })
  const first = await worker.tick()
  t.equal(first?.status, 'ok')
  t.equal(first?.origin, 'schedule')
  clock.advance(23 * 3_600_000)
  t.equal(await worker.tick(), null, '23 hours later: not due')
  clock.advance(3_600_000)
  t.equal((await worker.tick())?.status, 'ok', '24 hours later: the next copy')
  t.equal(readdirSync(join(dir, 'backups')).length, 2)
  const both = await Promise.all([worker.runNow(), worker.runNow()])
  t.not(both[0].id, both[1].id, 'two presses: two copies, one after the other')
})
