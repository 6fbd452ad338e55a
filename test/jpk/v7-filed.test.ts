import t from 'tap'
import { build } from '../helpers/app.ts'
import { declRow, field, headerData, invoice, xmllint, type Built } from './helpers.ts'

// Hand figures, November 2026 (as v7-page.test.ts): FV 1 23 % 123,00 gross (net 100,00, VAT
// 23,00); FV 2 23 % 3 × 61,50 (net 150,00, VAT 34,50) + 8 % 108,00 (net 100,00, VAT 8,00)
// → P_19 250, P_20 58, P_17 100, P_18 8, P_38 66.
async function november(b: Built) {
  await invoice(b, '2026-11-05', [{ quantityMilli: 1000, unitPriceGross: 12300, vatRate: '23' }])
  await invoice(b, '2026-11-12', [
    { quantityMilli: 3000, unitPriceGross: 6150, vatRate: '23' },
    { quantityMilli: 1000, unitPriceGross: 10800, vatRate: '8' }
  ])
}

const filings = async (b: Built) =>
  await b.db
    .selectFrom('jpk_filings')
    .select(['id', 'period', 'purpose', 'xml', 'surplus_carried'])
    .orderBy('id')
    .execute()

t.test(
  'the filed bytes are stored and served as filed; a later change that alters the file asks for a correction',
  async (t) => {
    const b = await build(t)
    await headerData(b)
    await november(b)
    await b.owner.get('/ksiegowosc/jpk-v7?okres=2026-11')
    const downloaded = (await b.owner.post('/ksiegowosc/jpk-v7/plik', { okres: '2026-11', nadwyzka: '0' })).body
    t.equal((await b.owner.post('/ksiegowosc/jpk-v7/zlozenie', { okres: '2026-11', nadwyzka: '0' })).statusCode, 303)
    const [filed] = await filings(b)
    t.equal(
      Buffer.from(filed.xml).toString('utf8'),
      downloaded,
      'the stored file is the one the user downloaded (the clock stands still in tests)'
    )

    const served = await b.owner.get(`/ksiegowosc/jpk/zlozone/${filed.id}`)
    t.equal(served.statusCode, 200)
    t.match(served.headers['content-type'], 'application/xml')
    t.match(served.headers['content-disposition'], `JPK_V7M_2026-11_zlozony_${filed.id}.xml`)
    t.ok(Buffer.from(served.rawPayload).equals(Buffer.from(filed.xml)), 'served byte for byte')
    t.equal(xmllint('V7M', served.body), '')
    t.equal((await b.owner.get('/ksiegowosc/jpk/zlozone/999999')).statusCode, 404)
    const untouched = await b.owner.get('/ksiegowosc/jpk-v7?okres=2026-11')
    t.match(untouched.body, `href="/ksiegowosc/jpk/zlozone/${filed.id}"`, 'the filed file linked from the page')
    t.notMatch(untouched.body, 'id="zmiany-po-zlozeniu"', 'nothing changed yet')
    t.match(untouched.body, /id="okres-2026-11"[^>]*>[\s\S]*?<span class="badge">złożony<\/span>/)

    // after filing, FV 1 gets its KSeF number and FV 2 a GTU mark: the rows change, the figures do not
    const [first, second] = await b.db.selectFrom('documents').select(['id', 'number']).orderBy('id').execute()
    const ksefNumber = '5261040828-20261105-3F0A12BC45DE-4F'
    await b.db.updateTable('documents').set({ ksef_number: ksefNumber }).where('id', '=', first.id).execute()
    await b.owner.get(`/ksiegowosc/jpk-v7/oznaczenia/${second.id}`)
    t.equal(
      (await b.owner.post(`/ksiegowosc/jpk-v7/oznaczenia/${second.id}`, { oznaczenie: 'GTU_12' })).statusCode,
      303
    )

    const changed = await b.owner.get('/ksiegowosc/jpk-v7?okres=2026-11')
    t.match(changed.body, 'id="zmiany-po-zlozeniu"')
    t.match(changed.body, `<li>${first.number}: zmieniony wiersz ewidencji sprzedaży</li>`)
    t.match(changed.body, `<li>${second.number}: zmieniony wiersz ewidencji sprzedaży</li>`)
    t.notMatch(changed.body, /<li>P_\d+:/, 'the declaration is the same')
    t.match(
      changed.body,
      /id="okres-2026-11"[^>]*>[\s\S]*?wymaga korekty<\/span> <small class="muted">dane zmieniły się od złożenia/
    )
    const servedLater = await b.owner.get(`/ksiegowosc/jpk/zlozone/${filed.id}`)
    t.ok(
      Buffer.from(servedLater.rawPayload).equals(Buffer.from(filed.xml)),
      "the filed file is not rebuilt from today's data"
    )
    t.match(servedLater.body, /<BFK>1<\/BFK>/)
    t.notMatch(servedLater.body, ksefNumber)

    // the correction carries the changes: the warning goes, both files are served as filed
    t.equal(
      (
        await b.owner.post('/ksiegowosc/jpk-v7/zlozenie', {
          okres: '2026-11',
          nadwyzka: '0',
          uzasadnienie: 'Numer KSeF i oznaczenie GTU.'
        })
      ).statusCode,
      303
    )
    const [, correction] = await filings(b)
    t.equal(correction.purpose, 2)
    const correctionXml = Buffer.from(correction.xml).toString('utf8')
    t.match(correctionXml, `<NrKSeF>${ksefNumber}</NrKSeF>`)
    t.match(correctionXml, '<GTU_12>1</GTU_12>')
    t.equal(xmllint('V7M', correctionXml), '')
    const after = await b.owner.get('/ksiegowosc/jpk-v7?okres=2026-11')
    t.notMatch(after.body, 'id="zmiany-po-zlozeniu"')
    t.match(after.body, /id="okres-2026-11"[^>]*>[\s\S]*?<span class="badge">złożony<\/span>/)
    t.match(after.body, `href="/ksiegowosc/jpk/zlozone/${correction.id}"`)
    t.ok(
      Buffer.from((await b.owner.get(`/ksiegowosc/jpk/zlozone/${filed.id}`)).rawPayload).equals(Buffer.from(filed.xml)),
      'the original still as filed'
    )
  }
)

