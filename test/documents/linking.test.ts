import t from 'tap'
import { build, seedUser } from '../helpers/app.ts'
import { TestClient } from '../helpers/client.ts'
import { insertShop, insertTransaction } from '../helpers/transaction-fixtures.ts'
import { documentsForTransactions } from '../../src/documents/documents.queries.ts'
import { linkMismatches } from '../../src/documents/document.ts'

const manual = {
  type: 'faktura',
  contractorId: '',
  buyerName: 'Anna Nowak',
  buyerNip: '',
  buyerStreet: 'Kwiatowa 7/2',
  buyerPostalCode: '30-001',
  buyerCity: 'Kraków',
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
}

t.test('link a transaction to documents issued by hand, then unlink', async (t) => {
  const { db, owner } = await build(t)
  const shop = await insertShop(db)
  const id = await insertTransaction(db, shop)
  await owner.get('/przychody/dokumenty/nowy')
  // the receipt first: an invoice may follow a receipt of the sale, not the other way round
  await owner.post('/przychody/dokumenty/nowy', {
    ...manual,
    type: 'paragon',
    linePrice: ['10,00'],
    buyerName: 'Inny Klient'
  })
  await owner.post('/przychody/dokumenty/nowy', manual)
  const [receipt, invoice] = await db.selectFrom('documents').select(['id', 'number']).orderBy('id').execute()

  const page = await owner.get(`/przychody/allegro/${id}/powiazanie`)
  t.equal(page.statusCode, 200)
  t.match(page.body, 'Ta transakcja nie ma jeszcze dokumentów.')
  t.match(page.body, 'FV 1/11/2026', 'by default: documents with the transaction amount')
  t.notMatch(page.body, '>PAR 1/11/2026<')
  const byText = await owner.get(`/przychody/allegro/${id}/powiazanie?q=inny`)
  t.match(byText.body, 'PAR 1/11/2026')
  t.notMatch(byText.body, 'value="' + invoice.id + '"')
  const byAmount = await owner.get(`/przychody/allegro/${id}/powiazanie?kwota=10,00`)
  t.match(byAmount.body, 'PAR 1/11/2026')
  const badAmount = await owner.get(`/przychody/allegro/${id}/powiazanie?kwota=abc`)
  t.match(badAmount.body, 'Kwota, np. 123,45.')

  // the receipt is of another amount and buyer: shown, and linked only when confirmed
  const warned = await owner.post(`/przychody/allegro/${id}/powiazanie`, {
    documentIds: [String(invoice.id), String(receipt.id)]
  })
  t.equal(warned.statusCode, 422)
  t.match(warned.body, /kwota dokumentu PAR 1\/11\/2026 \(10,00\szł\) różni się od kwoty transakcji \(268,97\szł\)/)
  t.match(
    warned.body,
    'nabywca na dokumencie PAR 1/11/2026 („Inny Klient”) to nie kupujący z transakcji („Anna Nowak”)'
  )
  t.notMatch(warned.body, 'dokumencie FV 1/11/2026', 'the invoice agrees with the order')
  t.match(warned.body, 'name="confirm"')
  t.match(
    warned.body,
    `value="${receipt.id}" id="doc-${receipt.id}" checked`,
    'the choice is kept, though the receipt is not of the default amount'
  )
  t.equal((await db.selectFrom('document_transactions').selectAll().execute()).length, 0, 'nothing linked yet')
  const linked = await owner.post(`/przychody/allegro/${id}/powiazanie`, {
    documentIds: [String(invoice.id), String(receipt.id)],
    confirm: 'on'
  })
  t.equal(linked.statusCode, 303)
  t.equal(linked.headers.location, `/przychody/allegro/${id}/powiazanie`)
  const after = await owner.get(`/przychody/allegro/${id}/powiazanie`)
  t.match(after.body, 'Powiązano z transakcją: FV 1/11/2026, PAR 1/11/2026.')
  t.match(after.body, 'powiązany ręcznie')
  const links = await documentsForTransactions(db, [id])
  t.same(
    links
      .get(id)
      ?.map((d) => [d.number, d.linkKind])
      .sort(),
    [
      ['FV 1/11/2026', 'linked'],
      ['PAR 1/11/2026', 'linked']
    ]
  )
  const detail = await owner.get(`/przychody/dokumenty/${invoice.id}`)
  t.match(detail.body, 'powiązany ręcznie')

  // a linked invoice counts: Wystaw Faktura is refused, the transaction is documented
  await owner.post('/przychody/dokumenty/wystaw', { transactionIds: String(id), type: 'faktura' })
  t.equal((await db.selectFrom('documents').selectAll().execute()).length, 2)

  const unlinked = await owner.post(`/przychody/allegro/${id}/powiazanie/${invoice.id}/usun`)
  t.equal(unlinked.statusCode, 303)
  t.match((await owner.get(`/przychody/allegro/${id}/powiazanie`)).body, 'Usunięto powiązanie')
  t.same(
    (await documentsForTransactions(db, [id])).get(id)?.map((d) => d.number),
    ['PAR 1/11/2026']
  )
  await owner.get('/przychody/dokumenty')
  await owner.post('/przychody/dokumenty/wystaw', { transactionIds: String(id), type: 'faktura' })
  t.equal(
    (await db.selectFrom('documents').selectAll().execute()).length,
    3,
    'after unlinking an invoice can be issued'
  )
})

