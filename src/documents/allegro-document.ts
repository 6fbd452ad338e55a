// How an Allegro order becomes a sales document: its lines, its buyer, its dates and payment.
// Pure: the caller supplies the matched products and the shop's buyer-data setting.
import { DateTime } from 'luxon'
import { ZONE } from '../shared/dates.ts'
import { isValidNip, normalizeNip } from '../shared/nip.ts'
import type { CheckoutFormData } from '../transactions/checkout-form.ts'
import { type PaymentMethod } from './document.ts'
import type { ContractorData } from '../contractors/contractors.queries.ts'
import { highestRate, isVatRate, lineGross, type VatRate } from '../shared/vat.ts'

type LineKind = 'item' | 'service' | 'delivery'

export interface DraftLine {
  kind: LineKind
  name: string
  sku: string | null
  offerId: string | null
  /** Allegro's line item id: the stored line points at the matching transaction_items row */
  lineItemId: string | null
  productId: number | null
  unit: string
  quantityMilli: number
  unitPriceGross: number
  vatRate: VatRate
  gross: number
}

export interface ProductForLine {
  id: number
  vatRate: string
}

/** Allegro's tax.rate ('23.00', '8', '5.00', '0.00') as one of our rates; null for none or a foreign rate. */
export function allegroVatRate(rate: string | null): VatRate | null {
  if (rate === null) return null
  // the seller marked the offer VAT-exempt ("ZW", zwolniony; art. 43 ustawy o VAT)
  if (rate.trim().toUpperCase() === 'ZW') return 'zw'
  const match = /^(\d{1,2})(?:\.0{1,2})?$/.exec(rate.trim())
  if (!match) return null
  const value = String(Number(match[1]))
  return isVatRate(value) ? value : null
}

/**
 * Every cart item, its additional services, and the delivery cost when above zero (S9).
 * Rates: Allegro's tax.rate, else the matched product's, else the company default; services
 * take their item's rate and delivery the goods' (the highest when mixed). A non-VAT payer's
 * lines are all exempt.
 */
export function draftLinesFromOrder(
  order: CheckoutFormData,
  opts: { vatExempt: boolean; defaultRate: VatRate; products: ReadonlyArray<ProductForLine | null> }
): DraftLine[] {
  const lines: DraftLine[] = []
  const itemRates: VatRate[] = []
  order.lineItems.forEach((item, i) => {
    const product = opts.products[i] ?? null
    const productRate = product && isVatRate(product.vatRate) ? product.vatRate : null
    const rate: VatRate = opts.vatExempt ? 'zw' : (allegroVatRate(item.taxRate) ?? productRate ?? opts.defaultRate)
    itemRates.push(rate)
    lines.push({
      kind: 'item',
      name: item.offerName,
      sku: item.externalId,
      offerId: item.offerId,
      lineItemId: item.id,
      productId: product?.id ?? null,
      unit: 'szt.',
      quantityMilli: item.quantity * 1000,
      unitPriceGross: item.unitPrice,
      vatRate: rate,
      gross: lineGross(item.quantity * 1000, item.unitPrice)
    })
    for (const service of item.services) {
      // the service price is a total; when it does not split evenly into units the line is
      // one lot, so quantity × unit price still equals what the buyer paid
      const even = service.price % service.quantity === 0
      lines.push({
        kind: 'service',
        name: even ? service.name : `${service.name} (${service.quantity} szt.)`,
        sku: null,
        offerId: item.offerId,
        // only the goods line stands for the cart item; the stock rule counts it once
        lineItemId: null,
        productId: null,
        unit: 'szt.',
        quantityMilli: (even ? service.quantity : 1) * 1000,
        unitPriceGross: even ? service.price / service.quantity : service.price,
        vatRate: rate,
        gross: service.price
      })
    }
  })
  if (order.delivery.cost > 0) {
    lines.push({
      kind: 'delivery',
      name: `Dostawa: ${order.delivery.methodName ?? 'koszt wysyłki'}`,
      sku: null,
      offerId: null,
      lineItemId: null,
      productId: null,
      unit: 'szt.',
      quantityMilli: 1000,
      unitPriceGross: order.delivery.cost,
      vatRate: opts.vatExempt ? 'zw' : highestRate(itemRates, opts.defaultRate),
      gross: order.delivery.cost
    })
  }
  return lines
}

/** The buyer as the document prints it and as KONTRAHENCI stores it. */
type BuyerData = ContractorData

export type BuyerDataSource = 'delivery' | 'account_owner'

export type BuyerResult = { ok: true; buyer: BuyerData } | { ok: false; problem: string }

// A VAT number is what an invoice needs; company registry numbers only when nothing better exists.
const FOREIGN_ID_PREFERENCE = ['VAT_EU', 'CZ_DIC', 'SK_IC_DPH', 'HU_ADOSZAM', 'CZ_ICO', 'SK_ICO', 'OTHER']

