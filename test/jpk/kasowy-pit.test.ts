import t from 'tap'
import { ewpXml } from '../../src/jpk/jpk-xml.ts'
import { build } from '../helpers/app.ts'
import { headerData, invoice, xmllint } from './helpers.ts'

// Kasowy PIT (the income tax by the cash method) is a company setting on USTAWIENIA » Firma;
// JPK_PKPIR(3) and JPK_EWP(4) carry it as Podmiot1/Kasowy_PIT = 1, after the taxpayer's data.
// It is not the VAT cash method (art. 21 ustawy o VAT), which stays off here.
// The year: one invoice 23 % 1 230,00 gross (net 1 000,00); stock 0 at both ends.
const COMPANY_FORM = {
  name: 'Sklep Testowy Sp. z o.o.',
  nip: '5261040828',
  street: 'ul. Prosta 1',
  postalCode: '00-001',
  city: 'Warszawa',
  bankAccount: '',
  email: 'biuro@example.pl',
  phone: '',
  vatStatus: 'czynny',
  vatExemptionBasis: '',
  defaultVatRate: '23',
  taxForm: 'kpir',
  ryczaltRate: '',
  package: 'ksiegowosc',
  taxOfficeCode: '1206',
  taxpayerKind: 'fizyczna',
  firstName: 'Jan',
  lastName: 'Kowalski',
  birthDate: '1980-05-01',
  vatPeriod: 'miesiac'
}

t.test(
  'Kasowy_PIT from USTAWIENIA » Firma in the JPK_PKPIR file, XSD-valid; absent when the setting is off',
  async (t) => {
    const b = await build(t)
    await headerData(b)
    await invoice(b, '2026-03-10', [{ quantityMilli: 1000, unitPriceGross: 123000, vatRate: '23' }])
    await b.owner.get('/ksiegowosc/jpk-roczny?rok=2026')
    t.equal(
      (
        await b.owner.post('/ksiegowosc/jpk-roczny/spis', {
          rok: '2026',
          poczatekData: '2026-01-01',
          poczatekWartosc: '0',
          koniecData: '2026-12-31',
          koniecWartosc: '0'
        })
      ).statusCode,
      303
    )

    const off = await b.owner.get('/ksiegowosc/jpk-roczny/plik?rok=2026')
    t.equal(off.statusCode, 200)
    t.notMatch(off.body, 'Kasowy_PIT', 'no mark while the setting is off')
    t.equal(xmllint('PKPIR', off.body), '')

    const settings = await b.owner.get('/ustawienia/firma')
    t.match(settings.body, 'name="pitCashMethod"', 'the setting on USTAWIENIA » Firma')
    t.equal((await b.owner.post('/ustawienia/firma', { ...COMPANY_FORM, pitCashMethod: 'on' })).statusCode, 303)
    const company = await b.db
      .selectFrom('company')
      .select(['pit_cash_method', 'cash_accounting'])
      .executeTakeFirstOrThrow()
    t.same(company, { pit_cash_method: 1, cash_accounting: 0 }, 'kasowy PIT on, the VAT cash method untouched')
    t.match((await b.owner.get('/ustawienia/firma')).body, /name="pitCashMethod" checked/)

    const on = await b.owner.get('/ksiegowosc/jpk-roczny/plik?rok=2026')
    t.equal(on.statusCode, 200)
    t.match(on.body, /<\/OsobaFizyczna>\s*<Kasowy_PIT>1<\/Kasowy_PIT>\s*<\/Podmiot1>/, 'in Podmiot1 after the taxpayer')
    t.equal(xmllint('PKPIR', on.body), '', 'xmllint accepts JPK_PKPIR with Kasowy_PIT')

    t.equal(
      (await b.owner.post('/ustawienia/firma', COMPANY_FORM)).statusCode,
      303,
      'switched off again (an unticked box)'
    )
    t.notMatch((await b.owner.get('/ksiegowosc/jpk-roczny/plik?rok=2026')).body, 'Kasowy_PIT')
  }
)

t.test('Kasowy_PIT in JPK_EWP(4), XSD-valid', async (t) => {
  const file = (pitCashMethod: boolean) =>
    ewpXml({
      purpose: 1,
      generatedAt: '2027-01-20T09:00:00.000Z',
      year: 2026,
      pitCashMethod,
      taxpayer: {
        kind: 'fizyczna',
        nip: '5261040828',
        fullName: '',
        firstName: 'Jan',
        lastName: 'Kowalski',
        birthDate: '1980-05-01',
        email: 'biuro@example.pl',
        phone: '',
        taxOfficeCode: '1206'
      },
      rows: [
        {
          lp: 1,
          entryDate: '2026-03-10',
          revenueDate: '2026-03-10',
          documentNumber: 'FV 1/03/2026',
          ksefNumber: null,
          countryCode: null,
          taxId: null,
          amount: 100000,
          rate: '3',
          remarks: ''
        }
      ],
      revenueTotal: 100000
    })
  t.match(file(true), /<\/OsobaFizyczna>\s*<Kasowy_PIT>1<\/Kasowy_PIT>\s*<\/Podmiot1>/)
  t.equal(xmllint('EWP', file(true)), '', 'xmllint accepts JPK_EWP with Kasowy_PIT')
  t.notMatch(file(false), 'Kasowy_PIT')
  t.equal(xmllint('EWP', file(false)), '')
})
