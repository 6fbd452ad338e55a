// Wyślij do Allegro against the simulator over real HTTP: the two-step upload, read-back before
// every attempt, retries that never create a second invoice, the state read back, automatic
// sending after issuing, and the Polish error messages.
import t from 'tap'
import { AllegroApiError } from '../../src/allegro/allegro.client.ts'
import {
  canSendToAllegro,
  deliveryErrorMessage,
  findOurInvoice,
  isTemporary,
  MAX_AUTO_ATTEMPTS,
  parseOrderInvoices,
  retryDelayMinutes,
  stateOfUploaded
} from '../../src/delivery/allegro-delivery.ts'
import { sendDocumentToAllegro, startAllegroDeliveryWorker } from '../../src/delivery/allegro-delivery.sender.ts'
import { seedUser } from '../helpers/app.ts'
import { TestClient } from '../helpers/client.ts'
import { issue, setupAllegro, sharedOrder, type AllegroSetup } from './allegro-fixtures.ts'

const noWaits = { sleep: async () => {}, random: () => 0 }

async function delivery(setup: AllegroSetup, documentId: number) {
  return await setup.db
    .selectFrom('document_allegro_deliveries')
    .selectAll()
    .where('document_id', '=', documentId)
    .executeTakeFirst()
}

function worker(t: { teardown: (fn: () => unknown) => void }, setup: AllegroSetup, client = noWaits) {
  const w = startAllegroDeliveryWorker(setup.app, { intervalMs: 3_600_000, client })
  t.teardown(w.stop)
  return w
}

function invoicePosts(setup: AllegroSetup): number {
  return setup.sim.simulator.stats.requests['POST /order/checkout-forms/:id/invoices'] ?? 0
}

t.test(
  'Wyślij do Allegro: metadata and PDF in two steps, state read back from WAITING to ACCEPTED, never twice',
  async (t) => {
    const s = await setupAllegro(t)
    const { orderId, transactionId } = await sharedOrder(s)
    const docId = await issue(s, s.owner, transactionId)

    const before = await s.owner.get(`/przychody/dokumenty/${docId}`)
    t.match(before.body, 'Dokument w Allegro')
    t.match(before.body, `action="/przychody/dokumenty/${docId}/allegro"`)
    t.notMatch(before.body, 'Odśwież status')

    const sent = await s.owner.post(`/przychody/dokumenty/${docId}/allegro`)
    t.equal(sent.statusCode, 303)
    t.equal(sent.headers.location, `/przychody/dokumenty/${docId}`)
    const invoices = s.sim.simulator.invoicesOf(orderId)
    t.equal(invoices.length, 1, 'one invoice on the order')
    t.match(invoices[0], { invoiceNumber: 'FV 1/11/2026', fileName: 'FV_1_11_2026.pdf' })
    t.equal(invoices[0].file?.subarray(0, 5).toString('latin1'), '%PDF-', 'the file is the PDF')
    t.match(await delivery(s, docId), {
      state: 'w_weryfikacji',
      allegro_invoice_id: invoices[0].id,
      attempts: 1,
      last_error: null,
      next_attempt_at: null
    })

    const page = await s.owner.get(`/przychody/dokumenty/${docId}`)
    t.match(page.body, 'Dokument FV 1/11/2026 został dołączony do zamówienia w Allegro (w weryfikacji).')
    t.match(page.body, '<span class="badge warn">w weryfikacji</span>')
    t.match(page.body, 'Odśwież status')
    t.notMatch(page.body, `action="/przychody/dokumenty/${docId}/allegro"`, 'no second Wyślij once it is there')

    // the simulated virus scan takes 5 s on the shared clock
    s.clock.advance(6000)
    const refreshed = await s.owner.post(`/przychody/dokumenty/${docId}/allegro/status`)
    t.equal(refreshed.statusCode, 303)
    const after = await s.owner.get(`/przychody/dokumenty/${docId}`)
    t.match(after.body, 'Status w Allegro: widoczna dla kupującego.')
    t.match(after.body, '<span class="badge ok">widoczna dla kupującego</span>')
    t.match(await delivery(s, docId), { state: 'widoczna' })

    // a stale second tab still posts Wyślij: read back, nothing sent
    await s.owner.post(`/przychody/dokumenty/${docId}/allegro`)
    t.match(
      (await s.owner.get(`/przychody/dokumenty/${docId}`)).body,
      'jest już w Allegro (widoczna dla kupującego) – nie wysłano go ponownie'
    )
    t.equal(s.sim.simulator.invoicesOf(orderId).length, 1)
    t.equal(invoicePosts(s), 1)
  }
)

