/**
 * HTTP face of the Allegro simulator. Not wrapped in fastify-plugin on purpose: its parsers,
 * hooks and error handlers stay inside its own scope and never touch the host app.
 *
 * Layout under the mount prefix:
 *   /auth/oauth/device, /auth/oauth/token, /auth/oauth/authorize, /skojarz-aplikacje   ("web host")
 *   /api/…                                                                            ("API host")
 *   /__sim/…                                                  (control routes, only when enabled)
 */
import { randomBytes } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { normalizeSimPath } from './faults.ts'
import type { Fault } from './faults.ts'
import {
  authorizePage, deviceApprovedPage, deviceDeniedPage, devicePage, errorPage, indexPage
} from './pages.ts'
import { parseMinor } from './random.ts'
import type {
  AddOrdersOptions, AllegroSimulator, CheckoutFormQuery, OAuthError, OfferQuery, TokenResponse
} from './simulator.ts'
import { CHECKOUT_FORM_STATUSES, DEFAULT_SCOPES, MAX_INVOICE_FILE_BYTES, ORDER_EVENT_TYPES } from './types.ts'
import type { CheckoutFormStatus, SimOffer, SimSeller } from './types.ts'

export interface AllegroSimulatorPluginOptions {
  simulator: AllegroSimulator
}

export const ALLEGRO_MEDIA_TYPE = 'application/vnd.allegro.public.v1+json'

/** Uploads beyond this are cut off instead of read to the end. */
const PDF_HARD_LIMIT = 20 * 1024 * 1024
const JSON_BODY_LIMIT = 1024 * 1024
const FORM_BODY_LIMIT = 64 * 1024
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const DATE_TIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/
const CHECKOUT_FORM_SORTS = ['lineItems.boughtAt', '-lineItems.boughtAt', 'updatedAt', '-updatedAt'] as const
const OFFER_SORTS = ['sellingMode.price.amount', 'stock.sold', 'stock.available']

type Query = Record<string, string | string[] | undefined>

interface AuthContext {
  seller: SimSeller
  clientId: string
  scope: string[]
}

interface RouteConfig {
  scope?: string
}

/** Marks a PDF body that went over the size limit (read to the end, not kept). */
const TOO_LARGE = Object.freeze({ tooLarge: true })

class HttpError extends Error {
  statusCode: number
  constructor (statusCode: number, message: string) {
    super(message)
    this.statusCode = statusCode
  }
}

// ---------------------------------------------------------------------------------------------
// Small helpers

function allegroError (reply: FastifyReply, status: number, code: string, message: string, userMessage: string, path: string | null = null, details: string | null = null): FastifyReply {
  return reply.code(status).type(ALLEGRO_MEDIA_TYPE).send({
    errors: [{ code, message, details, path, userMessage, metadata: {} }]
  })
}

function validationError (reply: FastifyReply, status: 400 | 422, path: string, message: string, userMessage: string): FastifyReply {
  return allegroError(reply, status, status === 422 ? 'VALIDATION_ERROR' : 'IllegalArgumentException', message, userMessage, path)
}

function oauthError (reply: FastifyReply, status: number, error: OAuthError): FastifyReply {
  return reply.code(status).type('application/json').header('Cache-Control', 'no-store').send(error)
}

function unauthorizedClient (reply: FastifyReply): FastifyReply {
  return reply.code(401)
    .header('WWW-Authenticate', 'Basic realm="oauth2/client"')
    .type('application/json')
    .send({ error: 'unauthorized', error_description: 'Full authentication is required to access this resource' })
}

function invalidToken (reply: FastifyReply, description: string): FastifyReply {
  return reply.code(401)
    .header('WWW-Authenticate', `Bearer error="invalid_token", error_description="${description.replace(/[^\x20-\x7e]|"/g, '')}"`)
    .type('application/json')
    .send({ error: 'invalid_token', error_description: description })
}

function html (reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').header('Cache-Control', 'no-store').send(body)
}

function parseBasic (header: string | undefined): { clientId: string, clientSecret: string } | null {
  if (header === undefined) return null
  const m = /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header)
  if (m === null) return null
  const decoded = Buffer.from(m[1], 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon <= 0 || colon === decoded.length - 1) return null
  return { clientId: decoded.slice(0, colon), clientSecret: decoded.slice(colon + 1) }
}

function acceptsAllegroJson (accept: string | undefined): boolean {
  if (accept === undefined) return false
  return accept.split(',').some((part) => part.split(';')[0].trim().toLowerCase() === ALLEGRO_MEDIA_TYPE)
}

function first (value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}

function list (value: string | string[] | undefined): string[] | undefined {
  if (value === undefined) return undefined
  const values = (Array.isArray(value) ? value : [value]).filter((v) => v !== '')
  return values.length === 0 ? undefined : values
}

/** Strings from query and form body, body winning; arrays collapse to their first value. */
function params (request: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {}
  const merge = (source: unknown): void => {
    if (typeof source !== 'object' || source === null) return
    for (const [k, v] of Object.entries(source)) {
      const value = Array.isArray(v) ? v[0] : v
      if (typeof value === 'string') out[k] = value
    }
  }
  merge(request.query)
  merge(request.body)
  return out
}

