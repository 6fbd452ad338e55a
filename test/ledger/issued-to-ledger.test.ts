import t from 'tap'
import { cancelDocument, issueManualDocument } from '../../src/sales/issuing.ts'
import { build } from '../helpers/app.ts'

// The whole way through the documents feature: an invoice issued by hand is booked at once, shows
// up in KSIĘGOWOŚĆ, exports as CSV and cannot be cancelled until it is unbooked.
t.test('an issued invoice is booked automatically, visible in KSIĘGOWOŚĆ and in the month CSV', async (t) => {
  const { owner, db, clock } = await build(t)
  const ownerId = (await db.selectFrom('users').select('id').executeTakeFirstOrThrow()).id
  // 2 × 61,50 at 23%: gross 123,00 → VAT 23,00, net 100,00
  const issued = await issueManualDocument(
    db,
    {
      type: 'faktura',
      contractorId: null,
      buyer: {
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
      },
      issueDate: '2026-11-16',
      saleDate: '2026-11-16',
      dueDate: '2026-11-30',
      paymentMethod: 'przelew',
      paid: false,
      notes: '',
      lines: [{ name: 'Lampa biurkowa', unit: 'szt.', quantityMilli: 2000, unitPriceGross: 6150, vatRate: '23' }],
      userId: ownerId
    },
    clock()
  )
  if (!issued.ok) throw new Error(issued.problem)

  const kpir = await owner.get('/ksiegowosc/kpir?miesiac=2026-11')
  t.match(
    kpir.body,
    new RegExp(
      `id="wpis-1"[\\s\\S]*?href="/przychody/dokumenty/${issued.documentId}">${issued.number}</a>[\\s\\S]*?Pracownia Nowak[\\s\\S]*?100,00`
    )
  )
  const csv = await owner.get('/ksiegowosc/rejestr-vat/csv?miesiac=2026-11')
  t.match(csv.body, `1;16.11.2026;16.11.2026;${issued.number};BFK;;Pracownia Nowak;1234563218;100,00;23,00;`)

  const document = await owner.get(`/przychody/dokumenty/${issued.documentId}`)
  t.match(document.body, 'Podatkowa księga przychodów i rozchodów', 'the document page shows where it is booked')

  const refused = await cancelDocument(db, { documentId: issued.documentId, userId: ownerId }, clock())
  t.same(refused, {
    ok: false,
    problem: 'Dokument jest zaksięgowany – najpierw go odksięguj w KSIĘGOWOŚĆ (miesiąc musi być otwarty).'
  })
  await owner.get(`/ksiegowosc/dokumenty/${issued.documentId}`)
  t.equal((await owner.post(`/ksiegowosc/dokumenty/${issued.documentId}/odksiegowanie`)).statusCode, 303)
  const cancelled = await cancelDocument(db, { documentId: issued.documentId, userId: ownerId }, clock())
  t.ok(cancelled.ok, 'unbooked, it can be cancelled')
  t.match(
    (await owner.get('/ksiegowosc/do-zaksiegowania')).body,
    'Wszystkie wystawione dokumenty są zaksięgowane.',
    'and a cancelled document waits for nothing'
  )
})
