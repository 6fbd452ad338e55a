// Pins what the text search of PRZYCHODY » ALLEGRO finds, written before the search and its index
// were made faster: every expectation below held for the original per-row-trigger index and the
// query that sorted every match. Orders go in through the import's saveBatch (and one straight
// insert, as other features and their tests store rows); queries go through parseFilters, as the
// list page parses ?szukaj=.
import t from 'tap'
import { sql } from 'kysely'
import type { Database } from '../../src/db/database.ts'
import { type ValidForm } from '../../src/transactions/import.queries.ts'
import { parseCheckoutForm } from '../../src/transactions/checkout-form.ts'
import { parseFilters } from '../../src/transactions/transactions.form.ts'
import {
  chooseSearchPlan,
  countTransactions,
  listTransactions,
  PAGE_SIZE,
  type SearchPlan
} from '../../src/transactions/transactions.queries.ts'
import { migratedMemoryDb, seedUser } from '../helpers/app.ts'
import { checkoutForm, insertShop, insertTransaction, type OrderSpec } from '../helpers/transaction-fixtures.ts'
import { deleteTransactions } from '../../src/transactions/transaction-changes.ts'
import { indexPendingSearch } from '../../src/transactions/search-index.ts'
import { saveBatch } from '../../src/transactions/import-batch.ts'

const AT = '2026-11-16T09:00:00.000Z'

interface Named {
  key: string
  spec: OrderSpec
  offerId: string
  email?: string
}

/** Ids without letters, so that no short search matches a random hex digit by chance. */
function formId(n: number): string {
  return `10000000-0000-4000-8000-${String(n).padStart(12, '0')}`
}

function form(n: number, named: Named): { json: Record<string, any>; key: string } {
  const json = checkoutForm({ ...named.spec, id: formId(n) }) as Record<string, any>
  json.lineItems[0].offer.id = named.offerId
  json.buyer.email = named.email ?? `kupujacy${n}@example.com`
  return { json, key: named.key }
}

function valid(json: Record<string, unknown>): ValidForm {
  const parsed = parseCheckoutForm(json)
  if (!parsed.ok) throw new Error(parsed.error)
  return { form: parsed.form, raw: JSON.stringify(json) }
}

const buyer = (login: string, firstName: string, lastName: string, companyName: string | null = null) => ({
  login,
  firstName,
  lastName,
  companyName
})

const NAMED: Named[] = [
  {
    key: 'ladowarka',
    offerId: '5550001',
    spec: {
      boughtAt: '2026-11-10T10:00:00.000Z',
      buyer: buyer('pierwszy_klient', 'Łucja', 'Wrona'),
      items: [{ name: 'Ładowarka USB-C 65W', price: '99.00' }]
    }
  },
  {
    key: 'zolw',
    offerId: '5550002',
    spec: {
      boughtAt: '2026-11-10T11:00:00.000Z',
      buyer: buyer('drugi_klient', 'Jan', 'Kowalski', 'Kowalski i Syn Sp. j.'),
      items: [{ name: 'Żółw ninja figurka', price: '49.00' }]
    }
  },
  {
    key: 'ksiazka',
    offerId: '5550003',
    spec: {
      boughtAt: '2026-11-10T12:00:00.000Z',
      buyer: buyer('trzeci_klient', 'Ewa', 'Mazur'),
      items: [{ name: 'Zażółć gęślą jaźń – książka', price: '39.00' }]
    }
  },
  {
    key: 'kabel',
    offerId: '5550004',
    spec: {
      boughtAt: '2026-11-10T13:00:00.000Z',
      buyer: buyer('czwarty_klient', 'Piotr', 'Nowicki'),
      items: [
        { name: 'Kabel ab_cd 1,5m', price: '19.00' },
        { name: 'Adapter 100% miedzi', price: '9.00' }
      ]
    }
  },
  {
    key: 'strasse',
    offerId: '5550005',
    spec: {
      boughtAt: '2026-11-10T14:00:00.000Z',
      buyer: buyer('piaty_klient', 'Jürgen', 'Ström'),
      items: [{ name: 'Mapa Straße Œuvre', price: '29.00' }]
    },
    email: 'jurgen.strom@post.de'
  },
  {
    key: 'firma',
    offerId: '5550006',
    spec: {
      boughtAt: '2026-11-10T15:00:00.000Z',
      buyer: buyer('szosty_klient', 'Olga', 'Lis'),
      invoice: 'company',
      invoiceCompanyName: 'Hurtownia Zębatka Sp. z o.o.',
      items: [{ name: 'Zębatka stalowa', price: '59.00' }]
    }
  }
]

