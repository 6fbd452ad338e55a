import t from 'tap'
import { extractText } from 'unpdf'
import { build, seedUser } from '../helpers/app.ts'
import { insertShop, insertTransaction } from '../helpers/transaction-fixtures.ts'
import type { TestClient } from '../helpers/client.ts'
import type { Database } from '../../src/db/database.ts'

/** Posts Wystaw like the transactions list does and follows the redirect to the result page. */
async function wystaw(client: TestClient, transactionIds: number[], type: string) {
  await client.get('/przychody/dokumenty')
  const response = await client.post('/przychody/dokumenty/wystaw', {
    transactionIds: transactionIds.map(String),
    type
  })
  const location = String(response.headers.location ?? '')
  const page = location.startsWith('/przychody/dokumenty/wynik/') ? await client.get(location) : null
  return { response, location, page }
}

async function documents(db: Database) {
  return await db.selectFrom('documents').selectAll().orderBy('id').execute()
}

t.test('Wystaw Faktura: document, lines, totals, contractor, link, result page', async (t) => {
  const { db, owner } = await build(t)
  const shop = await insertShop(db)
  const id = await insertTransaction(db, shop, { invoice: 'company' })
  const { response, page } = await wystaw(owner, [id], 'faktura')
  t.equal(response.statusCode, 303)
  t.equal(page?.statusCode, 200)
  t.match(page?.body, 'Wystawiono 1 z 1')
  t.match(page?.body, 'FV 1/11/2026')

  const [doc] = await documents(db)
  t.match(doc, {
    type: 'faktura',
    number: 'FV 1/11/2026',
    period: '2026-11',
    seq: 1,
    status: 'issued',
    issue_date: '2026-11-16',
    sale_date: '2026-11-15',
    payment_method: 'online',
    paid: 1,
    due_date: '2026-11-16',
    currency: 'PLN',
    vat_exempt: 0,
    seller_name: 'Sklep Testowy Sp. z o.o.',
    seller_nip: '5261040828',
    seller_bank_account: '61109010140000071219812874',
    buyer_name: 'Warsztat Nowak s.c.',
    buyer_nip: '6762468259',
    buyer_street: 'Przemysłowa 12',
    buyer_postal_code: '30-701',
    buyer_city: 'Kraków',
    total_gross: 26897,
    total_vat_pln: doc.total_vat,
    created_by: 1
  })
  // 2 × 124.49 + 10.00 + 9.99 = 268.97, all at 23 % (the smar follows the company default)
  t.equal(doc.total_vat, 5030)
  t.equal(doc.total_net, 21867)
  const lines = await db
    .selectFrom('document_lines')
    .selectAll()
    .where('document_id', '=', doc.id)
    .orderBy('position')
    .execute()
  t.same(
    lines.map((l) => [l.kind, l.name, l.quantity_milli, l.unit_price_gross, l.vat_rate, l.gross]),
    [
      ['item', 'Klucz dynamometryczny 1/2" 40-210 Nm', 2000, 12449, '23', 24898],
      ['item', 'Smar miedziany 100 g', 1000, 1000, '23', 1000],
      ['delivery', 'Dostawa: Allegro Paczkomaty InPost', 1000, 999, '23', 999]
    ]
  )
  t.ok(lines[0].transaction_item_id, 'the line points at the cart item')
  t.same(
    await db
      .selectFrom('document_vat_totals')
      .select(['vat_rate', 'net', 'vat', 'gross'])
      .where('document_id', '=', doc.id)
      .execute(),
    [{ vat_rate: '23', net: 21867, vat: 5030, gross: 26897 }]
  )
  const link = await db.selectFrom('document_transactions').selectAll().executeTakeFirstOrThrow()
  t.match(link, { document_id: doc.id, transaction_id: id, link_kind: 'issued' })
  const contractors = await db.selectFrom('contractors').selectAll().execute()
  t.equal(contractors.length, 1)
  t.match(contractors[0], {
    name: 'Warsztat Nowak s.c.',
    nip: '6762468259',
    is_company: 1,
    allegro_buyer_id: '98765432',
    allegro_login: 'warsztat_nowak'
  })
  t.equal(doc.contractor_id, contractors[0].id)
})

