/** Shared HTTP pieces of the simulator's routes: error bodies, parameter parsing, body parsers. */
import type { IncomingMessage } from 'node:http'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { AllegroSimulator, OAuthError } from './simulator.ts'
import type { SimSeller } from './types.ts'
import { MAX_INVOICE_FILE_BYTES } from './types.ts'

export const ALLEGRO_MEDIA_TYPE = 'application/vnd.allegro.public.v1+json'

/** Uploads beyond this are cut off instead of read to the end. */
const PDF_HARD_LIMIT = 20 * 1024 * 1024
export const JSON_BODY_LIMIT = 1024 * 1024
export const FORM_BODY_LIMIT = 64 * 1024
export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const DATE_TIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/
export const CHECKOUT_FORM_SORTS = ['lineItems.boughtAt', '-lineItems.boughtAt', 'updatedAt', '-updatedAt'] as const
export const OFFER_SORTS = ['sellingMode.price.amount', 'stock.sold', 'stock.available']

export type Query = Record<string, string | string[] | undefined>

export interface AuthContext {
  seller: SimSeller
  clientId: string
  scope: string[]
}

export interface RouteConfig {
  scope?: string
}

/** Marks a PDF body that went over the size limit (read to the end, not kept). */
export const TOO_LARGE = Object.freeze({ tooLarge: true })

export class HttpError extends Error {
  statusCode: number
  constructor(statusCode: number, message: string) {
    super(message)
    this.statusCode = statusCode
  }
}

// ---------------------------------------------------------------------------------------------
// Small helpers

export function allegroError(
  reply: FastifyReply,
  status: number,
  code: string,
  message: string,
  userMessage: string,
  path: string | null = null,
  details: string | null = null
): FastifyReply {
  return reply
    .code(status)
    .type(ALLEGRO_MEDIA_TYPE)
    .send({
      errors: [{ code, message, details, path, userMessage, metadata: {} }]
    })
}

export function validationError(
  reply: FastifyReply,
  status: 400 | 422,
  path: string,
  message: string,
  userMessage: string
): FastifyReply {
  return allegroError(
    reply,
    status,
    status === 422 ? 'VALIDATION_ERROR' : 'IllegalArgumentException',
    message,
    userMessage,
    path
  )
}

export function oauthError(reply: FastifyReply, status: number, error: OAuthError): FastifyReply {
  return reply.code(status).type('application/json').header('Cache-Control', 'no-store').send(error)
}

export function unauthorizedClient(reply: FastifyReply): FastifyReply {
  return reply
    .code(401)
    .header('WWW-Authenticate', 'Basic realm="oauth2/client"')
    .type('application/json')
    .send({ error: 'unauthorized', error_description: 'Full authentication is required to access this resource' })
}

export function invalidToken(reply: FastifyReply, description: string): FastifyReply {
  return reply
    .code(401)
    .header(
      'WWW-Authenticate',
      `Bearer error="invalid_token", error_description="${description.replace(/[^\x20-\x7e]|"/g, '')}"`
    )
    .type('application/json')
    .send({ error: 'invalid_token', error_description: description })
}

export function html(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').header('Cache-Control', 'no-store').send(body)
}

export function parseBasic(header: string | undefined): { clientId: string; clientSecret: string } | null {
  if (header === undefined) return null
  const m = /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header)
  if (m === null) return null
  const decoded = Buffer.from(m[1], 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon <= 0 || colon === decoded.length - 1) return null
  return { clientId: decoded.slice(0, colon), clientSecret: decoded.slice(colon + 1) }
}

export function acceptsAllegroJson(accept: string | undefined): boolean {
  if (accept === undefined) return false
  return accept.split(',').some((part) => part.split(';')[0].trim().toLowerCase() === ALLEGRO_MEDIA_TYPE)
}

export function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}

export function list(value: string | string[] | undefined): string[] | undefined {
  if (value === undefined) return undefined
  const values = (Array.isArray(value) ? value : [value]).filter((v) => v !== '')
  return values.length === 0 ? undefined : values
}

/** Strings from query and form body, body winning; arrays collapse to their first value. */
export function params(request: FastifyRequest): Record<string, string> {
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

export type IntResult = { ok: true; value: number } | { ok: false; numeric: boolean }

export function intParam(raw: string | undefined, fallback: number): IntResult {
  if (raw === undefined || raw === '') return { ok: true, value: fallback }
  if (!/^-?\d{1,15}$/.test(raw)) return { ok: false, numeric: false }
  return { ok: true, value: Number(raw) }
}

export function dateParam(raw: string | undefined): number | null | undefined {
  if (raw === undefined) return undefined
  if (!DATE_TIME_RE.test(raw)) return null
  const ms = Date.parse(raw)
  return Number.isNaN(ms) ? null : ms
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

export function parseJson(
  _request: FastifyRequest,
  body: string | Buffer,
  done: (err: Error | null, body?: unknown) => void
): void {
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
export function parsePdf(
  _request: FastifyRequest,
  payload: IncomingMessage,
  done: (err: Error | null, body?: unknown) => void
): void {
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

export interface ApiContext {
  sim: AllegroSimulator
  authOf: (request: FastifyRequest) => AuthContext
  ok: (reply: FastifyReply, body: unknown, status?: number) => FastifyReply
  orderNotFound: (reply: FastifyReply, id: string) => FastifyReply
  malformedId: (reply: FastifyReply) => FastifyReply
}
