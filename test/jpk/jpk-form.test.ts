import t from 'tap'
import {
  correctionErrors,
  isCalendarDate,
  parseStockForm,
  parseV7Form,
  parseWholeZloty
} from '../../src/jpk/jpk.form.ts'

t.test('P_39 in whole złoty', async (t) => {
  t.same(parseWholeZloty('1 250'), { value: 1250, error: null })
  t.same(parseWholeZloty('1\u00a0250 zł'), { value: 1250, error: null })
  t.same(parseWholeZloty('0'), { value: 0, error: null })
  t.match(parseWholeZloty('12,50').error, 'bez groszy')
  t.match(parseWholeZloty('-1').error, 'nie może być ujemna')
  t.match(parseWholeZloty('1e3').error, 'Podaj kwotę w pełnych złotych')
  t.match(parseWholeZloty('123456789012345').error, 'Podaj kwotę', 'more than the 14 digits of TKwotaC')
  t.equal(parseV7Form({ nadwyzka: '' }).carried, null, 'empty: the filed value is used')
  t.same(parseV7Form({ nadwyzka: '', uzasadnienie: 'a\u0000b' }).errors, {
    uzasadnienie: 'Uzasadnienie zawiera znaki sterujące, których plik XML nie przyjmie – usuń je.'
  })
  t.equal(parseV7Form({ uzasadnienie: 'wiersz 1\r\nwiersz 2' }).reason, 'wiersz 1\nwiersz 2')
})

t.test('the correction reason: required where the file has a declaration (P_ORDZU)', async (t) => {
  t.same(correctionErrors({ purpose: 1, hasDeclaration: true }, ''), {})
  t.match(correctionErrors({ purpose: 2, hasDeclaration: true }, ' ').uzasadnienie, 'art. 81 § 2')
  t.same(
    correctionErrors({ purpose: 2, hasDeclaration: false }, ''),
    {},
    'a V7K file without the declaration has no place for it'
  )
  t.same(correctionErrors({ purpose: 2, hasDeclaration: true }, 'Powód'), {})
})

t.test(
  'stock counts: dates within the year (the opening one also on 31 December before), values in złoty and grosze',
  async (t) => {
    const ok = parseStockForm(
      {
        rok: '2026',
        poczatekData: '2025-12-31',
        poczatekWartosc: '12 500,5',
        koniecData: '2026-12-31',
        koniecWartosc: '0',
        spisData: ['2026-06-30', ''],
        spisWartosc: ['1.5', '']
      },
      2026
    )
    t.same(ok.errors, {})
    t.same(ok.counts, {
      start: { date: '2025-12-31', value: 1250050 },
      end: { date: '2026-12-31', value: 0 },
      during: [{ date: '2026-06-30', value: 150 }]
    })
    const none = parseStockForm(
      { poczatekData: '2026-01-01', poczatekWartosc: '', koniecData: '2026-12-31', koniecWartosc: '' },
      2026
    )
    t.same(
      none.counts,
      { start: null, end: null, during: [] },
      'no values: no counts (the prefilled dates alone say nothing)'
    )
    const bad = parseStockForm(
      {
        poczatekData: '2025-12-30',
        poczatekWartosc: '1',
        koniecData: '2026-02-29',
        koniecWartosc: '1',
        spisData: ['2026-03-01', '2027-01-01'],
        spisWartosc: ['', '5']
      },
      2026
    )
    t.match(bad.errors.poczatekData, 'od 31.12.2025 do 31.12.2026')
    t.match(bad.errors.koniecData, 'w roku 2026', '29 February 2026 does not exist')
    t.match(bad.errors['spisy.0.wartosc'], 'Podaj wartość spisu')
    t.match(bad.errors['spisy.1.data'], 'Podaj datę spisu w roku 2026')
    const reversed = parseStockForm(
      { poczatekData: '2026-05-01', poczatekWartosc: '1', koniecData: '2026-04-30', koniecWartosc: '1' },
      2026
    )
    t.match(reversed.errors.koniecData, 'nie może być wcześniejszy')
    t.notOk(isCalendarDate('2026-02-30'))
    t.ok(isCalendarDate('2028-02-29'))
  }
)
