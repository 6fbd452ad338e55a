import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { projectRoot } from '../paths.ts'
import { AllegroApiError, NETWORK_MESSAGE, TIMEOUT_MESSAGE } from './allegro.errors.ts'

// One HTTP exchange with Allegro (API or OAuth host): a timeout on every call, failures
// turned into AllegroApiError, the Trace-Id kept for the logs. Retries live in the client.

export const ALLEGRO_MEDIA_TYPE = 'application/vnd.allegro.public.v1+json'

/**
 * Accept-Language sets the language of Allegro's `userMessage`. Without one, Node's fetch sends
 * `*`, which Allegro's OpenAPI description does not allow: it lists pl-PL, en-US, uk-UA, sk-SK,
 * cs-CZ and hu-HU for most endpoints, and only en-US for the order invoice endpoints.
 */
export const ALLEGRO_LANGUAGE = 'pl-PL'
export const ALLEGRO_INVOICE_LANGUAGE = 'en-US'

const packageVersion = (JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string })
  .version

/**
 * Allegro wants `AppName/1.2.3 (+https://info-page)` on every API call, AppName being the name
 * registered at apps.developer.allegro.pl with spaces replaced by dashes.
 */
export function allegroUserAgent(appName = 'Biurko'): string {
  const name =
    appName
      .trim()
      .replace(/\s+/g, '-')
      .replace(/[^A-Za-z0-9._-]/g, '') || 'Biurko'
  return `${name}/${packageVersion} (+https://github.com/biurko)`
}

/** The smallest logger we need; pino and Fastify's logger fit. */
export interface AllegroLogger {
  debug: (obj: object, msg?: string) => void
  info: (obj: object, msg?: string) => void
  warn: (obj: object, msg?: string) => void
}

export const silentLogger: AllegroLogger = { debug: () => {}, info: () => {}, warn: () => {} }

export interface HttpAnswer {
  status: number
  headers: Headers
  bytes: Buffer
  traceId: string | null
}

export interface HttpCall {
  method: string
  url: string
  headers: Record<string, string>
  body?: string | Buffer
}

/** Biggest answer we read into memory; Allegro pages are far smaller. */
const MAX_RESPONSE_BYTES = 20 * 1024 * 1024

export async function exchange(fetchFn: typeof fetch, call: HttpCall, timeoutMs: number): Promise<HttpAnswer> {
  let response: Response
  try {
    response = await fetchFn(call.url, {
      method: call.method,
      headers: call.headers,
      body: typeof call.body === 'string' || call.body === undefined ? call.body : new Uint8Array(call.body),
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs)
    })
    const traceId = response.headers.get('trace-id')
    const declared = Number(response.headers.get('content-length') ?? 0)
    if (declared > MAX_RESPONSE_BYTES) throw tooLarge(response.status, traceId)
    const bytes = Buffer.from(await response.arrayBuffer())
    if (bytes.length > MAX_RESPONSE_BYTES) throw tooLarge(response.status, traceId)
    return { status: response.status, headers: response.headers, bytes, traceId }
  } catch (error) {
    if (error instanceof AllegroApiError) throw error
    if (isTimeout(error)) {
      throw new AllegroApiError({
        kind: 'timeout',
        status: null,
        code: 'TIMEOUT',
        userMessage: TIMEOUT_MESSAGE,
        retryable: true,
        cause: error
      })
    }
    throw new AllegroApiError({
      kind: 'network',
      status: null,
      code: networkCode(error),
      userMessage: NETWORK_MESSAGE,
      retryable: true,
      cause: error
    })
  }
}

function tooLarge(status: number, traceId: string | null): AllegroApiError {
  return new AllegroApiError({
    kind: 'malformed',
    status,
    code: 'RESPONSE_TOO_LARGE',
    userMessage: 'Allegro zwróciło zbyt dużą odpowiedź.',
    traceId
  })
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')
}

/** ECONNRESET, ECONNREFUSED… from undici's `cause`, for the logs. */
function networkCode(error: unknown): string {
  let current: unknown = error
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const code = (current as Error & { code?: unknown }).code
    if (typeof code === 'string') return code
    current = current.cause
  }
  return 'NETWORK'
}

/** JSON body or undefined for an empty one; throws 'malformed' when it is not JSON. */
export function parseJsonBody(answer: HttpAnswer): unknown {
  const text = answer.bytes.toString('utf8')
  if (text.trim() === '') return undefined
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new AllegroApiError({
      kind: 'malformed',
      status: answer.status,
      code: 'MALFORMED_JSON',
      userMessage: 'Allegro zwróciło nieczytelną odpowiedź. Spróbuj ponownie za chwilę.',
      traceId: answer.traceId,
      retryable: true,
      cause: error
    })
  }
}

/** Retry-After in milliseconds (seconds or an HTTP date), or null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: Date): number | null {
  if (value === null || value.trim() === '') return null
  const trimmed = value.trim()
  if (/^\d{1,7}$/.test(trimmed)) return Number(trimmed) * 1000
  const at = Date.parse(trimmed)
  if (Number.isNaN(at)) return null
  return Math.max(0, at - now.getTime())
}

export function basicAuth(clientId: string, clientSecret: string): string {
  return 'Basic ' + Buffer.from(`${clientId}:${clientSecret}`, 'utf8').toString('base64')
}
