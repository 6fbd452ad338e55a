// The dependency direction of docs/architecture.md, checked over the import graph of src/:
//   npx tsx scripts/check-architecture.ts          (CI runs it; exit 1 on a violation)
// A part may import only parts listed before it in LAYERS (type-only imports count too: a type
// from a higher part ties the code to it all the same). Query modules and routes never open a
// transaction: orchestration functions do (docs/architecture.md, "Transactions").
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, normalize, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

/** Bottom to top. A part is a folder of src/ (src/simulators/<name> for the simulators) or a root file. */
export const LAYERS: readonly string[] = [
  // foundation: no feature knowledge
  'shared',
  'paths.ts',
  'config.ts',
  'logger.ts',
  'db',
  // outside services without state of ours
  'nbp',
  'whitelist',
  // web plumbing: sessions, CSRF, views, who is logged in
  'plugins',
  'users',
  // features, each may use the ones before it
  'settings',
  'allegro',
  'contractors',
  'products',
  'transactions',
  'ledger',
  'documents',
  'corrections',
  'ksef',
  'pdf',
  'delivery',
  'purchases',
  'jpk',
  'sales',
  'dashboard',
  'email',
  'backups',
  // the stand-ins for Allegro and KSeF: they may read product types, the product never imports them
  'simulators/shared',
  'simulators/allegro',
  'simulators/ksef',
  'simulators/smtp',
  'simulators/whitelist',
  // the composition root and the entry point
  'app.ts',
  'server.ts'
]

export interface Violation {
  file: string
  line: number
  message: string
}

const IMPORT =
  /(?:^|[^\w.])(?:import|export)\s*(?:type\s+)?(?:[\w*{}\s,]*?\s*from\s*)?['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g

/** The part a file of src/ belongs to ('documents', 'simulators/ksef', 'app.ts'). */
export function partOf(pathInSrc: string): string {
  const segments = pathInSrc.split('/')
  if (segments.length === 1) return segments[0]
  if (segments[0] === 'simulators' && segments.length > 2) return `simulators/${segments[1]}`
  return segments[0]
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    return entry.name.endsWith('.ts') ? [path] : []
  })
}

function lineOf(text: string, index: number): number {
  return text.slice(0, index).split('\n').length
}

/** Every import against LAYERS and every transaction opened in a query module or a route module. */
export function checkArchitecture(srcDir: string, layers: readonly string[] = LAYERS): Violation[] {
  const violations: Violation[] = []
  for (const file of sourceFiles(srcDir)) {
    const inSrc = relative(srcDir, file).split(sep).join('/')
    const text = readFileSync(file, 'utf8')
    const from = partOf(inSrc)
    const fromRank = layers.indexOf(from)
    if (fromRank < 0)
      violations.push({
        file: inSrc,
        line: 1,
        message: `${from} is not in the layers of scripts/check-architecture.ts (docs/architecture.md)`
      })
    for (const match of text.matchAll(IMPORT)) {
      const specifier = match[1] ?? match[2]
      const target = relative(srcDir, normalize(join(dirname(file), specifier)))
        .split(sep)
        .join('/')
      if (target.startsWith('..')) continue
      const to = partOf(target)
      if (to === from) continue
      const toRank = layers.indexOf(to)
      if (toRank > fromRank || toRank < 0) {
        violations.push({
          file: inSrc,
          line: lineOf(text, match.index),
          message: `${from} imports ${to} (${target}), which sits above it`
        })
      }
    }
    if (/\.(queries|routes)\.ts$/.test(inSrc)) {
      for (const match of text.matchAll(/\.transaction\(\)/g)) {
        violations.push({
          file: inSrc,
          line: lineOf(text, match.index),
          message: 'a query or route module opens a transaction: move it into an orchestration function'
        })
      }
    }
  }
  return violations
}

if (process.argv[1] !== undefined && normalize(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const srcDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'src')
  const violations = checkArchitecture(srcDir)
  for (const v of violations) console.error(`src/${v.file}:${v.line}: ${v.message}`)
  console.log(
    violations.length === 0
      ? 'architecture: every import follows docs/architecture.md'
      : `architecture: ${violations.length} violation(s)`
  )
  process.exitCode = violations.length === 0 ? 0 : 1
}
