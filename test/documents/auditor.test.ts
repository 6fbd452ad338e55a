// Issue 14: documents a tax auditor would accept. Each test has hand-computed figures and checks
// the PDF text, the FA(3) XML (official XSD) and, where the rule touches it, the stored rows.
import t from 'tap'
import { extractText } from 'unpdf'
import { build, type Built } from '../helpers/app.ts'
import { insertShop, insertTransaction, type OrderSpec } from '../helpers/transaction-fixtures.ts'
import { assertValidFa3, value, values } from '../ksef/fa3-fixtures.ts'
import { MANUAL_INVOICE_BUYER } from '../helpers/document-fixtures.ts'

async function issue(built: Built, spec: OrderSpec, type = 'faktura'): Promise<number> {
  const shop =
    (await built.db.selectFrom('allegro_shops').select('id').executeTakeFirst())?.id ?? (await insertShop(built.db))
  const transactionId = await insertTransaction(built.db, shop, spec)
  await built.owner.get('/przychody/dokumenty')
  await built.owner.post('/przychody/dokumenty/wystaw', { transactionIds: [String(transactionId)], type })
  const link = await built.db
    .selectFrom('document_transactions')
    .select('document_id')
    .where('transaction_id', '=', transactionId)
    .executeTakeFirstOrThrow()
  return link.document_id
}

async function pdfText(built: Built, id: number): Promise<string> {
  const pdf = await built.owner.get(`/przychody/dokumenty/${id}/pdf`)
  const { text } = await extractText(new Uint8Array(pdf.rawPayload), { mergePages: true })
  return text.replace(/\s+/g, ' ')
}

