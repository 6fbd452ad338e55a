// docs/architecture.md as a test: the real src/ follows the layers, and the checker does fail on
// an import against them, on a part it does not know and on a transaction in a query module.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import t from 'tap'
import { checkArchitecture, LAYERS, partOf } from '../../scripts/check-architecture.ts'
import { projectRoot } from '../../src/paths.ts'

t.test('src/ follows docs/architecture.md', async (t) => {
  const violations = checkArchitecture(join(projectRoot, 'src'))
  t.same(violations, [], 'no import against the layers, no new transaction in a query or route module')
})

t.test('parts', async (t) => {
  t.equal(partOf('documents/documents.queries.ts'), 'documents')
  t.equal(partOf('simulators/ksef/plugin.ts'), 'simulators/ksef')
  t.equal(partOf('app.ts'), 'app.ts')
  t.ok(
    LAYERS.indexOf('documents') < LAYERS.indexOf('sales'),
    'the record of a document sits below the desk that issues it'
  )
  t.ok(
    LAYERS.indexOf('simulators/allegro') > LAYERS.indexOf('allegro'),
    'a simulator may read product types, not the reverse'
  )
})

const made: string[] = []
t.teardown(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true })
})

function tree(files: Record<string, string>): { dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'biurko-arch-'))
  made.push(dir)
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    writeFileSync(join(dir, path), text)
  }
  return { dir }
}

t.test('the checker fails where it must', async (t) => {
  const layers = ['shared', 'ledger', 'documents', 'simulators/allegro']
  {
    const src = tree({
      'shared/money.ts': 'export const x = 1\n',
      'ledger/ledger.ts': "import { x } from '../shared/money.ts'\nexport const y = x\n",
      'documents/document.ts': "import { y } from '../ledger/ledger.ts'\nexport const z = y\n"
    })
    t.same(checkArchitecture(src.dir, layers), [], 'downward imports pass')
  }
  {
    const src = tree({
      'ledger/ledger.ts': "import type { Z } from '../documents/document.ts'\nexport const y = 1\n",
      'documents/document.ts': 'export type Z = number\n'
    })
    const found = checkArchitecture(src.dir, layers)
    t.equal(found.length, 1, 'a type import upwards fails')
    t.match(found[0], { file: 'ledger/ledger.ts', line: 1, message: /ledger imports documents/ })
  }
  {
    const src = tree({
      'documents/document.ts': "export const load = async () => await import('../simulators/allegro/simulator.ts')\n",
      'simulators/allegro/simulator.ts': 'export const s = 1\n'
    })
    t.match(
      checkArchitecture(src.dir, layers),
      [{ message: /documents imports simulators\/allegro/ }],
      'the product importing a simulator fails, dynamic import included'
    )
  }
  {
    const src = tree({ 'reports/report.ts': 'export const r = 1\n' })
    t.match(
      checkArchitecture(src.dir, layers),
      [{ message: /reports is not in the layers/ }],
      'a new folder must be placed'
    )
  }
  {
    const src = tree({
      'ledger/ledger.queries.ts': 'export async function f (db) { await db.transaction().execute(async () => {}) }\n',
      'ledger/booking.ts': 'export async function g (db) { await db.transaction().execute(async () => {}) }\n'
    })
    const found = checkArchitecture(src.dir, layers)
    t.match(
      found,
      [{ file: 'ledger/ledger.queries.ts', message: /opens a transaction/ }],
      'a transaction in a query module fails, in an orchestration module it is the rule'
    )
  }
})
