import type { Queryable, Trx } from '../db/database.ts'

type MovementKind = 'initial' | 'przyjecie' | 'korekta' | 'sprzedaz' | 'anulowanie' | 'zwrot'

export const MOVEMENT_LABELS: Record<string, string> = {
  initial: 'Stan początkowy',
  przyjecie: 'Przyjęcie',
  korekta: 'Korekta inwentaryzacyjna',
  sprzedaz: 'Sprzedaż',
  anulowanie: 'Anulowanie dokumentu',
  zwrot: 'Zwrot (korekta sprzedaży)'
}

export interface StockChange {
  productId: number
  kind: MovementKind
  /** signed: negative takes goods out of stock */
  quantityMilli: number
  documentId?: number | null
  documentLineId?: number | null
  transactionItemId?: number | null
  reversesMovementId?: number | null
  reason?: string
  userId: number | null
  createdAt: string
}

export interface RecordedChange {
  movementId: number
  stockAfterMilli: number
}

/**
 * The one way stock changes: a relative UPDATE (never read-modify-write, so concurrent
 * sales cannot lose one another) and the movement that explains it, in the caller's transaction.
 */
export async function changeStock(trx: Trx, change: StockChange): Promise<RecordedChange> {
  const product = await trx
    .updateTable('products')
    .set((eb) => ({ stock_milli: eb('stock_milli', '+', change.quantityMilli) }))
    .where('id', '=', change.productId)
    .returning('stock_milli')
    .executeTakeFirstOrThrow()
  const movement = await trx
    .insertInto('stock_movements')
    .values({
      product_id: change.productId,
      kind: change.kind,
      quantity_milli: change.quantityMilli,
      stock_after_milli: product.stock_milli,
      document_id: change.documentId ?? null,
      document_line_id: change.documentLineId ?? null,
      transaction_item_id: change.transactionItemId ?? null,
      reverses_movement_id: change.reversesMovementId ?? null,
      reason: change.reason ?? '',
      user_id: change.userId,
      created_at: change.createdAt
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return { movementId: movement.id, stockAfterMilli: product.stock_milli }
}

export interface MovementListRow {
  id: number
  kind: string
  quantity_milli: number
  stock_after_milli: number
  reason: string
  created_at: string
  document_id: number | null
  document_number: string | null
  document_type: string | null
  user_name: string | null
}

export async function listMovements(
  db: Queryable,
  productId: number,
  opts: { limit: number; offset: number }
): Promise<{ rows: MovementListRow[]; total: number }> {
  const rows = await db
    .selectFrom('stock_movements as m')
    .leftJoin('documents as d', 'd.id', 'm.document_id')
    .leftJoin('users as u', 'u.id', 'm.user_id')
    .select([
      'm.id',
      'm.kind',
      'm.quantity_milli',
      'm.stock_after_milli',
      'm.reason',
      'm.created_at',
      'm.document_id',
      'd.number as document_number',
      'd.type as document_type',
      'u.name as user_name'
    ])
    .where('m.product_id', '=', productId)
    .orderBy('m.id', 'desc')
    .limit(opts.limit)
    .offset(opts.offset)
    .execute()
  const count = await db
    .selectFrom('stock_movements')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('product_id', '=', productId)
    .executeTakeFirstOrThrow()
  return { rows, total: Number(count.n) }
}
