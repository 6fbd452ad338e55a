// KSeF certificates for KOD II tests, made with @peculiar/x509: Offline-type ones carry keyUsage
// Non-Repudiation, Authentication-type ones Digital Signature (certyfikaty-KSeF.md); RSA 2048 or
// EC P-256 keys, as the Ministry issues them.
import 'reflect-metadata'
import { webcrypto } from 'node:crypto'
import * as x509 from '@peculiar/x509'

x509.cryptoProvider.set(webcrypto as unknown as Crypto)

const ALGORITHMS = {
  rsa: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 },
  rsa1024: {
    name: 'RSASSA-PKCS1-v1_5',
    hash: 'SHA-256',
    publicExponent: new Uint8Array([1, 0, 1]),
    modulusLength: 1024
  },
  ec: { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' },
  ec384: { name: 'ECDSA', namedCurve: 'P-384', hash: 'SHA-384' }
} as const

export interface KsefTestCertificate {
  certificatePem: string
  privateKeyPem: string
  serialNumber: string
}

function pem(label: string, der: ArrayBuffer): string {
  const base64 = Buffer.from(der).toString('base64')
  return `-----BEGIN ${label}-----\n${(base64.match(/.{1,64}/g) ?? []).join('\n')}\n-----END ${label}-----\n`
}

export async function ksefCertificate(opts: {
  key: keyof typeof ALGORITHMS
  type: 'Offline' | 'Authentication' | 'none'
  serialNumber?: string
  notBefore?: Date
  notAfter?: Date
}): Promise<KsefTestCertificate> {
  const algorithm = ALGORITHMS[opts.key]
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as CryptoKeyPair
  const serialNumber = opts.serialNumber ?? '01F20A5D352AE590'
  const extensions =
    opts.type === 'none'
      ? []
      : [
          new x509.KeyUsagesExtension(
            opts.type === 'Offline' ? x509.KeyUsageFlags.nonRepudiation : x509.KeyUsageFlags.digitalSignature,
            true
          )
        ]
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber,
    name: 'CN=Jan Kowalski, 2.5.4.5=TINPL-5261040828, C=PL',
    notBefore: opts.notBefore ?? new Date('2026-01-01T00:00:00Z'),
    notAfter: opts.notAfter ?? new Date('2028-01-01T00:00:00Z'),
    keys,
    signingAlgorithm: algorithm,
    extensions
  })
  return {
    certificatePem: cert.toString('pem'),
    privateKeyPem: pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)),
    serialNumber: serialNumber.toUpperCase()
  }
}