// November with P_39 typed 1 000 (October's surplus): P_53 = 1 000 − 66 = 934 = P_62, filed;
// December (no sales) takes P_39 934 → P_62 934, filed. A November sale issued later,
// 23 % 123,00 (VAT 23,00): P_20 58 + 23 = 81 → P_38 89, P_53 = P_62 = 1 000 − 89 = 911.
t.test('a correction that changes a P_62 the next period used: warned before and after filing it', async (t) => {
  const b = await build(t)
  await headerData(b)
  await november(b)
  await b.owner.get('/ksiegowosc/jpk-v7?okres=2026-11')
  t.equal((await b.owner.post('/ksiegowosc/jpk-v7/zlozenie', { okres: '2026-11', nadwyzka: '1000' })).statusCode, 303)
  const december = await b.owner.get('/ksiegowosc/jpk-v7?okres=2026-12')
  t.match(december.body, declRow('P_39', '934'))
  t.equal(
    (await b.owner.post('/ksiegowosc/jpk-v7/zlozenie', { okres: '2026-12' })).statusCode,
    303,
    'December filed with P_39 934'
  )
  t.same(
    (await filings(b)).map((f) => [f.period, f.surplus_carried]),
    [
      ['2026-11', 934],
      ['2026-12', 934]
    ]
  )
  t.notMatch(
    (await b.owner.get('/ksiegowosc/jpk-v7?okres=2026-11')).body,
    'id="p62-wykorzystana"',
    'no warning while P_62 is what December used'
  )

  await invoice(b, '2026-11-20', [{ quantityMilli: 1000, unitPriceGross: 12300, vatRate: '23' }])
  const novemberPage = await b.owner.post('/ksiegowosc/jpk-v7/przeliczenie', { okres: '2026-11', nadwyzka: '1000' })
  t.match(novemberPage.body, declRow('P_62', '911'))
  t.match(novemberPage.body, 'id="p62-wykorzystana"')
  t.match(novemberPage.body, 'P_62 wynosi teraz 911 zł, a złożona deklaracja za 12/2026 przyjęła w P_39 934 zł')
  t.match(novemberPage.body, /<li>P_38: 66 → 89<\/li>/, "the filed file's change listed")
  t.match(novemberPage.body, /<li>P_62: 934 → 911<\/li>/)

  t.equal(
    (
      await b.owner.post('/ksiegowosc/jpk-v7/zlozenie', {
        okres: '2026-11',
        nadwyzka: '1000',
        uzasadnienie: 'Faktura wystawiona po złożeniu.'
      })
    ).statusCode,
    303
  )
  const decemberAfter = await b.owner.get('/ksiegowosc/jpk-v7?okres=2026-12')
  t.match(decemberAfter.body, 'id="p39-po-korekcie"')
  t.match(
    decemberAfter.body,
    'złożona deklaracja przyjęła w P_39 934 zł, a ostatni plik złożony za 11/2026 ma P_62 911 zł'
  )
  t.match(decemberAfter.body, declRow('P_39', '911'), 'the correction of December starts from the new P_62')
  t.match(decemberAfter.body, /id="okres-2026-12"[^>]*>[\s\S]*?wymaga korekty<\/span>/)
  t.equal(
    (
      await b.owner.post('/ksiegowosc/jpk-v7/zlozenie', {
        okres: '2026-12',
        uzasadnienie: 'Korekta P_39 po korekcie za listopad.'
      })
    ).statusCode,
    303
  )
  const decemberFixed = await b.owner.get('/ksiegowosc/jpk-v7?okres=2026-12')
  t.notMatch(decemberFixed.body, 'id="p39-po-korekcie"')
  t.notMatch(
    (await b.owner.get('/ksiegowosc/jpk-v7?okres=2026-11')).body,
    'id="p62-wykorzystana"',
    'December now uses 911'
  )
  const last = (await filings(b)).at(-1)!
  t.equal(field(Buffer.from(last.xml).toString('utf8'), 'P_39'), '911')
  t.equal(xmllint('V7M', Buffer.from(last.xml).toString('utf8')), '')
})

