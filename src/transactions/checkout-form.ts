// Allegro's CheckoutForm (reference/allegro-api.md §3) is untrusted input: every field the app
// uses is checked for type, length and format here, before anything is stored. A form that fails
// is skipped as a whole (and counted) rather than stored half-right.
import { createHash } from 'node:crypto'
import { DateTime } from 'luxon'
import { parseAmount } from '../shared/money.ts'
import { statusFromAllegro, type TransactionStatus } from './transaction-status.ts'

const CHECKOUT_FORM_STATUSES = ['BOUGHT', 'FILLED_IN', 'READY_FOR_PROCESSING', 'CANCELLED'] as const
type CheckoutFormStatus = (typeof CHECKOUT_FORM_STATUSES)[number]

const PAYMENT_TYPES = ['CASH_ON_DELIVERY', 'WIRE_TRANSFER', 'ONLINE', 'SPLIT_PAYMENT', 'EXTENDED_TERM'] as const
type PaymentType = (typeof PAYMENT_TYPES)[number]

const VAT_PAYER_STATUSES = ['ACTIVE', 'NON_ACTIVE', 'NOT_APPLICABLE'] as const

// Allegro caps offer titles at 75 characters and names far lower, but a title that is merely long
// is not garbage: these limits only keep absurd values out, and the pages shorten long text.
const LIMIT = {
  code: 100,
  name: 1000,
  offerName: 10_000,
  address: 1000,
  email: 320,
  message: 10_000
} as const

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
// The description types buyer.id and offer.id as plain strings (today digits); any short id of
// safe characters is kept as sent. It starts with a letter or digit so that no "." or ".." ever
// becomes a path segment of a request (the offer stock PATCH). Links to offers are built only
// from numeric ones (marketplaces.ts).
const PLAIN_ID = /^[0-9A-Za-z][0-9A-Za-z_.:-]{0,63}$/
const REVISION = /^[0-9A-Za-z_-]{1,64}$/
const CURRENCY = /^[A-Z]{3}$/
const COUNTRY = /^[A-Za-z]{2}$/
const ENUM_LIKE = /^[A-Z][A-Z0-9_]{0,49}$/
const MARKETPLACE = /^[a-z][a-z0-9-]{1,49}$/
// "23.00", "8", and codes such as "ZW" (exempt) that the description's free string allows
const TAX_RATE = /^(\d{1,3}(\.\d{1,2})?|[A-Za-z]{2,5})$/
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/
// updatedAt and invoice.dueDate are free strings in the description: also without a zone (UTC,
// as all of Allegro's times), with a space for the T, or a bare date
const LOOSE_DATE_TIME = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/
const CANONICAL_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/
const MAX_LINE_ITEMS = 1000
const MAX_QUANTITY = 1_000_000

interface Address {
  street: string
  city: string
  zipCode: string
  countryCode: string
}

interface PaymentData {
  id: string
  type: PaymentType
  provider: string | null
  finishedAt: string | null
  paidAmount: number | null
}

interface AdditionalServiceData {
  /** "Usługa dodatkowa" when Allegro names none */
  name: string
  /** total over all units, in minor units (reference §3) */
  price: number
  quantity: number
}

export interface LineItemData {
  id: string
  offerId: string
  offerName: string
  externalId: string | null
  quantity: number
  unitPrice: number
  originalUnitPrice: number
  taxRate: string | null
  boughtAt: string | null
  services: AdditionalServiceData[]
}

interface InvoiceCompanyData {
  name: string
  vatPayerStatus: string
  ids: { type: string; value: string }[]
  /** the Polish NIP when one is given (PL_NIP, else the deprecated taxId when it looks like one) */
  nip: string | null
}