t.test('every type for each VAT status; wrong types refused', async (t) => {
  for (const [status, types, refused] of [
    ['czynny', ['faktura', 'proforma', 'paragon', 'inny_przychod'], 'faktura_bez_vat'],
    ['zwolniony', ['faktura_bez_vat', 'proforma_bez_vat', 'paragon', 'inny_przychod'], 'faktura']
  ] as const) {
    await t.test(status, async (t) => {
      const exempt = status === 'zwolniony'
      const { db, owner } = await build(t, {
        company: {
          vat_status: status,
          default_vat_rate: exempt ? 'zw' : '23',
          vat_exemption_basis: exempt ? 'art. 113 ust. 1 ustawy o VAT' : ''
        }
      })
      const shop = await insertShop(db)
      // one order per type: a receipt after the sale's invoice would be refused (it would count the sale twice)
      for (const type of types) {
        const id = await insertTransaction(db, shop)
        const { page } = await wystaw(owner, [id], type)
        t.match(page?.body, 'Wystawiono 1 z 1', type)
      }
      const id = await insertTransaction(db, shop)
      const docs = await documents(db)
      t.same(
        docs.map((d) => d.type),
        types
      )
      t.same(
        docs.map((d) => d.number.split(' ')[0]),
        exempt ? ['F', 'PF', 'PAR', 'IPS'] : ['FV', 'PRO', 'PAR', 'IPS']
      )
      for (const doc of docs) {
        t.equal(doc.total_gross, 26897)
        t.equal(doc.vat_exempt, exempt ? 1 : 0)
        t.equal(doc.total_vat, exempt ? 0 : 5030)
        t.equal(doc.vat_exemption_basis, exempt ? 'art. 113 ust. 1 ustawy o VAT' : null)
      }
      if (exempt) {
        const rates = await db.selectFrom('document_lines').select('vat_rate').distinct().execute()
        t.same(rates, [{ vat_rate: 'zw' }])
      }
      const wrong = await owner.post('/przychody/dokumenty/wystaw', { transactionIds: String(id), type: refused })
      t.equal(wrong.statusCode, 303)
      t.equal(wrong.headers.location, '/przychody/allegro')
      t.equal((await documents(db)).length, 4, 'nothing issued for a type of the other VAT status')
    })
  }
})

t.test(
  'idempotent: same kind refused, pro forma does not block an invoice, paragon then faktura allowed',
  async (t) => {
    const { db, owner } = await build(t)
    const shop = await insertShop(db)
    const id = await insertTransaction(db, shop)
    await wystaw(owner, [id], 'proforma')
    const invoice = await wystaw(owner, [id], 'faktura')
    t.match(invoice.page?.body, 'Wystawiono 1 z 1', 'pro forma does not block the invoice')
    const again = await wystaw(owner, [id], 'faktura')
    t.match(again.page?.body, 'Wystawiono 0 z 1')
    t.match(again.page?.body, 'transakcja ma już dokument tego rodzaju: FV 1/11/2026')
    // a receipt after the sale's invoice would count the sale twice (#14); the other way round is an invoice to a
    // receipt
    const receipt = await wystaw(owner, [id], 'paragon')
    t.match(receipt.page?.body, 'Wystawiono 0 z 1', 'a receipt after the invoice is refused')
    t.match(receipt.page?.body, 'wystawiono już fakturę FV 1/11/2026')
    const other = await insertTransaction(db, shop)
    t.match((await wystaw(owner, [other], 'paragon')).page?.body, 'Wystawiono 1 z 1')
    t.match(
      (await wystaw(owner, [other], 'faktura')).page?.body,
      'Wystawiono 1 z 1',
      'paragon then faktura: the invoice to the receipt'
    )
    t.same(
      (await documents(db)).map((d) => d.number),
      ['PRO 1/11/2026', 'FV 1/11/2026', 'PAR 1/11/2026', 'FV 2/11/2026']
    )
  }
)

t.test('10 concurrent issues of one transaction give one document', async (t) => {
  const { db, owner } = await build(t)
  const shop = await insertShop(db)
  const id = await insertTransaction(db, shop)
  await owner.get('/przychody/dokumenty')
  const responses = await Promise.all(
    Array.from({ length: 10 }, () =>
      owner.post('/przychody/dokumenty/wystaw', { transactionIds: String(id), type: 'faktura' })
    )
  )
  t.ok(responses.every((r) => r.statusCode === 303))
  const docs = await documents(db)
  t.equal(docs.length, 1)
  t.equal(docs[0].number, 'FV 1/11/2026')
  t.equal((await db.selectFrom('contractors').selectAll().execute()).length, 1, 'one contractor too')
})

