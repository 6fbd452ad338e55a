// Receiving checked against the Ministry's open-api.json: the app's own client (its requests)
// talking to the simulator (its answers) for POST /invoices/query/metadata and
// GET /invoices/ksef/{ksefNumber}, every request and JSON answer validated with openapi-backend.
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import OpenAPIBackend, { type Document } from 'openapi-backend'
import t from 'tap'
import { KsefApiError, KsefClient } from '../../../src/ksef/client/ksef.client.ts'
import { isValidKsefNumber } from '../../../src/ksef/ksef-number.ts'
import { roomyLimiter } from '../../ksef/helpers/ksef-setup.ts'
import { demoToken, SELLER_NIP, startSim, tokenLogin } from './helpers.ts'

const SPEC = fileURLToPath(new URL('../../../vendor/ksef-api/open-api.json', import.meta.url))

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

t.test(
  "the client's metadata query and download, and the simulator's answers, as open-api.json describes them",
  async (t) => {
    const backend = await specValidator()
    const sim = await startSim(t)
    const login = await tokenLogin(
      (await import('./helpers.ts')).api(sim.apiUrl),
      SELLER_NIP,
      await demoToken(sim.url, SELLER_NIP)
    )
    const violations: string[] = []
    const seen = new Set<string>()
    const checking: typeof fetch = async (input, init) => {
      const url = new URL(String(input))
      const path = url.pathname.replace(/^\/symulator-ksef\/v2/, '')
      const response = await globalThis.fetch(input, init)
      const operation = backend.router.matchOperation({ method: init?.method ?? 'GET', path, headers: {} })
      if (operation === undefined) {
        violations.push(`${path}: no such operation`)
        return response
      }
      const id = operation.operationId!
      seen.add(`${id} ${response.status}`)
      const query = Object.fromEntries(url.searchParams)
      const request = backend.validateRequest(
        {
          method: init?.method ?? 'GET',
          path,
          query,
          headers: { 'content-type': 'application/json', authorization: 'Bearer x' },
          body: init?.body !== undefined ? JSON.parse(String(init.body)) : {}
        },
        id
      )
      if (!request.valid) violations.push(`request ${id}: ${JSON.stringify(request.errors)}`)
      if (!(String(response.status) in (operation.responses ?? {})))
        violations.push(`${id}: status ${response.status} not described`)
      if (response.headers.get('content-type')?.includes('json') === true) {
        const body = await response.clone().json()
        const result = backend.validateResponse(body, id, response.status)
        if (result.errors != null && result.errors.length > 0)
          violations.push(`answer ${id} ${response.status}: ${JSON.stringify(result.errors).slice(0, 600)}`)
      }
      return response
    }
    const client = new KsefClient({
      baseUrl: sim.apiUrl,
      fetch: checking,
      timeoutMs: 10_000,
      retryBaseMs: 1,
      limiter: roomyLimiter(),
      maxAttempts: 1
    })
    const now = Date.now()
    const from = new Date(now - 40 * 86_400_000).toISOString()
    const page = await client.queryInvoiceMetadata(
      login.accessToken,
      {
        subjectType: 'Subject2',
        dateType: 'PermanentStorage',
        from,
        to: null,
        restrictToPermanentStorageHwmDate: true
      },
      { pageOffset: 0, pageSize: 10, sortOrder: 'Asc' }
    )
    t.equal(page.invoices.length, 6, 'the seeded purchase invoices of the context')
    t.equal(page.skipped, 0)
    t.equal(page.hasMore, false)
    t.equal(page.isTruncated, false)
    t.ok(page.permanentStorageHwmDate !== null)
    t.ok(
      page.invoices.every((i) => isValidKsefNumber(i.ksefNumber)),
      'KSeF numbers in the official format, CRC-8 checked'
    )
    const dates = page.invoices.map((i) => i.permanentStorageDate)
    t.same(dates, [...dates].sort(), 'sorted by permanent storage, ascending')
    const second = await client.queryInvoiceMetadata(
      login.accessToken,
      {
        subjectType: 'Subject2',
        dateType: 'PermanentStorage',
        from,
        to: null,
        restrictToPermanentStorageHwmDate: true
      },
      { pageOffset: 1, pageSize: 10, sortOrder: 'Asc' }
    )
    t.equal(second.invoices.length, 0, 'pageOffset is a page index')
    const issued = await client.queryInvoiceMetadata(
      login.accessToken,
      {
        subjectType: 'Subject1',
        dateType: 'Issue',
        from,
        to: new Date(now).toISOString(),
        restrictToPermanentStorageHwmDate: false
      },
      { pageOffset: 0, pageSize: 10, sortOrder: 'Desc' }
    )
    t.equal(issued.invoices.length, 0, 'none issued by the context itself')
    t.equal(issued.permanentStorageHwmDate, null, 'no HWM for Issue dates')

    for (const m of page.invoices) {
      const file = await client.downloadInvoice(login.accessToken, m.ksefNumber)
      t.equal(
        createHash('sha256').update(file.bytes).digest('base64'),
        m.invoiceHash,
        `${m.invoiceNumber}: hash of the bytes as listed`
      )
      t.equal(file.hash, m.invoiceHash, 'x-ms-meta-hash too')
    }

    // errors in KSeF's shape
    const future = new Date(now + 3_600_000).toISOString()
    const beyond = await client
      .queryInvoiceMetadata(
        login.accessToken,
        {
          subjectType: 'Subject2',
          dateType: 'PermanentStorage',
          from: future,
          to: null,
          restrictToPermanentStorageHwmDate: true
        },
        { pageOffset: 0, pageSize: 10, sortOrder: 'Asc' }
      )
      .catch((e: unknown) => e)
    t.ok(
      beyond instanceof KsefApiError && beyond.status === 400 && beyond.codes.includes(21183),
      'from after the HWM: 21183'
    )
    const long = await client
      .queryInvoiceMetadata(
        login.accessToken,
        {
          subjectType: 'Subject2',
          dateType: 'PermanentStorage',
          from: new Date(now - 200 * 86_400_000).toISOString(),
          to: new Date(now).toISOString(),
          restrictToPermanentStorageHwmDate: true
        },
        { pageOffset: 0, pageSize: 10, sortOrder: 'Asc' }
      )
      .catch((e: unknown) => e)
    t.ok(
      long instanceof KsefApiError && long.status === 400 && long.codes.includes(21405),
      'more than three months: 21405'
    )
    const missing = await client
      .downloadInvoice(login.accessToken, '5252674798-20261105-0123456789AB-00')
      .catch((e: unknown) => e)
    t.ok(
      missing instanceof KsefApiError && missing.status === 400 && missing.codes.includes(21164),
      'an unknown number: 21164'
    )

    t.same(violations, [], 'every request and answer as open-api.json describes it')
    for (const expected of [
      'POST /invoices/query/metadata 200',
      'POST /invoices/query/metadata 400',
      'GET /invoices/ksef/{ksefNumber} 200',
      'GET /invoices/ksef/{ksefNumber} 400'
    ])
      t.ok(seen.has(expected), `checked: ${expected}`)
  }
)
