import { sql, type ExpressionBuilder, type SelectQueryBuilder } from 'kysely'
import type { Queryable } from '../db/database.ts'
import type { DB } from '../db/schema.gen.ts'
import type { TransactionStatus } from './transaction-status.ts'
import { indexPendingSearch } from './search-index.ts'

export interface TransactionFilters {
  shopId: number | null
  status: TransactionStatus | null
  invoiceRequired: boolean | null
  hasDocument: boolean | null
  /** ISO UTC bounds of bought_at: from inclusive, to exclusive */
  boughtFrom: string | null
  boughtTo: string | null
  /** lower-cased words, each must appear somewhere in the transaction's search text */
  words: string[]
}

export const NO_FILTERS: TransactionFilters = {
  shopId: null,
  status: null,
  invoiceRequired: null,
  hasDocument: null,
  boughtFrom: null,
  boughtTo: null,
  words: []
}

export const PAGE_SIZE = 50

/** The trigram index needs three characters; shorter words fall back to a scan. */
const MIN_INDEXED_WORD = 3

/**
 * How a page of text-search matches is found, newest purchase first. 'lookup' reads every
 * matching row and sorts them; 'walk' goes down the purchase-date index, keeps the entries that
 * match, and stops at the page's last row.
 */
export type SearchPlan = 'lookup' | 'walk'

// Measured on the benchmark machine with 100 000 orders: a lookup costs about 2.6 µs per match
// (25 ms for the 9 570 matches of a broad word), a walk about 0.06 µs per index entry passed
// (6 ms for the whole index). Only the ratio matters.
const LOOKUP_COST_PER_MATCH = 40
const WALK_COST_PER_ENTRY = 1

/**
 * The cheaper plan for a page at `offset` of `matches` rows out of about `tableRows`: a walk
 * passes about tableRows / matches entries per match it keeps, so it wins for broad searches
 * and loses for narrow ones, where looking up the few matches is next to free.
 */
export function chooseSearchPlan(matches: number, offset: number, tableRows: number): SearchPlan {
  if (matches === 0) return 'lookup'
  const passed = Math.min(tableRows, ((offset + PAGE_SIZE) * tableRows) / matches)
  return passed * WALK_COST_PER_ENTRY < matches * LOOKUP_COST_PER_MATCH ? 'walk' : 'lookup'
}

type TransactionQuery<O> = SelectQueryBuilder<DB & { t: DB['transactions'] }, 't', O>

function applyFilters<O>(
  query: TransactionQuery<O>,
  filters: TransactionFilters,
  plan: SearchPlan = 'lookup'
): TransactionQuery<O> {
  let q = query
  if (filters.shopId !== null) q = q.where('t.shop_id', '=', filters.shopId)
  if (filters.status !== null) q = q.where('t.local_status', '=', filters.status)
  if (filters.invoiceRequired !== null) q = q.where('t.invoice_required', '=', filters.invoiceRequired ? 1 : 0)
  if (filters.hasDocument !== null) {
    const linked = (eb: ExpressionBuilder<DB & { t: DB['transactions'] }, 't'>) =>
      eb
        .selectFrom('document_transactions as dt')
        .select(sql.lit(1).as('one'))
        .whereRef('dt.transaction_id', '=', 't.id')
    q = q.where((eb) => (filters.hasDocument ? eb.exists(linked(eb)) : eb.not(eb.exists(linked(eb)))))
  }
  if (filters.boughtFrom !== null) q = q.where('t.bought_at', '>=', filters.boughtFrom)
  if (filters.boughtTo !== null) q = q.where('t.bought_at', '<', filters.boughtTo)
  const indexed = filters.words.filter((word) => [...word].length >= MIN_INDEXED_WORD)
  const short = filters.words.filter((word) => [...word].length < MIN_INDEXED_WORD)
  if (indexed.length > 0) {
    const matches = sql`SELECT rowid FROM transactions_search WHERE transactions_search MATCH ${ftsMatch(indexed)}`
    // the unary + keeps SQLite from reaching the rows through the matches, so it walks an index
    q = q.where(plan === 'walk' ? sql<boolean>`+t.id IN (${matches})` : sql<boolean>`t.id IN (${matches})`)
  }
  for (const word of short) {
    q = q.where(sql<boolean>`t.search_text LIKE ${'%' + word.replace(/[\\%_]/g, (c) => '\\' + c) + '%'} ESCAPE '\\'`)
  }
  return q
}

