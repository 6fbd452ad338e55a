// The codes as printed: the PDF is rasterised by pdftoppm and the QR symbols decoded with jsQR,
// so what is checked is what a phone reads off the page.
import t from 'tap'
import { constants, createHash, verify, X509Certificate } from 'node:crypto'
import { extractText } from 'unpdf'
import { renderDocumentPdf } from '../../src/pdf/document-pdf.ts'
import { loadDocumentForOutput, type DocumentForOutput } from '../../src/pdf/document-output.queries.ts'
import { buildFa3Xml } from '../../src/ksef/fa3.ts'
import { fa3InvoiceFromDocumentRows } from '../../src/ksef/fa3-documents.ts'
import { ksefCodes, loadOfflineSigner, type KsefCodesInput } from '../../src/ksef/qr.ts'
import { migratedMemoryDb, seedCompany } from '../helpers/app.ts'
import { insertDocument } from '../helpers/document-fixtures.ts'
import { documentRow, lineRow, OPTIONS, totalRow } from './fa3-fixtures.ts'
import { ksefCertificate } from './helpers/qr-certificates.ts'
import { qrCodesInPdf } from './helpers/qr-pdf.ts'

const AT = new Date('2026-12-07T10:00:00Z')
const KSEF_NUMBER = '5261040828-20261207-010020A2B4C4-2B'

// the exact file: a real FA(3) of the seller 5261040828 issued 2026-04-10
const row = documentRow({ total_net: 1000, total_vat: 230, total_gross: 1230, total_vat_pln: 230 })
const xml = Buffer.from(
  buildFa3Xml(
    fa3InvoiceFromDocumentRows(
      row,
      [
        lineRow(row.id, 1, {
          name: 'Kubek',
          quantityMilli: 1000,
          unitPriceGross: 1230,
          net: 1000,
          vat: 230,
          gross: 1230,
          rate: '23'
        })
      ],
      [totalRow(row.id, '23', 1000, 230, 1230)]
    ),
    OPTIONS
  ),
  'utf8'
)
const digest = createHash('sha256').update(xml).digest()
const hashUrl = digest.toString('base64url')
const base: KsefCodesInput = {
  qrBaseUrl: 'https://qr-test.ksef.mf.gov.pl',
  xml,
  sha256Base64: digest.toString('base64'),
  ksefNumber: null,
  offlineMode: null,
  contextNip: '5261040828',
  offlineSigner: null
}

const db = await migratedMemoryDb()
await seedCompany(db)
t.teardown(async () => await db.destroy())

async function output(type: string, lines = 2): Promise<DocumentForOutput> {
  const { documentId } = await insertDocument(db, {
    type,
    lines: Array.from({ length: lines }, (_, i) => ({ name: `Towar ${i + 1}`, quantityMilli: 1000 }))
  })
  return await loadDocumentForOutput(db, documentId)
}

async function textOf(pdf: Buffer): Promise<string> {
  const { text } = await extractText(new Uint8Array(pdf), { mergePages: true })
  return text.replace(/\s+/g, ' ')
}

t.test(
  'an accepted invoice: KOD I read off the page is the link to the stored bytes, labelled with the KSeF number',
  async (t) => {
    const pdf = await renderDocumentPdf(await output('faktura'), ksefCodes({ ...base, ksefNumber: KSEF_NUMBER }))
    const codes = await qrCodesInPdf(pdf)
    t.equal(codes.length, 1, 'one code online')
    t.equal(codes[0].data, `https://qr-test.ksef.mf.gov.pl/invoice/5261040828/10-04-2026/${hashUrl}`)
    t.same(
      Buffer.from(codes[0].data.split('/').pop() ?? '', 'base64url'),
      digest,
      'the hash on paper is SHA-256 of the stored bytes'
    )
    const text = await textOf(pdf)
    t.match(text, KSEF_NUMBER)
    t.notMatch(text, 'OFFLINE')
    t.notMatch(text, 'CERTYFIKAT')
  }
)

