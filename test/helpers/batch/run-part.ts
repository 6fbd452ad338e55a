// One batch process of `npm test`: runs its share of the test files (plan.ts) one after another
// in this process, each as a subtest named by the file's path, as `tap FILE` would name it.
// What the batch saves is the start of a process per file (tap's hooks, tsx, loading fastify,
// kysely and src/ again: 3 to 5 s of CPU each); the files' tests are the same code.
import { readdirSync } from 'node:fs'
import { register } from 'node:module'
import { basename, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import t from 'tap'
import { PARTS, plan, ROOT } from './plan.ts'
import { batch } from './tap-proxy.ts'

// tap's limit for one file (.taprc `timeout`), kept per file inside the batch; a file's own
// t.setTimeout() still sets its limit, as it did in a process of its own
const FILE_TIMEOUT_MS = 120_000

export async function runPart(partFile: string): Promise<void> {
  const n = Number(/part-(\d+)\.ts$/.exec(basename(partFile))?.[1])
  // npm test runs the part-N.ts files it finds: with fewer than PARTS, some files would never run
  const partFiles = readdirSync(fileURLToPath(new URL('.', import.meta.url))).filter((f) => /^part-\d+\.ts$/.test(f))
  if (partFiles.length !== PARTS)
    throw new Error(`plan.ts has ${PARTS} parts but test/helpers/batch has ${partFiles.length} part-N.ts files`)
  const files = plan()[n - 1]
  if (files === undefined) throw new Error(`no part ${n} in the plan`)
  register('./tap-hook.mjs', import.meta.url, { data: { proxyUrl: new URL('./tap-proxy.ts', import.meta.url).href } })
  for (const file of files) {
    t.test(file, { timeout: FILE_TIMEOUT_MS }, async (sub) => {
      batch.current = sub
      await import(pathToFileURL(join(ROOT, file)).href)
    })
  }
}