t.test(
  'the answer to the POST is lost after Allegro stored the metadata: the retry reads it back and uploads once',
  async (t) => {
    // Allegro acts on the POST, then the connection times out before its answer arrives
    let loseNextInvoicePost = true
    const fetchLosingAnswer: typeof fetch = async (input, init) => {
      const response = await globalThis.fetch(input, init)
      if (loseNextInvoicePost && init?.method === 'POST' && String(input).endsWith('/invoices')) {
        loseNextInvoicePost = false
        await response.arrayBuffer()
        throw Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' })
      }
      return response
    }
    const s = await setupAllegro(t, { build: { fetch: fetchLosingAnswer } })
    const { orderId, transactionId } = await sharedOrder(s)
    const docId = await issue(s, s.owner, transactionId)

    await s.owner.post(`/przychody/dokumenty/${docId}/allegro`)
    const page = await s.owner.get(`/przychody/dokumenty/${docId}`)
    t.match(page.body, 'Nie wysłano dokumentu do Allegro: Allegro nie odpowiedziało w wyznaczonym czasie.')
    t.match(page.body, 'Allegro mogło przyjąć dane dokumentu – następna próba to sprawdzi.')
    t.match(page.body, 'Biurko spróbuje ponownie samo.')
    t.match(page.body, 'Następna próba')
    t.match(await delivery(s, docId), {
      state: 'do_wyslania',
      allegro_invoice_id: null,
      attempts: 1,
      next_attempt_at: '2026-11-16T09:02:00.000Z'
    })
    t.equal(s.sim.simulator.invoicesOf(orderId).length, 1, 'Allegro has the metadata')
    t.equal(s.sim.simulator.invoicesOf(orderId)[0].file, null, 'without a file')

    const w = worker(t, s)
    t.same(await w.tick(), [], 'not due yet')
    s.clock.advance(2 * 60_000)
    const [outcome] = await w.tick()
    t.match(outcome, { kind: 'sent' })
    const invoices = s.sim.simulator.invoicesOf(orderId)
    t.equal(invoices.length, 1, 'still one invoice')
    t.ok(invoices[0].file !== null, 'now with its file')
    t.equal(invoicePosts(s), 1, 'the metadata was posted once')
    t.match(await delivery(s, docId), {
      state: 'w_weryfikacji',
      allegro_invoice_id: invoices[0].id,
      attempts: 2,
      last_error: null
    })
  }
)

t.test('the file upload fails after the metadata: the invoice id is kept, the retry uploads only', async (t) => {
  const s = await setupAllegro(t)
  const { orderId, transactionId } = await sharedOrder(s)
  const docId = await issue(s, s.owner, transactionId)
  // every attempt of the client's own retries fails, so the whole send fails
  s.sim.simulator.faults.add({
    method: 'PUT',
    path: `/order/checkout-forms/${orderId}/invoices`,
    kind: 'status',
    status: 503,
    times: 5
  })

  const first = await sendDocumentToAllegro(s.app, docId, { trigger: 'manual', client: noWaits })
  t.match(first, { kind: 'failed', retryAt: '2026-11-16T09:02:00.000Z' })
  t.match(
    first.kind === 'failed' ? first.message : '',
    'Wystąpił błąd po stronie Allegro. Spróbuj ponownie później. (liczba prób: 5)'
  )
  const [metadata] = s.sim.simulator.invoicesOf(orderId)
  t.equal(metadata.file, null)
  t.match(await delivery(s, docId), { state: 'do_wyslania', allegro_invoice_id: metadata.id, attempts: 1 })

  s.clock.advance(2 * 60_000)
  const [retry] = await worker(t, s).tick()
  t.match(retry, { kind: 'sent' })
  const invoices = s.sim.simulator.invoicesOf(orderId)
  t.equal(invoices.length, 1)
  t.equal(invoices[0].id, metadata.id, 'the same invoice got its file')
  t.ok(invoices[0].file !== null)
  t.equal(invoicePosts(s), 1)
})

