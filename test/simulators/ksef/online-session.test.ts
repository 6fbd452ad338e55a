// The whole online flow over loopback HTTP with real cryptography: public keys, KSeF token
// authentication, redeem, session with a wrapped AES key, an encrypted FA(3) invoice, close,
// statuses, the UPO (official XSD) and the stored bytes.
import { X509Certificate } from 'node:crypto'
import t from 'tap'
import { isValidKsefNumber } from '../../../src/ksef/ksef-number.ts'
import {
  assertValidUpo,
  demoToken,
  fa3Invoice,
  invoiceStatus,
  openSession,
  publicKeys,
  SELLER_NIP,
  sendInvoice,
  startSim,
  tokenLogin
} from './helpers.ts'

t.test('public keys: two certificates, one per usage, whose publicKeyId is the SHA-256 of their key', async (t) => {
  const sim = await startSim(t)
  const r = await sim.api('GET', '/security/public-key-certificates')
  t.equal(r.status, 200)
  t.equal(r.json.length, 2)
  const usages = (r.json as Array<{ usage: string[] }>).flatMap((k) => k.usage).sort()
  t.same(usages, ['KsefTokenEncryption', 'SymmetricKeyEncryption'])
  for (const k of r.json as Array<{ certificate: string; publicKeyId: string; validFrom: string; validTo: string }>) {
    const cert = new X509Certificate(Buffer.from(k.certificate, 'base64'))
    t.equal(
      k.publicKeyId,
      (await import('./helpers.ts')).sha256b64(cert.publicKey.export({ type: 'spki', format: 'der' }))
    )
    t.equal(new Date(k.validFrom).getTime(), new Date(cert.validFrom).getTime(), "validFrom is the certificate's")
    t.equal(new Date(k.validTo).getTime(), new Date(cert.validTo).getTime(), "validTo is the certificate's")
    t.ok(Date.parse(k.validTo) > Date.now() + 300 * 24 * 3600_000, 'valid for long enough to cache')
  }
  const keys = await publicKeys(sim.api)
  t.not(keys.token.publicKeyId, keys.symmetric.publicKeyId, 'two different key pairs')
})

