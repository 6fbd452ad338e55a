// The simulator's own keys and certificates: a test CA, the two "Ministry" encryption keys
// published at /security/public-key-certificates, and the certificates the demo helpers issue.
// Certificates are real X.509 (made with @peculiar/x509 on node's WebCrypto).
import { promisify } from 'node:util'
import {
  createHash,
  createHmac,
  generateKeyPair,
  randomBytes,
  timingSafeEqual,
  webcrypto,
  X509Certificate,
  type KeyObject
} from 'node:crypto'
// @peculiar/x509 resolves its services with tsyringe, which needs the Reflect polyfill loaded first
import 'reflect-metadata'
import * as x509 from '@peculiar/x509'

x509.cryptoProvider.set(webcrypto as unknown as Crypto)

const SIGN_ALG = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const
/** organizationIdentifier (2.5.4.97): how KSeF certificates of a company carry its NIP ("VATPL-…"). */
const OID_ORGANIZATION_IDENTIFIER = '2.5.4.97'

export interface RsaPair {
  privateKey: KeyObject
  publicKey: KeyObject
}

const generateRsa = promisify(generateKeyPair)

/** Off the event loop: a 2048-bit key takes long enough to stall other requests. */
export async function rsaPair(bits = 2048): Promise<RsaPair> {
  return await generateRsa('rsa', { modulusLength: bits })
}

async function toWebKeys(pair: RsaPair): Promise<CryptoKeyPair> {
  const privateKey = await webcrypto.subtle.importKey(
    'pkcs8',
    pair.privateKey.export({ type: 'pkcs8', format: 'der' }),
    SIGN_ALG,
    true,
    ['sign']
  )
  const publicKey = await webcrypto.subtle.importKey(
    'spki',
    pair.publicKey.export({ type: 'spki', format: 'der' }),
    SIGN_ALG,
    true,
    ['verify']
  )
  return { privateKey, publicKey } as CryptoKeyPair
}

export interface Ca {
  pair: RsaPair
  cert: x509.X509Certificate
  pem: string
}

export async function createCa(name: string, notBefore: Date, notAfter: Date): Promise<Ca> {
  const pair = await rsaPair()
  const keys = await toWebKeys(pair)
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomBytes(8).toString('hex'),
    name: `CN=${name}, O=Symulator KSeF Biurko, C=PL`,
    notBefore,
    notAfter,
    keys,
    signingAlgorithm: SIGN_ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true)
    ]
  })
  return { pair, cert, pem: cert.toString('pem') }
}

export interface IssueOptions {
  subject: string
  publicKey: KeyObject
  notBefore: Date
  notAfter: Date
  keyUsage: number
}

/** A certificate for `publicKey` signed by the CA, or self-signed when `selfSigned` is given. */
export async function issueCertificate(
  ca: Ca | { selfSigned: RsaPair },
  opts: IssueOptions
): Promise<x509.X509Certificate> {
  const signer = 'selfSigned' in ca ? ca.selfSigned : ca.pair
  const signerKeys = await toWebKeys(signer)
  const subjectKeys = await toWebKeys({ privateKey: signer.privateKey, publicKey: opts.publicKey })
  return x509.X509CertificateGenerator.create({
    serialNumber: randomBytes(8).toString('hex'),
    subject: opts.subject,
    issuer: 'selfSigned' in ca ? opts.subject : ca.cert.subject,
    notBefore: opts.notBefore,
    notAfter: opts.notAfter,
    publicKey: subjectKeys.publicKey,
    signingKey: signerKeys.privateKey,
    signingAlgorithm: SIGN_ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(opts.keyUsage, true)
    ]
  })
}

export function sha256(data: Buffer | string): Buffer {
  return createHash('sha256').update(data).digest()
}

/** The NIP a certificate's subject carries: organizationIdentifier VATPL-…, or serialNumber/CN holding it. */
export function nipFromCertificate(cert: X509Certificate): string | null {
  const parsed = new x509.X509Certificate(cert.raw)
  const name = parsed.subjectName
  for (const value of name.getField(OID_ORGANIZATION_IDENTIFIER)) {
    const m = /^VATPL-(\d{10})$/.exec(value)
    if (m) return m[1]
  }
  for (const value of [...name.getField('serialNumber'), ...name.getField('2.5.4.5')]) {
    const m = /^(?:TINPL-|VATPL-)?(\d{10})$/.exec(value)
    if (m) return m[1]
  }
  return null
}

export function hasKeyUsage(cert: X509Certificate, flag: number): boolean {
  const parsed = new x509.X509Certificate(cert.raw)
  const ext = parsed.getExtension(x509.KeyUsagesExtension)
  return ext !== null && (ext.usages & flag) !== 0
}

export { x509 }

// ---- JWT-like tokens (HS256), with a real `exp` -------------------------------------------------

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url')
}

export function signJwt(secret: Buffer, claims: Record<string, unknown>): string {
  const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))
  const body = b64url(JSON.stringify(claims))
  const mac = createHmac('sha256', secret).update(`${head}.${body}`).digest()
  return `${head}.${body}.${b64url(mac)}`
}

/** The claims when the signature holds; expiry is the caller's to check (it has the clock). */
export function verifyJwt(secret: Buffer, token: string): Record<string, unknown> | null {
  const parts = token.split('.')
  if (parts.length !== 3) return null
  const mac = createHmac('sha256', secret).update(`${parts[0]}.${parts[1]}`).digest()
  const given = Buffer.from(parts[2], 'base64url')
  if (given.length !== mac.length || !timingSafeEqual(given, mac)) return null
  try {
    const claims: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'))
    return typeof claims === 'object' && claims !== null ? (claims as Record<string, unknown>) : null
  } catch {
    return null
  }
}