t.test('double click, a second tab and the background sender at once: one invoice, one file', async (t) => {
  const s = await setupAllegro(t)
  const { orderId, transactionId } = await sharedOrder(s)
  const docId = await issue(s, s.owner, transactionId)
  await s.owner.get(`/przychody/dokumenty/${docId}`)
  const second = new TestClient(s.app)
  await second.login('wlasciciel', 'tajne-haslo-123')
  await second.get(`/przychody/dokumenty/${docId}`)
  const [a, b, c, d] = await Promise.all([
    s.owner.post(`/przychody/dokumenty/${docId}/allegro`),
    s.owner.post(`/przychody/dokumenty/${docId}/allegro`),
    second.post(`/przychody/dokumenty/${docId}/allegro`),
    sendDocumentToAllegro(s.app, docId, { trigger: 'auto', client: noWaits })
  ])
  t.same([a.statusCode, b.statusCode, c.statusCode], [303, 303, 303])
  t.ok(['sent', 'busy', 'already'].includes(d.kind))
  const invoices = s.sim.simulator.invoicesOf(orderId)
  t.equal(invoices.length, 1, 'one invoice')
  t.ok(invoices[0].file !== null)
  t.equal(invoicePosts(s), 1, 'one POST reached Allegro')
  t.equal(s.sim.simulator.stats.invoiceFilesUploaded, 1, 'one file uploaded')
  t.match(await delivery(s, docId), { claimed_until: null, state: 'w_weryfikacji' })
})

t.test('Allegro refuses an invoice the buyer did not ask for: clear message, not retried', async (t) => {
  const s = await setupAllegro(t, { sim: { rejectInvoiceWithoutRequest: true } })
  const { orderId, transactionId } = await sharedOrder(s, { invoice: 'none', simInvoice: 'none' })
  const docId = await issue(s, s.owner, transactionId, 'paragon')
  await s.owner.post(`/przychody/dokumenty/${docId}/allegro`)
  const page = await s.owner.get(`/przychody/dokumenty/${docId}`)
  t.match(
    page.body,
    'Nie wysłano dokumentu do Allegro: Allegro nie przyjmuje faktury do tego zamówienia (kupujący nie prosił o fakturę).'
  )
  t.notMatch(page.body, 'spróbuje ponownie')
  t.match(page.body, '<span class="badge err">nie wysłano</span>')
  t.match(await delivery(s, docId), { state: 'blad', next_attempt_at: null, allegro_invoice_id: null })
  s.clock.advance(24 * 3600_000)
  t.same(await worker(t, s).tick(), [], 'the background sender leaves it alone')
  t.equal(s.sim.simulator.invoicesOf(orderId).length, 0)
})

