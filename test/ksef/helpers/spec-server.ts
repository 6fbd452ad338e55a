// A loopback HTTP server that checks every request of our KSeF client against the official
// description (reference/ksef-api/open-api.json, with openapi-backend) and answers in the
// shapes the description gives, each answer itself validated against it. Behind it sits just
// enough of KSeF to answer for real: a key pair published as the Ministry's certificate, the
// invoice decrypted with the session key it unwraps, a scriptable status per invoice. It is how
// the client is checked against the official text, not only against our own simulator.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { constants, createDecipheriv, createHash, privateDecrypt, randomBytes, X509Certificate } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import OpenAPIBackend, { type Document, type Request as ApiRequest } from 'openapi-backend'
import { readPrivateKey } from '../../../src/ksef/client/xades.ts'
import { publicKeyIdOf } from '../../../src/ksef/client/ksef-crypto.ts'
import { testCertificate } from './certificates.ts'

const SPEC = fileURLToPath(new URL('../../../vendor/ksef-api/open-api.json', import.meta.url))

function crc8(text: string): string {
  let crc = 0
  for (const byte of Buffer.from(text, 'utf8')) {
    crc ^= byte
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x80 ? ((crc << 1) ^ 0x07) & 0xff : (crc << 1) & 0xff
  }
  return crc.toString(16).toUpperCase().padStart(2, '0')
}

/** A KSeF number in the official format with its CRC-8 (faktury/numer-ksef.md). */
export function makeKsefNumber(nip: string, date: string): string {
  const body = `${nip}-${date.replace(/-/g, '')}-${randomBytes(6).toString('hex').toUpperCase()}`
  return `${body}-${crc8(body)}`
}

function jwt(payload: Record<string, unknown>): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url')
  return `${part({ alg: 'HS256', typ: 'JWT' })}.${part(payload)}.${randomBytes(16).toString('base64url')}`
}

/**
 * The description marks $ref'd properties nullable next to allOf (OpenAPI 3.0 allows it, ajv
 * refuses to compile it); dropping the flag there only makes a null value invalid, which
 * neither our client nor this server sends.
 */
function stripUntypedNullable(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) stripUntypedNullable(item)
    return
  }
  if (typeof node !== 'object' || node === null) return
  const record = node as Record<string, unknown>
  if ('nullable' in record && !('type' in record)) delete record.nullable
  for (const value of Object.values(record)) stripUntypedNullable(value)
}

interface ReceivedInvoice {
  sessionReference: string
  invoiceReference: string
  xml: Buffer
  invoiceHash: string
  offlineMode: boolean
  ksefNumber: string | null
}

/** What an invoice's status answers, in turn; the last one repeats. */
type StatusScript = Array<{ code: number; description?: string; details?: string[]; originalKsefNumber?: string }>

export interface SpecServer {
  baseUrl: string
  /** requests the description does not allow: each "METHOD path: error" */
  violations: string[]
  /** answers of ours the description does not allow (a broken test server) */
  answerViolations: string[]
  calls: string[]
  invoices: ReceivedInvoice[]
  /** the status sequence for the next invoices received (default: 200) */
  nextStatus: (script: StatusScript) => void
  /** makes the next request of this operation ('POST /sessions/online', as open-api.json names the path) fail once */
  failNext: (operation: string, status: number, opts?: { retryAfter?: string }) => void
  nip: string
  close: () => Promise<void>
}

