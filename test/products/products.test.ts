import t from 'tap'
import { applyStockForIssuedDocument } from '../../src/products/stock.hooks.ts'
import { build, seedUser } from '../helpers/app.ts'
import { TestClient } from '../helpers/client.ts'
import { insertDocument, insertProduct, insertTransaction, stockOf } from '../helpers/document-fixtures.ts'
import { insertShop } from '../helpers/transaction-fixtures.ts'

const valid = {
  name: 'Kubek ceramiczny 300 ml',
  sku: 'KUB-300',
  unit: 'szt.',
  vatRate: '23',
  price: '49,99',
  priceBasis: 'brutto',
  initialStock: '1,5'
}

t.test('PRZYCHODY » PRODUKTY: add a product with initial stock, see it listed and on its page', async (t) => {
  const { owner, db } = await build(t)
  const empty = await owner.get('/przychody/produkty')
  t.equal(empty.statusCode, 200)
  t.match(empty.body, 'Nie ma jeszcze produktów')
  t.match(empty.body, 'href="/przychody/produkty/nowy"')

  const form = await owner.get('/przychody/produkty/nowy')
  t.equal(form.statusCode, 200)
  t.match(form.body, 'Dodaj produkt')
  const created = await owner.post('/przychody/produkty', valid)
  t.equal(created.statusCode, 303)
  const product = await db.selectFrom('products').selectAll().executeTakeFirstOrThrow()
  t.equal(created.headers.location, `/przychody/produkty/${product.id}`)
  t.match(product, {
    name: 'Kubek ceramiczny 300 ml',
    sku: 'KUB-300',
    unit: 'szt.',
    vat_rate: '23',
    price_gross: 4999,
    price_net: 4064,
    stock_milli: 1500
  })
  const movement = await db.selectFrom('stock_movements').selectAll().executeTakeFirstOrThrow()
  t.match(movement, {
    kind: 'initial',
    quantity_milli: 1500,
    stock_after_milli: 1500,
    created_at: '2026-11-16T09:00:00.000Z'
  })

  const page = await owner.get(`/przychody/produkty/${product.id}`)
  t.equal(page.statusCode, 200)
  t.match(page.body, 'Dodano produkt „Kubek ceramiczny 300 ml”')
  t.match(page.body, 'Stan początkowy')
  t.match(page.body, '40,64')
  t.match(page.body, '1,5 szt.')

  const list = await owner.get('/przychody/produkty')
  t.match(list.body, 'Kubek ceramiczny 300 ml')
  t.match(list.body, 'KUB-300')
  t.match(list.body, '49,99')
})

t.test('net or gross: the other price is computed with half-up rounding', async (t) => {
  const { owner, db } = await build(t)
  await owner.get('/przychody/produkty/nowy')
  const cases = [
    { name: 'A', price: '100', priceBasis: 'netto', vatRate: '23', net: 10000, gross: 12300 },
    { name: 'B', price: '10,00', priceBasis: 'brutto', vatRate: '8', net: 926, gross: 1000 },
    { name: 'C', price: '0,05', priceBasis: 'brutto', vatRate: '5', net: 5, gross: 5 },
    { name: 'D', price: '0,10', priceBasis: 'netto', vatRate: '5', net: 10, gross: 11 },
    { name: 'E', price: '1 234,56', priceBasis: 'brutto', vatRate: 'zw', net: 123456, gross: 123456 },
    { name: 'F', price: '19.99', priceBasis: 'brutto', vatRate: '0', net: 1999, gross: 1999 }
  ]
  for (const c of cases) {
    const response = await owner.post('/przychody/produkty', {
      ...valid,
      sku: '',
      initialStock: '',
      name: c.name,
      price: c.price,
      priceBasis: c.priceBasis,
      vatRate: c.vatRate
    })
    t.equal(response.statusCode, 303, c.name)
    const row = await db
      .selectFrom('products')
      .select(['price_net', 'price_gross', 'sku'])
      .where('name', '=', c.name)
      .executeTakeFirstOrThrow()
    t.same(
      row,
      { price_net: c.net, price_gross: c.gross, sku: null },
      `${c.name}: ${c.price} ${c.priceBasis} ${c.vatRate}`
    )
  }
})