export interface TransactionListRow {
  id: number
  checkout_form_id: string
  shop_id: number
  shop_name: string
  bought_at: string
  buyer_login: string
  buyer_name: string
  first_offer_id: string | null
  first_offer_name: string | null
  item_count: number
  total_to_pay: number
  currency: string
  marketplace_id: string
  invoice_required: number
  local_status: string
  status_manual: number
}

export interface LinkedDocument {
  transaction_id: number
  id: number
  number: string
  type: string
  status: string
}

function ftsMatch(words: string[]): string {
  // each word a quoted FTS5 string: no operators or syntax errors from what people type
  return words.map((word) => `"${word.replace(/"/g, '""')}"`).join(' ')
}

/** Text search alone: the index counts its matches ten times faster than a join over them. */
function onlyIndexedWords(filters: TransactionFilters): boolean {
  return (
    filters.words.length > 0 &&
    filters.words.every((word) => [...word].length >= MIN_INDEXED_WORD) &&
    filters.shopId === null &&
    filters.status === null &&
    filters.invoiceRequired === null &&
    filters.hasDocument === null &&
    filters.boughtFrom === null &&
    filters.boughtTo === null
  )
}

export async function countTransactions(db: Queryable, filters: TransactionFilters): Promise<number> {
  if (filters.words.length > 0) await indexPendingSearch(db)
  if (onlyIndexedWords(filters)) {
    const row = await sql<{
      count: number
    }>`SELECT count(*) AS count FROM transactions_search WHERE transactions_search MATCH ${ftsMatch(filters.words)}`.execute(
      db
    )
    return Number(row.rows[0]?.count ?? 0)
  }
  const row = await applyFilters(
    db.selectFrom('transactions as t').select((eb) => eb.fn.countAll<number>().as('count')),
    filters
  ).executeTakeFirstOrThrow()
  return Number(row.count)
}

/**
 * Matches from this many on make a text search broad: its matches are then counted while the
 * page is walked, in one statement, instead of the index answering twice (count, then page).
 * Counting up to it costs about as much as counting a narrow search outright.
 */
const BROAD_SEARCH = 1000

const LIST_COLUMNS = [
  't.id',
  't.checkout_form_id',
  't.shop_id',
  's.name as shop_name',
  't.bought_at',
  't.buyer_login',
  't.buyer_name',
  't.first_offer_id',
  't.first_offer_name',
  't.item_count',
  't.total_to_pay',
  't.currency',
  't.marketplace_id',
  't.invoice_required',
  't.local_status',
  't.status_manual'
] as const

/** `plan` is for tests: by default the cheaper one is chosen from the number of matches. */
/** The list's sortable columns (URL keys, see src/shared/list-order.ts) and what each orders by. */
export const TRANSACTION_SORTS = ['data', 'kwota', 'kupujacy', 'status'] as const
export type TransactionSort = (typeof TRANSACTION_SORTS)[number]
const SORT_COLUMNS = {
  data: 't.bought_at',
  kwota: 't.total_to_pay',
  kupujacy: 't.buyer_login',
  status: 't.local_status'
} as const
export const DEFAULT_TRANSACTION_ORDER = { column: 'data', direction: 'desc' } as const