/** Sixty "Lampka nocna" orders: a broad search, two pages; some share a purchase second. */
const FILLERS = Array.from({ length: 60 }, (_, i): Named => ({
  key: `lampka${i}`,
  offerId: String(7770000 + i),
  spec: {
    boughtAt: `2026-11-${String(1 + Math.floor(i / 10)).padStart(2, '0')}T08:00:${String(i % 4).padStart(2, '0')}.000Z`,
    buyer: buyer(`nocny_marek${i}`, 'Marek', 'Nocny'),
    items: [{ name: 'Lampka nocna LED', price: '25.00' }]
  }
}))

interface Fixture {
  db: Database
  shopId: number
  /** checkout-form id → key */
  keyOf: Map<string, string>
  /** key → transaction id */
  idOf: Map<string, number>
}

async function setup(): Promise<Fixture> {
  const db = await migratedMemoryDb()
  const shopId = await insertShop(db)
  const keyOf = new Map<string, string>()
  const forms = [...NAMED, ...FILLERS].map((named, i) => form(i + 1, named))
  for (const { json, key } of forms) keyOf.set(json.id, key)
  // in batches, as the import writes them
  for (let i = 0; i < forms.length; i += 25) {
    await saveBatch(
      db,
      shopId,
      forms.slice(i, i + 25).map(({ json }) => valid(json)),
      {},
      AT
    )
  }
  // stored the way other features' code and tests store orders: one plain INSERT
  const direct = await insertTransaction(db, shopId, {
    id: formId(900),
    boughtAt: '2026-11-09T10:00:00.000Z',
    buyer: buyer('wstawiony_wprost', 'Henryk', 'Sienkiewicz'),
    items: [{ name: 'Pióro wieczne', price: '120.00' }]
  })
  const rows = await db.selectFrom('transactions').select(['id', 'checkout_form_id']).execute()
  keyOf.set(formId(900), 'pioro')
  const idOf = new Map(rows.map((row) => [keyOf.get(row.checkout_form_id)!, row.id]))
  idOf.set('pioro', direct)
  return { db, shopId, keyOf, idOf }
}

/** Keys of the rows the list shows for ?szukaj=… (all pages), in list order, and the count it prints. */
async function search(
  f: Fixture,
  szukaj: string,
  extra: Record<string, string> = {},
  plan?: SearchPlan
): Promise<{ keys: string[]; total: number }> {
  const parsed = parseFilters({ szukaj, ...extra })
  const keys: string[] = []
  let total = -1
  for (let page = 1; ; page++) {
    const result = await listTransactions(f.db, parsed.filters, page, { plan })
    total = result.total
    keys.push(...result.rows.map((row) => f.keyOf.get(row.checkout_form_id)!))
    if (result.rows.length < PAGE_SIZE) break
  }
  return { keys, total }
}

async function keysFor(f: Fixture, szukaj: string, plan?: SearchPlan): Promise<string[]> {
  const { keys, total } = await search(f, szukaj, {}, plan)
  if (total !== keys.length) throw new Error(`"${szukaj}": the list counts ${total} but shows ${keys.length}`)
  return keys.slice().sort()
}

/** Rows the trigram index itself holds for a word, without the list's catching up first. */
async function inIndex(db: Database, word: string): Promise<number> {
  const result = await sql<{
    count: number
  }>`SELECT count(*) AS count FROM transactions_search WHERE transactions_search MATCH ${`"${word}"`}`.execute(db)
  return result.rows[0].count
}

async function pendingCount(db: Database): Promise<number> {
  const row = await db
    .selectFrom('transactions_search_pending')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .executeTakeFirstOrThrow()
  return Number(row.count)
}

const ALL_FILLERS = FILLERS.map((named) => named.key)

