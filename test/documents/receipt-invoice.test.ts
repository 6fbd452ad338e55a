// Issue 14: an invoice to a sale already documented by a receipt (faktura do paragonu).
// FA(3) carries FP = 1 (art. 109 ust. 3d) and the VAT register row is marked FP; a buyer with a
// NIP gets one only when the receipt carried that NIP (art. 106b ust. 5); stock moves once.
import t from 'tap'
import { extractText } from 'unpdf'
import { build, type Built } from '../helpers/app.ts'
import { insertProduct, stockOf } from '../helpers/document-fixtures.ts'
import { insertShop, insertTransaction, type OrderSpec } from '../helpers/transaction-fixtures.ts'
import { assertValidFa3, value } from '../ksef/fa3-fixtures.ts'
import { linkDocuments } from '../../src/documents/linking.ts'

async function newTransaction(built: Built, spec: OrderSpec): Promise<number> {
  const shop =
    (await built.db.selectFrom('allegro_shops').select('id').executeTakeFirst())?.id ?? (await insertShop(built.db))
  return await insertTransaction(built.db, shop, spec)
}

async function wystaw(built: Built, transactionId: number, type: string): Promise<string> {
  await built.owner.get('/przychody/dokumenty')
  const response = await built.owner.post('/przychody/dokumenty/wystaw', {
    transactionIds: [String(transactionId)],
    type
  })
  t.equal(response.statusCode, 303)
  const location = String(response.headers.location ?? '')
  return location.startsWith('/przychody/dokumenty/wynik/') ? (await built.owner.get(location)).body : ''
}

async function documentOf(built: Built, transactionId: number, type: string) {
  return await built.db
    .selectFrom('document_transactions as l')
    .innerJoin('documents as d', 'd.id', 'l.document_id')
    .select(['d.id', 'd.number', 'd.buyer_nip', 'd.status'])
    .where('l.transaction_id', '=', transactionId)
    .where('d.type', '=', type)
    .executeTakeFirst()
}

async function xmlOf(built: Built, id: number): Promise<string> {
  const response = await built.owner.get(`/przychody/dokumenty/${id}/ksef.xml`)
  t.equal(response.statusCode, 200)
  return response.body
}

t.test(
  'a consumer: receipt, then invoice → FP = 1 in FA(3) and the FP mark in the VAT register; stock moves once',
  async (t) => {
    const built = await build(t)
    // KD-12-210 is sold twice in the reference order (2 pieces): 10 in stock → 8, not 6
    const product = await insertProduct(built.db, {
      name: 'Klucz dynamometryczny',
      sku: 'KD-12-210',
      stockMilli: 10000
    })
    const transactionId = await newTransaction(built, { invoice: 'person' })
    t.match(await wystaw(built, transactionId, 'paragon'), 'Wystawiono 1 z 1')
    t.equal(await stockOf(built.db, product), 8000, 'the receipt moves the stock')
    t.match(await wystaw(built, transactionId, 'faktura'), 'Wystawiono 1 z 1')
    t.equal(await stockOf(built.db, product), 8000, 'the invoice to the receipt does not move it again')

    const invoice = (await documentOf(built, transactionId, 'faktura'))!
    t.equal(invoice.buyer_nip, null, 'a consumer')
    const xml = await xmlOf(built, invoice.id)
    assertValidFa3(t, xml)
    t.equal(value(xml, 'FP'), '1')
    t.equal(value(xml, 'BrakID'), '1')
    const receipt = (await documentOf(built, transactionId, 'paragon'))!
    // the receipt's number and issue date (16.11.2026, today in the tests) on the page and the PDF
    t.match(
      (await built.owner.get(`/przychody/dokumenty/${invoice.id}`)).body,
      `Faktura do paragonu ${receipt.number} z dnia 16.11.2026 (FP).`
    )
    const pdf = await built.owner.get(`/przychody/dokumenty/${invoice.id}/pdf`)
    const { text } = await extractText(new Uint8Array(pdf.rawPayload), { mergePages: true })
    t.ok(
      text.replace(/\s+/g, ' ').includes(`Faktura do paragonu ${receipt.number} z dnia 16.11.2026.`),
      'the PDF names the receipt'
    )
    const receiptPdf = await built.owner.get(`/przychody/dokumenty/${receipt.id}/pdf`)
    t.notOk(
      (await extractText(new Uint8Array(receiptPdf.rawPayload), { mergePages: true })).text.includes(
        'Faktura do paragonu'
      ),
      'the receipt itself does not'
    )

    const rows = await built.db
      .selectFrom('ledger_entries')
      .select(['register', 'document_mark'])
      .where('document_id', '=', invoice.id)
      .execute()
    t.same(rows, [{ register: 'vat', document_mark: 'FP' }], 'only the VAT register, marked FP')
  }
)

t.test('a business buyer whose receipt had no NIP is refused with the reason, and nothing is issued', async (t) => {
  const built = await build(t)
  const transactionId = await newTransaction(built, { invoice: 'company' })
  await wystaw(built, transactionId, 'paragon')
  const receipt = (await documentOf(built, transactionId, 'paragon'))!
  // the receipt as it was issued before the buyer asked for an invoice to the company
  await built.db.updateTable('documents').set({ buyer_nip: null }).where('id', '=', receipt.id).execute()
  const before = await built.db
    .selectFrom('documents')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow()

  const page = await wystaw(built, transactionId, 'faktura')
  t.match(page, 'Wystawiono 0 z 1')
  t.match(page, `Do sprzedaży udokumentowano już paragon ${receipt.number} bez NIP nabywcy`)
  t.match(page, 'art. 106b ust. 5 ustawy o VAT')
  t.equal(await documentOf(built, transactionId, 'faktura'), undefined, 'no invoice')
  const after = await built.db
    .selectFrom('documents')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow()
  t.equal(after.n, before.n, 'no document and no used number')
  t.equal((await built.db.selectFrom('contractors').selectAll().execute()).length, 1, "only the receipt's contractor")
})

