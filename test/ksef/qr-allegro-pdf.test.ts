// Wyślij do Allegro attaches the visualisation with its KSeF code: the PDF that reaches the
// Allegro simulator, rasterised and decoded, carries SHA-256 of the stored FA(3) bytes.
import { createHash } from 'node:crypto'
import t from 'tap'
import { invoiceFileOf } from '../../src/ksef/submissions.queries.ts'
import { issue, setupAllegro, sharedOrder } from '../documents/allegro-fixtures.ts'
import { qrCodesInPdf } from './helpers/qr-pdf.ts'

t.test('the PDF uploaded to the Allegro order carries KOD I of the stored file', async (t) => {
  const s = await setupAllegro(t)
  const { orderId, transactionId } = await sharedOrder(s)
  const docId = await issue(s, s.owner, transactionId)
  t.equal((await s.owner.post(`/przychody/dokumenty/${docId}/allegro`)).statusCode, 303)
  const uploaded = s.sim.simulator.invoicesOf(orderId)[0].file
  if (uploaded === null || uploaded === undefined) throw new Error('no file uploaded')
  const file = await invoiceFileOf(s.db, docId)
  if (file === undefined) throw new Error('the send did not fix the file')
  const hash = createHash('sha256').update(file.xml).digest('base64url')
  const codes = await qrCodesInPdf(Buffer.from(uploaded))
  t.same(
    codes.map((code) => code.data),
    [`https://qr.ksef.mf.gov.pl/invoice/5261040828/16-11-2026/${hash}`]
  )
})
