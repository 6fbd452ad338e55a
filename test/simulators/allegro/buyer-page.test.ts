// The Allegro simulator's buyer view of an order ("Moje zakupy"): the PDF that Wyślij do Allegro
// attached, byte for byte; nothing for an unknown order, invoice or a malformed id.
import t from 'tap'
import { issue, setupAllegro, sharedOrder } from '../../documents/allegro-fixtures.ts'

t.test('Moje zakupy shows the invoice the seller attached and serves its PDF', async (t) => {
  const s = await setupAllegro(t)
  const { orderId, transactionId } = await sharedOrder(s)
  const base = `${s.sim.url}/moje-zakupy/${orderId}`
  const get = async (url: string) => {
    const r = await fetch(url)
    return { statusCode: r.status, headers: Object.fromEntries(r.headers), body: Buffer.from(await r.arrayBuffer()) }
  }
  const empty = await get(base)
  t.equal(empty.statusCode, 200)
  t.match(empty.body.toString('utf8'), 'Sprzedający nie dodał jeszcze faktury.')

  const docId = await issue(s, s.owner, transactionId)
  t.equal((await s.owner.post(`/przychody/dokumenty/${docId}/allegro`)).statusCode, 303)
  const page = await get(base)
  const href = /href="([^"]+)">pobierz PDF<\/a>/.exec(page.body.toString('utf8'))?.[1]
  t.ok(href?.startsWith(`${orderId}/faktury/`), 'a link to the PDF, relative to the page')
  const pdf = await get(`${base}/faktury/${href?.split('/').pop()}`)
  t.equal(pdf.statusCode, 200)
  t.equal(pdf.headers['content-type'], 'application/pdf')
  t.match(String(pdf.headers['content-disposition']), /^attachment;/)
  t.same(pdf.body, s.sim.simulator.invoicesOf(orderId)[0].file, 'exactly the bytes Biurko uploaded')

  t.equal((await get(`${s.sim.url}/moje-zakupy/..%2F..%2Fetc`)).statusCode, 404)
  t.equal((await get(`${base}/faktury/00000000-0000-4000-8000-000000000000`)).statusCode, 404)
})
