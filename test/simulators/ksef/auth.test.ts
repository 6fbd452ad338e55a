// Authentication over loopback HTTP with real cryptography: XAdES (the app's signer, the
// simulator's verifier), KSeF tokens, and every way each of them can fail.
import t from 'tap'
import { SignedXml } from 'xml-crypto'
import { authTokenRequestXml, readPrivateKey, signAuthTokenRequest } from '../../../src/ksef/client/xades.ts'
import { createCa, issueCertificate, rsaPair, x509 } from '../../../src/simulators/ksef/crypto.ts'
import {
  api,
  authStatus,
  demoCertificate,
  demoToken,
  manualClock,
  openSession,
  publicKeys,
  rsaOaep,
  SELLER_NIP,
  startSim,
  type Api,
  type DemoCertificate
} from './helpers.ts'

const OTHER_NIP = '7751234564'

async function signedRequest(
  a: Api,
  nip: string,
  cert: { certificatePem: string; privateKeyPem: string; passphrase: string },
  edit: (xml: string) => string = (x) => x
): Promise<string> {
  const ch = await a('POST', '/auth/challenge')
  const key = readPrivateKey(cert.privateKeyPem, cert.passphrase)
  return edit(
    signAuthTokenRequest(
      authTokenRequestXml(ch.json.challenge, nip),
      { certificatePem: cert.certificatePem, privateKey: key },
      new Date()
    )
  )
}

async function xadesStatus(
  a: Api,
  xml: string
): Promise<{ init: Awaited<ReturnType<Api>>; code?: number; details?: string[] }> {
  const init = await a('POST', '/auth/xades-signature', { xml })
  if (init.status !== 202) return { init }
  const status = await authStatus(a, init.json.referenceNumber, init.json.authenticationToken.token)
  return { init, code: status.json.status.code, details: status.json.status.details }
}

const exceptionCode = (r: { json: any }): number => r.json.exception.exceptionDetailList[0].exceptionCode

t.test('XAdES with a demo certificate: signature verified, tokens redeemed, a session opens', async (t) => {
  const sim = await startSim(t)
  const cert = await demoCertificate(sim.url, { nip: SELLER_NIP, passphrase: 'tajne-haslo' })
  t.match(cert.privateKeyPem, /BEGIN ENCRYPTED PRIVATE KEY/, 'the key comes encrypted under the passphrase')
  t.throws(() => readPrivateKey(cert.privateKeyPem, 'zle-haslo'), 'a wrong passphrase does not open it')
  const xml = await signedRequest(sim.api, SELLER_NIP, cert)
  const { init, code } = await xadesStatus(sim.api, xml)
  t.equal(init.status, 202, init.text)
  t.equal(code, 200)
  const st = await sim.api('GET', `/auth/${init.json.referenceNumber}`, { bearer: init.json.authenticationToken.token })
  t.equal(st.json.authenticationMethod, 'InternalCertificate')
  t.equal(st.json.isTokenRedeemed, false)
  const redeem = await sim.api('POST', '/auth/token/redeem', { bearer: init.json.authenticationToken.token })
  t.equal(redeem.status, 200)
  await openSession(sim.api, redeem.json.accessToken.token)
  const twice = await sim.api('POST', '/auth/token/redeem', { bearer: init.json.authenticationToken.token })
  t.equal(twice.status, 400, 'tokens are redeemed once')
  t.equal(exceptionCode(twice), 21301)
  const after = await sim.api('GET', `/auth/${init.json.referenceNumber}`, {
    bearer: init.json.authenticationToken.token
  })
  t.equal(after.json.isTokenRedeemed, true)
})

