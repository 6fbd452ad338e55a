// Wyślij do Allegro while Allegro misbehaves, at each of the three calls (read the order's
// invoices, POST the metadata, PUT the PDF), through the document page like a person clicking.
// What is safe to repeat is retried inside the click; what is not (a POST that may have
// reached Allegro) fails with a Polish message and the next click finishes the job. Either
// way the order ends with exactly one invoice, carrying the document's PDF.
import t from 'tap'
import type { Test } from 'tap'
import type { FaultSpec } from '../../src/simulators/allegro/simulator.ts'
import { approveOnConfirmationPage, finishFlow, startFlow } from '../allegro/helpers.ts'
import { issue, setupAllegro, sharedOrder, type AllegroSetup } from '../documents/allegro-fixtures.ts'
import { flashes } from './fixtures/allegro.ts'

type Step = 'list' | 'create' | 'upload'
const STEPS: Step[] = ['list', 'create', 'upload']
const STEP_METHOD: Record<Step, string> = { list: 'GET', create: 'POST', upload: 'PUT' }

interface Fault {
  name: string
  spec: Record<string, unknown>
  times: number
  timeoutMs?: number
  /** where the fault is armed; default all three calls */
  steps?: Step[]
  /** the steps whose failure the client cannot safely repeat: the click fails, the next one completes */
  failsOnce: Step[]
}

const FAULTS: Fault[] = [
  {
    name: '429 with Retry-After',
    spec: { kind: 'status', status: 429, retryAfter: 1 },
    times: 1,
    steps: ['create', 'upload'],
    failsOnce: []
  },
  { name: '429 without Retry-After', spec: { kind: 'status', status: 429 }, times: 2, failsOnce: [] },
  { name: '500', spec: { kind: 'status', status: 500 }, times: 2, failsOnce: ['create'] },
  { name: '503', spec: { kind: 'status', status: 503 }, times: 2, failsOnce: ['create'] },
  {
    name: 'a response slower than the timeout',
    spec: { kind: 'delay', ms: 1200 },
    times: 1,
    timeoutMs: 500,
    failsOnce: ['create']
  },
  { name: 'connection reset', spec: { kind: 'reset' }, times: 2, failsOnce: ['create'] },
  { name: 'malformed JSON', spec: { kind: 'malformed' }, times: 1, failsOnce: ['create'] },
  { name: 'expired access token', spec: { kind: 'expiredToken' }, times: 1, failsOnce: [] }
]

async function setup(t: Test, timeoutMs = 2000) {
  const s = await setupAllegro(t, {
    build: { config: { ALLEGRO_RETRY_BASE_MS: '1', ALLEGRO_TIMEOUT_MS: String(timeoutMs) } }
  })
  const { orderId, transactionId } = await sharedOrder(s)
  const docId = await issue(s, s.owner, transactionId)
  const doc = await s.db.selectFrom('documents').select('number').where('id', '=', docId).executeTakeFirstOrThrow()
  return { s, orderId, docId, number: doc.number }
}

/** Wyślij do Allegro on the document page; returns the page the redirect leads to. */
async function clickSend(s: AllegroSetup, docId: number): Promise<string> {
  const page = await s.owner.get(`/przychody/dokumenty/${docId}`)
  if (!page.body.includes(`action="/przychody/dokumenty/${docId}/allegro"`))
    throw new Error('no Wyślij do Allegro button')
  const response = await s.owner.post(`/przychody/dokumenty/${docId}/allegro`)
  if (response.statusCode !== 303 || response.headers.location !== `/przychody/dokumenty/${docId}`)
    throw new Error(`Wyślij answered ${response.statusCode}`)
  return (await s.owner.get(`/przychody/dokumenty/${docId}`)).body
}

async function deliveryRow(s: AllegroSetup, docId: number) {
  return await s.db
    .selectFrom('document_allegro_deliveries')
    .selectAll()
    .where('document_id', '=', docId)
    .executeTakeFirstOrThrow()
}

/** A delayed request is still handled by Allegro after the client gave up on it: let it land. */
async function delayedRequestsLanded(fault: Fault): Promise<void> {
  if (fault.spec.kind === 'delay') await new Promise((resolve) => setTimeout(resolve, Number(fault.spec.ms) + 100))
}

async function assertExactlyOneInvoice(
  t: Test,
  s: AllegroSetup,
  orderId: string,
  docId: number,
  number: string
): Promise<void> {
  const invoices = s.sim.simulator.invoicesOf(orderId)
  t.equal(invoices.length, 1, 'exactly one invoice on the order')
  t.equal(invoices[0]?.invoiceNumber, number, 'under the document’s number')
  t.equal(invoices[0]?.file?.subarray(0, 5).toString('latin1'), '%PDF-', 'with the PDF attached')
  const row = await deliveryRow(s, docId)
  t.equal(row.allegro_invoice_id, invoices[0]?.id, 'the Allegro invoice id is stored')
  t.equal(row.state, 'w_weryfikacji', 'the document waits for Allegro’s check')
  t.equal(row.last_error, null, 'no error left over')
}