function personName(first: string | null, last: string | null): string {
  return [first, last].filter((part) => part !== null && part !== '').join(' ')
}

/**
 * The buyer (S10, S11): the invoice data when the buyer gave it (a company with its tax id, or
 * a person); otherwise the delivery data or the account owner's data, per the shop's setting.
 */
export function buyerFromOrder(order: CheckoutFormData, source: BuyerDataSource): BuyerResult {
  const allegro = { email: order.buyer.email, allegroBuyerId: order.buyer.id, allegroLogin: order.buyer.login }
  const invoice = order.invoice
  const invoiceAddress = {
    street: invoice.address?.street ?? '',
    postalCode: invoice.address?.zipCode ?? '',
    city: invoice.address?.city ?? '',
    countryCode: invoice.address?.countryCode ?? 'PL'
  }
  if (invoice.company) {
    const company = invoice.company
    const plNip = company.ids.find((id) => id.type === 'PL_NIP')?.value ?? null
    let nip: string | null = null
    let foreign: { type: string; value: string } | null = null
    if (plNip !== null) {
      if (!isValidNip(plNip))
        return { ok: false, problem: `NIP nabywcy podany w Allegro (${plNip}) jest nieprawidłowy` }
      nip = normalizeNip(plNip)
    } else if (company.nip !== null && invoiceAddress.countryCode === 'PL' && isValidNip(company.nip)) {
      // older orders carry the NIP only in the deprecated taxId
      nip = company.nip
    } else {
      foreign =
        FOREIGN_ID_PREFERENCE.map((type) => company.ids.find((id) => id.type === type)).find(
          (id) => id !== undefined
        ) ?? null
    }
    return {
      ok: true,
      buyer: {
        name: company.name,
        isCompany: true,
        nip,
        foreignTaxId: foreign?.value ?? null,
        foreignTaxIdType: foreign?.type ?? null,
        ...invoiceAddress,
        ...allegro
      }
    }
  }
  if (invoice.naturalPerson) {
    const name = personName(invoice.naturalPerson.firstName, invoice.naturalPerson.lastName)
    if (name === '') return { ok: false, problem: 'dane do faktury z Allegro nie mają imienia ani nazwiska' }
    return {
      ok: true,
      buyer: {
        name,
        isCompany: false,
        nip: null,
        foreignTaxId: null,
        foreignTaxIdType: null,
        ...invoiceAddress,
        ...allegro
      }
    }
  }
  const delivery = order.delivery.address
  const noTaxId = { nip: null, foreignTaxId: null, foreignTaxIdType: null }
  if (source === 'account_owner' || !delivery) {
    const owner = order.buyer
    const name = owner.companyName ?? personName(owner.firstName, owner.lastName)
    // Allegro may leave out the owner's address; the delivery address is the next best
    const where = owner.address ?? delivery
    return {
      ok: true,
      buyer: {
        name: name !== '' ? name : (delivery ? personName(delivery.firstName, delivery.lastName) : '') || owner.login,
        isCompany: owner.companyName !== null,
        ...noTaxId,
        street: where?.street ?? '',
        postalCode: where?.zipCode ?? '',
        city: where?.city ?? '',
        countryCode: where?.countryCode ?? 'PL',
        ...allegro
      }
    }
  }
  // for a pickup-point order delivery.address is still the recipient, not the locker
  const name = personName(delivery.firstName, delivery.lastName)
  return {
    ok: true,
    buyer: {
      name: name !== '' ? name : order.buyer.login,
      isCompany: false,
      ...noTaxId,
      street: delivery.street,
      postalCode: delivery.zipCode,
      city: delivery.city,
      countryCode: delivery.countryCode,
      ...allegro
    }
  }
}

function warsawDate(timestamp: string): string {
  return DateTime.fromISO(timestamp, { zone: ZONE }).setZone(ZONE).toISODate()!
}

/** Sale date: when the payment finished, else when the items were bought (Warsaw calendar day). */
export function saleDateOf(order: CheckoutFormData): string {
  return warsawDate(order.payment?.finishedAt ?? order.boughtAt)
}

export interface OrderPayment {
  method: PaymentMethod
  /** paid in full according to Allegro */
  paid: boolean
  paidAt: string | null
}

export function paymentOf(order: CheckoutFormData): OrderPayment {
  const payment = order.payment
  const method: PaymentMethod =
    payment?.type === 'CASH_ON_DELIVERY' ? 'pobranie' : payment?.type === 'WIRE_TRANSFER' ? 'przelew' : 'online'
  const paid =
    payment !== null &&
    payment.finishedAt !== null &&
    payment.paidAmount !== null &&
    payment.paidAmount >= order.totalToPay
  return { method, paid, paidAt: paid ? payment.finishedAt : null }
}
