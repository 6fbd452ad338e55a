import t from 'tap'
import { toStoredTimestamp } from '../../src/shared/dates.ts'
import { importShop, type OrdersApi } from '../../src/transactions/import.ts'
import { getImportState } from '../../src/transactions/import.queries.ts'
import { changeTransactionStatus } from '../../src/transactions/status.queries.ts'
import { setupImport, simFormIds, storedFormIds, type ImportSetup } from './helpers.ts'

const GET_ONE = 'GET /order/checkout-forms/:id'

async function runImport(s: ImportSetup, api?: OrdersApi) {
  return await importShop({ db: s.db, api: api ?? (await s.api()), now: s.clock }, s.shopId)
}

function latestEventId(s: ImportSetup): string {
  const events = s.sim.simulator.listEvents({ seller: 'demo_sklep' })
  return events[events.length - 1].id
}

async function byFormId(s: ImportSetup, formId: string) {
  return await s.db
    .selectFrom('transactions')
    .selectAll()
    .where('checkout_form_id', '=', formId)
    .executeTakeFirstOrThrow()
}

t.test('first import: cursor from event-stats stored before the backfill, then every order once', async (t) => {
  const s = await setupImport(t, { initialOrders: 60 })
  const real = await s.api()
  const seenAtFirstList: Array<string | null> = []
  const api: OrdersApi = {
    ...real,
    listCheckoutForms: async (query) => {
      const state = await getImportState(s.db, s.shopId)
      seenAtFirstList.push(state?.event_cursor ?? null)
      return await real.listCheckoutForms(query)
    }
  }
  const outcome = await runImport(s, api)
  t.same(outcome.errors, [])
  t.equal(outcome.completed, true)
  t.equal(outcome.counts.new, 60)
  t.equal(seenAtFirstList[0], latestEventId(s), 'the cursor was stored before the first page of the backfill')
  t.same(await storedFormIds(s), simFormIds(s.sim), 'every order of the simulator, each once')

  const state = await getImportState(s.db, s.shopId)
  t.equal(state?.event_cursor, latestEventId(s))
  t.equal(state?.window_to, null, 'backfill finished')
  t.not(state?.initialised_at, null)

  // the stored data is what Allegro sent
  for (const form of s.sim.simulator.listOrders({ seller: 'demo_sklep' }).slice(0, 10)) {
    const row = await byFormId(s, form.id)
    t.equal(row.revision, form.revision)
    t.equal(row.total_to_pay, Math.round(Number(form.summary.totalToPay.amount) * 100))
    t.equal(row.item_count, form.lineItems.length)
    t.equal(row.buyer_login, form.buyer.login)
    t.same(JSON.parse(row.raw_json), form, 'raw JSON kept')
    const items = await s.db
      .selectFrom('transaction_items')
      .select(['line_item_id', 'quantity'])
      .where('transaction_id', '=', row.id)
      .orderBy('position')
      .execute()
    t.same(
      items.map((i) => i.line_item_id),
      form.lineItems.map((l) => l.id)
    )
    const paid = form.payment.paidAmount !== null && form.payment.finishedAt !== null
    t.equal(
      row.local_status,
      form.status === 'CANCELLED' ? 'anulowana' : paid ? 'oplacona' : 'nowa',
      'status follows Allegro'
    )
    t.equal(row.status_manual, 0)
  }
})

