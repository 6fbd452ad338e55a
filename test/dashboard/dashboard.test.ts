// The dashboard's charts and "Do zrobienia" against sums worked out by hand from the documents
// below (today is 16 November 2026 in the test clock).
import t from 'tap'
import { randomUUID } from 'node:crypto'
import { stackedBarChart } from '../../src/dashboard/dashboard.ts'
import type { Database } from '../../src/db/database.ts'
import { build, seedUser } from '../helpers/app.ts'
import { TestClient } from '../helpers/client.ts'
import { insertDocument } from '../helpers/document-fixtures.ts'
import { insertShop, insertTransaction } from '../helpers/transaction-fixtures.ts'

async function sale(
  db: Database,
  doc: {
    type: string
    day: string
    gross: number
    shopId?: number | null
    rate?: string
    currency?: string
    paid?: boolean
    status?: string
  }
): Promise<number> {
  const { documentId } = await insertDocument(db, {
    type: doc.type,
    issueDate: doc.day,
    lines: [{ name: 'Towar', quantityMilli: 1000 }]
  })
  await db
    .updateTable('documents')
    .set({
      total_gross: doc.gross,
      shop_id: doc.shopId ?? null,
      exchange_rate: doc.rate ?? null,
      currency: doc.currency ?? 'PLN',
      paid: doc.paid === true ? 1 : 0,
      status: doc.status ?? 'issued'
    })
    .where('id', '=', documentId)
    .execute()
  return documentId
}

const barTitles = (html: string, chartId: string): string[] => {
  const chart = new RegExp(`<figure class="chart" id="${chartId}">([\\s\\S]*?)</figure>`).exec(html)?.[1] ?? ''
  return [...chart.matchAll(/<g class="bar"><title>([^<]*)<\/title>/g)].map((m) => m[1] as string)
}

