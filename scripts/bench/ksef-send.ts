// npm run bench, KSeF part (also alone: npx tsx scripts/bench/ksef-send.ts [count]): 1 000 invoices
// issued on a real SQLite file, then sent by Biurko's sender to the built-in KSeF simulator over
// loopback with real cryptography and the simulator's FA(3) XSD check:
//  - limits off: invoices per second of wall time, what our side and the simulator can do;
//  - KSeF's real limits (limity-api.md: 10/s, 30/min, 180/h for sending): at 180 an hour, 1 000
//    invoices take KSeF more than 5 hours, so the app's and the simulator's clock is moved
//    whenever the sender waits for a slot, and both figures are given: the hours of KSeF time
//    the limits impose, and the wall time our side spent; plus the count of 429 answers (0 expected).
// Runs from the sources with tsx (it reuses the tests' app builder), so the build leaves it out.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openDatabase } from '../../src/db/database.ts'
import { migrateToLatest } from '../../src/db/migrate.ts'
import { runKsefRound } from '../../src/ksef/ksef-sender.ts'
import { issueAndQueue, setup } from '../../test/ksef/helpers/sim-setup.ts'

const COUNT = Number(process.argv[2] ?? process.env.BENCH_KSEF_INVOICES ?? 1000)

interface SendFigures {
  invoices: number
  wallSeconds: number
  ksefHours: number
  requests: number
  tooMany: number
  accepted: number
}

async function sendAll(realLimits: boolean): Promise<SendFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'biurko-bench-ksef-'))
  const teardowns: Array<() => unknown> = []
  try {
    const opened = openDatabase(join(dir, 'biurko.sqlite'))
    await migrateToLatest(opened.db, opened.sqlite)
    const s = await setup(
      {
        teardown: (fn: () => unknown) => {
          teardowns.push(fn)
        }
      } as never,
      { rateLimits: realLimits, db: opened.db }
    )
    if (realLimits) s.sim.setRateClock(() => s.built.clock().toMillis())
    // waiting for a slot moves the clock; KSeF checks files in the background meanwhile
    const deps = {
      ...s.deps,
      sleep: async (ms: number) => {
        s.built.clock.advance(ms)
        await new Promise((resolve) => setImmediate(resolve))
      }
    }
    for (let i = 0; i < COUNT; i++) await issueAndQueue(s.built)
    const clockStarted = s.built.clock().toMillis()
    const started = performance.now()
    for (let round = 0; round < 100_000; round++) {
      await s.sim.idle()
      const result = await runKsefRound(deps)
      if (result.claimed > 0) continue
      const left = await s.built.db
        .selectFrom('ksef_submissions')
        .select('id')
        .where('state', '!=', 'przyjeta')
        .execute()
      if (left.length === 0) break
      s.built.clock.advance(60_000)
    }
    const wallSeconds = (performance.now() - started) / 1000
    const accepted = Number(
      (
        await s.built.db
          .selectFrom('ksef_submissions')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('state', '=', 'przyjeta')
          .executeTakeFirstOrThrow()
      ).n
    )
    return {
      invoices: COUNT,
      wallSeconds,
      ksefHours: (s.built.clock().toMillis() - clockStarted) / 3_600_000,
      requests: s.responses.length,
      tooMany: s.responses.filter((status) => status === 429).length,
      accepted
    }
  } finally {
    for (const fn of teardowns.reverse()) await fn()
    rmSync(dir, { recursive: true, force: true })
  }
}

const off = await sendAll(false)
const real = await sendAll(true)
const figures = {
  limitsOff: { ...off, perSecond: off.invoices / off.wallSeconds },
  realLimits: {
    ...real,
    perHourOfKsefTime: real.invoices / real.ksefHours,
    wallPerSecond: real.invoices / real.wallSeconds
  }
}
process.stdout.write(JSON.stringify(figures) + '\n')
if (off.accepted !== COUNT || real.accepted !== COUNT) process.exitCode = 1
