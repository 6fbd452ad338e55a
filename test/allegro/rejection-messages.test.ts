// What the seller sees when Allegro sends an order Biurko cannot use: the order's number, the
// field and why, in Polish, on the page after POBIERZ NOWE TRANSAKCJE; and on the transaction's
// page when its stored copy no longer reads. Hostile text never comes back unescaped.
import t from 'tap'
import { setupImport } from '../transactions/helpers.ts'

const LIST = '/przychody/allegro'

t.test('an order with a bad field: the import result names the order, the field and the reason', async (t) => {
  const s = await setupImport(t, { initialOrders: 5 })
  const [bad, empty] = s.sim.simulator.listOrders({ seller: 'demo_sklep' })
  s.sim.simulator.updateOrder(bad.id, (f) => {
    f.summary.totalToPay.amount = '<b>12,5x</b>'
  })
  s.sim.simulator.updateOrder(empty.id, (f) => {
    f.lineItems = []
  })
  await s.owner.get(LIST)
  const started = await s.owner.post(`${LIST}/pobierz`, { shopId: String(s.shopId), back: LIST })
  t.equal(started.statusCode, 303)
  const page = (await s.owner.get(LIST)).body
  t.match(
    page,
    `Pominięto zamówienie ${bad.id}: niepoprawne dane z Allegro (pole summary.totalToPay.amount: oczekiwano kwoty w postaci &quot;123.45&quot;)`,
    'the field and the reason'
  )
  t.match(page, `Pominięto zamówienie ${empty.id}: niepoprawne dane z Allegro (pole lineItems: zamówienie bez pozycji)`)
  t.notMatch(page, '<b>12,5x</b>', 'Allegro’s value is not echoed as markup')
  t.notMatch(page, 'nieoczekiwanym formacie', 'a single bad order does not look like a broken answer')
  const stored = await s.db
    .selectFrom('transactions')
    .select('id')
    .where('checkout_form_id', 'in', [bad.id, empty.id])
    .execute()
  t.equal(stored.length, 0, 'neither is stored')
})

t.test(
  'a stored order that no longer reads: its page says which field, and that no document can be issued',
  async (t) => {
    const s = await setupImport(t, { initialOrders: 3 })
    await s.owner.get(LIST)
    await s.owner.post(`${LIST}/pobierz`, { shopId: String(s.shopId), back: LIST })
    const row = await s.db.selectFrom('transactions').select(['id', 'raw_json']).orderBy('id').executeTakeFirstOrThrow()
    const raw = JSON.parse(row.raw_json)
    raw.buyer = ['<script>x</script>']
    await s.db
      .updateTable('transactions')
      .set({ raw_json: JSON.stringify(raw) })
      .where('id', '=', row.id)
      .execute()
    const page = await s.owner.get(`${LIST}/${row.id}`)
    t.equal(page.statusCode, 200, 'the page still opens')
    t.match(page.body, 'Zapisane dane zamówienia z Allegro nie dają się odczytać (pole buyer: oczekiwano obiektu)')
    t.notMatch(page.body, '<script>x</script>')
  }
)
