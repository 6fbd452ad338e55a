import t from 'tap'
import { autoImportTick, startAutoImport } from '../../src/transactions/import-runner.ts'
import { toStoredTimestamp } from '../../src/shared/dates.ts'
import { claimImportStart, getImportState } from '../../src/transactions/import.queries.ts'
import { seedUser } from '../helpers/app.ts'
import { TestClient } from '../helpers/client.ts'
import { setupImport } from './helpers.ts'

const LIST = '/przychody/allegro'
const STATS = 'GET /order/event-stats'
const EVENTS = 'GET /order/events'

t.test('twenty clicks at once start exactly one import; the others are told when the next is allowed', async (t) => {
  const s = await setupImport(t, { initialOrders: 30, build: { config: { LOGIN_RATE_LIMIT_MAX: '100' } } })
  const browsers: TestClient[] = []
  for (let i = 0; i < 20; i++) {
    await seedUser(s.db, { login: `klik${i}`, password: 'haslo-testowe-123', allegro: true })
    const browser = new TestClient(s.app)
    await browser.login(`klik${i}`, 'haslo-testowe-123')
    await browser.get(LIST)
    browsers.push(browser)
  }
  const responses = await Promise.all(
    browsers.map(async (b) => await b.post(`${LIST}/pobierz`, { shopId: String(s.shopId), back: LIST }))
  )
  t.ok(responses.every((r) => r.statusCode === 303 && r.headers.location === LIST))
  t.equal(s.requests(STATS), 1, 'one import asked Allegro for the cursor')
  t.equal(s.requests(EVENTS), 1, 'and followed the events once')
  t.equal((await s.db.selectFrom('transactions').select('id').execute()).length, 30, 'each order stored once')

  const pages = await Promise.all(browsers.map(async (b) => (await b.get(LIST)).body))
  const imported = pages.filter((p) => p.includes('Pobrano transakcje ze sklepu Sklep Demo: 30 nowych'))
  const told = pages.filter((p) => p.includes('Kolejne pobranie dla sklepu Sklep Demo będzie możliwe o 10:10.'))
  t.equal(imported.length, 1, 'one person sees the result')
  t.equal(told.length, 19, 'nineteen are told when to come back')

  s.clock.advance(9 * 60_000 + 59_000)
  await browsers[0].get(LIST)
  await browsers[0].post(`${LIST}/pobierz`, { shopId: String(s.shopId), back: LIST })
  t.match(
    (await browsers[0].get(LIST)).body,
    'Kolejne pobranie dla sklepu Sklep Demo będzie możliwe o 10:10.',
    'still throttled a second before'
  )
  t.equal(s.requests(EVENTS), 1)

  s.clock.advance(1000)
  await browsers[0].get(LIST)
  await browsers[0].post(`${LIST}/pobierz`, { back: LIST })
  t.match(
    (await browsers[0].get(LIST)).body,
    'Pobrano transakcje ze sklepu Sklep Demo: 0 nowych, 0 zaktualizowanych.',
    'allowed after 10 minutes (the all-shops button)'
  )
  t.equal(s.requests(EVENTS), 2)
  t.equal(s.requests(STATS), 1, 'the cursor is read only on the first import')
})

t.test('the claim itself is atomic: of twenty concurrent claims one wins', async (t) => {
  const s = await setupImport(t, { initialOrders: 0 })
  const claim = async () =>
    await claimImportStart(s.db, s.shopId, {
      at: toStoredTimestamp(s.clock()),
      notBefore: toStoredTimestamp(s.clock().minus({ minutes: 10 })),
      trigger: 'manual'
    })
  const first = await Promise.all(Array.from({ length: 20 }, claim))
  t.equal(first.filter(Boolean).length, 1)
  s.clock.advance(10 * 60_000 - 1)
  t.equal((await Promise.all(Array.from({ length: 20 }, claim))).filter(Boolean).length, 0)
  s.clock.advance(1)
  t.equal((await Promise.all(Array.from({ length: 20 }, claim))).filter(Boolean).length, 1, 'exactly ten minutes later')
})

t.test('a shop that is not connected is not imported and says why', async (t) => {
  const s = await setupImport(t, { initialOrders: 1 })
  await s.db.updateTable('allegro_shops').set({ connection_status: 'reconnect_required' }).execute()
  await s.owner.get(LIST)
  await s.owner.post(`${LIST}/pobierz`, { shopId: String(s.shopId), back: LIST })
  const page = await s.owner.get(LIST)
  t.match(page.body, 'Sklep Sklep Demo nie jest połączony z Allegro')
  t.equal(s.requests(STATS), 0)
  t.equal(await getImportState(s.db, s.shopId), undefined, 'the throttle was not used up')

  const bad = await s.owner.post(`${LIST}/pobierz`, { shopId: 'x', back: LIST })
  t.equal(bad.statusCode, 422)
  t.match(bad.body, 'Wybierz sklep z listy.')
})

t.test('automatic import: runs on its own interval and shares the throttle with the button', async (t) => {
  const s = await setupImport(t, { initialOrders: 5 })
  t.same(await autoImportTick(s.app), [], 'off by default')

  await s.db.updateTable('allegro_shops').set({ auto_import_minutes: 15 }).execute()
  await s.owner.get(LIST)
  await s.owner.post(`${LIST}/pobierz`, { shopId: String(s.shopId), back: LIST })
  t.equal(s.requests(EVENTS), 1, 'a manual import at 10:00')

  s.clock.advance(12 * 60_000)
  const early = await autoImportTick(s.app)
  t.same(
    early.map((r) => r.kind),
    ['throttled'],
    'at 10:12 the 15-minute interval has not passed'
  )

  s.clock.advance(3 * 60_000)
  s.sim.simulator.addOrders(2, { from: s.clock().minus({ minutes: 5 }).toJSDate(), to: s.clock().toJSDate() })
  const due = await autoImportTick(s.app)
  t.equal(due.length, 1)
  t.equal(due[0].kind, 'started')
  if (due[0].kind === 'started') t.equal((await due[0].done).counts.new, 2)
  const state = await getImportState(s.db, s.shopId)
  t.equal(state?.last_trigger, 'auto')
  t.equal(state?.last_result, '2 nowe, 0 zaktualizowanych')

  s.clock.advance(5 * 60_000)
  await s.owner.get(LIST)
  await s.owner.post(`${LIST}/pobierz`, { shopId: String(s.shopId), back: LIST })
  t.match((await s.owner.get(LIST)).body, 'będzie możliwe o 10:25', 'the button respects the automatic import’s start')

  const timer = startAutoImport(s.app, { intervalMs: 3_600_000 })
  await timer.stop()
  t.same(await timer.tick(), [], 'a stopped timer does nothing')
})