t.test('linking refuses a second document of a kind, cancelled documents and issued links', async (t) => {
  const { db, owner } = await build(t, { company: { auto_book: 0 } })
  const shop = await insertShop(db)
  const id = await insertTransaction(db, shop)
  await owner.get('/przychody/dokumenty')
  await owner.post('/przychody/dokumenty/wystaw', { transactionIds: String(id), type: 'faktura' })
  await owner.get('/przychody/dokumenty/nowy')
  await owner.post('/przychody/dokumenty/nowy', manual)
  await owner.post('/przychody/dokumenty/nowy', { ...manual, type: 'paragon' })
  const [issued, other, receipt] = await db.selectFrom('documents').select(['id', 'number']).orderBy('id').execute()
  await owner.post(`/przychody/dokumenty/${receipt.id}/anulowanie`)
  await owner.get(`/przychody/allegro/${id}/powiazanie`)
  await owner.post(`/przychody/allegro/${id}/powiazanie`, {
    documentIds: [String(other.id), String(receipt.id), 'x'],
    confirm: 'on'
  })
  const page = await owner.get(`/przychody/allegro/${id}/powiazanie`)
  t.match(page.body, `Nie powiązano ${other.number}: transakcja ma już dokument tego rodzaju (${issued.number}).`)
  t.match(page.body, `Nie powiązano ${receipt.number}: dokument jest anulowany.`)
  const removeIssued = await owner.post(`/przychody/allegro/${id}/powiazanie/${issued.id}/usun`)
  t.equal(removeIssued.statusCode, 303)
  t.match((await owner.get(`/przychody/allegro/${id}/powiazanie`)).body, 'anuluj dokument')
  t.equal((await db.selectFrom('document_transactions').selectAll().execute()).length, 1)
  const none = await owner.post(`/przychody/allegro/${id}/powiazanie`, {})
  t.equal(none.statusCode, 303)
  t.match((await owner.get(`/przychody/allegro/${id}/powiazanie`)).body, 'Zaznacz co najmniej jeden dokument')
})

t.test('linking needs the Allegro module and CSRF; unknown transaction is 404', async (t) => {
  const { app, db, owner, anonymous } = await build(t)
  const shop = await insertShop(db)
  const id = await insertTransaction(db, shop)
  t.equal((await anonymous.get(`/przychody/allegro/${id}/powiazanie`)).statusCode, 303)
  t.equal((await owner.get('/przychody/allegro/999/powiazanie')).statusCode, 404)
  await owner.get(`/przychody/allegro/${id}/powiazanie`)
  t.equal(
    (await owner.post(`/przychody/allegro/${id}/powiazanie`, { documentIds: '1' }, { csrf: null })).statusCode,
    403
  )
  await seedUser(db, { login: 'ksiegowa', password: 'haslo-ksiegowej-1', ksiegowosc: true })
  const noAllegro = new TestClient(app)
  await noAllegro.login('ksiegowa', 'haslo-ksiegowej-1')
  t.equal((await noAllegro.get(`/przychody/allegro/${id}/powiazanie`)).statusCode, 403)
})

t.test('linkMismatches: amount, currency, NIP and name, each on its own', async (t) => {
  const money = (grosze: number, currency: string) => `${(grosze / 100).toFixed(2)} ${currency}`
  const sale = {
    buyerNames: ['Warsztat Nowak s.c.', 'Anna Nowak'],
    buyerNip: '6762468259',
    totalToPay: 26897,
    currency: 'PLN'
  }
  const doc = {
    number: 'FV 3/11/2026',
    buyerName: 'WARSZTAT  NOWAK S.C.',
    buyerNip: '676-246-82-59',
    totalGross: 26897,
    currency: 'PLN'
  }
  t.same(linkMismatches(doc, sale, money), [], 'case, spacing and dashes do not matter')
  t.same(linkMismatches({ ...doc, totalGross: 26896 }, sale, money), [
    'kwota dokumentu FV 3/11/2026 (268.96 PLN) różni się od kwoty transakcji (268.97 PLN)'
  ])
  t.same(linkMismatches({ ...doc, currency: 'EUR' }, sale, money), [
    'kwota dokumentu FV 3/11/2026 (268.97 EUR) różni się od kwoty transakcji (268.97 PLN)'
  ])
  t.same(linkMismatches({ ...doc, buyerNip: '5261040828' }, sale, money), [
    'NIP nabywcy na dokumencie FV 3/11/2026 (5261040828) różni się od NIP kupującego w Allegro (6762468259)'
  ])
  t.same(linkMismatches({ ...doc, buyerNip: null }, sale, money), [
    'dokument FV 3/11/2026 nie ma NIP nabywcy, a kupujący podał w Allegro NIP 6762468259'
  ])
  t.same(linkMismatches(doc, { ...sale, buyerNip: null }, money), [
    'dokument FV 3/11/2026 ma NIP nabywcy 6762468259, a kupujący nie podał NIP w Allegro'
  ])
  t.same(
    linkMismatches({ ...doc, buyerName: 'Anna Nowak' }, sale, money),
    [],
    "the account owner's name is the buyer too"
  )
  t.same(linkMismatches({ ...doc, buyerName: 'Jan Kowalski' }, sale, money), [
    'nabywca na dokumencie FV 3/11/2026 („Jan Kowalski”) to nie kupujący z transakcji („Warsztat Nowak s.c.”)'
  ])
  t.same(
    linkMismatches({ ...doc, buyerName: '', buyerNip: null }, sale, money),
    [],
    'a receipt without a buyer is compared by amount only'
  )
})
