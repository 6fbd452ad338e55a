// No dead ends, and buttons that cannot post twice: a transaction with its invoice offers the
// invoice, not "Wystaw Fakturę" again; a document opened from a transaction goes back to it; a
// booked document's cancellation links to where it is un-booked; the issuing buttons carry their
// busy text for public/js/app.js, and the server itself refuses a second issue of the same order.
import t from 'tap'
import { build } from '../helpers/app.ts'
import { insertShop, insertTransaction } from '../helpers/transaction-fixtures.ts'

async function issue(owner: Awaited<ReturnType<typeof build>>['owner'], transactionId: number, type: string) {
  await owner.get(`/przychody/allegro/${transactionId}`)
  const response = await owner.post('/przychody/dokumenty/wystaw', { transactionIds: [String(transactionId)], type })
  t.equal(response.statusCode, 303, `Wystaw ${type}: 303`)
  return response
}

const optionValues = (html: string): string[] => {
  const select = /<select id="f-type" name="type">([\s\S]*?)<\/select>/.exec(html)
  return select === null ? [] : [...select[1].matchAll(/<option value="([^"]+)"/g)].map((m) => m[1])
}

t.test('a transaction offers only the documents it may still get, and links to the ones it has', async (t) => {
  const { db, owner } = await build(t)
  const shopId = await insertShop(db)
  const invoiced = await insertTransaction(db, shopId, { invoice: 'company' })
  const receipted = await insertTransaction(db, shopId, { invoice: 'none' })

  const fresh = await owner.get(`/przychody/allegro/${invoiced}`)
  t.ok(optionValues(fresh.body).includes('faktura'), 'before: Faktura is offered')
  t.ok(optionValues(fresh.body).includes('paragon'), 'before: Paragon is offered')
  t.notMatch(fresh.body, 'id="wystawione"', 'before: nothing issued yet')

  await issue(owner, invoiced, 'faktura')
  const doc = await db
    .selectFrom('document_transactions as dt')
    .innerJoin('documents as d', 'd.id', 'dt.document_id')
    .select(['d.id', 'd.number'])
    .where('dt.transaction_id', '=', invoiced)
    .executeTakeFirstOrThrow()
  const after = await owner.get(`/przychody/allegro/${invoiced}`)
  const offered = optionValues(after.body)
  t.notOk(offered.includes('faktura'), 'after the invoice: Faktura is not offered again')
  t.notOk(offered.includes('paragon'), 'nor a receipt (refused after the invoice)')
  t.ok(offered.includes('proforma'), 'a pro forma still is')
  t.match(
    after.body,
    new RegExp(
      `id="wystawione">Wystawiono: <a href="/przychody/dokumenty/${doc.id}\\?transakcja=${invoiced}">${doc.number.replace(/\//g, '\\/')}</a>`
    ),
    'the existing invoice is offered instead'
  )

  await issue(owner, receipted, 'paragon')
  const receiptPage = await owner.get(`/przychody/allegro/${receipted}`)
  t.ok(optionValues(receiptPage.body).includes('faktura'), 'after a receipt: an invoice to it is still offered')
  t.notOk(optionValues(receiptPage.body).includes('paragon'), 'a second receipt is not')
})

t.test('the server refuses a second issue of the same order (a double click that got through)', async (t) => {
  const { db, owner } = await build(t)
  const shopId = await insertShop(db)
  const id = await insertTransaction(db, shopId, { invoice: 'company' })
  await owner.get('/przychody/allegro')
  const first = owner.post('/przychody/dokumenty/wystaw', { transactionIds: [String(id)], type: 'faktura' })
  const second = owner.post('/przychody/dokumenty/wystaw', { transactionIds: [String(id)], type: 'faktura' })
  const answers = await Promise.all([first, second])
  t.same(
    answers.map((a) => a.statusCode),
    [303, 303]
  )
  const count = await db
    .selectFrom('document_transactions')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('transaction_id', '=', id)
    .executeTakeFirstOrThrow()
  t.equal(Number(count.n), 1, 'one invoice, not two')
  const report = await owner.get(String(answers[1].headers.location))
  t.match(report.body, /już|wystawiono/i, 'the second report says the order already has it')
})

t.test('busy buttons: the script is on the page and the issuing buttons carry their busy text', async (t) => {
  const { db, owner } = await build(t)
  const shopId = await insertShop(db)
  const id = await insertTransaction(db, shopId, { invoice: 'company' })
  const pages = [
    {
      url: '/przychody/allegro',
      button: /formaction="\/przychody\/dokumenty\/wystaw" data-busy="Wystawianie…">Wystaw</
    },
    { url: `/przychody/allegro/${id}`, button: /data-busy="Wystawianie…">Wystaw</ },
    { url: '/przychody/dokumenty/nowy', button: /value="issue" data-busy="Wystawianie…">Wystaw dokument</ }
  ]
  for (const p of pages) {
    const page = await owner.get(p.url)
    t.equal(page.statusCode, 200, p.url)
    t.match(page.body, '<script src="/public/js/app.js" defer></script>', `${p.url}: the script`)
    t.match(page.body, p.button, `${p.url}: the button's busy text`)
  }
  const script = await owner.get('/public/js/app.js')
  t.equal(script.statusCode, 200)
  t.match(script.body, "clicked.dataset.busy || 'Trwa…'", 'the script reads data-busy, "Trwa…" by default')
  t.match(script.body, 'form.dataset.submitting', 'and refuses a second submit of the same form')
})

t.test('Wróć do transakcji, and the way to un-book a booked document before cancelling it', async (t) => {
  const { db, owner } = await build(t)
  const shopId = await insertShop(db)
  const id = await insertTransaction(db, shopId, { invoice: 'company' })
  const other = await insertTransaction(db, shopId, { invoice: 'none' })
  await issue(owner, id, 'faktura')
  const docId = (
    await db
      .selectFrom('document_transactions')
      .select('document_id')
      .where('transaction_id', '=', id)
      .executeTakeFirstOrThrow()
  ).document_id

  const fromTransaction = await owner.get(`/przychody/dokumenty/${docId}?transakcja=${id}`)
  t.match(
    fromTransaction.body,
    `<a href="/przychody/allegro/${id}" id="wroc-do-transakcji">Wróć do transakcji</a>`,
    'opened from its transaction: the way back'
  )
  for (const q of [`?transakcja=${other}`, '?transakcja=abc', '?transakcja=1%20OR%201=1', '']) {
    const page = await owner.get(`/przychody/dokumenty/${docId}${q}`)
    t.equal(page.statusCode, 200, `${q || 'no query'}: 200`)
    t.notMatch(page.body, 'wroc-do-transakcji', `${q || 'no query'}: no link to a transaction it did not come from`)
  }

  await owner.get(`/ksiegowosc/dokumenty/${docId}`)
  const booked = await owner.post(`/ksiegowosc/dokumenty/${docId}/ksiegowanie`)
  t.equal(booked.statusCode, 303, 'booked')
  const cancel = await owner.get(`/przychody/dokumenty/${docId}/anulowanie`)
  t.match(
    cancel.body,
    `<a href="/ksiegowosc/dokumenty/${docId}#odksiegowanie" id="odksieguj-link">najpierw go odksięguj</a>`,
    '"najpierw go odksięguj" links to the booking page'
  )
  const ledgerPage = await owner.get(`/ksiegowosc/dokumenty/${docId}`)
  t.match(ledgerPage.body, 'id="odksiegowanie"', 'which has the Odksięguj form at that anchor')
})
