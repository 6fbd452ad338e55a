// A deliberately small KSeF client for the simulator's tests, written from the documentation
// (uwierzytelnianie.md, sesja-interaktywna.md) on node:crypto, so the simulator is not only
// checked against the app's own client. XAdES signing is the app's (src/ksef/client/xades.ts).
import { spawnSync } from 'node:child_process'
import { constants, createCipheriv, createHash, publicEncrypt, randomBytes, X509Certificate } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import type { Test } from 'tap'
import { buildFa3Xml } from '../../../src/ksef/fa3.ts'
import { fa3InvoiceFromDocumentRows } from '../../../src/ksef/fa3-documents.ts'
import {
  startStandaloneKsefSimulator,
  type StandaloneKsefSimulator,
  type StandaloneOptions
} from '../../../src/simulators/ksef/standalone.ts'
import { documentRow, lineRow, OPTIONS, totalRow } from '../../ksef/fa3-fixtures.ts'

/** the Ministry's schema, vendored unchanged next to the simulator (schemas/SOURCE.txt) */
export const UPO_XSD = fileURLToPath(new URL('../../../src/simulators/ksef/schemas/upo-v4-3.xsd', import.meta.url))
export const SELLER_NIP = '5261040828'

export interface Answer {
  status: number
  headers: Headers
  text: string
  json: any
}

export async function startSim(t: Test, opts: StandaloneOptions = {}): Promise<StandaloneKsefSimulator & { api: Api }> {
  const sim = await startStandaloneKsefSimulator({ port: 0, rateLimits: false, ...opts })
  t.teardown(sim.close)
  return { ...sim, api: api(sim.apiUrl) }
}

export type Api = (
  method: string,
  path: string,
  opts?: { body?: unknown; xml?: string; bearer?: string; headers?: Record<string, string> }
) => Promise<Answer>

export function api(base: string): Api {
  return async (method, path, opts = {}) => {
    const headers: Record<string, string> = { accept: 'application/json', ...opts.headers }
    if (opts.bearer !== undefined) headers.authorization = `Bearer ${opts.bearer}`
    let body: string | undefined
    if (opts.xml !== undefined) {
      headers['content-type'] = 'application/xml'
      body = opts.xml
    } else if (opts.body !== undefined) {
      headers['content-type'] = 'application/json'
      body = JSON.stringify(opts.body)
    }
    const response = await fetch(`${base}${path}`, { method, headers, body })
    const text = await response.text()
    let json: unknown = null
    try {
      json = text === '' ? null : JSON.parse(text)
    } catch {
      json = null
    }
    return { status: response.status, headers: response.headers, text, json }
  }
}

export const sha256b64 = (data: Uint8Array | string): string => createHash('sha256').update(data).digest('base64')

export function rsaOaep(certificateDerBase64: string, plain: Buffer): string {
  const cert = new X509Certificate(Buffer.from(certificateDerBase64, 'base64'))
  return publicEncrypt(
    { key: cert.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
    plain
  ).toString('base64')
}

export interface KeyCert {
  certificate: string
  publicKeyId: string
  usage: string[]
}

export async function publicKeys(a: Api): Promise<{ token: KeyCert; symmetric: KeyCert }> {
  const r = await a('GET', '/security/public-key-certificates')
  const list = r.json as KeyCert[]
  return {
    token: list.find((k) => k.usage.includes('KsefTokenEncryption'))!,
    symmetric: list.find((k) => k.usage.includes('SymmetricKeyEncryption'))!
  }
}

/** As a polite client does after a 429: waits Retry-After (real seconds). */
async function pause(r: Answer): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, Number(r.headers.get('retry-after') ?? '1') * 1000))
}