type IntResult = { ok: true, value: number } | { ok: false, numeric: boolean }

function intParam (raw: string | undefined, fallback: number): IntResult {
  if (raw === undefined || raw === '') return { ok: true, value: fallback }
  if (!/^-?\d{1,15}$/.test(raw)) return { ok: false, numeric: false }
  return { ok: true, value: Number(raw) }
}

function dateParam (raw: string | undefined): number | null | undefined {
  if (raw === undefined) return undefined
  if (!DATE_TIME_RE.test(raw)) return null
  const ms = Date.parse(raw)
  return Number.isNaN(ms) ? null : ms
}

function sleep (ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

function renderOffer (offer: SimOffer): Record<string, unknown> {
  return {
    id: offer.id,
    name: offer.name,
    category: { id: offer.categoryId },
    primaryImage: null,
    sellingMode: { format: 'BUY_NOW', price: { ...offer.price }, minimalPrice: null, startingPrice: null, priceAutomation: null },
    saleInfo: { currentPrice: null, biddersCount: 0 },
    stock: { available: offer.stock.available, sold: offer.stock.sold },
    stats: { watchersCount: 0, visitsCount: 0 },
    publication: {
      status: offer.publication.status,
      startingAt: null,
      startedAt: offer.publication.startedAt,
      endingAt: null,
      endedAt: offer.publication.endedAt,
      marketplaces: { base: { id: 'allegro-pl' }, additional: [] }
    },
    afterSalesServices: null,
    additionalServices: null,
    external: offer.external === null ? null : { id: offer.external.id },
    delivery: { shippingRates: null },
    b2b: { buyableOnlyByBusiness: false },
    fundraisingCampaign: null,
    isFulfillment: false,
    additionalMarketplaces: {}
  }
}

function renderProductOffer (offer: SimOffer): Record<string, unknown> {
  return {
    id: offer.id,
    name: offer.name,
    category: { id: offer.categoryId },
    external: offer.external === null ? null : { id: offer.external.id },
    sellingMode: { format: 'BUY_NOW', price: { ...offer.price } },
    stock: { available: offer.stock.available, unit: 'UNIT' },
    publication: { status: offer.publication.status },
    taxSettings: offer.taxRate === null
      ? null
      : { rates: [{ rate: offer.taxRate, countryCode: 'PL' }], subject: 'GOODS', exemption: null }
  }
}

// ---------------------------------------------------------------------------------------------

export default async function allegroSimulatorPlugin (app: FastifyInstance, opts: AllegroSimulatorPluginOptions): Promise<void> {
  const sim = opts.simulator
  if (sim === undefined) throw new Error('allegroSimulatorPlugin: opts.simulator is required')
  const prefix = app.prefix
  const authByRequest = new WeakMap<FastifyRequest, AuthContext>()

  const relativePath = (url: string): string => {
    let p = url.split('?')[0]
    if (prefix !== '' && p.startsWith(prefix)) p = p.slice(prefix.length)
    return p === '' ? '/' : p
  }
  const isControl = (path: string): boolean => path === '/__sim' || path.startsWith('/__sim/')
  const webBase = (request: FastifyRequest): string => `${request.protocol}://${request.host}${prefix}`

  // Own parsers only: whatever the host registered does not apply inside this scope.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)))
  })
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: JSON_BODY_LIMIT }, parseJson)

  app.addHook('onRequest', async (request, reply) => {
    reply.header('Trace-Id', randomBytes(16).toString('hex'))
    const path = relativePath(request.url)
    if (isControl(path)) return
    const route = request.routeOptions.url
    sim.countRequest(`${request.method} ${route === undefined ? '(not found)' : normalizeSimPath(relativePath(route))}`)
    sim.materialize()
    const fault = sim.faults.take(request.method, path)
    if (fault === undefined) return
    sim.countFault()
    return await applyFault(fault, request, reply, path)
  })

  async function applyFault (fault: Fault, request: FastifyRequest, reply: FastifyReply, path: string): Promise<FastifyReply | undefined> {
    const spec = fault.spec
    const oauthPath = path.startsWith('/auth/')
    switch (spec.kind) {
      case 'delay':
        await sleep(spec.ms)
        return undefined
      case 'reset':
        reply.hijack()
        request.raw.socket.destroy()
        return reply
      case 'malformed':
        return reply.code(spec.status ?? 200)
          .type(oauthPath ? 'application/json' : ALLEGRO_MEDIA_TYPE)
          .send('{"checkoutForms": [{"id": "6f1c2b3a-9d84-11f0-8a21-5b7c0e4d1a77", "buyer": {"login": ')
      case 'expiredToken':
        return invalidToken(reply, 'Access token expired')
      case 'status': {
        if (spec.retryAfter !== undefined) reply.header('Retry-After', String(spec.retryAfter))
        for (const [k, v] of Object.entries(spec.headers ?? {})) reply.header(k, v)
        reply.code(spec.status)
        if (spec.body !== undefined) {
          return reply.type(typeof spec.body === 'string' ? 'text/plain; charset=utf-8' : oauthPath ? 'application/json' : ALLEGRO_MEDIA_TYPE).send(spec.body)
        }
        if (oauthPath) {
          return reply.type('application/json').send({
            error: spec.status === 429 ? 'too_many_requests' : 'server_error',
            error_description: `Simulated failure (HTTP ${spec.status})`
          })
        }
        const tooMany = spec.status === 429
        return allegroError(reply, spec.status,
          tooMany ? 'TooManyRequestsException' : spec.status >= 500 ? 'InternalServerErrorException' : 'SimulatedError',
          tooMany ? 'Too many requests' : `Simulated failure (HTTP ${spec.status})`,
          tooMany ? 'Zbyt wiele zapytań. Spróbuj ponownie za chwilę.' : 'Wystąpił błąd po stronie Allegro. Spróbuj ponownie później.')
      }
    }
  }

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const path = relativePath(request.url)
    const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500
    if (status >= 500) request.log.error({ err: error }, 'allegro simulator error')
    if (path.startsWith('/auth/oauth/token') || path.startsWith('/auth/oauth/device') || isControl(path)) {
      return oauthError(reply, status, { error: status >= 500 ? 'server_error' : 'invalid_request', error_description: error.message })
    }
    return html(reply, status, errorPage(status >= 500 ? 'Wystąpił nieoczekiwany błąd symulatora.' : 'Nieprawidłowe żądanie.'))
  })

  app.setNotFoundHandler((_request, reply) => html(reply, 404, errorPage('Taka strona nie istnieje.')))

  // ------------------------------------------------------------------------------------------
  // Web host: OAuth and pages

  app.get('/', async (request, reply) => html(reply, 200, indexPage(webBase(request))))

  app.post('/auth/oauth/device', async (request, reply) => {
    const basic = parseBasic(request.headers.authorization)
    if (basic === null) return unauthorizedClient(reply)
    const p = params(request)
    const clientId = p.client_id
    if (clientId === undefined || clientId === '') {
      return oauthError(reply, 400, { error: 'invalid_request', error_description: 'Missing client_id parameter' })
    }
    if (clientId !== basic.clientId) {
      return oauthError(reply, 400, { error: 'invalid_client', error_description: 'client_id does not match the authenticated client' })
    }
    const scope = p.scope !== undefined && p.scope.trim() !== '' ? p.scope.trim().split(/\s+/) : [...DEFAULT_SCOPES]
    return reply.code(200).type('application/json').header('Cache-Control', 'no-store')
      .send(sim.createDeviceAuthorization(clientId, scope, webBase(request)))
  })

  app.post('/auth/oauth/token', async (request, reply) => {
    const p = params(request)
    const basic = parseBasic(request.headers.authorization)
    // PKCE public clients may identify themselves with client_id alone.
    const publicPkce = basic === null && p.grant_type === 'authorization_code' && p.code_verifier !== undefined && p.client_id !== undefined
    if (basic === null && !publicPkce) return unauthorizedClient(reply)
    const clientId = basic?.clientId ?? p.client_id
    let result: TokenResponse | OAuthError
    switch (p.grant_type) {
      case 'urn:ietf:params:oauth:grant-type:device_code':
        if (p.device_code === undefined) return oauthError(reply, 400, { error: 'invalid_request', error_description: 'Missing device_code parameter' })
        result = sim.pollDeviceToken(clientId, p.device_code)
        break
      case 'refresh_token':
        if (p.refresh_token === undefined) return oauthError(reply, 400, { error: 'invalid_request', error_description: 'Missing refresh_token parameter' })
        result = sim.refreshTokens(clientId, p.refresh_token)
        break
      case 'authorization_code':
        if (p.code === undefined) return oauthError(reply, 400, { error: 'invalid_request', error_description: 'Missing code parameter' })
        result = sim.exchangeAuthorizationCode(clientId, p.code, p.redirect_uri, p.code_verifier)
        break
      case undefined:
        return oauthError(reply, 400, { error: 'invalid_request', error_description: 'Missing grant_type parameter' })
      default:
        return oauthError(reply, 400, { error: 'unsupported_grant_type', error_description: `Unsupported grant type: ${p.grant_type}` })
    }
    if ('error' in result) return oauthError(reply, 400, result)
    return reply.code(200).type('application/json').header('Cache-Control', 'no-store').header('Pragma', 'no-cache').send(result)
  })

  const AUTHORIZE_PARAMS = ['response_type', 'client_id', 'redirect_uri', 'state', 'scope', 'code_challenge', 'code_challenge_method', 'prompt']

  function authorizeParams (p: Record<string, string>): { ok: true, params: Record<string, string> } | { ok: false, message: string } {
    const out: Record<string, string> = {}
    for (const name of AUTHORIZE_PARAMS) if (p[name] !== undefined) out[name] = p[name]
    if (out.response_type !== 'code') return { ok: false, message: 'Nieobsługiwany parametr response_type (oczekiwano "code").' }
    if (out.client_id === undefined || out.client_id === '') return { ok: false, message: 'Brak parametru client_id.' }
    let redirect: URL
    try {
      redirect = new URL(out.redirect_uri ?? '')
    } catch {
      return { ok: false, message: 'Nieprawidłowy adres powrotu (redirect_uri).' }
    }
    if (redirect.protocol !== 'http:' && redirect.protocol !== 'https:') {
      return { ok: false, message: 'Nieprawidłowy adres powrotu (redirect_uri).' }
    }
    if (out.code_challenge_method !== undefined && out.code_challenge_method !== 'S256' && out.code_challenge_method !== 'plain') {
      return { ok: false, message: 'Nieobsługiwana metoda code_challenge_method.' }
    }
    return { ok: true, params: out }
  }

  app.get('/auth/oauth/authorize', async (request, reply) => {
    const checked = authorizeParams(params(request))
    if (!checked.ok) return html(reply, 400, errorPage(checked.message))
    return html(reply, 200, authorizePage({ params: checked.params, login: '' }))
  })

  app.post('/auth/oauth/authorize', async (request, reply) => {
    const p = params(request)
    const checked = authorizeParams(p)
    if (!checked.ok) return html(reply, 400, errorPage(checked.message))
    const q = checked.params
    const back = new URL(q.redirect_uri)
    if (p.decision === 'deny') {
      back.searchParams.set('error', 'access_denied')
      if (q.state !== undefined) back.searchParams.set('state', q.state)
      return reply.redirect(back.toString(), 303)
    }
    const login = (p.login ?? '').trim()
    if (login === '' || (p.password ?? '') === '') {
      return html(reply, 422, authorizePage({ params: q, login, error: 'Podaj login i hasło.' }))
    }
    const seller = sim.findSeller(login, p.password)
    if (seller === undefined) {
      return html(reply, 422, authorizePage({ params: q, login, error: 'Nieprawidłowy login lub hasło.' }))
    }
    const code = sim.createAuthorizationCode({
      clientId: q.client_id,
      redirectUri: q.redirect_uri,
      sellerId: seller.id,
      scope: q.scope !== undefined && q.scope.trim() !== '' ? q.scope.trim().split(/\s+/) : [...DEFAULT_SCOPES],
      codeChallenge: q.code_challenge ?? null,
      codeChallengeMethod: q.code_challenge === undefined ? null : q.code_challenge_method ?? 'plain'
    })
    back.searchParams.set('code', code)
    if (q.state !== undefined) back.searchParams.set('state', q.state)
    return reply.redirect(back.toString(), 303)
  })

  app.get('/skojarz-aplikacje', async (request, reply) => {
    const code = first((request.query as Query).code) ?? ''
    return html(reply, 200, devicePage({ code, login: '' }))
  })

  const DEVICE_ERRORS = {
    unknown_code: 'Nie znaleziono takiego kodu. Sprawdź kod wyświetlony w Biurku i spróbuj ponownie.',
    expired: 'Ten kod wygasł. Wróć do Biurka i rozpocznij powiązanie konta od nowa.',
    used: 'Ten kod został już wykorzystany. Wróć do Biurka.',
    bad_credentials: 'Nieprawidłowy login lub hasło.'
  } as const

  app.post('/skojarz-aplikacje', async (request, reply) => {
    const body = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as Record<string, unknown>
    const str = (v: unknown): string => (typeof v === 'string' ? v : '')
    const code = str(body.code).trim()
    const login = str(body.login).trim()
    const password = str(body.password)
    const again = (error: string): FastifyReply => html(reply, 422, devicePage({ code, login, error }))
    if (code === '') return again('Wpisz kod wyświetlony w Biurku.')
    if (body.decision === 'deny') {
      return sim.rejectDevice(code) ? html(reply, 200, deviceDeniedPage()) : again(DEVICE_ERRORS.unknown_code)
    }
    if (login === '' || password === '') return again('Podaj login i hasło.')
    const result = sim.confirmDevice(code, login, password)
    if (!result.ok) return again(DEVICE_ERRORS[result.reason])
    return html(reply, 200, deviceApprovedPage(result.seller.login))
  })

  // ------------------------------------------------------------------------------------------
  // Control routes

  if (sim.controlRoutes) {
    app.get('/__sim/stats', async () => sim.stats)
    app.get('/__sim/faults', async () => ({ armed: sim.faults.list(), history: sim.faults.history }))
    app.post('/__sim/faults', async (request, reply) => {
      const specs: unknown[] = Array.isArray(request.body) ? request.body : [request.body]
      try {
        const added = specs.map((s) => sim.faults.add(s as Parameters<typeof sim.faults.add>[0]))
        return reply.code(201).send({ faults: added.map((f) => f.id) })
      } catch (error) {
        return reply.code(400).send({ error: 'invalid_fault', error_description: (error as Error).message })
      }
    })
    app.delete('/__sim/faults', async (_request, reply) => {
      sim.faults.clear()
      return reply.code(204).send()
    })
    app.post('/__sim/orders', async (request, reply) => {
      const body = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as Record<string, unknown>
      const count = body.count ?? 1
      if (!Number.isInteger(count) || (count as number) < 0 || (count as number) > 100_000) {
        return reply.code(400).send({ error: 'invalid_request', error_description: 'count must be an integer 0..100000' })
      }
      const date = (v: unknown): Date | undefined => (typeof v === 'string' ? new Date(v) : undefined)
      try {
        const added = sim.addOrders(count as number, {
          seller: body.seller as string | undefined,
          hostile: body.hostile === true,
          status: body.status as CheckoutFormStatus | undefined,
          invoice: body.invoice as AddOrdersOptions['invoice'],
          payment: body.payment as AddOrdersOptions['payment'],
          marketplace: body.marketplace as AddOrdersOptions['marketplace'],
          lineItems: body.lineItems as number | undefined,
          at: date(body.at),
          from: date(body.from),
          to: date(body.to)
        })
        return reply.code(201).send({ count: added.length, ids: added.map((o) => o.id) })
      } catch (error) {
        return reply.code(400).send({ error: 'invalid_request', error_description: (error as Error).message })
      }
    })
    app.post('/__sim/expire-access-tokens', async (_request, reply) => {
      sim.expireAccessTokens()
      return reply.code(204).send()
    })
    app.post('/__sim/revoke-tokens', async (request, reply) => {
      const login = (request.body as { login?: unknown } | undefined)?.login
      try {
        sim.revokeTokens(typeof login === 'string' ? login : '')
      } catch (error) {
        return reply.code(400).send({ error: 'invalid_request', error_description: (error as Error).message })
      }
      return reply.code(204).send()
    })
  }

  // ------------------------------------------------------------------------------------------
  // API host

  await app.register(async (api) => {
    api.removeAllContentTypeParsers()
    api.addContentTypeParser(ALLEGRO_MEDIA_TYPE, { parseAs: 'string', bodyLimit: JSON_BODY_LIMIT }, parseJson)
    api.addContentTypeParser('application/pdf', parsePdf)

    api.addHook('onRequest', async (request, reply) => {
      if (!acceptsAllegroJson(request.headers.accept)) {
        return allegroError(reply, 406, 'NotAcceptableException',
          `Not acceptable representation. Use Accept: ${ALLEGRO_MEDIA_TYPE}`,
          'Nieobsługiwany format odpowiedzi. Wyślij nagłówek Accept: application/vnd.allegro.public.v1+json.')
      }
      const header = request.headers.authorization
      const m = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header)
      if (m === null) return invalidToken(reply, 'Full authentication is required to access this resource')
      const auth = sim.authenticate(m[1])
      if (!auth.ok) return invalidToken(reply, auth.description)
      const required = (request.routeOptions.config as RouteConfig | undefined)?.scope
      if (required !== undefined && !auth.scope.includes(required)) {
        return allegroError(reply, 403, 'AccessDenied', `Missing scope ${required}`, 'Aplikacja nie ma uprawnień do tej operacji.')
      }
      authByRequest.set(request, auth)
    })

    api.setErrorHandler((error: FastifyError, request, reply) => {
      if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
        return allegroError(reply, 415, 'UnsupportedMediaTypeException', `Unsupported Content-Type: ${request.headers['content-type'] ?? '(none)'}`,
          'Nieobsługiwany typ treści żądania (Content-Type).')
      }
      if (error.statusCode === 413 || error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        return allegroError(reply, 413, 'PayloadTooLargeException', 'Request body too large', 'Przesłany plik lub treść są za duże.')
      }
      const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500
      if (status === 500) {
        request.log.error({ err: error }, 'allegro simulator error')
        return allegroError(reply, 500, 'InternalServerErrorException', 'Internal server error', 'Wystąpił błąd po stronie Allegro. Spróbuj ponownie później.')
      }
      return allegroError(reply, status, 'InvalidRequestException', error.message, 'Nieprawidłowe żądanie.')
    })

    api.setNotFoundHandler((request, reply) => allegroError(reply, 404, 'NotFoundException',
      `Resource not found: ${request.method} ${relativePath(request.url).split('?')[0]}`, 'Nie znaleziono zasobu.'))

    const authOf = (request: FastifyRequest): AuthContext => {
      const auth = authByRequest.get(request)
      if (auth === undefined) throw new HttpError(401, 'unauthenticated')
      return auth
    }
    const ok = (reply: FastifyReply, body: unknown, status = 200): FastifyReply =>
      reply.code(status).type(ALLEGRO_MEDIA_TYPE).send(body)
    const orderNotFound = (reply: FastifyReply, id: string): FastifyReply =>
      allegroError(reply, 404, 'CheckoutFormNotFoundException', `Checkout form with id ${id} not found`, 'Nie znaleziono zamówienia.')
    const malformedId = (reply: FastifyReply): FastifyReply =>
      validationError(reply, 422, 'checkoutFormId', 'Checkout form id must be a UUID', 'Nieprawidłowy identyfikator zamówienia.')

    api.get('/me', { config: { scope: 'allegro:api:profile:read' } }, async (request, reply) => {
      const { seller } = authOf(request)
      return ok(reply, {
        id: seller.id,
        login: seller.login,
        firstName: seller.firstName,
        lastName: seller.lastName,
        email: seller.email,
        baseMarketplace: { id: 'allegro-pl' },
        company: { name: seller.companyName, taxId: seller.nip }
      })
    })

    api.get('/order/event-stats', { config: { scope: 'allegro:api:orders:read' } }, async (request, reply) => {
      return ok(reply, { latestEvent: sim.latestEvent(authOf(request).seller.id) })
    })

    api.get('/order/events', { config: { scope: 'allegro:api:orders:read' } }, async (request, reply) => {
      const q = request.query as Query
      const limit = intParam(first(q.limit), 100)
      if (!limit.ok) return validationError(reply, 400, 'limit', 'limit must be an integer', 'Parametr limit musi być liczbą całkowitą.')
      if (limit.value < 1 || limit.value > 1000) {
        return validationError(reply, 422, 'limit', 'limit must be between 1 and 1000', 'Parametr limit musi mieścić się w zakresie 1–1000.')
      }
      const fromRaw = first(q.from)
      let from: number | undefined
      if (fromRaw !== undefined && fromRaw !== '') {
        if (!/^\d{1,16}$/.test(fromRaw)) return validationError(reply, 400, 'from', 'from must be an event id', 'Parametr from musi być identyfikatorem zdarzenia.')
        from = Number(fromRaw)
      }
      const types = list(q.type)
      if (types !== undefined && types.some((t) => !(ORDER_EVENT_TYPES as readonly string[]).includes(t))) {
        return validationError(reply, 400, 'type', 'Unknown event type', 'Nieznany typ zdarzenia.')
      }
      return ok(reply, { events: sim.queryEvents(authOf(request).seller.id, from, limit.value, types) })
    })

    api.get('/order/checkout-forms', { config: { scope: 'allegro:api:orders:read' } }, async (request, reply) => {
      const q = request.query as Query
      const limit = intParam(first(q.limit), 100)
      const offset = intParam(first(q.offset), 0)
      if (!limit.ok) return validationError(reply, 400, 'limit', 'limit must be an integer', 'Parametr limit musi być liczbą całkowitą.')
      if (!offset.ok) return validationError(reply, 400, 'offset', 'offset must be an integer', 'Parametr offset musi być liczbą całkowitą.')
      if (limit.value < 1 || limit.value > 100) {
        return validationError(reply, 422, 'limit', 'limit must be between 1 and 100', 'Parametr limit musi mieścić się w zakresie 1–100.')
      }
      if (offset.value < 0) return validationError(reply, 422, 'offset', 'offset must not be negative', 'Parametr offset nie może być ujemny.')
      if (offset.value + limit.value > 10000) {
        return validationError(reply, 422, 'offset', 'The sum of offset and limit must not exceed 10000',
          'Suma parametrów offset i limit nie może przekraczać 10 000. Zawęź zakres dat.')
      }
      const query: CheckoutFormQuery = { sort: '-lineItems.boughtAt', offset: offset.value, limit: limit.value }
      const sort = first(q.sort)
      if (sort !== undefined) {
        if (!(CHECKOUT_FORM_SORTS as readonly string[]).includes(sort)) {
          return validationError(reply, 400, 'sort', `Unsupported sort: ${sort}`, 'Nieobsługiwany sposób sortowania.')
        }
        query.sort = sort as CheckoutFormQuery['sort']
      }
      const status = first(q.status)
      if (status !== undefined) {
        if (!(CHECKOUT_FORM_STATUSES as readonly string[]).includes(status)) {
          return validationError(reply, 400, 'status', `Unknown status: ${status}`, 'Nieznany status zamówienia.')
        }
        query.status = status as CheckoutFormStatus
      }
      const dates: [string, 'boughtAtGte' | 'boughtAtLte' | 'updatedAtGte' | 'updatedAtLte'][] = [
        ['lineItems.boughtAt.gte', 'boughtAtGte'], ['lineItems.boughtAt.lte', 'boughtAtLte'],
        ['updatedAt.gte', 'updatedAtGte'], ['updatedAt.lte', 'updatedAtLte']
      ]
      for (const [name, key] of dates) {
        const value = dateParam(first(q[name]))
        if (value === null) {
          return validationError(reply, 400, name, `${name} must be an ISO 8601 date-time`, `Parametr ${name} musi być datą w formacie ISO 8601.`)
        }
        if (value !== undefined) query[key] = value
      }
      query.buyerLogin = first(q['buyer.login'])
      query.marketplaceId = first(q['marketplace.id'])
      query.paymentId = first(q['payment.id'])
      query.deliveryMethodId = first(q['delivery.method.id'])
      query.fulfillmentStatus = first(q['fulfillment.status'])
      return ok(reply, sim.queryCheckoutForms(authOf(request).seller.id, query))
    })

    api.get('/order/checkout-forms/:id', { config: { scope: 'allegro:api:orders:read' } }, async (request, reply) => {
      const { id } = request.params as { id: string }
      if (!UUID_RE.test(id)) return malformedId(reply)
      const form = sim.getCheckoutForm(authOf(request).seller.id, id)
      return form === undefined ? orderNotFound(reply, id) : ok(reply, form)
    })

    api.get('/order/checkout-forms/:id/invoices', { config: { scope: 'allegro:api:orders:read' } }, async (request, reply) => {
      const { id } = request.params as { id: string }
      if (!UUID_RE.test(id)) return malformedId(reply)
      const resource = sim.invoicesResource(authOf(request).seller.id, id)
      return resource === undefined ? orderNotFound(reply, id) : ok(reply, resource)
    })

    api.post('/order/checkout-forms/:id/invoices', { config: { scope: 'allegro:api:orders:write' } }, async (request, reply) => {
      const { id } = request.params as { id: string }
      if (!UUID_RE.test(id)) return malformedId(reply)
      const body = request.body as { file?: { name?: unknown }, invoiceNumber?: unknown } | undefined
      const name = typeof body === 'object' && body !== null && typeof body.file === 'object' && body.file !== null ? body.file.name : undefined
      if (typeof name !== 'string' || name.trim() === '' || name.length > 255) {
        return validationError(reply, 422, 'file.name', 'file.name is required (1-255 characters)', 'Podaj nazwę pliku faktury.')
      }
      const number = body?.invoiceNumber
      if (number !== undefined && number !== null && (typeof number !== 'string' || number.length > 100)) {
        return validationError(reply, 422, 'invoiceNumber', 'invoiceNumber must be a string of at most 100 characters', 'Nieprawidłowy numer faktury.')
      }
      const result = sim.createInvoice(authOf(request).seller.id, id, name, typeof number === 'string' ? number : null)
      if (result.ok) return ok(reply, { id: result.id }, 201)
      if (result.reason === 'not_found') return orderNotFound(reply, id)
      if (result.reason === 'limit') {
        return allegroError(reply, 422, 'INVOICES-LIMIT-EXCEEDED', 'An order can have at most 10 invoices',
          'Do zamówienia można dodać najwyżej 10 faktur.')
      }
      return allegroError(reply, 422, 'ORDER-WITHOUT-INVOICE', 'The buyer did not request an invoice for this order',
        'Kupujący nie prosił o fakturę do tego zamówienia.')
    })

    api.put('/order/checkout-forms/:id/invoices/:invoiceId/file', { config: { scope: 'allegro:api:orders:write' } }, async (request, reply) => {
      const { id, invoiceId } = request.params as { id: string, invoiceId: string }
      if (!UUID_RE.test(id)) return malformedId(reply)
      if (request.body === TOO_LARGE) {
        return allegroError(reply, 413, 'PayloadTooLargeException', 'Invoice file larger than 3 MB',
          'Plik faktury jest za duży (maksymalnie 3 MB).')
      }
      const file = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0)
      const result = sim.uploadInvoiceFile(authOf(request).seller.id, id, invoiceId, file)
      if (result.ok) return reply.code(200).send()
      switch (result.reason) {
        case 'order_not_found':
          return orderNotFound(reply, id)
        case 'invoice_not_found':
          return allegroError(reply, 404, 'InvoiceNotFoundException', `Invoice ${invoiceId} not found`, 'Nie znaleziono faktury.')
        case 'conflict':
          return allegroError(reply, 409, 'INVOICE-FILE-ALREADY-UPLOADED', 'This invoice already has a file', 'Ta faktura ma już przesłany plik.')
        case 'too_large':
          return allegroError(reply, 413, 'PayloadTooLargeException', 'Invoice file larger than 3 MB', 'Plik faktury jest za duży (maksymalnie 3 MB).')
        case 'empty':
          return allegroError(reply, 422, 'EMPTY-ATTACHMENT', 'The file is empty', 'Przesłany plik jest pusty.')
        case 'not_pdf':
          return allegroError(reply, 422, 'FILE-CONTENT-INVALID', 'The file is not a PDF document', 'Przesłany plik nie jest dokumentem PDF.')
      }
    })

    api.get('/sale/offers', { config: { scope: 'allegro:api:sale:offers:read' } }, async (request, reply) => {
      const q = request.query as Query
      const limit = intParam(first(q.limit), 20)
      const offset = intParam(first(q.offset), 0)
      if (!limit.ok) return validationError(reply, 400, 'limit', 'limit must be an integer', 'Parametr limit musi być liczbą całkowitą.')
      if (!offset.ok) return validationError(reply, 400, 'offset', 'offset must be an integer', 'Parametr offset musi być liczbą całkowitą.')
      if (limit.value < 1 || limit.value > 1000) {
        return validationError(reply, 422, 'limit', 'limit must be between 1 and 1000', 'Parametr limit musi mieścić się w zakresie 1–1000.')
      }
      if (offset.value < 0 || offset.value > 9_999_999) {
        return validationError(reply, 422, 'offset', 'offset must be between 0 and 9999999', 'Nieprawidłowa wartość parametru offset.')
      }
      const query: OfferQuery = { offset: offset.value, limit: limit.value }
      query.ids = list(q['offer.id']) ?? list(q['offer.id[]'])
      query.externalIds = list(q['external.id']) ?? list(q['external.id[]'])
      if (query.externalIds !== undefined && (query.externalIds.length > 100 || query.externalIds.some((v) => v.length > 100))) {
        return validationError(reply, 422, 'external.id', 'At most 100 external.id values of at most 100 characters',
          'Można podać najwyżej 100 sygnatur, każdą do 100 znaków.')
      }
      query.statuses = list(q['publication.status']) ?? list(q['publication.status[]'])
      query.name = first(q.name)
      for (const [name, key] of [['sellingMode.price.amount.gte', 'priceGte'], ['sellingMode.price.amount.lte', 'priceLte']] as const) {
        const raw = first(q[name])
        if (raw === undefined) continue
        const minor = parseMinor(raw)
        if (minor === null) return validationError(reply, 400, name, `${name} must be a decimal amount`, 'Nieprawidłowa kwota.')
        query[key] = minor
      }
      const sort = first(q.sort)
      if (sort !== undefined) {
        if (!OFFER_SORTS.includes(sort.replace(/^-/, ''))) return validationError(reply, 400, 'sort', `Unsupported sort: ${sort}`, 'Nieobsługiwany sposób sortowania.')
        query.sort = sort
      }
      const result = sim.queryOffers(authOf(request).seller.id, query)
      return ok(reply, { offers: result.offers.map(renderOffer), count: result.count, totalCount: result.totalCount })
    })

    const offerFor = (request: FastifyRequest, reply: FastifyReply): SimOffer | FastifyReply => {
      const { offerId } = request.params as { offerId: string }
      const offer = /^\d{1,20}$/.test(offerId) ? sim.findOffer(offerId) : undefined
      if (offer === undefined) return allegroError(reply, 404, 'NotFoundException', `Offer ${offerId} not found`, 'Nie znaleziono oferty.')
      if (offer.sellerId !== authOf(request).seller.id) {
        return allegroError(reply, 403, 'AccessDenied', 'You are not the owner of this offer', 'To nie jest Twoja oferta.')
      }
      return offer
    }

    api.get('/sale/product-offers/:offerId', { config: { scope: 'allegro:api:sale:offers:read' } }, async (request, reply) => {
      const offer = offerFor(request, reply)
      return 'sellerId' in offer ? ok(reply, renderProductOffer(offer)) : offer
    })

    api.patch('/sale/product-offers/:offerId', { config: { scope: 'allegro:api:sale:offers:write' } }, async (request, reply) => {
      const offer = offerFor(request, reply)
      if (!('sellerId' in offer)) return offer
      const body = request.body as { stock?: { available?: unknown } } | undefined
      const available = typeof body === 'object' && body !== null && typeof body.stock === 'object' && body.stock !== null
        ? body.stock.available
        : undefined
      if (available !== undefined) {
        if (!Number.isInteger(available) || (available as number) < 0 || (available as number) > 1_000_000) {
          return validationError(reply, 422, 'stock.available', 'stock.available must be an integer 0..1000000',
            'Liczba sztuk musi być liczbą całkowitą od 0 do 1 000 000.')
        }
        sim.setOfferStock(offer, available as number)
      }
      return ok(reply, renderProductOffer(offer))
    })
  }, { prefix: '/api' })
}