t.test('re-running never duplicates; unchanged revisions are not fetched again', async (t) => {
  const s = await setupImport(t)
  await runImport(s)
  const before = await storedFormIds(s)

  const quiet = await runImport(s)
  t.same(
    quiet.counts,
    { new: 0, updated: 0, unchanged: 0, deleted: 0, invalid: 0 },
    'nothing happened on Allegro: nothing to do'
  )

  // replay every event Allegro still keeps, as after a crash before the cursor moved
  await s.db.updateTable('transaction_imports').set({ event_cursor: null }).execute()
  const forms = new Map(s.sim.simulator.listOrders({ seller: 'demo_sklep' }).map((f) => [f.id, f.revision]))
  const lastEventRevision = new Map<string, string>()
  for (const event of s.sim.simulator.listEvents({ seller: 'demo_sklep' }))
    lastEventRevision.set(event.order.checkoutForm.id, event.order.checkoutForm.revision)
  const stale = [...lastEventRevision].filter(([id, revision]) => forms.get(id) !== revision).length
  const fetchesBefore = s.requests(GET_ONE)
  const replay = await runImport(s)
  t.equal(
    s.requests(GET_ONE) - fetchesBefore,
    stale,
    'only forms whose event revision differs from the stored one are fetched'
  )
  t.equal(
    replay.counts.unchanged,
    lastEventRevision.size,
    'skipped by the event revision, or fetched and found current'
  )
  t.equal(replay.counts.new, 0)
  t.equal(replay.counts.updated, 0, 'the fetched ones were already current')
  t.same(await storedFormIds(s), before, 'no duplicates')
  t.equal((await getImportState(s.db, s.shopId))?.event_cursor, latestEventId(s))
})

t.test('later imports follow events: new, paid and cancelled orders', async (t) => {
  const s = await setupImport(t)
  const [toPay, toCancel] = s.sim.simulator.addOrders(2, {
    status: 'FILLED_IN',
    payment: 'ONLINE',
    at: s.clock().minus({ days: 2 }).toJSDate()
  })
  await runImport(s)
  t.equal((await byFormId(s, toPay.id)).local_status, 'nowa', 'unpaid at first')
  s.clock.advance(60_000)
  const added = s.sim.simulator.addOrders(3, {
    from: s.clock().minus({ minutes: 1 }).toJSDate(),
    to: s.clock().toJSDate()
  })
  s.sim.simulator.payOrder(toPay.id)
  s.sim.simulator.cancelOrder(toCancel.id)
  const fetchesBefore = s.requests(GET_ONE)

  const outcome = await runImport(s)
  t.equal(outcome.completed, true)
  t.equal(outcome.counts.new, 3)
  t.equal(outcome.counts.updated, 2)
  t.equal(s.requests(GET_ONE) - fetchesBefore, 5, 'one fetch per changed order')
  for (const form of added) t.ok(await byFormId(s, form.id), 'new order stored')
  const paid = await byFormId(s, toPay.id)
  t.equal(paid.local_status, 'oplacona')
  t.equal(paid.paid_amount, paid.total_to_pay)
  t.equal((await byFormId(s, toCancel.id)).local_status, 'anulowana')
  const history = await s.db
    .selectFrom('transaction_status_changes')
    .selectAll()
    .where('transaction_id', '=', paid.id)
    .execute()
  t.same(
    history.map((h) => [h.from_status, h.to_status, h.manual, h.user_id]),
    [['nowa', 'oplacona', 0, null]],
    'automatic change recorded'
  )
  t.equal((await getImportState(s.db, s.shopId))?.event_cursor, latestEventId(s))
  t.same(await storedFormIds(s), simFormIds(s.sim))

  // time passes: the new orders get filled in, paid and sent on Allegro
  s.clock.advance(3 * 24 * 3600_000)
  const later = await runImport(s)
  t.ok(later.counts.updated >= 3, 'plan steps of the new orders picked up')
  t.equal(later.counts.new, 0)
  for (const form of s.sim.simulator.listOrders({ seller: 'demo_sklep' })) {
    t.equal((await byFormId(s, form.id)).revision, form.revision, 'every stored revision is current')
  }
})

t.test('a transaction closed after its document is not reopened by an import', async (t) => {
  const s = await setupImport(t)
  await runImport(s)
  const form = s.sim.simulator.listOrders({ seller: 'demo_sklep' }).find((f) => f.status !== 'CANCELLED')!
  const row = await byFormId(s, form.id)
  await s.db.transaction().execute(async (trx) => {
    await changeTransactionStatus(trx, {
      transactionId: row.id,
      to: 'zamknieta',
      manual: false,
      userId: null,
      at: toStoredTimestamp(s.clock())
    })
  })
  s.sim.simulator.cancelOrder(form.id)
  const outcome = await runImport(s)
  t.equal(outcome.counts.updated, 1)
  const after = await byFormId(s, form.id)
  t.equal(after.allegro_status, 'CANCELLED', 'Allegro data updated')
  t.equal(after.local_status, 'zamknieta', 'local status kept')
})

