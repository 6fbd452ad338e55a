// KSeF's public keys and tokens across a change on KSeF's side: a key withdrawn before its
// validTo (code 21470, as after a restart of the built-in simulator, which makes new keys) is
// fetched anew and the invoice still goes out; a token the simulator issued still logs in after
// the simulator restarts with the same secret, as a real KSeF token outlives any one session.
import { randomBytes } from 'node:crypto'
import t from 'tap'
import { encryptKsefToken } from '../../src/ksef/client/ksef-crypto.ts'
import { KsefClient } from '../../src/ksef/client/ksef.client.ts'
import { forgetTokens } from '../../src/ksef/connection.queries.ts'
import { runKsefRound } from '../../src/ksef/ksef-sender.ts'
import { toStoredTimestamp } from '../../src/shared/dates.ts'
import { SELLER_NIP, startSim } from '../simulators/ksef/helpers.ts'
import { assertAcceptedOnce, issueAndQueue, setup } from './helpers/sim-setup.ts'

/** a publicKeyId of the right form that KSeF never issued */
const WITHDRAWN_ID = Buffer.alloc(32, 7).toString('base64')

t.test('a withdrawn public key (21470) is fetched anew, for the session and for the login', async (t) => {
  const s = await setup(t)
  const first = await issueAndQueue(s.built)
  await runKsefRound(s.deps)
  const cachedIds = async (): Promise<string[]> =>
    (await s.built.db.selectFrom('ksef_public_keys').select('public_key_id').orderBy('usage').execute()).map(
      (r) => r.public_key_id ?? ''
    )
  const current = await cachedIds()
  t.equal(current.length, 2, 'both keys cached after the first send')

  // the session key withdrawn, the access token still valid: opening the session meets 21470
  await s.built.db.updateTable('ksef_public_keys').set({ public_key_id: WITHDRAWN_ID }).execute()
  const second = await issueAndQueue(s.built)
  const before = s.responses.length
  await runKsefRound(s.deps)
  t.equal(s.responses.slice(before).filter((status) => status === 400).length, 1, 'KSeF refused the withdrawn key once')
  t.same(await cachedIds(), current, 'the cache holds KSeF’s current keys again')

  // the token key withdrawn and no access token: the login meets 21470
  await s.built.db.updateTable('ksef_public_keys').set({ public_key_id: WITHDRAWN_ID }).execute()
  await forgetTokens(s.built.db, toStoredTimestamp(s.built.clock()))
  const third = await issueAndQueue(s.built)
  const beforeLogin = s.responses.length
  await runKsefRound(s.deps)
  t.equal(
    s.responses.slice(beforeLogin).filter((status) => status === 400).length,
    1,
    'the login with the withdrawn key was refused once, then made with the new one'
  )
  await assertAcceptedOnce(t, s, [first, second, third])
})

t.test(
  'a KSeF token issued by the simulator logs in after a restart with the same secret, a forged one does not',
  async (t) => {
    const secret = randomBytes(32)
    const before = await startSim(t, { secret })
    const token = before.simulator.issueKsefToken(SELLER_NIP).token
    await before.close()
    const after = await startSim(t, { secret })
    const client = new KsefClient({ baseUrl: after.apiUrl, timeoutMs: 30_000, retryBaseMs: 1 })
    const tokenKey = (await client.publicKeyCertificates()).find((k) => k.usage.includes('KsefTokenEncryption'))!
    const login = async (candidate: string): Promise<number> => {
      const challenge = await client.challenge()
      const init = await client.authWithKsefToken({
        challenge: challenge.challenge,
        nip: SELLER_NIP,
        encryptedToken: encryptKsefToken(tokenKey.certificate, candidate, challenge.timestampMs),
        publicKeyId: tokenKey.publicKeyId
      })
      return (await client.authStatus(init.referenceNumber, init.authenticationToken)).code
    }
    t.equal(await login(token), 200, 'the token from before the restart works')
    const forged = token.replace(/[0-9a-f]$/, (c) => (c === '0' ? '1' : '0'))
    t.equal(await login(forged), 450, 'one changed character of its secret part is refused')
    const otherNip = token.replace(`nip-${SELLER_NIP}`, 'nip-5213017228')
    t.equal(await login(otherNip), 450, 'so is the same secret under another NIP')
  }
)
