// Corrections end to end through the pages: the figures stored (by hand), numbering, stock,
// ledger, successive corrections, cancelling, and concurrent requests.
import t from 'tap'
import { issueCorrection } from '../../src/sales/correction-issuing.ts'
import { invoiceState } from '../../src/corrections/corrections.queries.ts'
import { build } from '../helpers/app.ts'
import { assertValidFa3, value } from '../ksef/fa3-fixtures.ts'
import { insertProduct, stockOf } from '../helpers/document-fixtures.ts'
import { correct, documentRow, invoiceFor, ledgerOf, submitCorrection, vatTotalsOf } from './helpers.ts'

// The default order of the fixtures: "Klucz dynamometryczny 1/2" 40-210 Nm" 2 × 124,49 (23 %, SKU
// KD-12-210), "Smar miedziany 100 g" 1 × 10,00 (no tax rate: the company's 23 %), delivery 9,99
// (23 %). Invoice 268,97 gross; VAT 268,97 · 23 / 123 = 50,2952… → 50,30; net 218,67.

t.test('a returned item: KOR 1/11/2026 with the differences, goods back in stock, booked negative', async (t) => {
  const built = await build(t)
  const key = await insertProduct(built.db, { name: 'Klucz dynamometryczny', sku: 'KD-12-210', stockMilli: 10_000 })
  const { transactionId, invoiceId } = await invoiceFor(built, { invoice: 'company' })
  t.equal(await stockOf(built.db, key), 8000, 'the invoice sold 2')
  const invoice = await documentRow(built, invoiceId)
  t.match(invoice, { number: 'FV 1/11/2026', total_gross: 26897, total_vat: 5030, total_net: 21867 })

  const id = await correct(built.owner, invoiceId, { lines: { 1: { quantity: '1' } }, reason: 'Zwrot towaru' })
  const doc = await documentRow(built, id)
  // 1 of 2 × 124,49 back: gross −124,49; VAT 27,02 (144,48 left) − 50,30 = −23,28; net −101,21
  t.match(doc, {
    type: 'korekta',
    number: 'KOR 1/11/2026',
    period: '2026-11',
    seq: 1,
    status: 'issued',
    corrects_document_id: invoiceId,
    issue_date: '2026-11-16',
    sale_date: invoice.sale_date,
    currency: 'PLN',
    exchange_rate: null,
    total_gross: -12449,
    total_vat: -2328,
    total_net: -10121,
    total_vat_pln: -2328,
    seller_name: invoice.seller_name,
    seller_nip: invoice.seller_nip,
    buyer_name: invoice.buyer_name,
    buyer_nip: '6762468259',
    contractor_id: invoice.contractor_id,
    paid: 0,
    due_date: null,
    payment_method: invoice.payment_method
  })
  t.same(await vatTotalsOf(built, id), [{ vat_rate: '23', net: -10121, vat: -2328, gross: -12449 }])
  const lines = await built.db
    .selectFrom('document_lines')
    .select(['name', 'quantity_milli', 'unit_price_gross', 'gross', 'vat_rate'])
    .where('document_id', '=', id)
    .execute()
  t.same(
    lines,
    [
      {
        name: 'Klucz dynamometryczny 1/2" 40-210 Nm',
        quantity_milli: 1000,
        unit_price_gross: 12449,
        gross: 12449,
        vat_rate: '23'
      }
    ],
    'the corrected line as it stands after'
  )
  const before = await built.db
    .selectFrom('correction_lines')
    .select(['quantity_before_milli', 'unit_price_gross_before', 'gross_before'])
    .execute()
  t.same(
    before,
    [{ quantity_before_milli: 2000, unit_price_gross_before: 12449, gross_before: 24898 }],
    'and as it stood before'
  )

  t.equal(await stockOf(built.db, key), 9000, 'the returned piece is back')
  const movements = await built.db
    .selectFrom('stock_movements')
    .select(['kind', 'quantity_milli', 'document_id'])
    .where('product_id', '=', key)
    .orderBy('id')
    .execute()
  t.same(movements, [
    { kind: 'sprzedaz', quantity_milli: -2000, document_id: invoiceId },
    { kind: 'zwrot', quantity_milli: 1000, document_id: id }
  ])

  // KPiR col. 9: −101,21 (net); VAT register: net −101,21, VAT −23,28 at 23 %
  t.same(await ledgerOf(built, id), [
    {
      register: 'kpir',
      document_number: 'KOR 1/11/2026',
      month: '2026-11',
      revenue_sales: -10121,
      total_vat: 0,
      description: 'Korekta sprzedaży do FV 1/11/2026',
      rate: null,
      net: null,
      vat: null
    },
    {
      register: 'vat',
      document_number: 'KOR 1/11/2026',
      month: '2026-11',
      revenue_sales: -10121,
      total_vat: -2328,
      description: 'Korekta sprzedaży do FV 1/11/2026',
      rate: '23',
      net: -10121,
      vat: -2328
    }
  ])
  const link = await built.db
    .selectFrom('document_transactions')
    .select(['transaction_id', 'link_kind'])
    .where('document_id', '=', id)
    .execute()
  t.same(link, [{ transaction_id: transactionId, link_kind: 'issued' }], "belongs to the invoice's order")
  const kinds = await built.db
    .selectFrom('transaction_document_kinds')
    .select('kind')
    .where('transaction_id', '=', transactionId)
    .execute()
  t.same(kinds, [{ kind: 'faktura' }], 'a correction is not a second invoice of the order')
  const details = await built.owner.get(`/przychody/allegro/${transactionId}`)
  t.match(
    details.body,
    `href="/przychody/dokumenty/${id}?transakcja=${transactionId}"`,
    'listed on the transaction, its link leading back to it'
  )
})