t.test('what a search finds: names, logins, offers, e-mail, ids, Polish letters, short words', async (t) => {
  const f = await setup()
  const cases: Array<[string, string[], string]> = [
    // buyer data
    ['drugi_klient', ['zolw'], 'a login'],
    ['DRUGI_KLIENT', ['zolw'], 'upper case typed'],
    ['kowalski', ['zolw'], 'a last name (also in the company name)'],
    ['i syn', ['zolw'], 'two words of the company, one of them short'],
    ['hurtownia', ['firma'], 'the invoice company'],
    ['jurgen.strom@post', ['strasse'], 'part of the e-mail'],
    [
      '@example.com',
      [...NAMED.filter((n) => n.email === undefined).map((n) => n.key), ...ALL_FILLERS].sort(),
      'e-mail domain, every order that has it'
    ],
    ['sienkiewicz', ['pioro'], 'a row stored by a plain INSERT'],
    // offers
    ['ładowarka', ['ladowarka'], 'an offer word'],
    ['usb-c', ['ladowarka'], 'a word with a hyphen'],
    ['miedzi', ['kabel'], 'the second item of a cart'],
    ['5550004', ['kabel'], 'an offer number'],
    ['555000', NAMED.map((n) => n.key).sort(), 'part of offer numbers'],
    ['lampka', ALL_FILLERS.slice().sort(), 'a broad word: all sixty, over two pages'],
    // the order number as shown (first 8 characters), a dashed fragment, the whole id
    [formId(3), ['ksiazka'], 'the whole checkout-form id'],
    ['8000-000000000003', ['ksiazka'], 'a dashed fragment of the id'],
    // Polish and other letters: the trigram index drops most accents (ą ę ś ć ń ź ż ö), not ł or ó
    ['książka', ['ksiazka'], 'with Polish letters'],
    ['ksiazka', ['ksiazka'], 'without them'],
    ['gesla jazn', ['ksiazka'], 'two words without Polish letters'],
    ['zębatka', ['firma'], 'ę typed'],
    ['zebatka', ['firma'], 'ę left out'],
    ['żółw', ['zolw'], 'ż and ó typed'],
    ['zółw', ['zolw'], 'ż left out'],
    ['zolw', [], 'ó left out: ó keeps its accent in this index'],
    ['łucja', ['ladowarka'], 'ł typed'],
    ['lucja', [], 'ł left out: ł is a letter of its own here'],
    ['strom', ['strasse'], 'ö left out'],
    ['straße', ['strasse'], 'ß typed'],
    ['strasse', [], 'ß is not ss'],
    // short words (one or two letters) are matched as typed, without the index
    ['ł', ['ksiazka', 'ladowarka', 'zolw'], 'one Polish letter (Łucja, żółć, Żółw)'],
    ['ż', ['ksiazka', 'zolw'], 'ż as typed'],
    ['b_', ['kabel'], 'an underscore is a letter, not a wildcard'],
    ['a_', [], 'no "a_" anywhere'],
    ['%', ['kabel'], 'a percent sign is a letter, not a wildcard'],
    ['0%', ['kabel'], 'two characters with a percent sign'],
    ['ab', ['kabel'], 'two letters'],
    // several words: each must appear somewhere in the same order, in any order
    ['ładowarka łucja', ['ladowarka'], 'offer and name'],
    ['łucja ładowarka', ['ladowarka'], 'the other way round'],
    ['ładowarka kowalski', [], 'words of two different orders'],
    [
      'lampka nocny_marek5',
      [
        'lampka5',
        'lampka50',
        'lampka51',
        'lampka52',
        'lampka53',
        'lampka54',
        'lampka55',
        'lampka56',
        'lampka57',
        'lampka58',
        'lampka59'
      ],
      'a broad word and a narrow one'
    ],
    ['lampka lampka', ALL_FILLERS.slice().sort(), 'a word twice'],
    // what people type is text, never search syntax
    ['"ładowarka', [], 'a quote'],
    ['ładow*', [], 'an asterisk'],
    ['ładowarka OR kowalski', [], 'OR is a word'],
    ['NEAR(ładowarka)', [], 'a function-like word'],
    ['zzzqqq', [], 'nothing']
  ]
  for (const [query, expected, why] of cases) {
    t.same(await keysFor(f, query), expected, `${JSON.stringify(query)}: ${why}`)
  }
  // both ways of finding a page give the same rows in the same order, whichever is cheaper
  for (const [query] of cases) {
    for (const extra of [{}, { status: 'nowa' }, { od: '2026-11-03' }] as Array<Record<string, string>>) {
      const walked = await search(f, query, extra, 'walk')
      const looked = await search(f, query, extra, 'lookup')
      t.same(walked, looked, `${JSON.stringify(query)} ${JSON.stringify(extra)}: walk and lookup agree`)
    }
  }
})