export interface CheckoutFormData {
  id: string
  /** Allegro's, or when it sends none one derived from the content (`h-…`), so changes still show */
  revision: string
  status: CheckoutFormStatus
  updatedAt: string | null
  marketplaceId: string
  currency: string
  totalToPay: number
  messageToSeller: string | null
  buyer: {
    id: string
    login: string
    email: string
    guest: boolean
    firstName: string | null
    lastName: string | null
    companyName: string | null
    phoneNumber: string | null
    address: Address | null
  }
  payment: PaymentData | null
  surcharges: PaymentData[]
  fulfillmentStatus: string | null
  delivery: {
    methodName: string | null
    cost: number
    smart: boolean
    address:
      (Address & { firstName: string; lastName: string; companyName: string | null; phoneNumber: string | null }) | null
    pickupPoint: { id: string | null; name: string | null; description: string | null; address: Address | null } | null
  }
  invoice: {
    required: boolean
    address: Address | null
    company: InvoiceCompanyData | null
    naturalPerson: { firstName: string; lastName: string } | null
    dueDate: string | null
  }
  lineItems: LineItemData[]
  /** earliest lineItems[].boughtAt (or updatedAt when no item says), stored ISO UTC */
  boughtAt: string
}

export type ParseResult = { ok: true; form: CheckoutFormData } | { ok: false; id: string | null; error: string }

class InvalidField extends Error {
  override name = 'InvalidField'
  readonly path: string
  constructor(path: string, reason: string) {
    // what the user sees on the import result and when issuing: the field's path and why, in Polish
    super(`pole ${path}: ${reason}`)
    this.path = path
  }
}

function fail(path: string, reason: string): never {
  throw new InvalidField(path, reason)
}

type Json = Record<string, unknown>

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function object(value: unknown, path: string): Json {
  if (!isObject(value)) fail(path, 'oczekiwano obiektu')
  return value
}

function optionalObject(value: unknown, path: string): Json | null {
  if (value === undefined || value === null) return null
  return object(value, path)
}

function array(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) fail(path, 'oczekiwano listy')
  return value
}

function optionalArray(value: unknown, path: string): unknown[] {
  if (value === undefined || value === null) return []
  return array(value, path)
}

interface TextRule {
  max: number
  pattern?: RegExp
}

function optionalText(value: unknown, path: string, rule: TextRule): string | null {
  if (value === undefined || value === null) return null
  if (typeof value !== 'string') fail(path, 'oczekiwano tekstu')
  if (value.length > rule.max) fail(path, `dłuższe niż ${rule.max} znaków`)
  // NUL and other C0 controls (except tab and new lines) have no business in order data
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(value)) fail(path, 'zawiera znaki sterujące')
  if (rule.pattern && !rule.pattern.test(value)) fail(path, 'nieoczekiwany format')
  return value
}

function requiredText(value: unknown, path: string, rule: TextRule): string {
  const text = optionalText(value, path, rule)
  if (text === null || text === '') fail(path, 'brak wartości')
  return text
}

function optionalBoolean(value: unknown, path: string): boolean | null {
  if (value === undefined || value === null) return null
  if (typeof value !== 'boolean') fail(path, 'oczekiwano true albo false')
  return value
}

function oneOf<T extends string>(value: unknown, path: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) fail(path, 'nieznana wartość')
  return value as T
}

function digitsAt(text: string, start: number, count: number): number {
  let value = 0
  for (let i = start; i < start + count; i++) value = value * 10 + text.charCodeAt(i) - 48
  return value
}

/**
 * Already the stored form and a real instant: exactly the strings that Date would print back
 * unchanged, checked without Date (four of them in every order made Date a tenth of the import's
 * validation time).
 */
