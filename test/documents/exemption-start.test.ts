// Art. 113 ust. 9 and 13: the exemption limit of a business started during the year is
// proportional to its days of activity; goods excluded from the exemption cannot be sold without
// VAT by an exempt seller. Hand figures.
import t from 'tap'
import { issueManualDocument } from '../../src/sales/issuing.ts'
import { exemptionLimitFor, exemptionLimitState } from '../../src/ledger/exemption-limit.ts'
import { build, type Built } from '../helpers/app.ts'
import { insertShop, insertTransaction } from '../helpers/transaction-fixtures.ts'

const EXEMPT = {
  auto_book: 0,
  vat_status: 'zwolniony' as const,
  default_vat_rate: 'zw',
  vat_exemption_basis: 'Zwolnienie podmiotowe z VAT na podstawie art. 113 ust. 9 ustawy o VAT'
}
const COMPANY_FORM = {
  name: 'Sklep Testowy Sp. z o.o.',
  nip: '5261040828',
  street: 'ul. Prosta 1',
  postalCode: '00-001',
  city: 'Warszawa',
  bankAccount: '',
  email: '',
  phone: '',
  vatStatus: 'zwolniony',
  vatExemptionBasis: EXEMPT.vat_exemption_basis,
  defaultVatRate: 'zw',
  taxForm: 'kpir',
  ryczaltRate: '',
  package: 'ksiegowosc',
  taxOfficeCode: '',
  taxpayerKind: 'fizyczna',
  firstName: '',
  lastName: '',
  birthDate: '',
  vatPeriod: 'miesiac'
}
const buyer = {
  name: 'Pracownia Nowak',
  isCompany: true,
  nip: '1234563218',
  foreignTaxId: null,
  foreignTaxIdType: null,
  street: 'ul. Polna 3',
  postalCode: '31-100',
  city: 'Kraków',
  countryCode: 'PL',
  email: '',
  allegroBuyerId: null,
  allegroLogin: null
}

async function sell(b: Built, grosze: number, name = 'Usługa') {
  return await issueManualDocument(
    b.db,
    {
      type: 'faktura_bez_vat',
      contractorId: null,
      buyer,
      issueDate: '2026-11-16',
      saleDate: '2026-11-16',
      dueDate: '2026-11-16',
      paymentMethod: 'przelew',
      paid: true,
      notes: '',
      lines: [{ name, unit: 'szt.', quantityMilli: 1000, unitPriceGross: grosze, vatRate: 'zw' }],
      userId: 1
    },
    b.clock()
  )
}

t.test('art. 113 ust. 9: the limit in proportion to the days of activity', async (t) => {
  // 1 July – 31 December 2026: 31 + 31 + 30 + 31 + 30 + 31 = 184 days of 365;
  // 24 000 000 gr × 184 / 365 = 12 098 630,13… → 120 986,30 zł
  t.same(exemptionLimitFor('2026', '2026-07-01'), {
    limitGrosze: 12_098_630,
    proportional: { since: '2026-07-01', days: 184, daysInYear: 365 }
  })
  // a leap year: 1 March – 31 December 2028 = 306 of 366 days; 24 000 000 × 306 / 366 = 20 065 573,77… → 200 655,73 zł
  t.same(exemptionLimitFor('2028', '2028-03-01'), {
    limitGrosze: 20_065_573,
    proportional: { since: '2028-03-01', days: 306, daysInYear: 366 }
  })
  t.same(
    exemptionLimitFor('2026', '2026-12-31'),
    { limitGrosze: 65_753, proportional: { since: '2026-12-31', days: 1, daysInYear: 365 } },
    'one day: 24 000 000 / 365 = 65 753,42 → 657,53 zł'
  )
  t.same(
    exemptionLimitFor('2026', '2025-05-01'),
    { limitGrosze: 24_000_000, proportional: null },
    'started in an earlier year: the whole limit'
  )
  t.same(exemptionLimitFor('2026', null), { limitGrosze: 24_000_000, proportional: null })
  t.match(
    exemptionLimitState('2026', 9_678_903, '2026-07-01'),
    { percent: 79, level: 'ok' },
    '96 789,03 of 120 986,30 is 79,99 %'
  )
  t.match(exemptionLimitState('2026', 9_678_904, '2026-07-01'), { percent: 80, level: 'warning' }, '96 789,04 is 80 %')
})