t.test('invalid data from Allegro is skipped and reported, the stored copy stays intact', async (t) => {
  const s = await setupImport(t)
  await runImport(s)
  const form = s.sim.simulator.listOrders({ seller: 'demo_sklep' })[0]
  const before = await byFormId(s, form.id)
  s.sim.simulator.updateOrder(form.id, (f) => {
    f.summary.totalToPay.amount = '12,5x'
  })
  const outcome = await runImport(s)
  t.equal(outcome.counts.invalid, 1)
  t.equal(outcome.completed, true, 'the rest of the import goes on')
  t.match(
    outcome.errors.join(' '),
    new RegExp(`Pominięto zamówienie ${form.id}: niepoprawne dane z Allegro \\(pole summary\\.totalToPay\\.amount`)
  )
  const after = await byFormId(s, form.id)
  t.equal(after.revision, before.revision, 'nothing half-stored')
  t.equal(after.raw_json, before.raw_json)

  s.sim.simulator.updateOrder(form.id, (f) => {
    f.summary.totalToPay.amount = '99.99'
  })
  const fixed = await runImport(s)
  t.equal(fixed.counts.updated, 1)
  t.equal((await byFormId(s, form.id)).total_to_pay, 9999)
})

t.test('Allegro failing: a Polish message, nothing lost, the next import carries on', async (t) => {
  const s = await setupImport(t)
  await runImport(s)
  s.sim.simulator.addOrders(2, { from: s.clock().minus({ minutes: 5 }).toJSDate(), to: s.clock().toJSDate() })
  s.sim.simulator.faults.add({ path: '/order/events', kind: 'status', status: 503, times: 3 })
  const failed = await runImport(s)
  t.equal(failed.completed, false)
  t.match(
    failed.errors.join(' '),
    /błąd po stronie Allegro.*\(liczba prób: 2\)/,
    'Allegro’s own Polish message, after the retry'
  )
  s.sim.simulator.faults.add({ path: '/order/events', kind: 'malformed', times: 1 })
  const malformed = await runImport(s)
  t.equal(malformed.completed, false)
  t.match(malformed.errors.join(' '), /Allegro/)
  const recovered = await runImport(s)
  t.equal(recovered.completed, true)
  t.equal(recovered.counts.new, 2)
  t.same(await storedFormIds(s), simFormIds(s.sim))
})

t.test('after more than the events’ 60 days away, changed orders are re-read by updatedAt', async (t) => {
  const s = await setupImport(t, { initialOrders: 20 })
  await runImport(s)
  const [changed] = s.sim.simulator.listOrders({ seller: 'demo_sklep' })
  s.clock.advance(24 * 3600_000)
  s.sim.simulator.updateOrder(changed.id, (f) => {
    f.messageToSeller = 'zmienione podczas długiej przerwy'
  })
  s.clock.advance(61 * 24 * 3600_000)
  const dropped = s.sim.simulator
    .listEvents({ seller: 'demo_sklep' })
    .filter(
      (e) =>
        e.order.checkoutForm.id === changed.id && Date.parse(e.occurredAt) > s.clock().minus({ days: 60 }).toMillis()
    )
  t.same(dropped, [], 'Allegro no longer has the event of that change')
  const outcome = await runImport(s)
  t.equal(outcome.completed, true)
  t.equal(s.requests('GET /order/event-stats'), 2, 'a fresh cursor')
  t.equal((await byFormId(s, changed.id)).message_to_seller, 'zmienione podczas długiej przerwy', 'found by updatedAt')
  const state = await getImportState(s.db, s.shopId)
  t.equal(state?.window_to, null)
  const seller = s.sim.simulator.seller('demo_sklep').id
  t.equal(state?.event_cursor, s.sim.simulator.latestEvent(seller)?.id ?? null, 'the cursor Allegro gave now')
  t.same(await storedFormIds(s), simFormIds(s.sim))
})