t.test(
  'automatic sending after issuing: invoices queued and sent by the background sender; pro forma and internal documents are not',
  async (t) => {
    const s = await setupAllegro(t, { build: { company: { auto_book: 0 } } })
    const shopUrl = `/ustawienia/integracje/allegro/sklepy/${s.shopId}`
    t.match((await s.owner.get('/przychody/dokumenty/wysylka-allegro')).body, 'tylko ręcznie', 'off at first')
    const form = await s.owner.get(shopUrl)
    t.match(form.body, 'Automatycznie wysyłaj dokumenty do Allegro po wystawieniu')
    t.match(form.body, 'name="autoSendDocuments">', 'unchecked at first')
    const shop = await s.db.selectFrom('allegro_shops').selectAll().where('id', '=', s.shopId).executeTakeFirstOrThrow()
    const saved = await s.owner.post(shopUrl, {
      name: shop.name,
      buyerDataSource: shop.buyer_data_source,
      backfillDays: String(shop.backfill_days),
      autoSendDocuments: 'on'
    })
    t.equal(saved.statusCode, 303)
    t.match((await s.owner.get(shopUrl)).body, 'name="autoSendDocuments" checked>')
    t.match((await s.owner.get('/przychody/dokumenty/wysylka-allegro')).body, 'wysyła automatycznie')

    const invoiceOrder = await sharedOrder(s)
    const proformaOrder = await sharedOrder(s)
    const internalOrder = await sharedOrder(s)
    const cancelledOrder = await sharedOrder(s)
    const invoice = await issue(s, s.owner, invoiceOrder.transactionId)
    const proforma = await issue(s, s.owner, proformaOrder.transactionId, 'proforma')
    const internal = await issue(s, s.owner, internalOrder.transactionId, 'inny_przychod')
    const cancelled = await issue(s, s.owner, cancelledOrder.transactionId)
    t.match(await delivery(s, invoice), { state: 'do_wyslania', next_attempt_at: '2026-11-16T09:00:00.000Z' })
    t.equal(await delivery(s, proforma), undefined, 'a pro forma goes only when asked')
    t.equal(await delivery(s, internal), undefined, 'an internal document never goes')
    await s.owner.get(`/przychody/dokumenty/${cancelled}/anulowanie`)
    t.equal((await s.owner.post(`/przychody/dokumenty/${cancelled}/anulowanie`)).statusCode, 303)
    t.match(await delivery(s, cancelled), { state: 'blad', last_error: 'Dokument anulowano, zanim trafił do Allegro.' })

    const outcomes = await worker(t, s).tick()
    t.equal(outcomes.length, 1)
    t.equal(s.sim.simulator.invoicesOf(invoiceOrder.orderId).length, 1)
    t.equal(s.sim.simulator.invoicesOf(cancelledOrder.orderId).length, 0)
    t.equal(s.sim.simulator.invoicesOf(proformaOrder.orderId).length, 0)
    t.match(await delivery(s, invoice), { state: 'w_weryfikacji' })

    // the background sender also reads back what Allegro is still checking
    s.clock.advance(6 * 60_000)
    await worker(t, s).tick()
    t.match(await delivery(s, invoice), { state: 'widoczna' })

    // a pro forma by hand is fine
    await s.owner.post(`/przychody/dokumenty/${proforma}/allegro`)
    t.equal(s.sim.simulator.invoicesOf(proformaOrder.orderId).length, 1)
    const list = await s.owner.get('/przychody/dokumenty/wysylka-allegro')
    t.match(list.body, 'PRO 1/11/2026')
    t.match(list.body, 'Dokument anulowano, zanim trafił do Allegro.')
  }
)

