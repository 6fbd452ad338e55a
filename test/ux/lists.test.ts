// Lists with power: PRZYCHODY » ALLEGRO and Dokumenty sprzedaży sort by their main columns
// (a whitelisted `sort`), show 25/50/100 rows, total what the filter shows and keep the filters
// in every pagination, sort and size link. Bad values fall back to the defaults, never a 500.
// Hand figures: transactions 100,00 + 23,45 zł (+ 10,00 EUR on its own); documents
// 100,00 + 23,45 zł + 10,00 EUR × 4,2500 = 42,50 zł → 165,95 zł, the cancelled 50,00 zł left out.
import t from 'tap'
import { build } from '../helpers/app.ts'
import { insertShop, insertTransaction } from '../helpers/transaction-fixtures.ts'
import { insertDocument, markCancelled } from '../helpers/document-fixtures.ts'

const NBSP = '\u00a0'
const cells = (html: string, label: string): string[] =>
  [...html.matchAll(new RegExp(`<td[^>]*data-label="${label}"[^>]*>([\\s\\S]*?)</td>`, 'g'))].map((m) =>
    m[1]
      .replace(/<[^>]+>/g, '')
      .replace(/\s+/g, ' ')
      .trim()
  )
const amount = (text: string): number => Number(text.replace(/[^\d,-]/g, '').replace(',', '.'))
const decode = (href: string): URLSearchParams => new URLSearchParams(href.replace(/&amp;/g, '&').split('?')[1] ?? '')

t.test('PRZYCHODY » ALLEGRO: sort, page size, totals, filters kept', async (t) => {
  const { db, owner } = await build(t)
  const shopId = await insertShop(db)
  const prices = ['100.00', '23.45', '7.10', '55.00']
  for (const [i, price] of prices.entries()) {
    await insertTransaction(db, shopId, {
      items: [{ name: `Towar ${i}`, price, quantity: 1, taxRate: '23.00' }],
      deliveryCost: '0.00',
      boughtAt: `2026-11-0${i + 1}T10:00:00.000Z`,
      invoice: i % 2 === 0 ? 'company' : 'none'
    })
  }
  await insertTransaction(db, shopId, {
    items: [{ name: 'Towar EUR', price: '10.00', quantity: 1, taxRate: '23.00' }],
    deliveryCost: '0.00',
    currency: 'EUR',
    marketplace: 'allegro-cz',
    boughtAt: '2026-11-09T10:00:00.000Z',
    invoice: 'none'
  })

  const byDefault = await owner.get('/przychody/allegro')
  t.equal(byDefault.statusCode, 200)
  t.same(cells(byDefault.body, 'Kwota').map(amount), [10, 55, 7.1, 23.45, 100], 'newest first by default')
  t.match(
    byDefault.body,
    `razem <strong class="total-amount">185,55${NBSP}zł</strong> + <strong class="total-amount">10,00${NBSP}EUR</strong>`,
    'totals per currency'
  )
  t.match(
    byDefault.body,
    /<th aria-sort="descending"><a class="sort sorted" href="\?sort=data">Data <span aria-hidden="true">▼<\/span>/,
    'the arrow on Data; a click sorts oldest first'
  )

  const cheapest = await owner.get('/przychody/allegro?sort=kwota&waluta=x')
  t.same(cells(cheapest.body, 'Kwota').map(amount), [7.1, 10, 23.45, 55, 100], 'sort=kwota: ascending')
  t.match(
    cheapest.body,
    'aria-sort="ascending"><a class="sort sorted" href="?sort=-kwota">Kwota <span aria-hidden="true">▲</span>',
    'Kwota ▲, and the next click reverses it'
  )
  const dearest = await owner.get('/przychody/allegro?sort=-kwota')
  t.same(cells(dearest.body, 'Kwota').map(amount), [100, 55, 23.45, 10, 7.1], 'sort=-kwota: descending')

  const wanted = await owner.get('/przychody/allegro?faktura=tak&sort=-kwota')
  t.same(cells(wanted.body, 'Kwota').map(amount), [100, 7.1], 'the filter and the sort together')
  t.match(
    wanted.body,
    `razem <strong class="total-amount">107,10${NBSP}zł</strong></p>`,
    'the totals follow the filter'
  )
  t.match(
    wanted.body,
    '<option value="-kwota" selected>kwota: od najwyższej</option>',
    'the filter form keeps the sort (a choice of its own, for phones where the headers fold away)'
  )
  const header = /<a class="sort" href="([^"]+)">Kupujący/.exec(wanted.body)
  t.ok(header, 'the Kupujący header is a sort link')
  t.same(
    Object.fromEntries(decode(header?.[1] ?? '')),
    { faktura: 'tak', sort: 'kupujacy' },
    'a sort link keeps the filter'
  )

  for (const hostile of [
    "sort=data'%20OR%201=1--",
    'sort=t.id',
    'sort=-',
    'sort=--kwota',
    'na-stronie=1000000',
    'na-stronie=-5',
    'na-stronie=25abc',
    'sort[]=kwota',
    'strona=abc&na-stronie=0'
  ]) {
    const page = await owner.get(`/przychody/allegro?${hostile}`)
    t.equal(page.statusCode, 200, `${hostile}: 200`)
    t.same(cells(page.body, 'Kwota').map(amount), [10, 55, 7.1, 23.45, 100], `${hostile}: the default order`)
  }
})