t.test(
  'XAdES refused: tampered, unsigned, two signatures, BOM, reused challenge, wrong signer properties',
  async (t) => {
    const sim = await startSim(t)
    const cert = await demoCertificate(sim.url, { nip: SELLER_NIP, passphrase: 'tajne-haslo' })

    const tampered = await signedRequest(sim.api, SELLER_NIP, cert, (x) =>
      x.replace(`<Nip>${SELLER_NIP}</Nip>`, `<Nip>${OTHER_NIP}</Nip>`)
    )
    const r1 = await sim.api('POST', '/auth/xades-signature', { xml: tampered })
    t.equal(r1.status, 400)
    t.equal(exceptionCode(r1), 9105, 'a changed NIP breaks the signature')

    const ch = await sim.api('POST', '/auth/challenge')
    const unsigned = await sim.api('POST', '/auth/xades-signature', {
      xml: authTokenRequestXml(ch.json.challenge, SELLER_NIP)
    })
    t.equal(exceptionCode(unsigned), 9102)

    const signed = await signedRequest(sim.api, SELLER_NIP, cert)
    const signature = /<ds:Signature[\s\S]*<\/ds:Signature>/.exec(signed)![0]
    const doubled = signed.replace('</AuthTokenRequest>', `${signature}</AuthTokenRequest>`)
    t.equal(exceptionCode(await sim.api('POST', '/auth/xades-signature', { xml: doubled })), 9103)

    t.equal(exceptionCode(await sim.api('POST', '/auth/xades-signature', { xml: '\ufeff' + signed })), 21217)
    t.equal(exceptionCode(await sim.api('POST', '/auth/xades-signature', { xml: '<nie-xml' })), 21001)

    const once = await sim.api('POST', '/auth/xades-signature', { xml: signed })
    t.equal(once.status, 202)
    const replay = await sim.api('POST', '/auth/xades-signature', { xml: signed })
    t.equal(replay.status, 400)
    t.equal(exceptionCode(replay), 21111, 'a challenge is good once')

    // SigningCertificate pointing at another certificate: the signature itself holds, XAdES does not
    const other = await demoCertificate(sim.url, { nip: SELLER_NIP, passphrase: 'tajne-haslo' })
    const otherDigest = (await import('node:crypto'))
      .createHash('sha256')
      .update(new (await import('node:crypto')).X509Certificate(other.certificatePem).raw)
      .digest('base64')
    const ch2 = await sim.api('POST', '/auth/challenge')
    const key = readPrivateKey(cert.privateKeyPem, cert.passphrase)
    const wrongProps = signAuthTokenRequest(
      authTokenRequestXml(ch2.json.challenge, SELLER_NIP),
      { certificatePem: cert.certificatePem, privateKey: key },
      new Date()
    )
    const realDigest = /<xades:CertDigest>[\s\S]*?<ds:DigestValue>([^<]+)<\/ds:DigestValue>/.exec(wrongProps)![1]
    const swapped = wrongProps.replace(realDigest, otherDigest)
    const r2 = await sim.api('POST', '/auth/xades-signature', { xml: swapped })
    t.equal(r2.status, 400)
    t.equal(exceptionCode(r2), 9105, 'SignedProperties are covered by the signature, so editing them breaks it')

    // a valid plain XML-DSig signature without XAdES SignedProperties is not XAdES-BES
    const ch3 = await sim.api('POST', '/auth/challenge')
    const plain = new SignedXml({
      privateKey: key.export({ type: 'pkcs8', format: 'pem' }),
      publicCert: cert.certificatePem,
      signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
      canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#'
    })
    plain.addReference({
      xpath: '/*',
      isEmptyUri: true,
      transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#'],
      digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256'
    })
    plain.computeSignature(authTokenRequestXml(ch3.json.challenge, SELLER_NIP), {
      prefix: 'ds',
      location: { reference: '/*', action: 'append' }
    })
    const r3 = await sim.api('POST', '/auth/xades-signature', { xml: plain.getSignedXml() })
    t.equal(r3.status, 400)
    t.equal(exceptionCode(r3), 9105)
    t.match(r3.json.exception.exceptionDetailList[0].details[0], /SignedProperties/)
  }
)

t.test('XAdES certificate checks: another NIP 415, Offline certificate and foreign CA 460, expired 460', async (t) => {
  const clock = manualClock()
  const sim = await startSim(t, { now: clock.now })
  const cert = await demoCertificate(sim.url, { nip: SELLER_NIP, passphrase: 'tajne-haslo' })

  const foreignNip = await xadesStatus(sim.api, await signedRequest(sim.api, OTHER_NIP, cert))
  t.equal(foreignNip.code, 415, "a certificate of one company does not open another one's context")

  const offline = await demoCertificate(sim.url, { nip: SELLER_NIP, passphrase: 'tajne-haslo', type: 'Offline' })
  const off = await xadesStatus(sim.api, await signedRequest(sim.api, SELLER_NIP, offline))
  t.equal(off.code, 460, 'an Offline certificate only signs KOD II, it does not authenticate')

  const now = new Date(clock.now())
  const ca = await createCa('Obce CA', new Date(now.getTime() - 3600_000), new Date(now.getTime() + 86400_000))
  const pair = await rsaPair()
  const foreign = await issueCertificate(ca, {
    subject: `CN=Obcy, 2.5.4.97=VATPL-${SELLER_NIP}, C=PL`,
    publicKey: pair.publicKey,
    notBefore: new Date(now.getTime() - 3600_000),
    notAfter: new Date(now.getTime() + 86400_000),
    keyUsage: x509.KeyUsageFlags.digitalSignature
  })
  const foreignCert: DemoCertificate = {
    certificatePem: foreign.toString('pem'),
    privateKeyPem: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    passphrase: ''
  }
  const untrusted = await xadesStatus(sim.api, await signedRequest(sim.api, SELLER_NIP, foreignCert))
  t.equal(untrusted.code, 460)
  t.same(untrusted.details, ['Niezaufany łańcuch certyfikatów'])

  clock.advance(400 * 24 * 3600_000) // the demo certificate is valid for 365 days
  const expired = await xadesStatus(sim.api, await signedRequest(sim.api, SELLER_NIP, cert))
  t.equal(expired.code, 460)
  t.same(expired.details, ['Nieważny certyfikat'])
})

