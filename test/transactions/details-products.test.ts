import t from 'tap'
import { build } from '../helpers/app.ts'
import { insertShop, insertTransaction } from '../helpers/transaction-fixtures.ts'

t.test('transaction details name the cart items that match no product and offer to create one', async (t) => {
  const { owner, db } = await build(t)
  const now = new Date().toISOString()
  await db
    .insertInto('products')
    .values({
      name: 'Smar miedziany 100 g',
      vat_rate: '23',
      price_gross: 1000,
      price_net: 813,
      created_at: now,
      updated_at: now
    })
    .execute()
  const shopId = await insertShop(db)
  const id = await insertTransaction(db, shopId, {
    items: [
      {
        name: 'Klucz dynamometryczny 1/2" 40-210 Nm',
        price: '124.49',
        quantity: 2,
        taxRate: '23.00',
        sku: 'KD-12-210'
      },
      { name: 'Smar miedziany 100 g', price: '10.00', quantity: 1, taxRate: null }
    ]
  })
  const unmatchedItem = await db
    .selectFrom('transaction_items')
    .select('id')
    .where('transaction_id', '=', id)
    .where('offer_name', 'like', 'Klucz%')
    .executeTakeFirstOrThrow()

  const page = await owner.get(`/przychody/allegro/${id}`)
  t.equal(page.statusCode, 200)
  t.match(page.body, 'Pozycje bez produktu')
  const warning = page.body.slice(page.body.indexOf('Pozycje bez produktu'))
  t.match(warning, 'Klucz dynamometryczny 1/2&quot; 40-210 Nm', 'the unmatched item is named')
  t.notMatch(warning.slice(0, warning.indexOf('</ul>')), 'Smar miedziany', 'the matched item is not listed')
  t.match(warning, `/przychody/produkty/nowy?z_oferty=${unmatchedItem.id}`)

  await db
    .insertInto('products')
    .values({
      name: 'Klucz dynamometryczny 1/2" 40-210 Nm',
      vat_rate: '23',
      price_gross: 12449,
      price_net: 10121,
      created_at: now,
      updated_at: now
    })
    .execute()
  const after = await owner.get(`/przychody/allegro/${id}`)
  t.notMatch(after.body, 'Pozycje bez produktu', 'no warning once every item has a product')
})