t.test('page sizes 25/50/100 and pagination links that keep everything', async (t) => {
  const { db, owner } = await build(t)
  const shopId = await insertShop(db)
  for (let i = 0; i < 30; i++) {
    await insertTransaction(db, shopId, {
      items: [{ name: `Towar ${i}`, price: `${i + 1}.00`, quantity: 1, taxRate: '23.00' }],
      deliveryCost: '0.00',
      boughtAt: `2026-11-${String(1 + (i % 28)).padStart(2, '0')}T10:00:00.000Z`,
      invoice: 'none'
    })
  }
  const fifty = await owner.get('/przychody/allegro')
  t.equal(cells(fifty.body, 'Kwota').length, 30, '50 a page by default: all 30')
  t.match(fifty.body, '<strong aria-current="true">50</strong>')
  const small = await owner.get('/przychody/allegro?na-stronie=25&faktura=nie&sort=kwota')
  t.same(
    cells(small.body, 'Kwota').map(amount),
    Array.from({ length: 25 }, (_, i) => i + 1),
    '25 a page, cheapest first'
  )
  t.match(small.body, 'Strona 1 z 2')
  const next = /<a href="([^"]+)">Następna ›<\/a>/.exec(small.body)
  t.same(
    Object.fromEntries(decode(next?.[1] ?? '')),
    { faktura: 'nie', sort: 'kwota', 'na-stronie': '25', strona: '2' },
    'Następna keeps the filter, the sort and the size'
  )
  const second = await owner.get(`/przychody/allegro${(next?.[1] ?? '').replace(/&amp;/g, '&')}`)
  t.same(cells(second.body, 'Kwota').map(amount), [26, 27, 28, 29, 30], 'page 2 continues where page 1 ended')
  const sizeLink = /<a href="([^"]+)">100<\/a>/.exec(small.body)
  t.same(
    Object.fromEntries(decode(sizeLink?.[1] ?? '')),
    { faktura: 'nie', sort: 'kwota', 'na-stronie': '100' },
    'a size link keeps the filter and the sort, from page 1'
  )
})

