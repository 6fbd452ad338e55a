import t from 'tap'
import { build } from '../helpers/app.ts'
import { headerData, invoice } from './helpers.ts'
import { MANUAL_INVOICE_BUYER } from '../helpers/document-fixtures.ts'

// A sale issued into a month whose JPK_V7 is already filed is lawful; the taxpayer then files a
// correction of the return (art. 81 Ordynacji podatkowej). Biurko issues it and says so on the
// document, on the month's JPK_V7 page and on the year's list of periods, until a correction
// carrying the document is filed.

const WARNING =
  'Deklaracja za 10/2026 została złożona — ten dokument wymaga korekty JPK_V7 (art. 81 Ordynacji podatkowej)'

const OCTOBER_SALE = {
  ...MANUAL_INVOICE_BUYER,
  issueDate: '2026-11-16',
  saleDate: '2026-10-30',
  dueDate: '2026-11-30',
  paymentMethod: 'przelew',
  notes: '',
  lineName: ['Kask ochronny'],
  lineQuantity: ['1'],
  lineUnit: ['szt.'],
  linePrice: ['123,00'],
  lineVatRate: ['23'],
  action: 'issue'
}

t.test(
  'issuing into a filed month succeeds with the correction warning; the month is "wymaga korekty" until a correction is filed',
  async (t) => {
    const b = await build(t)
    await headerData(b)
    const first = await invoice(b, '2026-10-05', [{ quantityMilli: 1000, unitPriceGross: 12300, vatRate: '23' }])
    await b.owner.get('/ksiegowosc/jpk-v7?okres=2026-10')
    t.equal(
      (await b.owner.post('/ksiegowosc/jpk-v7/zlozenie', { okres: '2026-10', nadwyzka: '0' })).statusCode,
      303,
      'October filed'
    )

    const before = await b.owner.get('/ksiegowosc/jpk-v7?okres=2026-10')
    t.match(
      before.body,
      /id="okres-2026-10"[^>]*>[\s\S]*?<span class="badge">złożony<\/span>/,
      'filed, nothing to correct'
    )
    t.notMatch(before.body, 'wymaga korekty')
    const firstPage = await b.owner.get(`/przychody/dokumenty/${first.documentId}`)
    t.equal(firstPage.statusCode, 200)
    t.match(firstPage.body, first.number)
    t.notMatch(firstPage.body, 'wymaga korekty JPK_V7', 'the filed document itself needs nothing')

    await b.owner.get('/przychody/dokumenty/nowy')
    const issued = await b.owner.post('/przychody/dokumenty/nowy', OCTOBER_SALE)
    t.equal(issued.statusCode, 303, 'issued, not refused')
    const doc = await b.db
      .selectFrom('documents')
      .select(['id', 'number'])
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow()
    t.equal(issued.headers.location, `/przychody/dokumenty/${doc.id}`)
    const docPage = await b.owner.get(`/przychody/dokumenty/${doc.id}`)
    t.match(docPage.body, WARNING)
    t.match(docPage.body, 'href="/ksiegowosc/jpk-v7?okres=2026-10"')
    const firstAgain = await b.owner.get(`/przychody/dokumenty/${first.documentId}`)
    t.equal(firstAgain.statusCode, 200)
    t.notMatch(firstAgain.body, 'wymaga korekty JPK_V7', 'the document already in the filed file: no warning')

    const month = await b.owner.get('/ksiegowosc/jpk-v7?okres=2026-10')
    t.equal(month.statusCode, 200)
    t.match(month.body, 'id="wymaga-korekty"')
    t.match(month.body, `<a href="/przychody/dokumenty/${doc.id}">${doc.number}</a>`)
    t.match(month.body, `${doc.number}: ${WARNING}.`, 'in the problems list')
    t.match(month.body, /id="okres-2026-10"[^>]*>[\s\S]*?wymaga korekty<\/span>/, 'the list of periods marks October')
    t.match(month.body, /id="okres-2026-09"[^>]*>[\s\S]*?niezłożony/)
    t.match(month.body, 'Oznacz korektę jako złożoną', 'the correction can be filed')
    // the November page lists the year too
    t.match(
      (await b.owner.get('/ksiegowosc/jpk-v7?okres=2026-11')).body,
      /id="okres-2026-10"[^>]*>[\s\S]*?wymaga korekty<\/span>/
    )

    // the correction carries the new sale: the warnings go
    const corrected = await b.owner.post('/ksiegowosc/jpk-v7/zlozenie', {
      okres: '2026-10',
      nadwyzka: '0',
      uzasadnienie: 'Faktura wystawiona po złożeniu deklaracji.'
    })
    t.equal(corrected.statusCode, 303)
    const filings = await b.db.selectFrom('jpk_filings').select(['purpose', 'xml']).orderBy('id').execute()
    t.same(
      filings.map((f) => f.purpose),
      [1, 2]
    )
    t.match(Buffer.from(filings[1].xml).toString('utf8'), `<DowodSprzedazy>${doc.number}</DowodSprzedazy>`)
    const after = await b.owner.get('/ksiegowosc/jpk-v7?okres=2026-10')
    t.notMatch(after.body, 'id="wymaga-korekty"')
    t.match(after.body, /id="okres-2026-10"[^>]*>[\s\S]*?<span class="badge">złożony<\/span>/)
    const docAfter = await b.owner.get(`/przychody/dokumenty/${doc.id}`)
    t.equal(docAfter.statusCode, 200)
    t.notMatch(docAfter.body, 'wymaga korekty JPK_V7', 'carried by the filed correction')
  }
)

t.test('a month closed in the ledger still refuses issuing (the user reopens it first)', async (t) => {
  const b = await build(t)
  await b.db
    .insertInto('ledger_closed_months')
    .values({ month: '2026-10', closed_at: '2026-11-05T10:00:00.000Z', closed_by: null })
    .execute()
  await b.owner.get('/przychody/dokumenty/nowy')
  const refused = await b.owner.post('/przychody/dokumenty/nowy', OCTOBER_SALE)
  t.equal(refused.statusCode, 422)
  t.match(refused.body, 'miesiąc październik 2026 jest zamknięty w księgowości')
  t.equal((await b.db.selectFrom('documents').select('id').execute()).length, 0)
})
