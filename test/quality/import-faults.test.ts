// POBIERZ NOWE TRANSAKCJE while Allegro misbehaves, over real HTTP against a standalone simulator.
// Transient faults are retried inside the one click and the import completes; permanent ones end
// with a Polish message on the list page, and the next import after the cause is gone completes.
// Every time, the database ends up holding exactly the simulator's orders and its cursor.
import t from 'tap'
import type { Test } from 'tap'
import type { FaultSpec } from '../../src/simulators/allegro/simulator.ts'
import { approveOnConfirmationPage, finishFlow, startFlow } from '../allegro/helpers.ts'
import {
  afterThrottle,
  arm,
  assertMirrorsSimulator,
  clickImport,
  flashes,
  LIST,
  panelError,
  setupFaultyShop,
  type FaultySetup
} from './fixtures/allegro.ts'

type Armed = Array<Omit<FaultSpec, 'path'> & { path: string }>

interface Scenario {
  name: string
  timeoutMs?: number
  /** faults during the first import (event-stats, then the backfill over /order/checkout-forms) */
  first: (s: FaultySetup) => Armed | undefined
  /** faults during the next one (events, then each changed checkout form) */
  next: (s: FaultySetup) => Armed | undefined
}

const everywhere = (fault: Record<string, unknown>, times: number, paths: string[]): Armed =>
  paths.map((path) => ({ ...fault, path, method: 'GET', times }) as Armed[number])

const TRANSIENT: Scenario[] = [
  {
    name: '429 with Retry-After',
    first: () => everywhere({ kind: 'status', status: 429, retryAfter: 1 }, 1, ['/order/checkout-forms']),
    next: () => everywhere({ kind: 'status', status: 429, retryAfter: 1 }, 1, ['/order/events'])
  },
  {
    name: '429 without Retry-After',
    first: () => everywhere({ kind: 'status', status: 429 }, 2, ['/order/event-stats', '/order/checkout-forms']),
    next: () => everywhere({ kind: 'status', status: 429 }, 2, ['/order/events', '/order/checkout-forms'])
  },
  {
    name: '500',
    first: () => everywhere({ kind: 'status', status: 500 }, 2, ['/order/event-stats', '/order/checkout-forms']),
    next: () => everywhere({ kind: 'status', status: 500 }, 2, ['/order/events', '/order/checkout-forms'])
  },
  {
    name: '503',
    first: () => everywhere({ kind: 'status', status: 503 }, 3, ['/order/checkout-forms']),
    next: () => everywhere({ kind: 'status', status: 503 }, 3, ['/order/checkout-forms'])
  },
  {
    name: 'a response slower than ALLEGRO_TIMEOUT_MS',
    timeoutMs: 600,
    first: () => everywhere({ kind: 'delay', ms: 1500 }, 1, ['/order/checkout-forms']),
    next: () => everywhere({ kind: 'delay', ms: 1500 }, 1, ['/order/events'])
  },
  {
    name: 'connections reset',
    first: () => everywhere({ kind: 'reset' }, 2, ['/order/event-stats', '/order/checkout-forms']),
    next: () => everywhere({ kind: 'reset' }, 2, ['/order/events', '/order/checkout-forms'])
  },
  {
    name: 'malformed JSON',
    first: () => everywhere({ kind: 'malformed' }, 2, ['/order/event-stats', '/order/checkout-forms']),
    next: () => everywhere({ kind: 'malformed' }, 2, ['/order/events', '/order/checkout-forms'])
  },
  {
    name: 'expired access token (rejected once, then expired for real with the token endpoint down once)',
    first: () => everywhere({ kind: 'expiredToken' }, 1, ['/order/event-stats', '/order/checkout-forms']),
    next: (s) => {
      s.sim.simulator.expireAccessTokens()
      return [{ path: '/auth/oauth/token', method: 'POST', kind: 'status', status: 503, times: 1 }]
    }
  }
]

/** New, paid and cancelled orders on Allegro between two imports. */
function changeOrdersOnAllegro(s: FaultySetup): void {
  const now = s.clock()
  s.sim.simulator.addOrders(25, { from: now.minus({ minutes: 5 }).toJSDate(), to: now.toJSDate() })
  const existing = s.sim.simulator.listOrders({ seller: 'demo_sklep' })
  const unpaid = existing.find((o) => o.status === 'BOUGHT' || o.status === 'FILLED_IN')
  if (unpaid) s.sim.simulator.payOrder(unpaid.id)
  const open = existing.find((o) => o.status === 'READY_FOR_PROCESSING' && o.id !== unpaid?.id)
  if (open) s.sim.simulator.cancelOrder(open.id)
}

function armAll(s: FaultySetup, faults: Armed | undefined): number {
  for (const fault of faults ?? []) arm(s, fault as FaultSpec)
  return (faults ?? []).reduce((sum, f) => sum + (f.times ?? 1), 0)
}

function assertCompleted(
  t: Test,
  s: FaultySetup,
  page: string,
  armed: number,
  firedBefore: number,
  label: string
): void {
  t.equal(s.sim.simulator.faults.list().length, 0, `${label}: every armed fault fired`)
  t.equal(s.sim.simulator.faults.history.length - firedBefore, armed, `${label}: ${armed} faulty answers were met`)
  t.same(flashes(page, 'error'), [], `${label}: no error shown`)
  t.match(
    flashes(page, 'success').join(' '),
    /Pobrano transakcje ze sklepu Sklep Demo: \d+ nowych/,
    `${label}: the import says it is done`
  )
  t.equal(panelError(page), null, `${label}: the panel shows no error`)
}

