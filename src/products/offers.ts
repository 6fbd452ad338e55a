// Offers from Allegro's GET /sale/offers (reference §7), checked field by field: the body is
// untrusted, so anything malformed becomes null rather than reaching a page or the database.
import { parseAmount } from '../shared/money.ts'

export interface AllegroOfferSummary {
  id: string
  name: string
  /** external.id: the seller's sygnatura */
  sku: string | null
  priceMinor: number | null
  currency: string | null
  available: number | null
  status: string | null
}

function record (value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : null
}

function cleanString (value: unknown, max: number): string | null {
  if (typeof value !== 'string') return null
  const text = value.replace(/\p{Cc}/gu, ' ').trim()
  return text === '' || [...text].length > max ? null : text
}

export function parseOffer (raw: unknown): AllegroOfferSummary | null {
  const offer = record(raw)
  if (!offer) return null
  const id = typeof offer.id === 'string' && /^[0-9A-Za-z-]{1,40}$/.test(offer.id) ? offer.id : null
  const name = cleanString(offer.name, 300)
  if (id === null || name === null) return null
  const price = record(record(offer.sellingMode)?.price)
  const amount = typeof price?.amount === 'string' ? parseAmount(price.amount) : null
  const currency = typeof price?.currency === 'string' && /^[A-Z]{3}$/.test(price.currency) ? price.currency : null
  const available = record(offer.stock)?.available
  const status = record(offer.publication)?.status
  return {
    id,
    name,
    sku: cleanString(record(offer.external)?.id, 100),
    priceMinor: amount,
    currency: amount === null ? null : currency ?? 'PLN',
    available: typeof available === 'number' && Number.isSafeInteger(available) && available >= 0 ? available : null,
    status: typeof status === 'string' && /^[A-Z_]{1,20}$/.test(status) ? status : null
  }
}

export interface ParsedOfferList {
  offers: AllegroOfferSummary[]
  /** offers Allegro sent that we could not read */
  skipped: number
  totalCount: number | null
}

export function parseOfferList (body: unknown): ParsedOfferList {
  const list = record(body)
  const raw = Array.isArray(list?.offers) ? list.offers : []
  const offers = raw.map(parseOffer).filter((offer): offer is AllegroOfferSummary => offer !== null)
  const total = list?.totalCount
  return {
    offers,
    skipped: raw.length - offers.length,
    totalCount: typeof total === 'number' && Number.isSafeInteger(total) && total >= 0 ? total : null
  }
}

export const PUBLICATION_LABELS: Record<string, string> = {
  ACTIVE: 'aktywna',
  INACTIVE: 'nieaktywna',
  ACTIVATING: 'aktywowana',
  ENDED: 'zakończona'
}
