// What can go wrong when talking to Allegro, each with a message a shop owner understands.

export type AllegroErrorKind =
  /** Allegro answered with an HTTP error status */
  | 'http'
  /** no answer within the timeout */
  | 'timeout'
  /** connection refused, reset, DNS… */
  | 'network'
  /** the body was not the JSON Allegro promises */
  | 'malformed'
  /** the refresh token was rejected: the seller must connect the shop again */
  | 'reconnect_required'
  /** the shop has never been connected (or its tokens were removed) */
  | 'not_connected'
  /** no client ID / secret for the shop's environment */
  | 'not_configured'

/** Shown on the health panel and wherever an Allegro call fails because of an expired grant. */
export const RECONNECT_MESSAGE = 'Allegro odrzuciło token – połącz sklep ponownie'
export const NOT_CONNECTED_MESSAGE =
  'Sklep nie jest połączony z kontem Allegro – połącz go w USTAWIENIA » INTEGRACJE » ALLEGRO.'
export const NOT_CONFIGURED_MESSAGE =
  'Brak danych aplikacji Allegro (Client ID i Client Secret) – uzupełnij je w USTAWIENIA » INTEGRACJE » ALLEGRO.'

export interface AllegroErrorDetail {
  code: string
  message: string
  userMessage: string | null
  path: string | null
}

export interface AllegroApiErrorInit {
  kind: AllegroErrorKind
  status: number | null
  code: string
  userMessage: string
  traceId?: string | null
  retryable?: boolean
  /** how many attempts were made before giving up */
  attempts?: number
  details?: AllegroErrorDetail[]
  cause?: unknown
}

export class AllegroApiError extends Error {
  override name = 'AllegroApiError'
  readonly kind: AllegroErrorKind
  /** HTTP status, or null when there was no HTTP answer */
  readonly status: number | null
  /** Allegro's error code (`errors[0].code` or OAuth `error`), or our own for non-HTTP failures */
  readonly code: string
  /** clear Polish text, safe to show (escape it: it may come from Allegro) */
  readonly userMessage: string
  readonly traceId: string | null
  /** whether trying again later may help */
  readonly retryable: boolean
  readonly attempts: number
  readonly details: AllegroErrorDetail[]

  constructor(init: AllegroApiErrorInit) {
    super(`Allegro ${init.kind}${init.status === null ? '' : ' ' + init.status} ${init.code}`, { cause: init.cause })
    this.kind = init.kind
    this.status = init.status
    this.code = init.code
    this.userMessage = init.userMessage
    this.traceId = init.traceId ?? null
    this.retryable = init.retryable ?? false
    this.attempts = init.attempts ?? 1
    this.details = init.details ?? []
  }
}

/** The refresh token is gone (invalid_grant): nothing works until the seller connects again. */
export class AllegroAuthError extends AllegroApiError {
  override name = 'AllegroAuthError'
  constructor(init: Omit<AllegroApiErrorInit, 'kind' | 'userMessage'> & { userMessage?: string }) {
    super({ ...init, kind: 'reconnect_required', userMessage: init.userMessage ?? RECONNECT_MESSAGE, retryable: false })
  }
}

export function isAllegroApiError(error: unknown): error is AllegroApiError {
  return error instanceof AllegroApiError
}

/** Our own text per status, used when Allegro sent no userMessage. */
export function messageForStatus(status: number): string {
  switch (status) {
    case 400:
      return 'Allegro odrzuciło żądanie jako nieprawidłowe.'
    case 401:
      return 'Allegro nie przyjęło tokenu dostępu. Spróbuj ponownie, a jeśli błąd wróci – połącz sklep ponownie.'
    case 403:
      return 'Allegro odmówiło dostępu: aplikacja nie ma potrzebnych uprawnień albo zasób należy do innego konta.'
    case 404:
      return 'Allegro nie znalazło tego zasobu (zamówienia, oferty lub faktury).'
    case 406:
      return 'Allegro nie przyjęło formatu zapytania (błąd 406). To błąd Biurka – zgłoś go.'
    case 409:
      return 'Allegro zgłosiło konflikt: zasób zmienił się w międzyczasie albo już istnieje.'
    case 413:
      return 'Plik jest za duży dla Allegro (najwyżej 3 MB).'
    case 415:
      return 'Allegro nie przyjęło rodzaju przesłanego pliku.'
    case 422:
      return 'Allegro odrzuciło przesłane dane jako nieprawidłowe.'
    case 429:
      return 'Allegro chwilowo ogranicza liczbę zapytań. Spróbuj ponownie za minutę.'
  }
  if (status >= 500) return `Allegro ma chwilowe problemy (błąd serwera ${status}). Spróbuj ponownie za kilka minut.`
  return `Allegro zwróciło nieoczekiwany błąd (${status}).`
}

export const TIMEOUT_MESSAGE = 'Allegro nie odpowiedziało w wyznaczonym czasie. Spróbuj ponownie za chwilę.'
export const NETWORK_MESSAGE =
  'Nie udało się połączyć z Allegro (błąd sieci). Sprawdź połączenie z internetem i spróbuj ponownie.'

const MAX_TEXT = 500

/** Text from Allegro is untrusted: single line, bounded length. */
export function cleanText(value: unknown): string | null {
  if (typeof value !== 'string') return null

  const text = value.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim()
  if (text === '') return null
  return [...text].length > MAX_TEXT ? [...text].slice(0, MAX_TEXT).join('') + '…' : text
}

/** Reads Allegro's `{"errors":[…]}` or OAuth's `{"error":…}` body, whichever it is. */
export function parseErrorBody(body: unknown): {
  code: string | null
  userMessage: string | null
  details: AllegroErrorDetail[]
} {
  if (typeof body !== 'object' || body === null) return { code: null, userMessage: null, details: [] }
  const record = body as Record<string, unknown>
  if (Array.isArray(record.errors)) {
    const details: AllegroErrorDetail[] = []
    for (const item of record.errors.slice(0, 20)) {
      if (typeof item !== 'object' || item === null) continue
      const e = item as Record<string, unknown>
      details.push({
        code: cleanText(e.code) ?? '',
        message: cleanText(e.message) ?? '',
        userMessage: cleanText(e.userMessage),
        path: cleanText(e.path)
      })
    }
    const messages = [...new Set(details.map((d) => d.userMessage).filter((m): m is string => m !== null))]
    return { code: details[0]?.code || null, userMessage: messages.length > 0 ? messages.join(' ') : null, details }
  }
  if (typeof record.error === 'string') {
    return { code: cleanText(record.error), userMessage: null, details: [] }
  }
  return { code: null, userMessage: null, details: [] }
}
