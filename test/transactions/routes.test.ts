import t from 'tap'
import type { Queryable } from '../../src/db/database.ts'
import { seedUser } from '../helpers/app.ts'
import { TestClient } from '../helpers/client.ts'
import { setupImport, type ImportSetup } from './helpers.ts'

const LIST = '/przychody/allegro'

async function importViaButton(s: ImportSetup, browser = s.owner) {
  await browser.get(LIST)
  const response = await browser.post(`${LIST}/pobierz`, { shopId: String(s.shopId), back: LIST })
  if (response.statusCode !== 303) throw new Error(`import: ${response.statusCode}`)
  return response
}

async function rowOf(db: Queryable, formId: string) {
  return await db
    .selectFrom('transactions')
    .selectAll()
    .where('checkout_form_id', '=', formId)
    .executeTakeFirstOrThrow()
}

async function insertDocument(db: Queryable, transactionId: number, number: string): Promise<number> {
  const at = '2026-11-16T09:00:00.000Z'
  const doc = await db
    .insertInto('documents')
    .values({
      type: 'faktura',
      number,
      period: '2026-11',
      seq: Number(number.replace(/\D/g, '').slice(0, 6)) || 1,
      issue_date: '2026-11-16',
      sale_date: '2026-11-16',
      payment_method: 'przelew',
      seller_name: 'S',
      seller_nip: '5261040828',
      seller_address: 'A',
      buyer_name: 'B',
      total_net: 100,
      total_vat: 23,
      total_gross: 123,
      total_vat_pln: 23,
      created_at: at
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  await db
    .insertInto('document_transactions')
    .values({ document_id: doc.id, transaction_id: transactionId, link_kind: 'issued', created_at: at })
    .execute()
  return doc.id
}

t.test('POBIERZ NOWE TRANSAKCJE: import, result on the page, the list with links', async (t) => {
  const s = await setupImport(t, { initialOrders: 12 })
  const empty = await s.owner.get(LIST)
  t.equal(empty.statusCode, 200)
  t.match(empty.body, 'POBIERZ NOWE TRANSAKCJE')
  t.match(empty.body, 'jeszcze nie pobierano')

  const response = await importViaButton(s)
  t.equal(response.headers.location, LIST)
  const page = await s.owner.get(LIST)
  t.match(page.body, 'Pobrano transakcje ze sklepu Sklep Demo: 12 nowych, 0 zaktualizowanych.')
  t.match(page.body, /<td>\s*12 nowych, 0 zaktualizowanych\s*<\/td>/, 'last result per shop')
  t.match(page.body, 'o 10:10', 'when the next import is allowed (10:00 + 10 min, Warsaw time)')
  t.match(page.body, '12 transakcji')

  const forms = s.sim.simulator.listOrders({ seller: 'demo_sklep' })
  for (const form of forms) {
    const row = await rowOf(s.db, form.id)
    t.match(
      page.body,
      `<a href="/przychody/allegro/${row.id}">${form.id.slice(0, 8).toUpperCase()}</a>`,
      'number links to details'
    )
    if (form.marketplace.id === 'allegro-pl')
      t.match(page.body, `href="https://allegro.pl/oferta/${form.lineItems[0].offer.id}"`, 'direct offer link')
    t.match(page.body, `nr ${form.lineItems[0].offer.id}`)
  }
  const multi = forms.find((f) => f.lineItems.length > 1)
  if (multi)
    t.match(
      page.body,
      `+${multi.lineItems.length - 1} ${multi.lineItems.length === 2 ? 'pozycja' : 'pozycje'}`,
      'cart size shown'
    )
  const first = forms[0]
  t.match(page.body, first.buyer.login)
  t.match(page.body, /<input type="checkbox" name="transactionIds" value="\d+"/, 'checkboxes for bulk actions')
  t.match(page.body, 'data-select-all="transactionIds"')
  t.match(page.body, 'formaction="/przychody/dokumenty/wystaw"')
  for (const label of ['Faktura', 'Pro forma', 'Paragon', 'Inny przychód – sprzedaż'])
    t.match(page.body, `>${label}</option>`)
  t.notMatch(page.body, 'Faktura (bez VAT)', 'a VAT payer is not offered the non-VAT types')
})

t.test('filters, search and paging', async (t) => {
  const s = await setupImport(t, { initialOrders: 60 })
  await importViaButton(s)
  const forms = s.sim.simulator.listOrders({ seller: 'demo_sklep' })
  const all = await s.db
    .selectFrom('transactions')
    .selectAll()
    .orderBy('bought_at', 'desc')
    .orderBy('id', 'desc')
    .execute()

  const page1 = await s.owner.get(LIST)
  t.equal((page1.body.match(/name="transactionIds" value=/g) ?? []).length, 50, '50 per page')
  t.match(page1.body, 'Strona 1 z 2')
  const page2 = await s.owner.get(`${LIST}?strona=2`)
  t.equal((page2.body.match(/name="transactionIds" value=/g) ?? []).length, 10)
  t.match(page2.body, `value="${all[59].id}"`, 'the oldest on the last page')

  const count = async (query: string) =>
    ((await s.owner.get(`${LIST}?${query}`)).body.match(/name="transactionIds" value=/g) ?? []).length

  const paid = all.filter((r) => r.local_status === 'oplacona').length
  t.equal(await count('status=oplacona'), Math.min(paid, 50))
  t.equal(await count('faktura=tak'), Math.min(all.filter((r) => r.invoice_required === 1).length, 50))
  t.equal(
    await count('faktura=nie&status=anulowana'),
    all.filter((r) => r.invoice_required === 0 && r.local_status === 'anulowana').length
  )
  t.equal(await count(`sklep=${s.shopId}&strona=2`), 10)
  t.equal(await count('sklep=999'), 0)

  await insertDocument(s.db, all[0].id, 'FV 1/11/2026')
  t.equal(await count('dokument=tak'), 1)
  t.equal(await count('dokument=nie&strona=2'), 9)
  const withDoc = await s.owner.get(`${LIST}?dokument=tak`)
  t.match(withDoc.body, /<a href="\/przychody\/dokumenty\/\d+">FV 1\/11\/2026<\/a>/, 'linked document shown and linked')

  // dates are the buyer's purchase day in Polish time
  const day = all[5].bought_at
  const warsawDay = new Date(day).toLocaleDateString('sv-SE', { timeZone: 'Europe/Warsaw' })
  const sameDay = all.filter(
    (r) => new Date(r.bought_at).toLocaleDateString('sv-SE', { timeZone: 'Europe/Warsaw' }) === warsawDay
  ).length
  t.equal(await count(`od=${warsawDay}&do=${warsawDay}`), sameDay)

  // text search: login, part of an offer name, offer number, the order number
  const target = forms[7]
  const bySearch = async (q: string) => (await s.owner.get(`${LIST}?szukaj=${encodeURIComponent(q)}`)).body
  const targetRow = await rowOf(s.db, target.id)
  t.match(await bySearch(target.buyer.login), `value="${targetRow.id}"`, 'by login')
  t.match(await bySearch(target.buyer.login.toUpperCase()), `value="${targetRow.id}"`, 'case does not matter')
  t.match(await bySearch(target.lineItems[0].offer.id), `value="${targetRow.id}"`, 'by offer number')
  t.match(await bySearch(target.id.slice(0, 8)), `value="${targetRow.id}"`, 'by the transaction number shown')
  const offerWord = target.lineItems[0].offer.name.split(' ').find((w) => w.length >= 5)!
  const expected = all.filter((r) => r.search_text.includes(offerWord.toLowerCase())).length
  t.equal(await count(`szukaj=${encodeURIComponent(offerWord)}`), Math.min(expected, 50), 'by a word of the offer name')
  const twoWords = `${target.buyer.login} ${target.lineItems[0].offer.id}`
  t.match(await bySearch(twoWords), `value="${targetRow.id}"`, 'every word must match')
  t.equal(await count(`szukaj=${encodeURIComponent(target.buyer.login + ' zzzqqq')}`), 0)
  t.equal(await count('szukaj=%22%20OR%20*'), 0, 'FTS syntax in the query is just text')
  const short = all.filter((r) => r.search_text.includes('ab')).length
  t.equal(await count('szukaj=ab'), Math.min(short, 50), 'two letters still search')

  const bad = await s.owner.get(`${LIST}?od=2026-13-45&status=zla&szukaj=${'x'.repeat(101)}`)
  t.equal(bad.statusCode, 422)
  t.match(bad.body, 'Podaj datę w formacie RRRR-MM-DD.')
  t.match(bad.body, 'Wybierz status z listy.')
  t.match(bad.body, 'Najwyżej 100 znaków.')
  t.match(bad.body, 'value="2026-13-45"', 'typed value kept')
})

t.test('details: amounts, time, payment, items, message, delivery, invoice data, documents, history', async (t) => {
  const s = await setupImport(t, { initialOrders: 3 })
  const [form] = s.sim.simulator.addOrders(1, {
    invoice: 'company',
    payment: 'ONLINE',
    status: 'READY_FOR_PROCESSING',
    lineItems: 2,
    at: s.clock().minus({ hours: 3 }).toJSDate()
  })
  s.sim.simulator.updateOrder(form.id, (f) => {
    f.messageToSeller = 'Proszę o szybką wysyłkę\nDziękuję'
  })
  await importViaButton(s)
  const current = s.sim.simulator.getOrder(form.id)!
  const row = await rowOf(s.db, form.id)
  const page = await s.owner.get(`${LIST}/${row.id}`)
  t.equal(page.statusCode, 200)
  const body = page.body
  const fmt = (amount: string) => amount.replace('.', ',').replace(/\B(?=(\d{3})+(?!\d))/g, '\u00a0')
  t.match(body, `${fmt(current.summary.totalToPay.amount)}\u00a0zł`, 'total')
  t.match(body, 'Koszt dostawy')
  t.match(body, `${fmt(current.delivery.cost.amount)}\u00a0zł`, 'delivery cost separately')
  const bought = new Date(current.lineItems[0].boughtAt)
    .toLocaleString('pl-PL', {
      timeZone: 'Europe/Warsaw',
      day: '2-digit',
      month: '2-digit',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit'
    })
    .replace(',', '')
  t.match(body, bought, 'purchase time with seconds')
  t.match(body, 'płatność online')
  t.match(body, current.payment.provider === 'P24' ? 'Przelewy24' : 'PayU')
  t.match(body, '<span class="badge ok">opłacona</span>')
  for (const item of current.lineItems) {
    t.match(body, `href="https://allegro.pl/oferta/${item.offer.id}"`)
    if (item.offer.external) t.match(body, `<td>${item.offer.external.id}</td>`, 'SKU')
  }
  t.match(body, 'Proszę o szybką wysyłkę<br>Dziękuję')
  t.match(body, current.delivery.method.name)
  if (current.delivery.pickupPoint) t.match(body, current.delivery.pickupPoint.id)
  else t.match(body, current.delivery.address.street)
  const nip = current.invoice.address!.company!.ids.find((i) => i.type === 'PL_NIP')!.value
  t.match(
    body,
    `${nip.slice(0, 3)}-${nip.slice(3, 6)}-${nip.slice(6, 8)}-${nip.slice(8)}`,
    'NIP of the company on the invoice'
  )
  t.match(
    body,
    `href="/przychody/allegro/${row.id}/powiazanie"`,
    'Powiąż z istniejącym dokumentem when nothing is linked'
  )
  t.match(body, 'automatycznie (dane z Allegro)', 'history of the automatic status')
  t.match(body, 'name="transactionIds" value="' + row.id + '"', 'Wystaw for this transaction')

  await insertDocument(s.db, row.id, 'FV 7/11/2026')
  const linked = await s.owner.get(`${LIST}/${row.id}`)
  t.match(linked.body, 'Faktura FV 7/11/2026')
  t.notMatch(linked.body, '/powiazanie"', 'no link-to-document action once linked')

  t.equal((await s.owner.get(`${LIST}/999999`)).statusCode, 404)
  t.equal((await s.owner.get(`${LIST}/abc`)).statusCode, 404)
})

t.test('Opłać / Zamknij / Anuluj, single and bulk: local, manual, recorded, pencil', async (t) => {
  const s = await setupImport(t, { initialOrders: 6 })
  await importViaButton(s)
  const rows = await s.db.selectFrom('transactions').select(['id', 'local_status']).orderBy('id').execute()
  const stats = { ...s.sim.simulator.stats.requests }

  await s.owner.get(`${LIST}/${rows[0].id}`)
  const single = await s.owner.post(`${LIST}/${rows[0].id}/status`, { status: 'zamknieta' })
  t.equal(single.statusCode, 303)
  t.equal(single.headers.location, `${LIST}/${rows[0].id}`)
  const details = await s.owner.get(`${LIST}/${rows[0].id}`)
  t.match(details.body, 'Zmieniono status na „zamknięta”')
  t.match(details.body, /zamknięta<\/span><span class="pencil"/, 'pencil next to the status')
  t.match(
    details.body,
    /<span class="pencil"[^>]*><span class="sr-only">\(status zmieniony ręcznie\)<\/span><\/span>/,
    'the pencil says what it means to a screen reader'
  )
  t.match(details.body, 'Jan Kowalski', 'who changed it')

  await s.owner.get(LIST)
  const bulk = await s.owner.post(`${LIST}/status`, {
    transactionIds: [String(rows[1].id), String(rows[2].id)],
    status: 'anulowana',
    back: `${LIST}?strona=1`
  })
  t.equal(bulk.statusCode, 303)
  t.equal(bulk.headers.location, `${LIST}?strona=1`, 'back to the same list')
  const after = await s.db
    .selectFrom('transactions')
    .select(['id', 'local_status', 'status_manual'])
    .where('id', 'in', [rows[1].id, rows[2].id])
    .execute()
  t.same(
    after.map((r) => [r.local_status, r.status_manual]),
    [
      ['anulowana', 1],
      ['anulowana', 1]
    ]
  )
  const list = await s.owner.get(LIST)
  t.match(list.body, 'Zmieniono status na „anulowana” (2 transakcje)')
  t.equal((list.body.match(/class="pencil"/g) ?? []).length, 3)
  const changes = await s.db.selectFrom('transaction_status_changes').selectAll().where('manual', '=', 1).execute()
  t.equal(changes.length, 3)
  t.ok(changes.every((c) => c.user_id !== null))
  t.same(s.sim.simulator.stats.requests, stats, 'nothing was sent to Allegro')

  const nothing = await s.owner.post(`${LIST}/status`, { status: 'oplacona', back: LIST })
  t.equal(nothing.statusCode, 422)
  t.match(nothing.body, 'Zaznacz co najmniej jedną transakcję.')
  const badStatus = await s.owner.post(`${LIST}/status`, {
    transactionIds: [String(rows[3].id)],
    status: 'nowa',
    back: LIST
  })
  t.equal(badStatus.statusCode, 422)
  t.match(badStatus.body, 'Wybierz akcję')
  t.match(
    badStatus.body,
    new RegExp(`value="${rows[3].id}" aria-label="Zaznacz transakcję [^"]*" checked`),
    'selection kept'
  )
  const junk = await s.owner.post(`${LIST}/status`, {
    transactionIds: ['1 OR 1=1'],
    status: 'oplacona',
    back: 'https://evil.example/'
  })
  t.equal(junk.statusCode, 422)
  t.equal(
    (
      await s.db
        .selectFrom('transactions')
        .select('local_status')
        .where('id', '=', rows[3].id)
        .executeTakeFirstOrThrow()
    ).local_status,
    rows[3].local_status,
    'nothing changed'
  )
})

t.test('Usuń: confirmation page, then gone for good; bulk delete; documents stay', async (t) => {
  const s = await setupImport(t, { initialOrders: 5 })
  await importViaButton(s)
  const rows = await s.db.selectFrom('transactions').select(['id', 'checkout_form_id']).orderBy('id').execute()
  const docId = await insertDocument(s.db, rows[0].id, 'FV 3/11/2026')

  const confirm = await s.owner.get(`${LIST}/${rows[0].id}/usun`)
  t.equal(confirm.statusCode, 200)
  t.match(confirm.body, 'Usuniętej transakcji nie da się przywrócić')
  t.match(confirm.body, 'Powiązane dokumenty (1) zostaną w systemie')
  t.equal(
    (await s.db.selectFrom('transactions').select('id').execute()).length,
    5,
    'the confirmation page deletes nothing'
  )
  const deleted = await s.owner.post(`${LIST}/${rows[0].id}/usun`)
  t.equal(deleted.statusCode, 303)
  t.equal(deleted.headers.location, LIST)
  t.equal((await s.owner.get(`${LIST}/${rows[0].id}`)).statusCode, 404)
  t.ok(
    await s.db
      .selectFrom('transaction_tombstones')
      .selectAll()
      .where('checkout_form_id', '=', rows[0].checkout_form_id)
      .executeTakeFirst(),
    'tombstone'
  )
  t.ok(await s.db.selectFrom('documents').select('id').where('id', '=', docId).executeTakeFirst(), 'the document stays')

  await s.owner.get(LIST)
  const ask = await s.owner.post(`${LIST}/usun`, {
    transactionIds: [String(rows[1].id), String(rows[2].id)],
    back: LIST
  })
  t.equal(ask.statusCode, 200, 'bulk delete asks first')
  t.match(ask.body, 'Usunąć 2 transakcje?')
  t.equal((await s.db.selectFrom('transactions').select('id').execute()).length, 4)
  const bulk = await s.owner.post(`${LIST}/usun`, {
    transactionIds: [String(rows[1].id), String(rows[2].id)],
    confirmed: 'tak',
    back: LIST
  })
  t.equal(bulk.statusCode, 303)
  t.same(
    (await s.db.selectFrom('transactions').select('id').orderBy('id').execute()).map((r) => r.id),
    [rows[3].id, rows[4].id]
  )
  t.match((await s.owner.get(LIST)).body, 'Usunięto 2 transakcje.')
})

t.test('hostile buyer data is escaped on the list and the details', async (t) => {
  const s = await setupImport(t, { initialOrders: 2 })
  const [hostile] = s.sim.simulator.addOrders(1, {
    hostile: true,
    invoice: 'company',
    at: s.clock().minus({ hours: 1 }).toJSDate()
  })
  await importViaButton(s)
  const row = await rowOf(s.db, hostile.id)
  t.match(row.buyer_name, '<script>', 'stored as sent')
  for (const url of [LIST, `${LIST}/${row.id}`, `${LIST}/${row.id}/usun`]) {
    const body = (await s.owner.get(url)).body
    t.notMatch(body, '<script>alert(1)</script>', `${url}: no live script`)
    t.notMatch(body, '<img src=x onerror', `${url}: no live img`)
    t.notMatch(body, '<b>lobuz</b>', `${url}: no live markup from the login`)
    t.match(body, '&lt;b&gt;lobuz&lt;/b&gt;', `${url}: the login shown as text`)
  }
  const details = (await s.owner.get(`${LIST}/${row.id}`)).body
  t.match(details, '&lt;script&gt;alert(1)&lt;/script&gt;', 'buyer name as text')
  t.match(details, '&lt;img src=x onerror=alert(1)&gt;', 'message as text')
  t.notMatch(details, '"><svg onload', 'no attribute break-out')
  t.match(details, 'Bardzo długa nazwa oferty &lt;b&gt;z tagami&lt;/b&gt;', 'long offer name escaped')
})

t.test('access: login, Allegro permission, module switch, CSRF', async (t) => {
  const s = await setupImport(t, { initialOrders: 1 })
  await importViaButton(s)
  const id = (await s.db.selectFrom('transactions').select('id').executeTakeFirstOrThrow()).id

  const anonymous = await s.anonymous.get(LIST)
  t.equal(anonymous.statusCode, 303)
  t.equal(anonymous.headers.location, '/logowanie?next=%2Fprzychody%2Fallegro')
  const anonymousPost = await s.anonymous.post(`${LIST}/${id}/usun`)
  t.equal(anonymousPost.statusCode, 303)
  t.equal(anonymousPost.headers.location, '/logowanie')

  await seedUser(s.db, { login: 'ksiegowa', password: 'haslo-ksiegowej-1', ksiegowosc: true })
  const bookkeeper = new TestClient(s.app)
  await bookkeeper.login('ksiegowa', 'haslo-ksiegowej-1')
  t.equal((await bookkeeper.get(LIST)).statusCode, 403)
  t.equal((await bookkeeper.get(`${LIST}/${id}`)).statusCode, 403)
  t.equal((await bookkeeper.post(`${LIST}/${id}/usun`)).statusCode, 403)
  t.equal((await bookkeeper.post(`${LIST}/pobierz`, {})).statusCode, 403)

  await seedUser(s.db, { login: 'sprzedawca', password: 'haslo-sprzedawcy-1', allegro: true })
  const seller = new TestClient(s.app)
  await seller.login('sprzedawca', 'haslo-sprzedawcy-1')
  t.equal((await seller.get(LIST)).statusCode, 200, 'Allegro permission is enough')

  const noCsrf = await s.owner.post(`${LIST}/${id}/usun`, {}, { csrf: null })
  t.equal(noCsrf.statusCode, 403)
  t.ok(
    await s.db.selectFrom('transactions').select('id').where('id', '=', id).executeTakeFirst(),
    'not deleted without CSRF'
  )

  await s.db.updateTable('company').set({ allegro_enabled: 0 }).execute()
  const off = await s.owner.get(LIST)
  t.equal(off.statusCode, 403)
  t.match(off.body, 'Moduł Allegro jest wyłączony')
  t.equal((await s.owner.get(`${LIST}/${id}`)).statusCode, 403)
})

t.test('a non-VAT payer is offered the non-VAT document types', async (t) => {
  const s = await setupImport(t, { initialOrders: 1, build: { company: { vat_status: 'zwolniony' } } })
  await importViaButton(s)
  const page = await s.owner.get(LIST)
  for (const label of ['Faktura (bez VAT)', 'Pro forma (bez VAT)', 'Paragon', 'Inny przychód – sprzedaż'])
    t.match(page.body, `>${label}</option>`)
  t.match(page.body, 'value="faktura_bez_vat"')
  t.notMatch(page.body, 'value="faktura"')
})