for (const fault of FAULTS) {
  const steps = fault.steps ?? STEPS
  t.test(
    `Wyślij do Allegro: ${fault.name} on ${steps.map((step) => `${STEP_METHOD[step]} (${step})`).join(', ')}`,
    async (t) => {
      const { s, orderId, docId, number } = await setup(t, fault.timeoutMs)
      let armed = 0
      for (const step of steps) {
        // a call the client does not repeat meets the fault once; the others are retried through all of theirs
        const times = fault.failsOnce.includes(step) ? 1 : fault.times
        s.sim.simulator.faults.add({
          ...fault.spec,
          path: `/order/checkout-forms/${orderId}/invoices`,
          exact: step !== 'upload',
          method: STEP_METHOD[step],
          times
        } as FaultSpec)
        armed += times
      }
      const failsOnce = fault.failsOnce.some((step) => steps.includes(step))

      const first = await clickSend(s, docId)
      await delayedRequestsLanded(fault)
      if (failsOnce) {
        t.match(flashes(first, 'error').join(' '), 'Nie wysłano dokumentu do Allegro:', 'the click says it did not go')
        t.match(
          flashes(first, 'error').join(' '),
          'Allegro mogło przyjąć dane dokumentu – następna próba to sprawdzi.',
          'and why trying again is safe'
        )
        t.match(first, 'Wyślij do Allegro teraz', 'the page offers to send it now')
        t.match(await deliveryRow(s, docId), { state: 'do_wyslania', attempts: 1 })
        const second = await clickSend(s, docId)
        await delayedRequestsLanded(fault)
        t.match(
          flashes(second, 'success').join(' '),
          `Dokument ${number} został dołączony do zamówienia w Allegro`,
          'the second click finishes the job'
        )
      } else {
        t.same(flashes(first, 'error'), [], 'no error shown')
        t.match(
          flashes(first, 'success').join(' '),
          `Dokument ${number} został dołączony do zamówienia w Allegro (w weryfikacji).`,
          'retried within the click'
        )
      }
      t.equal(s.sim.simulator.faults.list().length, 0, 'every armed fault fired')
      t.equal(s.sim.simulator.faults.history.length, armed, `${armed} faulty answers were met`)
      await assertExactlyOneInvoice(t, s, orderId, docId, number)
    }
  )
}

t.test(
  'Wyślij do Allegro with Allegro down beyond the retries: metadata kept, a clear error, the next click uploads only',
  async (t) => {
    const { s, orderId, docId, number } = await setup(t)
    s.sim.simulator.faults.add({
      path: `/order/checkout-forms/${orderId}/invoices`,
      method: 'PUT',
      kind: 'status',
      status: 503,
      times: 1000
    })
    const first = await clickSend(s, docId)
    t.match(flashes(first, 'error').join(' '), /Nie wysłano dokumentu do Allegro: .*\(liczba prób: 5\)/)
    t.match(first, 'Ostatni błąd')
    const [metadata] = s.sim.simulator.invoicesOf(orderId)
    t.equal(metadata.file, null, 'metadata without its file')
    t.match(await deliveryRow(s, docId), { state: 'do_wyslania', allegro_invoice_id: metadata.id })

    s.sim.simulator.faults.clear()
    const second = await clickSend(s, docId)
    t.match(flashes(second, 'success').join(' '), `Dokument ${number} został dołączony`)
    t.equal(s.sim.simulator.invoicesOf(orderId)[0].id, metadata.id, 'the same invoice got its file')
    await assertExactlyOneInvoice(t, s, orderId, docId, number)
  }
)

t.test(
  'Wyślij do Allegro with a revoked grant: "połącz sklep ponownie", then after reconnecting it goes once',
  async (t) => {
    const { s, orderId, docId, number } = await setup(t)
    s.sim.simulator.revokeTokens('demo_sklep')
    const first = await clickSend(s, docId)
    t.match(flashes(first, 'error').join(' '), 'połącz sklep ponownie')
    t.equal(s.sim.simulator.invoicesOf(orderId).length, 0, 'nothing reached Allegro')
    t.equal(
      (
        await s.db
          .selectFrom('allegro_shops')
          .select('connection_status')
          .where('id', '=', s.shopId)
          .executeTakeFirstOrThrow()
      ).connection_status,
      'reconnect_required'
    )

    const refused = await s.owner.post(`/przychody/dokumenty/${docId}/allegro`)
    t.equal(refused.statusCode, 303)
    const refusedPage = (await s.owner.get(`/przychody/dokumenty/${docId}`)).body
    t.match(
      flashes(refusedPage, 'error').join(' '),
      'nie jest połączony z Allegro',
      'no call is made for a disconnected shop'
    )

    const flow = await startFlow(t, s.owner, s.shopId)
    await approveOnConfirmationPage(s.sim, flow.link, flow.userCode, 'demo_sklep', 'demo1234')
    await finishFlow(s.owner, s.clock, s.shopId)
    const sent = await clickSend(s, docId)
    t.match(flashes(sent, 'success').join(' '), `Dokument ${number} został dołączony`)
    await assertExactlyOneInvoice(t, s, orderId, docId, number)
  }
)