t.test('Allegro unreachable every time: bounded backoff, then the document waits for the user', async (t) => {
  const s = await setupAllegro(t, { build: { company: { auto_book: 0 } } })
  await s.db.updateTable('allegro_shops').set({ auto_send_documents: 1 }).execute()
  const { orderId, transactionId } = await sharedOrder(s)
  const docId = await issue(s, s.owner, transactionId)
  s.sim.simulator.faults.add({
    method: 'GET',
    path: `/order/checkout-forms/${orderId}/invoices`,
    kind: 'status',
    status: 503,
    times: 1000
  })
  const w = worker(t, s, { ...noWaits, maxRetries: 0 } as typeof noWaits)
  const waits: number[] = []
  for (let attempt = 1; attempt <= MAX_AUTO_ATTEMPTS; attempt++) {
    const [outcome] = await w.tick()
    t.equal(outcome.kind, 'failed', `attempt ${attempt} failed`)
    const row = await delivery(s, docId)
    if (row?.next_attempt_at) {
      waits.push((Date.parse(row.next_attempt_at) - s.clock().toMillis()) / 60_000)
      s.clock.set(row.next_attempt_at)
    }
  }
  t.same(waits, [2, 4, 8, 16, 32, 64, 128], 'exponential, bounded')
  t.match(await delivery(s, docId), {
    state: 'blad',
    attempts: MAX_AUTO_ATTEMPTS,
    next_attempt_at: null,
    last_error: /nie udało się po 8 próbach/
  })
  s.clock.advance(24 * 3600_000)
  t.same(await w.tick(), [])
  t.equal(s.sim.simulator.invoicesOf(orderId).length, 0)
})

t.test(
  'the background sender never loops: a disconnected shop stops the queue, a failed status check waits its turn',
  async (t) => {
    const s = await setupAllegro(t, { build: { company: { auto_book: 0 } } })
    await s.db.updateTable('allegro_shops').set({ auto_send_documents: 1 }).execute()
    const queued = await sharedOrder(s)
    const sent = await sharedOrder(s)
    const sentDoc = await issue(s, s.owner, sent.transactionId)
    const w = worker(t, s, { ...noWaits, maxRetries: 0 } as typeof noWaits)
    t.equal((await w.tick()).length, 1, 'the first document goes')
    t.match(await delivery(s, sentDoc), { state: 'w_weryfikacji' })

    // Allegro fails every status check: asked once per RECHECK period, not every round
    s.sim.simulator.faults.add({
      method: 'GET',
      path: `/order/checkout-forms/${sent.orderId}/invoices`,
      kind: 'status',
      status: 503,
      times: 1000
    })
    const gets = () => s.sim.simulator.stats.requests['GET /order/checkout-forms/:id/invoices'] ?? 0
    s.clock.advance(6 * 60_000)
    const before = gets()
    await w.tick()
    t.equal(gets(), before + 1, 'checked once')
    t.match(await delivery(s, sentDoc), {
      state: 'w_weryfikacji',
      checked_at: s.clock().toUTC().toISO(),
      claimed_until: null
    })
    s.clock.advance(60_000)
    await w.tick()
    t.equal(gets(), before + 1, 'not again a minute later')

    await s.db.updateTable('allegro_shops').set({ connection_status: 'reconnect_required' }).execute()
    const queuedDoc = await issue(s, s.owner, queued.transactionId)
    const [refused] = await w.tick()
    t.match(refused, { kind: 'refused', message: /Sklep Sklep Demo nie jest połączony z Allegro/ })
    t.match(await delivery(s, queuedDoc), { state: 'blad', next_attempt_at: null })
    t.same(await w.tick(), [], 'left for the user')
  }
)