t.test('Dokumenty sprzedaży: sort, page size, totals in PLN at each document’s rate', async (t) => {
  const { db, owner } = await build(t)
  const set = async (id: number, values: Record<string, unknown>) => {
    await db.updateTable('documents').set(values).where('id', '=', id).execute()
  }
  const a = await insertDocument(db, {
    type: 'faktura',
    issueDate: '2026-11-03',
    lines: [{ name: 'A', quantityMilli: 1000 }]
  })
  await set(a.documentId, { total_gross: 10000, buyer_name: 'Zenon' })
  const b = await insertDocument(db, {
    type: 'faktura',
    issueDate: '2026-11-05',
    lines: [{ name: 'B', quantityMilli: 1000 }]
  })
  await set(b.documentId, { total_gross: 2345, buyer_name: 'Adam' })
  const c = await insertDocument(db, {
    type: 'faktura',
    issueDate: '2026-11-04',
    lines: [{ name: 'C', quantityMilli: 1000 }]
  })
  await set(c.documentId, {
    total_gross: 1000,
    currency: 'EUR',
    exchange_rate: '4.2500',
    exchange_rate_date: '2026-11-03',
    exchange_rate_table: '213/A/NBP/2026',
    buyer_name: 'Marek'
  })
  const d = await insertDocument(db, {
    type: 'paragon',
    issueDate: '2026-11-06',
    lines: [{ name: 'D', quantityMilli: 1000 }]
  })
  await set(d.documentId, { total_gross: 5000, buyer_name: 'Bogdan' })
  await markCancelled(db, d.documentId)

  const page = await owner.get('/przychody/dokumenty')
  t.equal(page.statusCode, 200)
  t.match(
    page.body,
    `razem brutto <strong class="total-amount">165,95${NBSP}zł</strong> <small>(bez anulowanych)</small>`,
    '100,00 + 23,45 + 42,50 zł; the cancelled one left out'
  )
  t.same(cells(page.body, 'Nabywca'), ['Bogdan', 'Adam', 'Marek', 'Zenon'], 'newest first')
  const byBuyer = await owner.get('/przychody/dokumenty?sort=nabywca')
  t.same(cells(byBuyer.body, 'Nabywca'), ['Adam', 'Bogdan', 'Marek', 'Zenon'], 'sort=nabywca')
  const byGross = await owner.get('/przychody/dokumenty?sort=-brutto')
  t.same(cells(byGross.body, 'Nabywca'), ['Zenon', 'Bogdan', 'Adam', 'Marek'], 'sort=-brutto (amounts as stored)')
  const byNumber = await owner.get('/przychody/dokumenty?sort=numer&typ=faktura')
  t.same(
    cells(byNumber.body, 'Numer'),
    ['FV 1/11/2026', 'FV 2/11/2026', 'FV 3/11/2026'],
    'sort=numer within the filter'
  )
  t.match(
    byNumber.body,
    `razem brutto <strong class="total-amount">165,95${NBSP}zł</strong> <small>– dokumenty w walutach po kursie z dokumentu</small></p>`,
    'invoices only: the same sum, nothing left out, the rate noted'
  )
  const small = await owner.get('/przychody/dokumenty?na-stronie=25&typ=faktura&sort=-brutto')
  const sizeLink = /<a href="([^"]+)">100<\/a>/.exec(small.body)
  t.same(
    Object.fromEntries(decode(sizeLink?.[1] ?? '')),
    { typ: 'faktura', sort: '-brutto', 'na-stronie': '100' },
    'the size link keeps the filter and the sort'
  )
  t.match(small.body, '<input type="hidden" name="na-stronie" value="25">', 'the filter form keeps the size')
  for (const hostile of [
    'sort=d.id%20desc',
    'sort=-nabywca;DELETE',
    'na-stronie=99999',
    'sort=__proto__',
    'sort=constructor'
  ]) {
    const answer = await owner.get(`/przychody/dokumenty?${hostile}`)
    t.equal(answer.statusCode, 200, `${hostile}: 200`)
    t.same(cells(answer.body, 'Nabywca'), ['Bogdan', 'Adam', 'Marek', 'Zenon'], `${hostile}: the default order`)
  }
  const kept = await db
    .selectFrom('documents')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow()
  t.equal(Number(kept.n), 4, 'nothing changed by the URLs')
})
