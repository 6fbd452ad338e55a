// The client side of KSeF's cryptography (bezpieczenstwo/klucze-publiczne-do-szyfrowania.md,
// uwierzytelnianie.md, sesja-interaktywna.md): RSA-OAEP SHA-256 with the Ministry's published
// keys, AES-256-CBC with PKCS#7 for invoices, SHA-256 in Base64 for hashes.
import { constants, createCipheriv, createHash, publicEncrypt, randomBytes, X509Certificate } from 'node:crypto'

export function sha256Base64(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('base64')
}

/** publicKeyId: SHA-256 of the DER SubjectPublicKeyInfo in the certificate, Base64 */
export function publicKeyIdOf(certificateDerBase64: string): string {
  const cert = new X509Certificate(Buffer.from(certificateDerBase64, 'base64'))
  return sha256Base64(cert.publicKey.export({ type: 'spki', format: 'der' }))
}

function rsaOaepSha256(certificateDerBase64: string, plain: Uint8Array): Buffer {
  const cert = new X509Certificate(Buffer.from(certificateDerBase64, 'base64'))
  return publicEncrypt({ key: cert.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, plain)
}

/** `{token}|{timestampMs}` encrypted with the KsefTokenEncryption key, Base64 (uwierzytelnianie.md 2.2) */
export function encryptKsefToken(certificateDerBase64: string, token: string, timestampMs: number): string {
  return rsaOaepSha256(certificateDerBase64, Buffer.from(`${token}|${timestampMs}`, 'utf8')).toString('base64')
}

export interface SessionKey {
  key: Buffer
  iv: Buffer
  /** the key wrapped with the SymmetricKeyEncryption key, Base64 */
  encryptedSymmetricKey: string
  initializationVector: string
}

/** A fresh AES-256 key and IV for one online session, the key wrapped for KSeF. */
export function newSessionKey(certificateDerBase64: string): SessionKey {
  const key = randomBytes(32)
  const iv = randomBytes(16)
  return {
    key,
    iv,
    encryptedSymmetricKey: rsaOaepSha256(certificateDerBase64, key).toString('base64'),
    initializationVector: iv.toString('base64')
  }
}

export interface EncryptedInvoice {
  invoiceHash: string
  invoiceSize: number
  encryptedInvoiceHash: string
  encryptedInvoiceSize: number
  encryptedInvoiceContent: string
}

/** AES-256-CBC with PKCS#7 padding (node's default), the session's key and IV */
export function encryptInvoice(session: { key: Buffer; iv: Buffer }, xml: Uint8Array): EncryptedInvoice {
  const cipher = createCipheriv('aes-256-cbc', session.key, session.iv)
  const encrypted = Buffer.concat([cipher.update(xml), cipher.final()])
  return {
    invoiceHash: sha256Base64(xml),
    invoiceSize: xml.byteLength,
    encryptedInvoiceHash: sha256Base64(encrypted),
    encryptedInvoiceSize: encrypted.byteLength,
    encryptedInvoiceContent: encrypted.toString('base64')
  }
}

/** The `exp` of a JWT as an ISO instant, or null when it cannot be read (the token is opaque to us otherwise). */
export function jwtExpiry(token: string): string | null {
  const payload = token.split('.')[1]
  if (payload === undefined) return null
  try {
    const exp = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown }).exp
    return typeof exp === 'number' && Number.isFinite(exp) ? new Date(exp * 1000).toISOString() : null
  } catch {
    return null
  }
}