t.test('product form refuses bad input with 422, keeps the values and stores nothing', async (t) => {
  const { owner, db } = await build(t)
  await insertProduct(db, { name: 'Kubek ceramiczny 300 ml', sku: 'ZAJETA' })
  await owner.get('/przychody/produkty/nowy')

  const duplicate = await owner.post('/przychody/produkty', { ...valid, sku: '' })
  t.equal(duplicate.statusCode, 422)
  t.match(duplicate.body, 'Produkt o takiej nazwie już istnieje')
  t.match(duplicate.body, 'value="49,99"', 'the price typed is kept')

  const sku = await owner.post('/przychody/produkty', { ...valid, name: 'Inny', sku: 'ZAJETA' })
  t.equal(sku.statusCode, 422)
  t.match(sku.body, 'Inny produkt ma już tę sygnaturę')

  const bad = await owner.post('/przychody/produkty', {
    ...valid,
    name: 'Nowy <b>produkt</b>',
    price: '12,345',
    vatRate: '22',
    unit: 'beczka',
    initialStock: 'dużo'
  })
  t.equal(bad.statusCode, 422)
  t.match(bad.body, 'Cena w złotych, np. 49,99')
  t.match(bad.body, 'Wybierz stawkę VAT')
  t.match(bad.body, 'Wybierz jednostkę z listy')
  t.match(bad.body, 'Ilość liczbą')
  t.match(bad.body, 'value="Nowy &lt;b&gt;produkt&lt;/b&gt;"', 'kept and escaped')

  const negative = await owner.post('/przychody/produkty', {
    ...valid,
    name: 'Ujemny',
    price: '-5',
    initialStock: '-1'
  })
  t.equal(negative.statusCode, 422)
  t.match(negative.body, 'Cena nie może być ujemna')
  t.match(negative.body, 'Stan początkowy nie może być ujemny')

  const long = await owner.post('/przychody/produkty', {
    ...valid,
    name: 'x'.repeat(201),
    sku: 's'.repeat(101),
    price: ''
  })
  t.equal(long.statusCode, 422)
  t.match(long.body, 'Najwyżej 200 znaków')
  t.match(long.body, 'Najwyżej 100 znaków')
  t.match(long.body, 'Podaj cenę')

  const arrays = await owner.post('/przychody/produkty', {
    ...valid,
    name: ['', 'drugi'],
    vatRate: ['23', '8'],
    price: ['abc']
  })
  t.equal(arrays.statusCode, 422, 'repeated fields are read as their first value')
  t.match(arrays.body, 'Podaj nazwę produktu')

  t.equal((await db.selectFrom('products').selectAll().execute()).length, 1, 'nothing stored')
})

t.test('edit keeps the name unique but allows keeping its own', async (t) => {
  const { owner, db } = await build(t)
  const mug = await insertProduct(db, { name: 'Kubek', stockMilli: 3000 })
  await insertProduct(db, { name: 'Talerz' })
  const form = await owner.get(`/przychody/produkty/${mug}/edycja`)
  t.equal(form.statusCode, 200)
  t.match(form.body, 'value="Kubek"')
  t.notMatch(form.body, 'initialStock', 'stock is changed by movements, not by editing')

  const taken = await owner.post(`/przychody/produkty/${mug}`, { ...valid, name: 'Talerz', sku: '' })
  t.equal(taken.statusCode, 422)
  t.match(taken.body, 'Produkt o takiej nazwie już istnieje')

  const saved = await owner.post(`/przychody/produkty/${mug}`, {
    ...valid,
    name: 'Kubek',
    sku: 'K-1',
    price: '20',
    priceBasis: 'netto',
    initialStock: '999'
  })
  t.equal(saved.statusCode, 303)
  t.equal(saved.headers.location, `/przychody/produkty/${mug}`)
  const row = await db.selectFrom('products').selectAll().where('id', '=', mug).executeTakeFirstOrThrow()
  t.match(row, { name: 'Kubek', sku: 'K-1', price_net: 2000, price_gross: 2460, stock_milli: 3000 })

  t.equal((await owner.get('/przychody/produkty/999999')).statusCode, 404)
  t.equal((await owner.get('/przychody/produkty/abc')).statusCode, 404)
})

