// Regenerates src/db/schema.gen.ts from the migrations (or, with --verify, fails when it is stale).
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openDatabase } from '../src/db/database.ts'
import { migrateToLatest } from '../src/db/migrate.ts'
import { projectRoot } from '../src/paths.ts'

const dir = mkdtempSync(join(tmpdir(), 'biurko-types-'))
const file = join(dir, 'schema.sqlite')
try {
  const { db, sqlite } = openDatabase(file)
  await migrateToLatest(db, sqlite)
  await db.destroy()
  const args = [
    'kysely-codegen',
    '--dialect',
    'sqlite',
    '--url',
    file,
    '--out-file',
    'src/db/schema.gen.ts',
    '--exclude-pattern',
    'kysely_*'
  ]
  if (process.argv.includes('--verify')) args.push('--verify')
  execFileSync('npx', args, { cwd: projectRoot, stdio: 'inherit' })
} finally {
  rmSync(dir, { recursive: true, force: true })
}