t.test('waiting for the number: the same code labelled OFFLINE', async (t) => {
  const pdf = await renderDocumentPdf(await output('faktura_bez_vat'), ksefCodes(base))
  const codes = await qrCodesInPdf(pdf)
  t.same(
    codes.map((code) => code.data),
    [`https://qr-test.ksef.mf.gov.pl/invoice/5261040828/10-04-2026/${hashUrl}`]
  )
  t.match(await textOf(pdf), /OFFLINE.*Faktura czeka na nadanie numeru KSeF/)
})

for (const key of ['rsa', 'ec'] as const) {
  t.test(
    `an offline invoice (${key.toUpperCase()} Offline certificate): KOD I and KOD II, KOD II verifies with the certificate`,
    async (t) => {
      const cert = await ksefCertificate({ key, type: 'Offline' })
      const pdf = await renderDocumentPdf(
        await output('faktura'),
        ksefCodes({
          ...base,
          offlineMode: 'offline24',
          offlineSigner: loadOfflineSigner(cert.certificatePem, cert.privateKeyPem, AT)
        })
      )
      const codes = await qrCodesInPdf(pdf)
      t.equal(codes.length, 2, 'two codes offline')
      t.equal(
        codes[0].data,
        `https://qr-test.ksef.mf.gov.pl/invoice/5261040828/10-04-2026/${hashUrl}`,
        'KOD I on the left'
      )
      const kod2 = codes[1].data
      const prefix = `https://qr-test.ksef.mf.gov.pl/certificate/Nip/5261040828/5261040828/01F20A5D352AE590/${hashUrl}/`
      t.ok(kod2.startsWith(prefix), kod2)
      const signature = Buffer.from(kod2.slice(prefix.length), 'base64url')
      const signed = Buffer.from(prefix.slice('https://'.length, -1))
      const publicKey = new X509Certificate(cert.certificatePem).publicKey
      t.ok(
        key === 'rsa'
          ? verify(
              'sha256',
              signed,
              { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
              signature
            )
          : verify('sha256', signed, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature),
        'the signature read off the paper verifies'
      )
      const text = await textOf(pdf)
      t.match(text, /OFFLINE.*CERTYFIKAT/)
      t.match(text, 'w trybie offline24')
    }
  )
}

t.test('an offline invoice without an Offline certificate: KOD I only, and the page says why', async (t) => {
  const pdf = await renderDocumentPdf(await output('faktura'), ksefCodes({ ...base, offlineMode: 'awaria' }))
  const codes = await qrCodesInPdf(pdf)
  t.same(
    codes.map((code) => code.data),
    [`https://qr-test.ksef.mf.gov.pl/invoice/5261040828/10-04-2026/${hashUrl}`]
  )
  const text = await textOf(pdf)
  t.match(text, 'KOD II niedostępny')
  t.match(text, 'KOD II nie został dołączony: wystawca nie ma ważnego certyfikatu KSeF typu Offline')
})

t.test('a declared total failure: no codes, one sentence', async (t) => {
  const pdf = await renderDocumentPdf(await output('faktura'), ksefCodes({ ...base, offlineMode: 'awaria_calkowita' }))
  t.same(await qrCodesInPdf(pdf), [])
  t.match(await textOf(pdf), 'awarii całkowitej KSeF – bez kodów QR')
})

t.test('a long invoice: the block moves whole to the next page and still scans', async (t) => {
  const pdf = await renderDocumentPdf(await output('faktura', 31), ksefCodes({ ...base, ksefNumber: KSEF_NUMBER }))
  const codes = await qrCodesInPdf(pdf)
  t.equal(codes.length, 1)
  t.equal(codes[0].page, 2)
  t.equal(codes[0].data, `https://qr-test.ksef.mf.gov.pl/invoice/5261040828/10-04-2026/${hashUrl}`)
})

t.test('no QR on a paragon, a pro forma or another non-KSeF document, even when codes are passed', async (t) => {
  const codes = ksefCodes({ ...base, ksefNumber: KSEF_NUMBER })
  for (const type of ['paragon', 'proforma', 'inny_przychod']) {
    const pdf = await renderDocumentPdf(await output(type), codes)
    t.same(await qrCodesInPdf(pdf), [], type)
    t.notMatch(await textOf(pdf), 'KSeF', type)
  }
})
