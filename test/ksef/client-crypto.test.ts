import t from 'tap'
import {
  constants,
  createDecipheriv,
  createHash,
  generateKeyPairSync,
  privateDecrypt,
  X509Certificate
} from 'node:crypto'
import { DOMParser } from '@xmldom/xmldom'
import { SignedXml } from 'xml-crypto'
import {
  encryptInvoice,
  encryptKsefToken,
  jwtExpiry,
  newSessionKey,
  publicKeyIdOf,
  sha256Base64
} from '../../src/ksef/client/ksef-crypto.ts'
import { KsefRateLimiter, limitGroup } from '../../src/ksef/client/rate-limiter.ts'
import { authTokenRequestXml, readPrivateKey, signAuthTokenRequest, XADES_NS } from '../../src/ksef/client/xades.ts'
import { testCertificate } from './helpers/certificates.ts'

// the Ministry's side of the crypto: a key pair published as a certificate
const ministry = await testCertificate({ name: 'CN=Ministerstwo Finansów, C=PL' })
const ministryDer = new X509Certificate(ministry.certificatePem).raw.toString('base64')
const ministryKey = readPrivateKey(ministry.privateKeyPem, '')

t.test('the KSeF token is token|timestampMs under RSA-OAEP SHA-256 of the published key', async (t) => {
  const sealed = encryptKsefToken(ministryDer, 'secret-token', 1752236400000)
  const plain = privateDecrypt(
    { key: ministryKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
    Buffer.from(sealed, 'base64')
  )
  t.equal(plain.toString('utf8'), 'secret-token|1752236400000')
})

t.test('publicKeyId is SHA-256 of the SubjectPublicKeyInfo', async (t) => {
  const spki = new X509Certificate(ministry.certificatePem).publicKey.export({ type: 'spki', format: 'der' })
  t.equal(publicKeyIdOf(ministryDer), createHash('sha256').update(spki).digest('base64'))
  t.equal(publicKeyIdOf(ministryDer).length, 44)
})

t.test('a session key unwraps on the Ministry side and decrypts the invoice to the same bytes', async (t) => {
  const session = newSessionKey(ministryDer)
  const key = privateDecrypt(
    { key: ministryKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
    Buffer.from(session.encryptedSymmetricKey, 'base64')
  )
  t.equal(key.length, 32)
  const xml = Buffer.from('<?xml version="1.0" encoding="UTF-8"?><Faktura>Zażółć gęślą jaźń</Faktura>', 'utf8')
  const sent = encryptInvoice(session, xml)
  const encrypted = Buffer.from(sent.encryptedInvoiceContent, 'base64')
  const decipher = createDecipheriv('aes-256-cbc', key, Buffer.from(session.initializationVector, 'base64'))
  const back = Buffer.concat([decipher.update(encrypted), decipher.final()])
  t.same(back, xml)
  t.equal(sent.invoiceHash, sha256Base64(xml))
  t.equal(sent.invoiceSize, xml.byteLength)
  t.equal(sent.encryptedInvoiceHash, sha256Base64(encrypted))
  t.equal(sent.encryptedInvoiceSize, encrypted.byteLength)
  t.equal(sent.encryptedInvoiceSize % 16, 0, 'PKCS#7 pads to whole blocks')
})

t.test('the JWT exp is read; anything unreadable is null', async (t) => {
  const jwt = (payload: object): string => `e30.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.sig`
  t.equal(jwtExpiry(jwt({ exp: 1752240000 })), '2025-07-11T13:20:00.000Z')
  t.equal(jwtExpiry(jwt({ exp: 'soon' })), null)
  t.equal(jwtExpiry('not-a-jwt'), null)
  t.equal(jwtExpiry('a.!!!.b'), null)
})

t.test('the AuthTokenRequest carries a valid enveloped XAdES-BES signature', async (t) => {
  const company = await testCertificate({ name: 'CN=Firma, 2.5.4.97=VATPL-5265877635, C=PL' })
  const signed = signAuthTokenRequest(
    authTokenRequestXml('20250625-CR-2FDC223000-C2BFC98A9C-4E', '5265877635'),
    { certificatePem: company.certificatePem, privateKey: readPrivateKey(company.privateKeyPem, '') },
    new Date('2026-12-07T02:00:00Z')
  )
  const doc = new DOMParser().parseFromString(signed, 'text/xml')
  const signature = doc.getElementsByTagNameNS('http://www.w3.org/2000/09/xmldsig#', 'Signature')[0]
  t.ok(signature)
  const verifier = new SignedXml({ publicCert: company.certificatePem })
  verifier.loadSignature(signature as unknown as Node)
  t.ok(verifier.checkSignature(signed), 'signature verifies with the certificate')
  t.match(
    signed,
    /<ds:Reference URI="#SignedProperties" Type="http:\/\/uri.etsi.org\/01903#SignedProperties">/,
    'SignedProperties are signed'
  )
  t.ok(
    verifier.getSignedReferences().some((r) => r.includes('SignedProperties')),
    'their digest was checked'
  )
  const certDigest = doc
    .getElementsByTagNameNS(XADES_NS, 'CertDigest')[0]
    ?.getElementsByTagNameNS('http://www.w3.org/2000/09/xmldsig#', 'DigestValue')[0]?.textContent
  t.equal(
    certDigest,
    createHash('sha256').update(new X509Certificate(company.certificatePem).raw).digest('base64'),
    'SigningCertificate names this certificate'
  )
  t.equal(doc.getElementsByTagNameNS(XADES_NS, 'SigningTime')[0]?.textContent, '2026-12-07T02:00:00Z')
  // a tampered challenge breaks it
  const tampered = signed.replace('20250625-CR-2FDC223000-C2BFC98A9C-4E', '20250625-CR-2FDC223000-C2BFC98A9C-4F')
  const doc2 = new DOMParser().parseFromString(tampered, 'text/xml')
  const v2 = new SignedXml({ publicCert: company.certificatePem })
  v2.loadSignature(doc2.getElementsByTagNameNS('http://www.w3.org/2000/09/xmldsig#', 'Signature')[0] as unknown as Node)
  let valid: boolean
  try {
    valid = v2.checkSignature(tampered)
  } catch {
    valid = false
  }
  t.equal(valid, false, 'a changed challenge does not verify')
})

t.test('an encrypted key needs its passphrase', async (t) => {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'dobre-haslo' },
    publicKeyEncoding: { type: 'spki', format: 'pem' }
  })
  t.equal(readPrivateKey(privateKey, 'dobre-haslo').asymmetricKeyType, 'rsa')
  t.throws(() => readPrivateKey(privateKey, 'zle-haslo'))
})