t.test('KSeF token → session → invoice → close → UPO', async (t) => {
  const sim = await startSim(t)
  const token = await demoToken(sim.url, SELLER_NIP)
  const login = await tokenLogin(sim.api, SELLER_NIP, token)
  const exp = JSON.parse(Buffer.from(login.accessToken.split('.')[1], 'base64url').toString()).exp as number
  t.ok(
    exp * 1000 > Date.now() && exp * 1000 <= Date.now() + 16 * 60_000,
    'the access token is a JWT with an exp about 15 minutes ahead'
  )

  const session = await openSession(sim.api, login.accessToken)
  t.match(session.ref, /^\d{8}-SO-[0-9A-F]{10}-[0-9A-F]{10}-[0-9A-F]{2}$/)
  const xml = fa3Invoice()
  const sent = await sendInvoice(sim.api, login.accessToken, session, xml)
  t.equal(sent.status, 202, sent.text)
  const invoiceRef = sent.json.referenceNumber as string

  const status = await invoiceStatus(sim.api, login.accessToken, session.ref, invoiceRef)
  t.equal(status.status, 200)
  t.equal(status.json.status.code, 200, JSON.stringify(status.json.status))
  const ksefNumber = status.json.ksefNumber as string
  t.ok(isValidKsefNumber(ksefNumber), `${ksefNumber} passes the CRC-8 check`)
  t.match(ksefNumber, new RegExp(`^${SELLER_NIP}-\\d{8}-[0-9A-F]{12}-[0-9A-F]{2}$`))
  t.equal(status.json.invoiceNumber, 'FV 7/04/2026')
  t.equal(status.json.invoiceHash, (await import('./helpers.ts')).sha256b64(xml))
  t.equal(status.json.invoicingMode, 'Online')

  const stored = await sim.api('GET', `/invoices/ksef/${ksefNumber}`, {
    bearer: login.accessToken,
    headers: { accept: 'application/xml' }
  })
  t.equal(stored.status, 200)
  t.ok(Buffer.from(stored.text, 'utf8').equals(xml), 'the file KSeF keeps is byte for byte the one encrypted')

  const invoiceUpo = await sim.api('GET', `/sessions/${session.ref}/invoices/${invoiceRef}/upo`, {
    bearer: login.accessToken
  })
  t.equal(invoiceUpo.status, 200)
  t.match(invoiceUpo.headers.get('content-type'), /application\/xml/)
  assertValidUpo(t, invoiceUpo.text)
  t.match(invoiceUpo.text, `<NumerKSeFDokumentu>${ksefNumber}</NumerKSeFDokumentu>`)
  t.match(invoiceUpo.text, `<NumerReferencyjnySesji>${session.ref}</NumerReferencyjnySesji>`)

  const byKsef = await sim.api('GET', `/sessions/${session.ref}/invoices/ksef/${ksefNumber}/upo`, {
    bearer: login.accessToken
  })
  t.equal(byKsef.status, 200)
  assertValidUpo(t, byKsef.text)

  const close = await sim.api('POST', `/sessions/online/${session.ref}/close`, { bearer: login.accessToken })
  t.equal(close.status, 204)
  const again = await sendInvoice(sim.api, login.accessToken, session, fa3Invoice({ number: 'FV 8/04/2026' }))
  t.equal(again.status, 400, 'a closed session takes no more invoices')
  t.equal(again.json.exception.exceptionDetailList[0].exceptionCode, 21180)

  const ss = await sim.api('GET', `/sessions/${session.ref}`, { bearer: login.accessToken })
  t.equal(ss.status, 200)
  t.equal(ss.json.status.code, 200)
  t.equal(ss.json.invoiceCount, 1)
  t.equal(ss.json.successfulInvoiceCount, 1)
  t.equal(ss.json.failedInvoiceCount, 0)
  const page = ss.json.upo.pages[0] as { referenceNumber: string; downloadUrl: string }
  const sessionUpo = await sim.api('GET', `/sessions/${session.ref}/upo/${page.referenceNumber}`, {
    bearer: login.accessToken
  })
  t.equal(sessionUpo.status, 200)
  assertValidUpo(t, sessionUpo.text)
  const link = await fetch(page.downloadUrl)
  t.equal(link.status, 200, 'the download link works without a token')
  t.equal(await link.text(), sessionUpo.text)

  const list = await sim.api('GET', `/sessions/${session.ref}/invoices`, { bearer: login.accessToken })
  t.equal(list.json.invoices.length, 1)
  t.equal(list.json.invoices[0].ksefNumber, ksefNumber)
})

t.test('refresh gives a new access token; a wrong or missing bearer is 401', async (t) => {
  const sim = await startSim(t)
  const login = await tokenLogin(sim.api, SELLER_NIP, await demoToken(sim.url, SELLER_NIP))
  const refreshed = await sim.api('POST', '/auth/token/refresh', { bearer: login.refreshToken })
  t.equal(refreshed.status, 200)
  t.not(refreshed.json.accessToken.token, login.accessToken)
  await openSession(sim.api, refreshed.json.accessToken.token)
  const asAccess = await sim.api('POST', '/auth/token/refresh', { bearer: login.accessToken })
  t.equal(asAccess.status, 401, 'an access token does not refresh')
  const none = await sim.api('POST', '/sessions/online', { body: {} })
  t.equal(none.status, 401)
  t.match(none.headers.get('content-type'), /application\/problem\+json/)
  const forged = login.accessToken.slice(0, -2) + (login.accessToken.endsWith('AA') ? 'BB' : 'AA')
  t.equal((await sim.api('POST', '/sessions/online', { bearer: forged, body: {} })).status, 401)
  const redeemTwice = await sim.api('POST', '/auth/token/redeem', { bearer: login.accessToken })
  t.equal(redeemTwice.status, 401, 'an access token is not an authentication token')
})