t.test('sales per day of the month and per month of the year, by shop, and what needs attention', async (t) => {
  const built = await build(t)
  const { db, owner } = built
  await db.updateTable('company').set({ allegro_enabled: 1 }).where('id', '=', 1).execute()
  const alfa = await insertShop(db, { name: 'Sklep Alfa' })
  const beta = await insertShop(db, { name: 'Sklep Beta' })

  const first = await sale(db, { type: 'faktura', day: '2026-11-03', gross: 12_300, shopId: alfa })
  await sale(db, { type: 'paragon', day: '2026-11-03', gross: 5_000, shopId: alfa, paid: true })
  await sale(db, { type: 'faktura', day: '2026-11-16', gross: 100_000, shopId: alfa })
  await sale(db, { type: 'korekta', day: '2026-11-16', gross: -2_300, shopId: alfa })
  // 100,00 EUR at 4,2500 = 425,00 zł
  await sale(db, { type: 'faktura', day: '2026-11-10', gross: 10_000, shopId: beta, rate: '4.2500', currency: 'EUR' })
  await sale(db, { type: 'faktura', day: '2026-11-20', gross: 20_000, paid: true })
  // no sales: a pro forma, a cancelled invoice
  await sale(db, { type: 'proforma', day: '2026-11-05', gross: 99_900, shopId: alfa })
  await sale(db, { type: 'faktura', day: '2026-11-06', gross: 77_700, shopId: alfa, status: 'cancelled' })
  // an earlier month of the year
  await sale(db, { type: 'faktura', day: '2026-03-09', gross: 30_000, shopId: alfa })
  // a receipt and the invoice issued to it are one sale of 80,00 zł
  const order = await insertTransaction(db, alfa, { id: randomUUID(), invoice: 'company' })
  const receipt = await sale(db, { type: 'paragon', day: '2026-11-12', gross: 8_000, shopId: alfa, paid: true })
  const invoiceToReceipt = await sale(db, { type: 'faktura', day: '2026-11-12', gross: 8_000, shopId: alfa })
  for (const documentId of [receipt, invoiceToReceipt])
    await db
      .insertInto('document_transactions')
      .values({
        document_id: documentId,
        transaction_id: order,
        link_kind: 'issued',
        created_at: '2026-11-12T10:00:00.000Z'
      })
      .execute()
  // two buyers asked for an invoice; one has it (the order above), one waits; one did not ask
  await insertTransaction(db, beta, { id: randomUUID(), invoice: 'company' })
  await insertTransaction(db, beta, { id: randomUUID(), invoice: 'none' })
  for (const [state, documentId] of [
    ['blad', receipt],
    ['odrzucono', invoiceToReceipt],
    ['widoczna', first]
  ] as const) {
    await db
      .insertInto('document_allegro_deliveries')
      .values({
        document_id: documentId,
        shop_id: alfa,
        checkout_form_id: randomUUID(),
        state,
        created_at: '2026-11-12T10:00:00.000Z',
        updated_at: '2026-11-12T10:00:00.000Z'
      })
      .execute()
  }

  const page = await owner.get('/')
  t.equal(page.statusCode, 200)
  // 123 + 50 + 1 000 − 23 + 80 (Alfa) + 425 (Beta) + 200 (outside Allegro) = 1 855,00 zł
  t.match(page.body, /Sprzedaż brutto w listopadzie 2026 r\. dzień po dniu: <strong>1\s855,00\s*zł<\/strong>/)
  const days = barTitles(page.body, 'wykres-miesiac')
  t.equal(days.length, 30, 'one bar for each day of November')
  t.match(days[2], /^3\.11\.2026: 173,00\s*zł$/, 'the 3rd: an invoice and a receipt of one shop')
  t.match(days[9], /^10\.11\.2026: 425,00\s*zł$/, 'the 10th: the EUR invoice at its own rate')
  t.match(days[11], /^12\.11\.2026: 80,00\s*zł$/, 'the 12th: a receipt and its invoice counted once')
  t.match(days[15], /^16\.11\.2026: 977,00\s*zł$/, 'the 16th: the invoice less its correction')
  t.match(days[4], /^5\.11\.2026: 0,00\s*zł$/, 'the pro forma is no sale')
  t.match(days[5], /^6\.11\.2026: 0,00\s*zł$/, 'nor is the cancelled invoice')
  t.match(page.body, /Sklep Alfa: 1\s230,00\s*zł/, 'legend: Alfa’s month')
  t.match(page.body, /Sklep Beta: 425,00\s*zł/, 'legend: Beta’s month')
  t.match(page.body, /Poza Allegro: 200,00\s*zł/, 'legend: documents without a shop')
  const months = barTitles(page.body, 'wykres-rok')
  t.equal(months.length, 12)
  t.match(months[2], /^marzec 2026: 300,00\s*zł$/)
  t.match(
    months[10],
    /^listopad 2026: 1\s855,00\s*zł \(Sklep Alfa: 1\s230,00\s*zł, Sklep Beta: 425,00\s*zł, Poza Allegro: 200,00\s*zł\)$/
  )
  t.match(page.body, /Sprzedaż brutto w 2026 r\. miesiąc po miesiącu: <strong>2\s155,00\s*zł<\/strong>/)

  // unpaid: 123 + 1 000 + 425 + 300 + 80 (the invoices; receipts are paid, the correction goes with its invoice)
  t.match(
    page.body,
    /<li id="do-zaplaty"><a href="\/przychody\/dokumenty">5 dokumentów do zapłaty na 1\s928,00\s*zł<\/a><\/li>/
  )
  t.match(
    page.body,
    /<li id="chca-faktury"><a href="\/przychody\/allegro\?faktura=tak&amp;dokument=nie">1 zamówienie Allegro czeka na fakturę/
  )
  t.match(
    page.body,
    /<li id="allegro-niedostarczone"><a href="\/przychody\/dokumenty\/wysylka-allegro">2 dokumentów nie dotarło do Allegro<\/a>/
  )
  t.match(page.body, 'id="jak-zaczac"', 'no import yet: the guide is shown')
  t.notMatch(page.body, 'id="nastepne-pobranie"')

  await db.updateTable('allegro_shops').set({ auto_import_minutes: 30 }).where('id', '=', beta).execute()
  await db
    .insertInto('transaction_imports')
    .values({
      shop_id: beta,
      last_started_at: '2026-11-16T08:50:00.000Z',
      last_finished_at: '2026-11-16T08:51:00.000Z',
      created_at: '2026-11-16T08:50:00.000Z',
      updated_at: '2026-11-16T08:51:00.000Z'
    })
    .execute()
  const later = await owner.get('/')
  t.notMatch(later.body, 'id="jak-zaczac"', 'after the first import the guide is gone')
  t.match(
    later.body,
    /id="nastepne-pobranie">Następne automatyczne pobranie transakcji: Sklep Beta, 16\.11\.2026 10:20/,
    '30 minutes after the last start, in Warsaw time'
  )

  // someone without the documents permission sees neither sales nor unpaid documents
  await seedUser(db, { login: 'magazynier', password: 'magazyn-haslo-123', magazyn: true, dokumenty: false })
  const storekeeper = new TestClient(built.app)
  await storekeeper.login('magazynier', 'magazyn-haslo-123')
  const theirs = await storekeeper.get('/')
  t.equal(theirs.statusCode, 200)
  t.notMatch(theirs.body, 'wykres-miesiac')
  t.notMatch(theirs.body, 'do-zaplaty')
})

t.test(
  'the chart geometry: stacked segments in proportion, a round axis, a month of corrections drawn as zero',
  async (t) => {
    const chart = stackedBarChart({
      caption: 'Test',
      categoryLabels: ['a', 'b', 'c'],
      categoryTitles: ['A', 'B', 'C'],
      series: [
        { key: 'x', name: 'X', values: [30_000, 0, -5_000] },
        { key: 'y', name: 'Y', values: [10_000, 20_000, 0] }
      ],
      width: 364,
      height: 232
    })
    // plot: 200 px high (232 − 8 − 24); the tallest stack is 400 zł, ticks of 100 zł up to 400
    t.same(
      chart.ticks.map((tick) => tick.label.replace(/\s/g, ' ')),
      ['0 zł', '100 zł', '200 zł', '300 zł', '400 zł']
    )
    t.same(
      chart.bars[0]?.segments.map((s) => s.height),
      [150, 50],
      '300 zł and 100 zł of 400 zł in 200 px'
    )
    t.same(
      chart.bars[1]?.segments.map((s) => s.height),
      [100]
    )
    t.same(chart.bars[2]?.segments, [], 'a negative sum draws nothing')
    t.match(chart.bars[2]?.title, /^C: -50,00\s*zł$/, 'but its figure is in the title')
    t.equal(chart.bars[0]?.segments[1]?.y, 8, 'the stack starts at the top of the plot')
    t.equal(chart.empty, false)
  }
)
