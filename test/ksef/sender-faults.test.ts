// Every fault the KSeF simulator injects during sending: exactly one KSeF invoice per document,
// none lost, a clear state (real loopback HTTP, real cryptography).
import t from 'tap'
import { runKsefRound } from '../../src/ksef/ksef-sender.ts'
import type { KsefSimulator } from '../../src/simulators/ksef/simulator.ts'
import { assertAcceptedOnce, issueAndQueue, setup } from './helpers/sim-setup.ts'

t.test('every injected fault: exactly one KSeF invoice per document, a clear state, none lost', async (t) => {
  const faults: Array<[string, Parameters<KsefSimulator['faults']['add']>[0]]> = [
    ['550 while processing', { kind: 'processing', method: 'POST', path: '/sessions/online', times: 1 }],
    [
      '503 opening the session',
      { kind: 'status', status: 503, method: 'POST', path: '/sessions/online', exact: true, times: 6 }
    ],
    ['a reset after sending', { kind: 'reset', method: 'POST', path: '/sessions/online', times: 1 }],
    [
      '429 with Retry-After on the send',
      { kind: 'status', status: 429, retryAfter: 120, method: 'POST', path: '/sessions/online', times: 1 }
    ],
    ['malformed JSON on the status', { kind: 'malformed', method: 'GET', path: '/sessions', times: 2 }],
    [
      'an expired access token',
      { kind: 'expiredToken', method: 'POST', path: '/sessions/online', exact: true, times: 1 }
    ],
    [
      'a slow answer (timeout)',
      { kind: 'delay', ms: 7000, method: 'POST', path: '/auth/challenge', exact: true, times: 1 }
    ]
  ]
  for (const [name, fault] of faults) {
    await t.test(name, async (t) => {
      const s = await setup(t, fault.kind === 'delay' ? { timeoutMs: 6000 } : {})
      const ids = [await issueAndQueue(s.built), await issueAndQueue(s.built)]
      s.sim.faults.add(fault)
      for (let i = 0; i < 10; i++) {
        await runKsefRound(s.deps)
        const states = await s.built.db.selectFrom('ksef_submissions').select('state').execute()
        if (states.every((r) => r.state === 'przyjeta')) break
        const blad = await s.built.db
          .selectFrom('ksef_submissions')
          .select(['last_error'])
          .where('state', 'in', ['blad', 'odrzucona'])
          .execute()
        t.same(blad, [], 'no document stops on a temporary fault')
        s.built.clock.advance(3_600_000)
      }
      await assertAcceptedOnce(t, s, ids)
    })
  }
})
