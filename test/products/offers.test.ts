import t from 'tap'
import { startStandaloneSimulator, type StandaloneSimulator } from '../../src/simulators/allegro/simulator.ts'
import { parseOffer, parseOfferList } from '../../src/products/offers.ts'
import { encryptSecret } from '../../src/shared/crypto.ts'
import { build, seedUser, TEST_NOW } from '../helpers/app.ts'
import { TestClient } from '../helpers/client.ts'
import { insertProduct } from '../helpers/document-fixtures.ts'
import { insertShop } from '../helpers/transaction-fixtures.ts'
import { sellerTokens } from '../quality/fixtures/offer-stock.ts'

interface Tap {
  teardown: (fn: () => unknown) => void
}

async function startSimulator(t: Tap): Promise<StandaloneSimulator> {
  const sim = await startStandaloneSimulator({ secret: 'test-secret', initialOrders: 0 })
  t.teardown(async () => {
    await sim.close()
  })
  return sim
}

async function connectedApp(t: Tap, company: Record<string, unknown> = {}) {
  const sim = await startSimulator(t)
  const built = await build(t, { config: { SIMULATOR_URL: sim.url }, company })
  const tokens = await sellerTokens(sim)
  const shopId = await insertShop(built.db, { name: 'Sklep demo', connected: false })
  const key = built.app.ctx.secretsKey
  await built.db
    .updateTable('allegro_shops')
    .set({
      connection_status: 'connected',
      access_token_enc: encryptSecret(key, tokens.access_token),
      refresh_token_enc: encryptSecret(key, tokens.refresh_token),
      // valid for an hour of the app's clock, so the client does not refresh first
      access_token_expires_at: new Date(Date.parse(TEST_NOW) + 3_600_000).toISOString()
    })
    .where('id', '=', shopId)
    .execute()
  const demo = sim.simulator.seller('demo_sklep')
  const offers = sim.simulator.offers.filter((offer) => offer.sellerId === demo.id)
  return { ...built, sim, shopId, offers }
}

t.test('offers of a shop next to the products they match, over real HTTP to the simulator', async (t) => {
  const { owner, db, shopId, offers } = await connectedApp(t)
  const byName = offers[0]
  const withSku = offers.find((offer) => offer.external !== null && offer.id !== byName.id)
  t.ok(withSku, 'the simulator has offers with a sygnatura')
  const named = await insertProduct(db, { name: byName.name, stockMilli: 7000 })
  const skued = await insertProduct(db, {
    name: 'Nazwa inna niż tytuł oferty',
    sku: withSku!.external!.id,
    stockMilli: -2000
  })

  const page = await owner.get(`/przychody/produkty/oferty-allegro?sklep=${shopId}`)
  t.equal(page.statusCode, 200)
  t.match(page.body, 'Oferty Allegro: Sklep demo')
  t.match(page.body, `<a href="/przychody/produkty/${named}">`)
  t.match(page.body, 'po nazwie')
  t.match(
    page.body,
    `<a href="/przychody/produkty/${skued}">Nazwa inna niż tytuł oferty</a> <span class="badge ok">po sygnaturze`
  )
  t.match(page.body, /class="num negative">-2 szt\./)
  t.match(page.body, `${offers.length - 2} ofert(y) na tej stronie bez produktu`)
  t.match(page.body, 'Utwórz produkt')
  const onlyUnmatched = await owner.get(`/przychody/produkty/oferty-allegro?sklep=${shopId}&tylko=bez-produktu`)
  t.equal(onlyUnmatched.statusCode, 200)
  t.notMatch(onlyUnmatched.body, `<a href="/przychody/produkty/${named}">`, 'matched offers hidden')
  t.match(onlyUnmatched.body, 'Pokaż wszystkie oferty')
  const unmatched = offers.find((offer) => offer.id !== byName.id && offer.id !== withSku!.id)!
  t.match(page.body, `nr ${unmatched.id}`)

  const link = /href="(\/przychody\/produkty\/nowy\?nazwa=[^"]+)"/.exec(page.body)
  t.ok(link, 'a create link for an unmatched offer')
  const prefilled = await owner.get(link![1].replace(/&amp;/g, '&'))
  t.equal(prefilled.statusCode, 200)
  t.match(prefilled.body, 'Dane skopiowane z oferty Allegro')
  t.match(prefilled.body, /id="f-name" name="name" type="text" value="[^"]+"/, 'the name is filled in')
})

