// The import's speed-ups keep its behaviour: timestamps checked without Date accept exactly what
// the Date round trip accepted, and the next page requested while the current one is stored
// changes neither what is stored nor how a failure ends the import.
import t from 'tap'
import { sql } from 'kysely'
import { isStoredUtcForm, parseCheckoutForm } from '../../src/transactions/checkout-form.ts'
import { importShop, type OrdersApi } from '../../src/transactions/import.ts'
import { getImportState } from '../../src/transactions/import.queries.ts'
import { stopRunningImports } from '../../src/transactions/import-runner.ts'
import { checkoutForm } from '../helpers/transaction-fixtures.ts'
import { setupImport, simFormIds, storedFormIds } from './helpers.ts'

function byDate(text: string): boolean {
  return !Number.isNaN(Date.parse(text)) && new Date(text).toISOString() === text
}

t.test('a stored-form timestamp is exactly what Date prints back unchanged', async (t) => {
  const pad = (n: number, width = 2) => String(n).padStart(width, '0')
  let checked = 0
  let accepted = 0
  for (const year of [0, 1900, 1999, 2000, 2023, 2024, 2026, 2100, 2400, 9999]) {
    for (let month = 0; month <= 13; month++) {
      for (let day = 0; day <= 32; day++) {
        for (const time of [
          '00:00:00.000',
          '23:59:59.999',
          '24:00:00.000',
          '12:60:00.000',
          '12:00:60.000',
          '09:15:30.133'
        ]) {
          const text = `${pad(year, 4)}-${pad(month)}-${pad(day)}T${time}Z`
          checked++
          if (byDate(text)) accepted++
          if (isStoredUtcForm(text) !== byDate(text))
            t.fail(`${text}: ${isStoredUtcForm(text)} without Date, ${byDate(text)} with it`)
        }
      }
    }
  }
  t.ok(checked > 25_000 && accepted > 5_000, `${checked} timestamps compared, ${accepted} of them real`)
  for (const other of [
    '2026-11-15T09:15:30Z',
    '2026-11-15T09:15:30.133+01:00',
    '2026-11-15T09:15:30.1Z',
    ' 2026-11-15T09:15:30.133Z',
    '2026-11-15T09:15:30.133Z\n',
    '２０２６-11-15T09:15:30.133Z'
  ]) {
    t.equal(isStoredUtcForm(other), false, `${JSON.stringify(other)} goes the long way`)
  }
})

t.test('order timestamps: the stored form as it came, others through luxon as before', async (t) => {
  const json = checkoutForm({ boughtAt: '2024-02-29T23:59:59.999Z' }) as Record<string, any>
  json.updatedAt = '2026-11-15T10:16:03.905+01:00'
  const parsed = parseCheckoutForm(json)
  if (!parsed.ok) throw new Error(parsed.error)
  t.equal(parsed.form.boughtAt, '2024-02-29T23:59:59.999Z', 'a leap day')
  t.equal(parsed.form.updatedAt, '2026-11-15T09:16:03.905Z', 'an offset, converted to UTC')
  json.payment.finishedAt = '2023-02-29T10:00:00.000Z'
  t.same(
    parseCheckoutForm(json),
    { ok: false, id: json.id, error: 'pole payment.finishedAt: niepoprawna data i godzina' },
    'no 29 February in 2023'
  )
  json.payment.finishedAt = '2026-11-15T24:00:00.000Z'
  const midnight = parseCheckoutForm(json)
  t.equal(
    midnight.ok && midnight.form.payment?.finishedAt,
    '2026-11-16T00:00:00.000Z',
    'hour 24 is the next midnight, as luxon reads it'
  )
  json.payment.finishedAt = '2026-11-15T09:16:02.481Z'
  json.updatedAt = 17
  const wrongType = parseCheckoutForm(json)
  t.equal(wrongType.ok, false)
  if (!wrongType.ok) t.match(wrongType.error, 'pole updatedAt: oczekiwano tekstu')
})