t.test('50 concurrent issues get numbers 1..50 without gaps', async (t) => {
  const { db, owner } = await build(t)
  const shop = await insertShop(db)
  const ids: number[] = []
  for (let i = 0; i < 50; i++)
    ids.push(await insertTransaction(db, shop, { buyer: { id: String(1000 + i), login: `kupujacy_${i}` } }))
  await owner.get('/przychody/dokumenty')
  await Promise.all(
    ids.map((id) => owner.post('/przychody/dokumenty/wystaw', { transactionIds: String(id), type: 'faktura' }))
  )
  const docs = await documents(db)
  t.equal(docs.length, 50)
  t.same(
    docs.map((d) => d.seq).sort((a, b) => a - b),
    Array.from({ length: 50 }, (_, i) => i + 1)
  )
  t.equal(new Set(docs.map((d) => d.number)).size, 50)
  t.equal(new Set(docs.map((d) => d.id)).size, 50)
  t.equal((await db.selectFrom('document_transactions').selectAll().execute()).length, 50)
})

t.test('a bulk issue reports issued and skipped transactions with reasons', async (t) => {
  const { db, owner } = await build(t)
  const shop = await insertShop(db)
  const good = await insertTransaction(db, shop, { buyer: { id: '1', login: 'dobry' } })
  const mismatch = await insertTransaction(db, shop, { totalToPay: '250.00', buyer: { id: '2', login: 'rabat' } })
  const cancelled = await insertTransaction(db, shop, { status: 'CANCELLED', buyer: { id: '3', login: 'anulujacy' } })
  const locallyCancelled = await insertTransaction(
    db,
    shop,
    { buyer: { id: '4', login: 'lokalny' } },
    { localStatus: 'anulowana' }
  )
  const unpaid = await insertTransaction(db, shop, {
    paymentType: 'WIRE_TRANSFER',
    paid: false,
    buyer: { id: '5', login: 'nieplacacy' }
  })
  const badNip = await insertTransaction(db, shop, {
    invoice: 'company',
    invoiceNip: '1234567890',
    buyer: { id: '6', login: 'zly_nip' }
  })
  const { page } = await wystaw(owner, [good, mismatch, cancelled, locallyCancelled, unpaid, badNip, 999999], 'faktura')
  const body = page?.body ?? ''
  t.match(body, 'Wystawiono 2 z 7')
  t.match(body, 'suma pozycji (268,97\u00a0zł) różni się od kwoty do zapłaty w Allegro (250,00\u00a0zł)')
  t.match(body, 'transakcja jest anulowana')
  t.match(body, 'zamówienie nie jest jeszcze opłacone w Allegro')
  t.match(body, 'NIP nabywcy podany w Allegro (1234567890) jest nieprawidłowy')
  t.match(body, 'nie ma takiej transakcji')
  const docs = await documents(db)
  t.equal(docs.length, 2)
  const unpaidDoc = docs[1]
  t.match(unpaidDoc, {
    payment_method: 'przelew',
    paid: 0,
    paid_at: null,
    due_date: '2026-11-23',
    sale_date: '2026-11-15'
  })
  t.equal(
    (await db.selectFrom('contractors').selectAll().execute()).length,
    2,
    'skipped transactions add no contractor'
  )
})

t.test(
  'an order still BOUGHT (checkout form not completed) gets no document, with the reason; once filled in it does',
  async (t) => {
    const { db, owner } = await build(t)
    const shop = await insertShop(db)
    const bought = await insertTransaction(db, shop, {
      status: 'BOUGHT',
      invoice: 'company',
      paid: false,
      paymentType: 'WIRE_TRANSFER'
    })
    for (const type of ['faktura', 'paragon', 'proforma']) {
      const { page } = await wystaw(owner, [bought], type)
      t.match(page?.body, 'Wystawiono 0 z 1', type)
      t.match(page?.body, 'kupujący nie uzupełnił jeszcze formularza zamówienia w Allegro', type)
    }
    t.equal((await documents(db)).length, 0, 'no document')
    t.equal((await db.selectFrom('contractors').selectAll().execute()).length, 0, 'no contractor either')
    await db.updateTable('transactions').set({ allegro_status: 'FILLED_IN' }).where('id', '=', bought).execute()
    const { page } = await wystaw(owner, [bought], 'faktura')
    t.match(page?.body, 'Wystawiono 1 z 1')
    t.equal((await documents(db)).length, 1)
  }
)

