import t from 'tap'
import { build, seedUser } from '../helpers/app.ts'
import { TestClient } from '../helpers/client.ts'

const PUBLIC = new Set(['/logowanie', '/konfiguracja', '/healthz', '/wyloguj'])
const isPublic = (url: string): boolean =>
  PUBLIC.has(url) ||
  url.startsWith('/public/') ||
  url.startsWith('/symulator-allegro') ||
  url.startsWith('/symulator-ksef')

/** Fills route params with an id that exists nowhere, so the guard (not the handler) must answer. */
const concrete = (url: string): string => url.replace(/:[a-zA-Z]+/g, '1').replace(/\*$/, 'x')

t.test('every page but login, setup and health needs a session', async (t) => {
  const { app, anonymous } = await build(t)
  const pages = app.routeTable.filter((r) => !isPublic(r.url) && (r.method === 'GET' || r.method === 'POST'))
  t.ok(pages.length >= 10, `walks ${pages.length} routes`)
  for (const route of pages) {
    const response =
      route.method === 'GET'
        ? await anonymous.get(concrete(route.url))
        : await anonymous.post(concrete(route.url), {}, { csrf: null })
    const refused =
      (response.statusCode === 303 && String(response.headers.location).startsWith('/logowanie')) ||
      response.statusCode === 403
    t.ok(refused, `${route.method} ${route.url} refused without a session (got ${response.statusCode})`)
  }
})

t.test('every unsafe request without a CSRF token is refused', async (t) => {
  const { app, owner, db } = await build(t)
  const posts = app.routeTable.filter(
    (r) => r.method === 'POST' && !r.url.startsWith('/symulator-allegro') && !r.url.startsWith('/symulator-ksef')
  )
  t.ok(posts.length >= 5)
  const before = await db.selectFrom('users').select(['id', 'updated_at', 'session_version']).execute()
  for (const route of posts) {
    const response = await owner.post(concrete(route.url), { login: 'x', name: 'y' }, { csrf: null })
    t.equal(response.statusCode, 403, `POST ${route.url} without token → 403`)
    t.match(response.body, 'Formularz wygasł')
  }
  const wrongToken = await owner.post('/ustawienia/firma', { name: 'Hack' }, { csrf: 'not-a-token' })
  t.equal(wrongToken.statusCode, 403, 'a forged token is refused too')
  t.same(
    await db.selectFrom('users').select(['id', 'updated_at', 'session_version']).execute(),
    before,
    'nothing changed'
  )
})

t.test('security headers: strict CSP without inline scripts, no framing', async (t) => {
  const { owner } = await build(t)
  const response = await owner.get('/')
  const csp = String(response.headers['content-security-policy'])
  t.match(csp, "script-src 'self'")
  t.notMatch(csp, 'unsafe-inline')
  t.match(csp, "frame-ancestors 'none'")
  t.equal(response.headers['x-content-type-options'], 'nosniff')
  t.notMatch(response.body, /<script>(?!<\/script>)/, 'no inline script blocks')
  t.notMatch(response.body, / on[a-z]+="/, 'no inline event handlers')
})

t.test('module permissions: a user without Allegro access neither sees nor reaches it', async (t) => {
  const { app, db } = await build(t)
  await seedUser(db, { login: 'ksiegowa', password: 'haslo-ksiegowej-1', ksiegowosc: true })
  const user = new TestClient(app)
  await user.login('ksiegowa', 'haslo-ksiegowej-1')
  const home = await user.get('/')
  t.equal(home.statusCode, 200)
  t.notMatch(home.body, 'href="/przychody/allegro"', 'no Allegro tab')
  t.match(home.body, 'href="/ksiegowosc"')
  t.notMatch(home.body, 'href="/ustawienia/uzytkownicy"', 'users are for the owner')
  for (const url of app.routeTable
    .filter(
      (r) =>
        r.method === 'GET' && (r.url.startsWith('/przychody/allegro') || r.url.startsWith('/ustawienia/integracje'))
    )
    .map((r) => concrete(r.url))) {
    t.equal((await user.get(url)).statusCode, 403, `GET ${url} → 403`)
  }
  const settings = await user.get('/ustawienia/uzytkownicy')
  t.equal(settings.statusCode, 403)
  t.match(settings.body, 'tylko właściciel')
})

t.test('Allegro module switched off hides the tab for everyone', async (t) => {
  const { owner } = await build(t, { company: { allegro_enabled: 0 } })
  const home = await owner.get('/')
  t.notMatch(home.body, 'href="/przychody/allegro"')
  const page = await owner.get('/przychody/allegro')
  t.equal(page.statusCode, 403)
  t.match(page.body, 'Moduł Allegro jest wyłączony')
})

t.test('warehouse package decides between MAGAZYN and PRZYCHODY » Produkty', async (t) => {
  const plain = await build(t)
  const plainHome = await plain.owner.get('/')
  t.match(plainHome.body, 'href="/przychody/produkty"')
  t.notMatch(plainHome.body, 'href="/magazyn/produkty"')
  const withWarehouse = await build(t, { company: { package: 'ksiegowosc_magazyn' } })
  const home = await withWarehouse.owner.get('/')
  t.match(home.body, 'href="/magazyn/produkty"')
  t.notMatch(home.body, 'href="/przychody/produkty"')
})

t.test('health, 404 and static files', async (t) => {
  const { anonymous, owner } = await build(t)
  const health = await anonymous.get('/healthz')
  t.equal(health.statusCode, 200)
  t.same(JSON.parse(health.body), { status: 'ok' })
  const missing = await owner.get('/nie-ma-takiej-strony')
  t.equal(missing.statusCode, 404)
  t.match(missing.body, 'Nie ma takiej strony.')
  const css = await anonymous.get('/public/css/app.css')
  t.equal(css.statusCode, 200)
})