t.test('order, paging and counts of a broad search', async (t) => {
  const f = await setup()
  t.equal(chooseSearchPlan(60, 0, 67), 'walk', 'this search walks the date index')
  const first = await listTransactions(f.db, parseFilters({ szukaj: 'lampka' }).filters, 1)
  const second = await listTransactions(f.db, parseFilters({ szukaj: 'lampka' }).filters, 2)
  t.equal(first.total, 60)
  t.equal(second.total, 60)
  t.equal(first.rows.length, 50)
  t.equal(second.rows.length, 10)
  // newest purchase first; within the same second the later-stored row first
  const rows = await f.db
    .selectFrom('transactions')
    .select(['id', 'bought_at', 'checkout_form_id'])
    .where('first_offer_name', '=', 'Lampka nocna LED')
    .execute()
  const expected = rows
    .sort((a, b) => (a.bought_at === b.bought_at ? b.id - a.id : a.bought_at < b.bought_at ? 1 : -1))
    .map((row) => row.id)
  t.same(
    [...first.rows, ...second.rows].map((row) => row.id),
    expected,
    'bought_at desc, id desc across both pages'
  )
  const sameSecond = expected.filter(
    (id, i) =>
      i > 0 && rows.find((r) => r.id === id)!.bought_at === rows.find((r) => r.id === expected[i - 1])!.bought_at
  )
  t.ok(sameSecond.length > 0, 'the fixture has ties on bought_at')
  const third = await listTransactions(f.db, parseFilters({ szukaj: 'lampka' }).filters, 3)
  t.same(third.rows, [], 'past the last page: nothing')
  t.equal(third.total, 60)
  t.equal(
    await countTransactions(f.db, parseFilters({ szukaj: 'lampka nocny_marek1' }).filters),
    11,
    'count of two words'
  )
  t.equal(await countTransactions(f.db, parseFilters({ szukaj: 'ż' }).filters), 2, 'count of a short word')
})

t.test('search combined with the other filters', async (t) => {
  const f = await setup()
  await f.db
    .updateTable('transactions')
    .set({ local_status: 'anulowana' })
    .where('id', 'in', [f.idOf.get('lampka3')!, f.idOf.get('lampka42')!, f.idOf.get('zolw')!])
    .execute()
  const cancelled = await search(f, 'lampka', { status: 'anulowana' })
  t.same(cancelled.keys.sort(), ['lampka3', 'lampka42'])
  t.equal(cancelled.total, 2)
  // fillers 0–9 bought on 1 November (Warsaw day), 10–19 on the 2nd …
  const day = await search(f, 'lampka', { od: '2026-11-02', do: '2026-11-02' })
  t.same(
    day.keys.sort(),
    FILLERS.slice(10, 20)
      .map((n) => n.key)
      .sort()
  )
  const shop = await search(f, 'ż', { sklep: String(f.shopId) })
  t.same(shop.keys.sort(), ['ksiazka', 'zolw'])
  t.same((await search(f, 'ż', { sklep: String(f.shopId + 1) })).keys, [], 'another shop: nothing')
  t.same((await search(f, 'lampka', { faktura: 'tak' })).keys, [], 'no filler wants an invoice')
  t.same((await search(f, 'zębatka', { faktura: 'tak' })).keys, ['firma'])
})

