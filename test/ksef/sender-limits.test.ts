// KSeF's real request limits in the simulator: a queue beyond the minute's limit goes out
// without a single 429.
import t from 'tap'
import { runKsefRound } from '../../src/ksef/ksef-sender.ts'
import { assertAcceptedOnce, issueAndQueue, setup } from './helpers/sim-setup.ts'

t.test('the real request limits: a queue beyond the minute limit goes out with no 429', async (t) => {
  const s = await setup(t, { rateLimits: true })
  // the test moves the app's clock past each minute; the simulator's limits count on it too
  s.sim.setRateClock(() => s.built.clock().toMillis())
  const ids: number[] = []
  for (let i = 0; i < 33; i++) ids.push(await issueAndQueue(s.built))
  for (let round = 0; round < 20; round++) {
    const result = await runKsefRound(s.deps)
    if (result.claimed === 0) {
      const left = await s.built.db.selectFrom('ksef_submissions').select('id').where('state', '!=', 'przyjeta').execute()
      if (left.length === 0) break
      s.built.clock.advance(60_000)
    }
  }
  await assertAcceptedOnce(t, s, ids)
  t.equal(s.responses.filter((status) => status === 429).length, 0, 'KSeF never had to refuse a request')
})
