// Labels and small formatting the transaction pages share (Polish, as in the seed).
import { documentTypeLabel } from '../shared/document-types.ts'
import { plural } from './import-summary.ts'
import { goodsAndServicesTotal } from './checkout-form.ts'
import { marketplaceName, offerUrl } from './marketplaces.ts'
import { STATUS_LABELS, isTransactionStatus } from './transaction-status.ts'

const PAYMENT_TYPES: Record<string, string> = {
  CASH_ON_DELIVERY: 'za pobraniem',
  WIRE_TRANSFER: 'przelew tradycyjny',
  ONLINE: 'płatność online',
  SPLIT_PAYMENT: 'płatność podzielona',
  EXTENDED_TERM: 'płatność z odroczonym terminem'
}

const PAYMENT_PROVIDERS: Record<string, string> = {
  PAYU: 'PayU',
  P24: 'Przelewy24',
  AF: 'Allegro Finance',
  OFFLINE: 'poza Allegro (przy odbiorze)',
  EPT: 'Allegro Pay Business'
}

const ALLEGRO_STATUSES: Record<string, string> = {
  BOUGHT: 'kupione, formularz nieuzupełniony',
  FILLED_IN: 'formularz uzupełniony, nieopłacone',
  READY_FOR_PROCESSING: 'gotowe do realizacji',
  CANCELLED: 'anulowane przez kupującego'
}

const FULFILLMENT_STATUSES: Record<string, string> = {
  NEW: 'nowe',
  PROCESSING: 'w realizacji',
  READY_FOR_SHIPMENT: 'do wysłania',
  READY_FOR_PICKUP: 'do odbioru',
  SENT: 'wysłane',
  PICKED_UP: 'odebrane',
  CANCELLED: 'anulowane',
  SUSPENDED: 'wstrzymane',
  RETURNED: 'zwrócone'
}

function label(labels: Record<string, string>, value: string | null): string {
  if (value === null || value === '') return ''
  return labels[value] ?? value
}

/** The number people see: the start of Allegro's checkout-form id, enough to tell orders apart. */
function shortId(checkoutFormId: string): string {
  return checkoutFormId.slice(0, 8).toUpperCase()
}

/** Shortens text for a table cell (by characters, not UTF-16 units, so emoji stay whole). */
function shorten(text: string | null, max = 90): string {
  if (text === null) return ''
  const chars = [...text]
  return chars.length <= max ? text : chars.slice(0, max - 1).join('') + '…'
}

export const transactionView = {
  offerUrl,
  marketplaceName,
  shortId,
  shorten,
  plural,
  status: (value: string) => (isTransactionStatus(value) ? STATUS_LABELS[value] : value),
  paymentType: (value: string | null) => label(PAYMENT_TYPES, value),
  paymentProvider: (value: string | null) => label(PAYMENT_PROVIDERS, value),
  allegroStatus: (value: string | null) => label(ALLEGRO_STATUSES, value),
  fulfillmentStatus: (value: string | null) => label(FULFILLMENT_STATUSES, value),
  documentType: documentTypeLabel,
  /** Allegro's "23.00" → "23%"; a code such as "ZW" as it is */
  taxRate: (value: string | null) =>
    value === null
      ? ''
      : /^\d/.test(value)
        ? `${value
            .replace(/\.0+$/, '')
            .replace(/(\.\d*?)0+$/, '$1')
            .replace('.', ',')}%`
        : value,
  goodsAndServicesTotal
}
