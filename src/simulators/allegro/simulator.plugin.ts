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
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { normalizeSimPath } from './faults.ts'
import type { Fault } from './faults.ts'
import { errorPage, indexPage } from './pages.ts'
import type { AllegroSimulator } from './simulator.ts'
import {
  ALLEGRO_MEDIA_TYPE,
  FORM_BODY_LIMIT,
  HttpError,
  JSON_BODY_LIMIT,
  acceptsAllegroJson,
  allegroError,
  html,
  invalidToken,
  oauthError,
  parseJson,
  parsePdf,
  sleep,
  validationError,
  type ApiContext,
  type AuthContext,
  type RouteConfig
} from './http.ts'
import { registerBuyerRoutes } from './buyer.routes.ts'
import { registerControlRoutes } from './control.routes.ts'
import { registerInvoiceRoutes } from './invoices.routes.ts'
import { registerOAuthRoutes } from './oauth.routes.ts'
import { registerOfferRoutes } from './offers.routes.ts'
import { registerOrderRoutes } from './orders.routes.ts'

export interface AllegroSimulatorPluginOptions {
  simulator: AllegroSimulator
}

// ---------------------------------------------------------------------------------------------

export default async function allegroSimulatorPlugin(
  app: FastifyInstance,
  opts: AllegroSimulatorPluginOptions
): Promise<void> {
  const sim = opts.simulator
  if (sim === undefined) throw new Error('allegroSimulatorPlugin: opts.simulator is required')
  const prefix = app.prefix
  const authByRequest = new WeakMap<FastifyRequest, AuthContext>()
  /** Faults that change a successful answer's body rather than replace the answer. */
  const bodyFaultByRequest = new WeakMap<FastifyRequest, Fault>()

  const relativePath = (url: string): string => {
    let p = url.split('?')[0]
    if (prefix !== '' && p.startsWith(prefix)) p = p.slice(prefix.length)
    return p === '' ? '/' : p
  }
  const isControl = (path: string): boolean => path === '/__sim' || path.startsWith('/__sim/')
  const webBase = (request: FastifyRequest): string => `${request.protocol}://${request.host}${prefix}`

  // Own parsers only: whatever the host registered does not apply inside this scope.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT },
    (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)))
    }
  )
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: JSON_BODY_LIMIT }, parseJson)

  app.addHook('onRequest', async (request, reply) => {
    reply.header('Trace-Id', randomBytes(16).toString('hex'))
    const path = relativePath(request.url)
    if (isControl(path)) return
    // the web host is anonymous; the API needs a token, and the app's import may call it thousands of times
    if (sim.webLimiter !== null && path !== '/api' && !path.startsWith('/api/')) {
      const decision = sim.webLimiter.check('web', '', request.ip)
      if (!decision.ok) {
        reply.header('Retry-After', String(decision.retryAfterSeconds))
        return path.startsWith('/auth/oauth/token') || path.startsWith('/auth/oauth/device')
          ? oauthError(reply, 429, { error: 'too_many_requests', error_description: decision.message })
          : html(reply, 429, errorPage(`Zbyt wiele żądań z Twojego adresu. ${decision.message}`))
      }
    }
    const route = request.routeOptions.url
    sim.countRequest(`${request.method} ${route === undefined ? '(not found)' : normalizeSimPath(relativePath(route))}`)
    sim.materialize()
    const fault = sim.faults.take(request.method, path)
    if (fault === undefined) return
    sim.countFault()
    return await applyFault(fault, request, reply, path)
  })

  async function applyFault(
    fault: Fault,
    request: FastifyRequest,
    reply: FastifyReply,
    path: string
  ): Promise<FastifyReply | undefined> {
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
        return reply
          .code(spec.status ?? 200)
          .type(oauthPath ? 'application/json' : ALLEGRO_MEDIA_TYPE)
          .send('{"checkoutForms": [{"id": "6f1c2b3a-9d84-11f0-8a21-5b7c0e4d1a77", "buyer": {"login": ')
      case 'expiredToken':
        return invalidToken(reply, 'Access token expired')
      case 'shortPages':
      case 'transform':
        bodyFaultByRequest.set(request, fault)
        return undefined
      case 'status': {
        if (spec.retryAfter !== undefined) reply.header('Retry-After', String(spec.retryAfter))
        for (const [k, v] of Object.entries(spec.headers ?? {})) reply.header(k, v)
        reply.code(spec.status)
        if (spec.body !== undefined) {
          return reply
            .type(
              typeof spec.body === 'string'
                ? 'text/plain; charset=utf-8'
                : oauthPath
                  ? 'application/json'
                  : ALLEGRO_MEDIA_TYPE
            )
            .send(spec.body)
        }
        if (oauthPath) {
          return reply.type('application/json').send({
            error: spec.status === 429 ? 'too_many_requests' : 'server_error',
            error_description: `Simulated failure (HTTP ${spec.status})`
          })
        }
        const tooMany = spec.status === 429
        return allegroError(
          reply,
          spec.status,
          tooMany ? 'TooManyRequestsException' : spec.status >= 500 ? 'InternalServerErrorException' : 'SimulatedError',
          tooMany ? 'Too many requests' : `Simulated failure (HTTP ${spec.status})`,
          tooMany
            ? 'Zbyt wiele zapytań. Spróbuj ponownie za chwilę.'
            : 'Wystąpił błąd po stronie Allegro. Spróbuj ponownie później.'
        )
      }
    }
  }

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const path = relativePath(request.url)
    const status =
      error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500
    if (status >= 500) request.log.error({ err: error }, 'allegro simulator error')
    if (path.startsWith('/auth/oauth/token') || path.startsWith('/auth/oauth/device') || isControl(path)) {
      return oauthError(reply, status, {
        error: status >= 500 ? 'server_error' : 'invalid_request',
        error_description: error.message
      })
    }
    return html(
      reply,
      status,
      errorPage(status >= 500 ? 'Wystąpił nieoczekiwany błąd symulatora.' : 'Nieprawidłowe żądanie.')
    )
  })

  app.setNotFoundHandler((_request, reply) => html(reply, 404, errorPage('Taka strona nie istnieje.')))

  // ------------------------------------------------------------------------------------------
  // Web host: OAuth and pages

  app.get('/', async (request, reply) => html(reply, 200, indexPage(webBase(request))))

  registerOAuthRoutes(app, sim, webBase)
  registerBuyerRoutes(app, sim)

  if (sim.controlRoutes) registerControlRoutes(app, sim)

  // API host

  await app.register(
    async (api) => {
      api.removeAllContentTypeParsers()
      api.addContentTypeParser(ALLEGRO_MEDIA_TYPE, { parseAs: 'string', bodyLimit: JSON_BODY_LIMIT }, parseJson)
      api.addContentTypeParser('application/pdf', parsePdf)

      api.addHook('onRequest', async (request, reply) => {
        if (!acceptsAllegroJson(request.headers.accept)) {
          return allegroError(
            reply,
            406,
            'NotAcceptableException',
            `Not acceptable representation. Use Accept: ${ALLEGRO_MEDIA_TYPE}`,
            'Nieobsługiwany format odpowiedzi. Wyślij nagłówek Accept: application/vnd.allegro.public.v1+json.'
          )
        }
        const header = request.headers.authorization
        const m = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header)
        if (m === null) return invalidToken(reply, 'Full authentication is required to access this resource')
        const auth = sim.authenticate(m[1])
        if (!auth.ok) return invalidToken(reply, auth.description)
        const required = (request.routeOptions.config as RouteConfig | undefined)?.scope
        if (required !== undefined && !auth.scope.includes(required)) {
          return allegroError(
            reply,
            403,
            'AccessDenied',
            `Missing scope ${required}`,
            'Aplikacja nie ma uprawnień do tej operacji.'
          )
        }
        authByRequest.set(request, auth)
      })

      api.setErrorHandler((error: FastifyError, request, reply) => {
        if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
          return allegroError(
            reply,
            415,
            'UnsupportedMediaTypeException',
            `Unsupported Content-Type: ${request.headers['content-type'] ?? '(none)'}`,
            'Nieobsługiwany typ treści żądania (Content-Type).'
          )
        }
        if (error.statusCode === 413 || error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
          return allegroError(
            reply,
            413,
            'PayloadTooLargeException',
            'Request body too large',
            'Przesłany plik lub treść są za duże.'
          )
        }
        const status =
          error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500
        if (status === 500) {
          request.log.error({ err: error }, 'allegro simulator error')
          return allegroError(
            reply,
            500,
            'InternalServerErrorException',
            'Internal server error',
            'Wystąpił błąd po stronie Allegro. Spróbuj ponownie później.'
          )
        }
        return allegroError(reply, status, 'InvalidRequestException', error.message, 'Nieprawidłowe żądanie.')
      })

      api.setNotFoundHandler((request, reply) =>
        allegroError(
          reply,
          404,
          'NotFoundException',
          `Resource not found: ${request.method} ${relativePath(request.url).split('?')[0]}`,
          'Nie znaleziono zasobu.'
        )
      )

      const authOf = (request: FastifyRequest): AuthContext => {
        const auth = authByRequest.get(request)
        if (auth === undefined) throw new HttpError(401, 'unauthenticated')
        return auth
      }
      const ok = (reply: FastifyReply, body: unknown, status = 200): FastifyReply => {
        const fault = bodyFaultByRequest.get(reply.request)
        return reply
          .code(status)
          .type(ALLEGRO_MEDIA_TYPE)
          .send(fault === undefined ? body : alterBody(fault, body))
      }
      const orderNotFound = (reply: FastifyReply, id: string): FastifyReply =>
        allegroError(
          reply,
          404,
          'CheckoutFormNotFoundException',
          `Checkout form with id ${id} not found`,
          'Nie znaleziono zamówienia.'
        )
      const malformedId = (reply: FastifyReply): FastifyReply =>
        validationError(
          reply,
          422,
          'checkoutFormId',
          'Checkout form id must be a UUID',
          'Nieprawidłowy identyfikator zamówienia.'
        )

      const ctx: ApiContext = { sim, authOf, ok, orderNotFound, malformedId }
      registerOrderRoutes(api, ctx)
      registerInvoiceRoutes(api, ctx)
      registerOfferRoutes(api, ctx)
    },
    { prefix: '/api' }
  )
}

function alterBody(fault: Fault, body: unknown): unknown {
  const spec = fault.spec
  const copy = structuredClone(body)
  if (spec.kind === 'transform') return spec.transform(copy)
  if (spec.kind !== 'shortPages' || typeof copy !== 'object' || copy === null) return copy
  const record = copy as Record<string, unknown>
  for (const key of ['checkoutForms', 'offers']) {
    const items = record[key]
    if (!Array.isArray(items)) continue
    record[key] = items.slice(0, spec.pageSize)
    record.count = Math.min(items.length, spec.pageSize)
    record.totalCount = spec.totalCount
  }
  return record
}
