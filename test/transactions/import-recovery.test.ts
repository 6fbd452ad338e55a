import t from 'tap'
import { importShop, type OrdersApi } from '../../src/transactions/import.ts'
import { getImportState } from '../../src/transactions/import.queries.ts'
import { setupImport, simFormIds, storedFormIds, type ImportSetup } from './helpers.ts'

const LIST = 'GET /order/checkout-forms'

function latestEventId(s: ImportSetup): string {
  const events = s.sim.simulator.listEvents({ seller: 'demo_sklep' })
  return events[events.length - 1].id
}

t.test('killed in the middle of the backfill: what was saved stays, the next import completes the set', async (t) => {
  const s = await setupImport(t, { initialOrders: 350 })
  const real = await s.api()
  const controller = new AbortController()
  let pages = 0
  // the process "dies" right after the second page arrived: nothing after that point runs
  const api: OrdersApi = {
    ...real,
    listCheckoutForms: async (query) => {
      const page = await real.listCheckoutForms(query)
      if (++pages === 2) controller.abort()
      return page
    }
  }
  const cursorAtStart = latestEventId(s)
  const killed = await importShop({ db: s.db, api, now: s.clock, signal: controller.signal }, s.shopId)
  t.equal(killed.completed, false)
  t.match(killed.errors.join(' '), /przerwano/)
  t.equal(killed.counts.new, 200, 'two pages of 100 were committed')
  t.equal((await storedFormIds(s)).length, 200)
  const state = await getImportState(s.db, s.shopId)
  t.equal(state?.event_cursor, cursorAtStart, 'cursor stored before the backfill')
  t.not(state?.window_to, null, 'the backfill is still pending')
  const lastStored = await s.db
    .selectFrom('transactions')
    .select('bought_at')
    .orderBy('bought_at', 'desc')
    .executeTakeFirstOrThrow()
  t.equal(state?.window_done_until, lastStored.bought_at, 'progress = the last committed order')

  const listsBefore = s.requests(LIST)
  const second = await importShop({ db: s.db, api: await s.api(), now: s.clock }, s.shopId)
  t.equal(second.completed, true)
  t.equal(second.counts.new, 150)
  t.ok(second.counts.unchanged >= 1, 'the page boundary is read again, harmlessly')
  t.ok(s.requests(LIST) - listsBefore <= 3, 'resumed from the saved position, not from the start')
  t.same(await storedFormIds(s), simFormIds(s.sim), 'exactly the simulator’s set, no duplicates')
  const after = await getImportState(s.db, s.shopId)
  t.equal(after?.window_to, null, 'backfill finished')
  t.equal(after?.event_cursor, cursorAtStart, 'nothing happened since: the cursor did not move')
})

t.test('killed while following events: the cursor only covers committed orders', async (t) => {
  const s = await setupImport(t, { initialOrders: 10 })
  await importShop({ db: s.db, api: await s.api(), now: s.clock }, s.shopId)
  const firstCursor = BigInt((await getImportState(s.db, s.shopId))!.event_cursor!)
  s.clock.advance(60_000)
  s.sim.simulator.addOrders(230, { from: s.clock().minus({ seconds: 50 }).toJSDate(), to: s.clock().toJSDate() })
  const events = s.sim.simulator.listEvents({ seller: 'demo_sklep' })
  const real = await s.api()
  let fetched = 0
  const api: OrdersApi = {
    ...real,
    getCheckoutForm: async (id) => {
      if (++fetched === 150) throw new Error('socket hang up')
      return await real.getCheckoutForm(id)
    }
  }
  const killed = await importShop({ db: s.db, api, now: s.clock }, s.shopId)
  t.equal(killed.completed, false)
  t.equal(killed.counts.new, 100, 'the first batch of 100 orders was committed')
  const cursor = BigInt((await getImportState(s.db, s.shopId))!.event_cursor!)
  const covered = events.filter((e) => BigInt(e.id) > firstCursor && BigInt(e.id) <= cursor)
  const coveredForms = new Set(covered.map((e) => e.order.checkoutForm.id))
  t.equal(coveredForms.size, 100, 'the cursor covers exactly the events of the committed batch')
  const next = events.find((e) => BigInt(e.id) > cursor)
  t.notOk(next && coveredForms.has(next.order.checkoutForm.id), 'the batch ended where a 101st order began')
  const storedIds = new Set(await storedFormIds(s))
  t.ok(
    [...coveredForms].every((id) => storedIds.has(id)),
    'every order up to the cursor is stored'
  )

  const second = await importShop({ db: s.db, api: await s.api(), now: s.clock }, s.shopId)
  t.equal(second.completed, true)
  t.equal(second.counts.new, 130)
  t.same(await storedFormIds(s), simFormIds(s.sim))
  t.equal((await getImportState(s.db, s.shopId))?.event_cursor, latestEventId(s))
})

t.test('backfill past the 10 000 offset limit: date windows, every order once', async (t) => {
  const s = await setupImport(t, { initialOrders: 0 })
  const now = s.clock()
  // all in one week of the 31-day window: a single query would need offset 10 000 and more
  s.sim.simulator.addOrders(10_250, {
    from: now.minus({ days: 9 }).toJSDate(),
    to: now.minus({ days: 2 }).toJSDate(),
    lineItems: 1
  })
  const real = await s.api()
  const queries: Array<Record<string, string | number>> = []
  const api: OrdersApi = {
    ...real,
    listCheckoutForms: async (query) => {
      queries.push(query)
      return await real.listCheckoutForms(query)
    }
  }
  const outcome = await importShop({ db: s.db, api, now: s.clock }, s.shopId)
  t.same(outcome.errors, [])
  t.equal(outcome.completed, true)
  t.equal(outcome.counts.new, 10_250)
  const stored = await storedFormIds(s)
  t.equal(stored.length, 10_250)
  t.same(stored, simFormIds(s.sim), 'every order once')
  t.ok(
    queries.every((q) => Number(q.offset) + Number(q.limit) <= 10_000),
    'never asked past the offset limit'
  )
  t.ok(
    queries.every((q) => q.sort === 'lineItems.boughtAt'),
    'oldest first within a window'
  )
  const windows = new Set(queries.map((q) => `${q['lineItems.boughtAt.gte']}…${q['lineItems.boughtAt.lte']}`))
  t.ok(windows.size >= 3, `split into date windows (${windows.size})`)
})
