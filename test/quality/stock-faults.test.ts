// "Ustaw w Allegro stan z Biurka" while Allegro misbehaves, over real HTTP to a standalone
// simulator. Transient faults are retried inside the click and the offer ends up with exactly the
// stock asked for; the rest leave a clear Polish message and a log row, change nothing, and the
// next click after the cause is gone sets the stock.
import t from 'tap'
import type { Test } from 'tap'
import type { FaultSpec } from '../../src/simulators/allegro/simulator.ts'
import { insertProduct, stockOf } from '../helpers/document-fixtures.ts'
import { flashes, OFFERS, stockShop } from './fixtures/offer-stock.ts'

const PUSH = `${OFFERS}/stan`
const PATCH = { path: '/sale/product-offers', method: 'PATCH' } as const

type Setup = Awaited<ReturnType<typeof stockShop>>

/** Two matched offers (7 and 3 pieces in Biurko); a snapshot of everything else on Allegro. */
async function prepare(t: Test, timeoutMs?: number) {
  const s = await stockShop(t, { timeoutMs })
  const [offer, second] = s.active
  const productId = await insertProduct(s.db, { name: offer.name, stockMilli: 7_400 })
  await insertProduct(s.db, { name: second.name, stockMilli: 3_000 })
  const others = s.offers.filter((o) => o.id !== offer.id && o.id !== second.id)
  const snapshot = (): unknown => others.map((o) => [o.id, o.stock.available, o.publication.status])
  const before = snapshot()
  const untouched = async (): Promise<void> => {
    t.same(snapshot(), before, 'no other offer changed')
    t.equal(await stockOf(s.db, productId), 7_400, 'the stock in Biurko is untouched')
  }
  if (offer.stock.available === 7) offer.stock.available = 8
  return { s, offer, second, untouched }
}

async function click(s: Setup, fields: Record<string, string>): Promise<string> {
  await s.owner.get(s.page)
  const response = await s.owner.post(PUSH, { sklep: String(s.shopId), ...fields })
  if (response.statusCode !== 303) throw new Error(`push answered ${response.statusCode}`)
  const page = await s.owner.get(String(response.headers.location))
  if (page.statusCode !== 200) throw new Error(`offers page answered ${page.statusCode}`)
  return page.body
}

async function outcomes(s: Setup): Promise<string[]> {
  return (await s.db.selectFrom('offer_stock_pushes').select('outcome').orderBy('id').execute()).map((r) => r.outcome)
}

const TRANSIENT: Array<{ name: string; timeoutMs?: number; faults: Array<Record<string, unknown>> }> = [
  { name: '429 with Retry-After', faults: [{ kind: 'status', status: 429, retryAfter: 1, times: 1 }] },
  { name: '429 without Retry-After', faults: [{ kind: 'status', status: 429, times: 2 }] },
  { name: '500', faults: [{ kind: 'status', status: 500, times: 2 }] },
  { name: '503', faults: [{ kind: 'status', status: 503, times: 3 }] },
  {
    name: 'a response slower than ALLEGRO_TIMEOUT_MS',
    timeoutMs: 500,
    faults: [{ kind: 'delay', ms: 1200, times: 1 }]
  },
  { name: 'connections reset', faults: [{ kind: 'reset', times: 2 }] },
  { name: 'malformed JSON', faults: [{ kind: 'malformed', times: 2 }] },
  { name: 'an expired access token', faults: [{ kind: 'expiredToken', times: 1 }] }
]

for (const scenario of TRANSIENT) {
  t.test(`transient fault on the PATCH: ${scenario.name} – retried within the click`, async (t) => {
    const { s, offer, untouched } = await prepare(t, scenario.timeoutMs)
    for (const fault of scenario.faults) s.sim.simulator.faults.add({ ...PATCH, ...fault } as FaultSpec)
    const page = await click(s, { oferta: offer.id })
    t.equal(s.sim.simulator.faults.list().length, 0, 'every armed fault fired')
    t.equal(offer.stock.available, 7, 'the offer has exactly the stock asked for')
    t.same(flashes(page, 'error'), [], 'no error shown')
    t.match(flashes(page, 'success').join(' '), `Oferta „${offer.name}”: Ustawiono w Allegro stan 7.`)
    t.same(await outcomes(s), ['done'], 'one log row: done')
    await untouched()
  })
}