t.test('a price change moves no stock; a refunded delivery; both booked to the grosz', async (t) => {
  const built = await build(t)
  const key = await insertProduct(built.db, { name: 'Klucz', sku: 'KD-12-210', stockMilli: 5000 })
  const { invoiceId } = await invoiceFor(built)
  const rebate = await correct(built.owner, invoiceId, {
    lines: { 1: { price: '119,49' } },
    reason: 'Rabat po sprzedaży'
  })
  // 5 zł off each of 2 keys: gross −10,00; VAT after 258,97 · 23 / 123 = 48,4253… → 48,43, 48,43 − 50,30 = −1,87; net
  // −8,13
  t.match(await documentRow(built, rebate), { total_gross: -1000, total_vat: -187, total_net: -813 })
  t.equal(await stockOf(built.db, key), 3000, 'a price change returns nothing')
  t.equal(
    (await built.db.selectFrom('stock_movements').select('id').where('document_id', '=', rebate).execute()).length,
    0
  )

  const delivery = await correct(built.owner, invoiceId, { refundDelivery: true, reason: 'Zwrot kosztów dostawy' })
  // before 258,97 (VAT 48,43 as stated so far: 50,30 − 1,87); after 248,98 · 23 / 123 = 46,5574… → 46,56; VAT −1,87,
  // net −8,12
  t.match(await documentRow(built, delivery), {
    number: 'KOR 2/11/2026',
    total_gross: -999,
    total_vat: -187,
    total_net: -812
  })
  const lines = await built.db
    .selectFrom('document_lines')
    .select(['kind', 'quantity_milli', 'unit_price_gross', 'gross'])
    .where('document_id', '=', delivery)
    .execute()
  t.same(lines, [{ kind: 'delivery', quantity_milli: 1000, unit_price_gross: 0, gross: 0 }])
  t.same(
    (await ledgerOf(built, delivery)).find((e) => e.register === 'vat'),
    {
      register: 'vat',
      document_number: 'KOR 2/11/2026',
      month: '2026-11',
      revenue_sales: -812,
      total_vat: -187,
      description: 'Korekta sprzedaży do FV 1/11/2026',
      rate: '23',
      net: -812,
      vat: -187
    }
  )
  // invoice + corrections: 268,97 − 10,00 − 9,99 = 248,98 with VAT 50,30 − 1,87 − 1,87 = 46,56, as an invoice for
  // 248,98 would state
  const state = await invoiceState(built.db, invoiceId)
  t.same(state.declared, [{ vatRate: '23', net: 20242, vat: 4656, gross: 24898 }])
})

