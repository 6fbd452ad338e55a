// Which test files each batch process runs (npm test, see docs/testing.md, "Third round").
//
// Every `test/**/*.test.ts` is in exactly one part. The parts are balanced by a rough CPU cost
// per file (seconds, measured with `/usr/bin/time npx tap FILE` on the 2-core machine); a file
// not listed counts as DEFAULT_COST. The costs only steer the balance: a wrong or missing
// figure makes one part longer, never a file skipped.
import { readdirSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

export const PARTS = 8
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const DEFAULT_COST = 3

const COST: Record<string, number> = {
  'test/ksef/sender-limits.test.ts': 70,
  'test/quality/hostile-input.test.ts': 60,
  'test/e2e/seed-story.test.ts': 45,
  'test/ksef/sender-faults.test.ts': 20,
  'test/ksef/qr-document-pdf.test.ts': 15,
  'test/jpk/annual-page.test.ts': 10,
  'test/jpk/v7-correction.test.ts': 10,
  'test/jpk/schema-check.test.ts': 12,
  'test/documents/auditor.test.ts': 10,
  'test/db/upgrade.test.ts': 10,
  'test/simulators/ksef/openapi.test.ts': 10
}

export function testFiles(): string[] {
  const found: string[] = []
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) walk(path)
      else if (entry.name.endsWith('.test.ts')) found.push(relative(ROOT, path).split(sep).join('/'))
    }
  }
  walk(join(ROOT, 'test'))
  return found.sort()
}

/** parts[i] = the files part i + 1 runs, in this order; heaviest part first. */
export function plan(files = testFiles()): string[][] {
  const parts = Array.from({ length: PARTS }, () => ({ cost: 0, files: [] as string[] }))
  const byCost = [...files].sort((a, b) => (COST[b] ?? DEFAULT_COST) - (COST[a] ?? DEFAULT_COST) || a.localeCompare(b))
  for (const file of byCost) {
    const lightest = parts.reduce((min, part) => (part.cost < min.cost ? part : min))
    lightest.cost += COST[file] ?? DEFAULT_COST
    lightest.files.push(file)
  }
  return parts.map((part) => part.files.sort())
}
