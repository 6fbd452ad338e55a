import t from 'tap'
import { allegroClientForShop } from '../../src/allegro/shop-client.ts'
import { build } from '../helpers/app.ts'
import { BASE } from './helpers.ts'

// The out-of-the-box setup: the simulator mounted in the same process, a new user adds a
// simulator shop and connects it from the UI, confirming on the simulator's page.

t.test('buildApp with the simulator enabled serves its confirmation page and API', async (t) => {
  const { anonymous, db, app } = await build(t, { config: { SIMULATOR_ENABLED: 'true' } })
  t.ok(app.allegroSimulator, 'the simulator is reachable for tests and tools')
  const page = await anonymous.get('/symulator-allegro/skojarz-aplikacje')
  t.equal(page.statusCode, 200)
  t.match(page.body, 'demo_sklep', 'the page shows the demo credentials')
  t.match(page.body, 'name="password"')
  const api = await anonymous.get('/symulator-allegro/api/me', { accept: 'application/vnd.allegro.public.v1+json' })
  t.equal(api.statusCode, 401, 'the API wants a token')
  const state = await db.selectFrom('allegro_simulator_state').selectAll().executeTakeFirstOrThrow()
  t.ok(state.epoch, 'the epoch is kept so a restart serves the same orders')
})

t.test('the simulator is not mounted when disabled', async (t) => {
  const { anonymous, app } = await build(t)
  t.equal(app.allegroSimulator, null)
  t.equal((await anonymous.get('/symulator-allegro/skojarz-aplikacje')).statusCode, 404)
})

t.test('a new user adds a simulator shop and connects it from the UI', async (t) => {
  const { app, owner, anonymous, db, clock } = await build(t, { config: { SIMULATOR_ENABLED: 'true' } })
  // the server calls the simulator over real HTTP on its own listening address
  await app.listen({ port: 0, host: '127.0.0.1' })

  const list = await owner.get(BASE)
  t.match(list.body, 'wbudowanym symulatorze')
  const form = await owner.get(`${BASE}/sklepy/nowy`)
  t.match(
    form.body,
    /<option value="simulator" selected>Symulator Allegro \(wbudowany\)<\/option>/,
    'the simulator is the default for a first try'
  )
  const added = await owner.post(`${BASE}/sklepy`, {
    name: 'Mój sklep',
    environment: 'simulator',
    buyerDataSource: 'delivery',
    backfillDays: '30'
  })
  t.equal(added.statusCode, 303)
  const shop = await db.selectFrom('allegro_shops').selectAll().executeTakeFirstOrThrow()

  const intro = await owner.get(`${BASE}/sklepy/${shop.id}/polaczenie`)
  t.match(intro.body, 'demo_sklep', 'the intro names the demo account for the simulator')
  const started = await owner.post(`${BASE}/sklepy/${shop.id}/polaczenie`)
  t.equal(started.statusCode, 303)
  const waiting = await owner.get(`${BASE}/sklepy/${shop.id}/polaczenie`)
  t.equal(waiting.statusCode, 200)
  const code = /class="device-code"><strong>([A-Z0-9-]+)<\/strong>/.exec(waiting.body)?.[1] ?? ''
  const link = /href="([^"]+)" target="_blank" rel="noopener noreferrer">Otwórz stronę/.exec(waiting.body)?.[1] ?? ''
  t.match(
    link,
    /^http:\/\/localhost\/symulator-allegro\/skojarz-aplikacje\?code=/,
    'the link uses the public URL, not the internal address'
  )

  // the seller opens the link in their browser and signs in with login and password
  const confirmation = await anonymous.get(
    new URL(link.replace(/&amp;/g, '&')).pathname + new URL(link.replace(/&amp;/g, '&')).search
  )
  t.equal(confirmation.statusCode, 200)
  t.match(confirmation.body, code)
  const wrong = await anonymous.post(
    '/symulator-allegro/skojarz-aplikacje',
    { code, login: 'demo_sklep', password: 'zle-haslo' },
    { csrf: null }
  )
  t.equal(wrong.statusCode, 422)
  const approved = await anonymous.post(
    '/symulator-allegro/skojarz-aplikacje',
    { code, login: 'demo_sklep', password: 'demo1234' },
    { csrf: null }
  )
  t.equal(approved.statusCode, 200)

  clock.advance(5000)
  const done = await owner.get(`${BASE}/sklepy/${shop.id}/polaczenie`)
  t.equal(done.statusCode, 303)
  t.equal(done.headers.location, BASE)
  const panel = await owner.get(BASE)
  t.match(panel.body, 'Połączono z kontem demo_sklep.')
  t.match(panel.body, /badge ok">połączony/)

  const client = await allegroClientForShop(app, shop.id)
  const orders = await client.listCheckoutForms({ limit: 10 })
  t.equal(orders.checkoutForms?.length, 10, 'orders can be read right away')
})
