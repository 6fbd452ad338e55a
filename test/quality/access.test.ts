// Access, complementing test/app/security.test.ts (every route without a session, every unsafe
// request without a CSRF token) and test/users/auth.test.ts (the login rate limit): every route
// of the route table, GET and POST, for users who each lack some module permission. Which
// permission a route needs is derived from its URL, the way the navigation groups them.
import t from 'tap'
import { build, seedUser } from '../helpers/app.ts'
import { TestClient } from '../helpers/client.ts'

type Requirement = 'allegro' | 'magazyn' | 'ksiegowosc' | 'dokumenty' | 'administracja' | 'owner'

/** Routes inside a module that only the owner may use (module switches, closing the books). */
const OWNER_ONLY = new Set([
  '/przychody/produkty/blokada-stanow',
  '/magazyn/produkty/blokada-stanow',
  '/ksiegowosc/automatyczne-ksiegowanie',
  '/ksiegowosc/miesiace/:miesiac/otwarcie'
])

/** What a route needs: every group, each group satisfied by any one of its permissions. */
function requirements(url: string): Requirement[][] {
  const needs: Requirement[][] = []
  if (
    url.startsWith('/przychody/allegro') ||
    url.startsWith('/ustawienia/integracje/allegro') ||
    url === '/ustawienia/integracje'
  )
    needs.push(['allegro'])
  // company-wide settings: the owner or the administration permission
  if (
    url.startsWith('/ustawienia/integracje') ||
    url.startsWith('/ustawienia/ksef') ||
    url.startsWith('/ustawienia/e-mail') ||
    url.startsWith('/ustawienia/kopie-zapasowe')
  )
    needs.push(['administracja'])
  // sales documents and contractors (buyers' personal data) have their own permission
  if (url.startsWith('/przychody/dokumenty') || url.startsWith('/kontrahenci')) needs.push(['dokumenty'])
  // documents reached from an Allegro transaction: linking, the manual exchange rate, its correction
  if (/^\/przychody\/allegro\/:id\/(powiazanie|kurs|korekta)/.test(url)) needs.push(['dokumenty'])
  // Allegro work reached from the documents and products pages
  if (/^\/przychody\/dokumenty\/(wystaw|wysylka-allegro|:id\/allegro)/.test(url) || url.endsWith('/oferty-allegro'))
    needs.push(['allegro'])
  // a correction is the seller's (Allegro) or the bookkeeper's work
  if (/^\/przychody\/dokumenty\/:id\/korekta/.test(url)) needs.push(['allegro', 'ksiegowosc'])
  if (url.startsWith('/magazyn')) needs.push(['magazyn'])
  if (url.startsWith('/ksiegowosc')) needs.push(['ksiegowosc'])
  // KOSZTY: purchase invoices are the bookkeeper's (the księgowość module)
  if (url.startsWith('/koszty')) needs.push(['ksiegowosc'])
  if (/^\/ustawienia\/(firma|uzytkownicy|numeracja)/.test(url) || OWNER_ONLY.has(url)) needs.push(['owner'])
  return needs
}

const describe = (needs: Requirement[][]): string => needs.map((group) => group.join(' or ')).join(' and ') || 'nothing'

const isPublic = (url: string): boolean =>
  ['/logowanie', '/konfiguracja', '/healthz', '/wyloguj'].includes(url) ||
  url.startsWith('/public/') ||
  url.startsWith('/symulator-allegro') ||
  url.startsWith('/symulator-ksef')
/** Ids that exist nowhere: the guard has to answer before any lookup. */
const concrete = (url: string): string =>
  url
    .replace(':miesiac', '2026-11')
    .replace(':environment', 'sandbox')
    .replace(/:[a-zA-Z]+/g, '999999')

const USERS = [
  { login: 'bez-uprawnien', has: [] as Requirement[] },
  { login: 'tylko-allegro', has: ['allegro'] as Requirement[] },
  { login: 'tylko-magazyn', has: ['magazyn'] as Requirement[] },
  { login: 'tylko-ksiegowosc', has: ['ksiegowosc'] as Requirement[] },
  { login: 'tylko-dokumenty', has: ['dokumenty'] as Requirement[] },
  { login: 'allegro-i-sprzedaz', has: ['allegro', 'dokumenty'] as Requirement[] },
  { login: 'allegro-administracja', has: ['allegro', 'administracja'] as Requirement[] }
]

