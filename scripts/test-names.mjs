#!/usr/bin/env node
// Lists every test of a TAP log (`npm test -- --reporter=tap`, or `npx tap FILES -R tap`) as
// one line: the test file, then each subtest's name down to it, joined by " > ", sorted, each
// with ok / not ok. The batch level of npm test (test/helpers/batch/part-N.ts) is left out, so
// a log of the batches and one of `tap FILE...` run file by file give the same list:
//   node scripts/test-names.mjs before.tap > before.txt; node scripts/test-names.mjs after.tap > after.txt
//   diff before.txt after.txt
import { readFileSync } from 'node:fs'

const lines = readFileSync(process.argv[2] ?? 0, 'utf8').split('\n')
const out = []
// a result line closes a subtest; its parents are the "# Subtest:" lines still open above it
const open = []
for (const line of lines) {
  const sub = /^( *)# Subtest: (.*)$/.exec(line)
  if (sub) {
    const depth = sub[1].length / 4
    open.length = depth
    open[depth] = sub[2]
    continue
  }
  const result = /^( *)(not ok|ok) \d+ - (.*?)(?: # (?:time=|SKIP|TODO).*)?$/.exec(line)
  if (!result) continue
  const depth = result[1].length / 4
  const path = [...open.slice(0, depth), result[3]]
  if (/^test\/helpers\/batch\/part-\d+\.ts$/.test(path[0])) path.shift()
  if (path.length > 0) out.push(`${result[2]} ${path.join(' > ')}`)
}
process.stdout.write(out.sort().join('\n') + '\n')
