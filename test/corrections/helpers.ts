// Issuing invoices and corrections the way a user does: Wystaw on a transaction, then the
// "Wystaw korektę" form filled in from what the page shows.
import type { LightMyRequestResponse } from 'fastify'
import type { Built } from '../helpers/app.ts'
import type { TestClient } from '../helpers/client.ts'
import { insertShop, insertTransaction, type OrderSpec } from '../helpers/transaction-fixtures.ts'

export async function invoiceFor(
  built: Built,
  spec: OrderSpec = {},
  type = 'faktura'
): Promise<{ transactionId: number; invoiceId: number }> {
  const shop =
    (await built.db.selectFrom('allegro_shops').select('id').executeTakeFirst())?.id ?? (await insertShop(built.db))
  const transactionId = await insertTransaction(built.db, shop, spec)
  await built.owner.get('/przychody/allegro')
  const issued = await built.owner.post('/przychody/dokumenty/wystaw', {
    transactionIds: [String(transactionId)],
    type
  })
  if (issued.statusCode !== 303) throw new Error(`Wystaw failed: ${issued.statusCode}`)
  const link = await built.db
    .selectFrom('document_transactions')
    .select('document_id')
    .where('transaction_id', '=', transactionId)
    .executeTakeFirstOrThrow()
  return { transactionId, invoiceId: link.document_id }
}

export interface CorrectionInput {
  /** after-values by line position (1, 2, …): what the user types over the prefilled ones */
  lines?: Record<number, { quantity?: string; price?: string }>
  reason?: string
  issueDate?: string
  fullReturn?: boolean
  refundDelivery?: boolean
  /** the art. 29a choice; by default the one the page checked */
  settlement?: string
  settlementDate?: string
}

/** The form's fields as the page prefilled them. */
export function formFields(html: string): { basedOn: string; lineId: string[]; quantity: string[]; price: string[] } {
  const all = (name: string) => [...html.matchAll(new RegExp(`name="${name}" value="([^"]*)"`, 'g'))].map((m) => m[1])
  return { basedOn: all('basedOn')[0] ?? '', lineId: all('lineId'), quantity: all('quantity'), price: all('price') }
}

/** Opens the form of the invoice, changes what `input` says and submits it. */
export async function submitCorrection(
  client: TestClient,
  invoiceId: number,
  input: CorrectionInput
): Promise<LightMyRequestResponse> {
  const page = await client.get(`/przychody/dokumenty/${invoiceId}/korekta`)
  if (page.statusCode !== 200) throw new Error(`form: ${page.statusCode}`)
  const fields = formFields(page.body)
  for (const [position, change] of Object.entries(input.lines ?? {})) {
    const index = Number(position) - 1
    if (change.quantity !== undefined) fields.quantity[index] = change.quantity
    if (change.price !== undefined) fields.price[index] = change.price
  }
  return await client.post(`/przychody/dokumenty/${invoiceId}/korekta`, {
    ...fields,
    reason: input.reason ?? 'Zwrot towaru',
    issueDate: input.issueDate ?? '2026-11-16',
    fullReturn: input.fullReturn ? 'on' : null,
    refundDelivery: input.refundDelivery ? 'on' : null,
    settlement: input.settlement ?? /name="settlement" value="([^"]*)" checked/.exec(page.body)?.[1] ?? '',
    settlementDate: input.settlementDate ?? ''
  })
}

/** Submits and expects the 303 to the new correction; returns its id. */
export async function correct(client: TestClient, invoiceId: number, input: CorrectionInput): Promise<number> {
  const response = await submitCorrection(client, invoiceId, input)
  const match = /^\/przychody\/dokumenty\/(\d+)$/.exec(String(response.headers.location ?? ''))
  if (response.statusCode !== 303 || !match)
    throw new Error(`correction refused: ${response.statusCode} ${response.body.slice(0, 2000)}`)
  return Number(match[1])
}

export async function documentRow(built: Built, id: number) {
  return await built.db.selectFrom('documents').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
}

export async function vatTotalsOf(built: Built, id: number) {
  return await built.db
    .selectFrom('document_vat_totals')
    .select(['vat_rate', 'net', 'vat', 'gross'])
    .where('document_id', '=', id)
    .orderBy('vat_rate')
    .execute()
}

export async function ledgerOf(built: Built, documentId: number) {
  return await built.db
    .selectFrom('ledger_entries as e')
    .leftJoin('ledger_entry_amounts as a', 'a.entry_id', 'e.id')
    .select([
      'e.register',
      'e.document_number',
      'e.month',
      'e.revenue_sales',
      'e.total_vat',
      'e.description',
      'a.rate',
      'a.net',
      'a.vat'
    ])
    .where('e.document_id', '=', documentId)
    .orderBy('e.register')
    .orderBy('a.rate')
    .execute()
}