t.test('full return to zero, then nothing is left to correct', async (t) => {
  const built = await build(t)
  const key = await insertProduct(built.db, { name: 'Klucz', sku: 'KD-12-210', stockMilli: 2000 })
  const { invoiceId } = await invoiceFor(built)
  t.equal(await stockOf(built.db, key), 0)
  const id = await correct(built.owner, invoiceId, { fullReturn: true, reason: 'Zwrot całości – korekta do zera' })
  t.match(await documentRow(built, id), { total_gross: -26897, total_vat: -5030, total_net: -21867 })
  const after = await built.db
    .selectFrom('document_lines')
    .select(['quantity_milli', 'gross'])
    .where('document_id', '=', id)
    .orderBy('position')
    .execute()
  t.same(after, [
    { quantity_milli: 0, gross: 0 },
    { quantity_milli: 0, gross: 0 },
    { quantity_milli: 0, gross: 0 }
  ])
  t.equal(await stockOf(built.db, key), 2000, 'both keys back; the grease has no product')
  t.same(
    (await ledgerOf(built, id)).map((e) => [e.register, e.revenue_sales, e.total_vat]),
    [
      ['kpir', -21867, 0],
      ['vat', -21867, -5030]
    ]
  )

  const again = await submitCorrection(built.owner, invoiceId, { fullReturn: true })
  t.equal(again.statusCode, 422)
  t.match(again.body, 'Nic się nie zmienia')
})

t.test("two successive corrections: the second starts from the first one's after", async (t) => {
  const built = await build(t)
  const key = await insertProduct(built.db, { name: 'Klucz', sku: 'KD-12-210', stockMilli: 2000 })
  const { invoiceId } = await invoiceFor(built)
  const first = await correct(built.owner, invoiceId, { lines: { 1: { quantity: '1' } } })
  const form = await built.owner.get(`/przychody/dokumenty/${invoiceId}/korekta`)
  t.match(form.body, 'Stan „przed korektą” uwzględnia dotychczasowe korekty')
  t.match(form.body, /name="quantity" value="1"/, 'one key left before the second correction')
  const second = await correct(built.owner, invoiceId, { lines: { 1: { quantity: '0' } } })
  // the other key: 144,48 → 19,99; VAT 27,02 → 19,99 · 23 / 123 = 3,7380… → 3,74: −23,28; net −101,21
  t.match(await documentRow(built, second), {
    number: 'KOR 2/11/2026',
    corrects_document_id: invoiceId,
    total_gross: -12449,
    total_vat: -2328,
    total_net: -10121
  })
  const chain = await built.db
    .selectFrom('corrections')
    .select(['document_id', 'original_document_id', 'follows_correction_id'])
    .orderBy('id')
    .execute()
  t.same(
    chain.map((c) => [c.document_id, c.original_document_id]),
    [
      [first, invoiceId],
      [second, invoiceId]
    ],
    'both point at the original invoice'
  )
  t.equal(
    chain[1].follows_correction_id,
    (await built.db.selectFrom('corrections').select('id').where('document_id', '=', first).executeTakeFirstOrThrow())
      .id
  )
  const before = await built.db
    .selectFrom('correction_lines as cl')
    .innerJoin('corrections as c', 'c.id', 'cl.correction_id')
    .select(['c.document_id', 'cl.quantity_before_milli', 'cl.gross_before'])
    .orderBy('cl.id')
    .execute()
  t.same(before, [
    { document_id: first, quantity_before_milli: 2000, gross_before: 24898 },
    { document_id: second, quantity_before_milli: 1000, gross_before: 12449 }
  ])
  t.equal(await stockOf(built.db, key), 2000, 'both keys back, one per correction')

  const invoicePage = await built.owner.get(`/przychody/dokumenty/${invoiceId}`)
  t.match(
    invoicePage.body,
    /<h2>Korekty<\/h2>[\s\S]*KOR 1\/11\/2026[\s\S]*KOR 2\/11\/2026/,
    'the invoice lists its corrections'
  )
  t.match(invoicePage.body, `href="/przychody/dokumenty/${invoiceId}/korekta">Wystaw korektę</a>`)
})

t.test('mixed rates: a difference per rate, in the VAT register per rate', async (t) => {
  const built = await build(t)
  const { invoiceId } = await invoiceFor(built, {
    items: [
      { name: 'Klucz', price: '124.49', quantity: 2, taxRate: '23.00' },
      { name: 'Kawa ziarnista 1 kg', price: '49.99', quantity: 1, taxRate: '8.00' }
    ],
    deliveryCost: '9.99'
  })
  const id = await correct(built.owner, invoiceId, {
    lines: { 1: { price: '119.49' }, 2: { quantity: '0' } },
    reason: 'Zwrot kawy i rabat'
  })
  // 23 %: gross −10,00; VAT 48,43 (258,97) → 46,56 (248,97 · 23 / 123 = 46,5555…): −1,87; net −8,13
  // 8 %: gross −49,99; VAT 3,70 (49,99 · 8 / 108 = 3,7029…) → 0: −3,70; net −46,29
  t.same(await vatTotalsOf(built, id), [
    { vat_rate: '23', net: -813, vat: -187, gross: -1000 },
    { vat_rate: '8', net: -4629, vat: -370, gross: -4999 }
  ])
  t.match(await documentRow(built, id), { total_gross: -5999, total_vat: -557, total_net: -5442 })
  const vat = (await ledgerOf(built, id)).filter((e) => e.register === 'vat').map((e) => [e.rate, e.net, e.vat])
  t.same(vat, [
    ['23', -813, -187],
    ['8', -4629, -370]
  ])
  t.same((await ledgerOf(built, id)).find((e) => e.register === 'kpir')?.revenue_sales, -5442, 'KPiR: −8,13 − 46,29')
})

