// Sales documents attached to their Allegro orders (reference/allegro-api.md §6): which documents
// go, how Allegro's answers read, what the user is told, and when a failed attempt is repeated.
// Pure rules: the sender (allegro-delivery.sender.ts) does the I/O.
import type { AllegroApiError, AllegroOrderInvoices } from '../allegro/allegro.client.ts'
import { fa3FileName } from '../ksef/fa3-zip.ts'
import { type DocumentType } from '../shared/document-types.ts'

const DELIVERY_STATES = ['do_wyslania', 'wyslano', 'w_weryfikacji', 'odrzucono', 'widoczna', 'blad'] as const
export type DeliveryState = (typeof DELIVERY_STATES)[number]

export const DELIVERY_STATE_LABELS: Record<DeliveryState, string> = {
  do_wyslania: 'czeka na wysłanie',
  wyslano: 'wysłano',
  w_weryfikacji: 'w weryfikacji',
  odrzucono: 'odrzucono',
  widoczna: 'widoczna dla kupującego',
  blad: 'nie wysłano'
}

/** The badge class of each state (public/css/app.css: badge ok / warn / err). */
export const DELIVERY_STATE_BADGES: Record<DeliveryState, 'ok' | 'warn' | 'err'> = {
  do_wyslania: 'warn',
  wyslano: 'ok',
  w_weryfikacji: 'warn',
  odrzucono: 'err',
  widoczna: 'ok',
  blad: 'err'
}

export function isDeliveryState(value: string): value is DeliveryState {
  return (DELIVERY_STATES as readonly string[]).includes(value)
}

/** States in which the file is on Allegro: a new attempt would only read it back. */
export function isDelivered(state: DeliveryState): boolean {
  return state === 'wyslano' || state === 'w_weryfikacji' || state === 'widoczna' || state === 'odrzucono'
}

export type SendTrigger = 'manual' | 'auto'

/**
 * Invoices, receipts (dowód sprzedaży) and corrections go to the buyer. A pro forma is a payment
 * request: sent only when the user asks. "Inny przychód – sprzedaż" is an internal record of
 * sales without a receipt (reference/polish-invoicing.md §5), never a document for the buyer.
 */
export function canSendToAllegro(type: string, trigger: SendTrigger): boolean {
  const always: readonly string[] = ['faktura', 'faktura_bez_vat', 'paragon', 'korekta']
  const byHand: readonly string[] = ['proforma', 'proforma_bez_vat']
  return always.includes(type) || (trigger === 'manual' && byHand.includes(type))
}

export function whyNotSendable(type: DocumentType | string): string {
  return type === 'inny_przychod'
    ? '„Inny przychód – sprzedaż” to dokument wewnętrzny – nie wysyła się go kupującemu.'
    : 'Tego rodzaju dokumentu nie wysyła się do Allegro.'
}

/** 'FV 12/11/2026' → 'FV_12_11_2026.pdf': ASCII, as Allegro shows it to the buyer. */
export function allegroPdfName(documentNumber: string): string {
  return fa3FileName(documentNumber).replace(/\.xml$/, '.pdf')
}

// Reading Allegro's list of an order's invoices (untrusted) ---------------------------------

export interface AllegroInvoiceInfo {
  id: string
  invoiceNumber: string | null
  hasFile: boolean
  /** file.securityVerification.status: the virus scan */
  security: 'WAITING' | 'ACCEPTED' | 'REJECTED' | null
  /** file.verification.status: Allegro's check of the document itself */
  verification: 'NOT_APPLICABLE' | 'WAITING' | 'ACCEPTED' | 'ACCEPTED_WITH_WARNINGS' | 'REJECTED' | null
  /** verification.details messages, cleaned */
  details: string[]
}

const SECURITY = ['WAITING', 'ACCEPTED', 'REJECTED'] as const
const VERIFICATION = ['NOT_APPLICABLE', 'WAITING', 'ACCEPTED', 'ACCEPTED_WITH_WARNINGS', 'REJECTED'] as const

function oneOf<T extends string>(value: unknown, allowed: readonly T[]): T | null {
  return typeof value === 'string' && (allowed as readonly string[]).includes(value) ? (value as T) : null
}

function record(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null
}

function cleanLine(value: unknown, max = 300): string | null {
  if (typeof value !== 'string') return null

  const text = value.replace(/[\u0000-\u001f\u007f\s]+/g, ' ').trim()
  if (text === '') return null
  return [...text].length > max ? [...text].slice(0, max).join('') + '…' : text
}

