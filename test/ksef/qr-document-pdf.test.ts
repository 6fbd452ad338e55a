// The PDF a user downloads (and Wyślij do Allegro attaches), end to end over the app's routes:
// the file is fixed in ksef_submissions when the PDF is made, and the QR code read off the
// rendered page carries SHA-256 of exactly those stored bytes.
import t from 'tap'
import { createHash, verify, X509Certificate } from 'node:crypto'
import { extractText } from 'unpdf'
import { isValidKsefNumber } from '../../src/ksef/ksef-number.ts'
import { invoiceFileOf } from '../../src/ksef/submissions.queries.ts'
import { encryptSecret } from '../../src/shared/crypto.ts'
import { build, type Built } from '../helpers/app.ts'
import { correct, invoiceFor } from '../corrections/helpers.ts'
import { ksefCertificate } from './helpers/qr-certificates.ts'
import { qrCodesInPdf } from './helpers/qr-pdf.ts'

function ksefNumber(day: string, serial: string): string {
  const head = `5261040828-${day}-${serial}`
  for (let crc = 0; crc < 256; crc++) {
    const candidate = `${head}-${crc.toString(16).toUpperCase().padStart(2, '0')}`
    if (isValidKsefNumber(candidate)) return candidate
  }
  throw new Error('no CRC')
}

async function pdfOf(built: Built, id: number): Promise<Buffer> {
  const response = await built.owner.get(`/przychody/dokumenty/${id}/pdf`)
  if (response.statusCode !== 200) throw new Error(`PDF: ${response.statusCode}`)
  return response.rawPayload
}

async function textOf(pdf: Buffer): Promise<string> {
  return (await extractText(new Uint8Array(pdf), { mergePages: true })).text.replace(/\s+/g, ' ')
}

async function storedHash(built: Built, id: number): Promise<string> {
  const file = await invoiceFileOf(built.db, id)
  if (file === undefined) throw new Error('no stored file')
  return createHash('sha256').update(file.xml).digest('base64url')
}

async function connect(
  built: Built,
  values: {
    environment: 'produkcja' | 'demo' | 'test' | 'symulator'
    offline_certificate_pem?: string
    offline_private_key_enc?: string
  }
): Promise<void> {
  const at = '2026-11-16T09:00:00.000Z'
  await built.db
    .insertInto('ksef_connection')
    .values({ id: 1, auth_method: 'token', created_at: at, updated_at: at, ...values })
    .execute()
}

t.test(
  "the downloaded PDF fixes the file; its KOD I is the stored bytes' hash, the same on every download",
  async (t) => {
    const built = await build(t)
    const { invoiceId } = await invoiceFor(built, { invoice: 'company' })
    t.equal(await invoiceFileOf(built.db, invoiceId), undefined)
    const first = await qrCodesInPdf(await pdfOf(built, invoiceId))
    const hash = await storedHash(built, invoiceId)
    t.same(
      first.map((code) => code.data),
      [`https://qr.ksef.mf.gov.pl/invoice/5261040828/16-11-2026/${hash}`],
      'production QR host without a connection, P_1 16.11.2026'
    )

    built.clock.set('2026-11-20T08:00:00.000+01:00')
    const again = await qrCodesInPdf(await pdfOf(built, invoiceId))
    t.equal(again[0].data, first[0].data, 'days later the same file and the same code')
    const xml = await built.owner.get(`/przychody/dokumenty/${invoiceId}/ksef.xml`)
    t.equal(
      createHash('sha256').update(xml.rawPayload).digest('base64url'),
      hash,
      'the XML download is the file the code points at'
    )
    t.match(await textOf(await pdfOf(built, invoiceId)), 'OFFLINE', 'no KSeF number yet')
  }
)

t.test(
  "the built-in simulator: the code points at /symulator-ksef/qr on the app's public URL; the KSeF number labels it once accepted",
  async (t) => {
    const built = await build(t)
    await connect(built, { environment: 'symulator' })
    const { invoiceId } = await invoiceFor(built, { invoice: 'company' })
    await pdfOf(built, invoiceId)
    const number = ksefNumber('20261116', '0100A1B2C3D4')
    await built.db
      .updateTable('ksef_submissions')
      .set({ state: 'przyjeta', ksef_number: number })
      .where('document_id', '=', invoiceId)
      .execute()
    await built.db.updateTable('documents').set({ ksef_number: number }).where('id', '=', invoiceId).execute()
    const pdf = await pdfOf(built, invoiceId)
    const codes = await qrCodesInPdf(pdf)
    t.same(
      codes.map((code) => code.data),
      [`http://localhost/symulator-ksef/qr/invoice/5261040828/16-11-2026/${await storedHash(built, invoiceId)}`]
    )
    const text = await textOf(pdf)
    t.match(text, number)
    t.notMatch(text, 'OFFLINE')
  }
)

