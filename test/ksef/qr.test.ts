import t from 'tap'
import { constants, createHash, verify, X509Certificate } from 'node:crypto'
import { loadConfig } from '../../src/config.ts'
import { buildFa3Xml } from '../../src/ksef/fa3.ts'
import { fa3InvoiceFromDocumentRows } from '../../src/ksef/fa3-documents.ts'
import {
  base64ToBase64Url,
  certificateVerificationUrl,
  invoiceFileFacts,
  invoiceVerificationUrl,
  ksefCodes,
  loadOfflineSigner,
  NO_OFFLINE_CERTIFICATE,
  qrBaseUrl,
  qrIssueDate,
  sha256Base64Url,
  signedPartOf,
  type OfflineSigner
} from '../../src/ksef/qr.ts'
import { documentRow, lineRow, OPTIONS, totalRow } from './fa3-fixtures.ts'
import { ksefCertificate } from './helpers/qr-certificates.ts'

const AT = new Date('2026-12-07T10:00:00Z')
const EXAMPLE_HASH = 'UtQp9Gpc51y-u3xApZjIjgkpZ01js-J8KflSPW8WzIE'

function invoiceFile(overrides: Parameters<typeof documentRow>[0] = {}): Buffer {
  const doc = documentRow({
    issue_date: '2026-12-07',
    sale_date: '2026-12-06',
    total_net: 1000,
    total_vat: 230,
    total_gross: 1230,
    total_vat_pln: 230,
    ...overrides
  })
  const lines = [
    lineRow(doc.id, 1, {
      name: 'Kubek',
      quantityMilli: 1000,
      unitPriceGross: 1230,
      net: 1000,
      vat: 230,
      gross: 1230,
      rate: '23'
    })
  ]
  return Buffer.from(
    buildFa3Xml(fa3InvoiceFromDocumentRows(doc, lines, [totalRow(doc.id, '23', 1000, 230, 1230)]), OPTIONS),
    'utf8'
  )
}

function signerOf(result: ReturnType<typeof loadOfflineSigner>): OfflineSigner {
  if (!result.ok) throw new Error(result.problem)
  return result.signer
}

t.test('KOD I is the documented link: /invoice/{NIP}/{DD-MM-RRRR}/{SHA-256 Base64URL}', async (t) => {
  // the example of kody-qr.md, character for character
  t.equal(
    invoiceVerificationUrl({
      qrBaseUrl: 'https://qr-test.ksef.mf.gov.pl',
      sellerNip: '1111111111',
      issueDate: '2026-02-01',
      invoiceHash: EXAMPLE_HASH
    }),
    'https://qr-test.ksef.mf.gov.pl/invoice/1111111111/01-02-2026/UtQp9Gpc51y-u3xApZjIjgkpZ01js-J8KflSPW8WzIE'
  )
  t.equal(qrIssueDate('2026-12-07'), '07-12-2026')
  t.throws(
    () =>
      invoiceVerificationUrl({
        qrBaseUrl: 'https://qr.ksef.mf.gov.pl',
        sellerNip: '1234567890',
        issueDate: '2026-02-01',
        invoiceHash: EXAMPLE_HASH
      }),
    /NIP/
  )
  t.throws(
    () =>
      invoiceVerificationUrl({
        qrBaseUrl: 'https://qr.ksef.mf.gov.pl',
        sellerNip: '1111111111',
        issueDate: '2026-02-01',
        invoiceHash: 'UtQp9Gpc51y+u3xApZjIjgkpZ01js+J8KflSPW8WzIE='
      }),
    /Base64URL/,
    'plain Base64 is refused'
  )
})

t.test('hashes are SHA-256 of the bytes in Base64URL', async (t) => {
  const bytes = Buffer.from('<Faktura>Zażółć gęślą jaźń ???>>></Faktura>', 'utf8')
  const standard = createHash('sha256').update(bytes).digest('base64')
  t.equal(sha256Base64Url(bytes), base64ToBase64Url(standard))
  t.notMatch(sha256Base64Url(bytes), /[+/=]/)
  t.equal(sha256Base64Url(bytes).length, 43)
})

