import { AllegroApiError, AllegroAuthError, messageForStatus, parseErrorBody } from './allegro.errors.ts'
import {
  ALLEGRO_LANGUAGE,
  allegroUserAgent,
  basicAuth,
  exchange,
  parseJsonBody,
  type HttpAnswer
} from './allegro.http.ts'

// OAuth2 on Allegro's web host (reference §1): the device flow and the refresh grant. These
// calls carry secrets in their bodies and answers; nothing here logs them.

export interface AllegroTokens {
  accessToken: string
  refreshToken: string
  /** when the access token stops working (from `expires_in`) */
  expiresAt: Date
}

export interface OAuthApp {
  /** web host, e.g. https://allegro.pl (not the api host) */
  webUrl: string
  clientId: string
  clientSecret: string
}

export interface OAuthDeps {
  fetch: typeof fetch
  timeoutMs: number
  now: () => Date
  /** Allegro wants the app's own User-Agent on the OAuth host too; default Biurko's */
  userAgent?: string
}

export interface DeviceAuthorization {
  deviceCode: string
  userCode: string
  verificationUri: string
  verificationUriComplete: string
  expiresInSeconds: number
  intervalSeconds: number
}

export type DevicePollResult =
  | { status: 'pending' }
  /** asked too early: wait `interval` longer from now on (RFC 8628 §3.5) */
  | { status: 'slow_down' }
  | { status: 'denied' }
  | { status: 'expired' }
  | { status: 'approved'; tokens: AllegroTokens }

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code'

export async function requestDeviceAuthorization(app: OAuthApp, deps: OAuthDeps): Promise<DeviceAuthorization> {
  const answer = await post(app, deps, '/auth/oauth/device', { client_id: app.clientId })
  const body = parseJsonBody(answer)
  if (answer.status !== 200) throw oauthError(answer, body)
  const b = asRecord(body)
  const deviceCode = boundedString(b.device_code, 4096)
  const userCode = boundedString(b.user_code, 64)
  const verificationUri = webLink(b.verification_uri)
  const verificationUriComplete = webLink(b.verification_uri_complete) ?? verificationUri
  const expiresIn = positiveInt(b.expires_in, 7 * 24 * 3600)
  const interval = positiveInt(b.interval ?? 5, 600)
  if (
    deviceCode === null ||
    userCode === null ||
    verificationUri === null ||
    verificationUriComplete === null ||
    expiresIn === null ||
    interval === null
  ) {
    throw malformed(answer)
  }
  return {
    deviceCode,
    userCode,
    verificationUri,
    verificationUriComplete,
    expiresInSeconds: expiresIn,
    intervalSeconds: interval
  }
}

/** One look at the token endpoint; the caller decides when to look again. */
export async function pollDeviceAuthorization(
  app: OAuthApp,
  deps: OAuthDeps,
  deviceCode: string
): Promise<DevicePollResult> {
  const answer = await post(app, deps, '/auth/oauth/token', { grant_type: DEVICE_GRANT, device_code: deviceCode })
  const body = parseJsonBody(answer)
  if (answer.status === 200) return { status: 'approved', tokens: readTokens(answer, body, deps.now()) }
  const { code } = parseErrorBody(body)
  if (answer.status === 400 || answer.status === 401) {
    switch (code) {
      case 'authorization_pending':
        return { status: 'pending' }
      case 'slow_down':
        return { status: 'slow_down' }
      case 'access_denied':
        return { status: 'denied' }
      // an unknown or used device code is as final as an expired one
      case 'expired_token':
      case 'invalid_grant':
        return { status: 'expired' }
    }
  }
  throw oauthError(answer, body)
}

/**
 * Exchanges the refresh token for a new pair. Allegro rotates refresh tokens: the caller must
 * store the returned one (atomically, with the access token) before using it. Repeating the call
 * with the same refresh token is safe for 60 s, so transient failures may be retried.
 */
export async function refreshAccessToken(app: OAuthApp, deps: OAuthDeps, refreshToken: string): Promise<AllegroTokens> {
  const answer = await post(app, deps, '/auth/oauth/token', {
    grant_type: 'refresh_token',
    refresh_token: refreshToken
  })
  const body = parseJsonBody(answer)
  if (answer.status === 200) return readTokens(answer, body, deps.now())
  const { code } = parseErrorBody(body)
  if (code === 'invalid_grant') throw new AllegroAuthError({ status: answer.status, code, traceId: answer.traceId })
  throw oauthError(answer, body)
}

async function post(app: OAuthApp, deps: OAuthDeps, path: string, form: Record<string, string>): Promise<HttpAnswer> {
  return await exchange(
    deps.fetch,
    {
      method: 'POST',
      url: app.webUrl.replace(/\/+$/, '') + path,
      headers: {
        Authorization: basicAuth(app.clientId, app.clientSecret),
        'Content-Type': 'application/x-www-form-urlencoded',
        Accept: 'application/json',
        'Accept-Language': ALLEGRO_LANGUAGE,
        'User-Agent': deps.userAgent ?? allegroUserAgent()
      },
      body: new URLSearchParams(form).toString()
    },
    deps.timeoutMs
  )
}

function readTokens(answer: HttpAnswer, body: unknown, now: Date): AllegroTokens {
  const b = asRecord(body)
  const accessToken = boundedString(b.access_token, 8192)
  const refreshToken = boundedString(b.refresh_token, 8192)
  const expiresIn = positiveInt(b.expires_in, 10 * 365 * 24 * 3600)
  if (accessToken === null || refreshToken === null || expiresIn === null) throw malformed(answer)
  return { accessToken, refreshToken, expiresAt: new Date(now.getTime() + expiresIn * 1000) }
}

function oauthError(answer: HttpAnswer, body: unknown): AllegroApiError {
  const { code, userMessage } = parseErrorBody(body)
  const status = answer.status
  const retryable = status === 429 || status >= 500
  if (code === 'invalid_client' || code === 'unauthorized_client' || (status === 401 && code === 'unauthorized')) {
    return new AllegroApiError({
      kind: 'http',
      status,
      code: code ?? 'invalid_client',
      userMessage:
        'Allegro nie przyjęło danych aplikacji (Client ID lub Client Secret). Sprawdź je w USTAWIENIA » INTEGRACJE » ALLEGRO.',
      traceId: answer.traceId
    })
  }
  return new AllegroApiError({
    kind: 'http',
    status,
    code: code ?? `HTTP_${status}`,
    userMessage: userMessage ?? messageForStatus(status),
    traceId: answer.traceId,
    retryable
  })
}

function malformed(answer: HttpAnswer): AllegroApiError {
  return new AllegroApiError({
    kind: 'malformed',
    status: answer.status,
    code: 'MALFORMED_OAUTH_RESPONSE',
    userMessage: 'Allegro zwróciło niepełną odpowiedź przy logowaniu. Spróbuj ponownie.',
    traceId: answer.traceId,
    retryable: true
  })
}

function asRecord(body: unknown): Record<string, unknown> {
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {}
}

function boundedString(value: unknown, max: number): string | null {
  return typeof value === 'string' && value.length > 0 && value.length <= max && !/[\s]/.test(value) ? value : null
}

function positiveInt(value: unknown, max: number): number | null {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value
  return typeof n === 'number' && Number.isInteger(n) && n > 0 && n <= max ? n : null
}

/** Only http(s) links are ever rendered as href (the value comes from the network). */
function webLink(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > 2048) return null
  try {
    const url = new URL(value)
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.toString() : null
  } catch {
    return null
  }
}