t.test('an offline invoice with the stored Offline certificate: KOD I and KOD II, which verifies', async (t) => {
  const built = await build(t)
  const cert = await ksefCertificate({ key: 'ec', type: 'Offline', serialNumber: '01ab02cd' })
  await connect(built, {
    environment: 'test',
    offline_certificate_pem: cert.certificatePem,
    offline_private_key_enc: encryptSecret(built.app.ctx.secretsKey, cert.privateKeyPem)
  })
  const { invoiceId } = await invoiceFor(built, { invoice: 'company' })
  await pdfOf(built, invoiceId)
  await built.db
    .updateTable('ksef_submissions')
    .set({ state: 'offline', offline_mode: 'offline24', offline_deadline: '2026-11-17' })
    .where('document_id', '=', invoiceId)
    .execute()
  const pdf = await pdfOf(built, invoiceId)
  const codes = await qrCodesInPdf(pdf)
  const hash = await storedHash(built, invoiceId)
  t.equal(codes.length, 2)
  t.equal(codes[0].data, `https://qr-test.ksef.mf.gov.pl/invoice/5261040828/16-11-2026/${hash}`)
  const prefix = `https://qr-test.ksef.mf.gov.pl/certificate/Nip/5261040828/5261040828/01AB02CD/${hash}/`
  t.ok(codes[1].data.startsWith(prefix), codes[1].data)
  const signature = Buffer.from(codes[1].data.slice(prefix.length), 'base64url')
  t.ok(
    verify(
      'sha256',
      Buffer.from(prefix.slice(8, -1)),
      { key: new X509Certificate(cert.certificatePem).publicKey, dsaEncoding: 'ieee-p1363' },
      signature
    ),
    "KOD II verifies with the certificate's public key"
  )
  t.match(await textOf(pdf), /OFFLINE.*CERTYFIKAT/)
  t.notMatch(
    (await built.owner.get(`/przychody/dokumenty/${invoiceId}`)).body,
    'ksef-qr-notice',
    'nothing to warn about'
  )
})

t.test('an offline invoice without an Offline certificate: KOD I, and the PDF says KOD II is missing', async (t) => {
  const built = await build(t)
  await connect(built, { environment: 'test' })
  const { invoiceId } = await invoiceFor(built, { invoice: 'company' })
  await pdfOf(built, invoiceId)
  await built.db
    .updateTable('ksef_submissions')
    .set({ state: 'offline', offline_mode: 'awaria', offline_deadline: '2026-11-25' })
    .where('document_id', '=', invoiceId)
    .execute()
  const pdf = await pdfOf(built, invoiceId)
  t.same(
    (await qrCodesInPdf(pdf)).map((code) => code.data),
    [`https://qr-test.ksef.mf.gov.pl/invoice/5261040828/16-11-2026/${await storedHash(built, invoiceId)}`]
  )
  t.match(await textOf(pdf), 'KOD II nie został dołączony')
  const page = await built.owner.get(`/przychody/dokumenty/${invoiceId}`)
  t.match(
    page.body,
    /id="ksef-qr-notice">Faktura jest wystawiona offline, a w USTAWIENIA » INTEGRACJE » KSeF nie zapisano certyfikatu KSeF typu Offline/,
    'the owner is told on the document page'
  )

  // an Authentication certificate stored as the Offline one: refused for KOD II, and said why
  const auth = await ksefCertificate({ key: 'rsa', type: 'Authentication' })
  await built.db
    .updateTable('ksef_connection')
    .set({
      offline_certificate_pem: auth.certificatePem,
      offline_private_key_enc: encryptSecret(built.app.ctx.secretsKey, auth.privateKeyPem)
    })
    .execute()
  t.equal((await qrCodesInPdf(await pdfOf(built, invoiceId))).length, 1)
  t.match(
    (await built.owner.get(`/przychody/dokumenty/${invoiceId}`)).body,
    /id="ksef-qr-notice">Zapisany certyfikat jest certyfikatem KSeF typu Uwierzytelnianie/
  )

  // once KSeF gave it a number the invoice is verified by KOD I; no more warning
  await built.db
    .updateTable('ksef_submissions')
    .set({ state: 'przyjeta', ksef_number: ksefNumber('20261116', '0100AAAABBBB') })
    .where('document_id', '=', invoiceId)
    .execute()
  t.notMatch((await built.owner.get(`/przychody/dokumenty/${invoiceId}`)).body, 'ksef-qr-notice')
})

