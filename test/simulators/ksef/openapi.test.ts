// The simulator's answers (and this test's requests) checked against the Ministry's open-api.json
// with openapi-backend: the whole token and XAdES flow, a session with accepted, rejected and
// duplicate invoices, and the error shapes (400 ExceptionResponse, 401 problem details, 429).
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import OpenAPIBackend, { type Document } from 'openapi-backend'
import t from 'tap'
import { authTokenRequestXml, readPrivateKey, signAuthTokenRequest } from '../../../src/ksef/client/xades.ts'
import {
  api as plainApi,
  demoCertificate,
  demoToken,
  encryptedInvoice,
  fa3Invoice,
  invoiceStatus,
  openSession,
  SELLER_NIP,
  sendInvoice,
  startSim,
  tokenLogin,
  type Api
} from './helpers.ts'

const SPEC = fileURLToPath(new URL('../../../vendor/ksef-api/open-api.json', import.meta.url))

/** OpenAPI 3.0 `nullable` next to allOf/$ref (no `type`) is lost on ajv; say it as anyOf with null. */
function nullableWithoutType(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(nullableWithoutType)
  if (typeof node !== 'object' || node === null) return node
  const record: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(node)) record[k] = nullableWithoutType(v)
  if (record.nullable === true && !('type' in record)) {
    const { nullable: _, description, ...rest } = record
    return { ...(description === undefined ? {} : { description }), anyOf: [rest, { enum: [null] }] }
  }
  return record
}

async function specValidator(): Promise<OpenAPIBackend> {
  const definition = JSON.parse(readFileSync(SPEC, 'utf8')) as {
    paths: Record<string, Record<string, { operationId?: string }>>
  }
  for (const [path, methods] of Object.entries(definition.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      if (typeof operation === 'object' && operation !== null && operation.operationId === undefined)
        operation.operationId = `${method.toUpperCase()} ${path}`
    }
  }
  const backend = new OpenAPIBackend({
    definition: nullableWithoutType(definition) as Document,
    quick: true,
    validate: true,
    strict: false,
    ajvOpts: { strict: false, validateFormats: true, logger: false }
  })
  await backend.init()
  return backend
}

/** An Api that checks every request and JSON answer against the description. */
function checked(
  backend: OpenAPIBackend,
  base: string,
  violations: string[],
  requestViolations: string[],
  seen: Set<string>
): Api {
  const inner = plainApi(base)
  return async (method, path, opts = {}) => {
    const answer = await inner(method, path, opts)
    const operation = backend.router.matchOperation({ method, path, headers: {} })
    if (operation === undefined) {
      violations.push(`${method} ${path}: no such operation`)
      return answer
    }
    const id = operation.operationId!
    seen.add(`${id} ${answer.status}`)
    const headers: Record<string, string> = {
      'content-type': opts.xml !== undefined ? 'application/xml' : 'application/json'
    }
    if (opts.bearer !== undefined) headers.authorization = `Bearer ${opts.bearer}`
    const request = backend.validateRequest({ method, path, headers, body: opts.xml ?? opts.body ?? {} }, id)
    if (!request.valid) requestViolations.push(`${id}: ${JSON.stringify(request.errors)}`)
    if (!(String(answer.status) in (operation.responses ?? {})))
      violations.push(`${id}: status ${answer.status} not described`)
    else if (answer.json !== null && answer.headers.get('content-type')?.includes('json') === true) {
      const result = backend.validateResponse(answer.json, id, answer.status)
      if (result.errors != null && result.errors.length > 0)
        violations.push(`answer ${id} ${answer.status}: ${JSON.stringify(result.errors).slice(0, 600)}`)
    }
    return answer
  }
}