t.test('the backfill asks for the next page while it stores the current one: same orders, same progress', async (t) => {
  const s = await setupImport(t, { initialOrders: 340 })
  const real = await s.api()
  const events: string[] = []
  const api: OrdersApi = {
    ...real,
    listCheckoutForms: async (query) => {
      events.push(`asked ${String(query.offset)}`)
      const page = await real.listCheckoutForms(query)
      events.push(`got ${String(query.offset)}`)
      return page
    }
  }
  const original = s.db.transaction.bind(s.db)
  let batches = 0
  s.db.transaction = () => {
    events.push(`batch ${batches++}`)
    return original()
  }
  const outcome = await importShop({ db: s.db, api, now: s.clock }, s.shopId)
  s.db.transaction = original
  t.equal(outcome.completed, true)
  t.equal(outcome.counts.new, 340)
  t.same(await storedFormIds(s), simFormIds(s.sim), 'every order once')
  const asked = events.filter((e) => e.startsWith('asked')).map((e) => e.slice(6))
  t.same(asked, ['0', '100', '200', '300'], 'each page asked for once, in order, none past the end')
  t.ok(events.indexOf('asked 100') < events.indexOf('batch 0'), 'page 2 was on its way before page 1 was stored')
  t.equal((await getImportState(s.db, s.shopId))?.window_to, null, 'the backfill finished')
})

t.test(
  'a page that fails while the one before it is stored: that one is kept, the import stops with the error',
  async (t) => {
    const s = await setupImport(t, { initialOrders: 340 })
    const real = await s.api()
    const api: OrdersApi = {
      ...real,
      listCheckoutForms: async (query) => {
        if (query.offset === 200)
          throw Object.assign(new Error('socket hang up'), { userMessage: 'Allegro nie odpowiada.' })
        return await real.listCheckoutForms(query)
      }
    }
    const outcome = await importShop({ db: s.db, api, now: s.clock }, s.shopId)
    t.equal(outcome.completed, false)
    t.same(outcome.errors, ['Allegro nie odpowiada.'])
    t.equal(outcome.counts.new, 200, 'the two pages before it were stored')
    const state = await getImportState(s.db, s.shopId)
    const lastStored = await s.db
      .selectFrom('transactions')
      .select('bought_at')
      .orderBy('bought_at', 'desc')
      .executeTakeFirstOrThrow()
    t.equal(state?.window_done_until, lastStored.bought_at, 'progress = the last stored order')

    const again = await importShop({ db: s.db, api: real, now: s.clock }, s.shopId)
    t.equal(again.completed, true)
    t.same(await storedFormIds(s), simFormIds(s.sim), 'the next import completes the set')
  }
)

t.test('storing a page fails while the next one is failing too: one error, nothing unhandled', async (t) => {
  const s = await setupImport(t, { initialOrders: 250 })
  const real = await s.api()
  const first = s.sim.simulator
    .listOrders({ seller: 'demo_sklep' })
    .sort((a, b) => a.lineItems[0].boughtAt.localeCompare(b.lineItems[0].boughtAt))[150]
  // the second page cannot be stored; the third cannot even be fetched
  await sql`CREATE TEMP TRIGGER refuse BEFORE INSERT ON transactions WHEN new.checkout_form_id = ${sql.lit(first.id)} BEGIN SELECT RAISE(ABORT, 'disk full'); END`.execute(
    s.db
  )
  const api: OrdersApi = {
    ...real,
    listCheckoutForms: async (query) => {
      if (query.offset === 200) throw new Error('socket hang up')
      return await real.listCheckoutForms(query)
    }
  }
  const outcome = await importShop({ db: s.db, api, now: s.clock }, s.shopId)
  t.equal(outcome.completed, false)
  t.equal(outcome.errors.length, 1)
  t.equal(outcome.counts.new, 100, 'the first page only')
  t.equal((await storedFormIds(s)).length, 100)
})

t.test(
  'POBIERZ NOWE TRANSAKCJE: the orders are indexed for search after the import, and closing waits for that',
  async (t) => {
    const s = await setupImport(t, { initialOrders: 30 })
    await s.owner.get('/przychody/allegro')
    const response = await s.owner.post('/przychody/allegro/pobierz', { back: '/przychody/allegro' })
    t.equal(response.statusCode, 303)
    t.equal((await storedFormIds(s)).length, 30, 'the import was done when the page came back')
    await stopRunningImports(s.app)
    const pending = await s.db
      .selectFrom('transactions_search_pending')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .executeTakeFirstOrThrow()
    t.equal(Number(pending.count), 0, 'nothing left waiting for the index')
    const login = s.sim.simulator.listOrders({ seller: 'demo_sklep' })[0].buyer.login
    const indexed = await sql<{
      count: number
    }>`SELECT count(*) AS count FROM transactions_search WHERE transactions_search MATCH ${`"${login}"`}`.execute(s.db)
    t.ok(indexed.rows[0].count >= 1, 'the index itself holds the orders, before any search')
  }
)
