import t, { type Test } from 'tap'
import { allegroClientForShop } from '../../src/allegro/shop-client.ts'
import { fixedClock } from '../../src/shared/dates.ts'
import { build, TEST_NOW } from '../helpers/app.ts'
import { addShop, approveOnConfirmationPage, finishFlow, startFlow, startSimulator } from './helpers.ts'

const BASE = '/ustawienia/integracje/allegro'

async function setup(t: Test, config: Record<string, string> = {}) {
  const clock = fixedClock(TEST_NOW)
  const { sim } = await startSimulator(t, clock)
  const built = await build(t, { now: clock, config: { SIMULATOR_URL: sim.url, ...config } })
  return { ...built, sim, clock }
}

t.test('device flow end to end from the UI: pending, approved on the confirmation page, connected', async (t) => {
  const { app, owner, db, sim, clock } = await setup(t)
  const form = await owner.get(`${BASE}/sklepy/nowy`)
  t.match(form.body, 'Symulator Allegro (wbudowany)', 'the simulator is offered when reachable')
  const shopId = await addShop(owner, db, 'Sklep demo')

  const { userCode, link, page } = await startFlow(t, owner, shopId)
  t.match(page, '<meta name="biurko-refresh" content="5">', "the waiting page reloads itself at Allegro's interval")
  t.match(link, `${sim.url}/skojarz-aplikacje?code=`)
  const pending = await db.selectFrom('allegro_device_authorizations').selectAll().executeTakeFirstOrThrow()
  t.match(pending.device_code_enc, /^v1:/, 'device code stored encrypted')
  t.equal(
    (await db.selectFrom('allegro_shops').select('connection_status').executeTakeFirstOrThrow()).connection_status,
    'connecting'
  )

  const tokenCalls = (): number => sim.simulator.stats.requests['POST /auth/oauth/token'] ?? 0
  const reload = await owner.get(`${BASE}/sklepy/${shopId}/polaczenie`)
  t.equal(reload.statusCode, 200)
  t.equal(tokenCalls(), 0, 'no poll before the interval has passed')
  clock.advance(5000)
  const stillPending = await owner.get(`${BASE}/sklepy/${shopId}/polaczenie`)
  t.match(stillPending.body, 'Czekam na potwierdzenie')
  t.equal(tokenCalls(), 1, 'one poll after the interval')
  await owner.get(`${BASE}/sklepy/${shopId}/polaczenie`)
  await owner.get(`${BASE}/sklepy/${shopId}/polaczenie`)
  t.equal(tokenCalls(), 1, 'reloads within the interval do not poll again')

  const approved = await approveOnConfirmationPage(sim, link, userCode, 'demo_sklep', 'demo1234')
  t.match(approved, 'demo_sklep')
  const { location, page: after } = await finishFlow(owner, clock, shopId)
  t.equal(location, BASE)
  t.match(after, 'Połączono z kontem demo_sklep.')
  t.match(after, 'połączony')
  t.match(after, 'Token dostępu')

  const shop = await db.selectFrom('allegro_shops').selectAll().executeTakeFirstOrThrow()
  t.equal(shop.connection_status, 'connected')
  t.equal(shop.allegro_login, 'demo_sklep')
  t.equal(shop.allegro_user_id, sim.simulator.seller('demo_sklep').id)
  t.match(shop.access_token_enc, /^v1:/)
  t.match(shop.refresh_token_enc, /^v1:/)
  t.ok(shop.last_success_at)
  t.equal(
    (await db.selectFrom('allegro_device_authorizations').selectAll().execute()).length,
    0,
    'authorisation cleaned up'
  )

  const client = await allegroClientForShop(app, shopId)
  t.equal((await client.getMe()).login, 'demo_sklep', 'the stored tokens work')
})

t.test('denied on Allegro and expired codes go back to the start with a message', async (t) => {
  const { owner, db, sim, clock } = await setup(t)
  const shopId = await addShop(owner, db, 'Sklep demo')
  const first = await startFlow(t, owner, shopId)
  sim.simulator.denyDevice(first.userCode)
  const denied = await finishFlow(owner, clock, shopId)
  t.equal(denied.location, `${BASE}/sklepy/${shopId}/polaczenie`)
  t.match(denied.page, 'Połączenie zostało odrzucone na stronie Allegro.')
  t.equal(
    (await db.selectFrom('allegro_shops').select('connection_status').executeTakeFirstOrThrow()).connection_status,
    'not_connected'
  )

  await startFlow(t, owner, shopId)
  clock.advance(3601 * 1000)
  const expired = await owner.get(`${BASE}/sklepy/${shopId}/polaczenie`)
  t.equal(expired.statusCode, 303)
  t.match((await owner.get(`${BASE}/sklepy/${shopId}/polaczenie`)).body, 'Kod połączenia wygasł')
  t.equal((await db.selectFrom('allegro_device_authorizations').selectAll().execute()).length, 0)

  await startFlow(t, owner, shopId)
  await owner.get(`${BASE}/sklepy/${shopId}/polaczenie`)
  const cancelled = await owner.post(`${BASE}/sklepy/${shopId}/polaczenie/anulowanie`)
  t.equal(cancelled.statusCode, 303)
  t.match((await owner.get(BASE)).body, 'Przerwano łączenie sklepu Sklep demo.')
  t.equal((await db.selectFrom('allegro_device_authorizations').selectAll().execute()).length, 0)
})

