import t from 'tap'
import {
  autoBookIssuedDocument,
  bookingStatusForDocument,
  whyDocumentCannotBeCancelled
} from '../../src/ledger/ledger.hooks.ts'
import { build, seedUser } from '../helpers/app.ts'
import { TestClient } from '../helpers/client.ts'
import { entriesOf, insertDocument } from '../helpers/ledger-fixtures.ts'

const numbers = async (db: Parameters<typeof entriesOf>[0], register = 'kpir') =>
  (await entriesOf(db, register)).map((e) => `${e.entry_number}:${e.document_number}`)

t.test('Lp. stays consecutive and in date order when booking out of order and unbooking', async (t) => {
  const { owner, db } = await build(t)
  const late = await insertDocument(db, { issueDate: '2026-11-20', lines: [{ vatRate: '23', gross: 12300 }] })
  const middle = await insertDocument(db, { issueDate: '2026-11-10', lines: [{ vatRate: '23', gross: 24600 }] })
  const early = await insertDocument(db, { issueDate: '2026-11-02', lines: [{ vatRate: '23', gross: 36900 }] })
  const sameDay = await insertDocument(db, { issueDate: '2026-11-10', lines: [{ vatRate: '23', gross: 1230 }] })

  await owner.get(`/ksiegowosc/dokumenty/${late}`)
  const first = await owner.post(`/ksiegowosc/dokumenty/${late}/ksiegowanie`)
  t.equal(first.statusCode, 303)
  t.equal(first.headers.location, `/ksiegowosc/dokumenty/${late}`)
  t.match(
    (await owner.get(`/ksiegowosc/dokumenty/${late}`)).body,
    'Zaksięgowano FV 1/11/2026: Podatkowa księga przychodów i rozchodów, Lp. 1; Rejestr sprzedaży VAT, Lp. 1.'
  )
  await owner.post(`/ksiegowosc/dokumenty/${middle}/ksiegowanie`)
  t.same(await numbers(db), ['1:FV 2/11/2026', '2:FV 1/11/2026'], 'an earlier document moves the later one up')
  await owner.post(`/ksiegowosc/dokumenty/${early}/ksiegowanie`)
  await owner.post(`/ksiegowosc/dokumenty/${sameDay}/ksiegowanie`)
  t.same(
    await numbers(db),
    ['1:FV 3/11/2026', '2:FV 2/11/2026', '3:FV 4/11/2026', '4:FV 1/11/2026'],
    'same day: after the ones already booked'
  )
  t.same(
    await numbers(db, 'vat'),
    ['1:FV 3/11/2026', '2:FV 2/11/2026', '3:FV 4/11/2026', '4:FV 1/11/2026'],
    'the VAT register has its own, equal numbering'
  )

  const twice = await owner.post(`/ksiegowosc/dokumenty/${early}/ksiegowanie`)
  t.equal(twice.statusCode, 303)
  t.match((await owner.get(`/ksiegowosc/dokumenty/${early}`)).body, 'jest już zaksięgowany')
  t.equal((await entriesOf(db, 'kpir')).length, 4, 'a second click books nothing twice')

  const unbook = await owner.post(`/ksiegowosc/dokumenty/${middle}/odksiegowanie`)
  t.equal(unbook.statusCode, 303)
  t.same(await numbers(db), ['1:FV 3/11/2026', '2:FV 4/11/2026', '3:FV 1/11/2026'], 'no gap after unbooking')
  t.same(await numbers(db, 'vat'), ['1:FV 3/11/2026', '2:FV 4/11/2026', '3:FV 1/11/2026'])
  const log = await owner.get(`/ksiegowosc/dokumenty/${middle}`)
  t.match(log.body, 'Dokument nie jest zaksięgowany.')
  t.match(log.body, /odksięgowano \(Podatkowa księga przychodów i rozchodów, Lp\. 2\), Jan Kowalski/)
  const again = await owner.post(`/ksiegowosc/dokumenty/${middle}/odksiegowanie`)
  t.equal(again.statusCode, 303)
  t.match((await owner.get(`/ksiegowosc/dokumenty/${middle}`)).body, 'Dokument nie jest zaksięgowany.')

  const status = await bookingStatusForDocument(db, late)
  t.same(
    status.map((s) => [s.register, s.entryNumber, s.month, s.link]),
    [
      ['kpir', 3, '2026-11', '/ksiegowosc/kpir?miesiac=2026-11#wpis-3'],
      ['vat', 3, '2026-11', '/ksiegowosc/rejestr-vat?miesiac=2026-11#wpis-3']
    ]
  )
  t.same(await bookingStatusForDocument(db, middle), [], 'an unbooked document has no status rows')
})