t.test('who may send, and what cannot be sent', async (t) => {
  const s = await setupAllegro(t)
  const { transactionId } = await sharedOrder(s)
  const docId = await issue(s, s.owner, transactionId)
  const internalOrder = await sharedOrder(s)
  const internal = await issue(s, s.owner, internalOrder.transactionId, 'inny_przychod')

  t.match((await s.anonymous.post(`/przychody/dokumenty/${docId}/allegro`)).headers.location, '/logowanie')
  await s.owner.get(`/przychody/dokumenty/${docId}`)
  t.equal(
    (await s.owner.post(`/przychody/dokumenty/${docId}/allegro`, {}, { csrf: null })).statusCode,
    403,
    'no CSRF token'
  )
  await seedUser(s.db, { login: 'ksiegowa', password: 'haslo-ksiegowej-1', ksiegowosc: true })
  const bookkeeper = new TestClient(s.app)
  await bookkeeper.login('ksiegowa', 'haslo-ksiegowej-1')
  const page = await bookkeeper.get(`/przychody/dokumenty/${docId}`)
  t.equal(page.statusCode, 200, 'the document itself is visible')
  t.notMatch(page.body, `action="/przychody/dokumenty/${docId}/allegro"`, 'but without the Allegro button')
  t.equal((await bookkeeper.post(`/przychody/dokumenty/${docId}/allegro`)).statusCode, 403)
  t.equal((await bookkeeper.get('/przychody/dokumenty/wysylka-allegro')).statusCode, 403)
  t.equal(s.sim.simulator.stats.requests['GET /order/checkout-forms/:id/invoices'] ?? 0, 0, 'Allegro was not asked')

  await s.owner.post(`/przychody/dokumenty/${internal}/allegro`)
  t.match(
    (await s.owner.get(`/przychody/dokumenty/${internal}`)).body,
    '„Inny przychód – sprzedaż” to dokument wewnętrzny – nie wysyła się go kupującemu.'
  )

  await s.owner.get('/przychody/dokumenty/nowy')
  const manual = await s.owner.post('/przychody/dokumenty/nowy', {
    type: 'faktura',
    contractorId: '',
    buyerName: 'Pracownia Łucka',
    buyerNip: '5261040828',
    buyerStreet: 'ul. Ogrodowa 3',
    buyerPostalCode: '31-100',
    buyerCity: 'Kraków',
    buyerCountryCode: 'PL',
    issueDate: '2026-11-16',
    saleDate: '2026-11-16',
    dueDate: '2026-11-30',
    paymentMethod: 'przelew',
    notes: '',
    lineName: ['Usługa'],
    lineQuantity: ['1'],
    lineUnit: ['usł.'],
    linePrice: ['100,00'],
    lineVatRate: ['23'],
    action: 'issue'
  })
  const manualId = Number(String(manual.headers.location).split('/').pop())
  const manualPage = await s.owner.get(`/przychody/dokumenty/${manualId}`)
  t.notMatch(manualPage.body, 'Dokument w Allegro', 'a document without an order has no Allegro part')
  await s.owner.post(`/przychody/dokumenty/${manualId}/allegro`)
  t.match((await s.owner.get(`/przychody/dokumenty/${manualId}`)).body, 'nie jest powiązany z żadną transakcją Allegro')
  t.equal(invoicePosts(s), 0)
})