t.test("the QR base comes from config; the built-in simulator lives on the app's public URL", async (t) => {
  const config = loadConfig({ PUBLIC_URL: 'https://biurko.example.pl/' })
  t.equal(qrBaseUrl(config, 'produkcja'), 'https://qr.ksef.mf.gov.pl')
  t.equal(qrBaseUrl(config, 'demo'), 'https://qr-demo.ksef.mf.gov.pl')
  t.equal(qrBaseUrl(config, 'test'), 'https://qr-test.ksef.mf.gov.pl')
  t.equal(qrBaseUrl(config, 'symulator'), 'https://biurko.example.pl/symulator-ksef/qr')
  t.equal(
    qrBaseUrl(loadConfig({ KSEF_SIMULATOR_QR_URL: 'http://127.0.0.1:4100/qr/' }), 'symulator'),
    'http://127.0.0.1:4100/qr'
  )
})

t.test('KOD I takes the seller NIP and P_1 from the file itself', async (t) => {
  const xml = invoiceFile()
  t.same(invoiceFileFacts(xml), { sellerNip: '5261040828', issueDate: '2026-12-07' })
  t.throws(() => invoiceFileFacts(Buffer.from('<Faktura xmlns="urn:other"/>')), /FA\(3\)/)
  t.throws(() => invoiceFileFacts(Buffer.from([0xff, 0xfe, 0x00])), 'not UTF-8')
})

t.test('online: one code, labelled with the KSeF number, or OFFLINE while there is none', async (t) => {
  const xml = invoiceFile()
  const sha256Base64 = createHash('sha256').update(xml).digest('base64')
  const base = {
    qrBaseUrl: 'https://qr.ksef.mf.gov.pl',
    xml,
    sha256Base64,
    offlineMode: null,
    contextNip: '5261040828',
    offlineSigner: null
  }
  const accepted = ksefCodes({ ...base, ksefNumber: '5261040828-20261207-010020A2B4C4-2B' })
  t.equal(accepted.invoice?.url, `https://qr.ksef.mf.gov.pl/invoice/5261040828/07-12-2026/${sha256Base64Url(xml)}`)
  t.equal(accepted.invoice?.label, '5261040828-20261207-010020A2B4C4-2B')
  t.equal(accepted.certificate, null, 'no KOD II online')
  t.equal(accepted.certificateProblem, null)
  t.equal(ksefCodes({ ...base, ksefNumber: null }).invoice?.label, 'OFFLINE')
  t.throws(
    () => ksefCodes({ ...base, ksefNumber: null, sha256Base64: createHash('sha256').update('other').digest('base64') }),
    /does not match/,
    'a stored hash of other bytes is never printed'
  )
})

