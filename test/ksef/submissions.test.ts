// The exact FA(3) file of an invoice: fixed once (one row per document, also when fixed
// concurrently), the same bytes served ever after; files KSeF would refuse are not stored.
import { createHash } from 'node:crypto'
import { strFromU8, unzipSync } from 'fflate'
import t from 'tap'
import { DateTime } from 'luxon'
import {
  correctedInvoiceWaiting,
  fixInvoiceFile,
  invoiceFileOf,
  invoiceFileProblems,
  refixRejectedFile
} from '../../src/ksef/submissions.queries.ts'
import { build } from '../helpers/app.ts'
import { correct, invoiceFor } from '../corrections/helpers.ts'
import { assertValidFa3, value } from './fa3-fixtures.ts'

const LATER = DateTime.fromISO('2026-11-18T12:34:56', { zone: 'Europe/Warsaw' })

t.test('fixed on the first call, the stored bytes ever after; downloads serve them', async (t) => {
  const built = await build(t)
  const { invoiceId } = await invoiceFor(built, { invoice: 'company' })
  t.equal(await invoiceFileOf(built.db, invoiceId), undefined, 'nothing stored before')

  const first = await fixInvoiceFile(built.db, invoiceId, built.clock())
  if (!first.ok) throw new Error(first.problems.join(' '))
  const xml = Buffer.from(first.file.xml)
  t.not(xml[0], 0xef, 'no BOM')
  t.equal(
    first.file.sha256Base64,
    createHash('sha256').update(xml).digest('base64'),
    'standard Base64 SHA-256 of the bytes'
  )
  t.equal(first.file.size, xml.byteLength)
  t.match(first.file, {
    documentId: invoiceId,
    state: 'do_wyslania',
    ksefNumber: null,
    offlineMode: null,
    offlineDeadline: null
  })
  assertValidFa3(t, xml.toString('utf8'))
  t.equal(value(xml.toString('utf8'), 'DataWytworzeniaFa'), '2026-11-16T09:00:00Z')

  // days later the invoice's file is still the one fixed
  built.clock.set('2026-11-20T08:00:00.000+01:00')
  const again = await fixInvoiceFile(built.db, invoiceId, LATER)
  if (!again.ok) throw new Error('second call failed')
  t.same(Buffer.from(again.file.xml), xml, 'same bytes')
  t.equal(again.file.generatedAt, first.file.generatedAt)

  const download = await built.owner.get(`/przychody/dokumenty/${invoiceId}/ksef.xml`)
  t.equal(download.statusCode, 200)
  t.same(download.rawPayload, xml, 'the download is the fixed file, not a fresh one')
  const zip = await built.owner.get('/przychody/dokumenty/ksef.zip?miesiac=2026-11')
  const entries = unzipSync(new Uint8Array(zip.rawPayload))
  t.same(Buffer.from(entries['FV_1_11_2026.xml']), xml, 'the monthly zip carries the fixed file too')
})

t.test('an invoice not yet fixed is still made fresh for a download, and nothing is stored by it', async (t) => {
  const built = await build(t)
  const { invoiceId } = await invoiceFor(built, { invoice: 'company' })
  built.clock.set('2026-11-20T08:00:00.000+01:00')
  const download = await built.owner.get(`/przychody/dokumenty/${invoiceId}/ksef.xml`)
  t.equal(value(download.body, 'DataWytworzeniaFa'), '2026-11-20T07:00:00Z')
  t.equal(await invoiceFileOf(built.db, invoiceId), undefined)
})

t.test('concurrent first calls end with one row and one file', async (t) => {
  const built = await build(t)
  const { invoiceId } = await invoiceFor(built, { invoice: 'company' })
  const times = [0, 1, 2, 3, 4].map((s) => LATER.plus({ seconds: s }))
  const results = await Promise.all(times.map(async (at) => await fixInvoiceFile(built.db, invoiceId, at)))
  const hashes = new Set(results.map((r) => (r.ok ? r.file.sha256Base64 : 'failed')))
  t.equal(hashes.size, 1, 'every caller got the same file')
  t.notOk(hashes.has('failed'))
  const rows = await built.db.selectFrom('ksef_submissions').select('id').where('document_id', '=', invoiceId).execute()
  t.equal(rows.length, 1)
})

