import t from 'tap'
import { cancelDocument, issueManualDocument } from '../../src/sales/issuing.ts'
import { exemptionLimitBlocker, exemptionLimitState } from '../../src/ledger/exemption-limit.ts'
import { exemptSalesOfYear } from '../../src/ledger/ledger.queries.ts'
import { build } from '../helpers/app.ts'
import { insertShop, insertTransaction } from '../helpers/transaction-fixtures.ts'

type Built = Awaited<ReturnType<typeof build>>

const EXEMPT = {
  auto_book: 0,
  vat_status: 'zwolniony' as const,
  default_vat_rate: 'zw',
  vat_exemption_basis: 'Zwolnienie podmiotowe z VAT na podstawie art. 113 ust. 1 ustawy o VAT'
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

async function sell(
  b: Built,
  grosze: number,
  opts: { type?: 'faktura_bez_vat' | 'proforma_bez_vat' | 'paragon'; date?: string } = {}
) {
  const date = opts.date ?? '2026-11-16'
  return await issueManualDocument(
    b.db,
    {
      type: opts.type ?? 'faktura_bez_vat',
      contractorId: null,
      buyer: opts.type === 'paragon' ? null : buyer,
      issueDate: date,
      saleDate: date,
      dueDate: date,
      paymentMethod: 'przelew',
      paid: true,
      notes: '',
      lines: [{ name: 'Usługa', unit: 'szt.', quantityMilli: 1000, unitPriceGross: grosze, vatRate: 'zw' }],
      userId: 1
    },
    b.clock()
  )
}

t.test('the limit of art. 113 ust. 1: 240 000 zł, a warning from 80 %, a sale crossing it refused', async (t) => {
  t.match(exemptionLimitState('2026', 0), { percent: 0, level: 'ok', limitGrosze: 24_000_000 })
  t.match(
    exemptionLimitState('2026', 19_199_999),
    { percent: 79, level: 'ok' },
    '191 999,99 zł is 79,99 %: not yet a warning'
  )
  t.match(exemptionLimitState('2026', 19_200_000), { percent: 80, level: 'warning' }, '192 000,00 zł is 80 %')
  t.match(exemptionLimitState('2026', 23_999_999), { percent: 99, level: 'warning' })
  t.match(exemptionLimitState('2026', 24_000_000), { percent: 100, level: 'reached' })
  const nearly = exemptionLimitState('2026', 23_900_000)
  t.equal(exemptionLimitBlocker(nearly, 100_000), null, '239 000 + 1 000,00 = 240 000,00 zł does not exceed the limit')
  t.match(
    exemptionLimitBlocker(nearly, 100_001),
    /przekroczyłaby limit zwolnienia z VAT 240\s000,00\szł w 2026 r\. \(sprzedaż w roku: 239\s000,00\szł, ten dokument: 1\s000,01\szł\).*art\. 113 ust\. 5/
  )
  t.equal(exemptionLimitBlocker(nearly, -50_000), null, 'a correction down never crosses it')
})

t.test(
  "an exempt seller: the year's sales counted once, the dashboard warns, the crossing document is refused and nothing stored",
  async (t) => {
    const b = await build(t, { company: EXEMPT })
    // hand figures: 190 000,00 (invoice) + 1 500,00 (receipt) + 1 500,00 (its invoice: not again)
    //   + 500,00 (pro forma: not a sale) + 700,00 (cancelled) + 3 000,00 (in 2025: another year)
    //   = 191 500,00 zł in 2026 → 79 %
    t.ok((await sell(b, 19_000_000)).ok)
    const shop = await insertShop(b.db)
    const transaction = await insertTransaction(b.db, shop, {
      invoice: 'company',
      items: [{ name: 'Kubek', quantity: 1, price: '1500.00', taxRate: null }],
      deliveryCost: '0.00'
    })
    await b.owner.get('/przychody/dokumenty')
    for (const type of ['paragon', 'faktura_bez_vat']) {
      const issued = await b.owner.post('/przychody/dokumenty/wystaw', { transactionIds: [String(transaction)], type })
      t.match((await b.owner.get(String(issued.headers.location))).body, 'Wystawiono 1 z 1', type)
    }
    t.ok((await sell(b, 50_000, { type: 'proforma_bez_vat' })).ok)
    const cancelled = await sell(b, 70_000)
    if (!cancelled.ok) throw new Error(cancelled.problem)
    t.match(await cancelDocument(b.db, { documentId: cancelled.documentId, userId: 1 }, b.clock()), { ok: true })
    t.match(await sell(b, 300_000, { date: '2025-12-30' }), { ok: true })
    t.equal(await exemptSalesOfYear(b.db, '2026'), 19_150_000)
    t.equal(await exemptSalesOfYear(b.db, '2025'), 300_000)

    const ok = await b.owner.get('/')
    t.match(ok.body, /Sprzedaż w 2026 r\.: <strong>191\s500,00\szł<\/strong> z 240\s000,00\szł \(79%\)/)
    t.notMatch(ok.body, 'Wykorzystano ponad 80% limitu')

    t.ok((await sell(b, 50_000)).ok, '192 000,00 zł')
    t.match((await b.owner.get('/')).body, 'Wykorzystano ponad 80% limitu')

    const documentsBefore = await b.db.selectFrom('documents').select('id').execute()
    const crossing = await sell(b, 4_800_001)
    t.equal(crossing.ok, false)
    t.match(
      crossing.ok ? '' : crossing.problem,
      /przekroczyłaby limit zwolnienia z VAT 240\s000,00\szł w 2026 r\. \(sprzedaż w roku: 192\s000,00\szł, ten dokument: 48\s000,01\szł\)/
    )
    t.same(
      await b.db.selectFrom('documents').select('id').execute(),
      documentsBefore,
      'the refused document left nothing behind'
    )

    t.ok((await sell(b, 4_800_000)).ok, 'exactly 240 000,00 zł is still exempt')
    const reached = await b.owner.get('/')
    t.match(reached.body, /Sprzedaż w 2026 r\.: <strong>240\s000,00\szł<\/strong> z 240\s000,00\szł \(100%\)/)
    t.match(reached.body, 'Limit został osiągnięty')
    const after = await sell(b, 1)
    t.equal(after.ok, false, 'not a grosz more without VAT')
    t.ok((await sell(b, 100_000, { type: 'proforma_bez_vat' })).ok, 'a pro forma is no sale and stays possible')

    await b.owner.get('/przychody/dokumenty/nowy')
    const posted = await b.owner.post('/przychody/dokumenty/nowy', {
      type: 'faktura_bez_vat',
      buyerName: 'Pracownia Nowak',
      buyerNip: '1234563218',
      buyerStreet: 'ul. Polna 3',
      buyerPostalCode: '31-100',
      buyerCity: 'Kraków',
      issueDate: '2026-11-16',
      saleDate: '2026-11-16',
      dueDate: '2026-11-16',
      paymentMethod: 'gotowka',
      paid: 'on',
      lineName: ['Usługa'],
      lineUnit: ['szt.'],
      lineQuantity: ['1'],
      linePrice: ['10,00'],
      lineVatRate: ['zw']
    })
    t.equal(posted.statusCode, 422, 'the manual form refuses it too')
    t.match(posted.body, 'przekroczyłaby limit zwolnienia z VAT')
    t.match(posted.body, 'value="Pracownia Nowak"', 'with the values kept')
  }
)

t.test('a VAT payer sees no exemption limit', async (t) => {
  const b = await build(t)
  const page = await b.owner.get('/')
  t.equal(page.statusCode, 200)
  t.notMatch(page.body, 'Limit zwolnienia z VAT')
})
