import t from 'tap'
import { build } from '../helpers/app.ts'
import { declRow, field, headerData, invoice, xmllint, type Built } from './helpers.ts'

// The third quarter of 2026 for a quarterly VAT payer (JPK_V7K(3)): each month's file carries
// that month's records; the declaration (VAT-7K) for the whole quarter is only in the file of the
// quarter's last month (Deklaracja is optional in the schema and carries Kwartal).
//   July:      23 % 123,00 gross → net 100,00, VAT 23,00
//   August:     8 % 216,00 gross → net 200,00, VAT 16,00
//   September: 23 % 2 × 61,50 = 123,00 gross → net 100,00, VAT 23,00
//               5 % 52,50 gross → net 50,00, VAT 2,50 (5250 × 5 / 105 = 250 gr)
//   Quarter: K_19 200,00 / K_20 46,00 → P_19 200, P_20 46; K_17 200,00 / K_18 16,00 → P_17 200,
//   P_18 16; K_15 50,00 / K_16 2,50 → P_15 50, P_16 3 (50 gr up, art. 63 § 1 OP)
//   P_37 = 50 + 200 + 200 = 450, P_38 = 3 + 16 + 46 = 65, P_51 = 65
async function quarter(b: Built) {
  await invoice(b, '2026-07-10', [{ quantityMilli: 1000, unitPriceGross: 12300, vatRate: '23' }])
  await invoice(b, '2026-08-10', [{ quantityMilli: 1000, unitPriceGross: 21600, vatRate: '8' }])
  await invoice(b, '2026-09-10', [
    { quantityMilli: 2000, unitPriceGross: 6150, vatRate: '23' },
    { quantityMilli: 1000, unitPriceGross: 5250, vatRate: '5' }
  ])
}