t.test('characters KSeF refuses: nothing stored, a Polish reason', async (t) => {
  t.match(invoiceFileProblems(Buffer.from('\uFEFF<a/>', 'utf8')), [/BOM/])
  t.match(invoiceFileProblems(Buffer.from([0x3c, 0x61, 0xc3, 0x28, 0x2f, 0x3e])), [/UTF-8/], 'broken UTF-8')
  for (const bad of ['\u0080', '\u009F', '\uFDD0', '\u{1FFFE}', '\u{10FFFF}', '\u0001']) {
    t.match(
      invoiceFileProblems(Buffer.from(`<a>x${bad}</a>`, 'utf8')),
      [/znak niedozwolony w KSeF \(U\+/],
      `U+${bad.codePointAt(0)!.toString(16)}`
    )
  }
  t.same(
    invoiceFileProblems(Buffer.from('<a>Zażółć gęślą jaźń \u0085 \u{1F600} \u{1FFFD}</a>', 'utf8')),
    [],
    'NEL, emoji and other planes are fine'
  )
  t.match(invoiceFileProblems(new Uint8Array(1_000_001).fill(0x20)), [/najwyżej 1000000 bajtów/])

  const built = await build(t)
  const { invoiceId } = await invoiceFor(built, { invoice: 'company' })
  // a name from Allegro with a C1 control character (XML allows it, KSeF does not)
  await built.db
    .updateTable('documents')
    .set({ buyer_name: 'Firma\u0086 Testowa' })
    .where('id', '=', invoiceId)
    .execute()
  const result = await fixInvoiceFile(built.db, invoiceId, LATER)
  t.match(result, { ok: false, problems: [/U\+0086/] })
  t.equal(await invoiceFileOf(built.db, invoiceId), undefined, 'nothing stored')
})

t.test('a correction waits until the corrected invoice has its KSeF number', async (t) => {
  const built = await build(t)
  const { invoiceId } = await invoiceFor(built, { invoice: 'company' })
  const before = await correct(built.owner, invoiceId, { lines: { 1: { quantity: '1' } }, reason: 'Zwrot towaru' })
  t.equal(
    await correctedInvoiceWaiting(built.db, before),
    null,
    'an invoice that never went to KSeF is corrected without its number'
  )

  const fixed = await fixInvoiceFile(built.db, invoiceId, LATER)
  t.ok(fixed.ok)
  const correction = await correct(built.owner, invoiceId, { lines: { 1: { price: '100,00' } }, reason: 'Rabat' })
  const waiting = await fixInvoiceFile(built.db, correction, LATER)
  t.match(waiting, { ok: false, problems: [/dopiero, gdy faktura korygowana FV 1\/11\/2026 otrzyma numer KSeF/] })
  t.equal(await invoiceFileOf(built.db, correction), undefined)

  const number = '5261040828-20261116-3F0A12BC45DE-4F'
  await built.db.updateTable('documents').set({ ksef_number: number }).where('id', '=', invoiceId).execute()
  const now = await fixInvoiceFile(built.db, correction, LATER)
  if (!now.ok) throw new Error(now.problems.join(' '))
  t.equal(
    value(Buffer.from(now.file.xml).toString('utf8'), 'NrKSeFFaKorygowanej'),
    number,
    'the correction names the invoice by its KSeF number'
  )
})

t.test('a rejected file is made anew after the fix; an accepted one never', async (t) => {
  const built = await build(t)
  const { invoiceId } = await invoiceFor(built, { invoice: 'company' })
  const first = await fixInvoiceFile(built.db, invoiceId, built.clock())
  if (!first.ok) throw new Error('not fixed')
  const same = await refixRejectedFile(built.db, invoiceId, LATER)
  t.equal(same.ok && same.file.sha256Base64, first.file.sha256Base64, 'do_wyslania keeps its file')

  await built.db
    .updateTable('ksef_submissions')
    .set({ state: 'odrzucona', status_code: 450 })
    .where('document_id', '=', invoiceId)
    .execute()
  const remade = await refixRejectedFile(built.db, invoiceId, LATER)
  if (!remade.ok) throw new Error('not remade')
  t.not(remade.file.sha256Base64, first.file.sha256Base64)
  t.equal(remade.file.state, 'do_wyslania')
  t.equal(value(Buffer.from(remade.file.xml).toString('utf8'), 'DataWytworzeniaFa'), '2026-11-18T11:34:56Z')
  t.same(
    Buffer.from((await built.owner.get(`/przychody/dokumenty/${invoiceId}/ksef.xml`)).rawPayload),
    Buffer.from(remade.file.xml)
  )
  t.equal(strFromU8(remade.file.xml).includes('FV 1/11/2026'), true, 'under the same number')
})