// JPK_V7K, the third quarter (as v7k.test.ts): July 23 % 123,00 (net 100, VAT 23); August 8 %
// 216,00 (net 200, VAT 16); September 23 % 2 × 61,50 (net 100, VAT 23) + 5 % 52,50 (net 50,
// VAT 2,50) → quarter P_19 200, P_20 46, P_38 65. A July sale issued after filing, 23 %
// 246,00 (net 200, VAT 46): P_19 400, P_20 92, P_38 111.
t.test(
  "V7K: a change in the quarter's first month flags that month's records and the last month's declaration, not the second month",
  async (t) => {
    const b = await build(t)
    await headerData(b, { vat_period: 'kwartal' })
    await invoice(b, '2026-07-10', [{ quantityMilli: 1000, unitPriceGross: 12300, vatRate: '23' }])
    await invoice(b, '2026-08-10', [{ quantityMilli: 1000, unitPriceGross: 21600, vatRate: '8' }])
    await invoice(b, '2026-09-10', [
      { quantityMilli: 2000, unitPriceGross: 6150, vatRate: '23' },
      { quantityMilli: 1000, unitPriceGross: 5250, vatRate: '5' }
    ])
    await b.owner.get('/ksiegowosc/jpk-v7?okres=2026-07')
    for (const month of ['2026-07', '2026-08', '2026-09'])
      t.equal(
        (await b.owner.post('/ksiegowosc/jpk-v7/zlozenie', { okres: month, nadwyzka: '0' })).statusCode,
        303,
        `${month} filed`
      )
    const files = await filings(b)
    t.notMatch(Buffer.from(files[0].xml).toString('utf8'), '<Deklaracja>', 'July: records only')
    t.match(Buffer.from(files[2].xml).toString('utf8'), '<Kwartal>3</Kwartal>', "September: the quarter's declaration")
    const before = await b.owner.get('/ksiegowosc/jpk-v7?okres=2026-09')
    for (const m of ['07', '08', '09'])
      t.match(
        before.body,
        new RegExp(`id="okres-2026-${m}"[^>]*>[\\s\\S]*?<span class="badge">złożony</span>`),
        `2026-${m} filed, nothing to correct`
      )

    await invoice(b, '2026-07-20', [{ quantityMilli: 1000, unitPriceGross: 24600, vatRate: '23' }])
    const september = await b.owner.get('/ksiegowosc/jpk-v7?okres=2026-09')
    t.match(
      september.body,
      /id="okres-2026-07"[^>]*>[\s\S]*?wymaga korekty<\/span> <small class="muted">1 dokument po złożeniu/,
      'July: the sale missing from its records'
    )
    t.match(september.body, /id="okres-2026-08"[^>]*>[\s\S]*?<span class="badge">złożony<\/span>/, 'August unchanged')
    t.match(
      september.body,
      /id="okres-2026-09"[^>]*>[\s\S]*?wymaga korekty<\/span> <small class="muted">dane zmieniły się od złożenia/,
      'September: its declaration covers July'
    )
    t.match(september.body, /<li>P_19: 200 → 400<\/li>/)
    t.match(september.body, /<li>P_38: 65 → 111<\/li>/)
    t.notMatch(september.body, /<li>[^<]*wiersz ewidencji/, "September's own records are unchanged")

    const julyCorrection = await b.owner.post('/ksiegowosc/jpk-v7/plik', { okres: '2026-07' })
    t.equal(julyCorrection.statusCode, 200, 'a V7K records-only correction needs no reason (no P_ORDZU there)')
    t.match(julyCorrection.body, '<CelZlozenia poz="P_7">2</CelZlozenia>')
    t.notMatch(julyCorrection.body, '<Deklaracja>')
    t.equal(xmllint('V7K', julyCorrection.body), '')
    const septemberCorrection = await b.owner.post('/ksiegowosc/jpk-v7/plik', {
      okres: '2026-09',
      nadwyzka: '0',
      uzasadnienie: 'Faktura z lipca wystawiona po złożeniu.'
    })
    t.equal(septemberCorrection.statusCode, 200)
    t.equal(field(septemberCorrection.body, 'P_19'), '400')
    t.equal(field(septemberCorrection.body, 'P_51'), '111')
    t.equal(xmllint('V7K', septemberCorrection.body), '')
  }
)
