// Online backup of the SQLite database (safe while the server runs): npm run backup [-- target-file]
import { mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import SQLite from 'better-sqlite3'
import { DateTime } from 'luxon'
import { loadConfig } from '../src/config.ts'
import { ensurePrivateDir, ensurePrivateFile } from '../src/shared/private-files.ts'

const config = loadConfig()
const explicit = process.argv[2]
const target = explicit ?? join(config.dataDir, 'backups', `biurko-${DateTime.now().toFormat('yyyyLLdd-HHmmss')}.sqlite`)
// our own backups folder is made 0700; a folder the admin names is theirs, only created when missing
if (explicit === undefined) ensurePrivateDir(dirname(target))
else mkdirSync(dirname(target), { recursive: true })
// the copy holds the same personal data as the database: 0600 before a byte is written
ensurePrivateFile(target)
const source = new SQLite(config.databaseFile, { readonly: true, fileMustExist: true })
await source.backup(target)
source.close()
console.log(`Kopia zapasowa zapisana: ${target}`)
