import {
  AllegroApiError,
  AllegroAuthError,
  NOT_CONNECTED_MESSAGE,
  messageForStatus,
  parseErrorBody
} from './allegro.errors.ts'
import {
  ALLEGRO_INVOICE_LANGUAGE,
  ALLEGRO_LANGUAGE,
  ALLEGRO_MEDIA_TYPE,
  exchange,
  parseJsonBody,
  parseRetryAfter,
  silentLogger,
  type AllegroLogger,
  type HttpAnswer
} from './allegro.http.ts'
import { refreshAccessToken, type AllegroTokens, type OAuthApp } from './allegro.oauth.ts'

// The REST client every Allegro feature uses (reference §2, §8). It owns the access token's
// life (refresh shortly before expiry, one refresh per shop at a time, one refresh-and-retry on
// 401) and retries what is safe to retry. Response bodies are `unknown`-ish: callers validate.

export { AllegroApiError, AllegroAuthError, isAllegroApiError, RECONNECT_MESSAGE } from './allegro.errors.ts'

export type { AllegroTokens } from './allegro.oauth.ts'

/** Where one shop's tokens live; the client never keeps them longer than a call. */
export interface TokenStore {
  /** Identifies the shop: refreshes with the same key never run at the same time. */
  readonly key: string
  /** The current tokens, null when the shop has none (throw AllegroAuthError if it must reconnect). */
  load: () => Promise<AllegroTokens | null>
  /** Saves a refreshed pair; must replace access and refresh token together (one UPDATE). */
  save: (tokens: AllegroTokens) => Promise<void>
  /** Allegro rejected the refresh token (invalid_grant): forget the tokens, ask for a new connection. */
  markReconnectRequired: (message: string) => Promise<void>
  /** Health panel bookkeeping; optional. */
  recordSuccess?: () => Promise<void>
  recordFailure?: (error: AllegroApiError) => Promise<void>
}

export interface AllegroClientOptions {
  apiUrl: string
  webUrl: string
  clientId: string
  clientSecret: string
  fetch: typeof fetch
  tokens: TokenStore
  /** per attempt */
  timeoutMs: number
  userAgent: string
  log?: AllegroLogger
  sleep?: (ms: number) => Promise<void>
  /** 0 ≤ x < 1, for the backoff jitter */
  random?: () => number
  /** retries after the first attempt; default 4 (five attempts in all) */
  maxRetries?: number
  /** the most the client waits between attempts in one call, in total; default 60 s */
  maxRetryWaitMs?: number
  /** first backoff step, doubling per attempt (after a 429 without Retry-After: four times it); default 500 ms */
  retryBaseMs?: number
  now: () => Date
}

interface RequestOptions {
  query?: Record<string, string | number | boolean | ReadonlyArray<string | number> | undefined>
  json?: unknown
  body?: Buffer
  contentType?: string
  accept?: string
  /** default pl-PL; the invoice endpoints accept only en-US (allegro.http.ts) */
  acceptLanguage?: string
  /**
   * Whether repeating the call is harmless. Default: GET, HEAD, PUT and DELETE are, POST and
   * PATCH are not. Non-idempotent calls are retried only when Allegro surely did not act on
   * them (429, or a failure before the request was sent).
   */
  idempotent?: boolean
  /**
   * For uploads to a resource only we know about: a 409 on a repeated attempt means our earlier
   * attempt landed and only its answer got lost.
   */
  conflictOnRetryMeansDone?: boolean
}

interface AllegroResponse<T> {
  status: number
  body: T
  headers: Headers
  traceId: string | null
}

/** Minimal shapes; fields are optional because Allegro's data is untrusted. */
interface AllegroMe {
  id?: string
  login?: string
  firstName?: string
  lastName?: string
  email?: string
  company?: { name?: string; taxId?: string } | null
}

interface AllegroEventStats {
  latestEvent?: { id?: string; occurredAt?: string } | null
}

interface AllegroOrderEvents {
  events?: unknown[]
}

interface AllegroCheckoutFormList {
  checkoutForms?: unknown[]
  count?: number
  totalCount?: number
}

export interface AllegroOrderInvoices {
  invoices?: Array<{ id?: string; invoiceNumber?: string | null; createdAt?: string; file?: unknown }>
  links?: unknown[]
  hasExternalInvoices?: boolean
}

interface AllegroOfferList {
  offers?: unknown[]
  count?: number
  totalCount?: number
}

