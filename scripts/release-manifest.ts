// Adds a landed release to test/fixtures/releases.json, so test/db/upgrade.test.ts upgrades a
// database made with that release's migrations on every later run. Run it after each landing:
//   npx tsx scripts/release-manifest.ts <commit> "<what the release was>"
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { projectRoot } from '../src/paths.ts'

const [commit, note] = process.argv.slice(2)
if (commit === undefined || note === undefined) throw new Error('usage: release-manifest.ts <commit> "<note>"')
const git = (...args: string[]): Buffer => execFileSync('git', args, { cwd: projectRoot })
const files = git('ls-tree', '--name-only', commit, 'migrations/')
  .toString()
  .split('\n')
  .filter((f) => f.endsWith('.sql'))
  .sort()
const migrations = files.map((file) => ({
  name: file.slice('migrations/'.length, -'.sql'.length),
  sha256: createHash('sha256')
    .update(git('show', `${commit}:${file}`))
    .digest('hex')
}))
const manifestFile = join(projectRoot, 'test/fixtures/releases.json')
const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as { releases: Array<{ commit: string }> }
if (manifest.releases.some((release) => release.commit === commit)) throw new Error(`${commit} is already listed`)
manifest.releases.push({ commit, note, migrations } as never)
writeFileSync(manifestFile, JSON.stringify(manifest, null, 2) + '\n')
console.log(`${commit}: ${migrations.length} migrations listed`)