t.test('the limiter keeps each endpoint group within its second/minute/hour limits', async (t) => {
  t.equal(limitGroup('POST', '/sessions/online/20250625-SO-2C3E6C8000-B675CF5D68-07/invoices'), 'invoiceSend')
  t.equal(
    limitGroup('GET', '/sessions/20250625-SO-2C3E6C8000-B675CF5D68-07/invoices/20250625-EE-319D7EE000-B67F415CDC-2C'),
    'invoiceStatus'
  )
  t.equal(limitGroup('POST', '/auth/challenge'), 'other')
  const limiter = new KsefRateLimiter()
  let now = 0
  let sent = 0
  const starts: number[] = []
  // 200 invoice sends as fast as the limiter allows, on a simulated clock
  while (sent < 200) {
    const wait = limiter.reserve('invoiceSend', now)
    if (wait === 0) {
      starts.push(now)
      sent++
    } else now += wait
  }
  const within = (from: number, ms: number): number => starts.filter((s) => s >= from && s < from + ms).length
  for (const s of starts) {
    t.ok(within(s, 1000) <= 10 && within(s, 60_000) <= 30 && within(s, 3_600_000) <= 180, `window from ${s}`)
  }
  t.ok((starts[180] as number) >= 3_600_000, 'the 181st send waits for the hour')
  limiter.hold(now + 30_000)
  t.equal(limiter.reserve('other', now), 30_000, 'a 429 Retry-After holds every group')
})
