// Sales documents, transactions and products written straight into the database, so the
// products feature can be tested without the documents and Allegro features.
import type { Queryable } from '../../src/db/database.ts'

const AT = '2026-11-16T09:00:00.000Z'

export async function insertProduct(
  db: Queryable,
  product: {
    name: string
    sku?: string | null
    stockMilli?: number
    unit?: string
    vatRate?: string
    priceGross?: number
  }
): Promise<number> {
  const row = await db
    .insertInto('products')
    .values({
      name: product.name,
      sku: product.sku ?? null,
      unit: product.unit ?? 'szt.',
      vat_rate: product.vatRate ?? '23',
      price_net: 0,
      price_gross: product.priceGross ?? 0,
      stock_milli: product.stockMilli ?? 0,
      created_at: AT,
      updated_at: AT
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return row.id
}

export async function stockOf(db: Queryable, productId: number): Promise<number> {
  const row = await db
    .selectFrom('products')
    .select('stock_milli')
    .where('id', '=', productId)
    .executeTakeFirstOrThrow()
  return row.stock_milli
}

export interface ItemFixture {
  offerName: string
  externalId?: string | null
  quantity?: number
  unitPrice?: number
  taxRate?: string | null
}

let checkoutCounter = 0

/** A transaction with its cart items; returns the ids of both. */
export async function insertTransaction(
  db: Queryable,
  shopId: number,
  items: ItemFixture[]
): Promise<{ transactionId: number; itemIds: number[] }> {
  checkoutCounter += 1
  const total = items.reduce((sum, item) => sum + (item.unitPrice ?? 1000) * (item.quantity ?? 1), 0)
  const transaction = await db
    .insertInto('transactions')
    .values({
      shop_id: shopId,
      checkout_form_id: `cf-${checkoutCounter}`,
      revision: 'r1',
      allegro_status: 'READY_FOR_PROCESSING',
      total_to_pay: total,
      bought_at: AT,
      buyer_id: 'b1',
      buyer_login: 'kupujacy',
      raw_json: '{}',
      imported_at: AT,
      updated_at: AT
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  const itemIds: number[] = []
  let position = 0
  for (const item of items) {
    position += 1
    const row = await db
      .insertInto('transaction_items')
      .values({
        transaction_id: transaction.id,
        line_item_id: `li-${position}`,
        position,
        offer_id: String(7_000_000_000 + position),
        offer_name: item.offerName,
        external_id: item.externalId ?? null,
        quantity: item.quantity ?? 1,
        unit_price: item.unitPrice ?? 1000,
        original_unit_price: item.unitPrice ?? 1000,
        tax_rate: item.taxRate ?? null
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    itemIds.push(row.id)
  }
  return { transactionId: transaction.id, itemIds }
}

interface LineFixture {
  name: string
  sku?: string | null
  quantityMilli: number
  transactionItemId?: number | null
  productId?: number | null
  kind?: 'item' | 'service' | 'delivery'
}

export interface DocumentFixture {
  type: string
  issueDate?: string
  createdBy?: number | null
  createdAt?: string
  lines: LineFixture[]
}

const PREFIXES: Record<string, string> = {
  faktura: 'FV',
  faktura_bez_vat: 'F',
  proforma: 'PRO',
  paragon: 'PAR',
  inny_przychod: 'IP',
  korekta: 'KOR'
}

/** A document numbered like the real ones (next number of its type and month) with its lines. */
export async function insertDocument(
  db: Queryable,
  doc: DocumentFixture
): Promise<{ documentId: number; lineIds: number[] }> {
  const issueDate = doc.issueDate ?? '2026-11-16'
  const period = issueDate.slice(0, 7)
  const last = await db
    .selectFrom('documents')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .where('type', '=', doc.type)
    .where('period', '=', period)
    .executeTakeFirst()
  const seq = Number(last?.seq ?? 0) + 1
  const document = await db
    .insertInto('documents')
    .values({
      type: doc.type,
      number: `${PREFIXES[doc.type] ?? doc.type} ${seq}/${period.slice(5, 7)}/${period.slice(0, 4)}`,
      period,
      seq,
      issue_date: issueDate,
      sale_date: issueDate,
      payment_method: 'przelew',
      seller_name: 'Sklep Testowy Sp. z o.o.',
      seller_nip: '5261040828',
      seller_address: 'ul. Prosta 1, 00-001 Warszawa',
      buyer_name: 'Anna Kupująca',
      total_net: 0,
      total_vat: 0,
      total_gross: 0,
      total_vat_pln: 0,
      created_by: doc.createdBy ?? null,
      created_at: doc.createdAt ?? AT
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  const lineIds: number[] = []
  let position = 0
  for (const line of doc.lines) {
    position += 1
    const row = await db
      .insertInto('document_lines')
      .values({
        document_id: document.id,
        position,
        kind: line.kind ?? 'item',
        name: line.name,
        sku: line.sku ?? null,
        transaction_item_id: line.transactionItemId ?? null,
        product_id: line.productId ?? null,
        quantity_milli: line.quantityMilli,
        unit_price_gross: 1000,
        vat_rate: '23',
        net: 0,
        vat: 0,
        gross: 0
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    lineIds.push(row.id)
  }
  return { documentId: document.id, lineIds }
}

/** What the documents feature does when cancelling, before it calls the stock hook. */
export async function markCancelled(
  db: Queryable,
  documentId: number,
  at = '2026-11-17T08:00:00.000Z',
  userId: number | null = null
): Promise<void> {
  await db
    .updateTable('documents')
    .set({ status: 'cancelled', cancelled_at: at, cancelled_by: userId })
    .where('id', '=', documentId)
    .execute()
}

/** The start of the hand-made invoice form (Wystaw dokument): a Polish company as the buyer. */
export const MANUAL_INVOICE_BUYER = {
  type: 'faktura',
  contractorId: '',
  buyerName: 'Warsztat Nowak s.c.',
  buyerNip: '6762468259',
  buyerStreet: 'Przemysłowa 12',
  buyerPostalCode: '30-701',
  buyerCity: 'Kraków',
  buyerCountryCode: 'PL'
}
