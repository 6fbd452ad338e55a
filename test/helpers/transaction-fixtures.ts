// Realistic Allegro orders (CheckoutForm JSON, reference/allegro-api.md §3) and the rows the
// import stores for them, built with the import's own column mapping.
import { randomUUID } from 'node:crypto'
import type { Database, Queryable } from '../../src/db/database.ts'
import { formatDecimal, parseAmount } from '../../src/shared/money.ts'
import { parseCheckoutForm, toItemColumns, toTransactionColumns } from '../../src/transactions/checkout-form.ts'

interface ItemSpec {
  name?: string
  /** unit price actually paid, "124.49" */
  price: string
  quantity?: number
  /** Allegro's tax.rate, e.g. "23.00"; null when the offer has none */
  taxRate?: string | null
  sku?: string | null
  /** price is the total over units, as Allegro sends it */
  services?: Array<{ name: string; price: string; quantity: number }>
}

export interface OrderSpec {
  id?: string
  items?: ItemSpec[]
  deliveryCost?: string
  deliveryMethod?: string
  /** defaults to the sum of items, services and delivery */
  totalToPay?: string
  currency?: string
  marketplace?: string
  status?: 'BOUGHT' | 'FILLED_IN' | 'READY_FOR_PROCESSING' | 'CANCELLED'
  paymentType?: 'ONLINE' | 'CASH_ON_DELIVERY' | 'WIRE_TRANSFER'
  paid?: boolean
  paidAt?: string
  boughtAt?: string
  /** 'none': no invoice wanted; 'company': a Polish company with a NIP; 'person': a private person */
  invoice?: 'none' | 'company' | 'person' | 'foreign_company'
  invoiceNip?: string
  invoiceCompanyName?: string
  dueDate?: string | null
  buyer?: {
    id?: string
    login?: string
    firstName?: string | null
    lastName?: string | null
    companyName?: string | null
    address?: { street: string; city: string; postCode: string; countryCode: string } | null
  }
  delivery?: {
    firstName?: string
    lastName?: string
    street?: string
    city?: string
    zipCode?: string
    countryCode?: string
    pickupPoint?: boolean
  }
}

const DEFAULT_ITEMS: ItemSpec[] = [
  { name: 'Klucz dynamometryczny 1/2" 40-210 Nm', price: '124.49', quantity: 2, taxRate: '23.00', sku: 'KD-12-210' },
  { name: 'Smar miedziany 100 g', price: '10.00', quantity: 1, taxRate: null }
]

function money(minor: number, currency: string): { amount: string; currency: string } {
  return { amount: formatDecimal(minor), currency }
}

function minor(text: string): number {
  const value = parseAmount(text)
  if (value === null) throw new Error(`bad amount in fixture: ${text}`)
  return value
}