t.test('one shop: the page opens it; Allegro failures are explained in Polish', async (t) => {
  const { owner, sim, shopId, db } = await connectedApp(t)
  const redirect = await owner.get('/przychody/produkty/oferty-allegro')
  t.equal(redirect.statusCode, 303)
  t.equal(redirect.headers.location, `/przychody/produkty/oferty-allegro?sklep=${shopId}`)

  sim.simulator.faults.add({
    path: '/sale/offers',
    kind: 'status',
    status: 403,
    body: { errors: [{ code: 'AccessDenied', message: 'denied', userMessage: null }] }
  })
  const failed = await owner.get(`/przychody/produkty/oferty-allegro?sklep=${shopId}`)
  t.equal(failed.statusCode, 502)
  t.match(failed.body, 'Nie udało się pobrać ofert z Allegro')
  t.notMatch(failed.body, '<table>', 'no half-filled table')

  const fresh = await insertShop(db, { name: 'Niepołączony', connected: false })
  const notConnected = await owner.get(`/przychody/produkty/oferty-allegro?sklep=${fresh}`)
  t.equal(notConnected.statusCode, 200, 'not connected is a state of the shop, not an Allegro failure')
  t.match(notConnected.body, 'Nie udało się pobrać ofert z Allegro')
  t.equal((await owner.get('/przychody/produkty/oferty-allegro?sklep=9999')).statusCode, 404)

  await insertShop(db, { name: 'Trzeci sklep', connected: false })
  const picker = await owner.get('/przychody/produkty/oferty-allegro')
  t.equal(picker.statusCode, 200, 'several shops: choose one')
  t.match(picker.body, 'Wybierz sklep')
  t.match(picker.body, `<option value="${fresh}">Niepołączony</option>`)
  const list = await owner.get('/przychody/produkty')
  t.match(
    list.body,
    'href="/przychody/produkty/oferty-allegro">Oferty Allegro</a>',
    'one button instead of one per shop'
  )
})

t.test('the offers page needs the Allegro module and permission; MAGAZYN twin in the warehouse package', async (t) => {
  const { owner, db, app, shopId } = await connectedApp(t, { package: 'ksiegowosc_magazyn' })
  const page = await owner.get(`/magazyn/produkty/oferty-allegro?sklep=${shopId}`)
  t.equal(page.statusCode, 200)
  t.match(page.body, 'Magazyn » Produkty')
  t.match(page.body, '/magazyn/produkty/nowy?nazwa=')
  const list = await owner.get('/magazyn/produkty')
  t.match(list.body, `href="/magazyn/produkty/oferty-allegro?sklep=${shopId}"`)

  await seedUser(db, { login: 'magazynier', password: 'haslo-magazyniera-1', magazyn: true })
  const keeper = new TestClient(app)
  await keeper.login('magazynier', 'haslo-magazyniera-1')
  t.equal(
    (await keeper.get(`/magazyn/produkty/oferty-allegro?sklep=${shopId}`)).statusCode,
    403,
    'no Allegro permission'
  )
  t.notMatch((await keeper.get('/magazyn/produkty')).body, 'oferty-allegro', 'and no link to it')

  await db.updateTable('company').set({ allegro_enabled: 0 }).execute()
  t.equal((await owner.get(`/magazyn/produkty/oferty-allegro?sklep=${shopId}`)).statusCode, 403, 'module switched off')
})

t.test('offers from Allegro are validated field by field', async (t) => {
  t.same(
    parseOffer({
      id: '123',
      name: ' Kubek\u0007 ',
      sellingMode: { price: { amount: '12.50', currency: 'PLN' } },
      stock: { available: 4 },
      external: { id: 'K-1' },
      publication: { status: 'ACTIVE' }
    }),
    { id: '123', name: 'Kubek', sku: 'K-1', priceMinor: 1250, currency: 'PLN', available: 4, status: 'ACTIVE' }
  )
  t.same(
    parseOffer({
      id: '124',
      name: 'Talerz',
      sellingMode: { price: { amount: '1e3' } },
      stock: { available: -1 },
      external: { id: 7 },
      publication: { status: '<script>' }
    }),
    { id: '124', name: 'Talerz', sku: null, priceMinor: null, currency: null, available: null, status: null }
  )
  t.equal(parseOffer({ id: '../x', name: 'Zły numer' }), null)
  t.equal(parseOffer({ id: '125', name: '' }), null)
  t.equal(parseOffer('oferta'), null)
  const list = parseOfferList({ offers: [{ id: '1', name: 'A' }, null, { id: '2' }], totalCount: 3 })
  t.equal(list.offers.length, 1)
  t.equal(list.skipped, 2)
  t.equal(list.totalCount, 3)
  t.same(parseOfferList('nonsense'), { offers: [], skipped: 0, totalCount: null })
})
