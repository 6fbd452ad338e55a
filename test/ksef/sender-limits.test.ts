// KSeF's real request limits in the simulator: a queue of 500 invoices, beyond the minute's
// (30) and the hour's (180) limit of sending, goes out without a single 429, all of it.
import t from 'tap'
import { runKsefRound } from '../../src/ksef/ksef-sender.ts'
import { assertAcceptedOnce, issueAndQueue, setup } from './helpers/sim-setup.ts'

t.setTimeout(600_000)

t.test('the real request limits: 500 invoices queued go out with no 429, each accepted once', async (t) => {
  const s = await setup(t, { rateLimits: true })
  // the test moves the app's clock past each minute; the simulator's limits count on it too
  s.sim.setRateClock(() => s.built.clock().toMillis())
  // waiting for a limiter slot moves the clock only; KSeF checks the files in the background
  // meanwhile (many per xmllint run) and each round starts once it has caught up, so the queue
  // is not held up by one schema check per file
  const deps = {
    ...s.deps,
    sleep: async (ms: number) => {
      s.built.clock.advance(ms)
      await new Promise((resolve) => setImmediate(resolve))
    }
  }
  const ids: number[] = []
  for (let i = 0; i < 500; i++) ids.push(await issueAndQueue(s.built))
  for (let round = 0; round < 2000; round++) {
    await s.sim.idle()
    const result = await runKsefRound(deps)
    if (result.claimed === 0) {
      const left = await s.built.db
        .selectFrom('ksef_submissions')
        .select('id')
        .where('state', '!=', 'przyjeta')
        .execute()
      if (left.length === 0) break
      s.built.clock.advance(60_000)
    }
  }
  await assertAcceptedOnce(t, s, ids)
  t.equal(s.responses.filter((status) => status === 429).length, 0, 'KSeF never had to refuse a request')
})
