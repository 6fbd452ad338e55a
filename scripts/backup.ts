// Online backup of the SQLite database (safe while the server runs): npm run backup [-- target-file]
import { mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import SQLite from 'better-sqlite3'
import { DateTime } from 'luxon'
import { loadConfig } from '../src/config.ts'

const config = loadConfig()
const target = process.argv[2] ?? join(config.dataDir, 'backups', `biurko-${DateTime.now().toFormat('yyyyLLdd-HHmmss')}.sqlite`)
mkdirSync(dirname(target), { recursive: true })
const source = new SQLite(config.databaseFile, { readonly: true, fileMustExist: true })
await source.backup(target)
source.close()
console.log(`Kopia zapasowa zapisana: ${target}`)