t.test('KSeF token refused: wrong timestamp 450, another NIP 415, unknown key 21470, garbage 450', async (t) => {
  const sim = await startSim(t)
  const keys = await publicKeys(sim.api)
  const token = await demoToken(sim.url, SELLER_NIP)
  const attempt = async (
    nip: string,
    plain: (challengeMs: number) => string,
    publicKeyId = keys.token.publicKeyId
  ): Promise<{ status: number; code?: number; json: any }> => {
    const ch = await sim.api('POST', '/auth/challenge')
    const init = await sim.api('POST', '/auth/ksef-token', {
      body: {
        challenge: ch.json.challenge,
        contextIdentifier: { type: 'Nip', value: nip },
        encryptedToken: rsaOaep(keys.token.certificate, Buffer.from(plain(ch.json.timestampMs))),
        publicKeyId
      }
    })
    if (init.status !== 202) return { status: init.status, json: init.json }
    const st = await authStatus(sim.api, init.json.referenceNumber, init.json.authenticationToken.token)
    const redeem = await sim.api('POST', '/auth/token/redeem', { bearer: init.json.authenticationToken.token })
    if (st.json.status.code !== 200) t.equal(redeem.status, 400, 'a failed authentication gives no tokens')
    return { status: init.status, code: st.json.status.code, json: st.json }
  }
  t.equal(
    (await attempt(SELLER_NIP, (ms) => `${token}|${ms}`)).code,
    200,
    'the right token with the challenge timestamp'
  )
  t.equal((await attempt(SELLER_NIP, (ms) => `${token}|${ms + 1}`)).code, 450, 'another timestamp')
  t.equal((await attempt(OTHER_NIP, (ms) => `${token}|${ms}`)).code, 415, 'the token of another company')
  t.equal((await attempt(SELLER_NIP, (ms) => `nieznany-token|${ms}`)).code, 450)
  const wrongKey = await attempt(SELLER_NIP, (ms) => `${token}|${ms}`, keys.symmetric.publicKeyId)
  t.equal(wrongKey.status, 400)
  t.equal(wrongKey.json.exception.exceptionDetailList[0].exceptionCode, 21470)
  const ch = await sim.api('POST', '/auth/challenge')
  const garbage = await sim.api('POST', '/auth/ksef-token', {
    body: {
      challenge: ch.json.challenge,
      contextIdentifier: { type: 'Nip', value: SELLER_NIP },
      encryptedToken: Buffer.from('nie zaszyfrowane').toString('base64')
    }
  })
  const gs = await authStatus(sim.api, garbage.json.referenceNumber, garbage.json.authenticationToken.token)
  t.equal(gs.json.status.code, 450)
  const bad = await sim.api('POST', '/auth/ksef-token', {
    body: { challenge: 'x', contextIdentifier: { type: 'Nip', value: SELLER_NIP }, encryptedToken: 'x' }
  })
  t.equal(bad.status, 400)
  t.equal(bad.json.exception.exceptionDetailList[0].exceptionCode, 21405)
})

t.test(
  'tokens expire on the simulator clock: access after 15 min, refresh after 7 days; challenge after 10 min',
  async (t) => {
    const clock = manualClock()
    const sim = await startSim(t, { now: clock.now })
    const { tokenLogin } = await import('./helpers.ts')
    const login = await tokenLogin(sim.api, SELLER_NIP, await demoToken(sim.url, SELLER_NIP))
    clock.advance(15 * 60_000 + 1000)
    const expired = await sim.api('POST', '/sessions/online', { bearer: login.accessToken, body: {} })
    t.equal(expired.status, 401)
    t.match(expired.json.detail, /wygasł/)
    const refreshed = await sim.api('POST', '/auth/token/refresh', { bearer: login.refreshToken })
    t.equal(refreshed.status, 200)
    await openSession(sim.api, refreshed.json.accessToken.token)
    clock.advance(7 * 24 * 3600_000)
    t.equal((await sim.api('POST', '/auth/token/refresh', { bearer: login.refreshToken })).status, 401)

    const ch = await sim.api('POST', '/auth/challenge')
    clock.advance(10 * 60_000 + 1)
    const keys = await publicKeys(sim.api)
    const late = await sim.api('POST', '/auth/ksef-token', {
      body: {
        challenge: ch.json.challenge,
        contextIdentifier: { type: 'Nip', value: SELLER_NIP },
        encryptedToken: rsaOaep(keys.token.certificate, Buffer.from(`x|${ch.json.timestampMs as number}`))
      }
    })
    t.equal(late.status, 400)
    t.equal(late.json.exception.exceptionDetailList[0].exceptionCode, 21111)
    t.ok(api, 'helpers loaded')
  }
)