t.test('a correction carries KOD I of its own stored file', async (t) => {
  const built = await build(t)
  const { invoiceId } = await invoiceFor(built, { invoice: 'company' })
  await pdfOf(built, invoiceId)
  const number = ksefNumber('20261116', '0100FFEE0011')
  await built.db
    .updateTable('ksef_submissions')
    .set({ state: 'przyjeta', ksef_number: number })
    .where('document_id', '=', invoiceId)
    .execute()
  await built.db.updateTable('documents').set({ ksef_number: number }).where('id', '=', invoiceId).execute()
  const correctionId = await correct(built.owner, invoiceId, { fullReturn: true })
  const codes = await qrCodesInPdf(await pdfOf(built, correctionId))
  const hash = await storedHash(built, correctionId)
  t.not(hash, await storedHash(built, invoiceId))
  t.same(
    codes.map((code) => code.data),
    [`https://qr.ksef.mf.gov.pl/invoice/5261040828/16-11-2026/${hash}`]
  )
})

t.test('no QR and no KSeF file for a paragon or a pro forma', async (t) => {
  const built = await build(t)
  for (const type of ['paragon', 'proforma']) {
    const { invoiceId } = await invoiceFor(built, {}, type)
    const pdf = await pdfOf(built, invoiceId)
    t.same(await qrCodesInPdf(pdf), [], type)
    t.equal(await invoiceFileOf(built.db, invoiceId), undefined, `${type}: nothing fixed`)
  }
})

t.test('a KSeF number typed in by hand, no file sent from Biurko: no code over a new file', async (t) => {
  const built = await build(t)
  const { invoiceId } = await invoiceFor(built, { invoice: 'company' })
  await built.db
    .updateTable('documents')
    .set({ ksef_number: ksefNumber('20261116', '0100ABCDEF12') })
    .where('id', '=', invoiceId)
    .execute()
  t.same(await qrCodesInPdf(await pdfOf(built, invoiceId)), [])
  t.equal(await invoiceFileOf(built.db, invoiceId), undefined, 'nothing fixed')
  t.match(
    (await built.owner.get(`/przychody/dokumenty/${invoiceId}`)).body,
    /id="ksef-qr-notice">Numer KSeF tej faktury wpisano ręcznie/
  )
  t.equal(await invoiceFileOf(built.db, invoiceId), undefined, 'the page does not fix a file either')
})

t.test('an invoice issued before KSeF 2.0 (1 February 2026) and a cancelled one: no code, no file', async (t) => {
  const built = await build(t)
  const { invoiceId } = await invoiceFor(built, { invoice: 'company' })
  await built.db
    .updateTable('documents')
    .set({ issue_date: '2026-01-30', sale_date: '2026-01-30', period: '2026-01' })
    .where('id', '=', invoiceId)
    .execute()
  t.same(await qrCodesInPdf(await pdfOf(built, invoiceId)), [])
  t.equal(await invoiceFileOf(built.db, invoiceId), undefined)

  const other = await build(t, { company: { auto_book: 0 } })
  const second = await invoiceFor(other, { invoice: 'company' })
  t.equal((await other.owner.post(`/przychody/dokumenty/${second.invoiceId}/anulowanie`)).statusCode, 303)
  t.equal(
    (
      await other.db
        .selectFrom('documents')
        .select('status')
        .where('id', '=', second.invoiceId)
        .executeTakeFirstOrThrow()
    ).status,
    'cancelled'
  )
  t.same(await qrCodesInPdf(await pdfOf(other, second.invoiceId)), [])
  t.equal(await invoiceFileOf(other.db, second.invoiceId), undefined)
})