export async function listTransactions(
  db: Queryable,
  filters: TransactionFilters,
  page: number,
  opts: { plan?: SearchPlan; order?: { column: TransactionSort; direction: 'asc' | 'desc' }; pageSize?: number } = {}
): Promise<{ rows: TransactionListRow[]; total: number }> {
  const pageSize = opts.pageSize ?? PAGE_SIZE
  const order = opts.order ?? DEFAULT_TRANSACTION_ORDER
  const newestFirst = order.column === 'data' && order.direction === 'desc'
  const offset = (page - 1) * pageSize
  let total: number | null = null
  // the one-pass broad search walks the purchase-date index: it serves the default order only
  if (onlyIndexedWords(filters) && newestFirst && pageSize === PAGE_SIZE) {
    await indexPendingSearch(db)
    const upTo = await countMatchesUpTo(db, filters.words, BROAD_SEARCH)
    if (upTo < BROAD_SEARCH) {
      total = upTo
    } else if ((opts.plan ?? chooseSearchPlan(BROAD_SEARCH, offset, await approximateRowCount(db))) === 'walk') {
      // (the walk only gets cheaper with more matches than the thousand this plan assumed)
      const broad = await walkBroadSearch(db, filters.words, offset)
      if (broad !== null) return broad
    }
  }
  total ??= await countTransactions(db, filters)
  if (offset >= total) return { rows: [], total }
  let plan: SearchPlan = 'lookup'
  if (filters.words.some((word) => [...word].length >= MIN_INDEXED_WORD)) {
    plan = opts.plan ?? chooseSearchPlan(total, offset, await approximateRowCount(db))
  }
  let query = applyFilters(
    db.selectFrom('transactions as t').innerJoin('allegro_shops as s', 's.id', 't.shop_id').select(LIST_COLUMNS),
    filters,
    plan
  )
  if (!newestFirst) query = query.orderBy(SORT_COLUMNS[order.column], order.direction)
  // ties (and the default order) newest first, so a page boundary never repeats or skips a row
  const rows = await query
    .orderBy('t.bought_at', newestFirst || order.column !== 'data' ? 'desc' : 'asc')
    .orderBy('t.id', newestFirst || order.column !== 'data' ? 'desc' : 'asc')
    .limit(pageSize)
    .offset(offset)
    .execute()
  return { rows, total }
}

/** What the filtered orders total, per currency (an order's amount is in its shop's currency). */
export async function sumTransactions(
  db: Queryable,
  filters: TransactionFilters
): Promise<Array<{ currency: string; total: number; count: number }>> {
  if (filters.words.length > 0) await indexPendingSearch(db)
  const rows = await applyFilters(
    db
      .selectFrom('transactions as t')
      .select([
        't.currency',
        (eb) => eb.fn.sum<number>('t.total_to_pay').as('total'),
        (eb) => eb.fn.countAll<number>().as('count')
      ]),
    filters
  )
    .groupBy('t.currency')
    .execute()
  // złoty first, then the other currencies by code
  return rows
    .map((row) => ({ currency: row.currency, total: Number(row.total), count: Number(row.count) }))
    .sort((a, b) =>
      a.currency === b.currency
        ? 0
        : a.currency === 'PLN'
          ? -1
          : b.currency === 'PLN'
            ? 1
            : a.currency < b.currency
              ? -1
              : 1
    )
}

async function countMatchesUpTo(db: Queryable, words: string[], limit: number): Promise<number> {
  const row = await sql<{
    count: number
  }>`SELECT count(*) AS count FROM (SELECT rowid FROM transactions_search WHERE transactions_search MATCH ${ftsMatch(words)} LIMIT ${limit})`.execute(
    db
  )
  return Number(row.rows[0]?.count ?? 0)
}

/**
 * One page of a broad text search and the number of its matches, from one pass over the index:
 * the matches are collected once, counted, and tested against the purchase-date index as it is
 * walked. Null for a page past the last one (no row carries the count then).
 */