export function isStoredUtcForm(text: string): boolean {
  if (!CANONICAL_UTC.test(text)) return false
  const year = digitsAt(text, 0, 4)
  const month = digitsAt(text, 5, 2)
  const day = digitsAt(text, 8, 2)
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
  const monthDays = month === 2 ? (leap ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31
  return (
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= monthDays &&
    digitsAt(text, 11, 2) < 24 &&
    digitsAt(text, 14, 2) < 60 &&
    digitsAt(text, 17, 2) < 60
  )
}

/** ISO date-time with a zone, normalised to the stored form (UTC, milliseconds). */
function optionalDateTime(value: unknown, path: string): string | null {
  // Allegro's usual form: digits and separators only, so no other check could fail
  if (typeof value === 'string' && isStoredUtcForm(value)) return value
  const text = optionalText(value, path, { max: 40, pattern: ISO_DATE_TIME })
  if (text === null) return null
  try {
    return DateTime.fromISO(text, { setZone: true }).toUTC().toISO()
  } catch {
    fail(path, 'niepoprawna data i godzina')
  }
}

/** Luxon throws on invalid dates here (Settings.throwOnInvalid); null instead. */
function looseDateTime(text: string): DateTime | null {
  try {
    const parsed = DateTime.fromISO(text.replace(' ', 'T'), { zone: 'utc', setZone: true })
    return parsed.isValid ? parsed : null
  } catch {
    return null
  }
}

/** A free-form date-time string (see LOOSE_DATE_TIME): a zone-less one is UTC. */
function optionalLooseDateTime(value: unknown, path: string): string | null {
  if (typeof value === 'string' && isStoredUtcForm(value)) return value
  const text = optionalText(value, path, { max: 40, pattern: LOOSE_DATE_TIME })
  if (text === null || text === '') return null
  const parsed = looseDateTime(text)
  if (parsed === null) fail(path, 'niepoprawna data i godzina')
  return parsed.toUTC().toISO()
}

/** A date, or the Polish calendar day of a date-time. */
function optionalDate(value: unknown, path: string): string | null {
  const text = optionalText(value, path, { max: 40, pattern: LOOSE_DATE_TIME })
  if (text === null || text === '') return null
  const parsed = looseDateTime(text)
  if (parsed === null) fail(path, 'niepoprawna data')
  if (ISO_DATE.test(text)) return text
  return parsed.setZone('Europe/Warsaw').toISODate()
}

/** A Price {amount: "123.45", currency}: minor units, non-negative, in the order's currency. */
function price(value: unknown, path: string, currency: string): number {
  const p = object(value, path)
  const amount = typeof p.amount === 'string' ? parseAmount(p.amount) : null
  if (amount === null || !/^\d+(\.\d{1,2})?$/.test(String(p.amount)))
    fail(`${path}.amount`, 'oczekiwano kwoty w postaci "123.45"')
  if (p.currency !== currency) fail(`${path}.currency`, `oczekiwano waluty ${currency}`)
  return amount
}

function optionalPrice(value: unknown, path: string, currency: string): number | null {
  if (value === undefined || value === null) return null
  return price(value, path, currency)
}

function address(value: unknown, path: string, zipKey: 'zipCode' | 'postCode'): Address | null {
  const a = optionalObject(value, path)
  if (a === null) return null
  return {
    street: optionalText(a.street, `${path}.street`, { max: LIMIT.address }) ?? '',
    city: optionalText(a.city, `${path}.city`, { max: LIMIT.address }) ?? '',
    zipCode: optionalText(a[zipKey], `${path}.${zipKey}`, { max: LIMIT.code }) ?? '',
    countryCode: optionalText(a.countryCode, `${path}.countryCode`, { max: 2, pattern: COUNTRY })?.toUpperCase() ?? 'PL'
  }
}

function payment(value: unknown, path: string, currency: string): PaymentData {
  const p = object(value, path)
  return {
    id: requiredText(p.id, `${path}.id`, { max: 36, pattern: UUID }),
    type: oneOf(p.type, `${path}.type`, PAYMENT_TYPES),
    // new providers appear now and then; an unknown one is shown as sent, not a reason to reject
    provider: optionalText(p.provider, `${path}.provider`, { max: 50, pattern: ENUM_LIKE }),
    finishedAt: optionalDateTime(p.finishedAt, `${path}.finishedAt`),
    paidAmount: optionalPrice(p.paidAmount, `${path}.paidAmount`, currency)
  }
}

function additionalService(
  value: unknown,
  path: string,
  currency: string
): AdditionalServiceData & { priced: boolean } {
  const service = object(value, path)
  const q = service.quantity ?? 1
  if (typeof q !== 'number' || !Number.isInteger(q) || q < 1 || q > MAX_QUANTITY)
    fail(`${path}.quantity`, 'oczekiwano liczby całkowitej co najmniej 1')
  const name =
    optionalText(service.name, `${path}.name`, { max: LIMIT.name }) ||
    optionalText(service.definitionId, `${path}.definitionId`, { max: LIMIT.code }) ||
    'Usługa dodatkowa'
  const price = optionalPrice(service.price, `${path}.price`, currency)
  return { name, price: price ?? 0, quantity: q, priced: price !== null }
}

function lineItem(value: unknown, path: string, currency: string): LineItemData & { unpricedServices: string[] } {
  const item = object(value, path)
  const offer = object(item.offer, `${path}.offer`)
  const external = optionalObject(offer.external, `${path}.offer.external`)
  const quantity = item.quantity
  if (typeof quantity !== 'number' || !Number.isInteger(quantity) || quantity < 1 || quantity > MAX_QUANTITY) {
    fail(`${path}.quantity`, 'oczekiwano liczby całkowitej co najmniej 1')
  }
  const tax = optionalObject(item.tax, `${path}.tax`)
  const rate =
    tax === null
      ? null
      : (optionalText(tax.rate, `${path}.tax.rate`, { max: 6, pattern: TAX_RATE })?.toUpperCase() ?? null)
  const unpricedServices: string[] = []
  const services = optionalArray(item.selectedAdditionalServices, `${path}.selectedAdditionalServices`).map((s, i) => {
    const sp = `${path}.selectedAdditionalServices[${i}]`
    const { priced, ...service } = additionalService(s, sp, currency)
    if (!priced) unpricedServices.push(`${sp}.price`)
    return service
  })
  return {
    id: requiredText(item.id, `${path}.id`, { max: 36, pattern: UUID }),
    offerId: requiredText(offer.id, `${path}.offer.id`, { max: 64, pattern: PLAIN_ID }),
    offerName: requiredText(offer.name, `${path}.offer.name`, { max: LIMIT.offerName }),
    externalId: external === null ? null : optionalText(external.id, `${path}.offer.external.id`, { max: LIMIT.code }),
    quantity,
    unitPrice: price(item.price, `${path}.price`, currency),
    originalUnitPrice: price(item.originalPrice, `${path}.originalPrice`, currency),
    taxRate: rate,
    boughtAt: optionalDateTime(item.boughtAt, `${path}.boughtAt`),
    services,
    unpricedServices
  }
}

/** What was asked for in the order: goods and additional services, without delivery. */
export function goodsAndServicesTotal(
  lineItems: ReadonlyArray<Pick<LineItemData, 'unitPrice' | 'quantity' | 'services'>>
): number {
  let total = 0
  for (const item of lineItems) {
    total += item.unitPrice * item.quantity
    for (const service of item.services) total += service.price
  }
  return total
}

/**
 * Allegro's own content hash for forms without a revision: the same JSON gives the same one, any
 * change a new one, so the import still tells changed orders from unchanged ones.
 */
function derivedRevision(json: unknown): string {
  return 'h-' + createHash('sha256').update(JSON.stringify(json)).digest('hex').slice(0, 24)
}

function invoiceCompany(value: unknown, path: string): InvoiceCompanyData | null {
  const c = optionalObject(value, path)
  if (c === null) return null
  const ids = optionalArray(c.ids, `${path}.ids`).map((entry, i) => {
    const e = object(entry, `${path}.ids[${i}]`)
    return {
      type: requiredText(e.type, `${path}.ids[${i}].type`, { max: 50, pattern: ENUM_LIKE }),
      value: requiredText(e.value, `${path}.ids[${i}].value`, { max: LIMIT.code })
    }
  })
  const taxId = optionalText(c.taxId, `${path}.taxId`, { max: LIMIT.code })
  const plNip = ids.find((id) => id.type === 'PL_NIP')?.value ?? (ids.length === 0 ? taxId : null)
  const nip = plNip === null ? null : plNip.replace(/^PL/i, '').replace(/[\s-]/g, '')
  return {
    name: requiredText(c.name, `${path}.name`, { max: LIMIT.name }),
    vatPayerStatus: oneOf(c.vatPayerStatus ?? 'NOT_APPLICABLE', `${path}.vatPayerStatus`, VAT_PAYER_STATUSES),
    ids,
    nip: nip !== null && /^\d{10}$/.test(nip) ? nip : null
  }
}

function read(json: unknown): CheckoutFormData {
  const form = object(json, 'checkoutForm')
  const id = requiredText(form.id, 'id', { max: 36, pattern: UUID })
  const summary = object(form.summary, 'summary')
  const total = object(summary.totalToPay, 'summary.totalToPay')
  const currency = requiredText(total.currency, 'summary.totalToPay.currency', { max: 3, pattern: CURRENCY })
  const totalToPay = price(total, 'summary.totalToPay', currency)

  const buyer = object(form.buyer, 'buyer')
  const deliveryJson = optionalObject(form.delivery, 'delivery')
  const deliveryAddress = deliveryJson === null ? null : optionalObject(deliveryJson.address, 'delivery.address')
  const pickup = deliveryJson === null ? null : optionalObject(deliveryJson.pickupPoint, 'delivery.pickupPoint')
  const method = deliveryJson === null ? null : optionalObject(deliveryJson.method, 'delivery.method')
  const invoiceJson = optionalObject(form.invoice, 'invoice')
  const invoiceAddress = invoiceJson === null ? null : optionalObject(invoiceJson.address, 'invoice.address')
  const person =
    invoiceAddress === null ? null : optionalObject(invoiceAddress.naturalPerson, 'invoice.address.naturalPerson')
  const fulfillment = optionalObject(form.fulfillment, 'fulfillment')
  const marketplace = optionalObject(form.marketplace, 'marketplace')

  const lineItemsJson = array(form.lineItems, 'lineItems')
  if (lineItemsJson.length === 0) fail('lineItems', 'zamówienie bez pozycji')
  if (lineItemsJson.length > MAX_LINE_ITEMS) fail('lineItems', 'za dużo pozycji')
  const parsedItems = lineItemsJson.map((item, i) => lineItem(item, `lineItems[${i}]`, currency))
  const lineItems: LineItemData[] = parsedItems.map(({ unpricedServices: _, ...item }) => item)
  if (new Set(lineItems.map((item) => item.id)).size !== lineItems.length)
    fail('lineItems', 'powtórzony identyfikator pozycji')
  const deliveryCost = deliveryJson === null ? 0 : (optionalPrice(deliveryJson.cost, 'delivery.cost', currency) ?? 0)
  // a service without a price is free only when the order adds up without it; otherwise a
  // document would leave out what the buyer paid for it
  const unpriced = parsedItems.flatMap((item) => item.unpricedServices)
  if (unpriced.length > 0 && goodsAndServicesTotal(lineItems) + deliveryCost !== totalToPay)
    fail(unpriced[0], 'brak wartości, a bez niej kwoty zamówienia się nie sumują')

  const updatedAt = optionalLooseDateTime(form.updatedAt, 'updatedAt')
  const itemTimes = lineItems
    .map((item) => item.boughtAt)
    .filter((t): t is string => t !== null)
    .sort()
  const boughtAt = itemTimes[0] ?? updatedAt
  if (boughtAt === null) fail('lineItems[0].boughtAt', 'brak wartości')

  return {
    id,
    revision: optionalText(form.revision, 'revision', { max: 64, pattern: REVISION }) || derivedRevision(json),
    status: oneOf(form.status, 'status', CHECKOUT_FORM_STATUSES),
    updatedAt,
    marketplaceId:
      marketplace === null
        ? 'allegro-pl'
        : requiredText(marketplace.id, 'marketplace.id', { max: 50, pattern: MARKETPLACE }),
    currency,
    totalToPay,
    messageToSeller: optionalText(form.messageToSeller, 'messageToSeller', { max: LIMIT.message }),
    buyer: {
      id: requiredText(buyer.id, 'buyer.id', { max: 64, pattern: PLAIN_ID }),
      login: requiredText(buyer.login, 'buyer.login', { max: LIMIT.name }),
      email: optionalText(buyer.email, 'buyer.email', { max: LIMIT.email }) ?? '',
      guest: optionalBoolean(buyer.guest, 'buyer.guest') ?? false,
      firstName: optionalText(buyer.firstName, 'buyer.firstName', { max: LIMIT.name }),
      lastName: optionalText(buyer.lastName, 'buyer.lastName', { max: LIMIT.name }),
      companyName: optionalText(buyer.companyName, 'buyer.companyName', { max: LIMIT.name }),
      phoneNumber: optionalText(buyer.phoneNumber, 'buyer.phoneNumber', { max: LIMIT.code }),
      address: address(buyer.address, 'buyer.address', 'postCode')
    },
    payment: form.payment === undefined || form.payment === null ? null : payment(form.payment, 'payment', currency),
    surcharges: optionalArray(form.surcharges, 'surcharges').map((s, i) => payment(s, `surcharges[${i}]`, currency)),
    fulfillmentStatus:
      fulfillment === null
        ? null
        : optionalText(fulfillment.status, 'fulfillment.status', { max: 50, pattern: ENUM_LIKE }),
    delivery: {
      methodName: method === null ? null : optionalText(method.name, 'delivery.method.name', { max: LIMIT.name }),
      cost: deliveryCost,
      smart: deliveryJson === null ? false : (optionalBoolean(deliveryJson.smart, 'delivery.smart') ?? false),
      address:
        deliveryAddress === null
          ? null
          : {
              ...address(deliveryAddress, 'delivery.address', 'zipCode')!,
              firstName:
                optionalText(deliveryAddress.firstName, 'delivery.address.firstName', { max: LIMIT.name }) ?? '',
              lastName: optionalText(deliveryAddress.lastName, 'delivery.address.lastName', { max: LIMIT.name }) ?? '',
              companyName: optionalText(deliveryAddress.companyName, 'delivery.address.companyName', {
                max: LIMIT.name
              }),
              phoneNumber: optionalText(deliveryAddress.phoneNumber, 'delivery.address.phoneNumber', {
                max: LIMIT.code
              })
            },
      pickupPoint:
        pickup === null
          ? null
          : {
              id: optionalText(pickup.id, 'delivery.pickupPoint.id', { max: LIMIT.code }) || null,
              name: optionalText(pickup.name, 'delivery.pickupPoint.name', { max: LIMIT.name }),
              description: optionalText(pickup.description, 'delivery.pickupPoint.description', { max: LIMIT.address }),
              address: address(pickup.address, 'delivery.pickupPoint.address', 'zipCode')
            }
    },
    invoice: {
      required: invoiceJson === null ? false : (optionalBoolean(invoiceJson.required, 'invoice.required') ?? false),
      address: address(invoiceAddress, 'invoice.address', 'zipCode'),
      company: invoiceAddress === null ? null : invoiceCompany(invoiceAddress.company, 'invoice.address.company'),
      naturalPerson:
        person === null
          ? null
          : {
              firstName:
                optionalText(person.firstName, 'invoice.address.naturalPerson.firstName', { max: LIMIT.name }) ?? '',
              lastName:
                optionalText(person.lastName, 'invoice.address.naturalPerson.lastName', { max: LIMIT.name }) ?? ''
            },
      dueDate: invoiceJson === null ? null : optionalDate(invoiceJson.dueDate, 'invoice.dueDate')
    },
    lineItems,
    boughtAt
  }
}

/** Validates an untrusted CheckoutForm; the error names the first offending field. */
export function parseCheckoutForm(json: unknown): ParseResult {
  try {
    return { ok: true, form: read(json) }
  } catch (error) {
    if (!(error instanceof InvalidField)) throw error
    const id = isObject(json) && typeof json.id === 'string' && UUID.test(json.id) ? json.id : null
    return { ok: false, id, error: error.message }
  }
}

/** Paid for the local status: money arrived (cash on delivery is "ready" long before it pays). */
function isPaid(form: CheckoutFormData): boolean {
  return (
    form.payment !== null &&
    form.payment.finishedAt !== null &&
    form.payment.paidAmount !== null &&
    form.payment.paidAmount > 0
  )
}

export function impliedStatus(form: CheckoutFormData): TransactionStatus {
  return statusFromAllegro({ allegroStatus: form.status, paid: isPaid(form) })
}

function buyerDisplayName(form: CheckoutFormData): string {
  const person = [form.buyer.firstName, form.buyer.lastName].filter((part) => part !== null && part !== '').join(' ')
  return form.buyer.companyName || person || form.invoice.company?.name || form.buyer.login
}

export function buildSearchText(form: CheckoutFormData): string {
  const parts = [
    form.buyer.login,
    form.buyer.firstName,
    form.buyer.lastName,
    form.buyer.companyName,
    form.invoice.company?.name,
    form.buyer.email,
    ...form.lineItems.map((item) => item.offerName),
    ...form.lineItems.map((item) => item.offerId),
    form.id
  ]
  return parts
    .filter((part): part is string => typeof part === 'string' && part !== '')
    .join(' ')
    .toLowerCase()
}

/** The columns of `transactions` that come from Allegro (local status and bookkeeping excluded). */
export interface TransactionColumns {
  checkout_form_id: string
  revision: string
  allegro_status: string
  fulfillment_status: string | null
  marketplace_id: string
  currency: string
  total_to_pay: number
  delivery_cost: number
  paid_amount: number | null
  payment_type: string | null
  payment_provider: string | null
  payment_finished_at: string | null
  bought_at: string
  allegro_updated_at: string | null
  buyer_id: string
  buyer_login: string
  buyer_email: string | null
  buyer_name: string
  buyer_company: string | null
  invoice_required: number
  message_to_seller: string | null
  delivery_method: string | null
  item_count: number
  first_offer_id: string | null
  first_offer_name: string | null
  search_text: string
}

export interface TransactionItemColumns {
  line_item_id: string
  position: number
  offer_id: string
  offer_name: string
  external_id: string | null
  quantity: number
  unit_price: number
  original_unit_price: number
  tax_rate: string | null
  bought_at: string | null
}

export function toTransactionColumns(form: CheckoutFormData): TransactionColumns {
  const first = form.lineItems[0]
  return {
    checkout_form_id: form.id,
    revision: form.revision,
    allegro_status: form.status,
    fulfillment_status: form.fulfillmentStatus,
    marketplace_id: form.marketplaceId,
    currency: form.currency,
    total_to_pay: form.totalToPay,
    delivery_cost: form.delivery.cost,
    paid_amount: form.payment?.paidAmount ?? null,
    payment_type: form.payment?.type ?? null,
    payment_provider: form.payment?.provider ?? null,
    payment_finished_at: form.payment?.finishedAt ?? null,
    bought_at: form.boughtAt,
    allegro_updated_at: form.updatedAt,
    buyer_id: form.buyer.id,
    buyer_login: form.buyer.login,
    buyer_email: form.buyer.email === '' ? null : form.buyer.email,
    buyer_name: buyerDisplayName(form),
    buyer_company: form.buyer.companyName ?? form.invoice.company?.name ?? null,
    invoice_required: form.invoice.required ? 1 : 0,
    message_to_seller: form.messageToSeller,
    delivery_method: form.delivery.methodName,
    item_count: form.lineItems.length,
    first_offer_id: first?.offerId ?? null,
    first_offer_name: first?.offerName ?? null,
    search_text: buildSearchText(form)
  }
}

export function toItemColumns(form: CheckoutFormData): TransactionItemColumns[] {
  return form.lineItems.map((item, index) => ({
    line_item_id: item.id,
    position: index + 1,
    offer_id: item.offerId,
    offer_name: item.offerName,
    external_id: item.externalId,
    quantity: item.quantity,
    unit_price: item.unitPrice,
    original_unit_price: item.originalUnitPrice,
    tax_rate: item.taxRate,
    bought_at: item.boughtAt
  }))
}