t.test('a non-VAT seller corrects a faktura bez VAT: gross only, KPiR only', async (t) => {
  const built = await build(t, {
    company: { vat_status: 'zwolniony', default_vat_rate: 'zw', vat_exemption_basis: 'art. 113 ust. 1 ustawy o VAT' }
  })
  const { invoiceId } = await invoiceFor(built, {}, 'faktura_bez_vat')
  t.match(await documentRow(built, invoiceId), { number: 'F 1/11/2026', total_gross: 26897, vat_exempt: 1 })
  const id = await correct(built.owner, invoiceId, { lines: { 1: { quantity: '1' } } })
  t.match(await documentRow(built, id), {
    number: 'KOR 1/11/2026',
    vat_exempt: 1,
    vat_exemption_basis: 'art. 113 ust. 1 ustawy o VAT',
    total_gross: -12449,
    total_vat: 0,
    total_net: -12449
  })
  t.same(await vatTotalsOf(built, id), [{ vat_rate: 'zw', net: -12449, vat: 0, gross: -12449 }])
  t.same(
    (await ledgerOf(built, id)).map((e) => [e.register, e.revenue_sales]),
    [['kpir', -12449]],
    'gross into KPiR, no VAT register'
  )
})

t.test('numbering: its own monthly series, gap-free under concurrent requests; the pattern is editable', async (t) => {
  const built = await build(t)
  const invoices: number[] = []
  for (let i = 0; i < 6; i++) invoices.push((await invoiceFor(built)).invoiceId)
  const userId = 1
  const now = built.clock()
  const outcomes = await Promise.all(
    invoices.map((originalId) =>
      issueCorrection(
        built.db,
        {
          originalId,
          basedOnCorrectionId: null,
          issueDate: '2026-11-16',
          reason: 'Zwrot towaru',
          lines: new Map(),
          fullReturn: true,
          refundDelivery: false,
          userId
        },
        now
      )
    )
  )
  t.ok(outcomes.every((o) => o.ok))
  const numbers = await built.db
    .selectFrom('documents')
    .select(['number', 'seq'])
    .where('type', '=', 'korekta')
    .orderBy('seq')
    .execute()
  t.same(
    numbers.map((n) => n.number),
    ['KOR 1/11/2026', 'KOR 2/11/2026', 'KOR 3/11/2026', 'KOR 4/11/2026', 'KOR 5/11/2026', 'KOR 6/11/2026']
  )
  const invoicesNumbered = await built.db
    .selectFrom('documents')
    .select('number')
    .where('type', '=', 'faktura')
    .orderBy('seq')
    .execute()
  t.equal(invoicesNumbered.at(-1)?.number, 'FV 6/11/2026', 'invoices keep their own series')

  // one invoice, the same form sent five times at once (a double click, tabs): one correction
  const { invoiceId } = await invoiceFor(built)
  const same = await Promise.all(
    Array.from({ length: 5 }, () =>
      issueCorrection(
        built.db,
        {
          originalId: invoiceId,
          basedOnCorrectionId: null,
          issueDate: '2026-11-16',
          reason: 'Zwrot towaru',
          lines: new Map(),
          fullReturn: true,
          refundDelivery: false,
          userId
        },
        now
      )
    )
  )
  t.equal(same.filter((o) => o.ok).length, 1)
  t.ok(same.filter((o) => !o.ok).every((o) => !o.ok && o.stale))
  t.equal(
    (await built.db.selectFrom('corrections').select('id').where('original_document_id', '=', invoiceId).execute())
      .length,
    1
  )

  const page = await built.owner.get('/ustawienia/numeracja')
  t.match(page.body, 'value="KOR {n}/{mm}/{yyyy}"', 'Faktura korygująca on the numbering page')
  t.match(page.body, 'Faktura korygująca')
  const fields = {
    faktura: 'FV {n}/{mm}/{yyyy}',
    faktura_bez_vat: 'F {n}/{mm}/{yyyy}',
    proforma: 'PRO {n}/{mm}/{yyyy}',
    proforma_bez_vat: 'PF {n}/{mm}/{yyyy}',
    paragon: 'PAR {n}/{mm}/{yyyy}',
    inny_przychod: 'IPS {n}/{mm}/{yyyy}'
  }
  t.equal(
    (await built.owner.post('/ustawienia/numeracja', { ...fields, korekta: 'FK/{n}/{mm}/{yyyy}' })).statusCode,
    303
  )
  const next = await invoiceFor(built)
  const id = await correct(built.owner, next.invoiceId, { lines: { 2: { quantity: '0' } } })
  t.equal(
    (await documentRow(built, id)).number,
    'FK/8/11/2026',
    'the next correction takes the new pattern and goes on with the month'
  )
  const clash = await built.owner.post('/ustawienia/numeracja', { ...fields, korekta: 'FV {n}/{mm}/{yyyy}' })
  t.equal(clash.statusCode, 422)
  t.match(clash.body, 'Ten sam wzór ma już inny rodzaj dokumentu')
})