t.test("rules: what goes, how Allegro's list reads, error messages, backoff", async (t) => {
  t.ok(canSendToAllegro('faktura', 'auto'))
  t.ok(canSendToAllegro('paragon', 'auto'))
  t.ok(canSendToAllegro('korekta', 'auto'))
  t.notOk(canSendToAllegro('proforma', 'auto'))
  t.ok(canSendToAllegro('proforma', 'manual'))
  t.notOk(canSendToAllegro('inny_przychod', 'manual'))

  const list = parseOrderInvoices({
    invoices: [
      { id: 'a', invoiceNumber: 'FV 1/11/2026', file: { name: 'x.pdf', uploadedAt: null } },
      {
        id: 'b',
        invoiceNumber: 'FV 1/11/2026',
        file: {
          name: 'x.pdf',
          uploadedAt: '2026-11-16T09:00:00Z',
          securityVerification: { status: 'ACCEPTED' },
          verification: {
            status: 'REJECTED',
            details: [{ type: 'ERROR', code: 'X', message: 'Numer NIP \u0007nie zgadza się' }]
          }
        }
      },
      {
        id: 'c',
        invoiceNumber: '<script>',
        file: { uploadedAt: '2026-11-16T09:00:00Z', securityVerification: { status: 'SOMETHING' } }
      },
      { invoiceNumber: 'bez id' },
      'śmieci'
    ]
  })
  t.equal(list.length, 3, 'entries without an id are ignored')
  t.equal(findOurInvoice(list, 'FV 1/11/2026', null)?.id, 'b', 'the one with a file wins')
  t.equal(findOurInvoice(list, 'FV 1/11/2026', 'a')?.id, 'a', 'the known id first')
  t.equal(findOurInvoice(list, 'FV 2/11/2026', null), null)
  t.same(stateOfUploaded(list[1]), { state: 'odrzucono', reason: 'Numer NIP nie zgadza się' })
  t.same(stateOfUploaded(list[2]), { state: 'wyslano', reason: null }, 'an unknown status is not taken as accepted')
  t.same(parseOrderInvoices(null), [])

  const error = (init: Partial<ConstructorParameters<typeof AllegroApiError>[0]>) =>
    new AllegroApiError({ kind: 'http', status: 422, code: 'X', userMessage: 'Tekst Allegro.', ...init })
  t.equal(
    deliveryErrorMessage(error({ code: 'ORDER-WITHOUT-INVOICE' })),
    'Allegro nie przyjmuje faktury do tego zamówienia (kupujący nie prosił o fakturę).'
  )
  t.equal(
    deliveryErrorMessage(
      error({
        code: 'VALIDATION',
        details: [{ code: 'INVOICES-LIMIT-EXCEEDED', message: '', userMessage: null, path: null }]
      })
    ),
    'To zamówienie ma już 10 dokumentów w Allegro – więcej nie można dołączyć.'
  )
  t.equal(
    deliveryErrorMessage(error({ status: 413, code: 'HTTP_413' })),
    'Plik PDF jest za duży dla Allegro (najwyżej 3 MB).'
  )
  t.equal(
    deliveryErrorMessage(error({ code: 'FILE-CONTENT-INVALID' })),
    'Allegro nie przyjęło pliku: to nie jest poprawny PDF.'
  )
  t.equal(
    deliveryErrorMessage(error({ status: 404, code: 'CheckoutFormNotFoundException' })),
    'Allegro nie znalazło tego zamówienia (mogło zostać usunięte albo należy do innego konta Allegro).'
  )
  t.equal(deliveryErrorMessage(error({ code: 'SOMETHING-NEW' })), 'Tekst Allegro.')
  t.ok(isTemporary(error({ status: 429, retryable: true })))
  t.ok(isTemporary(error({ kind: 'network', status: null })))
  t.notOk(isTemporary(error({ code: 'ORDER-WITHOUT-INVOICE' })))
  t.notOk(isTemporary(error({ kind: 'reconnect_required', status: null })))
  t.same([1, 2, 3, 7, 8, 9, 30].map(retryDelayMinutes), [2, 4, 8, 128, 240, 240, 240])
})

t.test(
  'a claim left by a process killed mid-send is released when the sender starts: the document goes at once, once',
  async (t) => {
    const s = await setupAllegro(t)
    const shop = await s.db.selectFrom('allegro_shops').selectAll().where('id', '=', s.shopId).executeTakeFirstOrThrow()
    await s.owner.get(`/ustawienia/integracje/allegro/sklepy/${s.shopId}`)
    await s.owner.post(`/ustawienia/integracje/allegro/sklepy/${s.shopId}`, {
      name: shop.name,
      buyerDataSource: shop.buyer_data_source,
      backfillDays: String(shop.backfill_days),
      autoSendDocuments: 'on'
    })
    const { orderId, transactionId } = await sharedOrder(s)
    const docId = await issue(s, s.owner, transactionId)
    // what a process killed during its upload leaves behind: its 10-minute claim
    const until = s.clock().plus({ minutes: 10 }).toUTC().toISO()!
    await s.db
      .updateTable('document_allegro_deliveries')
      .set({ claimed_until: until })
      .where('document_id', '=', docId)
      .execute()
    const outcomes = await worker(t, s).tick()
    t.equal(outcomes.length, 1, 'the sender took the document without waiting for the claim to lapse')
    t.equal(s.sim.simulator.invoicesOf(orderId).length, 1, 'one invoice on the order')
    t.match(await delivery(s, docId), { state: 'w_weryfikacji', claimed_until: null })
  }
)