t.test('the report page belongs to the user who issued', async (t) => {
  const { app, db, owner } = await build(t)
  const shop = await insertShop(db)
  const id = await insertTransaction(db, shop)
  const { location } = await wystaw(owner, [id], 'faktura')
  await seedUser(db, { login: 'ksiegowa', password: 'haslo-ksiegowej-1', allegro: true })
  const { TestClient } = await import('../helpers/client.ts')
  const other = new TestClient(app)
  await other.login('ksiegowa', 'haslo-ksiegowej-1')
  t.equal((await other.get(location)).statusCode, 404)
})

t.test('auto-close after issuing, not for pro forma', async (t) => {
  const { db, owner } = await build(t, { company: { allegro_auto_close: 1 } })
  const shop = await insertShop(db)
  const a = await insertTransaction(db, shop, { buyer: { id: '1', login: 'a' } })
  const b = await insertTransaction(db, shop, { buyer: { id: '2', login: 'b' } })
  await wystaw(owner, [a], 'proforma')
  await wystaw(owner, [b], 'paragon')
  const statuses = await db
    .selectFrom('transactions')
    .select(['id', 'local_status', 'status_manual'])
    .orderBy('id')
    .execute()
  t.same(statuses, [
    { id: a, local_status: 'nowa', status_manual: 0 },
    { id: b, local_status: 'zamknieta', status_manual: 0 }
  ])
  const change = await db.selectFrom('transaction_status_changes').selectAll().executeTakeFirstOrThrow()
  t.match(change, { transaction_id: b, to_status: 'zamknieta', manual: 0 })
})

t.test('no auto-close when the option is off', async (t) => {
  const { db, owner } = await build(t)
  const shop = await insertShop(db)
  const id = await insertTransaction(db, shop)
  await wystaw(owner, [id], 'faktura')
  t.equal((await db.selectFrom('transactions').select('local_status').executeTakeFirstOrThrow()).local_status, 'nowa')
})

t.test('buyer per shop setting; contractors de-duplicated by NIP, buyer id and login', async (t) => {
  const { db, owner } = await build(t)
  const byDelivery = await insertShop(db, { buyerDataSource: 'delivery' })
  const byOwner = await insertShop(db, { buyerDataSource: 'account_owner', name: 'Drugi sklep' })
  const t1 = await insertTransaction(db, byDelivery, {
    buyer: { id: '111', login: 'jan_k' },
    delivery: { firstName: 'Jan', lastName: 'Kowalski', street: 'Polna 1', city: 'Łódź', zipCode: '90-001' }
  })
  const t2 = await insertTransaction(db, byOwner, {
    buyer: {
      id: '111',
      login: 'jan_k',
      firstName: 'Jan',
      lastName: 'Kowalski',
      address: { street: 'Leśna 2', city: 'Gdańsk', postCode: '80-001', countryCode: 'PL' }
    }
  })
  // same login, new buyer id (Allegro may re-issue ids for guests): matched by login
  const t3 = await insertTransaction(db, byDelivery, { buyer: { id: '222', login: 'jan_k' } })
  // two Allegro accounts of one company: matched by NIP
  const t4 = await insertTransaction(db, byDelivery, { invoice: 'company', buyer: { id: '333', login: 'firma_a' } })
  const t5 = await insertTransaction(db, byDelivery, {
    invoice: 'company',
    invoiceCompanyName: 'Warsztat Nowak s.c. (oddział)',
    buyer: { id: '444', login: 'firma_b' }
  })
  const { page } = await wystaw(owner, [t1, t2, t3, t4, t5], 'paragon')
  t.match(page?.body, 'Wystawiono 5 z 5')
  const docs = await documents(db)
  t.match(docs[0], { buyer_name: 'Jan Kowalski', buyer_street: 'Polna 1', buyer_city: 'Łódź' }, 'delivery data')
  t.match(
    docs[1],
    { buyer_name: 'Jan Kowalski', buyer_street: 'Leśna 2', buyer_city: 'Gdańsk', buyer_postal_code: '80-001' },
    'account owner data'
  )
  const contractors = await db.selectFrom('contractors').selectAll().orderBy('id').execute()
  t.equal(contractors.length, 2)
  t.match(
    contractors[0],
    { name: 'Anna Nowak', nip: null, allegro_buyer_id: '222', allegro_login: 'jan_k', street: 'Długa 5/3' },
    'updated to the latest data'
  )
  t.match(contractors[1], { name: 'Warsztat Nowak s.c. (oddział)', nip: '6762468259', allegro_login: 'firma_b' })
  t.same(
    docs.map((d) => d.contractor_id),
    [contractors[0].id, contractors[0].id, contractors[0].id, contractors[1].id, contractors[1].id]
  )
  t.equal(docs[0].buyer_street, 'Polna 1', 'a document keeps the buyer data as issued')
})

