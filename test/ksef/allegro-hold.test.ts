// The automatic delivery of an invoice to its Allegro order waits for the KSeF number (or for the
// invoice to be offline), so the PDF the buyer gets carries its KSeF code; without a KSeF
// connection in Biurko nothing waits. Allegro and KSeF are both the built-in simulators.
import t from 'tap'
import { sendDocumentToAllegro } from '../../src/delivery/allegro-delivery.sender.ts'
import { queueNewlyIssued, runKsefRound } from '../../src/ksef/ksef-sender.ts'
import { ksefDepsOf } from '../../src/ksef/ksef-worker.ts'
import { submissionOf } from '../../src/ksef/submissions.queries.ts'
import { issue, setupAllegro, sharedOrder } from '../documents/allegro-fixtures.ts'
import { insertConnection, roomyLimiter } from './helpers/ksef-setup.ts'

const noWaits = { sleep: async () => {}, random: () => 0 }

t.test('Allegro gets the invoice only once KSeF has given it a number', async (t) => {
  const s = await setupAllegro(t, {
    build: { company: { auto_book: 0 }, config: { KSEF_SIMULATOR_ENABLED: 'true', KSEF_WORKER_INTERVAL_MS: '3600000' } }
  })
  await s.app.listen({ port: 0, host: '127.0.0.1' })
  s.app.ksefSimulator!.setRateLimits(false)
  await insertConnection(s, {
    environment: 'symulator',
    token: s.app.ksefSimulator!.issueKsefToken('5261040828').token
  })
  await s.db.updateTable('allegro_shops').set({ auto_send_documents: 1 }).execute()
  const { orderId, transactionId } = await sharedOrder(s)
  const docId = await issue(s, s.owner, transactionId)

  const held = await sendDocumentToAllegro(s.app, docId, { trigger: 'auto', client: noWaits })
  t.match(held, { kind: 'failed', message: /czeka na numer KSeF/ })
  t.equal(s.sim.simulator.invoicesOf(orderId).length, 0, 'nothing went to Allegro yet')
  const row = await s.db
    .selectFrom('document_allegro_deliveries')
    .select(['state', 'next_attempt_at', 'attempts'])
    .where('document_id', '=', docId)
    .executeTakeFirst()
  t.match(row, { state: 'do_wyslania', attempts: 0 }, 'waiting costs no attempt')

  // what the KSeF worker does on its tick: auto-send queues the new invoice, a round sends it
  const deps = {
    ...ksefDepsOf(s.app),
    limiter: roomyLimiter(),
    sleep: async (ms: number) => {
      s.clock.advance(ms)
      await s.app.ksefSimulator!.idle()
    }
  }
  t.equal(await queueNewlyIssued(deps), 1)
  await runKsefRound(deps)
  t.equal((await submissionOf(s.db, docId))?.state, 'przyjeta')
  const sent = await sendDocumentToAllegro(s.app, docId, { trigger: 'auto', client: noWaits })
  t.equal(sent.kind, 'sent')
  t.equal(s.sim.simulator.invoicesOf(orderId).length, 1)
})

t.test('without a KSeF connection the delivery does not wait', async (t) => {
  const s = await setupAllegro(t, { build: { company: { auto_book: 0 } } })
  const { orderId, transactionId } = await sharedOrder(s)
  const docId = await issue(s, s.owner, transactionId)
  t.equal((await sendDocumentToAllegro(s.app, docId, { trigger: 'auto', client: noWaits })).kind, 'sent')
  t.equal(s.sim.simulator.invoicesOf(orderId).length, 1)
})
