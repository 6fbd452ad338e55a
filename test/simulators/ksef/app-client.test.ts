// The app's own KSeF client (src/ksef/client) against the simulator over loopback: the two were
// written apart from the documentation, so this is where they have to fit.
import { X509Certificate } from 'node:crypto'
import t from 'tap'
import { encryptInvoice, encryptKsefToken, newSessionKey, publicKeyIdOf } from '../../../src/ksef/client/ksef-crypto.ts'
import { KsefClient } from '../../../src/ksef/client/ksef.client.ts'
import { authTokenRequestXml, readPrivateKey, signAuthTokenRequest } from '../../../src/ksef/client/xades.ts'
import { isValidKsefNumber } from '../../../src/ksef/ksef-number.ts'
import { assertValidUpo, demoCertificate, demoToken, fa3Invoice, SELLER_NIP, startSim } from './helpers.ts'

t.test('KsefClient: token and XAdES login, session, invoice, UPO; retries through injected 503 and 429', async (t) => {
  const sim = await startSim(t, { rateLimits: true })
  const client = new KsefClient({ baseUrl: sim.apiUrl, timeoutMs: 30_000, retryBaseMs: 1 })
  const keys = await client.publicKeyCertificates()
  const tokenKey = keys.find((k) => k.usage.includes('KsefTokenEncryption'))!
  const symKey = keys.find((k) => k.usage.includes('SymmetricKeyEncryption'))!
  t.equal(publicKeyIdOf(tokenKey.certificate), tokenKey.publicKeyId, 'the client derives the same publicKeyId')
  t.ok(new X509Certificate(Buffer.from(symKey.certificate, 'base64')).publicKey)

  sim.simulator.faults.add({ path: '/auth/challenge', kind: 'status', status: 503 })
  sim.simulator.faults.add({ path: '/auth/ksef-token', kind: 'status', status: 429, retryAfter: 1 })
  const ch = await client.challenge()
  const token = await demoToken(sim.url, SELLER_NIP)
  const init = await client.authWithKsefToken({
    challenge: ch.challenge,
    nip: SELLER_NIP,
    encryptedToken: encryptKsefToken(tokenKey.certificate, token, ch.timestampMs),
    publicKeyId: tokenKey.publicKeyId
  })
  t.same(
    sim.simulator.faults.history.map((f) => f.kind),
    ['status', 'status'],
    'both faults fired and the client went on'
  )
  t.equal((await client.authStatus(init.referenceNumber, init.authenticationToken)).code, 200)
  const tokens = await client.redeem(init.authenticationToken)
  const { accessToken: access } = await client.refresh(tokens.refreshToken)

  const cert = await demoCertificate(sim.url, { nip: SELLER_NIP, passphrase: 'tajne-haslo' })
  const ch2 = await client.challenge()
  const xades = await client.authWithXades(
    signAuthTokenRequest(
      authTokenRequestXml(ch2.challenge, SELLER_NIP),
      { certificatePem: cert.certificatePem, privateKey: readPrivateKey(cert.privateKeyPem, cert.passphrase) },
      new Date()
    )
  )
  t.equal((await client.authStatus(xades.referenceNumber, xades.authenticationToken)).code, 200)

  const key = newSessionKey(symKey.certificate)
  const session = await client.openOnlineSession(access, {
    encryptedSymmetricKey: key.encryptedSymmetricKey,
    initializationVector: key.initializationVector,
    publicKeyId: symKey.publicKeyId
  })
  const xml = fa3Invoice()
  const invoiceRef = await client.sendInvoice(access, session, { ...encryptInvoice(key, xml) })
  const settled = async (sessionRef: string, ref: string): ReturnType<KsefClient['invoiceStatus']> => {
    await sim.simulator.idle() // verification runs after the 202, like KSeF's (status 150 until then)
    return await client.invoiceStatus(access, sessionRef, ref)
  }
  const status = await settled(session, invoiceRef)
  t.equal(status.code, 200)
  t.ok(status.ksefNumber !== null && isValidKsefNumber(status.ksefNumber))
  const upo = await client.invoiceUpo(access, session, invoiceRef)
  assertValidUpo(t, upo)
  await client.closeSession(access, session)

  const second = await client.openOnlineSession(access, {
    encryptedSymmetricKey: key.encryptedSymmetricKey,
    initializationVector: key.initializationVector
  })
  const dup = await settled(second, await client.sendInvoice(access, second, { ...encryptInvoice(key, xml) }))
  t.equal(dup.code, 440, 'the same invoice again is a duplicate')
  t.equal(dup.originalKsefNumber, status.ksefNumber, 'and the client reads the original number')
})
