import t from 'tap'
import { build } from '../helpers/app.ts'

// Out of the box: a new user sets the company up, adds the built-in simulator as a shop,
// connects it on the simulator's page, clicks POBIERZ NOWE TRANSAKCJE and browses the orders.

const SHOPS = '/ustawienia/integracje/allegro'
const LIST = '/przychody/allegro'

t.test('a new user imports the simulator’s orders and browses them', async (t) => {
  const {
    app,
    anonymous: browser,
    clock,
    db
  } = await build(t, { state: 'none', config: { SIMULATOR_ENABLED: 'true' } })
  await app.listen({ port: 0, host: '127.0.0.1' })

  await browser.get('/konfiguracja')
  const setup = await browser.post('/konfiguracja', {
    login: 'nowa',
    ownerName: 'Nowa Użytkowniczka',
    password: 'bardzo-tajne-1',
    passwordRepeat: 'bardzo-tajne-1',
    name: 'Nowy Sklep',
    nip: '526-104-08-28',
    street: 'ul. Długa 5',
    postalCode: '30-001',
    city: 'Kraków',
    bankAccount: '',
    email: '',
    phone: '',
    vatStatus: 'czynny',
    vatExemptionBasis: '',
    defaultVatRate: '23',
    taxForm: 'kpir',
    ryczaltRate: '',
    package: 'ksiegowosc'
  })
  t.equal(setup.statusCode, 303)

  const noShop = await browser.get(LIST)
  t.equal(noShop.statusCode, 200)
  t.match(noShop.body, 'Nie masz jeszcze sklepu Allegro')

  await browser.get(`${SHOPS}/sklepy/nowy`)
  t.equal(
    (
      await browser.post(`${SHOPS}/sklepy`, {
        name: 'Mój sklep',
        environment: 'simulator',
        buyerDataSource: 'delivery',
        backfillDays: '30'
      })
    ).statusCode,
    303
  )
  const shop = await db.selectFrom('allegro_shops').selectAll().executeTakeFirstOrThrow()
  await browser.get(`${SHOPS}/sklepy/${shop.id}/polaczenie`)
  await browser.post(`${SHOPS}/sklepy/${shop.id}/polaczenie`)
  const waiting = await browser.get(`${SHOPS}/sklepy/${shop.id}/polaczenie`)
  const code = /class="device-code"><strong>([A-Z0-9-]+)<\/strong>/.exec(waiting.body)?.[1] ?? ''
  t.not(code, '', 'a code to confirm')
  const approved = await browser.post(
    '/symulator-allegro/skojarz-aplikacje',
    { code, login: 'demo_sklep', password: 'demo1234' },
    { csrf: null }
  )
  t.equal(approved.statusCode, 200)
  clock.advance(5000)
  t.equal((await browser.get(`${SHOPS}/sklepy/${shop.id}/polaczenie`)).statusCode, 303)

  const before = await browser.get(LIST)
  t.match(before.body, 'POBIERZ NOWE TRANSAKCJE')
  const clicked = await browser.post(`${LIST}/pobierz`, { back: LIST })
  t.equal(clicked.statusCode, 303)
  const list = await browser.get(LIST)
  const expected = app
    .allegroSimulator!.listOrders({ seller: 'demo_sklep' })
    .filter((f) => Date.parse(f.lineItems[0].boughtAt) >= clock().minus({ days: 30 }).toMillis()).length
  t.ok(expected > 0, 'the simulator has a month of orders')
  const stored = (await db.selectFrom('transactions').select('id').execute()).length
  t.equal(stored, expected, 'the last 30 days of orders, each once')
  t.match(list.body, new RegExp(`Pobrano transakcje ze sklepu Mój sklep: ${stored} `))
  t.match(list.body, /href="https:\/\/allegro\.(pl\/oferta|cz\/nabidka)\/\d+"/, 'offer links')

  const first = /<a href="(\/przychody\/allegro\/\d+)">[0-9A-F]{8}<\/a>/.exec(list.body)?.[1] ?? ''
  const details = await browser.get(first)
  t.equal(details.statusCode, 200)
  t.match(details.body, 'Kupione produkty')
  t.match(details.body, 'Razem do zapłaty')
  t.match(details.body, 'Dane do faktury')

  const search = /<td data-label="Kupujący">([a-z0-9._]+)<br>/.exec(list.body)?.[1] ?? ''
  t.not(search, '')
  const found = await browser.get(`${LIST}?szukaj=${encodeURIComponent(search)}`)
  t.match(found.body, search, 'search by buyer login')
})
