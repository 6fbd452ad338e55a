// "Ustaw w Allegro stan z Biurka" on the offers page, over real HTTP to a standalone simulator.
import t from 'tap'
import { stockForAllegro, endsOffer, pushFailed } from '../../src/products/offers.ts'
import { seedUser } from '../helpers/app.ts'
import { TestClient } from '../helpers/client.ts'
import { insertProduct, stockOf } from '../helpers/document-fixtures.ts'
import { flashes, OFFERS, stockShop } from '../quality/fixtures/offer-stock.ts'

const PUSH = `${OFFERS}/stan`

t.test('the value sent: whole pieces, never below zero; 0 ends only an active offer', async (t) => {
  t.equal(stockForAllegro(7000), 7)
  t.equal(stockForAllegro(7999), 7)
  t.equal(stockForAllegro(999), 0)
  t.equal(stockForAllegro(0), 0)
  t.equal(stockForAllegro(-2500), 0)
  t.equal(endsOffer({ status: 'ACTIVE' }, 0), true)
  t.equal(endsOffer({ status: 'ACTIVE' }, 1), false)
  t.equal(endsOffer({ status: 'INACTIVE' }, 0), false)
  t.equal(pushFailed({ kind: 'http', status: 409, userMessage: 'x' }).outcome, 'conflict')
  t.equal(pushFailed({ kind: 'http', status: 404, userMessage: 'x' }).outcome, 'refused')
  t.equal(pushFailed({ kind: 'timeout', status: null, userMessage: 'x' }).outcome, 'failed')
})

t.test('one offer: the simulator gets exactly the product stock, the log and the page show it', async (t) => {
  const s = await stockShop(t)
  const offer = s.active[0]
  const other = s.active[1]
  const otherBefore = other.stock.available
  const productId = await insertProduct(s.db, { name: offer.name, stockMilli: 12_750 })
  await insertProduct(s.db, { name: other.name, stockMilli: 3000 })

  const page = await s.owner.get(s.page)
  t.equal(page.statusCode, 200)
  t.match(page.body, 'Ustaw w Allegro stan z Biurka (12)')
  t.match(page.body, 'Ustaw stany wszystkich dopasowanych ofert')
  const pushed = await s.owner.post(PUSH, { sklep: String(s.shopId), oferta: offer.id })
  t.equal(pushed.statusCode, 303)
  t.equal(pushed.headers.location, s.page)
  t.equal(offer.stock.available, 12, 'Allegro has the whole pieces of the product stock')
  t.equal(offer.publication.status, 'ACTIVE')
  t.equal(other.stock.available, otherBefore, 'the other offer is untouched')
  t.equal(await stockOf(s.db, productId), 12_750, 'the stock in Biurko is untouched')

  const after = await s.owner.get(s.page)
  t.match(flashes(after.body, 'success').join(' '), `Oferta „${offer.name}”: Ustawiono w Allegro stan 12.`)
  t.match(after.body, /Ostatnio: \d\d\.\d\d\.\d{4} \d\d:\d\d, stan 12,/)
  const log = await s.db.selectFrom('offer_stock_pushes').selectAll().execute()
  t.equal(log.length, 1)
  t.match(log[0], {
    shop_id: s.shopId,
    offer_id: offer.id,
    product_id: productId,
    available: 12,
    outcome: 'done',
    http_status: 200
  })
  t.ok(log[0].user_id !== null, 'who did it')
})

t.test('bulk: every matched offer on the page, the unmatched ones untouched', async (t) => {
  const s = await stockShop(t)
  const [a, b, c] = s.active
  const untouched = s.offers
    .filter((o) => o.id !== a.id && o.id !== b.id && o.id !== c.id)
    .map((o) => [o.id, o.stock.available, o.publication.status])
  await insertProduct(s.db, { name: a.name, stockMilli: 1000 })
  await insertProduct(s.db, { name: b.name, stockMilli: 250_000 })
  await insertProduct(s.db, { name: 'Inna nazwa', sku: 'SKU-C', stockMilli: 41_500 })
  c.external = { id: 'SKU-C' }

  await s.owner.get(s.page)
  const pushed = await s.owner.post(PUSH, { sklep: String(s.shopId) })
  t.equal(pushed.statusCode, 303)
  t.same([a.stock.available, b.stock.available, c.stock.available], [1, 250, 41])
  t.same(
    s.offers
      .filter((o) => o.id !== a.id && o.id !== b.id && o.id !== c.id)
      .map((o) => [o.id, o.stock.available, o.publication.status]),
    untouched
  )
  const after = await s.owner.get(s.page)
  t.match(flashes(after.body, 'success').join(' '), 'Ustawiono w Allegro stany ofert: 3.')
  t.equal((await s.db.selectFrom('offer_stock_pushes').select('id').where('outcome', '=', 'done').execute()).length, 3)
})

