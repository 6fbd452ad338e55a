import { sql, type Selectable } from 'kysely'
import type { Queryable, Trx } from '../db/database.ts'
import type { TransactionImports } from '../db/schema.gen.ts'
import { impliedStatus, toItemColumns, toTransactionColumns, type CheckoutFormData } from './checkout-form.ts'

export type ImportStateRow = Selectable<TransactionImports>
export type WindowField = 'lineItems.boughtAt' | 'updatedAt'

class CursorMovedError extends Error {
  override name = 'CursorMovedError'
  constructor() {
    super('another import of this shop moved the events cursor')
  }
}

export async function getImportState(db: Queryable, shopId: number): Promise<ImportStateRow | undefined> {
  return await db.selectFrom('transaction_imports').selectAll().where('shop_id', '=', shopId).executeTakeFirst()
}

export async function listImportStates(db: Queryable): Promise<ImportStateRow[]> {
  return await db.selectFrom('transaction_imports').selectAll().execute()
}

/**
 * The throttle: records the start of an import unless the previous one started less than
 * `minGapMs` ago. One statement, so concurrent callers cannot both win; true for the winner.
 */
export async function claimImportStart(
  db: Queryable,
  shopId: number,
  opts: { at: string; notBefore: string; trigger: 'manual' | 'auto' }
): Promise<boolean> {
  const result = await db
    .insertInto('transaction_imports')
    .values({
      shop_id: shopId,
      last_started_at: opts.at,
      last_trigger: opts.trigger,
      created_at: opts.at,
      updated_at: opts.at
    })
    .onConflict((oc) =>
      oc
        .column('shop_id')
        .doUpdateSet({
          last_started_at: opts.at,
          last_trigger: opts.trigger,
          updated_at: opts.at
        })
        .where('transaction_imports.last_started_at', '<=', opts.notBefore)
    )
    .executeTakeFirst()
  return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1
}

/** For imports started without the throttle (tests, tools): makes sure the state row exists. */
export async function ensureImportState(db: Queryable, shopId: number, at: string): Promise<void> {
  await db
    .insertInto('transaction_imports')
    .values({ shop_id: shopId, last_started_at: at, created_at: at, updated_at: at })
    .onConflict((oc) => oc.column('shop_id').doNothing())
    .execute()
}

export async function recordImportFinished(
  db: Queryable,
  shopId: number,
  outcome: { at: string; result: string; error: string | null }
): Promise<void> {
  await db
    .updateTable('transaction_imports')
    .set({
      last_finished_at: outcome.at,
      last_result: outcome.result,
      last_error: outcome.error,
      updated_at: outcome.at
    })
    .where('shop_id', '=', shopId)
    .execute()
}

/** The cursor from /order/event-stats is stored before the walk over older orders starts. */
export async function startWindowWalk(
  db: Queryable,
  shopId: number,
  walk: { cursor: string | null; field: WindowField; from: string; to: string; at: string; firstTime: boolean }
): Promise<void> {
  await db
    .updateTable('transaction_imports')
    .set({
      ...(walk.firstTime ? { initialised_at: walk.at } : {}),
      event_cursor: walk.cursor,
      events_synced_at: walk.at,
      window_field: walk.field,
      window_done_until: walk.from,
      window_to: walk.to,
      updated_at: walk.at
    })
    .where('shop_id', '=', shopId)
    .execute()
}

export interface KnownForms {
  revisions: Map<string, string>
  deleted: Set<string>
}

export async function findKnownForms(db: Queryable, shopId: number, ids: string[]): Promise<KnownForms> {
  const revisions = new Map<string, string>()
  const deleted = new Set<string>()
  if (ids.length === 0) return { revisions, deleted }
  const rows = await db
    .selectFrom('transactions')
    .select(['checkout_form_id', 'revision'])
    .where('shop_id', '=', shopId)
    .where('checkout_form_id', 'in', ids)
    .execute()
  for (const row of rows) revisions.set(row.checkout_form_id, row.revision)
  const tombstones = await db
    .selectFrom('transaction_tombstones')
    .select('checkout_form_id')
    .where('shop_id', '=', shopId)
    .where('checkout_form_id', 'in', ids)
    .execute()
  for (const row of tombstones) deleted.add(row.checkout_form_id)
  return { revisions, deleted }
}

export interface BatchCounts {
  new: number
  updated: number
  unchanged: number
  deleted: number
}