t.test('stock corrections: delivery adds, stocktaking sets the counted stock, both with a history', async (t) => {
  const { owner, db } = await build(t)
  const mug = await insertProduct(db, { name: 'Kubek', stockMilli: 3000 })
  await owner.get(`/przychody/produkty/${mug}`)

  const delivered = await owner.post(`/przychody/produkty/${mug}/stan`, {
    kind: 'przyjecie',
    quantity: '2,5',
    reason: 'FZ 12/2026'
  })
  t.equal(delivered.statusCode, 303)
  t.equal(await stockOf(db, mug), 5500)

  const noReason = await owner.post(`/przychody/produkty/${mug}/stan`, { kind: 'korekta', quantity: '4', reason: '' })
  t.equal(noReason.statusCode, 422)
  t.match(noReason.body, 'Podaj powód korekty')
  t.match(noReason.body, 'value="4"', 'the count typed is kept')

  const zero = await owner.post(`/przychody/produkty/${mug}/stan`, { kind: 'przyjecie', quantity: '0', reason: '' })
  t.equal(zero.statusCode, 422)
  t.match(zero.body, 'musi być większa od zera')
  const badKind = await owner.post(`/przychody/produkty/${mug}/stan`, { kind: 'sprzedaz', quantity: '1', reason: '' })
  t.equal(badKind.statusCode, 422)

  const counted = await owner.post(`/przychody/produkty/${mug}/stan`, {
    kind: 'korekta',
    quantity: '4',
    reason: 'Spis z natury'
  })
  t.equal(counted.statusCode, 303)
  t.equal(await stockOf(db, mug), 4000)

  const same = await owner.post(`/przychody/produkty/${mug}/stan`, {
    kind: 'korekta',
    quantity: '4',
    reason: 'Spis z natury'
  })
  t.equal(same.statusCode, 303)
  const movements = await db
    .selectFrom('stock_movements')
    .select(['kind', 'quantity_milli', 'stock_after_milli', 'reason', 'user_id'])
    .orderBy('id')
    .execute()
  t.same(
    movements,
    [
      { kind: 'przyjecie', quantity_milli: 2500, stock_after_milli: 5500, reason: 'FZ 12/2026', user_id: 1 },
      { kind: 'korekta', quantity_milli: -1500, stock_after_milli: 4000, reason: 'Spis z natury', user_id: 1 }
    ],
    'a count equal to the stock records nothing'
  )

  const page = await owner.get(`/przychody/produkty/${mug}`)
  t.match(page.body, 'Stan po spisie jest taki sam')
  t.match(page.body, 'Korekta inwentaryzacyjna')
  t.match(page.body, '+2,5')
  t.match(page.body, '-1,5')
  t.match(page.body, 'Jan Kowalski')
})

t.test('the product page links sales documents and shows negative stock in red', async (t) => {
  const { owner, db } = await build(t)
  const mug = await insertProduct(db, { name: 'Kubek', stockMilli: 1000 })
  await db.transaction().execute(async (trx) => {
    const { documentId } = await insertDocument(trx, {
      type: 'faktura',
      lines: [{ name: 'Kubek', quantityMilli: 3000 }]
    })
    await applyStockForIssuedDocument(trx, documentId)
  })
  const page = await owner.get(`/przychody/produkty/${mug}`)
  t.match(page.body, /<a href="\/przychody\/dokumenty\/\d+">FV 1\/11\/2026<\/a>/)
  t.match(page.body, 'Sprzedaż')
  t.match(page.body, /class="num negative">-2</)
  const list = await owner.get('/przychody/produkty')
  t.match(list.body, /class="num negative">-2 <span class="badge err">poniżej zera/)
})

t.test('search by name or SKU, with LIKE wildcards taken literally', async (t) => {
  const { owner, db } = await build(t)
  await insertProduct(db, { name: 'Kubek', sku: 'K-1' })
  await insertProduct(db, { name: 'Talerz 100%', sku: 'T_2' })
  await insertProduct(db, { name: 'Miska' })
  const bySku = await owner.get('/przychody/produkty?szukaj=T_2')
  t.match(bySku.body, 'Talerz 100%')
  t.notMatch(bySku.body, 'Kubek')
  const percent = await owner.get('/przychody/produkty?szukaj=%25')
  t.match(percent.body, 'Talerz 100%')
  t.notMatch(percent.body, 'Miska')
  const none = await owner.get('/przychody/produkty?szukaj=zzz')
  t.match(none.body, 'Żaden produkt nie pasuje')
})

