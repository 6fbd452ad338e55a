// The app with its built-in KSeF simulator listening on loopback, for the sender's tests.
import type { Test } from 'tap'
import type { Database } from '../../../src/db/database.ts'
import { build, type Built } from '../../helpers/app.ts'
import { invoiceFor } from '../../corrections/helpers.ts'
import { isValidKsefNumber } from '../../../src/ksef/ksef-number.ts'
import { queueSubmission, type KsefDeps } from '../../../src/ksef/ksef-sender.ts'
import { ksefDepsOf } from '../../../src/ksef/ksef-worker.ts'
import { invoiceFileOf, submissionOf } from '../../../src/ksef/submissions.queries.ts'
import type { KsefSimulator } from '../../../src/simulators/ksef/simulator.ts'
import { insertConnection, roomyLimiter } from './ksef-setup.ts'

export const NIP = '5261040828'

export interface Setup {
  built: Built
  sim: KsefSimulator
  deps: KsefDeps
  responses: number[]
}

export async function setup(
  t: Pick<Test, 'teardown'>,
  opts: { rateLimits?: boolean; connect?: boolean; timeoutMs?: number; db?: Database } = {}
): Promise<Setup> {
  // the simulator checks each file against the FA(3) XSD (xmllint-wasm), slow on a busy machine
  const built = await build(t as Test, {
    ...(opts.db !== undefined ? { db: opts.db } : {}),
    config: {
      KSEF_SIMULATOR_ENABLED: 'true',
      KSEF_RETRY_BASE_MS: '10',
      KSEF_TIMEOUT_MS: String(opts.timeoutMs ?? 20_000),
      KSEF_WORKER_INTERVAL_MS: '3600000'
    }
  })
  await built.app.listen({ port: 0, host: '127.0.0.1' })
  const sim = built.app.ksefSimulator!
  await sim.ready()
  sim.setRateLimits(opts.rateLimits ?? false)
  if (opts.connect !== false)
    await insertConnection(built, { environment: 'symulator', token: sim.issueKsefToken(NIP).token })
  const responses: number[] = []
  const counting: typeof fetch = async (input, init) => {
    const response = await globalThis.fetch(input, init)
    responses.push(response.status)
    return response
  }
  // waiting moves the app's (and so the simulator's) clock instead of the wall clock
  // and lets the simulator finish checking what it received (it answers 150 until then, like KSeF)
  const deps: KsefDeps = {
    ...ksefDepsOf(built.app),
    fetch: counting,
    sleep: async (ms) => {
      built.clock.advance(ms)
      await sim.idle()
    },
    limiter: opts.rateLimits === true ? undefined : roomyLimiter()
  }
  return { built, sim, deps, responses }
}

export async function issueAndQueue(built: Built): Promise<number> {
  const { invoiceId } = await invoiceFor(built, { invoice: 'company' })
  const queued = await queueSubmission(built.db, invoiceId, built.clock())
  if (!queued.ok) throw new Error(queued.problems.join(' '))
  return invoiceId
}

/** Every document: accepted once, KSeF holding exactly the stored bytes under its number. */
export async function assertAcceptedOnce(t: Test, s: Setup, ids: number[]): Promise<void> {
  // the simulator's view of the seller (our access token may have expired on the moved clock)
  const claims = { authReferenceNumber: 'test', nip: NIP, exp: Number.MAX_SAFE_INTEGER }
  for (const id of ids) {
    const row = await submissionOf(s.built.db, id)
    t.equal(row?.state, 'przyjeta', `document ${id} accepted`)
    if (row?.ksef_number == null) continue
    t.ok(isValidKsefNumber(row.ksef_number), 'its number passes the CRC-8')
    const file = await invoiceFileOf(s.built.db, id)
    t.same(
      s.sim.invoiceByKsefNumber(claims, row.ksef_number).content,
      Buffer.from(file!.xml),
      'KSeF has exactly the stored bytes'
    )
  }
  t.equal(s.sim.stats().invoices, ids.length, 'one KSeF invoice per document')
}