t.test(
  'cancelling: the latest correction first, the invoice only without corrections; stock and booking go back',
  async (t) => {
    const built = await build(t)
    const key = await insertProduct(built.db, { name: 'Klucz', sku: 'KD-12-210', stockMilli: 2000 })
    const { invoiceId } = await invoiceFor(built)
    const first = await correct(built.owner, invoiceId, { lines: { 1: { quantity: '1' } } })
    const second = await correct(built.owner, invoiceId, { lines: { 1: { quantity: '0' } } })
    t.equal(await stockOf(built.db, key), 2000)

    const invoicePage = await built.owner.get(`/przychody/dokumenty/${invoiceId}/anulowanie`)
    t.match(invoicePage.body, 'Faktura ma wystawione korekty (KOR 1/11/2026, KOR 2/11/2026)')
    await built.owner.post(`/przychody/dokumenty/${invoiceId}/anulowanie`)
    t.equal((await documentRow(built, invoiceId)).status, 'issued', 'an invoice with corrections stays')

    const firstPage = await built.owner.get(`/przychody/dokumenty/${first}/anulowanie`)
    t.match(firstPage.body, 'Po tej korekcie wystawiono kolejną (KOR 2/11/2026)')
    await built.owner.post(`/przychody/dokumenty/${first}/anulowanie`)
    t.equal((await documentRow(built, first)).status, 'issued')

    // the latest one: booked automatically, so it is unbooked first (the ledger's rule for every document)
    await built.owner.post(`/przychody/dokumenty/${second}/anulowanie`)
    t.equal((await documentRow(built, second)).status, 'issued', 'booked: not cancelled yet')
    await built.owner.get(`/ksiegowosc/dokumenty/${second}`)
    t.equal((await built.owner.post(`/ksiegowosc/dokumenty/${second}/odksiegowanie`)).statusCode, 303)
    const cancelled = await built.owner.post(`/przychody/dokumenty/${second}/anulowanie`)
    t.equal(cancelled.statusCode, 303)
    t.equal((await documentRow(built, second)).status, 'cancelled')
    t.equal(await stockOf(built.db, key), 1000, 'its returned key goes back out')
    t.same(await ledgerOf(built, second), [], 'no entries')

    // the next correction starts from the first one's after again
    const form = await built.owner.get(`/przychody/dokumenty/${invoiceId}/korekta`)
    t.match(form.body, /name="quantity" value="1"/)
    const third = await correct(built.owner, invoiceId, { lines: { 1: { quantity: '0' } } })
    t.equal((await documentRow(built, third)).number, 'KOR 3/11/2026', 'the cancelled number stays used')
    t.equal(await stockOf(built.db, key), 2000)
  }
)