t.test('0 on an active offer ends it: only with the confirmation; negative stock sends 0', async (t) => {
  const s = await stockShop(t)
  const offer = s.active[0]
  const before = offer.stock.available
  await insertProduct(s.db, { name: offer.name, stockMilli: -2000 })
  const page = await s.owner.get(s.page)
  t.match(page.body, 'Stan 0 zakończy ofertę w Allegro')
  t.match(page.body, 'Ustaw w Allegro stan z Biurka (0)')

  const refused = await s.owner.post(PUSH, { sklep: String(s.shopId), oferta: offer.id })
  t.equal(refused.statusCode, 422)
  t.match(refused.body, `Stan 0 zakończy ofertę w Allegro: „${offer.name}”. Zaznacz potwierdzenie`)
  t.equal(offer.stock.available, before, 'nothing sent')
  t.equal(offer.publication.status, 'ACTIVE')
  const bulkRefused = await s.owner.post(PUSH, { sklep: String(s.shopId) })
  t.equal(bulkRefused.statusCode, 422, 'the bulk push asks too')
  t.equal(offer.stock.available, before)
  t.equal((await s.db.selectFrom('offer_stock_pushes').select('id').execute()).length, 0, 'nothing logged')

  const confirmed = await s.owner.post(PUSH, { sklep: String(s.shopId), oferta: offer.id, potwierdzam: '1' })
  t.equal(confirmed.statusCode, 303)
  t.equal(offer.stock.available, 0)
  t.equal(offer.publication.status, 'ENDED', 'Allegro ended the offer')
})

t.test('bad input: 422 with a Polish message; unknown shop 404; nothing sent', async (t) => {
  const s = await stockShop(t)
  const offer = s.active[0]
  const before = offer.stock.available
  const unmatched = s.active[1]
  await insertProduct(s.db, { name: offer.name, stockMilli: 5000 })
  await s.owner.get(s.page)

  const badId = await s.owner.post(PUSH, { sklep: String(s.shopId), oferta: '../x<script>' })
  t.equal(badId.statusCode, 422)
  t.match(badId.body, 'Nieprawidłowy numer oferty.')
  t.notMatch(badId.body, '<script>')
  const notMatched = await s.owner.post(PUSH, { sklep: String(s.shopId), oferta: unmatched.id })
  t.equal(notMatched.statusCode, 422)
  t.match(notMatched.body, 'nie jest dopasowana do żadnego produktu')
  const missing = await s.owner.post(PUSH, { sklep: String(s.shopId), oferta: '999999999999' })
  t.equal(missing.statusCode, 422)
  t.match(missing.body, 'Allegro nie zwróciło tej oferty')
  const arrays = await s.owner.post(PUSH, { sklep: [String(s.shopId), '2'], oferta: [offer.id, 'x'] })
  t.equal(arrays.statusCode, 303, 'the first value of a repeated field')
  t.equal(offer.stock.available, 5)
  offer.stock.available = before
  t.equal((await s.owner.post(PUSH, { sklep: '9999', oferta: offer.id })).statusCode, 404)
  t.equal((await s.owner.post(PUSH, { sklep: 'abc' })).statusCode, 404)
  t.equal(offer.stock.available, before)
})

t.test('access: no session, no Allegro permission, module off, missing CSRF', async (t) => {
  const s = await stockShop(t)
  const offer = s.active[0]
  const before = offer.stock.available
  await insertProduct(s.db, { name: offer.name, stockMilli: 5000 })
  const fields = { sklep: String(s.shopId), oferta: offer.id }

  const anonymous = await s.anonymous.post(PUSH, fields)
  t.equal(anonymous.statusCode, 303)
  t.match(String(anonymous.headers.location), /^\/logowanie/)
  await s.owner.get(s.page)
  t.equal((await s.owner.post(PUSH, fields, { csrf: null })).statusCode, 403, 'no CSRF token')
  t.equal((await s.owner.post(PUSH, fields, { csrf: 'zly-token' })).statusCode, 403, 'a wrong CSRF token')

  await seedUser(s.db, { login: 'ksiegowa', password: 'haslo-ksiegowej-1', ksiegowosc: true })
  const accountant = new TestClient(s.app)
  await accountant.login('ksiegowa', 'haslo-ksiegowej-1')
  await accountant.get('/')
  t.equal((await accountant.post(PUSH, fields)).statusCode, 403, 'no Allegro permission')

  await s.db.updateTable('company').set({ allegro_enabled: 0 }).execute()
  t.equal((await s.owner.post(PUSH, fields)).statusCode, 403, 'module switched off')
  t.equal(offer.stock.available, before, 'nothing sent')
  t.equal((await s.db.selectFrom('offer_stock_pushes').select('id').execute()).length, 0)
})
