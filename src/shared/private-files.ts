import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs'

// The database holds password hashes, tax records and buyers' personal data: only the server's
// own user may read it, whatever the umask (ASVS 8.3.x, 14.1.x). SQLite creates the -wal and -shm
// files with the database file's permissions, so a 0600 database keeps them 0600 too.
const PRIVATE_DIR_MODE = 0o700
const PRIVATE_FILE_MODE = 0o600

/** Creates the folder (and missing parents) and makes it 0700, also when it existed more open. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE })
  chmodSync(dir, PRIVATE_DIR_MODE)
}

/** Creates the file empty when missing; either way leaves it 0600. */
export function ensurePrivateFile(file: string): void {
  if (!existsSync(file)) closeSync(openSync(file, 'a', PRIVATE_FILE_MODE))
  chmodSync(file, PRIVATE_FILE_MODE)
}

/** The database and its journal files, after opening (an older install may have made them 0644). */
export function tightenDatabaseFiles(file: string): void {
  for (const path of [file, `${file}-wal`, `${file}-shm`]) {
    if (existsSync(path)) chmodSync(path, PRIVATE_FILE_MODE)
  }
}
