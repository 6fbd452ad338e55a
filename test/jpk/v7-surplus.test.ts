import t from 'tap'
import { build } from '../helpers/app.ts'
import { declRow, field, headerData, invoice, xmllint, type Built } from './helpers.ts'

// November 2026 as in v7-page.test.ts: P_17 100, P_18 8, P_19 250, P_20 58 → P_38 66
//   (23 %: 123,00 + 3 × 61,50 gross; 8 %: 108,00 gross)
async function november(b: Built) {
  await invoice(b, '2026-11-05', [{ quantityMilli: 1000, unitPriceGross: 12300, vatRate: '23' }])
  await invoice(b, '2026-11-12', [
    { quantityMilli: 3000, unitPriceGross: 6150, vatRate: '23' },
    { quantityMilli: 1000, unitPriceGross: 10800, vatRate: '8' }
  ])
}

const filings = async (b: Built) => await b.db.selectFrom('jpk_filings').selectAll().orderBy('id').execute()

t.test(
  "the surplus carried (P_39): prefilled from the previous month's last filing, editable in whole złoty, used in the declaration",
  async (t) => {
    const b = await build(t)
    await headerData(b)
    // October 2026: 23 % 246,00 gross → net 200,00, VAT 46,00 → P_19 200, P_20 46, P_38 46
    await invoice(b, '2026-10-06', [{ quantityMilli: 1000, unitPriceGross: 24600, vatRate: '23' }])
    await november(b)

    const october = await b.owner.get('/ksiegowosc/jpk-v7?okres=2026-10')
    t.match(october.body, 'brak złożonego pliku za wrzesień 2026, przyjęto 0')
    t.match(october.body, /name="nadwyzka" type="text" value="0"/)
    t.match(october.body, declRow('P_51', '46'))

    // typed with a thousands space: P_39 1000; P_48 = 1000; P_38 46 < P_48 → P_51 0, P_53 = P_62 = 954
    const recomputed = await b.owner.post('/ksiegowosc/jpk-v7/przeliczenie', { okres: '2026-10', nadwyzka: '1 000' })
    t.equal(recomputed.statusCode, 200)
    for (const [name, value] of [
      ['P_38', '46'],
      ['P_39', '1\u00a0000'],
      ['P_48', '1\u00a0000'],
      ['P_53', '954'],
      ['P_62', '954']
    ])
      t.match(recomputed.body, declRow(name, value), `${name} = ${value} zł`)
    t.notMatch(recomputed.body, 'id="P_51"', 'nothing to pay')
    t.match(recomputed.body, /name="nadwyzka" type="text" value="1 000"/, 'the typed value stays')
    t.match(recomputed.body, '1\u00a0000 zł – wpisana poniżej')
    t.equal((await filings(b)).length, 0, 'recomputing stores nothing')

    const octoberFile = await b.owner.post('/ksiegowosc/jpk-v7/plik', { okres: '2026-10', nadwyzka: '1000' })
    t.equal(octoberFile.statusCode, 200)
    for (const [name, value] of [
      ['P_38', '46'],
      ['P_39', '1000'],
      ['P_48', '1000'],
      ['P_51', '0'],
      ['P_53', '954'],
      ['P_62', '954']
    ])
      t.equal(field(octoberFile.body, name), value, `${name} in the October file`)
    t.equal(xmllint('V7M', octoberFile.body), '', 'xmllint accepts the October file')
    t.equal((await b.owner.post('/ksiegowosc/jpk-v7/zlozenie', { okres: '2026-10', nadwyzka: '1000' })).statusCode, 303)
    const [octoberFiling] = await filings(b)
    t.equal(octoberFiling.tax_to_pay, 0)
    t.equal(octoberFiling.surplus_carried, 954)

    // November: P_39 prefilled with October's P_62 954; P_38 66 → P_48 954, P_53 = P_62 = 954 − 66 = 888
    const november1 = await b.owner.get('/ksiegowosc/jpk-v7?okres=2026-11')
    t.match(november1.body, /name="nadwyzka" type="text" value="954"/, "prefilled from October's filing")
    t.match(november1.body, 'Z pliku złożonego za październik 2026: 954 zł (P_62)')
    t.match(november1.body, '954 zł – z pliku złożonego za październik 2026 (jego P_62)')
    for (const [name, value] of [
      ['P_38', '66'],
      ['P_39', '954'],
      ['P_48', '954'],
      ['P_53', '888'],
      ['P_62', '888']
    ])
      t.match(november1.body, declRow(name, value), `${name} = ${value} zł`)
    const link = await b.owner.get('/ksiegowosc/jpk-v7/plik?okres=2026-11')
    t.equal(link.statusCode, 200)
    for (const [name, value] of [
      ['P_39', '954'],
      ['P_48', '954'],
      ['P_51', '0'],
      ['P_53', '888'],
      ['P_62', '888']
    ])
      t.equal(field(link.body, name), value, `${name} in the November file`)
    t.equal(xmllint('V7M', link.body), '', 'xmllint accepts the November file')

    // edited: P_39 50 → P_48 50, P_51 = 66 − 50 = 16, no surplus left
    const edited = await b.owner.post('/ksiegowosc/jpk-v7/przeliczenie', { okres: '2026-11', nadwyzka: '50' })
    for (const [name, value] of [
      ['P_39', '50'],
      ['P_48', '50'],
      ['P_51', '16']
    ])
      t.match(edited.body, declRow(name, value), `${name} = ${value} zł`)
    t.notMatch(edited.body, 'id="P_62"')
    const editedFile = await b.owner.post('/ksiegowosc/jpk-v7/plik', { okres: '2026-11', nadwyzka: '50' })
    t.equal(field(editedFile.body, 'P_39'), '50')
    t.equal(field(editedFile.body, 'P_51'), '16')
    t.equal(field(editedFile.body, 'P_62'), null, 'a zero P_62 is left out')
    t.equal(xmllint('V7M', editedFile.body), '', 'xmllint accepts it')

    // bad values: 422, the value kept, nothing stored
    const bad: Array<[string, string, string]> = [
      ['12,50', 'bez groszy', 'zlozenie'],
      ['-5', 'nie może być ujemna', 'plik'],
      ['dużo', 'Podaj kwotę w pełnych złotych', 'przeliczenie']
    ]
    for (const [typed, message, action] of bad) {
      const response = await b.owner.post(`/ksiegowosc/jpk-v7/${action}`, { okres: '2026-11', nadwyzka: typed })
      t.equal(response.statusCode, 422, `${action} with ${typed}`)
      t.match(response.body, message)
      t.match(response.body, `name="nadwyzka" type="text" value="${typed}"`, 'the typed value kept')
    }
    t.equal((await filings(b)).length, 1, 'only October is recorded')
    t.equal((await b.owner.post('/ksiegowosc/jpk-v7/zlozenie', { okres: '2026-11', nadwyzka: '50' })).statusCode, 303)
    const rows = await filings(b)
    t.equal(rows[1].tax_to_pay, 16)
    t.equal(rows[1].surplus_carried, 0)
  }
)