t.test('the search follows changes: an order updated by the import, a deleted order', async (t) => {
  const f = await setup()
  // Allegro changed the offer title of the charger order; the import stores the new revision
  const changed = form(1, NAMED[0]).json
  changed.lineItems[0].offer.name = 'Zasilacz sieciowy 65W'
  changed.revision = 'nowa-rewizja'
  const counts = await saveBatch(f.db, f.shopId, [valid(changed)], {}, AT)
  t.equal(counts.updated, 1)
  t.same(await keysFor(f, 'zasilacz'), ['ladowarka'], 'found by the new title')
  t.same(await keysFor(f, 'ładowarka'), [], 'no longer by the old one')
  t.same(await keysFor(f, 'usb-c'), [])

  const userId = await seedUser(f.db, { login: 'ksiegowa', password: 'tajne-haslo-123' })
  const deleted = await deleteTransactions(f.db, [f.idOf.get('lampka7')!, f.idOf.get('pioro')!], userId, AT)
  t.equal(deleted, 2)
  t.same(
    await keysFor(f, 'lampka'),
    ALL_FILLERS.filter((key) => key !== 'lampka7').sort(),
    'a deleted order is not found'
  )
  t.same(await keysFor(f, 'sienkiewicz'), [])

  // orders stored after that are found at once
  await saveBatch(
    f.db,
    f.shopId,
    [
      valid(
        form(500, {
          key: 'nowa',
          offerId: '8880001',
          spec: { buyer: buyer('nowy_klient', 'Zenon', 'Świeży'), items: [{ name: 'Lampka biurkowa', price: '80.00' }] }
        }).json
      )
    ],
    {},
    AT
  )
  const fresh = await listTransactions(f.db, parseFilters({ szukaj: 'świeży' }).filters, 1)
  t.same(
    fresh.rows.map((row) => row.checkout_form_id),
    [formId(500)]
  )
  t.equal(fresh.total, 1)
  t.equal((await search(f, 'lampka')).total, 60, '59 left of the fillers and the new one')

  // the index agrees with the table row for row
  await t.resolves(
    sql`INSERT INTO transactions_search (transactions_search) VALUES ('integrity-check')`.execute(f.db),
    'FTS5 integrity-check passes'
  )
})

t.test(
  'which plan: the walk for broad searches, the lookup for narrow ones and deep pages of middling ones',
  async (t) => {
    // the benchmark's searches: a common offer word and one buyer's login among 100 000 orders
    t.equal(chooseSearchPlan(9580, 0, 100_000), 'walk')
    t.equal(
      chooseSearchPlan(9580, 9550, 100_000),
      'walk',
      'even its last page passes fewer entries than it would look up'
    )
    t.equal(chooseSearchPlan(10, 0, 100_000), 'lookup')
    t.equal(chooseSearchPlan(1500, 0, 100_000), 'walk')
    t.equal(chooseSearchPlan(1500, 1450, 100_000), 'lookup', 'the last page of 1 500 would pass the whole index')
    t.equal(chooseSearchPlan(0, 0, 100_000), 'lookup')
    t.equal(chooseSearchPlan(5, 0, 5), 'walk', 'a tiny table: either is free')
  }
)

t.test('imported orders wait for the index in bulk, and a search indexes them first', async (t) => {
  const f = await setup()
  t.equal(await pendingCount(f.db), 66, "the import's orders are pending; the plain INSERT was indexed at once")
  t.equal(await inIndex(f.db, 'lampka'), 0, 'not in the index yet')
  t.equal(await inIndex(f.db, 'sienkiewicz'), 1)
  t.equal(
    await countTransactions(f.db, parseFilters({ szukaj: 'lampka' }).filters),
    60,
    'a search finds them all the same'
  )
  t.equal(await pendingCount(f.db), 0, 'and left none pending')
  t.equal(await inIndex(f.db, 'lampka'), 60)
  t.equal(await indexPendingSearch(f.db), 0, 'nothing more to do')

  // a pending order changed by the next batch, and one deleted, before any search
  const more = [700, 701, 702].map(
    (n) =>
      form(n, {
        key: `pozniej${n}`,
        offerId: String(8880000 + n),
        spec: {
          buyer: buyer(`pozny_klient${n}`, 'Adam', 'Późny'),
          items: [{ name: 'Świeca zapachowa', price: '15.00' }]
        }
      }).json
  )
  await saveBatch(f.db, f.shopId, more.map(valid), {}, AT)
  for (const [n, key] of [
    [700, 'pozniej700'],
    [701, 'pozniej701'],
    [702, 'pozniej702']
  ] as const)
    f.keyOf.set(formId(n), key)
  t.equal(await pendingCount(f.db), 3)
  const renamed = structuredClone(more[0])
  renamed.lineItems[0].offer.name = 'Dyfuzor zapachowy'
  renamed.revision = 'druga'
  t.equal((await saveBatch(f.db, f.shopId, [valid(renamed)], {}, AT)).updated, 1)
  const userId = await seedUser(f.db, { login: 'ksiegowa', password: 'tajne-haslo-123' })
  const gone = await f.db
    .selectFrom('transactions')
    .select('id')
    .where('checkout_form_id', '=', formId(701))
    .executeTakeFirstOrThrow()
  t.equal(await deleteTransactions(f.db, [gone.id], userId, AT), 1)
  t.equal(await pendingCount(f.db), 2, 'a deleted order leaves the queue with it')
  t.same(await keysFor(f, 'zapachow'), ['pozniej700', 'pozniej702'])
  t.same(await keysFor(f, 'dyfuzor'), ['pozniej700'], 'indexed with the text it had when the search came')
  t.same(await keysFor(f, 'świeca'), ['pozniej702'])
  await t.resolves(
    sql`INSERT INTO transactions_search (transactions_search) VALUES ('integrity-check')`.execute(f.db),
    'FTS5 integrity-check passes'
  )

  // an indexed order whose new revision keeps its text: the index is left alone; a new text replaces the old
  const same = structuredClone(more[2])
  same.revision = 'trzecia'
  same.status = 'CANCELLED'
  t.equal((await saveBatch(f.db, f.shopId, [valid(same)], {}, AT)).updated, 1)
  t.same(await keysFor(f, 'świeca'), ['pozniej702'])
  await t.resolves(
    sql`INSERT INTO transactions_search (transactions_search) VALUES ('integrity-check')`.execute(f.db),
    'integrity-check after the updates'
  )
})