export interface AllegroClient {
  request: <T = unknown>(method: string, path: string, opts?: RequestOptions) => Promise<T>
  /** Like request, with status, headers and Trace-Id (e.g. the Location of a 202). */
  send: <T = unknown>(method: string, path: string, opts?: RequestOptions) => Promise<AllegroResponse<T>>
  getMe: () => Promise<AllegroMe>
  getEventStats: () => Promise<AllegroEventStats>
  getOrderEvents: (opts?: { from?: string; limit?: number }) => Promise<AllegroOrderEvents>
  listCheckoutForms: (query: Record<string, string | number>) => Promise<AllegroCheckoutFormList>
  getCheckoutForm: (id: string) => Promise<unknown>
  listOrderInvoices: (orderId: string) => Promise<AllegroOrderInvoices>
  /**
   * POST invoice metadata. Allegro has no idempotency key and this call is never retried after
   * it may have reached Allegro, so a lost answer leaves the outcome unknown: callers must read
   * listOrderInvoices() first and match on invoiceNumber before posting (and again after a
   * failure) to never attach the same document twice.
   */
  createOrderInvoice: (orderId: string, invoice: { fileName: string; invoiceNumber: string }) => Promise<{ id: string }>
  /** PUT the PDF for metadata created above; a 409 on a repeated attempt means our earlier attempt landed. */
  uploadOrderInvoiceFile: (orderId: string, invoiceId: string, pdf: Buffer) => Promise<void>
  listOffers: (query: Record<string, string | number | ReadonlyArray<string>>) => Promise<AllegroOfferList>
  /** Sets (not adds to) the available stock, so repeating it is harmless. */
  /** 200: applied; 202: accepted, Allegro applies it shortly */
  changeOfferStock: (offerId: string, available: number) => Promise<{ status: number }>
}

/** Refresh this long before the access token expires. */
const REFRESH_MARGIN_MS = 5 * 60 * 1000
const BACKOFF_BASE_MS = 500
/** Allegro's limits are per minute: after a 429 wait longer than after a 5xx */
const BACKOFF_429_FACTOR = 4
const BACKOFF_CAP_MS = 30_000
const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS'])

// Per-process queues of refreshes, by TokenStore.key. Whoever gets the lock first reloads the
// tokens and refreshes only if nobody did in the meantime, so concurrent callers share one refresh.
const refreshQueues = new Map<string, Promise<void>>()

async function withRefreshLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const previous = refreshQueues.get(key) ?? Promise.resolve()
  let release!: () => void
  const mine = new Promise<void>((resolve) => {
    release = resolve
  })
  const tail = previous.then(() => mine)
  refreshQueues.set(key, tail)
  await previous
  try {
    return await fn()
  } finally {
    release()
    if (refreshQueues.get(key) === tail) refreshQueues.delete(key)
  }
}

const defaultSleep = async (ms: number): Promise<void> => await new Promise((resolve) => setTimeout(resolve, ms))

