import type { Selectable } from 'kysely'
import type { Queryable, Trx } from '../db/database.ts'
import type { DocumentAllegroDeliveries } from '../db/schema.gen.ts'
import { canSendToAllegro, isDeliveryState, type DeliveryState } from './allegro-delivery.ts'

export type DeliveryRow = Selectable<DocumentAllegroDeliveries>

export interface DeliveryTarget {
  shopId: number
  shopName: string
  shopConnected: boolean
  checkoutFormId: string
  transactionId: number
}

/**
 * The order a document is attached to: the transaction it was issued for, else the first one it
 * was linked to by hand. A document covering several orders goes to that one only.
 */
export async function deliveryTarget(db: Queryable, documentId: number): Promise<DeliveryTarget | null> {
  const row = await db
    .selectFrom('document_transactions as dt')
    .innerJoin('transactions as t', 't.id', 'dt.transaction_id')
    .innerJoin('allegro_shops as s', 's.id', 't.shop_id')
    .select(['t.id', 't.checkout_form_id', 's.id as shop_id', 's.name', 's.connection_status', 's.removed_at'])
    .where('dt.document_id', '=', documentId)
    .orderBy((eb) => eb.case().when('dt.link_kind', '=', 'issued').then(0).else(1).end())
    .orderBy('dt.created_at')
    .orderBy('t.id')
    .executeTakeFirst()
  if (!row) return null
  return {
    shopId: row.shop_id,
    shopName: row.name,
    shopConnected: row.connection_status === 'connected' && row.removed_at === null,
    checkoutFormId: row.checkout_form_id,
    transactionId: row.id
  }
}

export async function findDelivery(db: Queryable, documentId: number): Promise<DeliveryRow | undefined> {
  return await db
    .selectFrom('document_allegro_deliveries')
    .selectAll()
    .where('document_id', '=', documentId)
    .executeTakeFirst()
}

export function deliveryState(row: DeliveryRow): DeliveryState {
  return isDeliveryState(row.state) ? row.state : 'blad'
}

/**
 * Called inside the issuing transaction when the shop sends documents by itself: the document
 * waits for the background sender, due at once. Pro formas and internal documents are skipped.
 */
export async function queueAutomaticDelivery(
  trx: Trx,
  request: { documentId: number; type: string; at: string }
): Promise<void> {
  if (!canSendToAllegro(request.type, 'auto')) return
  const target = await deliveryTarget(trx, request.documentId)
  if (!target) return
  await trx
    .insertInto('document_allegro_deliveries')
    .values({
      document_id: request.documentId,
      shop_id: target.shopId,
      checkout_form_id: target.checkoutFormId,
      state: 'do_wyslania',
      next_attempt_at: request.at,
      created_at: request.at,
      updated_at: request.at
    })
    .onConflict((oc) => oc.column('document_id').doNothing())
    .execute()
}

/** A cancelled document still waiting to be sent is not sent. */
export async function cancelQueuedDelivery(trx: Trx, documentId: number, at: string): Promise<void> {
  await trx
    .updateTable('document_allegro_deliveries')
    .set({
      state: 'blad',
      next_attempt_at: null,
      last_error: 'Dokument anulowano, zanim trafił do Allegro.',
      updated_at: at
    })
    .where('document_id', '=', documentId)
    .where('state', '=', 'do_wyslania')
    .execute()
}

/**
 * Takes the document's delivery for one sender until `until`, creating the row on first use.
 * One conditional UPDATE decides between a double click, a second tab and the background
 * sender; a claim left by a process that died lapses by itself.
 */
export async function claimDelivery(
  db: Queryable,
  request: { documentId: number; target: DeliveryTarget; at: string; until: string }
): Promise<DeliveryRow | null> {
  await db
    .insertInto('document_allegro_deliveries')
    .values({
      document_id: request.documentId,
      shop_id: request.target.shopId,
      checkout_form_id: request.target.checkoutFormId,
      state: 'do_wyslania',
      created_at: request.at,
      updated_at: request.at
    })
    .onConflict((oc) => oc.column('document_id').doNothing())
    .execute()
  const claimed = await db
    .updateTable('document_allegro_deliveries')
    .set({ claimed_until: request.until })
    .where('document_id', '=', request.documentId)
    .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<=', request.at)]))
    .returningAll()
    .executeTakeFirst()
  if (!claimed) return null
  // until Allegro knows the document, it goes to whichever order the document belongs to now
  if (
    claimed.allegro_invoice_id === null &&
    (claimed.shop_id !== request.target.shopId || claimed.checkout_form_id !== request.target.checkoutFormId)
  ) {
    await db
      .updateTable('document_allegro_deliveries')
      .set({ shop_id: request.target.shopId, checkout_form_id: request.target.checkoutFormId })
      .where('id', '=', claimed.id)
      .execute()
    return { ...claimed, shop_id: request.target.shopId, checkout_form_id: request.target.checkoutFormId }
  }
  return claimed
}

/** Step 1 done: kept at once, so no later attempt ever creates a second invoice for the document. */
export async function recordAllegroInvoiceId(
  db: Queryable,
  deliveryId: number,
  invoiceId: string,
  at: string
): Promise<void> {
  await db
    .updateTable('document_allegro_deliveries')
    .set({ allegro_invoice_id: invoiceId, updated_at: at })
    .where('id', '=', deliveryId)
    .execute()
}

