// When a correction is settled (art. 29a ustawy o VAT) and what FA(3) says about it (TypKorekty):
// decreases in the correction's period, or when the documentation agreed with the buyer is
// obtained (ust. 13); increases in the original period when the cause existed at the sale, else
// when the cause arose (ust. 17). Hand figures; the FA(3) validated against the official XSD.
import t from 'tap'
import { vatSalesInputs } from '../../src/jpk/jpk.queries.ts'
import { build, type Built } from '../helpers/app.ts'
import { assertValidFa3, value } from '../ksef/fa3-fixtures.ts'
import { correct, documentRow, ledgerOf, submitCorrection } from './helpers.ts'
import { MANUAL_INVOICE_BUYER } from '../helpers/document-fixtures.ts'

// An October invoice by hand: 1 × 1 230,00 zł at 23 % → VAT 1 230 · 23 / 123 = 230,00, net 1 000,00.
async function octoberInvoice(built: Built): Promise<number> {
  await built.owner.get('/przychody/dokumenty/nowy')
  const issued = await built.owner.post('/przychody/dokumenty/nowy', {
    ...MANUAL_INVOICE_BUYER,
    issueDate: '2026-10-20',
    saleDate: '2026-10-20',
    confirmPastDate: 'on',
    dueDate: '2026-11-03',
    paymentMethod: 'przelew',
    notes: '',
    lineName: ['Wiertarka udarowa'],
    lineQuantity: ['1'],
    lineUnit: ['szt.'],
    linePrice: ['1230,00'],
    lineVatRate: ['23'],
    action: 'issue'
  })
  if (issued.statusCode !== 303) throw new Error(`invoice refused: ${issued.statusCode} ${issued.body.slice(0, 1500)}`)
  const doc = await built.db
    .selectFrom('documents')
    .select(['id', 'total_gross', 'total_vat'])
    .where('type', '=', 'faktura')
    .executeTakeFirstOrThrow()
  if (doc.total_gross !== 123000 || doc.total_vat !== 23000) throw new Error('unexpected invoice figures')
  return doc.id
}

async function xmlOf(built: Built, id: number): Promise<string> {
  return (await built.owner.get(`/przychody/dokumenty/${id}/ksef.xml`)).body
}

async function correctionRow(built: Built, documentId: number) {
  return await built.db
    .selectFrom('corrections')
    .select(['effect', 'settlement'])
    .where('document_id', '=', documentId)
    .executeTakeFirstOrThrow()
}

t.test(
  "a decrease across the month boundary, documented when issued: the correction's period, TypKorekty 2",
  async (t) => {
    const built = await build(t)
    const invoiceId = await octoberInvoice(built)
    const form = await built.owner.get(`/przychody/dokumenty/${invoiceId}/korekta`)
    t.match(form.body, /name="settlement" value="wystawienie" checked/, 'the usual case is preselected')
    for (const choice of ['dokumentacja', 'pierwotny', 'przyczyna'])
      t.match(form.body, `name="settlement" value="${choice}"`)

    // rebate to 984,00: gross −246,00; VAT 984 · 23 / 123 = 184,00 − 230,00 = −46,00; net −200,00
    const id = await correct(built.owner, invoiceId, {
      lines: { 1: { price: '984,00' } },
      reason: 'Rabat po sprzedaży',
      settlement: 'wystawienie'
    })
    t.match(await documentRow(built, id), {
      issue_date: '2026-11-16',
      settlement_date: '2026-11-16',
      total_gross: -24600,
      total_vat: -4600,
      total_net: -20000
    })
    t.same(await correctionRow(built, id), { effect: 2, settlement: 'wystawienie' })
    t.same(
      (await ledgerOf(built, id)).map((e) => [e.register, e.month, e.revenue_sales, e.total_vat]),
      [
        ['kpir', '2026-11', -20000, 0],
        ['vat', '2026-11', -20000, -4600]
      ]
    )
    t.same(
      (await ledgerOf(built, invoiceId)).map((e) => [e.register, e.month]),
      [
        ['kpir', '2026-10'],
        ['vat', '2026-10']
      ],
      'the invoice stays in October'
    )
    const xml = await xmlOf(built, id)
    assertValidFa3(t, xml)
    t.equal(value(xml, 'TypKorekty'), '2')
    t.equal(value(xml, 'P_13_1'), '-200.00')
    t.equal(value(xml, 'P_14_1'), '-46.00')
    const page = await built.owner.get(`/przychody/dokumenty/${id}`)
    t.match(
      page.body,
      '<dt>Rozliczenie korekty</dt><dd>w okresie wystawienia korekty: listopad 2026 (art. 29a ust. 13)</dd>'
    )
  }
)