t.test("a correction in another currency keeps the invoice's exchange rate (art. 31a ust. 2a)", async (t) => {
  const built = await build(t)
  const { invoiceId } = await invoiceFor(built)
  // the invoice as issued for a CZK order at NBP 0,1735 (issuing CZK is the NBP tests' business)
  await built.db
    .updateTable('documents')
    .set({
      currency: 'CZK',
      exchange_rate: '0.1735',
      exchange_rate_table: '221/A/NBP/2026',
      exchange_rate_date: '2026-11-13',
      total_vat_pln: 873
    })
    .where('id', '=', invoiceId)
    .execute()
  const id = await correct(built.owner, invoiceId, { lines: { 1: { quantity: '1' } } })
  // VAT −23,28 CZK · 0,1735 = −4,03908 → −4,04 PLN
  t.match(await documentRow(built, id), {
    currency: 'CZK',
    exchange_rate: '0.1735',
    exchange_rate_table: '221/A/NBP/2026',
    exchange_rate_date: '2026-11-13',
    total_gross: -12449,
    total_vat: -2328,
    total_vat_pln: -404
  })
  const page = await built.owner.get(`/przychody/dokumenty/${id}`)
  t.match(page.body, 'Do zwrotu: 124,49')
  t.match(page.body, '1 CZK = 0,1735 PLN')
})

t.test(
  'an invoice typed by hand: a partial return of goods sold in metres, with the product back in stock',
  async (t) => {
    const built = await build(t)
    const cable = await insertProduct(built.db, { name: 'Kabel 3×1,5', unit: 'm', stockMilli: 100_000 })
    await built.owner.get('/przychody/dokumenty/nowy')
    const issued = await built.owner.post('/przychody/dokumenty/nowy', {
      type: 'faktura',
      contractorId: '',
      buyerName: 'Pracownia Łucka',
      buyerNip: '526-104-08-28',
      buyerStreet: 'ul. Ogrodowa 3',
      buyerPostalCode: '31-100',
      buyerCity: 'Kraków',
      buyerCountryCode: 'PL',
      issueDate: '2026-11-16',
      saleDate: '2026-11-14',
      dueDate: '2026-11-30',
      paymentMethod: 'przelew',
      notes: '',
      lineName: ['Kabel 3×1,5'],
      lineQuantity: ['12,5'],
      lineUnit: ['m'],
      linePrice: ['3,33'],
      lineVatRate: ['8'],
      action: 'issue'
    })
    const invoiceId = Number(/(\d+)$/.exec(String(issued.headers.location))?.[1])
    t.equal(await stockOf(built.db, cable), 87_500)
    // 12,5 m × 3,33 = 41,625 → 41,63 (half up); VAT 41,63 · 8 / 108 = 3,0837… → 3,08
    t.match(await documentRow(built, invoiceId), { total_gross: 4163, total_vat: 308 })
    const id = await correct(built.owner, invoiceId, { lines: { 1: { quantity: '10,25' } } })
    // after 10,25 m × 3,33 = 34,1325 → 34,13: gross −7,50; VAT 34,13 · 8 / 108 = 2,5281… → 2,53, 2,53 − 3,08 = −0,55;
    // net −6,95
    t.match(await documentRow(built, id), { total_gross: -750, total_vat: -55, total_net: -695, due_date: null })
    t.equal(await stockOf(built.db, cable), 89_750, '2,25 m back')
    t.same(
      await built.db
        .selectFrom('document_transactions')
        .select('transaction_id')
        .where('document_id', '=', id)
        .execute(),
      [],
      'no order to belong to'
    )
    const list = await built.owner.get('/przychody/dokumenty?typ=korekta')
    t.match(list.body, 'KOR 1/11/2026')
    t.match(list.body, '-7,50')
  }
)

t.test('a correction that raises the price is due like an invoice', async (t) => {
  const built = await build(t)
  const { invoiceId } = await invoiceFor(built)
  // a wrong price is a cause that existed at the sale: settled in the invoice's period (art. 29a ust. 17)
  const id = await correct(built.owner, invoiceId, {
    lines: { 2: { price: '12,00' } },
    reason: 'Błędna cena',
    settlement: 'pierwotny'
  })
  // gross +2,00; VAT 270,97 · 23 / 123 = 50,6699… → 50,67, 50,67 − 50,30 = +0,37; net +1,63
  t.match(await documentRow(built, id), {
    total_gross: 200,
    total_vat: 37,
    total_net: 163,
    paid: 0,
    due_date: '2026-11-23'
  })
  const page = await built.owner.get(`/przychody/dokumenty/${id}`)
  t.match(page.body, 'Do zapłaty: 2,00')
  t.match(page.body, 'Termin płatności')
  const xml = (await built.owner.get(`/przychody/dokumenty/${id}/ksef.xml`)).body
  assertValidFa3(t, xml)
  t.equal(value(xml, 'P_15'), '2.00')
  t.equal(value(xml, 'Termin'), '2026-11-23', 'FA(3) Platnosc with the due date')
  t.equal(value(xml, 'TypKorekty'), '1')
})
