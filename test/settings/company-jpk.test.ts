import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { JPK_VENDOR_DIR } from '../../src/paths.ts'
import { build } from '../helpers/app.ts'

const company = {
  name: 'Sklep Testowy Sp. z o.o.',
  nip: '5261040828',
  street: 'ul. Prosta 1',
  postalCode: '00-001',
  city: 'Warszawa',
  bankAccount: '61109010140000071219812874',
  email: 'biuro@example.pl',
  phone: '',
  vatStatus: 'czynny',
  vatExemptionBasis: '',
  defaultVatRate: '23',
  taxForm: 'kpir',
  ryczaltRate: '',
  package: 'ksiegowosc'
}
const person = {
  taxOfficeCode: '1206',
  taxpayerKind: 'fizyczna',
  firstName: 'Jan',
  lastName: 'Kowalski-Nowak',
  birthDate: '1980-05-01',
  vatPeriod: 'kwartal'
}

const jpkColumns = [
  'tax_office_code',
  'taxpayer_kind',
  'taxpayer_first_name',
  'taxpayer_last_name',
  'taxpayer_birth_date',
  'vat_period'
] as const

function officeOptions(html: string): Array<{ code: string; label: string }> {
  const select = /<select id="f-taxOfficeCode"[^>]*>([\s\S]*?)<\/select>/.exec(html)?.[1] ?? ''
  return [...select.matchAll(/<option value="(\d{4})"[^>]*>([^<]*)<\/option>/g)].map(([, code, label]) => ({
    code,
    label
  }))
}

t.test(
  'USTAWIENIA » Firma offers every tax office of the official dictionary, and saves the JPK header data',
  async (t) => {
    const { owner, db } = await build(t)
    const page = await owner.get('/ustawienia/firma')
    t.equal(page.statusCode, 200)
    t.match(page.body, 'Dane do plików JPK')
    const dictionary = readFileSync(
      join(JPK_VENDOR_DIR, 'dziedzinowe-2022-01-05', 'KodyUrzedowSkarbowych_v8-0E.xsd'),
      'utf8'
    )
    const codes = [...dictionary.matchAll(/<xsd:enumeration value="([^"]+)"/g)].map((m) => m[1])
    const options = officeOptions(page.body)
    t.ok(codes.length > 300, `the dictionary has ${codes.length} offices`)
    t.same(options.map((o) => o.code).sort(), [...codes].sort(), 'the form offers exactly the codes the schema accepts')
    t.match(options.find((o) => o.code === '1206')?.label, /^URZĄD SKARBOWY W GORLICACH \(1206\)$/)
    t.equal(/<option value="1206" selected>/.test(page.body), false, 'nothing is chosen for a new company')

    const saved = await owner.post('/ustawienia/firma', { ...company, ...person })
    t.equal(saved.statusCode, 303)
    const row = await db.selectFrom('company').select(jpkColumns).executeTakeFirstOrThrow()
    t.same(row, {
      tax_office_code: '1206',
      taxpayer_kind: 'fizyczna',
      taxpayer_first_name: 'Jan',
      taxpayer_last_name: 'Kowalski-Nowak',
      taxpayer_birth_date: '1980-05-01',
      vat_period: 'kwartal'
    })
    const after = await owner.get('/ustawienia/firma')
    t.match(after.body, '<option value="1206" selected>')
    t.match(after.body, 'value="Kowalski-Nowak"')
    t.match(after.body, 'value="1980-05-01"')
    t.match(after.body, '<option value="kwartal" selected>')

    const company2 = await owner.post('/ustawienia/firma', {
      ...company,
      ...person,
      taxpayerKind: 'niefizyczna',
      vatPeriod: 'miesiac'
    })
    t.equal(company2.statusCode, 303)
    t.same(
      await db.selectFrom('company').select(jpkColumns).executeTakeFirstOrThrow(),
      {
        tax_office_code: '1206',
        taxpayer_kind: 'niefizyczna',
        taxpayer_first_name: '',
        taxpayer_last_name: '',
        taxpayer_birth_date: '',
        vat_period: 'miesiac'
      },
      'a company files under its name: the person fields are not kept'
    )
  }
)