export function parseOrderInvoices(body: AllegroOrderInvoices | unknown): AllegroInvoiceInfo[] {
  const list = record(body)?.invoices
  if (!Array.isArray(list)) return []
  const invoices: AllegroInvoiceInfo[] = []
  for (const item of list.slice(0, 100)) {
    const invoice = record(item)
    const id = cleanLine(invoice?.id, 200)
    if (invoice === null || id === null) continue
    const file = record(invoice.file)
    const verification = record(file?.verification)
    const details = Array.isArray(verification?.details)
      ? verification.details
          .map((detail) => cleanLine(record(detail)?.message ?? record(detail)?.code))
          .filter((text): text is string => text !== null)
          .slice(0, 5)
      : []
    invoices.push({
      id,
      invoiceNumber: cleanLine(invoice.invoiceNumber, 200),
      hasFile: file !== null && typeof file.uploadedAt === 'string' && file.uploadedAt !== '',
      security: oneOf(record(file?.securityVerification)?.status, SECURITY),
      verification: oneOf(verification?.status, VERIFICATION),
      details
    })
  }
  return invoices
}

/**
 * Our document among the order's invoices: by the id Allegro gave us, else by number (the only
 * way to recognise metadata whose id never reached us). One with a file wins over one without.
 */
export function findOurInvoice(
  invoices: AllegroInvoiceInfo[],
  documentNumber: string,
  knownId: string | null
): AllegroInvoiceInfo | null {
  if (knownId !== null) {
    const byId = invoices.find((invoice) => invoice.id === knownId)
    if (byId) return byId
  }
  const number = documentNumber.trim()
  const matching = invoices.filter(
    (invoice) => invoice.invoiceNumber !== null && invoice.invoiceNumber.trim() === number
  )
  return matching.find((invoice) => invoice.hasFile) ?? matching[0] ?? null
}

/** What the document page shows for an invoice that has its file on Allegro. */
export function stateOfUploaded(invoice: AllegroInvoiceInfo): { state: DeliveryState; reason: string | null } {
  if (invoice.security === 'REJECTED')
    return { state: 'odrzucono', reason: 'Skaner antywirusowy Allegro odrzucił plik.' }
  if (invoice.verification === 'REJECTED') {
    return {
      state: 'odrzucono',
      reason: invoice.details.length > 0 ? invoice.details.join(' ') : 'Allegro odrzuciło dokument podczas weryfikacji.'
    }
  }
  if (invoice.security === 'WAITING' || invoice.verification === 'WAITING')
    return { state: 'w_weryfikacji', reason: null }
  if (invoice.security === 'ACCEPTED') {
    const warnings =
      invoice.verification === 'ACCEPTED_WITH_WARNINGS' && invoice.details.length > 0
        ? `Uwagi Allegro: ${invoice.details.join(' ')}`
        : null
    return { state: 'widoczna', reason: warnings }
  }
  return { state: 'wyslano', reason: null }
}

// Errors --------------------------------------------------------------------------------------

const MESSAGES_BY_CODE: Record<string, string> = {
  'ORDER-WITHOUT-INVOICE': 'Allegro nie przyjmuje faktury do tego zamówienia (kupujący nie prosił o fakturę).',
  'INVOICES-LIMIT-EXCEEDED': 'To zamówienie ma już 10 dokumentów w Allegro – więcej nie można dołączyć.',
  'FILE-CONTENT-INVALID': 'Allegro nie przyjęło pliku: to nie jest poprawny PDF.',
  'EMPTY-ATTACHMENT': 'Allegro nie przyjęło pliku: plik jest pusty.',
  PayloadTooLargeException: 'Plik PDF jest za duży dla Allegro (najwyżej 3 MB).',
  CheckoutFormNotFoundException:
    'Allegro nie znalazło tego zamówienia (mogło zostać usunięte albo należy do innego konta Allegro).'
}

/** A clear Polish sentence for a failed attempt; Allegro's own text only as a last resort. */
export function deliveryErrorMessage(error: AllegroApiError): string {
  const byCode =
    MESSAGES_BY_CODE[error.code] ??
    error.details.map((detail) => MESSAGES_BY_CODE[detail.code]).find((message) => message !== undefined)
  if (byCode !== undefined) return byCode
  if (error.kind === 'http' && error.status === 413) return MESSAGES_BY_CODE.PayloadTooLargeException
  if (error.kind === 'http' && error.status === 409)
    return 'Allegro zgłosiło, że zamówienie ma już fakturę sprzedawcy – sprawdź dokumenty zamówienia w Allegro.'
  if (error.kind === 'http' && error.status === 404) return MESSAGES_BY_CODE.CheckoutFormNotFoundException
  return error.userMessage
}

/** Worth trying again later by itself: Allegro was busy, slow or unreachable. */
export function isTemporary(error: AllegroApiError): boolean {
  return error.retryable || error.kind === 'timeout' || error.kind === 'network' || error.kind === 'malformed'
}

// Retries -------------------------------------------------------------------------------------

/** Automatic attempts before the sender gives up and leaves the document to the user. */
export const MAX_AUTO_ATTEMPTS = 8
const FIRST_RETRY_MINUTES = 2
const LONGEST_WAIT_MINUTES = 4 * 60

/** Minutes before the next attempt after `attempts` failed ones: 2, 4, 8 … at most 4 hours. */
export function retryDelayMinutes(attempts: number): number {
  return Math.min(LONGEST_WAIT_MINUTES, FIRST_RETRY_MINUTES * 2 ** Math.max(0, attempts - 1))
}