t.test(
  'a business started on 1 July 2026: the start date on USTAWIENIA » Firma, the dashboard and the refusal use 120 986,30 zł',
  async (t) => {
    const b = await build(t, { company: EXEMPT })
    const settings = await b.owner.get('/ustawienia/firma')
    t.match(settings.body, 'name="activityStart"')
    const bad = await b.owner.post('/ustawienia/firma', { ...COMPANY_FORM, activityStart: '1.07.2026' })
    t.equal(bad.statusCode, 422)
    t.match(bad.body, 'Data w formacie RRRR-MM-DD.')
    t.equal(
      (await b.db.selectFrom('company').select('activity_start_date').executeTakeFirstOrThrow()).activity_start_date,
      null,
      'nothing saved'
    )
    await b.owner.get('/ustawienia/firma')
    t.equal((await b.owner.post('/ustawienia/firma', { ...COMPANY_FORM, activityStart: '2026-07-01' })).statusCode, 303)
    t.equal(
      (await b.db.selectFrom('company').select('activity_start_date').executeTakeFirstOrThrow()).activity_start_date,
      '2026-07-01'
    )
    t.match((await b.owner.get('/ustawienia/firma')).body, 'value="2026-07-01"')

    t.ok((await sell(b, 9_678_903)).ok)
    const before = await b.owner.get('/')
    t.match(before.body, /Sprzedaż w 2026 r\.: <strong>96\s789,03\szł<\/strong> z 120\s986,30\szł \(79%\)/)
    t.match(before.body, 'Limit proporcjonalny: działalność od 01.07.2026, 184 z 365 dni roku (art. 113 ust. 9).')
    t.notMatch(before.body, 'Wykorzystano ponad 80% limitu')
    t.ok((await sell(b, 1)).ok)
    t.match((await b.owner.get('/')).body, 'Wykorzystano ponad 80% limitu')

    // 120 986,30 − 96 789,04 = 24 197,26 left
    const crossing = await sell(b, 2_419_727)
    t.equal(crossing.ok, false)
    t.match(
      crossing.ok ? '' : crossing.problem,
      /przekroczyłaby limit zwolnienia z VAT 120\s986,30\szł \(proporcjonalnie do 184 z 365 dni działalności od 2026-07-01, art\. 113 ust\. 9\) w 2026 r\. \(sprzedaż w roku: 96\s789,04\szł, ten dokument: 24\s197,27\szł\)/
    )
    t.ok((await sell(b, 2_419_726)).ok, 'exactly the proportional limit is still exempt')
    t.match((await b.owner.get('/')).body, 'Limit został osiągnięty')
  }
)

t.test('art. 113 ust. 13: a product excluded from the exemption cannot be sold without VAT', async (t) => {
  const b = await build(t, { company: EXEMPT })
  const form = await b.owner.get('/przychody/produkty/nowy')
  t.match(form.body, 'name="exemptionExcluded"')
  const created = await b.owner.post('/przychody/produkty', {
    name: 'Perfumy Róża 50 ml',
    sku: 'PR-50',
    unit: 'szt.',
    vatRate: 'zw',
    priceBasis: 'brutto',
    price: '89,00',
    initialStock: '',
    gtu: '',
    exemptionExcluded: 'on'
  })
  t.equal(created.statusCode, 303)
  t.equal(
    (
      await b.db
        .selectFrom('products')
        .select('exemption_excluded')
        .where('sku', '=', 'PR-50')
        .executeTakeFirstOrThrow()
    ).exemption_excluded,
    1
  )

  const refused = await sell(b, 8900, 'Perfumy Róża 50 ml')
  t.equal(refused.ok, false)
  t.match(
    refused.ok ? '' : refused.problem,
    'pozycja „Perfumy Róża 50 ml” jest wyłączona ze zwolnienia podmiotowego z VAT (art. 113 ust. 13 ustawy o VAT) – sprzedawca zwolniony z VAT nie może ich sprzedać bez VAT'
  )
  t.equal((await b.db.selectFrom('documents').select('id').execute()).length, 0, 'nothing issued')

  // an Allegro order of it: the Wystaw result gives the reason
  const shop = await insertShop(b.db)
  const transaction = await insertTransaction(b.db, shop, {
    invoice: 'company',
    items: [{ name: 'Perfumy Róża 50 ml', quantity: 1, price: '89.00', taxRate: null }],
    deliveryCost: '0.00'
  })
  await b.owner.get('/przychody/dokumenty')
  const issued = await b.owner.post('/przychody/dokumenty/wystaw', {
    transactionIds: [String(transaction)],
    type: 'faktura_bez_vat'
  })
  const result = await b.owner.get(String(issued.headers.location))
  t.match(result.body, 'Wystawiono 0 z 1')
  t.match(result.body, 'art. 113 ust. 13 ustawy o VAT')
  t.equal((await b.db.selectFrom('documents').select('id').execute()).length, 0)

  // without the mark the same sale is exempt
  const product = await b.db.selectFrom('products').select('id').where('sku', '=', 'PR-50').executeTakeFirstOrThrow()
  const edited = await b.owner.post(`/przychody/produkty/${product.id}`, {
    name: 'Perfumy Róża 50 ml',
    sku: 'PR-50',
    unit: 'szt.',
    vatRate: 'zw',
    priceBasis: 'brutto',
    price: '89,00',
    gtu: ''
  })
  t.equal(edited.statusCode, 303)
  t.match(await sell(b, 8900, 'Perfumy Róża 50 ml'), { ok: true })
})
