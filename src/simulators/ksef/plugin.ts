// HTTP face of the KSeF simulator: the API at `${prefix}/v2` (paths of open-api.json), UPO
// download links at `${prefix}/upo/…`, the QR verification page at `${prefix}/qr/invoice/…`
// (mirrors qr.ksef.mf.gov.pl) and simulator-only helpers at `${prefix}/demo/…`.
import { createHash } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { FaultSpec } from './faults.ts'
import { ksefTokenPage, qrCertificatePage, qrInvoicePage } from './pages.ts'
import type { Limit } from '../shared/rate-limits.ts'
import { KsefApiError, type AccessClaims, type KsefSimulator } from './simulator.ts'

export interface KsefSimulatorPluginOptions {
  simulator: KsefSimulator
  /** enables POST/GET/DELETE /demo/faults (fault injection over HTTP; tests may use simulator.faults directly) */
  controlRoutes?: boolean
}

declare module 'fastify' {
  interface FastifyContextConfig {
    ksefGroup?: string
    /** anonymous and stateful (POST /auth/challenge): the always-on public limit applies too */
    ksefAnonymous?: boolean
  }
}

// the groups of PUBLIC_LIMITS
const DEMO_GROUP = 'demo'
const QR_GROUP = 'qr'
const CHALLENGE_GROUP = 'challenge'

function bearer(request: FastifyRequest): string | undefined {
  const h = request.headers.authorization
  if (typeof h !== 'string') return undefined
  const m = /^Bearer\s+(\S+)$/i.exec(h)
  return m === null ? undefined : m[1]
}

function sendError(reply: FastifyReply, error: KsefApiError, referenceNumber?: string): FastifyReply {
  const timestamp = new Date().toISOString()
  if (error.httpStatus === 401 || error.httpStatus === 403) {
    return reply
      .code(error.httpStatus)
      .type('application/problem+json')
      .send({
        title: error.httpStatus === 401 ? 'Unauthorized' : 'Forbidden',
        status: error.httpStatus,
        detail: error.description,
        ...(error.httpStatus === 403 ? { reasonCode: 'missing-permissions' } : {}),
        timestamp
      })
  }
  return reply
    .code(error.httpStatus)
    .type('application/json')
    .send({
      exception: {
        exceptionDetailList: [
          { exceptionCode: error.code, exceptionDescription: error.description, details: error.details }
        ],
        ...(referenceNumber === undefined ? {} : { referenceNumber }),
        serviceCode: `SIM-${Date.now().toString(36).toUpperCase()}`,
        serviceCtx: 'srvSIMKSEF',
        serviceName: 'Symulator KSeF',
        timestamp
      }
    })
}

function tooMany(reply: FastifyReply, seconds: number, message: string): FastifyReply {
  return reply
    .code(429)
    .header('retry-after', String(seconds))
    .type('application/json')
    .send({ status: { code: 429, description: 'Too Many Requests', details: [message] } })
}

const sleep = async (ms: number): Promise<void> => {
  await new Promise((resolve) => setTimeout(resolve, ms))
}

