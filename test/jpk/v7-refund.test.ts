import t from 'tap'
import { build } from '../helpers/app.ts'
import { declRow, field, headerData, invoice, xmllint, type Built } from './helpers.ts'

// November 2026, hand figures (sales as in v7-page.test.ts): P_38 = 66 (P_20 58 + P_18 8).
// The surplus from October typed as P_39 = 1 000 zł (no October file), nothing else deducted:
//   P_48 = 1 000, P_51 = 0, P_53 = 1 000 − 66 = 934
//   refund P_54 = 500 in 40 days (P_560) → P_62 = 934 − 500 = 434 (the schema: P_53 less P_54)
//   of it credited against future liabilities P_60 = 200 (P_59 = 1, P_61 the liability)
//   December's P_39 then defaults to the filed P_62 434
async function november(b: Built) {
  await invoice(b, '2026-11-05', [{ quantityMilli: 1000, unitPriceGross: 12300, vatRate: '23' }])
  await invoice(b, '2026-11-12', [
    { quantityMilli: 3000, unitPriceGross: 6150, vatRate: '23' },
    { quantityMilli: 1000, unitPriceGross: 10800, vatRate: '8' }
  ])
}

const base = { okres: '2026-11', nadwyzka: '1000' }

t.test(
  'a refund of part of the surplus: P_54 with one term, P_62 = P_53 − P_54, P_59–P_61; the file XSD-valid; the filed P_62 carried on',
  async (t) => {
    const b = await build(t)
    await headerData(b)
    await november(b)
    await b.owner.get('/ksiegowosc/jpk-v7?okres=2026-11')

    const offered = await b.owner.post('/ksiegowosc/jpk-v7/przeliczenie', base)
    t.equal(offered.statusCode, 200)
    t.match(offered.body, declRow('P_53', '934'))
    t.match(offered.body, declRow('P_62', '934'), 'no refund: the whole surplus carried on')
    t.match(offered.body, 'id="zwrot"', 'the refund part is offered when P_53 > 0')
    t.match(offered.body, '<option value="P_560">P_560 – 40 dni</option>')

    const refund = { ...base, zwrot: '500', terminZwrotu: 'P_560' }
    const page = await b.owner.post('/ksiegowosc/jpk-v7/przeliczenie', refund)
    t.equal(page.statusCode, 200)
    t.match(page.body, declRow('P_54', '500'))
    t.match(page.body, declRow('P_560', 'tak'))
    t.match(page.body, declRow('P_62', '434'))

    const file = await b.owner.post('/ksiegowosc/jpk-v7/plik', refund)
    t.equal(file.statusCode, 200)
    const xml = file.body
    t.match(
      xml,
      /<P_51>0<\/P_51>\s*<P_53>934<\/P_53>\s*<P_54>500<\/P_54>\s*<P_560>1<\/P_560>\s*<P_62>434<\/P_62>/,
      "in the schema's order"
    )
    t.equal(xmllint('V7M', xml), '', 'xmllint accepts the refund')

    const credited = {
      ...refund,
      terminZwrotu: 'P_58',
      zaliczenie: '200',
      zaliczenieNa: 'podatek dochodowy od osób fizycznych'
    }
    const creditedFile = await b.owner.post('/ksiegowosc/jpk-v7/plik', credited)
    t.equal(creditedFile.statusCode, 200)
    t.match(
      creditedFile.body,
      /<P_54>500<\/P_54>\s*<P_58>1<\/P_58>\s*<P_59>1<\/P_59>\s*<P_60>200<\/P_60>\s*<P_61>podatek dochodowy od osób fizycznych<\/P_61>\s*<P_62>434<\/P_62>/
    )
    t.equal(xmllint('V7M', creditedFile.body), '', 'xmllint accepts P_59–P_61')

    await b.owner.get('/ksiegowosc/jpk-v7?okres=2026-11')
    t.equal((await b.owner.post('/ksiegowosc/jpk-v7/zlozenie', credited)).statusCode, 303)
    const filing = await b.db
      .selectFrom('jpk_filings')
      .select(['surplus_carried', 'tax_to_pay', 'xml'])
      .executeTakeFirstOrThrow()
    t.equal(filing.surplus_carried, 434, 'the filed P_62 is the surplus less the refund')
    t.equal(filing.tax_to_pay, 0)
    t.equal(field(Buffer.from(filing.xml).toString('utf8'), 'P_60'), '200')
    const december = await b.owner.get('/ksiegowosc/jpk-v7?okres=2026-12')
    t.match(december.body, declRow('P_39', '434'), 'December carries 434 zł, not 934')
    t.match(december.body, 'z pliku złożonego za listopad 2026 (jego P_62)')
  }
)

