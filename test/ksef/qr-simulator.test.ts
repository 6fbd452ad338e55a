// The whole way over loopback: the PDF printed before sending fixes the file, the app sends that
// file to its built-in KSeF simulator, and the code read off the PDF afterwards opens the
// simulator's verification page for the accepted invoice (as qr.ksef.mf.gov.pl would).
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { extractText } from 'unpdf'
import { submissionOf } from '../../src/ksef/submissions.queries.ts'
import { build } from '../helpers/app.ts'
import { invoiceFor } from '../corrections/helpers.ts'
import { demoToken } from '../simulators/ksef/helpers.ts'
import { insertConnection } from './helpers/ksef-setup.ts'
import { qrCodesInPdf } from './helpers/qr-pdf.ts'

t.test('KOD I off the PDF finds the invoice in the built-in KSeF simulator', async (t) => {
  const built = await build(t, { config: { KSEF_SIMULATOR_ENABLED: 'true' } })
  await built.app.listen({ port: 0, host: '127.0.0.1' })
  const origin = `http://127.0.0.1:${(built.app.server.address() as AddressInfo).port}`
  await insertConnection(built, {
    environment: 'symulator',
    token: await demoToken(`${origin}/symulator-ksef`, '5261040828')
  })
  const { invoiceId } = await invoiceFor(built, { invoice: 'company' })

  const before = await built.owner.get(`/przychody/dokumenty/${invoiceId}/pdf`)
  const printed = await qrCodesInPdf(before.rawPayload)
  t.equal(printed.length, 1)
  t.match((await extractText(new Uint8Array(before.rawPayload), { mergePages: true })).text, 'OFFLINE', 'no number yet')

  const sent = await built.owner.post(`/przychody/dokumenty/${invoiceId}/ksef/wyslij`)
  t.equal(sent.statusCode, 303)
  const row = await submissionOf(built.db, invoiceId)
  t.equal(row?.state, 'przyjeta', row?.last_error ?? '')
  const ksefNumber = row?.ksef_number ?? ''

  const after = await built.owner.get(`/przychody/dokumenty/${invoiceId}/pdf`)
  const codes = await qrCodesInPdf(after.rawPayload)
  t.same(
    codes.map((code) => code.data),
    printed.map((code) => code.data),
    'the code printed before sending is the code of the file sent'
  )
  const url = new URL(codes[0].data)
  t.equal(
    `${url.origin}${url.pathname.split('/invoice/')[0]}`,
    'http://localhost/symulator-ksef/qr',
    "the simulator's QR base on the app's public URL"
  )
  t.match(
    (await extractText(new Uint8Array(after.rawPayload), { mergePages: true })).text.replace(/\s+/g, ' '),
    ksefNumber,
    'labelled with the KSeF number'
  )

  // the public URL of this test app is http://localhost; the same path on its listening address
  const page = await fetch(`${origin}${url.pathname}`)
  t.equal(page.status, 200)
  const html = await page.text()
  t.match(html, 'data-result="found"')
  t.match(html, ksefNumber)
})
