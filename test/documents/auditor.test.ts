// Issue 14: documents a tax auditor would accept. Each test has hand-computed figures and checks
// the PDF text, the FA(3) XML (official XSD) and, where the rule touches it, the stored rows.
import t from 'tap'
import { extractText } from 'unpdf'
import { build, type Built } from '../helpers/app.ts'
import { insertShop, insertTransaction, type OrderSpec } from '../helpers/transaction-fixtures.ts'
import { assertValidFa3, value, values } from '../ksef/fa3-fixtures.ts'

async function issue (built: Built, spec: OrderSpec, type = 'faktura'): Promise<number> {
  const shop = (await built.db.selectFrom('allegro_shops').select('id').executeTakeFirst())?.id ?? await insertShop(built.db)
  const transactionId = await insertTransaction(built.db, shop, spec)
  await built.owner.get('/przychody/dokumenty')
  await built.owner.post('/przychody/dokumenty/wystaw', { transactionIds: [String(transactionId)], type })
  const link = await built.db.selectFrom('document_transactions').select('document_id').where('transaction_id', '=', transactionId).executeTakeFirstOrThrow()
  return link.document_id
}

async function pdfText (built: Built, id: number): Promise<string> {
  const pdf = await built.owner.get(`/przychody/dokumenty/${id}/pdf`)
  const { text } = await extractText(new Uint8Array(pdf.rawPayload), { mergePages: true })
  return text.replace(/\s+/g, ' ')
}

t.test('the payment date on the PDF and the page is the day in Warsaw, as in the XML', async (t) => {
  const built = await build(t)
  // paid 06.11 23:30 UTC = 07.11 00:30 in Warsaw (CET, UTC+1)
  const id = await issue(built, { invoice: 'company', boughtAt: '2026-11-06T20:00:00.000Z', paidAt: '2026-11-06T23:30:00.000Z' })
  const doc = await built.db.selectFrom('documents').select(['paid', 'paid_at', 'sale_date']).where('id', '=', id).executeTakeFirstOrThrow()
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
  const totals = await built.db.selectFrom('document_vat_totals').select(['vat_rate', 'net', 'vat', 'gross']).where('document_id', '=', id).execute()
  t.same(totals, [{ vat_rate: '23', net: 2437, vat: 560, gross: 2997 }])
  const text = await pdfText(built, id)
  for (const expected of ['Wartość brutto', '9,99', '24,37', '5,60', '29,97']) t.ok(text.includes(expected), `PDF has ${expected}`)
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