t.test('more pending orders than one chunk', async (t) => {
  const db = await migratedMemoryDb()
  const shopId = await insertShop(db)
  const forms = Array.from({ length: 2300 }, (_, i) =>
    valid(
      form(i + 1, {
        key: `k${i}`,
        offerId: String(6000000 + i),
        spec: {
          buyer: buyer(`hurt${i}`, 'Ola', 'Hurt'),
          items: [{ name: i % 2 === 0 ? 'Kubek parzysty' : 'Kubek nieparzysty', price: '5.00' }]
        }
      }).json
    )
  )
  for (let i = 0; i < forms.length; i += 500) await saveBatch(db, shopId, forms.slice(i, i + 500), {}, AT)
  t.equal(await pendingCount(db), 2300)
  t.equal(await indexPendingSearch(db), 2300, 'two chunks and the rest')
  t.equal(await pendingCount(db), 0)
  t.equal(await inIndex(db, 'kubek'), 2300)
  t.equal(await inIndex(db, 'nieparzysty'), 1150)
  await t.resolves(sql`INSERT INTO transactions_search (transactions_search) VALUES ('integrity-check')`.execute(db))

  // broad searches (a thousand matches and more) count and page in one pass; the pages are the
  // same as looking up every match
  const allPages = async (szukaj: string, plan?: SearchPlan) => {
    const filters = parseFilters({ szukaj }).filters
    const ids: number[] = []
    const totals = new Set<number>()
    for (let page = 1; ; page++) {
      const result = await listTransactions(db, filters, page, { plan })
      totals.add(result.total)
      ids.push(...result.rows.map((row) => row.id))
      if (result.rows.length < PAGE_SIZE) break
    }
    return { ids, totals: [...totals] }
  }
  for (const [szukaj, matches] of [
    ['kubek', 2300],
    ['nieparzysty', 1150],
    ['hurt1', 1111],
    ['kubek nieparzysty', 1150],
    ['hurt19', 111]
  ] as const) {
    const auto = await allPages(szukaj)
    t.same(auto.totals, [matches], `${szukaj}: ${matches} on every page`)
    t.equal(auto.ids.length, matches)
    t.equal(new Set(auto.ids).size, matches, 'no order twice')
    t.same(auto, await allPages(szukaj, 'lookup'), `${szukaj}: the same pages as looking every match up`)
    t.same(auto, await allPages(szukaj, 'walk'), `${szukaj}: and as walking the date index`)
  }
  const past = await listTransactions(db, parseFilters({ szukaj: 'kubek' }).filters, 47)
  t.same(past, { rows: [], total: 2300 }, 'past the last page: no rows, the count all the same')
})
