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

function record(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null
}

function cleanString(value: unknown, max: number): string | null {
  if (typeof value !== 'string') return null
  const text = value.replace(/\p{Cc}/gu, ' ').trim()
  return text === '' || [...text].length > max ? null : text
}

export function parseOffer(raw: unknown): AllegroOfferSummary | null {
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
    currency: amount === null ? null : (currency ?? 'PLN'),
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

export function parseOfferList(body: unknown): ParsedOfferList {
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

// Setting an offer's stock from Biurko (reference §7: PATCH /sale/product-offers/{id}).

/** Allegro takes whole pieces and never less than zero: a fraction is not sellable, a negative stock sells nothing. */
export function stockForAllegro(stockMilli: number): number {
  return Math.max(0, Math.floor(stockMilli / 1000))
}

/** Allegro ends an ACTIVE offer whose stock is set to 0, so that needs the user's explicit consent. */
export function endsOffer(offer: Pick<AllegroOfferSummary, 'status'>, available: number): boolean {
  return available === 0 && offer.status === 'ACTIVE'
}

export const ENDS_OFFER_WARNING = 'Stan 0 zakończy ofertę w Allegro'

export type PushOutcome = 'done' | 'accepted' | 'conflict' | 'refused' | 'failed'

export const PUSH_OUTCOME_LABELS: Record<PushOutcome, string> = {
  done: 'ustawiono',
  accepted: 'przyjęte, w trakcie',
  conflict: 'Allegro zajęte',
  refused: 'odrzucone',
  failed: 'błąd'
}

export interface PushResult {
  outcome: PushOutcome
  httpStatus: number | null
  /** Polish, for the page and the log; may contain Allegro's text, so escape it */
  message: string
}

export function pushSucceeded(status: number, available: number): PushResult {
  if (status === 202) {
    return {
      outcome: 'accepted',
      httpStatus: 202,
      message: `Allegro przyjęło zmianę stanu na ${available} i jeszcze ją przetwarza – odśwież stronę za chwilę.`
    }
  }
  return { outcome: 'done', httpStatus: status, message: `Ustawiono w Allegro stan ${available}.` }
}

/** What a failed PATCH means for the seller; `failure` is an AllegroApiError's fields. */
export function pushFailed(failure: { kind: string; status: number | null; userMessage: string }): PushResult {
  const status = failure.status
  if (failure.kind === 'http' && status === 409) {
    return {
      outcome: 'conflict',
      httpStatus: 409,
      message: 'Allegro jeszcze przetwarza poprzednią zmianę tej oferty – spróbuj za chwilę.'
    }
  }
  if (failure.kind === 'http' && status === 403) {
    return {
      outcome: 'refused',
      httpStatus: 403,
      message: 'Allegro nie pozwoliło zmienić tej oferty (brak uprawnień albo oferta innego konta).'
    }
  }
  if (failure.kind === 'http' && status === 404) {
    return { outcome: 'refused', httpStatus: 404, message: 'Allegro nie zna tej oferty – mogła zostać usunięta.' }
  }
  if (failure.kind === 'http' && status !== null && status >= 400 && status < 500 && status !== 401 && status !== 429) {
    return { outcome: 'refused', httpStatus: status, message: `Allegro odrzuciło zmianę stanu: ${failure.userMessage}` }
  }
  return {
    outcome: 'failed',
    httpStatus: status,
    message: `Nie udało się ustawić stanu w Allegro: ${failure.userMessage}`
  }
}