function parseJson (_request: FastifyRequest, body: string | Buffer, done: (err: Error | null, body?: unknown) => void): void {
  const text = typeof body === 'string' ? body : body.toString('utf8')
  if (text.trim() === '') {
    done(null, undefined)
    return
  }
  try {
    done(null, JSON.parse(text))
  } catch {
    done(new HttpError(400, 'Malformed JSON body'), undefined)
  }
}

/** Reads the whole upload (so the client always gets an answer) but keeps at most 3 MB of it. */
function parsePdf (_request: FastifyRequest, payload: IncomingMessage, done: (err: Error | null, body?: unknown) => void): void {
  const chunks: Buffer[] = []
  let size = 0
  let over = false
  let settled = false
  const settle = (err: Error | null, body?: unknown): void => {
    if (settled) return
    settled = true
    done(err, body)
  }
  payload.on('data', (chunk: Buffer) => {
    size += chunk.length
    if (size > PDF_HARD_LIMIT) {
      payload.destroy()
      settle(new HttpError(413, 'Request body too large'))
      return
    }
    if (over) return
    if (size > MAX_INVOICE_FILE_BYTES) {
      over = true
      chunks.length = 0
      return
    }
    chunks.push(chunk)
  })
  payload.on('end', () => settle(null, over ? TOO_LARGE : Buffer.concat(chunks)))
  payload.on('error', (err) => settle(err))
}