t.test('every answer of the flows matches open-api.json', async (t) => {
  const backend = await specValidator()
  const wrong = backend.validateResponse({ referenceNumber: 5 }, 'POST /sessions/online', 201)
  t.ok((wrong.errors ?? []).length > 0, 'the answer check rejects a wrong shape')
  const sim = await startSim(t, { rateLimits: true })
  const violations: string[] = []
  const requestViolations: string[] = []
  const seen = new Set<string>()
  const a = checked(backend, sim.apiUrl, violations, requestViolations, seen)

  const login = await tokenLogin(a, SELLER_NIP, await demoToken(sim.url, SELLER_NIP))
  await a('POST', '/auth/token/refresh', { bearer: login.refreshToken })

  const cert = await demoCertificate(sim.url, { nip: SELLER_NIP, passphrase: 'tajne-haslo' })
  const ch = await a('POST', '/auth/challenge')
  const xml = signAuthTokenRequest(
    authTokenRequestXml(ch.json.challenge, SELLER_NIP),
    { certificatePem: cert.certificatePem, privateKey: readPrivateKey(cert.privateKeyPem, cert.passphrase) },
    new Date()
  )
  const xades = await a('POST', '/auth/xades-signature', { xml })
  t.equal(xades.status, 202)
  await a('GET', `/auth/${xades.json.referenceNumber as string}`, { bearer: xades.json.authenticationToken.token })

  const s = await openSession(a, login.accessToken)
  const ok = await sendInvoice(a, login.accessToken, s, fa3Invoice())
  const okStatus = await invoiceStatus(a, login.accessToken, s.ref, ok.json.referenceNumber)
  t.equal(okStatus.json.status.code, 200)
  const dup = await sendInvoice(a, login.accessToken, s, fa3Invoice({ issueDate: '2026-04-11' }))
  t.equal((await invoiceStatus(a, login.accessToken, s.ref, dup.json.referenceNumber)).json.status.code, 440)
  const bad = await sendInvoice(
    a,
    login.accessToken,
    s,
    Buffer.from(
      fa3Invoice()
        .toString()
        .replace(/<P_2>[^<]*<\/P_2>/, '')
    )
  )
  t.equal((await invoiceStatus(a, login.accessToken, s.ref, bad.json.referenceNumber)).json.status.code, 450)
  await a('POST', `/sessions/online/${s.ref}/invoices`, {
    bearer: login.accessToken,
    body: { ...encryptedInvoice(s, fa3Invoice()), invoiceSize: 1 }
  })
  await a('POST', `/sessions/online/${s.ref}/close`, { bearer: login.accessToken })
  const status = await a('GET', `/sessions/${s.ref}`, { bearer: login.accessToken })
  t.equal(status.json.status.code, 200)
  await a('GET', `/sessions/${s.ref}/invoices?pageSize=10`, { bearer: login.accessToken })
  await a('GET', `/sessions/${s.ref}/invoices/failed`, { bearer: login.accessToken })
  await a('POST', '/sessions/online', { body: {} })
  await a('POST', '/sessions/online', { bearer: login.accessToken, body: { formCode: {} } })
  for (let i = 0; i < 31; i++)
    await a('GET', `/sessions/${s.ref}/invoices/${ok.json.referenceNumber as string}`, { bearer: login.accessToken })

  t.same(violations, [], 'every answer as open-api.json describes it')
  t.equal(
    requestViolations.length,
    2,
    'only the two deliberately broken requests are outside the description (so the check does bite)'
  )
  t.ok(
    requestViolations.every((v) => v.startsWith('POST /sessions/online:')),
    JSON.stringify(requestViolations)
  )
  for (const expected of [
    'GET /security/public-key-certificates 200',
    'POST /auth/challenge 200',
    'POST /auth/ksef-token 202',
    'POST /auth/xades-signature 202',
    'GET /auth/{referenceNumber} 200',
    'POST /auth/token/redeem 200',
    'POST /auth/token/refresh 200',
    'POST /sessions/online 201',
    'POST /sessions/online 401',
    'POST /sessions/online 400',
    'POST /sessions/online/{referenceNumber}/invoices 202',
    'POST /sessions/online/{referenceNumber}/invoices 400',
    'POST /sessions/online/{referenceNumber}/close 204',
    'GET /sessions/{referenceNumber} 200',
    'GET /sessions/{referenceNumber}/invoices 200',
    'GET /sessions/{referenceNumber}/invoices/failed 200',
    'GET /sessions/{referenceNumber}/invoices/{invoiceReferenceNumber} 200',
    'GET /sessions/{referenceNumber}/invoices/{invoiceReferenceNumber} 429'
  ]) {
    t.ok(seen.has(expected), `checked: ${expected}`)
  }
})