t.test('a closed month refuses booking, unbooking and cancelling; the owner can reopen the last one', async (t) => {
  const { owner, db, app } = await build(t)
  const october = await insertDocument(db, { issueDate: '2026-10-15', lines: [{ vatRate: '23', gross: 12300 }] })
  const octoberLate = await insertDocument(db, { issueDate: '2026-10-28', lines: [{ vatRate: '8', gross: 10800 }] })
  const november = await insertDocument(db, { issueDate: '2026-11-05', lines: [{ vatRate: '23', gross: 24600 }] })
  await owner.get('/ksiegowosc')
  await owner.post(`/ksiegowosc/dokumenty/${october}/ksiegowanie`)

  const blocked = await owner.post('/ksiegowosc/miesiace/2026-10/zamkniecie', {
    wroc: '/ksiegowosc/kpir?miesiac=2026-10'
  })
  t.equal(blocked.statusCode, 303)
  t.equal(blocked.headers.location, '/ksiegowosc/kpir?miesiac=2026-10', 'back to the page the form was on')
  t.match((await owner.get('/ksiegowosc')).body, 'dokumenty czekają na zaksięgowanie (FV 2/10/2026)')
  t.equal(
    (await db.selectFrom('ledger_closed_months').selectAll().execute()).length,
    0,
    'nothing closed while documents wait'
  )

  await owner.post(`/ksiegowosc/dokumenty/${octoberLate}/ksiegowanie`)
  const closed = await owner.post('/ksiegowosc/miesiace/2026-10/zamkniecie', { wroc: 'https://zly.example/' })
  t.equal(closed.headers.location, '/ksiegowosc?miesiac=2026-10', 'a foreign return address is ignored')
  const months = (await db.selectFrom('ledger_closed_months').select('month').orderBy('month').execute()).map(
    (r) => r.month
  )
  t.same(
    months,
    ['2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06', '2026-07', '2026-08', '2026-09', '2026-10'],
    'closing October closes the months before it'
  )

  const before = await numbers(db)
  await owner.post(`/ksiegowosc/dokumenty/${october}/odksiegowanie`)
  t.match((await owner.get(`/ksiegowosc/dokumenty/${october}`)).body, 'Miesiąc październik 2026 jest zamknięty')
  t.same(await numbers(db), before, 'unbooking in a closed month changed nothing')

  t.equal(
    await db.transaction().execute(async (trx) => await whyDocumentCannotBeCancelled(trx, october)),
    'Dokument jest zaksięgowany w zamkniętym miesiącu październik 2026 – nie można go anulować. Wystaw fakturę korygującą.'
  )
  t.equal(
    await db.transaction().execute(async (trx) => await whyDocumentCannotBeCancelled(trx, november)),
    null,
    'an unbooked document of an open month may be cancelled'
  )

  // a document sold in the closed month, issued in November (FV 2/11/2026), arrives later
  const lateArrival = await insertDocument(db, {
    issueDate: '2026-11-03',
    saleDate: '2026-10-30',
    lines: [{ vatRate: '23', gross: 1230 }]
  })
  await owner.post(`/ksiegowosc/dokumenty/${lateArrival}/ksiegowanie`)
  t.match(
    (await owner.get(`/ksiegowosc/dokumenty/${lateArrival}`)).body,
    'Miesiąc październik 2026 jest zamknięty – otwórz go ponownie'
  )
  t.equal(
    await db.transaction().execute(async (trx) => await whyDocumentCannotBeCancelled(trx, lateArrival)),
    'Miesiąc październik 2026 jest zamknięty w księgowości – nie można anulować dokumentu z tego miesiąca.'
  )
  const pending = await owner.get('/ksiegowosc/do-zaksiegowania')
  t.match(
    pending.body,
    /value="\d+" aria-label="Zaznacz FV 2\/11\/2026" disabled>[\s\S]*?miesiąc październik 2026 zamknięty/
  )
  const bulk = await owner.post('/ksiegowosc/do-zaksiegowania', { dokumenty: [String(lateArrival), String(november)] })
  t.equal(bulk.statusCode, 303)
  const bulkPage = await owner.get('/ksiegowosc/do-zaksiegowania')
  t.match(bulkPage.body, 'Zaksięgowano dokumenty: 1.')
  t.match(bulkPage.body, 'FV 2/11/2026: Miesiąc październik 2026 jest zamknięty')
  t.same(
    await numbers(db),
    ['1:FV 1/10/2026', '2:FV 2/10/2026', '3:FV 1/11/2026'],
    'November booked after the closed October entries'
  )

  t.equal((await owner.post('/ksiegowosc/miesiace/2026-12/zamkniecie')).statusCode, 303)
  t.match((await owner.get('/ksiegowosc')).body, 'grudzień 2026 jeszcze się nie zaczął')
  await owner.post('/ksiegowosc/miesiace/2026-10/zamkniecie')
  t.match((await owner.get('/ksiegowosc')).body, 'październik 2026 jest już zamknięty')

  // a bookkeeper (not the owner) may close but not reopen
  await seedUser(db, { login: 'ksiegowa', password: 'haslo-ksiegowej-1', name: 'Ewa Księgowa', ksiegowosc: true })
  const bookkeeper = new TestClient(app)
  await bookkeeper.login('ksiegowa', 'haslo-ksiegowej-1')
  await bookkeeper.get('/ksiegowosc')
  const notOwner = await bookkeeper.post('/ksiegowosc/miesiace/2026-10/otwarcie')
  t.equal(notOwner.statusCode, 403)
  t.equal((await db.selectFrom('ledger_closed_months').selectAll().execute()).length, 10)

  const tooEarly = await owner.post('/ksiegowosc/miesiace/2026-09/otwarcie')
  t.equal(tooEarly.statusCode, 303)
  t.match((await owner.get('/ksiegowosc')).body, 'Najpierw otwórz październik 2026')
  const overview = await owner.get('/ksiegowosc?miesiac=2026-10')
  t.match(
    overview.body,
    /action="\/ksiegowosc\/miesiace\/2026-10\/otwarcie"/,
    'the owner sees Otwórz ponownie on the last closed month'
  )
  t.notMatch(overview.body, /action="\/ksiegowosc\/miesiace\/2026-09\/otwarcie"/)
  t.equal((await owner.post('/ksiegowosc/miesiace/2026-10/otwarcie')).statusCode, 303)
  t.match((await owner.get('/ksiegowosc')).body, 'Otwarto ponownie miesiąc październik 2026')
  await owner.post(`/ksiegowosc/dokumenty/${lateArrival}/ksiegowanie`)
  t.same(
    await numbers(db),
    ['1:FV 1/10/2026', '2:FV 2/10/2026', '3:FV 2/11/2026', '4:FV 1/11/2026'],
    'after reopening the late document takes its place'
  )
  t.equal(
    await db.transaction().execute(async (trx) => await whyDocumentCannotBeCancelled(trx, october)),
    'Dokument jest zaksięgowany – najpierw go odksięguj w KSIĘGOWOŚĆ (miesiąc musi być otwarty).'
  )
})

