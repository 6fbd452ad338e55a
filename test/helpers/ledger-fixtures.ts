// Sales documents written straight into the database for the ledger tests, with totals computed
// the way DESIGN §5 says issuing does: per VAT rate from the gross sum, VAT rounded half up.
import type { Queryable } from '../../src/db/database.ts'
import { divideRoundHalfUp } from '../../src/shared/money.ts'
import { insertTransaction } from './document-fixtures.ts'
import { insertShop } from './transaction-fixtures.ts'

const TYPE_PREFIX: Record<string, string> = {
  faktura: 'FV',
  faktura_bez_vat: 'FBV',
  proforma: 'PRO',
  proforma_bez_vat: 'PROB',
  paragon: 'PAR',
  inny_przychod: 'IPS',
  korekta: 'KOR'
}

interface LineFixture {
  name?: string
  vatRate: string
  /** line gross in minor units */
  gross: number
  kind?: 'item' | 'service' | 'delivery'
  quantityMilli?: number
}

export interface DocumentFixture {
  type?: string
  number?: string
  issueDate: string
  saleDate?: string
  status?: 'issued' | 'cancelled'
  currency?: string
  exchangeRate?: string | null
  /** required for a document not in PLN: the VAT in grosze as the document states it */
  totalVatPln?: number
  buyerName?: string
  buyerNip?: string | null
  buyerForeignTaxId?: string | null
  buyerCountryCode?: string
  ksefNumber?: string | null
  correctsDocumentId?: number | null
  createdAt?: string
  createdBy?: number | null
  lines: LineFixture[]
}

function vatOf(gross: number, rate: string): number {
  const percent = Number(rate)
  return Number.isInteger(percent) && percent > 0 ? divideRoundHalfUp(gross * percent, 100 + percent) : 0
}

export async function insertDocument(db: Queryable, f: DocumentFixture): Promise<number> {
  const type = f.type ?? 'faktura'
  const period = f.issueDate.slice(0, 7)
  const existing = await db
    .selectFrom('documents')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('type', '=', type)
    .where('period', '=', period)
    .executeTakeFirstOrThrow()
  const seq = Number(existing.n) + 1
  const number =
    f.number ?? `${TYPE_PREFIX[type] ?? type.toUpperCase()} ${seq}/${period.slice(5)}/${period.slice(0, 4)}`

  const byRate = new Map<string, number>()
  for (const line of f.lines) byRate.set(line.vatRate, (byRate.get(line.vatRate) ?? 0) + line.gross)
  const rateTotals = [...byRate].map(([rate, gross]) => {
    const vat = vatOf(gross, rate)
    return { vat_rate: rate, gross, vat, net: gross - vat }
  })
  const totalNet = rateTotals.reduce((a, r) => a + r.net, 0)
  const totalVat = rateTotals.reduce((a, r) => a + r.vat, 0)
  const totalGross = rateTotals.reduce((a, r) => a + r.gross, 0)
  const currency = f.currency ?? 'PLN'
  if (currency !== 'PLN' && f.totalVatPln === undefined)
    throw new Error('totalVatPln is required for a foreign-currency fixture')

  const doc = await db
    .insertInto('documents')
    .values({
      type,
      number,
      period,
      seq,
      status: f.status ?? 'issued',
      issue_date: f.issueDate,
      sale_date: f.saleDate ?? f.issueDate,
      payment_method: 'przelew',
      currency,
      exchange_rate: f.exchangeRate ?? null,
      exchange_rate_table: f.exchangeRate ? '222/A/NBP/2026' : null,
      exchange_rate_date: f.exchangeRate ? '2026-11-12' : null,
      vat_exempt: type.endsWith('bez_vat') ? 1 : 0,
      seller_name: 'Sklep Testowy Sp. z o.o.',
      seller_nip: '5261040828',
      seller_address: 'ul. Prosta 1, 00-001 Warszawa',
      buyer_name: f.buyerName ?? 'Jan Nabywca',
      buyer_nip: f.buyerNip ?? null,
      buyer_foreign_tax_id: f.buyerForeignTaxId ?? null,
      buyer_street: 'ul. Kupiecka 2',
      buyer_postal_code: '30-002',
      buyer_city: 'Kraków',
      buyer_country_code: f.buyerCountryCode ?? 'PL',
      total_net: totalNet,
      total_vat: totalVat,
      total_gross: totalGross,
      total_vat_pln: currency === 'PLN' ? totalVat : f.totalVatPln!,
      ksef_number: f.ksefNumber ?? null,
      corrects_document_id: f.correctsDocumentId ?? null,
      created_by: f.createdBy ?? null,
      created_at: f.createdAt ?? `${f.issueDate}T09:00:00.000Z`,
      cancelled_at: f.status === 'cancelled' ? `${f.issueDate}T12:00:00.000Z` : null
    })
    .returning('id')
    .executeTakeFirstOrThrow()

  let position = 0
  for (const line of f.lines) {
    position += 1
    const vat = vatOf(line.gross, line.vatRate)
    await db
      .insertInto('document_lines')
      .values({
        document_id: doc.id,
        position,
        kind: line.kind ?? 'item',
        name: line.name ?? `Pozycja ${position}`,
        quantity_milli: line.quantityMilli ?? 1000,
        unit_price_gross: line.gross,
        vat_rate: line.vatRate,
        net: line.gross - vat,
        vat,
        gross: line.gross
      })
      .execute()
  }
  for (const total of rateTotals)
    await db
      .insertInto('document_vat_totals')
      .values({ document_id: doc.id, ...total })
      .execute()
  return doc.id
}

export async function lineIdsOf(db: Queryable, documentId: number): Promise<number[]> {
  const rows = await db
    .selectFrom('document_lines')
    .select('id')
    .where('document_id', '=', documentId)
    .orderBy('position')
    .execute()
  return rows.map((r) => r.id)
}

/** Links the documents to one Allegro transaction, as issuing a receipt and then an invoice for it would. */
export async function linkToOneTransaction(db: Queryable, documentIds: number[]): Promise<number> {
  const at = '2026-11-16T09:00:00.000Z'
  const shop = await db.selectFrom('allegro_shops').select('id').executeTakeFirst()
  const { transactionId } = await insertTransaction(
    db,
    shop?.id ?? (await insertShop(db, { name: 'Sklep', connected: false })),
    []
  )
  for (const documentId of documentIds) {
    await db
      .insertInto('document_transactions')
      .values({ document_id: documentId, transaction_id: transactionId, link_kind: 'issued', created_at: at })
      .execute()
  }
  return transactionId
}

export async function entriesOf(db: Queryable, register: string) {
  return await db
    .selectFrom('ledger_entries')
    .select(['document_number', 'entry_number', 'month', 'revenue_sales', 'total_vat', 'document_mark'])
    .where('register', '=', register)
    .orderBy('year')
    .orderBy('entry_number')
    .execute()
}
