// No caching of private pages (issue 16, ASVS 8.2.1): every page and download of the route table,
// as the owner with a real document to show, answers `Cache-Control: no-store`; the static assets
// stay cacheable.
import t from 'tap'
import { build } from '../helpers/app.ts'

const manual = {
  type: 'faktura',
  contractorId: '',
  buyerName: 'Pracownia Łucka',
  buyerNip: '526-104-08-28',
  buyerStreet: 'ul. Ogrodowa 3',
  buyerPostalCode: '31-100',
  buyerCity: 'Kraków',
  buyerCountryCode: 'PL',
  issueDate: '2026-11-16',
  saleDate: '2026-11-14',
  dueDate: '2026-11-30',
  paymentMethod: 'przelew',
  notes: '',
  lineName: ['Usługa'],
  lineQuantity: ['1'],
  lineUnit: ['usł.'],
  linePrice: ['100,00'],
  lineVatRate: ['23'],
  action: 'issue'
}

t.test('every authenticated page and download says no-store', async (t) => {
  const { app, db, owner } = await build(t)
  await owner.get('/przychody/dokumenty/nowy')
  t.equal((await owner.post('/przychody/dokumenty/nowy', manual)).statusCode, 303)
  const doc = await db.selectFrom('documents').select('id').executeTakeFirstOrThrow()
  const contractor = await db.selectFrom('contractors').select('id').executeTakeFirstOrThrow()
  const fill = (url: string): string =>
    url
      .replace(/^\/(przychody\/dokumenty|ksiegowosc\/dokumenty)\/:id/, `/$1/${doc.id}`)
      .replace(/^\/kontrahenci\/:id/, `/kontrahenci/${contractor.id}`)
      .replace(':miesiac', '2026-11')
      .replace(':environment', 'sandbox')
      .replace(/:[a-zA-Z]+/g, '1')
  const pages = app.routeTable.filter(
    (r) => r.method === 'GET' && !r.url.startsWith('/public/') && !r.url.startsWith('/symulator-')
  )
  t.ok(pages.length >= 40, `${pages.length} pages`)
  const cached: string[] = []
  const seen: Record<string, number> = {}
  for (const route of pages) {
    const url = fill(route.url) + (route.url.endsWith('/csv') || route.url.endsWith('.zip') ? '?miesiac=2026-11' : '')
    const response = await owner.get(url)
    const type = String(response.headers['content-type'] ?? '').split(';')[0]
    seen[type] = (seen[type] ?? 0) + 1
    if (!String(response.headers['cache-control'] ?? '').includes('no-store'))
      cached.push(`${url} (${response.statusCode}, ${type}): ${String(response.headers['cache-control'])}`)
  }
  t.same(cached, [], 'none may be kept by a browser or proxy')
  t.ok(
    seen['text/html'] > 20 && seen['application/pdf'] >= 1 && seen['text/csv'] >= 1,
    `pages, a PDF and CSV among them: ${JSON.stringify(seen)}`
  )
  const login = await owner.get('/logowanie')
  t.match(String(login.headers['cache-control']), 'no-store', 'the login page too')
  const asset = await owner.get('/public/favicon.svg')
  t.equal(asset.statusCode, 200)
  t.notMatch(String(asset.headers['cache-control']), 'no-store', 'static assets stay cacheable')
})