// The products pages live under PRZYCHODY or MAGAZYN by the company's package (the other place
// redirects or says 404 to everyone), so each package is walked with its own half.
const PACKAGES = [
  { package: 'ksiegowosc' as const, elsewhere: /^\/magazyn/ },
  { package: 'ksiegowosc_magazyn' as const, elsewhere: /^\/przychody\/produkty/ }
]

for (const setup of PACKAGES) {
  t.test(
    `${setup.package}: every route refuses a user without its module permission, and lets one with it in`,
    async (t) => {
      const { app, db } = await build(t, { company: { package: setup.package } })
      const routes = app.routeTable.filter(
        (r) => (r.method === 'GET' || r.method === 'POST') && !isPublic(r.url) && !setup.elsewhere.test(r.url)
      )
      const guarded = routes.filter((r) => requirements(r.url).length > 0)
      t.ok(guarded.length >= 40, `${guarded.length} of ${routes.length} routes need a permission`)
      const snapshot = async (): Promise<string> =>
        JSON.stringify([
          await db.selectFrom('company').selectAll().execute(),
          await db.selectFrom('allegro_shops').selectAll().execute(),
          await db
            .selectFrom('users')
            .select([
              'id',
              'login',
              'perm_allegro',
              'perm_magazyn',
              'perm_ksiegowosc',
              'perm_dokumenty',
              'perm_administracja',
              'disabled'
            ])
            .execute()
        ])

      for (const user of USERS) {
        await seedUser(db, {
          login: user.login,
          password: 'haslo-testowe-123',
          allegro: user.has.includes('allegro'),
          magazyn: user.has.includes('magazyn'),
          ksiegowosc: user.has.includes('ksiegowosc'),
          dokumenty: user.has.includes('dokumenty'),
          administracja: user.has.includes('administracja')
        })
        const before = await snapshot()
        const browser = new TestClient(app)
        await browser.login(user.login, 'haslo-testowe-123')
        const wrong: string[] = []
        let refused = 0
        let allowed = 0
        for (const route of routes) {
          const needs = requirements(route.url)
          const missing = needs.filter((group) => !group.some((need) => user.has.includes(need)))
          const url = concrete(route.url)
          if (missing.length > 0) {
            refused++
            if (route.method === 'POST') await browser.get('/')
            const response =
              route.method === 'GET' ? await browser.get(url) : await browser.post(url, { name: 'x', enabled: 'on' })
            if (response.statusCode !== 403 || response.body.includes('Formularz wygasł'))
              wrong.push(
                `${route.method} ${route.url}: expected 403 (needs ${describe(missing)}), got ${response.statusCode}`
              )
          } else if (route.method === 'GET') {
            allowed++
            const response = await browser.get(url)
            if (response.statusCode === 403 || response.statusCode >= 500)
              wrong.push(
                `GET ${route.url}: expected to be let in (needs ${describe(needs)}), got ${response.statusCode}`
              )
          }
        }
        t.same(wrong, [], `${user.login}: ${refused} routes refused, ${allowed} pages open as they should`)
        t.equal(await snapshot(), before, `${user.login}: the refused POSTs changed nothing`)
      }
    }
  )
}

t.test('with the Allegro module switched off, every Allegro route refuses even the owner', async (t) => {
  const { app, owner } = await build(t, { company: { allegro_enabled: 0 } })
  const allegroRoutes = app.routeTable.filter(
    (r) =>
      (r.method === 'GET' || r.method === 'POST') &&
      requirements(r.url).some((group) => group.length === 1 && group[0] === 'allegro') &&
      !r.url.startsWith('/ustawienia/integracje') &&
      !r.url.startsWith('/magazyn')
  )
  t.ok(allegroRoutes.length >= 15, `${allegroRoutes.length} Allegro routes`)
  const wrong: string[] = []
  for (const route of allegroRoutes) {
    if (route.method === 'POST') await owner.get('/')
    const response =
      route.method === 'GET' ? await owner.get(concrete(route.url)) : await owner.post(concrete(route.url), {})
    if (response.statusCode !== 403 || !response.body.includes('Moduł Allegro jest wyłączony'))
      wrong.push(`${route.method} ${route.url}: ${response.statusCode}`)
  }
  t.same(wrong, [], 'each answers 403 saying the module is off')
  const settings = await owner.get('/ustawienia/integracje/allegro')
  t.equal(settings.statusCode, 200, 'the owner can still reach the switch to turn it on')
})
