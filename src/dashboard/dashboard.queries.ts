import type { Queryable } from '../db/database.ts'
import { BOOKABLE_TYPES, toPln } from '../ledger/ledger.ts'
import { receiptNumber } from '../ledger/ledger.queries.ts'
import { countTransactions, NO_FILTERS } from '../transactions/transactions.queries.ts'
import type { SaleRow } from './dashboard.ts'

/**
 * Sales documents issued between the two days (inclusive), gross in PLN at each document's own
 * rate, by issue day and shop. An invoice issued to a receipt is the same sale as the receipt,
 * so only the receipt counts (as in the art. 113 sum); pro formas and cancelled documents are
 * no sales.
 */
export async function salesBetween(db: Queryable, from: string, to: string): Promise<SaleRow[]> {
  const rows = await db
    .selectFrom('documents')
    .select(['issue_date', 'shop_id', 'total_gross', 'exchange_rate'])
    .where('status', '=', 'issued')
    .where('type', 'in', [...BOOKABLE_TYPES])
    .where('issue_date', '>=', from)
    .where('issue_date', '<=', to)
    .where((eb) => eb.not(eb.and([eb('type', 'in', ['faktura', 'faktura_bez_vat']), eb.exists(receiptNumber(eb))])))
    .execute()
  return rows.map((r) => ({
    day: r.issue_date,
    shopId: r.shop_id,
    grossPln: r.exchange_rate === null ? r.total_gross : toPln(r.total_gross, r.exchange_rate)
  }))
}

export async function shopNames(db: Queryable): Promise<Map<number, string>> {
  const rows = await db.selectFrom('allegro_shops').select(['id', 'name']).execute()
  return new Map(rows.map((r) => [r.id, r.name]))
}

export interface Attention {
  /** Allegro orders whose buyer asked for an invoice and that have no document yet */
  invoiceWanted: number
  /** issued documents not paid (pro formas are never paid; a correction is settled with its invoice) */
  unpaid: { count: number; grossPln: number }
  /** invoices Allegro refused or that could not be delivered */
  deliveryFailed: number
  /** the next automatic import of a connected shop, if any is on */
  nextImport: { shop: string; at: string } | null
  /** a connected shop has imported at least once: the getting-started guide is done */
  allegroStarted: boolean
}

export async function attention(db: Queryable): Promise<Attention> {
  const [invoiceWanted, unpaidRows, deliveryFailed, shops, imported] = await Promise.all([
    countTransactions(db, { ...NO_FILTERS, words: [], invoiceRequired: true, hasDocument: false }),
    db
      .selectFrom('documents')
      .select(['total_gross', 'exchange_rate'])
      .where('status', '=', 'issued')
      .where('paid', '=', 0)
      .where('type', 'not in', ['proforma', 'proforma_bez_vat', 'korekta'])
      .execute(),
    db
      .selectFrom('document_allegro_deliveries')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('state', 'in', ['odrzucono', 'blad'])
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('allegro_shops as s')
      .leftJoin('transaction_imports as i', 'i.shop_id', 's.id')
      .select(['s.name', 's.auto_import_minutes', 'i.last_started_at'])
      .where('s.removed_at', 'is', null)
      .where('s.connection_status', '=', 'connected')
      .execute(),
    db
      .selectFrom('transaction_imports as i')
      .innerJoin('allegro_shops as s', 's.id', 'i.shop_id')
      .select('i.shop_id')
      .where('s.removed_at', 'is', null)
      .where('i.last_finished_at', 'is not', null)
      .limit(1)
      .execute()
  ])
  let nextImport: Attention['nextImport'] = null
  for (const shop of shops) {
    if (shop.auto_import_minutes === null || shop.last_started_at === null) continue
    const at = new Date(Date.parse(shop.last_started_at) + shop.auto_import_minutes * 60_000).toISOString()
    if (nextImport === null || at < nextImport.at) nextImport = { shop: shop.name, at }
  }
  return {
    invoiceWanted,
    unpaid: {
      count: unpaidRows.length,
      grossPln: unpaidRows.reduce(
        (sum, r) => sum + (r.exchange_rate === null ? r.total_gross : toPln(r.total_gross, r.exchange_rate)),
        0
      )
    },
    deliveryFailed: Number(deliveryFailed.n),
    nextImport,
    allegroStarted: imported.length > 0
  }
}
