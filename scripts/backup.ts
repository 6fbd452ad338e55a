// Online backup of the SQLite database (safe while the server runs): npm run backup [-- target-file]
// Without a target it is the same run as the daily one and USTAWIENIA » Kopie zapasowe's button:
// into the backups folder, checked, recorded on that page, with retention. A target the admin
// names is copied and checked only (their file: not recorded, never deleted by retention).
import { mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { loadConfig } from '../src/config.ts'
import { openDatabase } from '../src/db/database.ts'
import { copyDatabase, runBackup, verifyCopy } from '../src/backups/backup-run.ts'
import { backupDir } from '../src/backups/backups.ts'
import { systemClock } from '../src/shared/dates.ts'

const config = loadConfig()
const explicit = process.argv[2]
if (explicit !== undefined) {
  const target = resolve(explicit)
  mkdirSync(dirname(target), { recursive: true })
  await copyDatabase(config.databaseFile, target)
  const problem = verifyCopy(target)
  if (problem !== null) {
    console.error(`Kopia zapasowa ${target} jest uszkodzona: ${problem}`)
    process.exit(1)
  }
  console.log(`Kopia zapasowa zapisana i sprawdzona: ${target}`)
} else {
  const { db, sqlite } = openDatabase(config.databaseFile)
  try {
    if (
      sqlite.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'backup_runs'").get() === undefined
    ) {
      throw new Error(
        'Baza danych nie ma jeszcze tabeli kopii zapasowych: uruchom raz serwer (npm start), aby zaktualizować bazę, albo podaj plik docelowy: npm run backup -- plik.sqlite'
      )
    }
    const run = await runBackup({
      db,
      now: systemClock,
      dir: backupDir(config.backup.dir, config.databaseFile),
      keep: config.backup.keep,
      origin: 'script'
    })
    if (run.status !== 'ok') {
      console.error(`Kopia zapasowa nie powiodła się: ${run.error ?? ''}`)
      process.exitCode = 1
    } else {
      console.log(`Kopia zapasowa zapisana i sprawdzona: ${run.file}`)
    }
  } finally {
    await db.destroy()
  }
}