/** A CheckoutForm as Allegro sends it; only what the spec names differs from the reference example. */
export function checkoutForm(spec: OrderSpec = {}): Record<string, unknown> {
  const currency = spec.currency ?? 'PLN'
  const items = spec.items ?? DEFAULT_ITEMS
  const boughtAt = spec.boughtAt ?? '2026-11-15T09:15:30.133Z'
  const deliveryCost = minor(spec.deliveryCost ?? '9.99')
  const computed =
    items.reduce(
      (sum, item) =>
        sum +
        minor(item.price) * (item.quantity ?? 1) +
        (item.services ?? []).reduce((s, service) => s + minor(service.price), 0),
      0
    ) + deliveryCost
  const total = spec.totalToPay === undefined ? computed : minor(spec.totalToPay)
  const paid = spec.paid ?? spec.paymentType !== 'CASH_ON_DELIVERY'
  const buyer = spec.buyer ?? {}
  const delivery = spec.delivery ?? {}
  const invoiceKind = spec.invoice ?? 'none'
  const invoiceAddress =
    invoiceKind === 'none'
      ? null
      : {
          street: invoiceKind === 'foreign_company' ? 'Václavské náměstí 1' : 'Przemysłowa 12',
          city: invoiceKind === 'foreign_company' ? 'Praha' : 'Kraków',
          zipCode: invoiceKind === 'foreign_company' ? '110 00' : '30-701',
          countryCode: invoiceKind === 'foreign_company' ? 'CZ' : 'PL',
          company:
            invoiceKind === 'company'
              ? {
                  name: spec.invoiceCompanyName ?? 'Warsztat Nowak s.c.',
                  ids: [{ type: 'PL_NIP', value: spec.invoiceNip ?? '6762468259' }],
                  vatPayerStatus: 'ACTIVE',
                  taxId: spec.invoiceNip ?? '6762468259'
                }
              : invoiceKind === 'foreign_company'
                ? {
                    name: 'Dílna Novák s.r.o.',
                    ids: [
                      { type: 'CZ_ICO', value: '27074358' },
                      { type: 'CZ_DIC', value: 'CZ27074358' }
                    ],
                    vatPayerStatus: 'ACTIVE',
                    taxId: null
                  }
                : null,
          naturalPerson: invoiceKind === 'person' ? { firstName: 'Zofia', lastName: 'Wiśniewska' } : null
        }
  return {
    id: spec.id ?? randomUUID(),
    messageToSeller: 'Proszę o szybką wysyłkę',
    buyer: {
      id: buyer.id ?? '98765432',
      email: 'k7x2m9q4+a1b2c3@allegromail.pl',
      login: buyer.login ?? 'warsztat_nowak',
      firstName: buyer.firstName === undefined ? 'Anna' : buyer.firstName,
      lastName: buyer.lastName === undefined ? 'Nowak' : buyer.lastName,
      companyName: buyer.companyName === undefined ? null : buyer.companyName,
      guest: false,
      personalIdentity: null,
      phoneNumber: '+48600100200',
      preferences: { language: 'pl-PL' },
      address:
        buyer.address === undefined
          ? { street: 'Kwiatowa 7/2', city: 'Kraków', postCode: '30-001', countryCode: 'PL' }
          : buyer.address
    },
    payment: {
      id: randomUUID(),
      type: spec.paymentType ?? 'ONLINE',
      provider: spec.paymentType === 'CASH_ON_DELIVERY' ? 'OFFLINE' : 'P24',
      finishedAt: paid ? (spec.paidAt ?? '2026-11-15T09:16:02.481Z') : null,
      paidAmount: paid ? money(total, currency) : null,
      reconciliation: null,
      features: []
    },
    status: spec.status ?? 'READY_FOR_PROCESSING',
    fulfillment: { status: 'NEW', shipmentSummary: { lineItemsSent: 'NONE' }, provider: { id: 'SELLER' } },
    delivery: {
      address: {
        firstName: delivery.firstName ?? 'Anna',
        lastName: delivery.lastName ?? 'Nowak',
        companyName: null,
        street: delivery.street ?? 'Długa 5/3',
        city: delivery.city ?? 'Wrocław',
        zipCode: delivery.zipCode ?? '50-001',
        countryCode: delivery.countryCode ?? 'PL',
        phoneNumber: '+48600100200',
        modifiedAt: null
      },
      method: { id: randomUUID(), name: spec.deliveryMethod ?? 'Allegro Paczkomaty InPost' },
      pickupPoint: delivery.pickupPoint
        ? {
            id: 'KRA12M',
            name: 'Paczkomat KRA12M',
            description: 'Przy sklepie spożywczym',
            address: { street: 'Długa 15', zipCode: '31-147', city: 'Kraków', countryCode: 'PL' }
          }
        : null,
      cost: money(deliveryCost, currency),
      time: null,
      smart: true,
      cancellation: null,
      calculatedNumberOfPackages: 1
    },
    invoice: { required: invoiceKind !== 'none', address: invoiceAddress, dueDate: spec.dueDate ?? null, features: [] },
    lineItems: items.map((item, i) => ({
      id: randomUUID(),
      offer: {
        id: String(17345678901 + i),
        name: item.name ?? `Produkt ${i + 1}`,
        external: item.sku ? { id: item.sku } : null
      },
      quantity: item.quantity ?? 1,
      originalPrice: money(minor(item.price), currency),
      price: money(minor(item.price), currency),
      reconciliation: null,
      selectedAdditionalServices: (item.services ?? []).map((service, j) => ({
        definitionId: `svc-${j}`,
        name: service.name,
        price: money(minor(service.price), currency),
        quantity: service.quantity
      })),
      vouchers: [],
      tax: {
        rate: item.taxRate === undefined ? '23.00' : item.taxRate,
        subject: item.taxRate ? 'GOODS' : null,
        exemption: null
      },
      boughtAt,
      discounts: []
    })),
    surcharges: [],
    note: null,
    marketplace: { id: spec.marketplace ?? (currency === 'CZK' ? 'allegro-cz' : 'allegro-pl') },
    summary: { totalToPay: money(total, currency) },
    updatedAt: '2026-11-15T09:16:03.905Z',
    revision: '4c2a91fe'
  }
}

const STAMP = '2026-11-15T10:00:00.000Z'

/**
 * The one shop fixture: connected with a seller login (what the import, the pages and issuing
 * need), or `connected: false` as a shop stands before OAuth (no login, the table's default
 * status), for tests about stock and offers that must not look connected.
 */
export async function insertShop(
  db: Queryable,
  opts: { buyerDataSource?: 'delivery' | 'account_owner'; name?: string; connected?: boolean } = {}
): Promise<number> {
  const connected = opts.connected ?? true
  const row = await db
    .insertInto('allegro_shops')
    .values({
      name: opts.name ?? 'Mój sklep',
      environment: 'simulator',
      buyer_data_source: opts.buyerDataSource ?? 'delivery',
      connection_status: connected ? 'connected' : 'not_connected',
      allegro_login: connected ? 'sprzedawca_testowy' : null,
      created_at: STAMP,
      updated_at: STAMP
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return row.id
}

/** Stores an order the way the import does: the transaction row, its items and the raw JSON. */
export async function insertTransaction(
  db: Database,
  shopId: number,
  spec: OrderSpec = {},
  opts: { localStatus?: 'nowa' | 'oplacona' | 'zamknieta' | 'anulowana'; rawJson?: string } = {}
): Promise<number> {
  const json = checkoutForm(spec)
  const parsed = parseCheckoutForm(json)
  if (!parsed.ok) throw new Error(`fixture is not a valid CheckoutForm: ${parsed.error}`)
  const row = await db
    .insertInto('transactions')
    .values({
      shop_id: shopId,
      ...toTransactionColumns(parsed.form),
      local_status: opts.localStatus ?? (parsed.form.status === 'CANCELLED' ? 'anulowana' : 'nowa'),
      raw_json: opts.rawJson ?? JSON.stringify(json),
      imported_at: STAMP,
      updated_at: STAMP
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  for (const item of toItemColumns(parsed.form)) {
    await db
      .insertInto('transaction_items')
      .values({ transaction_id: row.id, ...item })
      .execute()
  }
  return row.id
}
