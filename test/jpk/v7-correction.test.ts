import t from 'tap'
import { build } from '../helpers/app.ts'
import { declRow, field, headerData, invoice, xmllint, type Built } from './helpers.ts'

// November 2026, hand figures (the same as v7-page.test.ts):
//   23 %: 123,00 gross (net 100,00, VAT 23,00) + 3 × 61,50 = 184,50 gross (net 150,00, VAT 34,50)
//         → K_19 250,00, K_20 57,50 → P_19 250, P_20 58 (50 gr rounds up, art. 63 § 1 OP)
//   8 %:  108,00 gross (net 100,00, VAT 8,00) → P_17 100, P_18 8
//   P_37 = 350, P_38 = 66, nothing to deduct → P_51 = 66
async function november(b: Built) {
  await invoice(b, '2026-11-05', [{ quantityMilli: 1000, unitPriceGross: 12300, vatRate: '23' }])
  await invoice(b, '2026-11-12', [
    { quantityMilli: 3000, unitPriceGross: 6150, vatRate: '23' },
    { quantityMilli: 1000, unitPriceGross: 10800, vatRate: '8' }
  ])
}

const filings = async (b: Built) => await b.db.selectFrom('jpk_filings').selectAll().orderBy('id').execute()

t.test(
  'correction of a filed month: the reason is required (422, values kept), the file has CelZlozenia 2 and P_ORDZU, the filing is a correction',
  async (t) => {
    const b = await build(t)
    await headerData(b)
    await november(b)
    await b.owner.get('/ksiegowosc/jpk-v7?okres=2026-11')
    t.equal(
      (await b.owner.post('/ksiegowosc/jpk-v7/zlozenie', { okres: '2026-11', nadwyzka: '0' })).statusCode,
      303,
      'the original filed'
    )

    // after filing, the first invoice gets its KSeF number (as the KSeF module stores it): its row
    // must now carry NrKSeF instead of BFK, so the month is corrected; no new sale is issued into
    // the filed month here, so the figures stay the hand ones above
    const first = await b.db.selectFrom('documents').select('id').orderBy('id').executeTakeFirstOrThrow()
    const ksefNumber = '5261040828-20261105-3F0A12BC45DE-4F'
    await b.db.updateTable('documents').set({ ksef_number: ksefNumber }).where('id', '=', first.id).execute()
    const page = await b.owner.get('/ksiegowosc/jpk-v7?okres=2026-11')
    t.equal(page.statusCode, 200)
    t.match(page.body, 'Korekta pliku JPK_V7M_2026-11_korekta1.xml')
    t.match(page.body, 'name="uzasadnienie"', 'the reason field is offered')
    t.match(page.body, 'Oznacz korektę jako złożoną')
    t.match(page.body, /złożenie pierwotne[^<]*do wpłaty 66 zł/, 'the filed original with its tax to pay')
    t.match(
      page.body,
      new RegExp(`id="wiersz-1">[\\s\\S]*?<span class="badge">${ksefNumber}</span>`),
      'row 1 now with its KSeF number'
    )
    for (const [name, value] of [
      ['P_17', '100'],
      ['P_18', '8'],
      ['P_19', '250'],
      ['P_20', '58'],
      ['P_37', '350'],
      ['P_38', '66'],
      ['P_51', '66']
    ])
      t.match(page.body, declRow(name, value), `${name} = ${value} zł on the page`)

    // no reason: 422 in Polish, the typed surplus kept, no file, nothing recorded
    const noReasonFile = await b.owner.post('/ksiegowosc/jpk-v7/plik', {
      okres: '2026-11',
      nadwyzka: '0',
      uzasadnienie: '   '
    })
    t.equal(noReasonFile.statusCode, 422)
    t.match(noReasonFile.headers['content-type'], 'text/html')
    t.match(noReasonFile.body, 'Podaj uzasadnienie przyczyn korekty')
    t.match(noReasonFile.body, 'art. 81 § 2 Ordynacji podatkowej')
    t.match(noReasonFile.body, /name="nadwyzka" type="text" value="0"/)
    const noReasonLink = await b.owner.get('/ksiegowosc/jpk-v7/plik?okres=2026-11')
    t.equal(noReasonLink.statusCode, 422, 'the plain download link of a filed month asks for the reason too')
    t.notMatch(noReasonLink.body, '<?xml')
    const noReasonFiling = await b.owner.post('/ksiegowosc/jpk-v7/zlozenie', {
      okres: '2026-11',
      nadwyzka: '7',
      uzasadnienie: ''
    })
    t.equal(noReasonFiling.statusCode, 422)
    t.match(noReasonFiling.body, 'Podaj uzasadnienie przyczyn korekty')
    t.match(noReasonFiling.body, /name="nadwyzka" type="text" value="7"/, 'values kept')
    t.match(noReasonFiling.body, 'nic nie zostało zapisane')
    t.equal((await filings(b)).length, 1, 'nothing recorded')

    // a reason too long for P_ORDZU (TTekstowy: at most 3500 characters)
    const tooLong = await b.owner.post('/ksiegowosc/jpk-v7/zlozenie', {
      okres: '2026-11',
      nadwyzka: '0',
      uzasadnienie: 'x'.repeat(3501)
    })
    t.equal(tooLong.statusCode, 422)
    t.match(tooLong.body, 'Najwyżej 3500 znaków.')

    const reason = 'Faktura FV 1/11/2026 otrzymała numer KSeF & oznaczenie <NrKSeF> zamiast BFK'
    const file = await b.owner.post('/ksiegowosc/jpk-v7/plik', {
      okres: '2026-11',
      nadwyzka: '0',
      uzasadnienie: reason
    })
    t.equal(file.statusCode, 200)
    t.match(file.headers['content-disposition'], 'JPK_V7M_2026-11_korekta1.xml')
    const xml = file.body
    t.match(xml, '<CelZlozenia poz="P_7">2</CelZlozenia>')
    t.equal(
      field(xml, 'P_ORDZU'),
      'Faktura FV 1/11/2026 otrzymała numer KSeF &amp; oznaczenie &lt;NrKSeF&gt; zamiast BFK',
      'the reason, escaped, in P_ORDZU'
    )
    for (const [name, value] of [
      ['P_17', '100'],
      ['P_18', '8'],
      ['P_19', '250'],
      ['P_20', '58'],
      ['P_37', '350'],
      ['P_38', '66'],
      ['P_51', '66']
    ])
      t.equal(field(xml, name), value, `${name} in the correction`)
    t.equal(field(xml, 'NrKSeF'), ksefNumber, 'the first row carries its KSeF number')
    t.equal((xml.match(/<BFK>1<\/BFK>/g) ?? []).length, 1, 'the second row is still BFK')
    t.equal(field(xml, 'LiczbaWierszySprzedazy'), '2')
    t.equal(field(xml, 'PodatekNalezny'), '65.50', 'control sum 23,00 + 34,50 + 8,00')
    t.equal(xmllint('V7M', xml), '', 'xmllint accepts the correction')

    await b.owner.get('/ksiegowosc/jpk-v7?okres=2026-11')
    const filed = await b.owner.post('/ksiegowosc/jpk-v7/zlozenie', {
      okres: '2026-11',
      nadwyzka: '0',
      uzasadnienie: reason
    })
    t.equal(filed.statusCode, 303)
    const rows = await filings(b)
    t.equal(rows.length, 2)
    t.equal(rows[1].purpose, 2, 'recorded as a correction')
    t.equal(rows[1].reason, reason)
    t.equal(rows[1].tax_to_pay, 66)
    t.equal(rows[1].surplus_carried, 0)
    const storedXml = Buffer.from(rows[1].xml).toString('utf8')
    t.match(storedXml, '<CelZlozenia poz="P_7">2</CelZlozenia>')
    t.equal(xmllint('V7M', storedXml), '', 'the stored correction validates')
    const after = await b.owner.get('/ksiegowosc/jpk-v7?okres=2026-11')
    t.match(after.body, 'Korekta JPK_V7M za listopad 2026 oznaczona jako złożona.')
    t.match(
      after.body,
      'Uzasadnienie: Faktura FV 1/11/2026 otrzymała numer KSeF &amp; oznaczenie &lt;NrKSeF&gt; zamiast BFK'
    )
    t.match(after.body, 'JPK_V7M_2026-11_korekta2.xml', 'a further file is the second correction')
  }
)
