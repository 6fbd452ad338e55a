/** Allegro resource shapes, limited to the fields the simulator serves (see reference §3, §4, §7). */

/** Scopes granted when the client asks for none (Allegro grants all the app has enabled). */
export const DEFAULT_SCOPES: readonly string[] = [
  'allegro:api:orders:read',
  'allegro:api:orders:write',
  'allegro:api:sale:offers:read',
  'allegro:api:sale:offers:write',
  'allegro:api:billing:read',
  'allegro:api:payments:read',
  'allegro:api:profile:read'
]

export const MAX_INVOICES_PER_ORDER = 10
export const MAX_INVOICE_FILE_BYTES = 3 * 1024 * 1024

interface Price {
  amount: string
  currency: string
}

export type CheckoutFormStatus = 'BOUGHT' | 'FILLED_IN' | 'READY_FOR_PROCESSING' | 'CANCELLED'

export type FulfillmentStatus =
  | 'NEW'
  | 'PROCESSING'
  | 'READY_FOR_SHIPMENT'
  | 'READY_FOR_PICKUP'
  | 'SENT'
  | 'PICKED_UP'
  | 'CANCELLED'
  | 'SUSPENDED'
  | 'RETURNED'

export type OrderEventType =
  | 'BOUGHT'
  | 'FILLED_IN'
  | 'READY_FOR_PROCESSING'
  | 'BUYER_CANCELLED'
  | 'FULFILLMENT_STATUS_CHANGED'
  | 'BUYER_MODIFIED'
  | 'AUTO_CANCELLED'

export const ORDER_EVENT_TYPES: readonly OrderEventType[] = [
  'BOUGHT',
  'FILLED_IN',
  'READY_FOR_PROCESSING',
  'BUYER_CANCELLED',
  'FULFILLMENT_STATUS_CHANGED',
  'BUYER_MODIFIED',
  'AUTO_CANCELLED'
]

export const CHECKOUT_FORM_STATUSES: readonly CheckoutFormStatus[] = [
  'BOUGHT',
  'FILLED_IN',
  'READY_FOR_PROCESSING',
  'CANCELLED'
]

export type MarketplaceId = 'allegro-pl' | 'allegro-cz'

export type PaymentType = 'CASH_ON_DELIVERY' | 'WIRE_TRANSFER' | 'ONLINE' | 'SPLIT_PAYMENT' | 'EXTENDED_TERM'

interface Buyer {
  id: string
  email: string
  login: string
  firstName: string | null
  lastName: string | null
  companyName: string | null
  guest: boolean
  personalIdentity: string | null
  phoneNumber: string | null
  preferences: { language: string }
  address: { street: string; city: string; postCode: string; countryCode: string } | null
}

interface Payment {
  id: string
  type: PaymentType
  provider: 'PAYU' | 'P24' | 'AF' | 'OFFLINE' | 'EPT' | null
  finishedAt: string | null
  paidAmount: Price | null
  reconciliation: Price | null
  features: string[]
}

interface DeliveryAddress {
  firstName: string
  lastName: string
  companyName: string | null
  street: string
  city: string
  zipCode: string
  countryCode: string
  phoneNumber: string | null
  modifiedAt: string | null
}

interface PickupPoint {
  id: string
  name: string
  description: string | null
  address: { street: string; zipCode: string; city: string; countryCode: string }
}

export interface Delivery {
  address: DeliveryAddress
  method: { id: string; name: string }
  pickupPoint: PickupPoint | null
  cost: Price
  time: {
    from: string | null
    to: string | null
    dispatch: { from: string; to: string } | null
  } | null
  smart: boolean
  cancellation: { date: string } | null
  calculatedNumberOfPackages: number
}

type TaxIdType = 'PL_NIP' | 'CZ_ICO' | 'CZ_DIC' | 'HU_ADOSZAM' | 'SK_ICO' | 'SK_IC_DPH' | 'VAT_EU' | 'OTHER'

export interface InvoiceCompany {
  name: string
  ids: { type: TaxIdType; value: string }[]
  vatPayerStatus: 'ACTIVE' | 'NON_ACTIVE' | 'NOT_APPLICABLE'
  taxId: string | null
}

export interface Invoice {
  required: boolean
  address: {
    street: string
    city: string
    zipCode: string
    countryCode: string
    company: InvoiceCompany | null
    naturalPerson: { firstName: string; lastName: string } | null
  } | null
  dueDate: string | null
  features: string[]
}

interface OfferRef {
  id: string
  name: string
  external: { id: string } | null
}

export interface AdditionalService {
  definitionId: string
  name: string
  price: Price
  quantity: number
}

export interface LineItem {
  id: string
  offer: OfferRef
  quantity: number
  originalPrice: Price
  price: Price
  reconciliation: null
  selectedAdditionalServices: AdditionalService[]
  vouchers: never[]
  tax: { rate: string | null; subject: string | null; exemption: string | null }
  boughtAt: string
  discounts: { type: string }[]
}

export interface CheckoutForm {
  id: string
  messageToSeller: string | null
  buyer: Buyer
  payment: Payment
  status: CheckoutFormStatus
  fulfillment: {
    status: FulfillmentStatus
    shipmentSummary: { lineItemsSent: 'NONE' | 'SOME' | 'ALL' }
    provider: { id: 'SELLER' | 'ALLEGRO' }
  }
  delivery: Delivery
  invoice: Invoice
  lineItems: LineItem[]
  surcharges: Payment[]
  note: { text: string } | null
  marketplace: { id: MarketplaceId }
  summary: { totalToPay: Price }
  updatedAt: string
  revision: string
}

export interface OrderEvent {
  id: string
  type: OrderEventType
  occurredAt: string
  order: {
    seller: { id: string }
    buyer: { id: string; email: string; login: string; guest: boolean; preferences: { language: string } }
    lineItems: {
      id: string
      offer: OfferRef
      quantity: number
      originalPrice: Price
      price: Price
      boughtAt: string
    }[]
    checkoutForm: { id: string; revision: string }
    marketplace: { id: MarketplaceId }
  }
}

type PublicationStatus = 'INACTIVE' | 'ACTIVATING' | 'ACTIVE' | 'ENDED'

/** The simulator's own record of an offer; routes render it into Allegro's shape. */
export interface SimOffer {
  id: string
  sellerId: string
  name: string
  categoryId: string
  external: { id: string } | null
  price: Price
  taxRate: string | null
  stock: { available: number; sold: number }
  publication: { status: PublicationStatus; startedAt: string | null; endedAt: string | null }
  /** Relative weight with which generated carts pick this offer. */
  popularity: number
  /** Optional services a buyer may add to this offer (prices are per unit, in PLN minor units). */
  services: { definitionId: string; name: string; unitMinor: number }[]
}

export interface SimSeller {
  id: string
  login: string
  password: string
  firstName: string
  lastName: string
  email: string
  companyName: string
  nip: string
}

export interface SimInvoice {
  id: string
  invoiceNumber: string | null
  fileName: string
  createdAt: string
  uploadedAt: string | null
  /** The uploaded PDF; null until PUT …/file succeeds. */
  file: Buffer | null
}
