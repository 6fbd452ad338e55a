import t from 'tap'
import { importShop } from '../../src/transactions/import.ts'
import { setupImport, simFormIds, storedFormIds, type ImportSetup } from './helpers.ts'

const LIST = '/przychody/allegro'

async function runImport(s: ImportSetup) {
  return await importShop({ db: s.db, api: await s.api(), now: s.clock }, s.shopId)
}

async function byFormId(s: ImportSetup, formId: string) {
  return await s.db.selectFrom('transactions').selectAll().where('checkout_form_id', '=', formId).executeTakeFirst()
}

t.test('a status set by hand survives every later import', async (t) => {
  const s = await setupImport(t, { initialOrders: 5 })
  const [order] = s.sim.simulator.addOrders(1, {
    status: 'FILLED_IN',
    payment: 'ONLINE',
    at: s.clock().minus({ days: 1 }).toJSDate()
  })
  await runImport(s)
  const row = (await byFormId(s, order.id))!
  t.equal(row.local_status, 'nowa')

  const response = await s.owner.submit(`${LIST}/${row.id}`, `${LIST}/${row.id}/status`, { status: 'anulowana' })
  t.equal(response.statusCode, 303)

  s.sim.simulator.payOrder(order.id)
  const outcome = await runImport(s)
  t.equal(outcome.counts.updated, 1)
  const after = (await byFormId(s, order.id))!
  t.equal(after.local_status, 'anulowana', 'Allegro says paid, the person said cancelled: the person wins')
  t.equal(after.status_manual, 1)
  t.not(after.paid_amount, null, 'the Allegro data itself is updated')
  t.equal(after.revision, s.sim.simulator.getOrder(order.id)!.revision)
  const history = await s.db
    .selectFrom('transaction_status_changes')
    .select(['to_status', 'manual'])
    .where('transaction_id', '=', row.id)
    .orderBy('id')
    .execute()
  t.same(history, [{ to_status: 'anulowana', manual: 1 }], 'no automatic change after the manual one')

  // a full re-read (as after losing the import state) does not undo it either
  await s.db.deleteFrom('transaction_imports').execute()
  await runImport(s)
  t.equal((await byFormId(s, order.id))!.local_status, 'anulowana')
  const page = await s.owner.get(`${LIST}/${row.id}`)
  t.match(page.body, /anulowana<\/span><span class="pencil"/)
})

t.test('a deleted transaction never comes back, whatever happens on Allegro', async (t) => {
  const s = await setupImport(t, { initialOrders: 8 })
  await runImport(s)
  const [gone, alsoGone] = s.sim.simulator.listOrders({ seller: 'demo_sklep' })
  const row = (await byFormId(s, gone.id))!
  const second = (await byFormId(s, alsoGone.id))!
  await s.owner.submit(`${LIST}/${row.id}/usun`, `${LIST}/${row.id}/usun`, {})
  await s.owner.submit(LIST, `${LIST}/usun`, { transactionIds: [String(second.id)], confirmed: 'tak', back: LIST })
  t.equal(await byFormId(s, gone.id), undefined)
  t.equal(await byFormId(s, alsoGone.id), undefined)

  s.sim.simulator.updateOrder(gone.id, (f) => {
    f.messageToSeller = 'zmiana po usunięciu'
  })
  s.sim.simulator.setFulfillmentStatus(alsoGone.id, 'SENT')
  const fetches = s.requests('GET /order/checkout-forms/:id')
  const events = await runImport(s)
  t.equal(events.counts.deleted, 2, 'reported as skipped')
  t.equal(events.counts.new, 0)
  t.equal(s.requests('GET /order/checkout-forms/:id'), fetches, 'not even fetched')
  t.equal(await byFormId(s, gone.id), undefined)

  await s.db.deleteFrom('transaction_imports').execute()
  const full = await runImport(s)
  t.equal(full.counts.deleted, 2, 'the backfill skips them too')
  t.equal(await byFormId(s, gone.id), undefined)
  t.equal(await byFormId(s, alsoGone.id), undefined)
  t.same(
    await storedFormIds(s),
    simFormIds(s.sim).filter((id) => id !== gone.id && id !== alsoGone.id),
    'everything else is there, once'
  )
})