t.test('create a product from an Allegro cart item: name, SKU, gross price and VAT prefilled', async (t) => {
  const { owner, db, app } = await build(t)
  const shop = await insertShop(db, { connected: false })
  const { itemIds } = await insertTransaction(db, shop, [
    { offerName: 'Świeca sojowa „Las”', externalId: 'SW-LAS', unitPrice: 3450, taxRate: '8.00' }
  ])
  const page = await owner.get(`/przychody/produkty/nowy?z_oferty=${itemIds[0]}`)
  t.equal(page.statusCode, 200)
  t.match(page.body, 'Dane skopiowane z oferty Allegro')
  t.match(page.body, 'value="Świeca sojowa „Las”"')
  t.match(page.body, 'value="SW-LAS"')
  t.match(page.body, 'value="34,50"')
  t.match(page.body, /<option value="8" selected>/)

  const unknown = await owner.get('/przychody/produkty/nowy?z_oferty=99999')
  t.equal(unknown.statusCode, 200)
  t.notMatch(unknown.body, 'Dane skopiowane')

  await seedUser(db, { login: 'ksiegowa', password: 'haslo-ksiegowej-1' })
  const bookkeeper = new TestClient(app)
  await bookkeeper.login('ksiegowa', 'haslo-ksiegowej-1')
  const hidden = await bookkeeper.get(`/przychody/produkty/nowy?z_oferty=${itemIds[0]}`)
  t.equal(hidden.statusCode, 200)
  t.notMatch(hidden.body, 'SW-LAS', 'Allegro data only for users of the Allegro module')
})

t.test(
  'an over-long offer title and SKU from Allegro are cut to the limits, so the prefilled form saves',
  async (t) => {
    const { owner, db } = await build(t)
    const shop = await insertShop(db, { connected: false })
    const longTitle = 'Ś'.repeat(250)
    const { itemIds } = await insertTransaction(db, shop, [
      { offerName: longTitle, externalId: 'X'.repeat(120), unitPrice: 1000, taxRate: '23.00' }
    ])
    const page = await owner.get(`/przychody/produkty/nowy?z_oferty=${itemIds[0]}`)
    t.equal(page.statusCode, 200)
    t.match(page.body, `value="${'Ś'.repeat(200)}"`)
    t.notMatch(page.body, 'Ś'.repeat(201))
    const form = Object.fromEntries(
      ['name', 'sku', 'unit', 'vatRate', 'priceBasis', 'price', 'initialStock'].map((name) => {
        const value = new RegExp(`name="${name}"[^>]*value="([^"]*)"`).exec(page.body)?.[1]
        return [name, value ?? '']
      })
    )
    form.unit = 'szt.'
    form.vatRate = '23'
    form.priceBasis = 'brutto'
    const saved = await owner.post('/przychody/produkty', form)
    t.equal(saved.statusCode, 303, 'the prefilled values are within the form limits')
    const product = await db.selectFrom('products').select(['name', 'sku']).executeTakeFirstOrThrow()
    t.equal(product.name, 'Ś'.repeat(200))
    t.equal(product.sku?.length, 100)
  }
)

t.test('block of negative stock: the owner toggles it on the list page, others may not', async (t) => {
  const { owner, db, app } = await build(t)
  const list = await owner.get('/przychody/produkty')
  t.match(list.body, 'Nie pozwalaj wystawić dokumentu sprzedaży')
  const on = await owner.post('/przychody/produkty/blokada-stanow', { block: 'on' })
  t.equal(on.statusCode, 303)
  t.equal(
    (await db.selectFrom('company').select('block_negative_stock').executeTakeFirstOrThrow()).block_negative_stock,
    1
  )
  const page = await owner.get('/przychody/produkty')
  t.match(page.body, 'Włączono blokadę')
  t.match(page.body, /name="block" checked/)
  const off = await owner.post('/przychody/produkty/blokada-stanow', {})
  t.equal(off.statusCode, 303)
  t.equal(
    (await db.selectFrom('company').select('block_negative_stock').executeTakeFirstOrThrow()).block_negative_stock,
    0
  )

  await seedUser(db, { login: 'pracownik', password: 'haslo-pracownika-1' })
  const worker = new TestClient(app)
  await worker.login('pracownik', 'haslo-pracownika-1')
  const workerList = await worker.get('/przychody/produkty')
  t.equal(workerList.statusCode, 200, 'every logged-in user sees products without the warehouse')
  t.notMatch(workerList.body, 'blokada-stanow')
  t.equal((await worker.post('/przychody/produkty/blokada-stanow', { block: 'on' })).statusCode, 403)
  t.equal(
    (await db.selectFrom('company').select('block_negative_stock').executeTakeFirstOrThrow()).block_negative_stock,
    0
  )
})