async function walkBroadSearch(
  db: Queryable,
  words: string[],
  offset: number
): Promise<{ rows: TransactionListRow[]; total: number } | null> {
  const rows = await db
    // Kysely puts a raw CTE body in as it is: the parentheses are part of it
    .with(
      (cte) => cte('m').materialized(),
      () =>
        sql<{
          id: number
        }>`(SELECT rowid AS id FROM transactions_search WHERE transactions_search MATCH ${ftsMatch(words)})`
    )
    .selectFrom('transactions as t')
    .innerJoin('allegro_shops as s', 's.id', 't.shop_id')
    .select(LIST_COLUMNS)
    .select(sql<number>`(SELECT count(*) FROM m)`.as('total'))
    .where(sql<boolean>`+t.id IN m`)
    .orderBy('t.bought_at', 'desc')
    .orderBy('t.id', 'desc')
    .limit(PAGE_SIZE)
    .offset(offset)
    .execute()
  if (rows.length === 0) return null
  return { rows: rows.map(({ total: _, ...row }) => row), total: Number(rows[0].total) }
}

/** The largest id: as good as a count for choosing a plan, and one index lookup instead of a scan. */
async function approximateRowCount(db: Queryable): Promise<number> {
  const row = await db
    .selectFrom('transactions')
    .select((eb) => eb.fn.max('id').as('max'))
    .executeTakeFirst()
  return Number(row?.max ?? 0)
}

export async function linkedDocuments(db: Queryable, transactionIds: number[]): Promise<Map<number, LinkedDocument[]>> {
  const byTransaction = new Map<number, LinkedDocument[]>()
  if (transactionIds.length === 0) return byTransaction
  const rows = await db
    .selectFrom('document_transactions as dt')
    .innerJoin('documents as d', 'd.id', 'dt.document_id')
    .select(['dt.transaction_id', 'd.id', 'd.number', 'd.type', 'd.status'])
    .where('dt.transaction_id', 'in', transactionIds)
    .orderBy('d.id')
    .execute()
  for (const row of rows) {
    const list = byTransaction.get(row.transaction_id) ?? []
    list.push(row)
    byTransaction.set(row.transaction_id, list)
  }
  return byTransaction
}

export async function getTransaction(db: Queryable, id: number) {
  return await db
    .selectFrom('transactions as t')
    .innerJoin('allegro_shops as s', 's.id', 't.shop_id')
    .selectAll('t')
    .select('s.name as shop_name')
    .where('t.id', '=', id)
    .executeTakeFirstOrThrow()
}

export async function transactionItems(db: Queryable, transactionId: number) {
  return await db
    .selectFrom('transaction_items')
    .selectAll()
    .where('transaction_id', '=', transactionId)
    .orderBy('position')
    .execute()
}

export async function statusHistory(db: Queryable, transactionId: number) {
  return await db
    .selectFrom('transaction_status_changes as c')
    .leftJoin('users as u', 'u.id', 'c.user_id')
    .select([
      'c.id',
      'c.from_status',
      'c.to_status',
      'c.manual',
      'c.created_at',
      'u.name as user_name',
      'u.login as user_login'
    ])
    .where('c.transaction_id', '=', transactionId)
    .orderBy('c.id', 'desc')
    .execute()
}

/** Short rows for confirmation pages: only the transactions that exist. */
export async function findTransactionsBrief(db: Queryable, ids: number[]) {
  if (ids.length === 0) return []
  return await db
    .selectFrom('transactions as t')
    .innerJoin('allegro_shops as s', 's.id', 't.shop_id')
    .select([
      't.id',
      't.checkout_form_id',
      's.name as shop_name',
      't.bought_at',
      't.buyer_login',
      't.buyer_name',
      't.total_to_pay',
      't.currency',
      't.local_status'
    ])
    .where('t.id', 'in', ids)
    .orderBy('t.bought_at', 'desc')
    .execute()
}

export async function countDocumentsOf(db: Queryable, ids: number[]): Promise<number> {
  if (ids.length === 0) return 0
  const row = await db
    .selectFrom('document_transactions')
    .select((eb) => eb.fn.count<number>('document_id').distinct().as('count'))
    .where('transaction_id', 'in', ids)
    .executeTakeFirstOrThrow()
  return Number(row.count)
}

export async function listShopsForTransactions(db: Queryable) {
  return await db
    .selectFrom('allegro_shops')
    .select(['id', 'name', 'environment', 'connection_status', 'auto_import_minutes', 'removed_at'])
    .orderBy('name')
    .execute()
}