t.test(
  'automatic booking at issue: on by default, off by the owner, never pro forma, never failing the issue',
  async (t) => {
    const { owner, db } = await build(t)
    const autoBook = async (id: number) => {
      await db.transaction().execute(async (trx) => {
        await autoBookIssuedDocument(trx, id)
      })
    }

    const invoice = await insertDocument(db, {
      issueDate: '2026-11-16',
      createdAt: '2026-11-16T10:30:00.000Z',
      lines: [{ vatRate: '23', gross: 12300 }]
    })
    await autoBook(invoice)
    const booked = await db
      .selectFrom('ledger_entries')
      .select(['register', 'booked_at', 'entry_number'])
      .where('document_id', '=', invoice)
      .orderBy('register')
      .execute()
    t.same(
      booked,
      [
        { register: 'kpir', booked_at: '2026-11-16T10:30:00.000Z', entry_number: 1 },
        { register: 'vat', booked_at: '2026-11-16T10:30:00.000Z', entry_number: 1 }
      ],
      'booked at the moment of issue'
    )

    const proforma = await insertDocument(db, {
      type: 'proforma',
      issueDate: '2026-11-16',
      lines: [{ vatRate: '23', gross: 12300 }]
    })
    await autoBook(proforma)
    t.same(await bookingStatusForDocument(db, proforma), [], 'pro forma is never booked')
    await owner.get(`/ksiegowosc/dokumenty/${proforma}`)
    await owner.post(`/ksiegowosc/dokumenty/${proforma}/ksiegowanie`)
    t.match((await owner.get(`/ksiegowosc/dokumenty/${proforma}`)).body, 'Pro forma nie jest dokumentem księgowym')
    t.same(await bookingStatusForDocument(db, proforma), [], 'not even by hand')
    t.equal(await db.transaction().execute(async (trx) => await whyDocumentCannotBeCancelled(trx, proforma)), null)

    const cancelled = await insertDocument(db, {
      issueDate: '2026-11-16',
      status: 'cancelled',
      lines: [{ vatRate: '23', gross: 12300 }]
    })
    await owner.post(`/ksiegowosc/dokumenty/${cancelled}/ksiegowanie`)
    t.match((await owner.get(`/ksiegowosc/dokumenty/${cancelled}`)).body, 'Dokument jest anulowany')
    t.same(await bookingStatusForDocument(db, cancelled), [])

    const noRate = await insertDocument(db, {
      issueDate: '2026-11-16',
      currency: 'EUR',
      totalVatPln: 0,
      lines: [{ vatRate: '23', gross: 12300 }]
    })
    await autoBook(noRate)
    t.same(
      await bookingStatusForDocument(db, noRate),
      [],
      'a document that cannot be booked stays waiting, the issue goes on'
    )

    const page = await owner.get('/ksiegowosc')
    t.match(page.body, /name="autoBook" value="1" checked/)
    const off = await owner.post('/ksiegowosc/automatyczne-ksiegowanie', {})
    t.equal(off.statusCode, 303)
    t.equal((await db.selectFrom('company').select('auto_book').executeTakeFirstOrThrow()).auto_book, 0)
    const manual = await insertDocument(db, { issueDate: '2026-11-16', lines: [{ vatRate: '8', gross: 10800 }] })
    await autoBook(manual)
    t.same(await bookingStatusForDocument(db, manual), [], 'with automatic booking off the document waits')
    t.match((await owner.get('/ksiegowosc/do-zaksiegowania')).body, 'FV 3/11/2026')
    await owner.post('/ksiegowosc/automatyczne-ksiegowanie', { autoBook: '1' })
    t.equal((await db.selectFrom('company').select('auto_book').executeTakeFirstOrThrow()).auto_book, 1)
  }
)
