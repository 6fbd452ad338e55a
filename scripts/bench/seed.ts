// Bulk data for the list benchmark: the orders the import stored are copied, each copy with new
// checkout-form ids and moved a month further into the past, until the table holds the target
// number of transactions. One INSERT … SELECT per copy, all in one SQLite transaction, straight
// into the server's database file (WAL lets the idle server keep reading). The search index
// follows through its triggers, as it does for imported rows.
import SQLite from 'better-sqlite3'

/** Columns holding a point in time; the copies move them back by whole 31-day months. */
const TIMESTAMP_COLUMNS = new Set([
  'bought_at',
  'allegro_updated_at',
  'payment_finished_at',
  'imported_at',
  'updated_at'
])

export interface SeedOutcome {
  copied: number
  total: number
  ms: number
}

function columnsOf(sqlite: SQLite.Database, table: string): string[] {
  return (sqlite.pragma(`table_info(${table})`) as Array<{ name: string }>).map((column) => column.name)
}

export function seedTransactions(databaseFile: string, target: number): SeedOutcome {
  const sqlite = new SQLite(databaseFile, { fileMustExist: true })
  sqlite.pragma('busy_timeout = 10000')
  try {
    const started = performance.now()
    const base = sqlite.prepare('SELECT count(*) AS count, max(id) AS maxId FROM transactions').get() as {
      count: number
      maxId: number
    }
    if (base.count === 0) throw new Error('nothing to copy: the import stored no transactions')
    // ids of copy k are the originals' plus k × stride, so items follow their transaction by arithmetic
    const stride = base.maxId + 1
    const copies = Math.ceil((target - base.count) / base.count)

    const transactionColumns = columnsOf(sqlite, 'transactions')
    const selectList = transactionColumns.map((column) => {
      if (column === 'id') return 'id + @offset'
      if (column === 'checkout_form_id') return "printf('%08x', @prefix) || substr(checkout_form_id, 9)"
      if (column === 'raw_json' || column === 'search_text')
        return `replace(${column}, checkout_form_id, printf('%08x', @prefix) || substr(checkout_form_id, 9))`
      if (TIMESTAMP_COLUMNS.has(column)) return `strftime('%Y-%m-%dT%H:%M:%fZ', ${column}, @shift)`
      return column
    })
    const copyTransactions = sqlite.prepare(`INSERT INTO transactions (${transactionColumns.join(', ')})
      SELECT ${selectList.join(', ')} FROM transactions WHERE id < @stride ORDER BY id LIMIT @limit`)

    const itemColumns = columnsOf(sqlite, 'transaction_items').filter((column) => column !== 'id')
    const itemSelect = itemColumns.map((column) => {
      if (column === 'transaction_id') return 'transaction_id + @offset'
      if (column === 'bought_at') return `strftime('%Y-%m-%dT%H:%M:%fZ', bought_at, @shift)`
      return column
    })
    const copyItems = sqlite.prepare(`INSERT INTO transaction_items (${itemColumns.join(', ')})
      SELECT ${itemSelect.join(', ')} FROM transaction_items
      WHERE transaction_id < @stride AND transaction_id + @offset IN (SELECT id FROM transactions WHERE id >= @offset AND id < @offset + @stride)`)

    let copied = 0
    sqlite.transaction(() => {
      for (let k = 1; k <= copies; k++) {
        const offset = k * stride
        const shift = `-${31 * k} days`
        copied += copyTransactions.run({
          offset,
          stride,
          shift,
          prefix: 0xbe000000 + k,
          limit: Math.min(base.count, target - base.count - copied)
        }).changes
        copyItems.run({ offset, stride, shift })
      }
    })()
    const total = (sqlite.prepare('SELECT count(*) AS count FROM transactions').get() as { count: number }).count
    return { copied, total, ms: performance.now() - started }
  } finally {
    sqlite.close()
  }
}