t.test('no session, no CSRF token', async (t) => {
  const { anonymous, owner, db } = await build(t)
  const page = await anonymous.get('/przychody/produkty')
  t.equal(page.statusCode, 303)
  t.match(page.headers.location, /^\/logowanie/)
  const post = await anonymous.post('/przychody/produkty', valid)
  t.equal(post.statusCode, 303)
  t.equal(post.headers.location, '/logowanie')
  await owner.get('/przychody/produkty/nowy')
  const forged = await owner.post('/przychody/produkty', valid, { csrf: null })
  t.equal(forged.statusCode, 403)
  t.equal((await db.selectFrom('products').selectAll().execute()).length, 0)
})

t.test('without the warehouse package MAGAZYN does not exist', async (t) => {
  const { owner, db } = await build(t)
  const redirected = await owner.get('/magazyn/produkty/nowy?z_oferty=5')
  t.equal(redirected.statusCode, 303)
  t.equal(redirected.headers.location, '/przychody/produkty/nowy?z_oferty=5')
  await owner.get('/przychody/produkty/nowy')
  t.equal((await owner.post('/magazyn/produkty', valid)).statusCode, 404)
  t.equal((await owner.get('/magazyn/wz')).statusCode, 404)
  t.equal((await db.selectFrom('products').selectAll().execute()).length, 0)
})

t.test('warehouse package: products live under MAGAZYN and need the magazyn permission', async (t) => {
  const { owner, db, app } = await build(t, { company: { package: 'ksiegowosc_magazyn' } })
  const moved = await owner.get('/przychody/produkty?szukaj=x')
  t.equal(moved.statusCode, 303)
  t.equal(moved.headers.location, '/magazyn/produkty?szukaj=x')
  const list = await owner.get('/magazyn/produkty')
  t.equal(list.statusCode, 200)
  t.match(list.body, 'Magazyn » Produkty')
  const created = await owner.post('/magazyn/produkty', valid)
  t.equal(created.statusCode, 303)
  t.match(created.headers.location, /^\/magazyn\/produkty\/\d+$/)
  t.equal((await owner.post('/przychody/produkty', { ...valid, name: 'Drugi' })).statusCode, 404)

  await seedUser(db, { login: 'sprzedawca', password: 'haslo-sprzedawcy-1', allegro: true })
  await seedUser(db, { login: 'magazynier', password: 'haslo-magazyniera-1', magazyn: true })
  const seller = new TestClient(app)
  await seller.login('sprzedawca', 'haslo-sprzedawcy-1')
  t.equal((await seller.get('/magazyn/produkty')).statusCode, 403)
  t.equal((await seller.get('/magazyn/wz')).statusCode, 403)
  const keeper = new TestClient(app)
  await keeper.login('magazynier', 'haslo-magazyniera-1')
  t.equal((await keeper.get('/magazyn/produkty')).statusCode, 200)
  t.equal((await keeper.get('/magazyn/wz')).statusCode, 200)
})

t.test('MAGAZYN » Wydania (WZ): list and detail of the WZ written by a sale', async (t) => {
  const { owner, db } = await build(t, { company: { package: 'ksiegowosc_magazyn' } })
  await insertProduct(db, { name: 'Kubek <i>', sku: 'K-1', stockMilli: 10_000 })
  await insertProduct(db, { name: 'Ryż', stockMilli: 10_000, unit: 'kg' })
  const empty = await owner.get('/magazyn/wz')
  t.match(empty.body, 'Nie ma jeszcze dokumentów WZ')
  await db.transaction().execute(async (trx) => {
    const { documentId } = await insertDocument(trx, {
      type: 'faktura',
      lines: [
        { name: 'Kubek <i>', quantityMilli: 2000 },
        { name: 'Ryż', quantityMilli: 1500 }
      ]
    })
    await applyStockForIssuedDocument(trx, documentId)
  })
  const wz = await db.selectFrom('wz_documents').select('id').executeTakeFirstOrThrow()
  const list = await owner.get('/magazyn/wz')
  t.match(list.body, `<a href="/magazyn/wz/${wz.id}">WZ 1/11/2026</a>`)
  t.match(list.body, 'FV 1/11/2026')
  t.match(list.body, 'wystawiony')
  const detail = await owner.get(`/magazyn/wz/${wz.id}`)
  t.equal(detail.statusCode, 200)
  t.match(detail.body, 'Wydanie zewnętrzne WZ 1/11/2026')
  t.match(detail.body, 'Kubek &lt;i&gt;')
  t.match(detail.body, '1,5')
  t.match(detail.body, 'kg')
  t.equal((await owner.get('/magazyn/wz/424242')).statusCode, 404)
})
