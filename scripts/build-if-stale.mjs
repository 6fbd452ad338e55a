// Runs the incremental build (`tsc -b tsconfig.build.json`) only when something it reads is newer
// than its last run, so `npm start` goes straight to the server when nothing changed (tsc alone
// takes about a second to find out that it has nothing to do). Plain JavaScript because it runs
// before anything is compiled. Usage: node scripts/build-if-stale.mjs
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, readdirSync, statSync, utimesSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = dirname(dirname(fileURLToPath(import.meta.url)))
// written by tsc at the end of every build (tsconfig.build.json: tsBuildInfoFile)
const stamp = join(root, 'dist', 'tsconfig.build.tsbuildinfo')
// what tsc compiles or is configured by; folders count too: a deleted or renamed file changes them
const inputs = ['src', 'scripts', 'tsconfig.json', 'tsconfig.build.json', 'package.json']
// outputs the start and the scripts need: if one is gone, tsc (which trusts its stamp) must rewrite all
const outputs = ['dist/src/server.js', 'dist/scripts/backup.js', 'dist/scripts/bench.js']

function newestMtime(path) {
  const stats = statSync(path)
  let newest = stats.mtimeMs
  if (stats.isDirectory()) {
    for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)))
  }
  return newest
}

/** tsc still emits when a file has a type error; it keeps the diagnostics (or the files it has yet
 * to check or emit) in its stamp, and then `npm start` must run it again to report them. */
function lastBuildFailed() {
  const info = JSON.parse(readFileSync(stamp, 'utf8'))
  return [
    'errors',
    'semanticDiagnosticsPerFile',
    'emitDiagnosticsPerFile',
    'affectedFilesPendingEmit',
    'changeFileSet',
    'checkPending'
  ].some((key) => info[key] !== undefined && info[key] !== false)
}

const built = existsSync(stamp) ? statSync(stamp).mtimeMs : -Infinity
const stale = built === -Infinity || lastBuildFailed() || inputs.some((input) => newestMtime(join(root, input)) > built)
const missing = outputs.some((output) => !existsSync(join(root, output)))

if (stale || missing) {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc')
  const args = [tsc, '-b', 'tsconfig.build.json', ...(missing ? ['--force'] : [])]
  const startedAt = new Date()
  const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' })
  if (existsSync(stamp)) {
    // tsc leaves its stamp alone when only files it does not read changed (package.json, this
    // script): date it to this run, so a file saved while tsc ran still counts as newer next time.
    // A failed build (a type error still emits) is dated 1970, so the next start runs tsc again.
    const when = result.status === 0 ? startedAt : new Date(0)
    utimesSync(stamp, when, when)
  }
  process.exit(result.status ?? 1)
}