t.test('a refund that does not fit: 422 in Polish, values kept, no file, nothing filed', async (t) => {
  const b = await build(t)
  await headerData(b)
  await november(b)
  await b.owner.get('/ksiegowosc/jpk-v7?okres=2026-11')

  const cases: Array<[string, Record<string, string>, string, string]> = [
    [
      'more than P_53',
      { ...base, zwrot: '935', terminZwrotu: 'P_55' },
      'Kwota zwrotu (P_54) nie może być wyższa niż nadwyżka podatku naliczonego nad należnym (P_53 = 934 zł).',
      'value="935"'
    ],
    [
      'no surplus',
      { okres: '2026-11', nadwyzka: '0', zwrot: '10', terminZwrotu: 'P_55' },
      'W tym okresie nie ma nadwyżki podatku naliczonego nad należnym (P_53 = 0) – nie ma czego zwrócić.',
      'value="10"'
    ],
    [
      'no term',
      { ...base, zwrot: '500' },
      'Wybierz termin zwrotu (P_540, P_55, P_56, P_560 albo P_58).',
      'value="500"'
    ],
    [
      'a term without an amount',
      { ...base, terminZwrotu: 'P_540' },
      'Podaj kwotę zwrotu (P_54) albo nie wybieraj terminu zwrotu.',
      '<option value="P_540" selected>'
    ],
    [
      'a term not in the schema',
      { ...base, zwrot: '500', terminZwrotu: 'P_57' },
      'Wybierz termin zwrotu z listy.',
      'value="500"'
    ],
    [
      'grosze',
      { ...base, zwrot: '500,50', terminZwrotu: 'P_55' },
      'Podaj kwotę w pełnych złotych, bez groszy',
      'value="500,50"'
    ],
    [
      'credit above the refund',
      { ...base, zwrot: '500', terminZwrotu: 'P_55', zaliczenie: '501', zaliczenieNa: 'PIT' },
      'Kwota zaliczenia (P_60) nie może być wyższa niż kwota zwrotu (P_54 = 500 zł).',
      'value="501"'
    ],
    [
      'credit without its liability',
      { ...base, zwrot: '500', terminZwrotu: 'P_55', zaliczenie: '100' },
      'Podaj rodzaj przyszłego zobowiązania podatkowego (P_61)',
      'value="100"'
    ],
    [
      'credit without a refund',
      { ...base, zaliczenie: '100', zaliczenieNa: 'PIT' },
      'najpierw podaj kwotę zwrotu (P_54)',
      'value="PIT"'
    ]
  ]
  for (const [what, body, message, kept] of cases) {
    const file = await b.owner.post('/ksiegowosc/jpk-v7/plik', body)
    t.equal(file.statusCode, 422, `${what}: the download refused`)
    t.match(file.body, message, `${what}: the reason`)
    t.match(file.body, kept, `${what}: the typed value kept`)
    t.notMatch(file.body, '<?xml', `${what}: no file`)
    const filed = await b.owner.post('/ksiegowosc/jpk-v7/zlozenie', body)
    t.equal(filed.statusCode, 422, `${what}: not filed`)
    const recomputed = await b.owner.post('/ksiegowosc/jpk-v7/przeliczenie', body)
    t.equal(recomputed.statusCode, 422, `${what}: Przelicz shows the error too`)
  }
  t.equal((await b.db.selectFrom('jpk_filings').selectAll().execute()).length, 0, 'nothing recorded')
})

t.test("a V7K file of a quarter's first month has no declaration: a refund there is refused", async (t) => {
  const b = await build(t)
  await headerData(b, { vat_period: 'kwartal' })
  await invoice(b, '2026-10-05', [{ quantityMilli: 1000, unitPriceGross: 12300, vatRate: '23' }])
  await b.owner.get('/ksiegowosc/jpk-v7?okres=2026-10')
  const file = await b.owner.post('/ksiegowosc/jpk-v7/plik', { okres: '2026-10', zwrot: '10', terminZwrotu: 'P_55' })
  t.equal(file.statusCode, 422)
  t.match(file.body, 'ten plik JPK_V7K (pierwszy lub drugi miesiąc kwartału) jej nie ma')
})