export interface DeliveryResult {
  state: DeliveryState
  reason?: string | null
  lastError?: string | null
  /** null: the background sender leaves it alone */
  nextAttemptAt?: string | null
  attempts?: number
  uploadedAt?: string
  checkedAt?: string
}

/** Writes the outcome of an attempt or a status check and gives the claim back. */
export async function finishDelivery(
  db: Queryable,
  deliveryId: number,
  result: DeliveryResult,
  at: string
): Promise<void> {
  await db
    .updateTable('document_allegro_deliveries')
    .set({
      state: result.state,
      ...(result.reason !== undefined ? { reason: result.reason } : {}),
      ...(result.lastError !== undefined ? { last_error: result.lastError } : {}),
      ...(result.nextAttemptAt !== undefined ? { next_attempt_at: result.nextAttemptAt } : {}),
      ...(result.attempts !== undefined ? { attempts: result.attempts } : {}),
      ...(result.uploadedAt !== undefined ? { uploaded_at: result.uploadedAt } : {}),
      ...(result.checkedAt !== undefined ? { checked_at: result.checkedAt } : {}),
      claimed_until: null,
      updated_at: at
    })
    .where('id', '=', deliveryId)
    .execute()
}

/**
 * At start (one server per database): claims still standing were left by a process that died
 * mid-send. Released now instead of lapsing minutes later; the next attempt first looks at the
 * invoice id already recorded, so nothing is created twice in Allegro.
 */
export async function releaseDeliveryClaimsOfEarlierRun(db: Queryable): Promise<number> {
  const result = await db
    .updateTable('document_allegro_deliveries')
    .set({ claimed_until: null })
    .where('claimed_until', 'is not', null)
    .executeTakeFirst()
  return Number(result.numUpdatedRows)
}

export async function releaseClaim(db: Queryable, deliveryId: number): Promise<void> {
  await db
    .updateTable('document_allegro_deliveries')
    .set({ claimed_until: null })
    .where('id', '=', deliveryId)
    .execute()
}

/** Documents the background sender should send now, oldest due first. */
export async function dueDeliveries(db: Queryable, at: string, limit: number): Promise<number[]> {
  const rows = await db
    .selectFrom('document_allegro_deliveries')
    .select('document_id')
    .where('state', '=', 'do_wyslania')
    .where('next_attempt_at', '<=', at)
    .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<=', at)]))
    .orderBy('next_attempt_at')
    .orderBy('id')
    .limit(limit)
    .execute()
  return rows.map((row) => row.document_id)
}

/** Sent documents still being checked by Allegro whose state was last read before `checkedBefore`. */
export async function deliveriesToCheck(db: Queryable, checkedBefore: string, limit: number): Promise<number[]> {
  const rows = await db
    .selectFrom('document_allegro_deliveries')
    .select('document_id')
    .where('state', 'in', ['wyslano', 'w_weryfikacji'])
    .where((eb) => eb.or([eb('checked_at', 'is', null), eb('checked_at', '<', checkedBefore)]))
    .orderBy('checked_at')
    .orderBy('id')
    .limit(limit)
    .execute()
  return rows.map((row) => row.document_id)
}

// The overview page ---------------------------------------------------------------------------

export interface DeliveryListRow {
  document_id: number
  number: string
  type: string
  buyer_name: string
  shop_name: string
  checkout_form_id: string
  state: string
  reason: string | null
  last_error: string | null
  attempts: number
  next_attempt_at: string | null
  updated_at: string
}

/** Documents that need attention first (not sent, rejected, waiting), then the latest ones. */
export async function listDeliveries(db: Queryable, limit: number): Promise<DeliveryListRow[]> {
  return await db
    .selectFrom('document_allegro_deliveries as x')
    .innerJoin('documents as d', 'd.id', 'x.document_id')
    .innerJoin('allegro_shops as s', 's.id', 'x.shop_id')
    .select([
      'x.document_id',
      'd.number',
      'd.type',
      'd.buyer_name',
      's.name as shop_name',
      'x.checkout_form_id',
      'x.state',
      'x.reason',
      'x.last_error',
      'x.attempts',
      'x.next_attempt_at',
      'x.updated_at'
    ])
    .orderBy((eb) =>
      eb
        .case()
        .when('x.state', 'in', ['blad', 'odrzucono'])
        .then(0)
        .when('x.state', '=', 'do_wyslania')
        .then(1)
        .else(2)
        .end()
    )
    .orderBy('x.updated_at', 'desc')
    .orderBy('x.id', 'desc')
    .limit(limit)
    .execute()
}

export async function shopsWithAutoSend(
  db: Queryable
): Promise<Array<{ id: number; name: string; auto_send_documents: number; connection_status: string }>> {
  return await db
    .selectFrom('allegro_shops')
    .select(['id', 'name', 'auto_send_documents', 'connection_status'])
    .where('removed_at', 'is', null)
    .orderBy('name')
    .orderBy('id')
    .execute()
}

/** Turns automatic sending on for exactly the given shops. */
