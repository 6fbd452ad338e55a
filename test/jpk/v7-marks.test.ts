import t, { type Test } from 'tap'
import { issueManualDocument } from '../../src/sales/issuing.ts'
import { build } from '../helpers/app.ts'
import { insertDocument, linkToOneTransaction } from '../helpers/ledger-fixtures.ts'
import { buyer, declRow, field, headerData, xmllint, type Built } from './helpers.ts'

// November 2026, hand figures:
//   FV 1  05.11  "Słuchawki BT" (product GTU_06) 1 × 246,00 gross 23 % → net 200,00, VAT 46,00;
//                buyer "Spółka Córka" flagged on KONTRAHENCI as a related party → TP
//   FV 2  06.11  "Usługa projektowa" 108,00 gross 8 % → net 100,00, VAT 8,00; consumer buyer;
//                GTU_12 and WSTO_EE set by hand on the JPK page
//   PAR 7 10.11  receipt 123,00 gross 23 % → net 100,00, VAT 23,00: RO, DI, buyer BRAK
//   FV 90 12.11  invoice to that receipt (sale 10.11), the same 100,00 / 23,00: FP, kept out of the sums
//   IPS 3 15.11  internal document 52,50 gross 5 % → net 50,00, VAT 2,50 (5250 × 5 / 105): WEW, DI
//   Sums without FP: K_19 300,00 / K_20 69,00; K_17 100,00 / K_18 8,00; K_15 50,00 / K_16 2,50
//   → P_15 50, P_16 3 (50 gr up, art. 63 § 1 OP), P_17 100, P_18 8, P_19 300, P_20 69;
//   P_37 = 450, P_38 = 80, P_51 = 80; 5 rows; PodatekNalezny 46 + 8 + 23 + 2,50 = 79,50
//   (with the FP row counted it would be 102,50 and P_19 400)

const RELATED = { name: 'Spółka Córka Sp. z o.o.', nip: '7770001111' }
const consumer = { ...buyer, name: 'Anna Kowalczyk', isCompany: false, nip: null }

async function issue(
  b: Built,
  date: string,
  contractorId: number | null,
  who: typeof buyer | typeof consumer,
  line: { name: string; gross: number; vatRate: '5' | '8' | '23' }
) {
  const ownerId = (await b.db.selectFrom('users').select('id').executeTakeFirstOrThrow()).id
  const issued = await issueManualDocument(
    b.db,
    {
      type: 'faktura',
      contractorId,
      buyer: who,
      issueDate: date,
      saleDate: date,
      dueDate: date,
      paymentMethod: 'przelew',
      paid: false,
      notes: '',
      lines: [
        { name: line.name, unit: 'szt.', quantityMilli: 1000, unitPriceGross: line.gross, vatRate: line.vatRate }
      ],
      userId: ownerId
    },
    b.clock()
  )
  if (!issued.ok) throw new Error(issued.problem)
  return issued
}

async function november(t: Test, b: Built) {
  const at = '2026-11-01T08:00:00.000Z'
  await b.db
    .insertInto('products')
    .values({
      name: 'Słuchawki BT',
      unit: 'szt.',
      vat_rate: '23',
      price_net: 20000,
      price_gross: 24600,
      gtu: 'GTU_06',
      created_at: at,
      updated_at: at
    })
    .execute()

  // the related-party flag set where the user sets it: the contractor's form
  await b.owner.get('/kontrahenci/nowy')
  const added = await b.owner.post('/kontrahenci', {
    name: RELATED.name,
    isCompany: 'on',
    relatedParty: 'on',
    nip: RELATED.nip,
    street: 'ul. Leśna 1',
    postalCode: '00-950',
    city: 'Warszawa',
    countryCode: 'PL',
    email: '',
    phone: ''
  })
  t.equal(added.statusCode, 303, 'the contractor saved')
  const contractor = await b.db
    .selectFrom('contractors')
    .select(['id', 'related_party'])
    .where('nip', '=', RELATED.nip)
    .executeTakeFirstOrThrow()
  t.equal(contractor.related_party, 1, 'stored as a related party')

  const fv1 = await issue(
    b,
    '2026-11-05',
    contractor.id,
    { ...buyer, name: RELATED.name, nip: RELATED.nip },
    { name: 'Słuchawki BT', gross: 24600, vatRate: '23' }
  )
  const fv2 = await issue(b, '2026-11-06', null, consumer, { name: 'Usługa projektowa', gross: 10800, vatRate: '8' })
  const receipt = await insertDocument(b.db, {
    type: 'paragon',
    number: 'PAR 7/11/2026',
    issueDate: '2026-11-10',
    buyerName: 'Klient detaliczny',
    lines: [{ vatRate: '23', gross: 12300 }]
  })
  const toReceipt = await insertDocument(b.db, {
    number: 'FV 90/11/2026',
    issueDate: '2026-11-12',
    saleDate: '2026-11-10',
    buyerName: 'Firma Z',
    buyerNip: '1234563218',
    lines: [{ vatRate: '23', gross: 12300 }]
  })
  await linkToOneTransaction(b.db, [receipt, toReceipt])
  const internal = await insertDocument(b.db, {
    type: 'inny_przychod',
    number: 'IPS 3/11/2026',
    issueDate: '2026-11-15',
    lines: [{ vatRate: '5', gross: 5250 }]
  })
  await b.owner.get('/ksiegowosc/do-zaksiegowania')
  t.equal(
    (
      await b.owner.post('/ksiegowosc/do-zaksiegowania', {
        dokumenty: [String(receipt), String(toReceipt), String(internal)]
      })
    ).statusCode,
    303,
    'booked'
  )
  return { fv1, fv2, receipt, toReceipt, internal }
}