t.test(
  "JPK_V7K: records every month, the quarter's declaration only in its last month, valid against the V7K(3) schema",
  async (t) => {
    const b = await build(t)
    await headerData(b, { vat_period: 'kwartal' })
    await quarter(b)

    const july = await b.owner.get('/ksiegowosc/jpk-v7?okres=2026-07')
    t.equal(july.statusCode, 200)
    t.match(july.body, 'JPK_V7K – lipiec 2026 (kwartał 3)')
    t.match(
      july.body,
      /id="kwartal">[\s\S]*?<strong>lipiec 2026 – ewidencja<\/strong>[\s\S]*?href="\/ksiegowosc\/jpk-v7\?okres=2026-09">wrzesień 2026 – ewidencja i deklaracja</,
      "the quarter's months, the declaration in September"
    )
    t.match(july.body, 'Część deklaracyjna JPK_V7K jest w pliku za ostatni miesiąc kwartału')
    t.notMatch(july.body, 'name="nadwyzka"', 'no P_39 without a declaration')
    const julyFile = await b.owner.get('/ksiegowosc/jpk-v7/plik?okres=2026-07')
    t.equal(julyFile.statusCode, 200)
    t.match(julyFile.headers['content-disposition'], 'JPK_V7K_2026-07.xml')
    const julyXml = julyFile.body
    t.match(julyXml, 'xmlns="http://crd.gov.pl/wzor/2025/12/19/14089/"')
    t.match(julyXml, 'kodSystemowy="JPK_V7K (3)"')
    t.equal(field(julyXml, 'Miesiac'), '7')
    t.notMatch(julyXml, '<Deklaracja>', 'no declaration part in the first month')
    t.equal(field(julyXml, 'LiczbaWierszySprzedazy'), '1')
    t.equal(field(julyXml, 'K_19'), '100.00')
    t.equal(field(julyXml, 'PodatekNalezny'), '23.00')
    t.equal(xmllint('V7K', julyXml), '', 'xmllint accepts the July file')

    const augustFile = await b.owner.get('/ksiegowosc/jpk-v7/plik?okres=2026-08')
    t.notMatch(augustFile.body, '<Deklaracja>')
    t.equal(field(augustFile.body, 'K_17'), '200.00')
    t.equal(field(augustFile.body, 'PodatekNalezny'), '16.00')
    t.equal(xmllint('V7K', augustFile.body), '', 'xmllint accepts the August file')

    const september = await b.owner.get('/ksiegowosc/jpk-v7?okres=2026-09')
    t.equal(september.statusCode, 200)
    for (const [name, value] of [
      ['P_15', '50'],
      ['P_16', '3'],
      ['P_17', '200'],
      ['P_18', '16'],
      ['P_19', '200'],
      ['P_20', '46'],
      ['P_37', '450'],
      ['P_38', '65'],
      ['P_51', '65']
    ]) {
      t.match(september.body, declRow(name, value), `${name} = ${value} zł for the quarter`)
    }
    t.match(
      september.body,
      'brak złożonego pliku za czerwiec 2026',
      'P_39 comes from the previous quarter (its last month)'
    )
    const septemberFile = await b.owner.post('/ksiegowosc/jpk-v7/plik', { okres: '2026-09', nadwyzka: '0' })
    t.equal(septemberFile.statusCode, 200)
    const xml = septemberFile.body
    t.equal(field(xml, 'Miesiac'), '9')
    t.match(
      xml,
      '<KodFormularzaDekl kodSystemowy="VAT-7K (17)" kodPodatku="VAT" rodzajZobowiazania="Z" wersjaSchemy="1-0E">VAT-7K</KodFormularzaDekl>'
    )
    t.equal(field(xml, 'WariantFormularzaDekl'), '17')
    t.equal(field(xml, 'Kwartal'), '3')
    for (const [name, value] of [
      ['P_15', '50'],
      ['P_16', '3'],
      ['P_17', '200'],
      ['P_18', '16'],
      ['P_19', '200'],
      ['P_20', '46'],
      ['P_37', '450'],
      ['P_38', '65'],
      ['P_48', '0'],
      ['P_51', '65']
    ]) {
      t.equal(field(xml, name), value, `${name} in the September file`)
    }
    t.equal(field(xml, 'LiczbaWierszySprzedazy'), '1', "the records are September's only")
    t.equal(field(xml, 'PodatekNalezny'), '25.50', "September's output VAT: 23,00 + 2,50")
    t.equal(xmllint('V7K', xml), '', 'xmllint accepts the September file with the declaration')

    // filings: July without a declaration (no tax figures); September with P_39 typed
    //   P_39 100 → P_48 100; P_38 65 < 100 → P_51 0, P_53 = P_62 = 35
    t.equal((await b.owner.post('/ksiegowosc/jpk-v7/zlozenie', { okres: '2026-07' })).statusCode, 303)
    const septemberFiled = await b.owner.post('/ksiegowosc/jpk-v7/zlozenie', { okres: '2026-09', nadwyzka: '100' })
    t.equal(septemberFiled.statusCode, 303)
    const rows = await b.db.selectFrom('jpk_filings').selectAll().orderBy('id').execute()
    t.same(
      rows.map((r) => [r.kind, r.period, r.purpose, r.tax_to_pay, r.surplus_carried]),
      [
        ['V7K', '2026-07', 1, null, null],
        ['V7K', '2026-09', 1, 0, 35]
      ]
    )
    t.equal(xmllint('V7K', Buffer.from(rows[1].xml).toString('utf8')), '', 'the stored September file validates')

    // a correction of July (records only): the structure has no place for a reason, none required
    const julyAgain = await b.owner.get('/ksiegowosc/jpk-v7?okres=2026-07')
    t.match(julyAgain.body, 'Plik bez części deklaracyjnej nie ma pola na uzasadnienie')
    const julyCorrection = await b.owner.post('/ksiegowosc/jpk-v7/plik', { okres: '2026-07' })
    t.equal(julyCorrection.statusCode, 200)
    t.match(julyCorrection.body, '<CelZlozenia poz="P_7">2</CelZlozenia>')
    t.equal(xmllint('V7K', julyCorrection.body), '', 'xmllint accepts the July correction')

    // the next quarter: October and November carry records only; December's declaration starts
    // from September's P_62 (35)
    const october = await b.owner.get('/ksiegowosc/jpk-v7?okres=2026-10')
    t.notMatch(october.body, 'name="nadwyzka"')
    const december = await b.owner.get('/ksiegowosc/jpk-v7?okres=2026-12')
    t.match(december.body, /name="nadwyzka" type="text" value="35"/, "prefilled from the previous quarter's filing")
    t.match(december.body, 'Z pliku złożonego za wrzesień 2026: 35 zł (P_62)')
    for (const [name, value] of [
      ['P_39', '35'],
      ['P_48', '35'],
      ['P_53', '35'],
      ['P_62', '35']
    ])
      t.match(december.body, declRow(name, value), `${name} = ${value} zł in December`)

    // a quarter typed as such opens its last month
    const typed = await b.owner.get('/ksiegowosc/jpk-v7?okres=2026-K3')
    t.equal(typed.statusCode, 200)
    t.match(typed.body, 'JPK_V7K – wrzesień 2026 (kwartał 3)')
  }
)