t.test('a decrease documented in the next month: booked in December, TypKorekty 3', async (t) => {
  const built = await build(t)
  const invoiceId = await octoberInvoice(built)
  built.clock.set('2026-12-03T10:00:00.000+01:00')
  await built.owner.login('wlasciciel', 'tajne-haslo-123')
  const missing = await submitCorrection(built.owner, invoiceId, {
    lines: { 1: { price: '984,00' } },
    issueDate: '2026-11-28',
    settlement: 'dokumentacja'
  })
  t.equal(missing.statusCode, 422)
  t.match(missing.body, 'Podaj datę uzyskania dokumentacji uzgodnienia z nabywcą.')
  t.match(missing.body, /name="settlement" value="dokumentacja" checked/, 'the choice is kept')
  const early = await submitCorrection(built.owner, invoiceId, {
    lines: { 1: { price: '984,00' } },
    issueDate: '2026-11-28',
    settlement: 'dokumentacja',
    settlementDate: '2026-11-20'
  })
  t.equal(early.statusCode, 422)
  t.match(early.body, 'Dokumentacja uzyskana przed wystawieniem korekty')
  t.equal(
    (await built.db.selectFrom('documents').select('id').where('type', '=', 'korekta').execute()).length,
    0,
    'nothing issued'
  )

  const id = await correct(built.owner, invoiceId, {
    lines: { 1: { price: '984,00' } },
    issueDate: '2026-11-28',
    settlement: 'dokumentacja',
    settlementDate: '2026-12-03'
  })
  t.match(await documentRow(built, id), {
    number: 'KOR 1/11/2026',
    issue_date: '2026-11-28',
    settlement_date: '2026-12-03',
    total_vat: -4600
  })
  t.same(await correctionRow(built, id), { effect: 3, settlement: 'dokumentacja' })
  t.same(
    (await ledgerOf(built, id)).map((e) => [e.register, e.month, e.total_vat]),
    [
      ['kpir', '2026-12', 0],
      ['vat', '2026-12', -4600]
    ]
  )
  const xml = await xmlOf(built, id)
  assertValidFa3(t, xml)
  t.equal(value(xml, 'TypKorekty'), '3')
  const page = await built.owner.get(`/przychody/dokumenty/${id}`)
  t.match(
    page.body,
    'w innym okresie: grudzień 2026, po uzyskaniu dokumentacji uzgodnienia z nabywcą 03.12.2026 (art. 29a ust. 13)'
  )
})

t.test(
  'an increase whose cause existed at the sale: back in October, TypKorekty 1; a closed October refuses it',
  async (t) => {
    const built = await build(t)
    const invoiceId = await octoberInvoice(built)
    // the price should have been 1 353,00: gross +123,00; VAT 1 353 · 23 / 123 = 253,00 − 230,00 = +23,00; net +100,00
    const wrong = await submitCorrection(built.owner, invoiceId, {
      lines: { 1: { price: '1353,00' } },
      reason: 'Błędna cena',
      settlement: 'wystawienie'
    })
    t.equal(wrong.statusCode, 422)
    t.match(wrong.body, 'Ta korekta zwiększa podstawę opodatkowania – wskaż, czy przyczyna istniała w chwili sprzedaży')
    t.match(wrong.body, 'value="1353,00"', 'values kept')

    await built.db
      .insertInto('ledger_closed_months')
      .values({ month: '2026-10', closed_at: '2026-11-10T10:00:00.000Z', closed_by: null })
      .execute()
    const closed = await submitCorrection(built.owner, invoiceId, {
      lines: { 1: { price: '1353,00' } },
      reason: 'Błędna cena',
      settlement: 'pierwotny'
    })
    t.equal(closed.statusCode, 422)
    t.match(closed.body, 'miesiąc październik 2026 jest zamknięty w księgowości')
    t.equal(
      (await built.db.selectFrom('documents').select('id').where('type', '=', 'korekta').execute()).length,
      0,
      'nothing issued'
    )
    await built.db.deleteFrom('ledger_closed_months').execute()

    const id = await correct(built.owner, invoiceId, {
      lines: { 1: { price: '1353,00' } },
      reason: 'Błędna cena',
      settlement: 'pierwotny'
    })
    t.match(await documentRow(built, id), {
      issue_date: '2026-11-16',
      settlement_date: '2026-10-20',
      total_gross: 12300,
      total_vat: 2300,
      total_net: 10000
    })
    t.same(await correctionRow(built, id), { effect: 1, settlement: 'pierwotny' })
    t.same(
      (await ledgerOf(built, id)).map((e) => [e.register, e.month, e.revenue_sales, e.total_vat]),
      [
        ['kpir', '2026-10', 10000, 0],
        ['vat', '2026-10', 10000, 2300]
      ]
    )
    // JPK_V7M for October carries the invoice and its correction; November's has neither
    t.same(
      (await vatSalesInputs(built.db, ['2026-10'])).map((row) => row.documentNumber),
      ['FV 1/10/2026', 'KOR 1/11/2026']
    )
    t.same(
      (await vatSalesInputs(built.db, ['2026-11'])).map((row) => row.documentNumber),
      []
    )
    const xml = await xmlOf(built, id)
    assertValidFa3(t, xml)
    t.equal(value(xml, 'TypKorekty'), '1')
    t.equal(value(xml, 'P_15'), '123.00')
  }
)

t.test('an increase whose cause arose later: the period of the cause', async (t) => {
  const built = await build(t)
  const invoiceId = await octoberInvoice(built)
  const before = await submitCorrection(built.owner, invoiceId, {
    lines: { 1: { price: '1353,00' } },
    reason: 'Podwyżka ceny',
    settlement: 'przyczyna',
    settlementDate: '2026-10-19'
  })
  t.equal(before.statusCode, 422)
  t.match(before.body, 'Przyczyna zwiększenia nie może być wcześniejsza niż sprzedaż')
  const id = await correct(built.owner, invoiceId, {
    lines: { 1: { price: '1353,00' } },
    reason: 'Podwyżka ceny',
    settlement: 'przyczyna',
    settlementDate: '2026-11-05'
  })
  t.match(await documentRow(built, id), { settlement_date: '2026-11-05', total_vat: 2300 })
  t.same(await correctionRow(built, id), { effect: 2, settlement: 'przyczyna' })
  t.same(
    (await ledgerOf(built, id)).map((e) => [e.register, e.month]),
    [
      ['kpir', '2026-11'],
      ['vat', '2026-11']
    ]
  )
  const xml = await xmlOf(built, id)
  assertValidFa3(t, xml)
  t.equal(value(xml, 'TypKorekty'), '2')
})