/** The SprzedazWiersz of that document number. */
const rowOf = (xml: string, number: string) =>
  [...xml.matchAll(/<SprzedazWiersz>[\s\S]*?<\/SprzedazWiersz>/g)]
    .map((m) => m[0])
    .find((r) => r.includes(`<DowodSprzedazy>${number}</DowodSprzedazy>`)) ?? ''

t.test(
  'GTU from the product, TP from the related-party contractor, marks set by hand; FP, RO and WEW rows; the file XSD-valid',
  async (t) => {
    const b = await build(t)
    await headerData(b)
    const docs = await november(t, b)

    // the hand-set marks: GET shows the form, a mark outside the schema is a 422 with nothing stored
    const form = await b.owner.get(`/ksiegowosc/jpk-v7/oznaczenia/${docs.fv2.documentId}`)
    t.equal(form.statusCode, 200)
    t.match(form.body, `Oznaczenia JPK_V7 – ${docs.fv2.number}`)
    t.match(form.body, 'name="oznaczenie" value="GTU_12"')
    t.match(form.body, 'name="oznaczenie" value="B_MPV_PROWIZJA"')
    const bad = await b.owner.post(`/ksiegowosc/jpk-v7/oznaczenia/${docs.fv2.documentId}`, {
      oznaczenie: ['GTU_12', 'MPP']
    })
    t.equal(bad.statusCode, 422, 'MPP is not a mark of JPK_V7(3)')
    t.match(bad.body, 'Nieznane oznaczenie – wybierz kody GTU i oznaczenia procedur z listy.')
    t.match(bad.body, /value="GTU_12" checked/, 'the valid choice kept')
    t.equal((await b.db.selectFrom('jpk_document_marks').selectAll().execute()).length, 0, 'nothing stored')
    t.equal((await b.owner.get('/ksiegowosc/jpk-v7/oznaczenia/999999')).statusCode, 404)
    const saved = await b.owner.post(`/ksiegowosc/jpk-v7/oznaczenia/${docs.fv2.documentId}`, {
      oznaczenie: ['WSTO_EE', 'GTU_12']
    })
    t.equal(saved.statusCode, 303)
    t.equal(saved.headers.location, `/ksiegowosc/jpk-v7?okres=2026-11#dokument-${docs.fv2.documentId}`)
    t.same(
      (await b.db.selectFrom('jpk_document_marks').select('mark').orderBy('mark').execute()).map((r) => r.mark),
      ['GTU_12', 'WSTO_EE']
    )
    const fv1Form = await b.owner.get(`/ksiegowosc/jpk-v7/oznaczenia/${docs.fv1.documentId}`)
    t.match(
      fv1Form.body,
      /Kody GTU pozycji[^<]*<span class="badge mark">GTU_06<\/span>/,
      "the product's code shown as coming from the lines"
    )
    t.match(fv1Form.body, 'jest oznaczony jako podmiot powiązany')

    const page = await b.owner.get('/ksiegowosc/jpk-v7?okres=2026-11')
    t.equal(page.statusCode, 200)
    for (const [name, value] of [
      ['P_15', '50'],
      ['P_16', '3'],
      ['P_17', '100'],
      ['P_18', '8'],
      ['P_19', '300'],
      ['P_20', '69'],
      ['P_37', '450'],
      ['P_38', '80'],
      ['P_51', '80']
    ]) {
      t.match(page.body, declRow(name, value), `${name} = ${value} zł`)
    }
    t.match(page.body, 'id="podatek-nalezny">79,50<', 'FP row outside the control sum')
    t.match(
      page.body,
      new RegExp(
        `id="dokument-${docs.fv1.documentId}">[\\s\\S]*?<span class="badge mark">GTU_06</span> <span class="badge mark">TP</span>`
      )
    )
    t.match(
      page.body,
      /FV 90\/11\/2026[\s\S]*?<span class="badge warn">FP<\/span>[\s\S]*?faktura do paragonu – poza sumami/
    )

    const response = await b.owner.post('/ksiegowosc/jpk-v7/plik', { okres: '2026-11', nadwyzka: '0' })
    t.equal(response.statusCode, 200)
    const xml = response.body
    t.equal(xmllint('V7M', xml), '', 'xmllint accepts the file with GTU, TP, WSTO_EE, FP, RO and WEW rows')

    const fv1 = rowOf(xml, docs.fv1.number)
    t.match(
      fv1,
      /<BFK>1<\/BFK>\s*<GTU_06>1<\/GTU_06>\s*<TP>1<\/TP>\s*<K_19>200\.00<\/K_19>\s*<K_20>46\.00<\/K_20>/,
      'GTU_06 from the product, TP from the contractor, in schema order'
    )
    t.equal(field(fv1, 'NrKontrahenta'), RELATED.nip)
    const fv2 = rowOf(xml, docs.fv2.number)
    t.match(
      fv2,
      /<BFK>1<\/BFK>\s*<GTU_12>1<\/GTU_12>\s*<WSTO_EE>1<\/WSTO_EE>\s*<K_17>100\.00<\/K_17>/,
      'the hand-set marks, GTU before procedures'
    )
    t.notMatch(fv2, '<TP>', 'no TP for a buyer not related')
    t.equal(field(fv2, 'NrKontrahenta'), 'BRAK', 'a consumer')

    const ro = rowOf(xml, 'PAR 7/11/2026')
    t.match(ro, /<NrKontrahenta>BRAK<\/NrKontrahenta>\s*<NazwaKontrahenta>BRAK<\/NazwaKontrahenta>/)
    t.match(
      ro,
      /<DI>1<\/DI>\s*<TypDokumentu>RO<\/TypDokumentu>\s*<K_19>100\.00<\/K_19>\s*<K_20>23\.00<\/K_20>/,
      'the receipt: DI, RO, its amounts'
    )
    const fp = rowOf(xml, 'FV 90/11/2026')
    t.match(
      fp,
      /<DataWystawienia>2026-11-12<\/DataWystawienia>\s*<DataSprzedazy>2026-11-10<\/DataSprzedazy>\s*<BFK>1<\/BFK>\s*<TypDokumentu>FP<\/TypDokumentu>\s*<K_19>100\.00<\/K_19>\s*<K_20>23\.00<\/K_20>/,
      'the invoice to the receipt: FP with its amounts'
    )
    t.equal(field(fp, 'NrKontrahenta'), '1234563218')
    const wew = rowOf(xml, 'IPS 3/11/2026')
    t.match(
      wew,
      /<DI>1<\/DI>\s*<TypDokumentu>WEW<\/TypDokumentu>\s*<K_15>50\.00<\/K_15>\s*<K_16>2\.50<\/K_16>/,
      'the internal document: DI, WEW'
    )

    t.equal(field(xml, 'LiczbaWierszySprzedazy'), '5', 'the FP row is a row')
    t.equal(field(xml, 'PodatekNalezny'), '79.50', 'but its tax is not counted twice')
    for (const [name, value] of [
      ['P_15', '50'],
      ['P_16', '3'],
      ['P_17', '100'],
      ['P_18', '8'],
      ['P_19', '300'],
      ['P_20', '69'],
      ['P_37', '450'],
      ['P_38', '80'],
      ['P_51', '80']
    ]) {
      t.equal(field(xml, name), value, `${name} in the file`)
    }

    // removing the hand marks takes them out of the next file
    await b.owner.get(`/ksiegowosc/jpk-v7/oznaczenia/${docs.fv2.documentId}`)
    t.equal((await b.owner.post(`/ksiegowosc/jpk-v7/oznaczenia/${docs.fv2.documentId}`, {})).statusCode, 303)
    const again = (await b.owner.post('/ksiegowosc/jpk-v7/plik', { okres: '2026-11', nadwyzka: '0' })).body
    t.notMatch(rowOf(again, docs.fv2.number), '<GTU_12>')
    t.match(rowOf(again, docs.fv1.number), '<TP>1</TP>', "the contractor's TP stays")
    t.equal(xmllint('V7M', again), '')
  }
)