t.test('a new user issues an invoice and downloads its PDF', async (t) => {
  const { app, db } = await build(t)
  const shop = await insertShop(db)
  const id = await insertTransaction(db, shop, { invoice: 'company' })
  await seedUser(db, { login: 'sprzedawca', password: 'haslo-sprzedawcy-1', allegro: true })
  const { TestClient } = await import('../helpers/client.ts')
  const user = new TestClient(app)
  await user.login('sprzedawca', 'haslo-sprzedawcy-1')
  const { page } = await wystaw(user, [id], 'faktura')
  t.match(page?.body, 'Wystawiono 1 z 1')
  const [doc] = await documents(db)
  const detail = await user.get(`/przychody/dokumenty/${doc.id}`)
  t.equal(detail.statusCode, 200)
  t.match(detail.body, 'Faktura nr FV 1/11/2026')
  t.match(detail.body, 'dwieście sześćdziesiąt osiem złotych 97/100')
  const pdf = await user.get(`/przychody/dokumenty/${doc.id}/pdf`)
  t.equal(pdf.statusCode, 200)
  t.equal(pdf.headers['content-type'], 'application/pdf')
  t.match(String(pdf.headers['content-disposition']), /attachment; filename="FV_1_11_2026\.pdf"/)
  t.equal(pdf.rawPayload.subarray(0, 5).toString(), '%PDF-')
  const { text: raw } = await extractText(new Uint8Array(pdf.rawPayload), { mergePages: true })
  // table cells wrap long names onto several lines
  const text = raw.replace(/\s+/g, ' ')
  for (const expected of [
    'Faktura nr FV 1/11/2026',
    'Warsztat Nowak s.c.',
    'NIP: 676-246-82-59',
    'NIP: 526-104-08-28',
    'Sklep Testowy Sp. z o.o.',
    '268,97',
    '218,67',
    '50,30',
    'Słownie: dwieście sześćdziesiąt osiem złotych 97/100',
    'Klucz dynamometryczny',
    'Dostawa: Allegro Paczkomaty InPost',
    'płatność online',
    'Data dokonania dostawy / wykonania usługi: 15.11.2026'
  ]) {
    t.ok(text.includes(expected), `PDF text has ${expected}`)
  }
})

t.test('Wystaw needs the Allegro module, a session and a CSRF token', async (t) => {
  const { app, db, owner, anonymous } = await build(t)
  const shop = await insertShop(db)
  const id = await insertTransaction(db, shop)
  const noSession = await anonymous.post('/przychody/dokumenty/wystaw', { transactionIds: String(id), type: 'faktura' })
  t.equal(noSession.statusCode, 303)
  t.equal(noSession.headers.location, '/logowanie')
  await seedUser(db, { login: 'magazynier', password: 'haslo-magazyniera', magazyn: true })
  const { TestClient } = await import('../helpers/client.ts')
  const noAllegro = new TestClient(app)
  await noAllegro.login('magazynier', 'haslo-magazyniera')
  await noAllegro.get('/przychody/dokumenty')
  t.equal(
    (await noAllegro.post('/przychody/dokumenty/wystaw', { transactionIds: String(id), type: 'faktura' })).statusCode,
    403
  )
  await owner.get('/przychody/dokumenty')
  t.equal(
    (await owner.post('/przychody/dokumenty/wystaw', { transactionIds: String(id), type: 'faktura' }, { csrf: null }))
      .statusCode,
    403
  )
  const empty = await owner.post('/przychody/dokumenty/wystaw', { type: 'faktura' })
  t.equal(empty.statusCode, 303)
  t.equal(empty.headers.location, '/przychody/allegro')
  t.match((await owner.get('/przychody/allegro')).body, 'Zaznacz co najmniej jedną transakcję.')
  await db.updateTable('company').set({ allegro_enabled: 0 }).execute()
  await owner.get('/przychody/dokumenty')
  t.equal(
    (await owner.post('/przychody/dokumenty/wystaw', { transactionIds: String(id), type: 'faktura' })).statusCode,
    403,
    'module switched off'
  )
  t.equal((await documents(db)).length, 0)
})