t.test('bad JPK header data: 422 in Polish with the values kept, nothing saved', async (t) => {
  const { owner, db } = await build(t)
  await owner.get('/ustawienia/firma')
  const before = await db.selectFrom('company').selectAll().executeTakeFirstOrThrow()
  const cases: Array<[Record<string, string>, string, string]> = [
    [{ taxOfficeCode: '9999' }, 'taxOfficeCode', 'Wybierz urząd skarbowy z listy.'],
    [{ taxOfficeCode: '12O6' }, 'taxOfficeCode', 'Wybierz urząd skarbowy z listy.'],
    [{ taxpayerKind: 'spolka-cywilna' }, 'taxpayerKind', 'Wybierz, czy podatnik jest osobą fizyczną.'],
    [{ firstName: 'A'.repeat(31) }, 'firstName', 'Najwyżej 30 znaków.'],
    [{ lastName: 'Ż'.repeat(82) }, 'lastName', 'Najwyżej 81 znaków.'],
    [{ birthDate: '1980-02-30' }, 'birthDate', 'Podaj datę urodzenia w formacie RRRR-MM-DD (nie z przyszłości).'],
    [{ birthDate: '01.05.1980' }, 'birthDate', 'Podaj datę urodzenia w formacie RRRR-MM-DD (nie z przyszłości).'],
    [{ birthDate: '1899-12-31' }, 'birthDate', 'Podaj datę urodzenia w formacie RRRR-MM-DD (nie z przyszłości).'],
    // the test clock says 2026-11-16
    [{ birthDate: '2026-11-17' }, 'birthDate', 'Podaj datę urodzenia w formacie RRRR-MM-DD (nie z przyszłości).'],
    [{ vatPeriod: 'rok' }, 'vatPeriod', 'Wybierz okres rozliczenia VAT.'],
    [{ vatPeriod: '' }, 'vatPeriod', 'Wybierz okres rozliczenia VAT.']
  ]
  for (const [change, field, message] of cases) {
    const answer = await owner.post('/ustawienia/firma', { ...company, ...person, name: 'Nie zapisze się', ...change })
    t.equal(answer.statusCode, 422, `${JSON.stringify(change)} → 422`)
    t.match(answer.body, new RegExp(`id="f-${field}"[^>]*aria-invalid="true"`), `${field} is marked`)
    t.match(answer.body, message, `${field}: ${message}`)
    t.match(answer.body, 'value="Nie zapisze się"', 'the other values are kept')
  }
  t.same(await db.selectFrom('company').selectAll().executeTakeFirstOrThrow(), before, 'the company row is unchanged')

  const sameDay = await owner.post('/ustawienia/firma', { ...company, ...person, birthDate: '2026-11-16' })
  t.equal(sameDay.statusCode, 303, 'today is not in the future')
  const noOffice = await owner.post('/ustawienia/firma', { ...company, ...person, taxOfficeCode: '' })
  t.equal(noOffice.statusCode, 303, 'the office may stay unchosen until the first JPK file')
})

t.test('the JPK_V7 page stops asking for the header data once the form has them', async (t) => {
  const { owner } = await build(t)
  const missing = await owner.get('/ksiegowosc/jpk-v7?okres=2026-11')
  t.equal(missing.statusCode, 200)
  t.match(missing.body, 'Wybierz urząd skarbowy w USTAWIENIA » Firma')
  t.match(missing.body, 'Uzupełnij imię, nazwisko i datę urodzenia podatnika')
  t.equal((await owner.post('/ustawienia/firma', { ...company, ...person, vatPeriod: 'miesiac' })).statusCode, 303)
  const complete = await owner.get('/ksiegowosc/jpk-v7?okres=2026-11')
  t.notMatch(complete.body, 'Wybierz urząd skarbowy w USTAWIENIA » Firma')
  t.notMatch(complete.body, 'Uzupełnij imię, nazwisko i datę urodzenia podatnika')
  t.match(complete.body, 'Pobierz XML')
  const file = await owner.get('/ksiegowosc/jpk-v7/plik?okres=2026-11')
  t.equal(file.statusCode, 200)
  t.match(file.body, '<KodUrzedu>1206</KodUrzedu>')
  t.match(file.body, /<etd:Nazwisko>Kowalski-Nowak<\/etd:Nazwisko>/)
  t.match(file.body, /<etd:DataUrodzenia>1980-05-01<\/etd:DataUrodzenia>/)
})