export function createAllegroClient(opts: AllegroClientOptions): AllegroClient {
  const apiUrl = opts.apiUrl.replace(/\/+$/, '')
  const log = opts.log ?? silentLogger
  const sleep = opts.sleep ?? defaultSleep
  const random = opts.random ?? Math.random
  const maxRetries = opts.maxRetries ?? 4
  const maxRetryWaitMs = opts.maxRetryWaitMs ?? 60_000
  const backoffBaseMs = opts.retryBaseMs ?? BACKOFF_BASE_MS
  const oauthApp: OAuthApp = { webUrl: opts.webUrl, clientId: opts.clientId, clientSecret: opts.clientSecret }
  const oauthDeps = { fetch: opts.fetch, timeoutMs: opts.timeoutMs, now: opts.now, userAgent: opts.userAgent }

  async function loadTokens(): Promise<AllegroTokens> {
    const tokens = await opts.tokens.load()
    if (tokens === null)
      throw new AllegroApiError({
        kind: 'not_connected',
        status: null,
        code: 'NOT_CONNECTED',
        userMessage: NOT_CONNECTED_MESSAGE
      })
    return tokens
  }

  function isFresh(tokens: AllegroTokens): boolean {
    return tokens.expiresAt.getTime() - opts.now().getTime() > REFRESH_MARGIN_MS
  }

  async function refresh(tokens: AllegroTokens): Promise<AllegroTokens> {
    try {
      const next = await refreshAccessToken(oauthApp, oauthDeps, tokens.refreshToken)
      await opts.tokens.save(next)
      log.info({ shop: opts.tokens.key, expiresAt: next.expiresAt.toISOString() }, 'allegro access token refreshed')
      return next
    } catch (error) {
      if (error instanceof AllegroAuthError) {
        log.warn(
          { shop: opts.tokens.key, traceId: error.traceId },
          'allegro refresh token rejected, reconnect required'
        )
        await opts.tokens.markReconnectRequired(error.userMessage)
      }
      throw error
    }
  }

  /** A usable access token, refreshed first when it is about to expire. */
  async function currentTokens(): Promise<AllegroTokens> {
    const tokens = await loadTokens()
    if (isFresh(tokens)) return tokens
    return await withRefreshLock(opts.tokens.key, async () => {
      const latest = await loadTokens()
      return isFresh(latest) ? latest : await refresh(latest)
    })
  }

  /** Allegro said 401 to `rejected`: refresh, unless another call already replaced it. */
  async function tokensAfterRejection(rejected: string): Promise<AllegroTokens> {
    return await withRefreshLock(opts.tokens.key, async () => {
      const latest = await loadTokens()
      return latest.accessToken !== rejected ? latest : await refresh(latest)
    })
  }

  function buildUrl(path: string, query: RequestOptions['query']): string {
    const url = new URL(apiUrl + (path.startsWith('/') ? path : '/' + path))
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value === undefined) continue
      if (Array.isArray(value)) for (const item of value) url.searchParams.append(name, String(item))
      else url.searchParams.append(name, String(value))
    }
    return url.toString()
  }

  function httpError(answer: HttpAnswer, attempts: number): AllegroApiError {
    let body: unknown
    try {
      body = parseJsonBody(answer)
    } catch {
      body = undefined
    }
    const { code, userMessage, details } = parseErrorBody(body)
    const status = answer.status
    return new AllegroApiError({
      kind: 'http',
      status,
      code: code ?? `HTTP_${status}`,
      userMessage: userMessage ?? messageForStatus(status),
      traceId: answer.traceId,
      retryable: status === 429 || status >= 500,
      attempts,
      details
    })
  }

  function mayRetry(error: AllegroApiError, idempotent: boolean, sent: boolean): boolean {
    if (!error.retryable) return false
    // 429 means Allegro did not act on the request; anything else may have been half done
    if (error.kind === 'http' && error.status === 429) return true
    return idempotent || !sent
  }

  function backoffMs(error: AllegroApiError, retry: number): number {
    const base = error.status === 429 ? backoffBaseMs * BACKOFF_429_FACTOR : backoffBaseMs
    // full jitter: anywhere between 0 and the exponential ceiling
    return Math.floor(random() * Math.min(BACKOFF_CAP_MS, base * 2 ** (retry - 1)))
  }

  function gaveUp(error: AllegroApiError, attempts: number): AllegroApiError {
    if (attempts <= 1) return error
    return new AllegroApiError({
      kind: error.kind,
      status: error.status,
      code: error.code,
      userMessage: `${error.userMessage} (liczba prób: ${attempts})`,
      traceId: error.traceId,
      retryable: error.retryable,
      attempts,
      details: error.details,
      cause: error
    })
  }

  async function send<T>(method: string, path: string, ro: RequestOptions = {}): Promise<AllegroResponse<T>> {
    const verb = method.toUpperCase()
    const idempotent = ro.idempotent ?? IDEMPOTENT_METHODS.has(verb)
    const url = buildUrl(path, ro.query)
    const logPath = path.split('?')[0]
    const headers: Record<string, string> = {
      Accept: ro.accept ?? ALLEGRO_MEDIA_TYPE,
      'Accept-Language': ro.acceptLanguage ?? ALLEGRO_LANGUAGE,
      'User-Agent': opts.userAgent
    }
    let payload: string | Buffer | undefined
    if (ro.body !== undefined) {
      payload = ro.body
      headers['Content-Type'] = ro.contentType ?? 'application/octet-stream'
    } else if (ro.json !== undefined) {
      payload = JSON.stringify(ro.json)
      headers['Content-Type'] = ro.contentType ?? ALLEGRO_MEDIA_TYPE
    }

    let attempts = 0
    let waitedMs = 0
    let refreshedAfter401 = false
    for (;;) {
      attempts++
      let sent = false
      let failure: AllegroApiError
      let retryAfterMs: number | null = null
      try {
        let tokens = await currentTokens()
        let answer: HttpAnswer
        const started = performance.now()
        for (;;) {
          sent = true
          answer = await exchange(
            opts.fetch,
            {
              method: verb,
              url,
              headers: { ...headers, Authorization: `Bearer ${tokens.accessToken}` },
              body: payload
            },
            opts.timeoutMs
          )
          log.debug(
            {
              method: verb,
              path: logPath,
              status: answer.status,
              traceId: answer.traceId,
              attempt: attempts,
              ms: Math.round(performance.now() - started)
            },
            'allegro call'
          )
          if (answer.status !== 401 || refreshedAfter401) break
          // an expired or revoked access token: one refresh, then the same request once more
          refreshedAfter401 = true
          sent = false
          tokens = await tokensAfterRejection(tokens.accessToken)
        }
        if (answer.status < 300) {
          const body = parseJsonBody(answer) as T
          await opts.tokens.recordSuccess?.()
          return { status: answer.status, body, headers: answer.headers, traceId: answer.traceId }
        }
        failure = httpError(answer, attempts)
        if (answer.status === 429) retryAfterMs = parseRetryAfter(answer.headers.get('retry-after'), opts.now())
      } catch (error) {
        if (!(error instanceof AllegroApiError)) throw error
        failure = error
        // the refresh after a 401 failed on the way: the next attempt may refresh again
        if (!sent) refreshedAfter401 = false
      }

      if (ro.conflictOnRetryMeansDone === true && failure.kind === 'http' && failure.status === 409 && attempts > 1) {
        log.info(
          { method: verb, path: logPath, traceId: failure.traceId },
          'allegro 409 on a repeated PUT: earlier attempt landed'
        )
        await opts.tokens.recordSuccess?.()
        return { status: 409, body: undefined as T, headers: new Headers(), traceId: failure.traceId }
      }

      const delay = retryAfterMs ?? backoffMs(failure, attempts)
      if (!mayRetry(failure, idempotent, sent) || attempts > maxRetries || waitedMs + delay > maxRetryWaitMs) {
        const final = gaveUp(failure, attempts)
        log.warn(
          {
            method: verb,
            path: logPath,
            status: final.status,
            code: final.code,
            kind: final.kind,
            traceId: final.traceId,
            attempts
          },
          'allegro call failed'
        )
        await opts.tokens.recordFailure?.(final)
        throw final
      }
      log.warn(
        {
          method: verb,
          path: logPath,
          status: failure.status,
          code: failure.code,
          kind: failure.kind,
          traceId: failure.traceId,
          attempt: attempts,
          retryInMs: delay
        },
        'allegro call failed, retrying'
      )
      waitedMs += delay
      await sleep(delay)
    }
  }

  async function request<T>(method: string, path: string, ro?: RequestOptions): Promise<T> {
    return (await send<T>(method, path, ro)).body
  }

  const segment = (value: string): string => encodeURIComponent(value)

  return {
    request,
    send,
    getMe: async () => await request<AllegroMe>('GET', '/me'),
    getEventStats: async () => await request<AllegroEventStats>('GET', '/order/event-stats'),
    getOrderEvents: async (q = {}) =>
      await request<AllegroOrderEvents>('GET', '/order/events', { query: { from: q.from, limit: q.limit } }),
    listCheckoutForms: async (query) =>
      await request<AllegroCheckoutFormList>('GET', '/order/checkout-forms', { query }),
    getCheckoutForm: async (id) => await request<unknown>('GET', `/order/checkout-forms/${segment(id)}`),
    listOrderInvoices: async (orderId) =>
      await request<AllegroOrderInvoices>('GET', `/order/checkout-forms/${segment(orderId)}/invoices`, {
        acceptLanguage: ALLEGRO_INVOICE_LANGUAGE
      }),
    createOrderInvoice: async (orderId, invoice) => {
      const body = await request<unknown>('POST', `/order/checkout-forms/${segment(orderId)}/invoices`, {
        json: { file: { name: invoice.fileName }, invoiceNumber: invoice.invoiceNumber },
        acceptLanguage: ALLEGRO_INVOICE_LANGUAGE
      })
      const id = (body as { id?: unknown } | undefined)?.id
      if (typeof id !== 'string' || id === '' || id.length > 200) {
        throw new AllegroApiError({
          kind: 'malformed',
          status: 201,
          code: 'MISSING_INVOICE_ID',
          userMessage: 'Allegro nie podało identyfikatora faktury – sprawdź faktury zamówienia przed ponowną próbą.'
        })
      }
      return { id }
    },
    uploadOrderInvoiceFile: async (orderId, invoiceId, pdf) => {
      await send('PUT', `/order/checkout-forms/${segment(orderId)}/invoices/${segment(invoiceId)}/file`, {
        body: pdf,
        contentType: 'application/pdf',
        acceptLanguage: ALLEGRO_INVOICE_LANGUAGE,
        conflictOnRetryMeansDone: true
      })
    },
    listOffers: async (query) => await request<AllegroOfferList>('GET', '/sale/offers', { query }),
    changeOfferStock: async (offerId, available) => {
      // setting an absolute value: repeating it is harmless, so it is retried like a read
      const answer = await send('PATCH', `/sale/product-offers/${segment(offerId)}`, {
        json: { stock: { available } },
        idempotent: true
      })
      return { status: answer.status }
    }
  }
}