t.test(
  '409: Allegro still processing an earlier edit – a clear message, nothing changed, the next click works',
  async (t) => {
    const { s, offer, untouched } = await prepare(t)
    const before = offer.stock.available
    s.sim.simulator.faults.add({
      ...PATCH,
      kind: 'status',
      status: 409,
      body: { errors: [{ code: 'CONFLICT', message: 'in progress', userMessage: null }] }
    })
    const page = await click(s, { oferta: offer.id })
    t.equal(offer.stock.available, before)
    t.match(
      flashes(page, 'warning').join(' '),
      'Allegro jeszcze przetwarza poprzednią zmianę tej oferty – spróbuj za chwilę.'
    )
    t.match(page, 'Allegro zajęte', 'the last push is shown on the row')
    t.equal(s.sim.simulator.faults.history.length, 1, 'a 409 is not retried')
    const again = await click(s, { oferta: offer.id })
    t.equal(offer.stock.available, 7)
    t.match(flashes(again, 'success').join(' '), 'Ustawiono w Allegro stan 7.')
    t.same(await outcomes(s), ['conflict', 'done'])
    await untouched()
  }
)

t.test('202: accepted for processing – shown as in progress, logged as accepted', async (t) => {
  const { s, offer, untouched } = await prepare(t)
  s.sim.simulator.faults.add({
    ...PATCH,
    kind: 'status',
    status: 202,
    retryAfter: 1,
    headers: { location: `${s.sim.apiUrl}/sale/product-offers/${offer.id}/operations/1` }
  })
  const page = await click(s, { oferta: offer.id })
  t.match(flashes(page, 'info').join(' '), 'Allegro przyjęło zmianę stanu na 7 i jeszcze ją przetwarza')
  t.match(page, 'przyjęte, w trakcie')
  t.same(await outcomes(s), ['accepted'])
  await click(s, { oferta: offer.id })
  t.equal(offer.stock.available, 7)
  await untouched()
})

for (const status of [403, 404]) {
  t.test(`${status}: refused – a Polish message, not retried, nothing changed`, async (t) => {
    const { s, offer, untouched } = await prepare(t)
    const before = offer.stock.available
    s.sim.simulator.faults.add({
      ...PATCH,
      kind: 'status',
      status,
      body: { errors: [{ code: 'X', message: 'no', userMessage: null }] }
    })
    const page = await click(s, { oferta: offer.id })
    t.equal(offer.stock.available, before)
    t.match(
      flashes(page, 'error').join(' '),
      status === 403 ? 'Allegro nie pozwoliło zmienić tej oferty' : 'Allegro nie zna tej oferty'
    )
    t.equal(s.sim.simulator.faults.history.length, 1, 'not retried')
    t.same(await outcomes(s), ['refused'])
    await untouched()
  })
}

t.test(
  'Allegro down longer than the retries: the bulk push reports each offer, the next click sets both',
  async (t) => {
    const { s, offer, second, untouched } = await prepare(t)
    const before = [offer.stock.available, second.stock.available]
    s.sim.simulator.faults.add({ ...PATCH, kind: 'status', status: 503, times: 100 })
    const page = await click(s, {})
    t.same([offer.stock.available, second.stock.available], before)
    const errors = flashes(page, 'error').join(' ')
    t.match(errors, `Oferta „${offer.name}”: Nie udało się ustawić stanu w Allegro`)
    t.match(errors, 'liczba prób: 5')
    t.same(await outcomes(s), ['failed', 'failed'])
    s.sim.simulator.faults.clear()
    const again = await click(s, {})
    t.same([offer.stock.available, second.stock.available], [7, 3])
    t.match(flashes(again, 'success').join(' '), 'Ustawiono w Allegro stany ofert: 2.')
    await untouched()
  }
)

t.test(
  'tokens revoked during the push: reconnect asked for, the rest not tried; after reconnecting the push works',
  async (t) => {
    const { s, offer, second, untouched } = await prepare(t)
    const before = [offer.stock.available, second.stock.available]
    await s.owner.get(s.page)
    // after the offers were read, right before the first PATCH
    s.beforeFetch((method) => {
      if (method !== 'PATCH') return
      s.beforeFetch(null)
      s.sim.simulator.revokeTokens('demo_sklep')
    })
    const response = await s.owner.post(PUSH, { sklep: String(s.shopId) })
    t.equal(response.statusCode, 303)
    const page = (await s.owner.get(s.page)).body
    t.same([offer.stock.available, second.stock.available], before)
    t.match(flashes(page, 'error').join(' '), 'połącz sklep ponownie')
    t.match(flashes(page, 'warning').join(' '), 'Pozostałych ofert (1) nie zmieniono')
    t.same(await outcomes(s), ['failed'])
    const shop = await s.db
      .selectFrom('allegro_shops')
      .select('connection_status')
      .where('id', '=', s.shopId)
      .executeTakeFirstOrThrow()
    t.equal(shop.connection_status, 'reconnect_required')

    await s.connect()
    const again = await click(s, {})
    t.same([offer.stock.available, second.stock.available], [7, 3])
    t.match(flashes(again, 'success').join(' '), 'Ustawiono w Allegro stany ofert: 2.')
    await untouched()
  }
)
