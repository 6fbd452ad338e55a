// Test X.509 certificates (self-signed, like the Ministry allows on its test environment) made
// with @peculiar/x509, and their keys as PEM.
import 'reflect-metadata'
import { webcrypto } from 'node:crypto'
import * as x509 from '@peculiar/x509'

x509.cryptoProvider.set(webcrypto as unknown as Crypto)

const RSA = {
  name: 'RSASSA-PKCS1-v1_5',
  hash: 'SHA-256',
  publicExponent: new Uint8Array([1, 0, 1]),
  modulusLength: 2048
}

export interface TestCertificate {
  certificatePem: string
  privateKeyPem: string
}

export async function testCertificate(opts: {
  name: string
  notBefore?: Date
  notAfter?: Date
}): Promise<TestCertificate> {
  const keys = await webcrypto.subtle.generateKey(RSA, true, ['sign', 'verify'])
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '0a1b2c3d',
    name: opts.name,
    notBefore: opts.notBefore ?? new Date('2026-01-01T00:00:00Z'),
    notAfter: opts.notAfter ?? new Date('2028-01-01T00:00:00Z'),
    keys,
    signingAlgorithm: RSA
  })
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)).toString('base64')
  return {
    certificatePem: cert.toString('pem'),
    privateKeyPem: `-----BEGIN PRIVATE KEY-----\n${(pkcs8.match(/.{1,64}/g) ?? []).join('\n')}\n-----END PRIVATE KEY-----\n`
  }
}
