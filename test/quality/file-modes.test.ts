// The data on disk (issue 16, "Files"): the real server started on a fresh data directory under a
// umask that would make everything world-readable still leaves the folder 0700 and the database,
// its WAL and SHM and the generated key 0600; an older install's 0644 files are tightened; a
// backup is 0600 in a 0700 folder.
import { execFile } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import SQLite from 'better-sqlite3'
import t from 'tap'
import { projectRoot } from '../../src/paths.ts'
import { Browser, startServer } from './fixtures/server.ts'

const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8).padStart(3, '0')

function scratch(t: { teardown: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'biurko-modes-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** The child inherits the umask; 000 is the worst a host can have. */
function withOpenUmask(t: { teardown: (fn: () => void) => void }): void {
  const previous = process.umask(0o000)
  t.teardown(() => {
    process.umask(previous)
  })
}

t.test('a fresh data directory: folder 0700, database, WAL, SHM and key 0600, whatever the umask', async (t) => {
  const dataDir = join(scratch(t), 'dane')
  withOpenUmask(t)
  const server = await startServer(t, dataDir, { APP_SECRET: '' })
  // first-run setup writes to the database, so the WAL has content and the SHM exists
  const browser = new Browser(server.url)
  t.equal((await browser.get('/konfiguracja')).status, 200)
  const db = join(dataDir, 'biurko.sqlite')
  t.equal(mode(dataDir), '700', 'data folder')
  t.equal(mode(db), '600', 'database')
  t.ok(existsSync(`${db}-wal`) && existsSync(`${db}-shm`), 'WAL mode files exist')
  t.equal(mode(`${db}-wal`), '600', 'WAL')
  t.equal(mode(`${db}-shm`), '600', 'SHM')
  t.equal(mode(join(dataDir, 'secret.key')), '600', 'generated key')
  const open = readdirSync(dataDir).filter((name) => (statSync(join(dataDir, name)).mode & 0o077) !== 0)
  t.same(open, [], 'nothing in the folder is readable by group or others')
  await server.kill()
})

t.test('an older install with world-readable files is tightened at start', async (t) => {
  const dataDir = join(scratch(t), 'stare')
  mkdirSync(dataDir, { mode: 0o755 })
  chmodSync(dataDir, 0o755)
  const db = join(dataDir, 'biurko.sqlite')
  writeFileSync(db, '')
  chmodSync(db, 0o644)
  const server = await startServer(t, dataDir, {})
  t.equal(mode(dataDir), '700')
  t.equal(mode(db), '600')
  await server.kill()
})

t.test('npm run backup: the copy is 0600 in a 0700 backups folder', async (t) => {
  const dataDir = join(scratch(t), 'dane')
  withOpenUmask(t)
  const server = await startServer(t, dataDir, {})
  await server.kill()
  await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/backup.ts'], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, LOG_LEVEL: 'silent' }
  })
  const backups = join(dataDir, 'backups')
  const files = readdirSync(backups)
  t.equal(files.length, 1, 'one backup')
  t.equal(mode(backups), '700', 'backups folder')
  t.equal(mode(join(backups, files[0])), '600', 'backup file')
  t.ok(statSync(join(backups, files[0])).size > 4096, 'the copy has the schema')
  // the same run as the daily one: checked and recorded for USTAWIENIA » Kopie zapasowe
  const db = new SQLite(join(dataDir, 'biurko.sqlite'), { readonly: true })
  const runs = db.prepare('SELECT origin, status, file FROM backup_runs').all()
  db.close()
  t.same(runs, [{ origin: 'script', status: 'ok', file: join(backups, files[0]) }], 'recorded as a checked copy')
})