for (const scenario of TRANSIENT) {
  t.test(`transient fault: ${scenario.name} – retried, the import completes`, async (t) => {
    const s = await setupFaultyShop(t, { initialOrders: 120, timeoutMs: scenario.timeoutMs })
    let armed = armAll(s, scenario.first(s))
    let fired = s.sim.simulator.faults.history.length
    const first = await clickImport(s)
    assertCompleted(t, s, first, armed, fired, 'first import')
    await assertMirrorsSimulator(t, s, 'first import')

    afterThrottle(s)
    changeOrdersOnAllegro(s)
    fired = s.sim.simulator.faults.history.length
    armed = armAll(s, scenario.next(s))
    const next = await clickImport(s)
    assertCompleted(t, s, next, armed, fired, 'next import')
    await assertMirrorsSimulator(t, s, 'next import')
    const shop = await s.db
      .selectFrom('allegro_shops')
      .select(['connection_status', 'last_error'])
      .where('id', '=', s.shopId)
      .executeTakeFirstOrThrow()
    t.equal(shop.connection_status, 'connected', 'the shop stays connected')
  })
}

t.test(
  'Allegro down for longer than the retries: a clear error, what was saved stays, the next import completes',
  async (t) => {
    const s = await setupFaultyShop(t, { initialOrders: 250 })
    // the first page of the backfill arrives, then Allegro keeps failing
    let lists = 0
    s.beforeFetch((method, url) => {
      if (method === 'GET' && new URL(url).pathname.endsWith('/order/checkout-forms') && ++lists === 2) {
        arm(s, { path: '/order/checkout-forms', method: 'GET', kind: 'status', status: 503, times: 1000 })
      }
    })
    const failed = await clickImport(s)
    const error = flashes(failed, 'error').join(' ')
    t.match(error, 'Pobieranie ze sklepu Sklep Demo: 100 nowych', 'what was saved is reported')
    t.match(error, /liczba prób: 5/, 'the bounded retries are named')
    t.match(panelError(failed) ?? '', /Allegro.*liczba prób: 5/, 'the panel keeps the error for later visitors')
    t.equal(
      (
        await s.db
          .selectFrom('transactions')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
      100,
      'the committed page stays'
    )

    s.beforeFetch(null)
    s.sim.simulator.faults.clear()
    const tooSoon = await clickImport(s)
    t.match(
      flashes(tooSoon, 'warning').join(' '),
      'Kolejne pobranie dla sklepu Sklep Demo będzie możliwe o 10:10',
      'the throttle still holds after a failure'
    )
    afterThrottle(s)
    const done = await clickImport(s)
    t.match(
      flashes(done, 'success').join(' '),
      'Pobrano transakcje ze sklepu Sklep Demo: 150 nowych',
      'resumed where it stopped'
    )
    t.equal(panelError(done), null, 'the old error is gone from the panel')
    await assertMirrorsSimulator(t, s, 'after recovery')
  }
)

t.test(
  'revoked grant mid-way: "połącz sklep ponownie", the shop is marked, and after reconnecting the import completes',
  async (t) => {
    const s = await setupFaultyShop(t, { initialOrders: 60 })
    await clickImport(s)
    await assertMirrorsSimulator(t, s, 'before the revocation')

    afterThrottle(s)
    changeOrdersOnAllegro(s)
    s.sim.simulator.revokeTokens('demo_sklep')
    const refreshesBefore = s.sim.simulator.stats.tokenRefreshAttempts
    const page = await clickImport(s)
    t.match(
      flashes(page, 'error').join(' '),
      'Allegro odrzuciło token – połącz sklep ponownie',
      'the user is told to reconnect'
    )
    t.match(panelError(page) ?? '', 'połącz sklep ponownie', 'the panel says it too')
    t.match(page, /Sklep Demo <span class="badge warn">niepołączony<\/span>/, 'the shop is marked as not connected')
    t.match(page, '<a href="/ustawienia/integracje">Połącz sklep</a>', 'with the way to fix it')
    t.equal(s.sim.simulator.stats.tokenRefreshAttempts - refreshesBefore, 1, 'one refresh attempt, not a retry storm')
    const shop = await s.db
      .selectFrom('allegro_shops')
      .select(['connection_status', 'access_token_enc', 'refresh_token_enc'])
      .where('id', '=', s.shopId)
      .executeTakeFirstOrThrow()
    t.equal(shop.connection_status, 'reconnect_required')

    afterThrottle(s)
    const refused = await s.owner.post(`${LIST}/pobierz`, { shopId: String(s.shopId), back: LIST })
    t.equal(refused.statusCode, 303)
    const refusedPage = (await s.owner.get(LIST)).body
    t.match(
      flashes(refusedPage, 'error').join(' '),
      'nie jest połączony z Allegro',
      'no import is attempted for a disconnected shop'
    )

    // the seller connects again from USTAWIENIA » INTEGRACJE » ALLEGRO, signing in on the simulator's page
    const flow = await startFlow(t, s.owner, s.shopId)
    await approveOnConfirmationPage(s.sim, flow.link, flow.userCode, 'demo_sklep', 'demo1234')
    const finished = await finishFlow(s.owner, s.clock, s.shopId)
    t.match(finished.page, 'Połączono', 'connected again')
    afterThrottle(s)
    const done = await clickImport(s)
    t.match(flashes(done, 'success').join(' '), /Pobrano transakcje ze sklepu Sklep Demo: 25 nowych/)
    await assertMirrorsSimulator(t, s, 'after reconnecting')
  }
)
