import t from 'tap'
import { build } from '../helpers/app.ts'
import { schemaKey, validateJpk, type JpkValidator, type SchemaCheck } from '../../src/jpk/jpk-schema.ts'
import { headerData, invoice, type Built } from './helpers.ts'

// The XSD check (xmllint-wasm) runs on download and on filing; a page view only shows the
// verdict remembered from an earlier check of the same content. The validator is injected
// (AppDeps.validateJpk) to count its calls and to make it fail: the builder writes only
// schema-valid files for data that passes the register's own checks, so a real failure cannot
// be provoked from the pages.

function counting(inner: JpkValidator = validateJpk): { validate: JpkValidator; calls: string[] } {
  const calls: string[] = []
  return {
    calls,
    validate: async (kind, xml) => {
      calls.push(kind)
      return await inner(kind, xml)
    }
  }
}

const FAILING: SchemaCheck = {
  valid: false,
  errors: [
    {
      line: 7,
      message:
        "Element '{http://crd.gov.pl/wzor/2025/12/19/14090/}KodUrzedu': [facet 'enumeration'] The value '9999' is not an element of the set."
    }
  ]
}

async function november(b: Built) {
  await headerData(b)
  await invoice(b, '2026-11-05', [{ quantityMilli: 1000, unitPriceGross: 12300, vatRate: '23' }])
}

t.test('schemaKey ignores only DataWytworzeniaJPK', async (t) => {
  const a =
    '<JPK><Naglowek><DataWytworzeniaJPK>2026-11-16T09:00:00Z</DataWytworzeniaJPK></Naglowek><P_19>100</P_19></JPK>'
  t.equal(
    schemaKey('V7M', a),
    schemaKey('V7M', a.replace('09:00:00Z', '10:31:07Z')),
    'another generation time: the same key'
  )
  t.not(schemaKey('V7M', a), schemaKey('V7M', a.replace('100', '101')), 'other content: another key')
  t.not(schemaKey('V7M', a), schemaKey('V7K', a), 'another schema: another key')
})

t.test(
  'JPK_V7 page views never run xmllint; the download and the filing always do, and the page then shows the verdict',
  async (t) => {
    const v = counting()
    const b = await build(t, { validateJpk: v.validate })
    await november(b)

    for (let i = 0; i < 3; i++) {
      const page = await b.owner.get('/ksiegowosc/jpk-v7?okres=2026-11')
      t.equal(page.statusCode, 200)
    }
    t.same(v.calls, [], 'three page views, no XSD check')
    const first = await b.owner.get('/ksiegowosc/jpk-v7?okres=2026-11')
    t.match(first.body, 'jest sprawdzana przy pobraniu i przy oznaczeniu pliku jako złożonego')
    t.match(first.body, 'formaction="/ksiegowosc/jpk-v7/plik"', 'the download is offered: nothing known stops it')
    const recalc = await b.owner.post('/ksiegowosc/jpk-v7/przeliczenie', { okres: '2026-11', nadwyzka: '0' })
    t.equal(recalc.statusCode, 200)
    t.same(v.calls, [], 'Przelicz is a page view too')

    const file = await b.owner.get('/ksiegowosc/jpk-v7/plik?okres=2026-11')
    t.equal(file.statusCode, 200)
    t.match(file.body, '<?xml')
    t.same(v.calls, ['V7M'], 'the download checked its own file')
    const posted = await b.owner.post('/ksiegowosc/jpk-v7/plik', { okres: '2026-11', nadwyzka: '0' })
    t.equal(posted.statusCode, 200)
    t.same(v.calls, ['V7M', 'V7M'], 'every download checks again, even of content checked before')

    const after = await b.owner.get('/ksiegowosc/jpk-v7?okres=2026-11')
    t.match(after.body, 'Plik o tej treści przeszedł kontrolę ze schematem XSD')
    t.same(v.calls, ['V7M', 'V7M'], 'the page shows the remembered verdict (its own file has another generation time)')

    await b.owner.get('/ksiegowosc/jpk-v7?okres=2026-11')
    t.equal((await b.owner.post('/ksiegowosc/jpk-v7/zlozenie', { okres: '2026-11', nadwyzka: '0' })).statusCode, 303)
    t.same(v.calls, ['V7M', 'V7M', 'V7M'], 'the filing checked the file it records')
  }
)