export interface BatchProgress {
  /** moves the events cursor from `from` to `to`; fails when someone else moved it meanwhile */
  cursor?: { from: string | null; to: string }
  /** the window walk: everything before `doneUntil` is stored; null ends the walk */
  window?: { doneUntil: string | null }
  eventsSyncedAt?: string
}

export interface ValidForm {
  form: CheckoutFormData
  raw: string
}

/**
 * New orders in a few statements (a first import brings thousands); the status Allegro implies is
 * recorded as an automatic change. Their search text waits for indexPendingSearch (migration
 * 0210): indexing batch by batch was most of the import's database time.
 */
export async function insertTransactions(trx: Trx, shopId: number, forms: ValidForm[], at: string): Promise<void> {
  if (forms.length === 0) return
  await trx.insertInto('transactions_search_deferred').values({ id: 1 }).execute()
  const rows = await trx
    .insertInto('transactions')
    // Object.assign rather than spreads (here and for the items): spreading 30-odd columns into a
    // new literal took ten times as long, about 11 µs an order (0.1 s for a first import of 10 000)
    .values(
      forms.map(({ form, raw }) =>
        Object.assign(toTransactionColumns(form), {
          shop_id: shopId,
          local_status: impliedStatus(form),
          status_manual: 0,
          raw_json: raw,
          imported_at: at,
          updated_at: at
        })
      )
    )
    .returning(['id', 'checkout_form_id', 'local_status'])
    .execute()
  await trx.deleteFrom('transactions_search_deferred').execute()
  const idByForm = new Map(rows.map((row) => [row.checkout_form_id, row.id]))
  const items = forms.flatMap(({ form }) =>
    toItemColumns(form).map((item) => Object.assign(item, { transaction_id: idByForm.get(form.id)! }))
  )
  // SQLite allows 32 766 bound values per statement; an item row has 11
  for (let i = 0; i < items.length; i += 1000)
    await trx
      .insertInto('transaction_items')
      .values(items.slice(i, i + 1000))
      .execute()
  const changes = rows
    .filter((row) => row.local_status !== 'nowa')
    .map((row) => ({
      transaction_id: row.id,
      from_status: 'nowa',
      to_status: row.local_status,
      manual: 0,
      user_id: null,
      created_at: at
    }))
  if (changes.length > 0) await trx.insertInto('transaction_status_changes').values(changes).execute()
}

export async function updateTransaction(
  trx: Trx,
  transactionId: number,
  form: CheckoutFormData,
  raw: string,
  at: string
): Promise<number> {
  await trx
    .updateTable('transactions')
    .set({ ...toTransactionColumns(form), raw_json: raw, updated_at: at })
    .where('id', '=', transactionId)
    .execute()
  const items = toItemColumns(form)
  for (const item of items) {
    await trx
      .insertInto('transaction_items')
      .values({ ...item, transaction_id: transactionId })
      .onConflict((oc) =>
        oc.columns(['transaction_id', 'line_item_id']).doUpdateSet({
          position: item.position,
          offer_id: item.offer_id,
          offer_name: item.offer_name,
          external_id: item.external_id,
          quantity: item.quantity,
          unit_price: item.unit_price,
          original_unit_price: item.original_unit_price,
          tax_rate: item.tax_rate,
          bought_at: item.bought_at
        })
      )
      .execute()
  }
  await trx
    .deleteFrom('transaction_items')
    .where('transaction_id', '=', transactionId)
    .where(
      'line_item_id',
      'not in',
      items.map((item) => item.line_item_id)
    )
    .execute()
  return transactionId
}

export async function saveProgress(trx: Trx, shopId: number, progress: BatchProgress, at: string): Promise<void> {
  if (progress.cursor) {
    const moved = await trx
      .updateTable('transaction_imports')
      .set({ event_cursor: progress.cursor.to, updated_at: at })
      .where('shop_id', '=', shopId)
      .where(sql<boolean>`event_cursor IS ${progress.cursor.from}`)
      .executeTakeFirst()
    if (Number(moved.numUpdatedRows) !== 1) throw new CursorMovedError()
  }
  if (progress.window) {
    const done = progress.window.doneUntil
    await trx
      .updateTable('transaction_imports')
      .set(
        done === null
          ? { window_field: null, window_done_until: null, window_to: null, updated_at: at }
          : { window_done_until: done, updated_at: at }
      )
      .where('shop_id', '=', shopId)
      .execute()
  }
  if (progress.eventsSyncedAt) {
    await trx
      .updateTable('transaction_imports')
      .set({ events_synced_at: progress.eventsSyncedAt })
      .where('shop_id', '=', shopId)
      .execute()
  }
}
