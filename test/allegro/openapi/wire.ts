// A recording proxy on loopback: what the client really puts on the wire (including headers
// Node's fetch adds on its own, such as Accept-Language: *) reaches the simulator unchanged and
// is kept for the test to check against Allegro's OpenAPI description.
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import OpenAPIBackend from 'openapi-backend'

export interface WireRequest {
  method: string
  /** path and query as sent */
  url: string
  headers: IncomingHttpHeaders
  body: Buffer
}

interface Tap {
  teardown: (fn: () => unknown) => void
}

const HOP_BY_HOP = new Set(['host', 'connection', 'content-length', 'keep-alive', 'transfer-encoding'])

export async function startWireRecorder(t: Tap, target: string): Promise<{ url: string; requests: WireRequest[] }> {
  const requests: WireRequest[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      requests.push({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body })
      const headers = new Headers()
      for (const [name, value] of Object.entries(req.headers)) {
        if (value === undefined || HOP_BY_HOP.has(name)) continue
        headers.set(name, Array.isArray(value) ? value.join(', ') : value)
      }
      fetch(target + (req.url ?? '/'), {
        method: req.method,
        headers,
        body: body.length > 0 ? new Uint8Array(body) : undefined,
        redirect: 'manual'
      })
        .then(async (answer) => {
          const bytes = Buffer.from(await answer.arrayBuffer())
          const out: Record<string, string> = {}
          answer.headers.forEach((value, name) => {
            if (!HOP_BY_HOP.has(name) && name !== 'content-encoding') out[name] = value
          })
          res.writeHead(answer.status, out)
          res.end(bytes)
        })
        .catch((error: unknown) => {
          res.writeHead(502)
          res.end(String(error))
        })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}`, requests }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** The part of Allegro's published description Biurko uses (see allegro-api.subset.json, info.x-source). */
export async function allegroOpenApi(): Promise<OpenAPIBackend> {
  const definition = JSON.parse(
    readFileSync(fileURLToPath(new URL('./allegro-api.subset.json', import.meta.url)), 'utf8')
  )
  // openapi-backend validates only application/json bodies; Allegro's are its vendor +json type
  for (const item of Object.values(
    definition.paths as Record<string, Record<string, { requestBody?: { content: Record<string, unknown> } }>>
  )) {
    for (const operation of Object.values(item)) {
      const content = operation.requestBody?.content
      const vendor = content?.['application/vnd.allegro.public.v1+json']
      if (content !== undefined && vendor !== undefined && content['application/json'] === undefined)
        content['application/json'] = vendor
    }
  }
  dropUntypedNullable(definition)
  const api = new OpenAPIBackend({
    definition,
    quick: false,
    validate: true,
    strict: false,
    customizeAjv: (ajv) => {
      // names of formats Allegro uses that Ajv does not know; the enums next to them still apply
      ajv.addFormat('BCP-47 language code', true)
      ajv.addFormat('uuid', UUID)
      ajv.addFormat(
        'date-time',
        (value: string) => !Number.isNaN(Date.parse(value)) && /^\d{4}-\d{2}-\d{2}T/.test(value)
      )
      return ajv
    }
  })
  await api.init()
  return api
}

/**
 * Ajv refuses `nullable` next to no `type` (Allegro's PATCH offer schema has some, beside
 * allOf/$ref). Dropping it only makes null invalid there, and Biurko never sends null.
 */
function dropUntypedNullable(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) dropUntypedNullable(item)
  } else if (typeof node === 'object' && node !== null) {
    const record = node as Record<string, unknown>
    if (record.nullable !== undefined && record.type === undefined) delete record.nullable
    for (const value of Object.values(record)) dropUntypedNullable(value)
  }
}

/**
 * Problems of one API request against the description: unknown operation, the validator's
 * errors (query and header values, path, body), and query parameters the operation does not
 * declare (the validator lets those through).
 */
export function requestProblems(api: OpenAPIBackend, request: WireRequest, apiPrefix: string): string[] {
  const url = new URL(request.url, 'http://x')
  const path = url.pathname.slice(apiPrefix.length)
  const query: Record<string, string | string[]> = {}
  for (const name of new Set(url.searchParams.keys())) {
    const values = url.searchParams.getAll(name)
    query[name] = values.length === 1 ? values[0] : values
  }
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(request.headers)) if (typeof value === 'string') headers[name] = value
  const contentType = headers['content-type'] ?? ''
  const body =
    request.body.length === 0
      ? undefined
      : contentType.includes('json')
        ? JSON.parse(request.body.toString('utf8'))
        : request.body.toString('latin1')
  const req = { method: request.method, path, query, headers, body }
  const operation = api.matchOperation(req)
  const label = `${request.method} ${path}`
  if (operation === undefined) return [`${label}: no such operation in Allegro's description`]
  const problems: string[] = []
  const result = api.validateRequest(req, operation)
  for (const error of result.errors ?? []) problems.push(`${label}: ${error.instancePath} ${error.message ?? ''}`)
  const declared = new Set(
    (operation.parameters ?? []).filter((p) => 'in' in p && p.in === 'query').map((p) => ('name' in p ? p.name : ''))
  )
  for (const name of Object.keys(query))
    if (!declared.has(name)) problems.push(`${label}: query parameter ${name} is not in the description`)
  const bodyContent =
    operation.requestBody !== undefined && 'content' in operation.requestBody
      ? operation.requestBody.content
      : undefined
  if (
    body !== undefined &&
    bodyContent !== undefined &&
    !Object.keys(bodyContent).some((type) => contentType.startsWith(type))
  ) {
    problems.push(`${label}: Content-Type ${contentType} is not one the operation accepts`)
  }
  return problems
}