/** Polls GET /auth/{ref} until the status is no longer 100 (bounded). */
export async function authStatus(a: Api, ref: string, authToken: string): Promise<Answer> {
  for (let i = 0; i < 3000; i++) {
    const r = await a('GET', `/auth/${ref}`, { bearer: authToken })
    if (r.status === 429) {
      await pause(r)
      continue
    }
    if (r.status !== 200 || r.json.status.code !== 100) return r
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error('authentication stayed in progress')
}

/** Challenge → KSeF token → status → redeem; the tokens, or throws with the answer. */
export async function tokenLogin(
  a: Api,
  nip: string,
  ksefToken: string
): Promise<{ accessToken: string; refreshToken: string; authRef: string }> {
  const keys = await publicKeys(a)
  const ch = await a('POST', '/auth/challenge')
  const encryptedToken = rsaOaep(keys.token.certificate, Buffer.from(`${ksefToken}|${ch.json.timestampMs as number}`))
  const init = await a('POST', '/auth/ksef-token', {
    body: {
      challenge: ch.json.challenge,
      contextIdentifier: { type: 'Nip', value: nip },
      encryptedToken,
      publicKeyId: keys.token.publicKeyId
    }
  })
  if (init.status !== 202) throw new Error(`ksef-token: ${init.status} ${init.text}`)
  const status = await authStatus(a, init.json.referenceNumber, init.json.authenticationToken.token)
  if (status.json.status.code !== 200) throw new Error(`auth status: ${status.text}`)
  const redeem = await a('POST', '/auth/token/redeem', { bearer: init.json.authenticationToken.token })
  if (redeem.status !== 200) throw new Error(`redeem: ${redeem.status} ${redeem.text}`)
  return {
    accessToken: redeem.json.accessToken.token,
    refreshToken: redeem.json.refreshToken.token,
    authRef: init.json.referenceNumber
  }
}

export async function demoToken(baseUrl: string, nip: string): Promise<string> {
  const r = await fetch(`${baseUrl}/demo/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ nip })
  })
  if (r.status !== 201) throw new Error(`demo token: ${r.status}`)
  return ((await r.json()) as { token: string }).token
}

export interface OpenSession {
  ref: string
  key: Buffer
  iv: Buffer
}

export async function openSession(a: Api, accessToken: string): Promise<OpenSession> {
  const keys = await publicKeys(a)
  const key = randomBytes(32)
  const iv = randomBytes(16)
  const r = await a('POST', '/sessions/online', {
    bearer: accessToken,
    body: {
      formCode: { systemCode: 'FA (3)', schemaVersion: '1-0E', value: 'FA' },
      encryption: {
        encryptedSymmetricKey: rsaOaep(keys.symmetric.certificate, key),
        initializationVector: iv.toString('base64'),
        publicKeyId: keys.symmetric.publicKeyId
      }
    }
  })
  if (r.status !== 201) throw new Error(`open session: ${r.status} ${r.text}`)
  return { ref: r.json.referenceNumber, key, iv }
}

export function encryptedInvoice(s: { key: Buffer; iv: Buffer }, xml: Buffer): Record<string, unknown> {
  const cipher = createCipheriv('aes-256-cbc', s.key, s.iv)
  const encrypted = Buffer.concat([cipher.update(xml), cipher.final()])
  return {
    invoiceHash: sha256b64(xml),
    invoiceSize: xml.length,
    encryptedInvoiceHash: sha256b64(encrypted),
    encryptedInvoiceSize: encrypted.length,
    encryptedInvoiceContent: encrypted.toString('base64')
  }
}

export async function sendInvoice(a: Api, accessToken: string, s: OpenSession, xml: Buffer): Promise<Answer> {
  return await a('POST', `/sessions/online/${s.ref}/invoices`, { bearer: accessToken, body: encryptedInvoice(s, xml) })
}

/** Polls the invoice status until it is no longer 150 (bounded). */
export async function invoiceStatus(
  a: Api,
  accessToken: string,
  sessionRef: string,
  invoiceRef: string
): Promise<Answer> {
  for (let i = 0; i < 3000; i++) {
    const r = await a('GET', `/sessions/${sessionRef}/invoices/${invoiceRef}`, { bearer: accessToken })
    if (r.status === 429) {
      await pause(r)
      continue
    }
    if (r.status !== 200 || r.json.status.code !== 150) return r
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error('invoice stayed in processing')
}

/** A valid FA(3) invoice of the app's own generator, with the seller and number given. */
export function fa3Invoice(opts: { nip?: string; number?: string; issueDate?: string } = {}): Buffer {
  const doc = documentRow({
    seller_nip: opts.nip ?? SELLER_NIP,
    number: opts.number ?? 'FV 7/04/2026',
    issue_date: opts.issueDate ?? '2026-04-10',
    total_net: 8129,
    total_vat: 1870,
    total_gross: 9999,
    total_vat_pln: 1870
  })
  const lines = [
    lineRow(doc.id, 1, {
      name: 'Kubek ceramiczny 330 ml',
      quantityMilli: 3000,
      unitPriceGross: 3333,
      net: 8129,
      vat: 1870,
      gross: 9999,
      rate: '23'
    })
  ]
  return Buffer.from(
    buildFa3Xml(fa3InvoiceFromDocumentRows(doc, lines, [totalRow(doc.id, '23', 8129, 1870, 9999)]), OPTIONS),
    'utf8'
  )
}

/** The official UPO schema, checked by xmllint; the test fails with xmllint's own words. */
export function assertValidUpo(t: Test, xml: string): void {
  const result = spawnSync('xmllint', ['--noout', '--schema', UPO_XSD, '-'], { input: xml, encoding: 'utf8' })
  if (result.error) {
    t.fail(`xmllint could not run: ${result.error.message}`)
    return
  }
  t.equal(result.status, 0, result.status === 0 ? 'UPO valid against upo-v4-3.xsd' : `xmllint: ${result.stderr}`)
}

/** A clock the test moves by hand (the simulator reads it for every expiry and limit). */
export function manualClock(start = Date.now()): { now: () => number; advance: (ms: number) => void } {
  let t = start
  return {
    now: () => t,
    advance: (ms) => {
      t += ms
    }
  }
}

export interface DemoCertificate {
  certificatePem: string
  privateKeyPem: string
  passphrase: string
}

export async function demoCertificate(baseUrl: string, body: Record<string, unknown>): Promise<DemoCertificate> {
  const r = await fetch(`${baseUrl}/demo/certificates`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body)
  })
  if (r.status !== 201) throw new Error(`demo certificate: ${r.status} ${await r.text()}`)
  return (await r.json()) as DemoCertificate
}