t.test('the payment date on the PDF and the page is the day in Warsaw, as in the XML', async (t) => {
  const built = await build(t)
  // paid 06.11 23:30 UTC = 07.11 00:30 in Warsaw (CET, UTC+1)
  const id = await issue(built, {
    invoice: 'company',
    boughtAt: '2026-11-06T20:00:00.000Z',
    paidAt: '2026-11-06T23:30:00.000Z'
  })
  const doc = await built.db
    .selectFrom('documents')
    .select(['paid', 'paid_at', 'sale_date'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow()
  t.same(doc, { paid: 1, paid_at: '2026-11-06T23:30:00.000Z', sale_date: '2026-11-07' })
  const text = await pdfText(built, id)
  t.ok(text.includes('Zapłacono: 07.11.2026'), 'PDF: Zapłacono 07.11.2026')
  t.notOk(text.includes('06.11.2026'), 'no UTC day anywhere on the PDF')
  const page = await built.owner.get(`/przychody/dokumenty/${id}`)
  t.match(page.body, /<dt>Zapłacono<\/dt><dd>07\.11\.2026<\/dd>/)
  const xml = (await built.owner.get(`/przychody/dokumenty/${id}/ksef.xml`)).body
  assertValidFa3(t, xml)
  t.equal(value(xml, 'DataZaplaty'), '2026-11-07')
})

t.test('one set of figures: gross lines and a per-rate summary that add up to the grosz', async (t) => {
  const built = await build(t)
  // 3 × 9,99 at 23 %, VAT from the gross sum (art. 106e ust. 7–8):
  // 29,97 × 23/123 = 5,6041… → VAT 5,60, net 24,37. Per line it would be 9,99 × 23/123 = 1,868 →
  // 1,87 and net 8,12, i.e. 3 × 1,87 = 5,61 ≠ 5,60: per-line VAT and net must not be printed.
  const id = await issue(built, {
    invoice: 'company',
    items: [
      { name: 'Opaska zaciskowa A', price: '9.99', taxRate: '23.00' },
      { name: 'Opaska zaciskowa B', price: '9.99', taxRate: '23.00' },
      { name: 'Opaska zaciskowa C', price: '9.99', taxRate: '23.00' }
    ],
    deliveryCost: '0.00'
  })
  const totals = await built.db
    .selectFrom('document_vat_totals')
    .select(['vat_rate', 'net', 'vat', 'gross'])
    .where('document_id', '=', id)
    .execute()
  t.same(totals, [{ vat_rate: '23', net: 2437, vat: 560, gross: 2997 }])
  const text = await pdfText(built, id)
  for (const expected of ['Wartość brutto', '9,99', '24,37', '5,60', '29,97'])
    t.ok(text.includes(expected), `PDF has ${expected}`)
  t.notOk(text.includes('1,87'), 'no per-line VAT')
  t.notOk(text.includes('8,12'), 'no per-line net')
  const page = await built.owner.get(`/przychody/dokumenty/${id}`)
  t.notMatch(page.body, '1,87')
  t.notMatch(page.body, '8,12')
  const xml = (await built.owner.get(`/przychody/dokumenty/${id}/ksef.xml`)).body
  assertValidFa3(t, xml)
  t.same(values(xml, 'P_11A'), ['9.99', '9.99', '9.99'])
  t.equal(value(xml, 'P_13_1'), '24.37')
  t.equal(value(xml, 'P_14_1'), '5.60')
  t.equal(value(xml, 'P_15'), '29.97')
})

const MANUAL = {
  ...MANUAL_INVOICE_BUYER,
  issueDate: '2026-11-16',
  saleDate: '2026-11-16',
  dueDate: '2026-11-30',
  paymentMethod: 'przelew',
  notes: '',
  lineName: ['Szkolenie BHP (usługa kształcenia)', 'Kask ochronny'],
  lineQuantity: ['1', '1'],
  lineUnit: ['usł.', 'szt.'],
  linePrice: ['100,00', '123,00'],
  lineVatRate: ['zw', '23'],
  action: 'issue'
}

t.test(
  "a VAT payer's exempt line: refused without the legal basis, carried on the PDF and in FA(3) with it",
  async (t) => {
    const built = await build(t)
    const { owner, db } = built
    const form = await owner.get('/przychody/dokumenty/nowy')
    t.match(form.body, 'name="exemptionBasis"')

    const refused = await owner.post('/przychody/dokumenty/nowy', MANUAL)
    t.equal(refused.statusCode, 422)
    t.match(refused.body, 'Pozycja ze stawką „zw” wymaga podstawy prawnej zwolnienia')
    t.match(refused.body, 'value="Szkolenie BHP (usługa kształcenia)"', 'values kept')
    t.equal((await db.selectFrom('documents').select('id').execute()).length, 0, 'nothing issued')

    await owner.get('/przychody/dokumenty/nowy')
    const issued = await owner.post('/przychody/dokumenty/nowy', {
      ...MANUAL,
      exemptionBasis: 'art. 43 ust. 1 pkt 29 lit. c ustawy o VAT',
      exemptionBasisKind: 'ustawa'
    })
    t.equal(issued.statusCode, 303)
    const doc = await db.selectFrom('documents').selectAll().executeTakeFirstOrThrow()
    // 100,00 zw + 123,00 at 23 % (VAT 123 × 23/123 = 23,00): net 200,00, VAT 23,00, gross 223,00
    t.match(doc, {
      vat_exempt: 0,
      vat_exemption_basis: 'art. 43 ust. 1 pkt 29 lit. c ustawy o VAT',
      vat_exemption_basis_kind: 'ustawa',
      total_net: 20000,
      total_vat: 2300,
      total_gross: 22300
    })
    const text = await pdfText(built, doc.id)
    t.ok(text.includes('Podstawa zwolnienia z VAT: art. 43 ust. 1 pkt 29 lit. c ustawy o VAT'), 'PDF names the basis')
    t.ok(text.includes('zw.'), 'the exempt line says zw.')
    const page = await owner.get(`/przychody/dokumenty/${doc.id}`)
    t.match(page.body, '<dt>Podstawa zwolnienia z VAT</dt><dd>art. 43 ust. 1 pkt 29 lit. c ustawy o VAT</dd>')
    const xml = (await owner.get(`/przychody/dokumenty/${doc.id}/ksef.xml`)).body
    assertValidFa3(t, xml)
    t.equal(value(xml, 'P_19'), '1')
    t.equal(value(xml, 'P_19A'), 'art. 43 ust. 1 pkt 29 lit. c ustawy o VAT')
    t.equal(value(xml, 'P_13_1'), '100.00')
    t.equal(value(xml, 'P_14_1'), '23.00')
    t.equal(value(xml, 'P_13_7'), '100.00')
    t.equal(value(xml, 'P_15'), '223.00')
    t.same(values(xml, 'P_12'), ['zw', '23'])

    // a provision of the directive goes to P_19B
    await owner.get('/przychody/dokumenty/nowy')
    await owner.post('/przychody/dokumenty/nowy', {
      ...MANUAL,
      exemptionBasis: 'art. 132 ust. 1 lit. i',
      exemptionBasisKind: 'dyrektywa'
    })
    const second = await db.selectFrom('documents').select('id').orderBy('id', 'desc').executeTakeFirstOrThrow()
    const xml2 = (await owner.get(`/przychody/dokumenty/${second.id}/ksef.xml`)).body
    assertValidFa3(t, xml2)
    t.equal(value(xml2, 'P_19B'), 'art. 132 ust. 1 lit. i')
    t.equal(value(xml2, 'P_19A'), undefined)
    t.ok(
      (await pdfText(built, second.id)).includes(
        'Podstawa zwolnienia z VAT: art. 132 ust. 1 lit. i dyrektywy 2006/112/WE'
      )
    )
  }
)

t.test('an Allegro order of a VAT payer whose line falls to zw is refused with the reason', async (t) => {
  const built = await build(t, { company: { default_vat_rate: 'zw' } })
  const shop = await insertShop(built.db)
  const transactionId = await insertTransaction(built.db, shop, {
    invoice: 'company',
    items: [{ name: 'Kurs online', price: '100.00', taxRate: null }],
    deliveryCost: '0.00'
  })
  await built.owner.get('/przychody/dokumenty')
  const response = await built.owner.post('/przychody/dokumenty/wystaw', {
    transactionIds: [String(transactionId)],
    type: 'faktura'
  })
  const result = await built.owner.get(String(response.headers.location))
  t.match(result.body, 'Wystawiono 0 z 1')
  t.match(result.body, 'wymaga podstawy prawnej zwolnienia z VAT')
  t.equal((await built.db.selectFrom('documents').select('id').execute()).length, 0)
})

t.test(
  'split payment (MPP): annex 15 goods to a business over 15 000 zł; product form and FA(3) line marks',
  async (t) => {
    const built = await build(t)
    const { owner, db } = built
    const form = await owner.get('/przychody/produkty/nowy')
    t.match(form.body, 'name="annex15"')
    t.match(form.body, '<option value="GTU_06">GTU_06')
    const bad = await owner.post('/przychody/produkty', {
      name: 'Smartfon X1',
      sku: '',
      unit: 'szt.',
      vatRate: '23',
      price: '100,00',
      priceBasis: 'brutto',
      annex15: 'on',
      gtu: 'GTU_99'
    })
    t.equal(bad.statusCode, 422)
    t.match(bad.body, 'Wybierz kod GTU z listy')
    await owner.get('/przychody/produkty/nowy')
    const created = await owner.post('/przychody/produkty', {
      name: 'Smartfon X1',
      sku: '',
      unit: 'szt.',
      vatRate: '23',
      price: '100,00',
      priceBasis: 'brutto',
      annex15: 'on',
      gtu: 'GTU_06'
    })
    t.equal(created.statusCode, 303)
    t.match(await db.selectFrom('products').select(['annex15', 'gtu']).executeTakeFirstOrThrow(), {
      annex15: 1,
      gtu: 'GTU_06'
    })
    await owner.get('/przychody/produkty/nowy')
    await owner.post('/przychody/produkty', {
      name: 'Etui skórzane',
      sku: '',
      unit: 'szt.',
      vatRate: '23',
      price: '100,00',
      priceBasis: 'brutto',
      gtu: ''
    })

    // the threshold is "przekracza 15 000 zł" (art. 108a ust. 1a): 15 000,00 is not over it.
    // VAT 23 % from gross: 15 000,01 × 23/123 = 2 804,878… → 2 804,88, net 12 195,13;
    // 15 000,00 → VAT 2 804,88, net 12 195,12; 14 999,99 → VAT 2 804,88, net 12 195,11.
    const cases = [
      { price: '15000.01', invoice: 'company', mpp: true, net: '12195.13' },
      { price: '15000.00', invoice: 'company', mpp: false, net: '12195.12' },
      { price: '14999.99', invoice: 'company', mpp: false, net: '12195.11' },
      { price: '15000.01', invoice: 'person', mpp: false, net: '12195.13' }
    ] as const
    for (const c of cases) {
      const id = await issue(built, {
        invoice: c.invoice,
        items: [{ name: 'Smartfon X1', price: c.price, taxRate: '23.00' }],
        deliveryCost: '0.00'
      })
      const doc = await db
        .selectFrom('documents')
        .select(['split_payment', 'total_vat', 'total_gross'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow()
      const label = `${c.price} ${c.invoice}`
      t.same(
        doc,
        { split_payment: c.mpp ? 1 : 0, total_vat: 280488, total_gross: Math.round(Number(c.price) * 100) },
        label
      )
      const line = await db
        .selectFrom('document_lines')
        .select(['annex15', 'gtu'])
        .where('document_id', '=', id)
        .executeTakeFirstOrThrow()
      t.same(line, { annex15: 1, gtu: 'GTU_06' }, `${label}: the line keeps the product's marks`)
      const text = await pdfText(built, id)
      t.equal(text.includes('mechanizm podzielonej płatności'), c.mpp, `${label}: PDF notation`)
      const page = await owner.get(`/przychody/dokumenty/${id}`)
      t.equal(page.body.includes('mechanizm podzielonej płatności'), c.mpp, `${label}: page notation`)
      const xml = (await owner.get(`/przychody/dokumenty/${id}/ksef.xml`)).body
      assertValidFa3(t, xml)
      t.equal(value(xml, 'P_18A'), c.mpp ? '1' : '2', `${label}: P_18A`)
      t.equal(value(xml, 'P_12_Zal_15'), '1')
      t.equal(value(xml, 'GTU'), 'GTU_06')
      t.equal(value(xml, 'P_13_1'), c.net)
      t.equal(value(xml, 'P_14_1'), '2804.88')
    }

    // a line of a product without marks carries none
    const plain = await issue(built, {
      invoice: 'company',
      items: [{ name: 'Etui skórzane', price: '15000.01', taxRate: '23.00' }],
      deliveryCost: '0.00'
    })
    t.equal(
      (await db.selectFrom('documents').select('split_payment').where('id', '=', plain).executeTakeFirstOrThrow())
        .split_payment,
      0
    )
    const xml = (await owner.get(`/przychody/dokumenty/${plain}/ksef.xml`)).body
    assertValidFa3(t, xml)
    t.equal(value(xml, 'P_12_Zal_15'), undefined)
    t.equal(value(xml, 'GTU'), undefined)
    t.equal(value(xml, 'P_18A'), '2')
  }
)

t.test('a pro forma is not paid, never booked, and its invoice is issued from it', async (t) => {
  const built = await build(t)
  const { owner, db } = built
  // a paid Allegro order: 2 × 124,49 + 10,00 + 9,99 = 268,97
  const id = await issue(built, { invoice: 'company' }, 'proforma')
  const stored = await db
    .selectFrom('documents')
    .select(['number', 'paid', 'paid_at'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow()
  t.same(stored, { number: 'PRO 1/11/2026', paid: 0, paid_at: null })
  const text = await pdfText(built, id)
  t.ok(text.includes('Razem do zapłaty: 268,97 zł'), 'the full amount is due')
  t.notOk(text.includes('Zapłacono'), 'no payment on a pro forma')
  t.notOk(text.includes('zapłacono'))
  const list = await owner.get('/przychody/dokumenty')
  t.notMatch(list.body, 'badge ok">zapłacony')
  t.equal((await db.selectFrom('ledger_entries').select('id').execute()).length, 0, 'never booked')

  const page = await owner.get(`/przychody/dokumenty/${id}`)
  t.match(page.body, `action="/przychody/dokumenty/${id}/faktura-z-proformy"`)
  const made = await owner.post(`/przychody/dokumenty/${id}/faktura-z-proformy`, {})
  t.equal(made.statusCode, 303)
  const invoice = await db.selectFrom('documents').selectAll().where('type', '=', 'faktura').executeTakeFirstOrThrow()
  t.equal(made.headers.location, `/przychody/dokumenty/${invoice.id}`)
  t.match(invoice, { number: 'FV 1/11/2026', total_gross: 26897, total_vat: 5030, paid: 1 })
  t.match((await owner.get(String(made.headers.location))).body, 'Wystawiono fakturę FV 1/11/2026 do pro formy.')
  await owner.get(`/przychody/dokumenty/${id}`)
  await owner.post(`/przychody/dokumenty/${id}/faktura-z-proformy`, {})
  t.match(
    (await owner.get(`/przychody/dokumenty/${id}`)).body,
    'Do tego zamówienia wystawiono już fakturę FV 1/11/2026.'
  )
  t.equal(
    (await db.selectFrom('documents').select('id').where('type', '=', 'faktura').execute()).length,
    1,
    'one invoice only'
  )
})

t.test('a pro forma by hand: the invoice copies its buyer and lines, once', async (t) => {
  const built = await build(t)
  const { owner, db } = built
  await owner.get('/przychody/dokumenty/nowy')
  // paid ticked on a pro forma is ignored: 1 × 123,00 at 23 % → net 100,00, VAT 23,00
  const created = await owner.post('/przychody/dokumenty/nowy', {
    ...MANUAL,
    type: 'proforma',
    paid: 'on',
    lineName: ['Kask ochronny'],
    lineQuantity: ['1'],
    lineUnit: ['szt.'],
    linePrice: ['123,00'],
    lineVatRate: ['23']
  })
  t.equal(created.statusCode, 303)
  const proforma = await db.selectFrom('documents').selectAll().executeTakeFirstOrThrow()
  t.match(proforma, { type: 'proforma', paid: 0, total_gross: 12300 })
  await owner.get(`/przychody/dokumenty/${proforma.id}`)
  await owner.post(`/przychody/dokumenty/${proforma.id}/faktura-z-proformy`, {})
  const invoice = await db.selectFrom('documents').selectAll().where('type', '=', 'faktura').executeTakeFirstOrThrow()
  t.match(invoice, {
    number: 'FV 1/11/2026',
    proforma_document_id: proforma.id,
    buyer_nip: '6762468259',
    buyer_name: 'Warsztat Nowak s.c.',
    total_net: 10000,
    total_vat: 2300,
    total_gross: 12300,
    issue_date: '2026-11-16',
    sale_date: '2026-11-16',
    paid: 0,
    notes: 'Do pro formy PRO 1/11/2026.'
  })
  const lines = await db
    .selectFrom('document_lines')
    .select(['name', 'quantity_milli', 'unit_price_gross', 'vat_rate'])
    .where('document_id', '=', invoice.id)
    .execute()
  t.same(lines, [{ name: 'Kask ochronny', quantity_milli: 1000, unit_price_gross: 12300, vat_rate: '23' }])
  await owner.get(`/przychody/dokumenty/${proforma.id}`)
  await owner.post(`/przychody/dokumenty/${proforma.id}/faktura-z-proformy`, {})
  t.match(
    (await owner.get(`/przychody/dokumenty/${proforma.id}`)).body,
    'Do pro formy PRO 1/11/2026 wystawiono już fakturę FV 1/11/2026.'
  )
  t.equal((await db.selectFrom('documents').select('id').where('type', '=', 'faktura').execute()).length, 1)
  t.equal(
    (await owner.post(`/przychody/dokumenty/${invoice.id}/faktura-z-proformy`, {}, { csrf: null })).statusCode,
    403,
    'CSRF required'
  )
})

t.test('a backdated issue date asks for confirmation and says what it means', async (t) => {
  const built = await build(t)
  const { owner, db } = built
  await owner.get('/przychody/dokumenty/nowy')
  const body = {
    ...MANUAL,
    issueDate: '2026-11-12',
    saleDate: '2026-11-12',
    lineName: ['Kask ochronny'],
    lineQuantity: ['1'],
    lineUnit: ['szt.'],
    linePrice: ['123,00'],
    lineVatRate: ['23']
  }
  const asked = await owner.post('/przychody/dokumenty/nowy', body)
  t.equal(asked.statusCode, 422)
  t.match(asked.body, 'trafi do KSeF jako wystawiona offline')
  t.match(asked.body, 'art. 106i')
  t.match(asked.body, 'name="confirmPastDate"')
  t.match(asked.body, 'value="2026-11-12"', 'the date is kept')
  t.equal((await db.selectFrom('documents').select('id').execute()).length, 0)
  await owner.get('/przychody/dokumenty/nowy')
  const issued = await owner.post('/przychody/dokumenty/nowy', { ...body, confirmPastDate: 'on' })
  t.equal(issued.statusCode, 303)
  t.match(await db.selectFrom('documents').select(['number', 'issue_date']).executeTakeFirstOrThrow(), {
    number: 'FV 1/11/2026',
    issue_date: '2026-11-12'
  })
})

t.test(
  'issuing into a month closed in the ledger is refused with the reason; into a month with a filed JPK_V7 it is issued with a correction warning',
  async (t) => {
    const built = await build(t)
    const { owner, db } = built
    await db
      .insertInto('ledger_closed_months')
      .values({ month: '2026-10', closed_at: '2026-11-05T10:00:00.000Z', closed_by: null })
      .execute()
    const octoberSale = {
      ...MANUAL,
      issueDate: '2026-11-16',
      saleDate: '2026-10-30',
      lineName: ['Kask ochronny'],
      lineQuantity: ['1'],
      lineUnit: ['szt.'],
      linePrice: ['123,00'],
      lineVatRate: ['23']
    }
    await owner.get('/przychody/dokumenty/nowy')
    const closed = await owner.post('/przychody/dokumenty/nowy', octoberSale)
    t.equal(closed.statusCode, 422)
    t.match(closed.body, 'miesiąc październik 2026 jest zamknięty w księgowości')
    t.equal((await db.selectFrom('documents').select('id').execute()).length, 0)

    await db.deleteFrom('ledger_closed_months').execute()
    await db
      .insertInto('jpk_filings')
      .values({
        kind: 'V7M',
        period: '2026-10',
        purpose: 1,
        xml: Buffer.from('<JPK/>'),
        xml_sha256: 'x'.repeat(64),
        filed_at: '2026-11-10T10:00:00.000Z'
      } as never)
      .execute()
    await owner.get('/przychody/dokumenty/nowy')
    // a filed JPK_V7 does not block: the sale is issued and the filed return needs a correction
    // (art. 81 Ordynacji podatkowej), said on the document's page (test/jpk/filed-month-issue.test.ts)
    const filed = await owner.post('/przychody/dokumenty/nowy', octoberSale)
    t.equal(filed.statusCode, 303)
    t.match(
      (await owner.get(filed.headers.location as string)).body,
      'Deklaracja za 10/2026 została złożona — ten dokument wymaga korekty JPK_V7 (art. 81 Ordynacji podatkowej)'
    )

    // a November sale is not affected, and a pro forma is never blocked
    await owner.get('/przychody/dokumenty/nowy')
    t.equal((await owner.post('/przychody/dokumenty/nowy', { ...octoberSale, saleDate: '2026-11-16' })).statusCode, 303)
    await owner.get('/przychody/dokumenty/nowy')
    t.equal((await owner.post('/przychody/dokumenty/nowy', { ...octoberSale, type: 'proforma' })).statusCode, 303)
  }
)

t.test('metoda kasowa: a company setting; its invoices say so on the PDF and carry P_16=1', async (t) => {
  const built = await build(t)
  const { owner, db } = built
  const settings = await owner.get('/ustawienia/firma')
  t.match(settings.body, 'name="cashAccounting"')
  const fields = {
    name: 'Sklep Testowy Sp. z o.o.',
    nip: '5261040828',
    street: 'ul. Prosta 1',
    postalCode: '00-001',
    city: 'Warszawa',
    bankAccount: '61109010140000071219812874',
    email: '',
    phone: '',
    vatStatus: 'czynny',
    vatExemptionBasis: '',
    defaultVatRate: '23',
    taxForm: 'kpir',
    ryczaltRate: '',
    package: 'ksiegowosc',
    cashAccounting: 'on',
    taxOfficeCode: '',
    taxpayerKind: 'fizyczna',
    firstName: '',
    lastName: '',
    birthDate: '',
    vatPeriod: 'miesiac'
  }
  t.equal((await owner.post('/ustawienia/firma', fields)).statusCode, 303)
  t.equal((await db.selectFrom('company').select('cash_accounting').executeTakeFirstOrThrow()).cash_accounting, 1)

  const invoice = await issue(built, { invoice: 'company' })
  const receipt = await issue(built, {}, 'paragon')
  t.equal(
    (await db.selectFrom('documents').select('cash_accounting').where('id', '=', invoice).executeTakeFirstOrThrow())
      .cash_accounting,
    1
  )
  t.equal(
    (await db.selectFrom('documents').select('cash_accounting').where('id', '=', receipt).executeTakeFirstOrThrow())
      .cash_accounting,
    0,
    'a receipt is no invoice'
  )
  t.ok((await pdfText(built, invoice)).includes('metoda kasowa'), 'PDF notation')
  t.notOk((await pdfText(built, receipt)).includes('metoda kasowa'))
  t.match((await owner.get(`/przychody/dokumenty/${invoice}`)).body, '<strong>metoda kasowa</strong>')
  const xml = (await owner.get(`/przychody/dokumenty/${invoice}/ksef.xml`)).body
  assertValidFa3(t, xml)
  t.equal(value(xml, 'P_16'), '1')
  t.equal(value(xml, 'P_15'), '268.97')

  // an exempt seller has no VAT to settle: the setting does not stick
  await owner.get('/ustawienia/firma')
  t.equal(
    (await owner.post('/ustawienia/firma', { ...fields, vatStatus: 'zwolniony', defaultVatRate: 'zw' })).statusCode,
    303
  )
  t.equal((await db.selectFrom('company').select('cash_accounting').executeTakeFirstOrThrow()).cash_accounting, 0)
  await owner.get('/ustawienia/firma')
  await owner.post('/ustawienia/firma', { ...fields, cashAccounting: '' })
  const plain = await issue(built, { invoice: 'company' })
  const plainXml = (await owner.get(`/przychody/dokumenty/${plain}/ksef.xml`)).body
  assertValidFa3(t, plainXml)
  t.equal(value(plainXml, 'P_16'), '2')
  t.notOk((await pdfText(built, plain)).includes('metoda kasowa'))
})

t.test('an invoice already delivered through Allegro is corrected, not cancelled', async (t) => {
  const built = await build(t)
  const { owner, db } = built
  const id = await issue(built, { id: 'a1b2c3d4-0000-4000-8000-000000000001', invoice: 'company' })
  const shop = await db.selectFrom('allegro_shops').select('id').executeTakeFirstOrThrow()
  await db
    .insertInto('document_allegro_deliveries')
    .values({
      document_id: id,
      shop_id: shop.id,
      checkout_form_id: 'a1b2c3d4-0000-4000-8000-000000000001',
      allegro_invoice_id: 'inv-77',
      state: 'widoczna',
      uploaded_at: '2026-11-16T09:05:00.000Z',
      created_at: '2026-11-16T09:00:00.000Z',
      updated_at: '2026-11-16T09:05:00.000Z'
    })
    .execute()
  const page = await owner.get(`/przychody/dokumenty/${id}/anulowanie`)
  t.match(page.body, 'faktury doręczonej nabywcy nie anuluje się, tylko koryguje')
  t.match(page.body, `href="/przychody/dokumenty/${id}/korekta">Wystaw korektę</a>`)
  t.notMatch(page.body, `action="/przychody/dokumenty/${id}/anulowanie"`, 'no cancel form')
  await owner.post(`/przychody/dokumenty/${id}/anulowanie`)
  t.equal(
    (await db.selectFrom('documents').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status,
    'issued',
    'still issued'
  )
  t.match((await owner.get(`/przychody/dokumenty/${id}`)).body, 'została wysłana do Allegro i kupujący ją otrzymał')
})

t.test(
  'the supply date (art. 106e ust. 1 pkt 6): printed and in FA(3) P_6 only when it differs from the issue date',
  async (t) => {
    const built = await build(t)
    const { owner, db } = built
    const body = {
      ...MANUAL,
      lineName: ['Kask ochronny'],
      lineQuantity: ['2'],
      lineUnit: ['szt.'],
      linePrice: ['61,50'],
      lineVatRate: ['23']
    }
    // delivered on 10.11, invoiced on 16.11: the date is stated
    await owner.get('/przychody/dokumenty/nowy')
    t.equal((await owner.post('/przychody/dokumenty/nowy', { ...body, saleDate: '2026-11-10' })).statusCode, 303)
    const differs = await db
      .selectFrom('documents')
      .select(['id', 'issue_date', 'sale_date', 'total_gross', 'total_vat'])
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow()
    // 2 × 61,50 = 123,00 at 23 %: VAT 23,00
    t.same(differs, {
      id: differs.id,
      issue_date: '2026-11-16',
      sale_date: '2026-11-10',
      total_gross: 12300,
      total_vat: 2300
    })
    const text = await pdfText(built, differs.id)
    t.ok(text.includes('Data wystawienia: 16.11.2026'), 'PDF: issue date')
    t.ok(text.includes('Data dokonania dostawy / wykonania usługi: 10.11.2026'), 'PDF: the supply date')
    const page = await owner.get(`/przychody/dokumenty/${differs.id}`)
    t.match(page.body, '<dt>Data sprzedaży</dt><dd>10.11.2026</dd>')
    const xml = (await owner.get(`/przychody/dokumenty/${differs.id}/ksef.xml`)).body
    assertValidFa3(t, xml)
    t.equal(value(xml, 'P_1'), '2026-11-16')
    t.equal(value(xml, 'P_6'), '2026-11-10')
    // booked in November by the sale (not later than the invoice)
    const entries = await db
      .selectFrom('ledger_entries')
      .select(['register', 'month', 'event_date'])
      .where('document_id', '=', differs.id)
      .orderBy('register')
      .execute()
    t.same(entries, [
      { register: 'kpir', month: '2026-11', event_date: '2026-11-10' },
      { register: 'vat', month: '2026-11', event_date: '2026-11-10' }
    ])

    // delivered and invoiced the same day: no separate date anywhere
    await owner.get('/przychody/dokumenty/nowy')
    t.equal((await owner.post('/przychody/dokumenty/nowy', { ...body, saleDate: '2026-11-16' })).statusCode, 303)
    const same = await db.selectFrom('documents').select('id').orderBy('id', 'desc').executeTakeFirstOrThrow()
    const sameText = await pdfText(built, same.id)
    t.ok(sameText.includes('Data wystawienia: 16.11.2026'))
    t.notOk(sameText.includes('Data dokonania dostawy'), 'no supply date on the PDF')
    t.notOk(sameText.includes('Data sprzedaży'), 'nor a "data sprzedaży"')
    const sameXml = (await owner.get(`/przychody/dokumenty/${same.id}/ksef.xml`)).body
    assertValidFa3(t, sameXml)
    t.equal(value(sameXml, 'P_6'), undefined, 'no P_6')

    // an invoice before the supply: at most 60 days before it (art. 106i ust. 7 pkt 1)
    await owner.get('/przychody/dokumenty/nowy')
    const early = await owner.post('/przychody/dokumenty/nowy', { ...body, saleDate: '2027-01-16' })
    t.equal(early.statusCode, 422)
    t.match(
      early.body,
      'Fakturę można wystawić najwcześniej 60 dni przed dostawą (art. 106i ust. 7 ustawy o VAT) – data sprzedaży może być najpóźniej 2027-01-15.'
    )
    t.match(early.body, 'value="2027-01-16"', 'value kept')
    await owner.get('/przychody/dokumenty/nowy')
    t.equal(
      (await owner.post('/przychody/dokumenty/nowy', { ...body, saleDate: '2027-01-15' })).statusCode,
      303,
      'the 60th day is allowed'
    )
    t.equal((await db.selectFrom('documents').select('id').execute()).length, 3)
  }
)