t.test(
  'a JPK_V7 file failing the XSD: the download and the filing are refused in Polish, the page then shows the errors',
  async (t) => {
    const calls: string[] = []
    const b = await build(t, {
      validateJpk: async (kind) => {
        calls.push(kind)
        return FAILING
      }
    })
    await november(b)

    const file = await b.owner.get('/ksiegowosc/jpk-v7/plik?okres=2026-11')
    t.equal(file.statusCode, 422)
    t.match(file.headers['content-type'], 'text/html')
    t.notMatch(file.body, '<?xml')
    t.match(file.body, 'Plik nie przechodzi kontroli ze schematem XSD Ministerstwa Finansów – nie można go pobrać.')
    t.match(file.body, 'Błędy schematu XSD')
    t.match(file.body, 'wiersz 7: ')
    t.match(file.body, 'is not an element of the set')
    t.notMatch(file.body, 'formaction="/ksiegowosc/jpk-v7/plik"', 'no download button under the refusal')
    const posted = await b.owner.post('/ksiegowosc/jpk-v7/plik', { okres: '2026-11', nadwyzka: '0' })
    t.equal(posted.statusCode, 422)
    t.notMatch(posted.body, '<?xml')

    const filed = await b.owner.post('/ksiegowosc/jpk-v7/zlozenie', { okres: '2026-11', nadwyzka: '0' })
    t.equal(filed.statusCode, 422)
    t.match(filed.body, 'Nie można oznaczyć jako złożony pliku z błędami')
    t.equal((await b.db.selectFrom('jpk_filings').selectAll().execute()).length, 0, 'nothing recorded')
    t.equal(calls.length, 3)

    const page = await b.owner.get('/ksiegowosc/jpk-v7?okres=2026-11')
    t.equal(page.statusCode, 200)
    t.match(page.body, 'Błędy schematu XSD', 'the remembered failure on the page')
    t.match(page.body, 'nie przeszedł kontroli ze schematem XSD')
    t.match(page.body, 'Pliku nie można pobrać, dopóki są błędy powyżej.')
    t.equal(calls.length, 3, 'the page view ran no check')
  }
)

t.test('JPK_EWP: page views run no check; a file failing the XSD is neither downloaded nor filed', async (t) => {
  let failing = true
  const calls: string[] = []
  const b = await build(t, {
    company: { tax_form: 'ryczalt', ryczalt_rate_bp: 300 },
    validateJpk: async (kind, xml) => {
      calls.push(kind)
      return failing ? FAILING : await validateJpk(kind, xml)
    }
  })
  await headerData(b)
  await invoice(b, '2026-04-10', [{ quantityMilli: 1000, unitPriceGross: 123000, vatRate: '23' }])

  t.equal((await b.owner.get('/ksiegowosc/jpk-roczny?rok=2026')).statusCode, 200)
  t.same(calls, [], 'no check on a page view')
  const file = await b.owner.get('/ksiegowosc/jpk-roczny/plik?rok=2026')
  t.equal(file.statusCode, 422)
  t.notMatch(file.body, '<?xml')
  t.match(file.body, 'Plik nie przechodzi kontroli ze schematem XSD Ministerstwa Finansów')
  await b.owner.get('/ksiegowosc/jpk-roczny?rok=2026')
  t.equal((await b.owner.post('/ksiegowosc/jpk-roczny/zlozenie', { rok: '2026' })).statusCode, 422)
  t.equal((await b.db.selectFrom('jpk_filings').selectAll().execute()).length, 0)
  t.same(calls, ['EWP', 'EWP'])

  failing = false
  const ok = await b.owner.get('/ksiegowosc/jpk-roczny/plik?rok=2026')
  t.equal(ok.statusCode, 200, 'the real schema accepts the file')
  t.match(ok.body, 'kodSystemowy="JPK_EWP (4)"')
  t.match(
    (await b.owner.get('/ksiegowosc/jpk-roczny?rok=2026')).body,
    'Plik o tej treści przeszedł kontrolę ze schematem XSD'
  )
  t.same(calls, ['EWP', 'EWP', 'EWP'])
})
