// The simulator inside the app (KSEF_SIMULATOR_ENABLED): API at /symulator-ksef/v2, QR page at
// /symulator-ksef/qr, no session or CSRF token needed (it is KSeF's API, not our forms).
import { createHash } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { build } from '../../helpers/app.ts'
import {
  api,
  demoToken,
  fa3Invoice,
  invoiceStatus,
  openSession,
  SELLER_NIP,
  sendInvoice,
  tokenLogin
} from './helpers.ts'

t.test('mounted at /symulator-ksef: the whole flow over loopback, and the QR page', async (t) => {
  const { app } = await build(t, { config: { KSEF_SIMULATOR_ENABLED: 'true' } })
  t.ok(app.ksefSimulator, 'decorated')
  await app.listen({ port: 0, host: '127.0.0.1' })
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/symulator-ksef`
  const a = api(`${base}/v2`)
  const login = await tokenLogin(a, SELLER_NIP, await demoToken(base, SELLER_NIP))
  const session = await openSession(a, login.accessToken)
  const xml = fa3Invoice({ number: 'FV 1/11/2026', issueDate: '2026-11-16' })
  const sent = await sendInvoice(a, login.accessToken, session, xml)
  t.equal(sent.status, 202, sent.text)
  const status = await invoiceStatus(a, login.accessToken, session.ref, sent.json.referenceNumber)
  t.equal(status.json.status.code, 200)
  t.match(status.json.ksefNumber, new RegExp(`^${SELLER_NIP}-20261116-`), 'the date part follows the app clock')

  const hash = createHash('sha256').update(xml).digest('base64url')
  const qr = await fetch(`${base}/qr/invoice/${SELLER_NIP}/16-11-2026/${hash}`)
  t.equal(qr.status, 200)
  t.match(qr.headers.get('content-type'), /text\/html/)
  const page = await qr.text()
  t.match(page, 'data-result="found"')
  t.match(page, status.json.ksefNumber)
  t.match(page, 'FV 1/11/2026')

  const otherHash = createHash('sha256')
    .update(Buffer.concat([xml, Buffer.from(' ')]))
    .digest('base64url')
  const changed = await fetch(`${base}/qr/invoice/${SELLER_NIP}/16-11-2026/${otherHash}`)
  t.equal(changed.status, 404, 'a file that differs by one byte is not the accepted invoice')
  t.match(await changed.text(), 'data-result="not-found"')
  t.equal((await fetch(`${base}/qr/invoice/${SELLER_NIP}/17-11-2026/${hash}`)).status, 404, 'another issue date')
  t.equal((await fetch(`${base}/qr/invoice/7751234564/16-11-2026/${hash}`)).status, 404, 'another seller')
  const hostile = await fetch(`${base}/qr/invoice/%3Cscript%3E/16-11-2026/x`)
  t.equal(hostile.status, 404)
  t.notMatch(await hostile.text(), '<script>', 'what the link carries is escaped')

  t.equal((await fetch(`${base}/demo/faults`)).status, 404, 'no fault injection over HTTP inside the app')
})

t.test('KSEF_SIMULATOR_ENABLED=false: nothing mounted', async (t) => {
  const { app } = await build(t, { config: { KSEF_SIMULATOR_ENABLED: 'false' } })
  t.equal(app.ksefSimulator, null)
  const r = await app.inject({ method: 'GET', url: '/symulator-ksef/v2/security/public-key-certificates' })
  t.equal(r.statusCode, 404)
})