export default async function ksefSimulatorPlugin(
  app: FastifyInstance,
  opts: KsefSimulatorPluginOptions
): Promise<void> {
  const sim = opts.simulator
  const prefixLength = app.prefix.length
  const demoLimiter = sim.publicLimiter

  // the token page's form; inside the app the host's formbody already parses it
  if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) {
    app.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 4096 },
      (_request, body, done) => {
        done(null, Object.fromEntries(new URLSearchParams(String(body))))
      }
    )
  }
  app.addContentTypeParser(
    ['application/xml', 'text/xml'],
    { parseAs: 'string', bodyLimit: 1024 * 1024 },
    (_request, body, done) => {
      done(null, body)
    }
  )

  app.setErrorHandler((error: unknown, _request, reply) => {
    if (error instanceof KsefApiError) return sendError(reply, error)
    const status = (error as { statusCode?: number }).statusCode ?? 500
    const message = error instanceof Error ? error.message : String(error)
    if (status >= 400 && status < 500)
      return sendError(reply, new KsefApiError(400, 21405, 'Błąd walidacji danych wejściowych.', [message]))
    app.log.error({ err: error }, 'KSeF simulator: unexpected error')
    return sendError(reply, new KsefApiError(500, 500, 'Nieznany błąd.', []))
  })

  // faults, then KSeF's request limits (per NIP context and client address)
  app.addHook('onRequest', async (request, reply) => {
    await sim.ready()
    sim.sweep()
    const path = request.url.slice(prefixLength)
    if (path.startsWith('/v2/') || path.startsWith('/upo/')) {
      const fault = sim.faults.take(request.method, path)
      if (fault !== undefined) {
        const spec = fault.spec
        switch (spec.kind) {
          case 'delay':
            await sleep(spec.ms)
            break
          case 'reset':
            request.raw.socket.destroy()
            return await reply.hijack()
          case 'malformed':
            return await reply
              .code(spec.status ?? 200)
              .type('application/json')
              .send('{"referenceNumber": "2026')
          case 'expiredToken':
            return await sendError(reply, new KsefApiError(401, 0, 'Token wygasł.'))
          case 'status':
            if (spec.status === 429)
              return await tooMany(reply, spec.retryAfter ?? 1, 'Przekroczono limit żądań (błąd wstrzyknięty).')
            if (spec.retryAfter !== undefined) reply.header('retry-after', String(spec.retryAfter))
            if (spec.body !== undefined) return await reply.code(spec.status).send(spec.body)
            return await sendError(
              reply,
              new KsefApiError(
                spec.status,
                spec.status >= 500 ? 500 : 21405,
                spec.status >= 500 ? 'Nieznany błąd.' : 'Błąd wstrzyknięty.',
                ['Błąd wstrzyknięty w symulatorze KSeF.']
              )
            )
          default:
            break
        }
      }
    }
    const group = request.routeOptions.config.ksefGroup
    if (request.routeOptions.config.ksefAnonymous === true) {
      const decision = demoLimiter.check(CHALLENGE_GROUP, '', request.ip)
      if (!decision.ok) return await tooMany(reply, decision.retryAfterSeconds, decision.message)
    }
    if (group === DEMO_GROUP || group === QR_GROUP) {
      // always on: issuing a certificate costs an RSA key generation
      const decision = demoLimiter.check(group, '', request.ip)
      if (!decision.ok) return await tooMany(reply, decision.retryAfterSeconds, decision.message)
    } else if (group !== undefined && sim.limiter !== null) {
      const decision = sim.limiter.check(group, sim.contextOf(bearer(request)), request.ip)
      if (!decision.ok) return await tooMany(reply, decision.retryAfterSeconds, decision.message)
    }
  })

  const processingFault = (request: FastifyRequest): boolean =>
    sim.faults.take(request.method, request.url.slice(prefixLength), ['processing']) !== undefined
  const who = (request: FastifyRequest): AccessClaims => sim.access(bearer(request))
  const xml = (reply: FastifyReply, body: string | Buffer, hash?: string): FastifyReply => {
    if (hash !== undefined) reply.header('x-ms-meta-hash', hash)
    return reply.type('application/xml').send(body)
  }
  const g = (ksefGroup: string): { config: { ksefGroup: string } } => ({ config: { ksefGroup } })
  type Params = Record<string, string>

  app.get('/v2/security/public-key-certificates', g('publicKeys'), async () => sim.publicKeyCertificates())

  app.post('/v2/auth/challenge', { config: { ksefGroup: 'auth', ksefAnonymous: true } }, async (request) =>
    sim.challenge({ ip: request.ip })
  )
  app.post('/v2/auth/ksef-token', g('auth'), async (request, reply) =>
    reply.code(202).send(sim.authWithKsefToken(request.body, processingFault(request)))
  )
  app.post('/v2/auth/xades-signature', g('auth'), async (request, reply) => {
    if (typeof request.body !== 'string')
      throw new KsefApiError(400, 21001, 'Nieczytelna treść.', [
        'Oczekiwano dokumentu XML (Content-Type: application/xml).'
      ])
    return reply.code(202).send(await sim.authWithXades(request.body, processingFault(request)))
  })
  app.post('/v2/auth/token/redeem', g('auth'), async (request) => sim.redeem(bearer(request)))
  app.post('/v2/auth/token/refresh', g('auth'), async (request) => sim.refresh(bearer(request)))
  app.get<{ Params: Params }>('/v2/auth/:referenceNumber', g('auth'), async (request) =>
    sim.authStatus(bearer(request), request.params.referenceNumber)
  )

  app.post('/v2/sessions/online', g('onlineSession'), async (request, reply) => {
    const claims = who(request)
    return reply.code(201).send(sim.openOnlineSession(claims, request.body))
  })
  app.post<{ Params: Params }>(
    '/v2/sessions/online/:ref/invoices',
    { ...g('invoiceSend'), bodyLimit: 8 * 1024 * 1024 },
    async (request, reply) => {
      const claims = who(request)
      return reply
        .code(202)
        .send(await sim.sendInvoice(claims, request.params.ref, request.body, processingFault(request)))
    }
  )
  app.post<{ Params: Params }>('/v2/sessions/online/:ref/close', g('onlineSession'), async (request, reply) => {
    sim.closeOnlineSession(who(request), request.params.ref)
    return reply.code(204).send()
  })
  app.get<{ Params: Params }>('/v2/sessions/:ref', g('sessionMisc'), async (request) =>
    sim.sessionStatus(who(request), request.params.ref)
  )
  const listInvoices =
    (failedOnly: boolean) =>
    async (request: FastifyRequest<{ Params: Params; Querystring: { pageSize?: string } }>) => {
      const claims = who(request)
      const pageSize = request.query.pageSize === undefined ? 10 : Number(request.query.pageSize)
      if (!Number.isInteger(pageSize) || pageSize < 10 || pageSize > 1000)
        throw new KsefApiError(400, 21405, 'Błąd walidacji danych wejściowych.', [
          'pageSize musi być liczbą od 10 do 1000.'
        ])
      const token = request.headers['x-continuation-token']
      return sim.sessionInvoices(claims, request.params.ref, {
        pageSize,
        continuationToken: typeof token === 'string' ? token : undefined,
        failedOnly
      })
    }
  app.get('/v2/sessions/:ref/invoices', g('sessionInvoiceList'), listInvoices(false))
  app.get('/v2/sessions/:ref/invoices/failed', g('sessionInvoiceList'), listInvoices(true))
  app.get<{ Params: Params }>('/v2/sessions/:ref/invoices/:invoiceRef', g('invoiceStatus'), async (request) =>
    sim.sessionInvoice(who(request), request.params.ref, request.params.invoiceRef)
  )
  app.get<{ Params: Params }>('/v2/sessions/:ref/invoices/:invoiceRef/upo', g('sessionMisc'), async (request, reply) =>
    xml(reply, sim.invoiceUpo(who(request), request.params.ref, request.params.invoiceRef))
  )
  app.get<{ Params: Params }>(
    '/v2/sessions/:ref/invoices/ksef/:ksefNumber/upo',
    g('sessionMisc'),
    async (request, reply) =>
      xml(reply, sim.invoiceUpoByKsefNumber(who(request), request.params.ref, request.params.ksefNumber))
  )
  app.get<{ Params: Params }>('/v2/sessions/:ref/upo/:upoRef', g('sessionMisc'), async (request, reply) =>
    xml(reply, sim.sessionUpo(who(request), request.params.ref, request.params.upoRef))
  )
  app.post<{ Querystring: { pageOffset?: string; pageSize?: string; sortOrder?: string } }>(
    '/v2/invoices/query/metadata',
    g('invoiceMetadata'),
    async (request) => {
      return sim.queryInvoiceMetadata(who(request), request.body, request.query)
    }
  )
  app.get<{ Params: Params }>('/v2/invoices/ksef/:ksefNumber', g('invoiceDownload'), async (request, reply) => {
    const found = sim.invoiceByKsefNumber(who(request), request.params.ksefNumber)
    return xml(reply, found.content, found.hash)
  })

  // "Link nie podlega limitom API" (open-api.json, upoDownloadUrl); x-ms-meta-hash: SHA-256 of the UPO
  app.get<{ Params: { kind: string; sessionRef: string; target: string; exp: string; mac: string } }>(
    '/upo/:kind/:sessionRef/:target/:exp/:mac',
    async (request, reply) => {
      const upo = sim.upoByLink(request.params)
      if (upo === null)
        return await reply
          .code(404)
          .type('text/plain; charset=utf-8')
          .send('Link do UPO jest nieprawidłowy albo wygasł.')
      return xml(reply, upo, createHash('sha256').update(upo).digest('base64'))
    }
  )

  // KOD I: https://qr.ksef.mf.gov.pl/invoice/{NIP}/{DD-MM-RRRR}/{SHA-256, Base64URL}
  app.get<{ Params: Params }>('/qr/invoice/:nip/:date/:hash', g(QR_GROUP), async (request, reply) => {
    const { nip, date, hash } = request.params
    const found = sim.verifyInvoiceQr(nip, date, hash)
    return reply
      .code(found === null ? 404 : 200)
      .type('text/html; charset=utf-8')
      .send(qrInvoicePage({ nip, date, hash }, found))
  })

  // KOD II: …/certificate/{context type}/{context value}/{seller NIP}/{certificate serial}/{hash}/{signature}
  // (a wildcard: the Base64URL signature is longer than a route parameter may be)
  app.get<{ Params: { '*': string } }>('/qr/certificate/*', g(QR_GROUP), async (request, reply) => {
    const parts = request.params['*'].split('/')
    const html = (code: number, body: string): FastifyReply =>
      reply.code(code).type('text/html; charset=utf-8').send(body)
    if (parts.length !== 6 || parts.some((part) => part === ''))
      return html(
        404,
        qrCertificatePage(
          { contextType: '', contextValue: '', sellerNip: '', serial: '', hash: '' },
          {
            valid: false,
            problems: [
              'Link nie ma postaci …/certificate/{typ kontekstu}/{kontekst}/{NIP sprzedawcy}/{numer seryjny}/{skrót}/{podpis}.'
            ],
            certificate: null,
            invoice: null
          }
        )
      )
    const [contextType, contextValue, sellerNip, serial, hash, signature] = parts.map((part) =>
      decodeURIComponent(part)
    )
    // what was signed: the link without the scheme and without the signature, on every host it may have been built for
    const path = `${request.url.slice(0, request.url.lastIndexOf('/'))}`
    const hosts = new Set([request.host, ...(sim.publicBaseUrl === '' ? [] : [new URL(sim.publicBaseUrl).host])])
    const signed = [...hosts].map((host) => `${host}${path}`)
    const check = sim.verifyCertificateQr({ contextType, contextValue, sellerNip, serial, hash, signature }, signed)
    return html(
      check.valid ? 200 : 404,
      qrCertificatePage({ contextType, contextValue, sellerNip, serial, hash }, check)
    )
  })

  // ---- simulator-only helpers (not part of KSeF) ------------------------------------------------
  const demoBody = (body: unknown): Record<string, unknown> =>
    typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {}
  app.post('/demo/tokens', g(DEMO_GROUP), async (request, reply) => {
    const nip = demoBody(request.body).nip
    return reply.code(201).send(sim.issueKsefToken(typeof nip === 'string' ? nip : ''))
  })
  app.post('/demo/certificates', g(DEMO_GROUP), async (request, reply) => {
    const b = demoBody(request.body)
    const type = b.type === 'Offline' ? 'Offline' : 'Authentication'
    const cert = await sim.issueCertificate(typeof b.nip === 'string' ? b.nip : '', {
      type,
      passphrase: typeof b.passphrase === 'string' ? b.passphrase : undefined,
      name: typeof b.name === 'string' ? b.name : undefined
    })
    return reply.code(201).send(cert)
  })
  // the same for a person: an HTML form, as the taxpayer's KSeF application has
  const tokenPage = (reply: FastifyReply, code: number, body: string): FastifyReply =>
    reply.code(code).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(body)
  app.get<{ Querystring: { nip?: string } }>('/demo/token', g(DEMO_GROUP), async (request, reply) => {
    const nip = typeof request.query.nip === 'string' ? request.query.nip.replace(/\D/g, '').slice(0, 10) : ''
    return tokenPage(reply, 200, ksefTokenPage({ nip, error: null }, null))
  })
  app.post('/demo/token', g(DEMO_GROUP), async (request, reply) => {
    const typed = demoBody(request.body).nip
    const nip = typeof typed === 'string' ? typed.replace(/[\s-]/g, '').slice(0, 20) : ''
    try {
      return tokenPage(reply, 201, ksefTokenPage({ nip, error: null }, sim.issueKsefToken(nip)))
    } catch (error) {
      if (!(error instanceof KsefApiError)) throw error
      return tokenPage(reply, 422, ksefTokenPage({ nip, error: 'Wpisz NIP firmy: 10 cyfr, np. 526-104-08-28.' }, null))
    }
  })
  app.get('/demo/ca', g(DEMO_GROUP), async (_request, reply) =>
    reply.type('application/x-pem-file').send(sim.caCertificatePem)
  )

  if (opts.controlRoutes === true) {
    app.get('/demo/faults', async () => ({
      faults: sim.faults.list(),
      history: sim.faults.history,
      stats: sim.stats()
    }))
    app.post('/demo/faults', async (request, reply) => {
      try {
        return await reply.code(201).send(sim.faults.add(request.body as FaultSpec))
      } catch (error) {
        throw new KsefApiError(400, 21405, 'Błąd walidacji danych wejściowych.', [
          error instanceof Error ? error.message : String(error)
        ])
      }
    })
    app.delete('/demo/faults', async (_request, reply) => {
      sim.faults.clear()
      return reply.code(204).send()
    })
    // {"enabled": false} switches KSeF's limits off, {"enabled": true} back to the real ones,
    // {"limits": {"invoiceSend": {"perSecond": 2, "perMinute": null, "perHour": null}}} replaces groups
    app.post('/demo/rate-limits', async (request, reply) => {
      sim.setRateLimits(rateLimitsFromBody(request.body))
      return reply.code(204).send()
    })
  }
}

function rateLimitsFromBody(body: unknown): boolean | Record<string, Limit> {
  const invalid = (detail: string): KsefApiError =>
    new KsefApiError(400, 21405, 'Błąd walidacji danych wejściowych.', [detail])
  if (typeof body !== 'object' || body === null) throw invalid('Oczekiwano obiektu JSON.')
  const b = body as { enabled?: unknown; limits?: unknown }
  if (typeof b.enabled === 'boolean' && b.limits === undefined) return b.enabled
  if (typeof b.limits !== 'object' || b.limits === null) throw invalid("Podaj 'enabled' (true/false) albo 'limits'.")
  const out: Record<string, Limit> = {}
  for (const [group, value] of Object.entries(b.limits as Record<string, unknown>)) {
    const v = value as Record<string, unknown> | null
    const field = (name: string): number | null => {
      const n = v?.[name]
      if (n === null || n === undefined) return null
      if (!Number.isInteger(n) || (n as number) < 1)
        throw invalid(`${group}.${name}: oczekiwano dodatniej liczby całkowitej albo null.`)
      return n as number
    }
    out[group] = { perSecond: field('perSecond'), perMinute: field('perMinute'), perHour: field('perHour') }
  }
  return out
}