t.test('reconnecting with a different Allegro account is refused; the old account stays', async (t) => {
  const { owner, db, sim, clock } = await setup(t)
  const shopId = await addShop(owner, db, 'Sklep demo')
  const first = await startFlow(t, owner, shopId)
  await approveOnConfirmationPage(sim, first.link, first.userCode, 'demo_sklep', 'demo1234')
  await finishFlow(owner, clock, shopId)
  const before = await db.selectFrom('allegro_shops').selectAll().executeTakeFirstOrThrow()

  const second = await startFlow(t, owner, shopId)
  await approveOnConfirmationPage(sim, second.link, second.userCode, 'inny_sklep', 'inny1234')
  const { page } = await finishFlow(owner, clock, shopId)
  t.match(page, 'Zalogowano się w Allegro na konto inny_sklep, a ten sklep jest połączony z kontem demo_sklep.')
  t.match(page, 'dodaj je jako nowy sklep')
  const after = await db.selectFrom('allegro_shops').selectAll().executeTakeFirstOrThrow()
  t.equal(after.allegro_login, 'demo_sklep')
  t.equal(after.access_token_enc, before.access_token_enc, 'tokens untouched')
  t.equal(after.connection_status, 'connected')

  const third = await startFlow(t, owner, shopId)
  await approveOnConfirmationPage(sim, third.link, third.userCode, 'demo_sklep', 'demo1234')
  const { page: again } = await finishFlow(owner, clock, shopId)
  t.match(again, 'Połączono z kontem demo_sklep.', 'the same account reconnects fine')
  t.not(
    (await db.selectFrom('allegro_shops').select('access_token_enc').executeTakeFirstOrThrow()).access_token_enc,
    before.access_token_enc
  )
})

t.test(
  'one Allegro account feeds one shop: a second active shop is refused, a re-added shop takes over the removed one',
  async (t) => {
    const { owner, db, sim, clock } = await setup(t)
    const first = await addShop(owner, db, 'Sklep pierwszy')
    const flow = await startFlow(t, owner, first)
    await approveOnConfirmationPage(sim, flow.link, flow.userCode, 'demo_sklep', 'demo1234')
    await finishFlow(owner, clock, first)

    const second = await addShop(owner, db, 'Sklep drugi')
    const again = await startFlow(t, owner, second)
    await approveOnConfirmationPage(sim, again.link, again.userCode, 'demo_sklep', 'demo1234')
    const { page } = await finishFlow(owner, clock, second)
    t.match(page, 'Konto Allegro demo_sklep jest już połączone ze sklepem „Sklep pierwszy”.')
    const refused = await db.selectFrom('allegro_shops').selectAll().where('id', '=', second).executeTakeFirstOrThrow()
    t.equal(refused.allegro_user_id, null, 'the second shop did not take the account')
    t.equal(refused.access_token_enc, null)

    // the first shop has history: an imported transaction and a deleted one
    const at = new Date().toISOString()
    const kept = await db
      .insertInto('transactions')
      .values({
        shop_id: first,
        checkout_form_id: '11111111-1111-4111-8111-111111111111',
        revision: 'a1',
        allegro_status: 'READY_FOR_PROCESSING',
        total_to_pay: 1000,
        bought_at: at,
        buyer_id: '1',
        buyer_login: 'kupujacy',
        raw_json: '{}',
        imported_at: at,
        updated_at: at
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    await db
      .insertInto('transaction_tombstones')
      .values({ shop_id: first, checkout_form_id: '22222222-2222-4222-8222-222222222222', deleted_at: at })
      .execute()
    await owner.get('/ustawienia/integracje/allegro')
    t.equal((await owner.post(`${BASE}/sklepy/${first}/usuniecie`)).statusCode, 303)

    const third = await startFlow(t, owner, second)
    await approveOnConfirmationPage(sim, third.link, third.userCode, 'demo_sklep', 'demo1234')
    const { page: connected } = await finishFlow(owner, clock, second)
    t.match(connected, 'Połączono z kontem demo_sklep.')
    t.equal(
      (await db.selectFrom('transactions').select('shop_id').where('id', '=', kept.id).executeTakeFirstOrThrow())
        .shop_id,
      second,
      'transactions moved to the new shop'
    )
    t.equal(
      (await db.selectFrom('transaction_tombstones').select('shop_id').executeTakeFirstOrThrow()).shop_id,
      second,
      'deletions too'
    )
  }
)