for (const key of ['rsa', 'ec'] as const) {
  t.test(
    `KOD II signed with an Offline certificate (${key === 'rsa' ? 'RSASSA-PSS' : 'ECDSA P-256, IEEE P1363'}) verifies with its public key`,
    async (t) => {
      const cert = await ksefCertificate({ key, type: 'Offline' })
      const signer = signerOf(loadOfflineSigner(cert.certificatePem, cert.privateKeyPem, AT))
      t.equal(signer.serialNumber, '01F20A5D352AE590')
      const url = certificateVerificationUrl({
        qrBaseUrl: 'https://qr-test.ksef.mf.gov.pl',
        contextType: 'Nip',
        contextValue: '1111111111',
        sellerNip: '1111111111',
        invoiceHash: EXAMPLE_HASH,
        signer
      })
      const prefix =
        'https://qr-test.ksef.mf.gov.pl/certificate/Nip/1111111111/1111111111/01F20A5D352AE590/UtQp9Gpc51y-u3xApZjIjgkpZ01js-J8KflSPW8WzIE/'
      t.ok(url.startsWith(prefix), url)
      const signatureText = url.slice(prefix.length)
      t.match(signatureText, /^[A-Za-z0-9_-]+$/, 'Base64URL')
      const signature = Buffer.from(signatureText, 'base64url')
      // what is signed: the link without https:// and without the signature
      const signed = Buffer.from(
        'qr-test.ksef.mf.gov.pl/certificate/Nip/1111111111/1111111111/01F20A5D352AE590/UtQp9Gpc51y-u3xApZjIjgkpZ01js-J8KflSPW8WzIE'
      )
      t.equal(signedPartOf(prefix), signed.toString())
      const publicKey = new X509Certificate(cert.certificatePem).publicKey
      if (key === 'rsa') {
        t.equal(signature.length, 256)
        t.ok(
          verify(
            'sha256',
            signed,
            { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
            signature
          ),
          'RSASSA-PSS, SHA-256, MGF1 SHA-256, 32-byte salt'
        )
        t.notOk(
          verify('sha256', signed, { key: publicKey, padding: constants.RSA_PKCS1_PADDING }, signature),
          'not PKCS#1 v1.5'
        )
      } else {
        t.equal(signature.length, 64, 'r || s, 32 bytes each')
        t.ok(verify('sha256', signed, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature))
      }
      const tampered = Buffer.from(signed.toString().replace('UtQp9', 'UtQp8'))
      t.notOk(
        verify(
          'sha256',
          tampered,
          key === 'rsa'
            ? { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }
            : { key: publicKey, dsaEncoding: 'ieee-p1363' },
          signature
        ),
        'another hash does not verify'
      )
    }
  )
}

t.test("offline: KOD I labelled OFFLINE and KOD II labelled CERTYFIKAT over the file's hash", async (t) => {
  const xml = invoiceFile()
  const cert = await ksefCertificate({ key: 'ec', type: 'Offline', serialNumber: '7a0b01' })
  const codes = ksefCodes({
    qrBaseUrl: 'http://localhost:3000/symulator-ksef/qr',
    xml,
    sha256Base64: createHash('sha256').update(xml).digest('base64'),
    ksefNumber: null,
    offlineMode: 'offline24',
    contextNip: '526-104-08-28',
    offlineSigner: loadOfflineSigner(cert.certificatePem, cert.privateKeyPem, AT)
  })
  t.equal(codes.invoice?.label, 'OFFLINE')
  t.equal(codes.certificate?.label, 'CERTYFIKAT')
  const url = codes.certificate?.url ?? ''
  const parts = url.split('/')
  const signature = Buffer.from(parts.pop() ?? '', 'base64url')
  t.same(parts.slice(-6), ['certificate', 'Nip', '5261040828', '5261040828', '7A0B01', sha256Base64Url(xml)])
  // the scheme is left out of what is signed also for http:// (the simulator on loopback)
  const signed = parts.join('/').replace('http://', '')
  t.ok(signed.startsWith('localhost:3000/symulator-ksef/qr/certificate/'))
  t.ok(
    verify(
      'sha256',
      Buffer.from(signed),
      { key: new X509Certificate(cert.certificatePem).publicKey, dsaEncoding: 'ieee-p1363' },
      signature
    )
  )
})

t.test('offline without a usable Offline certificate: KOD I only, and why', async (t) => {
  const xml = invoiceFile()
  const base = {
    qrBaseUrl: 'https://qr.ksef.mf.gov.pl',
    xml,
    sha256Base64: createHash('sha256').update(xml).digest('base64'),
    ksefNumber: null,
    offlineMode: 'awaria' as const,
    contextNip: '5261040828'
  }
  const none = ksefCodes({ ...base, offlineSigner: null })
  t.equal(none.invoice?.label, 'OFFLINE')
  t.equal(none.certificate, null)
  t.equal(none.certificateProblem, NO_OFFLINE_CERTIFICATE)
  t.match(none.certificateProblem, /USTAWIENIA » INTEGRACJE » KSeF/)

  const auth = await ksefCertificate({ key: 'rsa', type: 'Authentication' })
  const refused = ksefCodes({ ...base, offlineSigner: loadOfflineSigner(auth.certificatePem, auth.privateKeyPem, AT) })
  t.equal(refused.certificate, null)
  t.match(refused.certificateProblem, /typu Uwierzytelnianie \(Authentication\).*nie ma KODU II/)
  // sent meanwhile: the KSeF number replaces OFFLINE, KOD II stays on an offline invoice
  t.equal(
    ksefCodes({ ...base, ksefNumber: '5261040828-20261207-010020A2B4C4-2B', offlineSigner: null }).invoice?.label,
    '5261040828-20261207-010020A2B4C4-2B'
  )
})

t.test('a declared total failure: no QR codes at all (tryby-offline.md)', async (t) => {
  const xml = invoiceFile()
  const codes = ksefCodes({
    qrBaseUrl: 'https://qr.ksef.mf.gov.pl',
    xml,
    sha256Base64: createHash('sha256').update(xml).digest('base64'),
    ksefNumber: null,
    offlineMode: 'awaria_calkowita',
    contextNip: '5261040828',
    offlineSigner: null
  })
  t.equal(codes.invoice, null)
  t.equal(codes.certificate, null)
  t.equal(codes.certificateProblem, null)
})

t.test(
  'only an Offline-type certificate with an allowed key, its own key, and in its validity signs KOD II',
  async (t) => {
    const offline = await ksefCertificate({ key: 'rsa', type: 'Offline' })
    t.equal(loadOfflineSigner(offline.certificatePem, offline.privateKeyPem, AT).ok, true)
    const cases: Array<[string, () => Promise<[string, string, Date?]>, RegExp]> = [
      [
        'an Authentication certificate',
        async () => {
          const c = await ksefCertificate({ key: 'ec', type: 'Authentication' })
          return [c.certificatePem, c.privateKeyPem]
        },
        /typu Uwierzytelnianie/
      ],
      [
        'no keyUsage',
        async () => {
          const c = await ksefCertificate({ key: 'ec', type: 'none' })
          return [c.certificatePem, c.privateKeyPem]
        },
        /nie jest certyfikatem KSeF typu Offline/
      ],
      [
        'RSA 1024',
        async () => {
          const c = await ksefCertificate({ key: 'rsa1024', type: 'Offline' })
          return [c.certificatePem, c.privateKeyPem]
        },
        /co najmniej 2048 bitów/
      ],
      [
        'EC P-384',
        async () => {
          const c = await ksefCertificate({ key: 'ec384', type: 'Offline' })
          return [c.certificatePem, c.privateKeyPem]
        },
        /P-256/
      ],
      [
        "another certificate's key",
        async () => {
          const c = await ksefCertificate({ key: 'rsa', type: 'Offline' })
          return [offline.certificatePem, c.privateKeyPem]
        },
        /nie pasuje/
      ],
      [
        'expired',
        async () => [offline.certificatePem, offline.privateKeyPem, new Date('2028-02-01T00:00:00Z')],
        /wygasł 2028-01-01/
      ],
      [
        'not yet valid',
        async () => [offline.certificatePem, offline.privateKeyPem, new Date('2025-12-01T00:00:00Z')],
        /dopiero od 2026-01-01/
      ],
      [
        'not a certificate',
        async () => ['-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', offline.privateKeyPem],
        /X\.509/
      ],
      ['not a key', async () => [offline.certificatePem, 'klucz'], /klucz prywatny/]
    ]
    for (const [name, make, problem] of cases) {
      const [certificatePem, privateKeyPem, at] = await make()
      const result = loadOfflineSigner(certificatePem, privateKeyPem, at ?? AT)
      t.equal(result.ok, false, name)
      if (!result.ok) t.match(result.problem, problem, name)
    }
  }
)