export async function startSpecServer(opts: {
  nip: string
  validFrom?: string
  validTo?: string
  accessTtlSeconds?: number
}): Promise<SpecServer> {
  const definition = JSON.parse(readFileSync(SPEC, 'utf8')) as {
    paths: Record<string, Record<string, { operationId?: string }>>
  }
  // the description names no operations; openapi-backend validates by operationId, so each gets
  // "METHOD /path" (the path as the description spells it)
  for (const [path, methods] of Object.entries(definition.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      if (typeof operation === 'object' && operation !== null && operation.operationId === undefined)
        operation.operationId = `${method.toUpperCase()} ${path}`
    }
  }
  stripUntypedNullable(definition)
  const api = new OpenAPIBackend({
    definition: definition as unknown as Document,
    quick: true,
    validate: true,
    strict: false,
    ajvOpts: { strict: false, validateFormats: false, logger: false }
  })
  await api.init()
  const ministry = await testCertificate({ name: 'CN=Ministerstwo Finansów (test), C=PL' })
  const ministryDer = new X509Certificate(ministry.certificatePem).raw.toString('base64')
  const ministryKey = readPrivateKey(ministry.privateKeyPem, '')
  const violations: string[] = []
  const answerViolations: string[] = []
  const calls: string[] = []
  const invoices: ReceivedInvoice[] = []
  const sessions = new Map<string, { key: Buffer; iv: Buffer; open: boolean }>()
  const statusScripts = new Map<string, StatusScript>()
  let script: StatusScript = [{ code: 200 }]
  const failures = new Map<string, { status: number; retryAfter?: string }>()
  const authOps = new Map<string, { token: string; redeemed: boolean }>()
  let seq = 0
  const ref = (kind: string) =>
    `20261116-${kind}-${(++seq).toString(16).toUpperCase().padStart(10, '0')}-${randomBytes(5).toString('hex').toUpperCase()}-${crc8(String(seq))}`
  const ttl = opts.accessTtlSeconds ?? 900

  function statusOf(invoice: ReceivedInvoice, polls: number): Record<string, unknown> {
    const steps = statusScripts.get(invoice.invoiceReference) ?? [{ code: 200 }]
    const step = steps[Math.min(polls, steps.length - 1)]!
    const base: Record<string, unknown> = {
      ordinalNumber: 1,
      referenceNumber: invoice.invoiceReference,
      invoiceHash: invoice.invoiceHash,
      invoicingDate: new Date().toISOString()
    }
    if (step.code === 200) {
      invoice.ksefNumber ??= makeKsefNumber(opts.nip, '2026-11-16')
      return {
        ...base,
        ksefNumber: invoice.ksefNumber,
        acquisitionDate: '2026-11-16T09:00:05.123+00:00',
        status: { code: 200, description: 'Sukces' }
      }
    }
    const status: Record<string, unknown> = {
      code: step.code,
      description: step.description ?? (step.code === 100 ? 'Faktura przyjęta do dalszego przetwarzania' : 'Błąd')
    }
    if (step.details) status.details = step.details
    if (step.originalKsefNumber !== undefined)
      status.extensions = { originalKsefNumber: step.originalKsefNumber, originalSessionReferenceNumber: ref('SO') }
    return { ...base, status }
  }
  const polls = new Map<string, number>()

  function byPath(
    method: string,
    path: string,
    body: unknown,
    bearer: string | null
  ): { status: number; body?: unknown; xml?: string } {
    let m: RegExpExecArray | null
    if (method === 'POST' && path === '/auth/challenge')
      return {
        status: 200,
        body: {
          challenge: ref('CR'),
          timestamp: new Date().toISOString(),
          timestampMs: Date.now(),
          clientIp: '127.0.0.1'
        }
      }
    if (method === 'GET' && path === '/security/public-key-certificates') {
      const cert = {
        certificate: ministryDer,
        certificateId: Buffer.from('cert-1').toString('base64'),
        publicKeyId: publicKeyIdOf(ministryDer),
        validFrom: opts.validFrom ?? '2026-01-01T00:00:00Z',
        validTo: opts.validTo ?? '2027-12-31T00:00:00Z'
      }
      return {
        status: 200,
        body: [
          { ...cert, usage: ['KsefTokenEncryption'] },
          { ...cert, certificateId: Buffer.from('cert-2').toString('base64'), usage: ['SymmetricKeyEncryption'] }
        ]
      }
    }
    if (method === 'POST' && (path === '/auth/ksef-token' || path === '/auth/xades-signature')) {
      if (path === '/auth/ksef-token') {
        const sealed = Buffer.from(String((body as { encryptedToken: string }).encryptedToken), 'base64')
        const plain = privateDecrypt(
          { key: ministryKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
          sealed
        ).toString('utf8')
        if (!/^.+\|\d+$/.test(plain))
          return {
            status: 400,
            body: {
              exception: {
                exceptionDetailList: [{ exceptionCode: 21000, exceptionDescription: 'Nieprawidłowy token' }]
              }
            }
          }
      }
      const reference = ref('AU')
      const token = jwt({ 'token-type': 'OperationToken', exp: Math.floor(Date.now() / 1000) + 600 })
      authOps.set(reference, { token, redeemed: false })
      return {
        status: 202,
        body: {
          referenceNumber: reference,
          authenticationToken: { token, validUntil: new Date(Date.now() + 600_000).toISOString() }
        }
      }
    }
    if (method === 'GET' && (m = /^\/auth\/([^/]+)$/.exec(path)) && m[1] !== 'sessions') {
      return {
        status: 200,
        body: {
          startDate: new Date().toISOString(),
          authenticationMethod: 'Token',
          authenticationMethodInfo: { category: 'Token', code: 'token.ksef', displayName: 'Token KSeF' },
          status: { code: 200, description: 'Uwierzytelnianie zakończone sukcesem' }
        }
      }
    }
    if (method === 'POST' && path === '/auth/token/redeem') {
      const exp = Math.floor(Date.now() / 1000) + ttl
      return {
        status: 200,
        body: {
          accessToken: {
            token: jwt({ exp, 'token-type': 'ContextToken' }),
            validUntil: new Date(exp * 1000).toISOString()
          },
          refreshToken: {
            token: jwt({ exp: exp + 86400 * 7, 'token-type': 'RefreshToken' }),
            validUntil: new Date((exp + 86400 * 7) * 1000).toISOString()
          }
        }
      }
    }
    if (method === 'POST' && path === '/auth/token/refresh') {
      const exp = Math.floor(Date.now() / 1000) + ttl
      return {
        status: 200,
        body: {
          accessToken: {
            token: jwt({ exp, 'token-type': 'ContextToken' }),
            validUntil: new Date(exp * 1000).toISOString()
          }
        }
      }
    }
    if (method === 'POST' && path === '/sessions/online') {
      const enc = (body as { encryption: { encryptedSymmetricKey: string; initializationVector: string } }).encryption
      const key = privateDecrypt(
        { key: ministryKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
        Buffer.from(enc.encryptedSymmetricKey, 'base64')
      )
      const reference = ref('SO')
      sessions.set(reference, { key, iv: Buffer.from(enc.initializationVector, 'base64'), open: true })
      return {
        status: 201,
        body: { referenceNumber: reference, validUntil: new Date(Date.now() + 12 * 3600_000).toISOString() }
      }
    }
    if (method === 'POST' && (m = /^\/sessions\/online\/([^/]+)\/invoices$/.exec(path))) {
      const session = sessions.get(m[1]!)
      if (!session?.open)
        return {
          status: 400,
          body: {
            exception: {
              exceptionDetailList: [
                { exceptionCode: 21180, exceptionDescription: 'Sesja nie istnieje lub jest zamknięta' }
              ]
            }
          }
        }
      const b = body as {
        encryptedInvoiceContent: string
        invoiceHash: string
        invoiceSize: number
        encryptedInvoiceHash: string
        offlineMode?: boolean
      }
      const decipher = createDecipheriv('aes-256-cbc', session.key, session.iv)
      const xml = Buffer.concat([decipher.update(Buffer.from(b.encryptedInvoiceContent, 'base64')), decipher.final()])
      if (createHash('sha256').update(xml).digest('base64') !== b.invoiceHash || xml.byteLength !== b.invoiceSize)
        return {
          status: 400,
          body: {
            exception: {
              exceptionDetailList: [{ exceptionCode: 21160, exceptionDescription: 'Niezgodny skrót faktury' }]
            }
          }
        }
      const invoiceReference = ref('EE')
      invoices.push({
        sessionReference: m[1]!,
        invoiceReference,
        xml,
        invoiceHash: b.invoiceHash,
        offlineMode: b.offlineMode === true,
        ksefNumber: null
      })
      statusScripts.set(invoiceReference, script)
      return { status: 202, body: { referenceNumber: invoiceReference } }
    }
    if (method === 'POST' && (m = /^\/sessions\/online\/([^/]+)\/close$/.exec(path))) {
      const session = sessions.get(m[1]!)
      if (session) session.open = false
      return { status: 204 }
    }
    if (method === 'GET' && (m = /^\/sessions\/([^/]+)\/invoices$/.exec(path))) {
      const list = invoices
        .filter((i) => i.sessionReference === m![1])
        .map((i) => statusOf(i, polls.get(i.invoiceReference) ?? 0))
      return { status: 200, body: { invoices: list } }
    }
    if (method === 'GET' && (m = /^\/sessions\/([^/]+)\/invoices\/([^/]+)\/upo$/.exec(path))) {
      const invoice = invoices.find((i) => i.invoiceReference === m![2])
      if (!invoice?.ksefNumber)
        return {
          status: 404,
          body: { exception: { exceptionDetailList: [{ exceptionCode: 21404, exceptionDescription: 'Brak UPO' }] } }
        }
      return {
        status: 200,
        xml: `<?xml version="1.0" encoding="UTF-8"?><Potwierdzenie xmlns="http://upo.schematy.mf.gov.pl/KSeF/v4-3"><NumerKSeFDokumentu>${invoice.ksefNumber}</NumerKSeFDokumentu></Potwierdzenie>`
      }
    }
    if (method === 'GET' && (m = /^\/sessions\/([^/]+)\/invoices\/ksef\/([^/]+)\/upo$/.exec(path))) {
      return {
        status: 200,
        xml: `<?xml version="1.0" encoding="UTF-8"?><Potwierdzenie xmlns="http://upo.schematy.mf.gov.pl/KSeF/v4-3"><NumerKSeFDokumentu>${m[2]}</NumerKSeFDokumentu></Potwierdzenie>`
      }
    }
    if (method === 'GET' && (m = /^\/sessions\/([^/]+)\/invoices\/([^/]+)$/.exec(path))) {
      const invoice = invoices.find((i) => i.invoiceReference === m![2] && i.sessionReference === m![1])
      if (!invoice)
        return {
          status: 404,
          body: {
            exception: {
              exceptionDetailList: [{ exceptionCode: 21404, exceptionDescription: 'Nie znaleziono faktury' }]
            }
          }
        }
      const n = polls.get(invoice.invoiceReference) ?? 0
      polls.set(invoice.invoiceReference, n + 1)
      return { status: 200, body: statusOf(invoice, n) }
    }
    void bearer
    return {
      status: 404,
      body: {
        exception: { exceptionDetailList: [{ exceptionCode: 0, exceptionDescription: 'not in this test server' }] }
      }
    }
  }

  async function readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    return Buffer.concat(chunks).toString('utf8')
  }

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost')
      const path = url.pathname.replace(/^\/v2/, '')
      const method = (req.method ?? 'GET').toUpperCase()
      const text = await readBody(req)
      const contentType = String(req.headers['content-type'] ?? '')
      const body = contentType.includes('json') && text !== '' ? JSON.parse(text) : text
      calls.push(`${method} ${path}`)
      const apiRequest: ApiRequest = {
        method,
        path,
        query: Object.fromEntries(url.searchParams),
        headers: req.headers as Record<string, string>,
        body
      }
      const operation = api.matchOperation(apiRequest)
      if (!operation) {
        violations.push(`${method} ${path}: no such operation in open-api.json`)
      } else {
        const validation = api.validateRequest(apiRequest, operation.operationId)
        if (!validation.valid) violations.push(`${method} ${path}: ${JSON.stringify(validation.errors).slice(0, 500)}`)
        const needsBearer = Array.isArray(operation.security) && operation.security.length > 0
        const auth = String(req.headers.authorization ?? '')
        if (needsBearer && !/^Bearer \S+$/.test(auth)) violations.push(`${method} ${path}: no Bearer token`)
      }
      const opKey = operation?.operationId ?? ''
      const failure = failures.get(opKey)
      let answer: { status: number; body?: unknown; xml?: string }
      if (failure !== undefined) {
        failures.delete(opKey)
        answer =
          failure.status === 429
            ? {
                status: 429,
                body: { status: { code: 429, description: 'Too Many Requests', details: ['Przekroczono limit'] } }
              }
            : {
                status: failure.status,
                body: {
                  exception: {
                    exceptionDetailList: [
                      { exceptionCode: failure.status, exceptionDescription: 'Błąd wstrzyknięty w teście' }
                    ]
                  }
                }
              }
        if (failure.retryAfter !== undefined) res.setHeader('retry-after', failure.retryAfter)
      } else {
        try {
          answer = byPath(method, path, body, req.headers.authorization ?? null)
        } catch (error) {
          answer = {
            status: 400,
            body: {
              exception: {
                exceptionDetailList: [
                  { exceptionCode: 1, exceptionDescription: error instanceof Error ? error.message : 'error' }
                ]
              }
            }
          }
        }
      }
      if (operation && answer.body !== undefined && answer.status < 300) {
        const check = api.validateResponse(answer.body, operation.operationId!, answer.status)
        if (check.errors && check.errors.length > 0)
          answerViolations.push(`${method} ${path} ${answer.status}: ${JSON.stringify(check.errors).slice(0, 500)}`)
      }
      res.statusCode = answer.status
      if (answer.xml !== undefined) {
        res.setHeader('content-type', 'application/xml')
        res.end(answer.xml)
        return
      }
      if (answer.body === undefined) {
        res.end()
        return
      }
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify(answer.body))
    })().catch((error: unknown) => {
      answerViolations.push(
        `${req.method ?? ''} ${req.url ?? ''}: the test server failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`
      )
      res.statusCode = 500
      res.end(String(error))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    baseUrl: `http://127.0.0.1:${port}/v2`,
    violations,
    answerViolations,
    calls,
    invoices,
    nip: opts.nip,
    nextStatus: (s) => {
      script = s
    },
    failNext: (operation, status, o) => {
      failures.set(operation, { status, ...(o?.retryAfter !== undefined ? { retryAfter: o.retryAfter } : {}) })
    },
    close: async () =>
      await new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