t.test('a business buyer whose receipt carried the NIP gets the invoice with FP = 1', async (t) => {
  const built = await build(t)
  const transactionId = await newTransaction(built, { invoice: 'company' })
  await wystaw(built, transactionId, 'paragon')
  const receipt = (await documentOf(built, transactionId, 'paragon'))!
  t.not(receipt.buyer_nip, null, "the receipt carries the buyer's NIP")
  t.match(await wystaw(built, transactionId, 'faktura'), 'Wystawiono 1 z 1')
  const invoice = (await documentOf(built, transactionId, 'faktura'))!
  t.equal(invoice.buyer_nip, receipt.buyer_nip)
  const xml = await xmlOf(built, invoice.id)
  assertValidFa3(t, xml)
  t.equal(value(xml, 'FP'), '1')
  t.equal(value(xml, 'NIP'), '5261040828', 'the seller first')
})

t.test('a plain invoice has no FP and an unmarked VAT row', async (t) => {
  const built = await build(t)
  const plain = await newTransaction(built, { invoice: 'company' })
  await wystaw(built, plain, 'faktura')
  const invoice = (await documentOf(built, plain, 'faktura'))!
  const xml = await xmlOf(built, invoice.id)
  assertValidFa3(t, xml)
  t.equal(value(xml, 'FP'), undefined)
  t.notMatch((await built.owner.get(`/przychody/dokumenty/${invoice.id}`)).body, 'Faktura do paragonu')
  const rows = await built.db
    .selectFrom('ledger_entries')
    .select(['register', 'document_mark'])
    .where('document_id', '=', invoice.id)
    .orderBy('register')
    .execute()
  t.ok(
    rows.some((row) => row.register === 'vat' && row.document_mark === null),
    'VAT row without a mark'
  )
})

t.test('linking a business invoice to a transaction whose receipt had no NIP is refused the same way', async (t) => {
  const built = await build(t)
  const sale = await newTransaction(built, { invoice: 'person' })
  await wystaw(built, sale, 'paragon')
  const other = await newTransaction(built, { invoice: 'company', buyer: { id: '777', login: 'firma_x' } })
  await wystaw(built, other, 'faktura')
  const invoice = (await documentOf(built, other, 'faktura'))!
  t.not(invoice.buyer_nip, null)
  await built.db.deleteFrom('transaction_document_kinds').where('document_id', '=', invoice.id).execute()
  const outcomes = await linkDocuments(built.db, sale, [invoice.id], '2026-11-16T10:00:00.000Z')
  t.equal(outcomes.length, 1)
  t.equal(outcomes[0].ok, false)
  t.match(outcomes[0], { problem: /art\. 106b ust\. 5/ })
  t.equal(await documentOf(built, sale, 'faktura'), undefined, 'not linked')
})

t.test("a receipt after the sale's invoice is refused, by Wystaw and by Powiąż", async (t) => {
  const built = await build(t)
  const transactionId = await newTransaction(built, { invoice: 'person' })
  t.match(await wystaw(built, transactionId, 'faktura'), 'Wystawiono 1 z 1')
  const invoice = (await documentOf(built, transactionId, 'faktura'))!
  const result = await wystaw(built, transactionId, 'paragon')
  t.match(result, 'Wystawiono 0 z 1')
  t.match(
    result,
    `Do tej sprzedaży wystawiono już fakturę ${invoice.number} – sprzedaż jest nią udokumentowana; paragon wystawiony po fakturze policzyłby ją drugi raz w księdze i rejestrze VAT`
  )
  t.equal(await documentOf(built, transactionId, 'paragon'), undefined, 'no receipt')

  // a receipt issued by hand after the invoice cannot be linked to the sale either
  await built.owner.get('/przychody/dokumenty/nowy')
  t.equal(
    (
      await built.owner.post('/przychody/dokumenty/nowy', {
        type: 'paragon',
        contractorId: '',
        buyerName: '',
        buyerNip: '',
        buyerStreet: '',
        buyerPostalCode: '',
        buyerCity: '',
        buyerCountryCode: 'PL',
        issueDate: '2026-11-16',
        saleDate: '2026-11-15',
        dueDate: '',
        paymentMethod: 'online',
        paid: 'on',
        notes: '',
        lineName: ['Klucz dynamometryczny'],
        lineQuantity: ['1'],
        lineUnit: ['szt.'],
        linePrice: ['268,97'],
        lineVatRate: ['23'],
        action: 'issue'
      })
    ).statusCode,
    303
  )
  const manual = await built.db
    .selectFrom('documents')
    .select(['id', 'number'])
    .where('type', '=', 'paragon')
    .executeTakeFirstOrThrow()
  const outcomes = await linkDocuments(built.db, transactionId, [manual.id], '2026-11-16T09:00:00.000Z')
  t.same(outcomes, [
    {
      documentId: manual.id,
      number: manual.number,
      ok: false,
      problem: `Do tej sprzedaży wystawiono już fakturę ${invoice.number} – sprzedaż jest nią udokumentowana; paragon wystawiony po fakturze policzyłby ją drugi raz w księdze i rejestrze VAT`
    }
  ])
  t.equal(
    (
      await built.db
        .selectFrom('document_transactions')
        .select('document_id')
        .where('transaction_id', '=', transactionId)
        .execute()
    ).length,
    1,
    'only the invoice belongs to the sale'
  )
})
