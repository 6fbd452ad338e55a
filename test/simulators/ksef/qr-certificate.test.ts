// KOD II (kody-qr.md): the link signed with the private key of an Offline certificate,
// RSASSA-PSS SHA-256 with a 32-byte salt over the link without "http(s)://".
import { constants, createHash, sign, X509Certificate } from 'node:crypto'
import t from 'tap'
import { readPrivateKey } from '../../../src/ksef/client/xades.ts'
import {
  demoCertificate,
  demoToken,
  fa3Invoice,
  invoiceStatus,
  openSession,
  SELLER_NIP,
  sendInvoice,
  startSim,
  tokenLogin,
  type DemoCertificate
} from './helpers.ts'

function kod2(base: string, cert: DemoCertificate, nip: string, hash: string): string {
  const serial = new X509Certificate(cert.certificatePem).serialNumber
  const link = `${base}/qr/certificate/Nip/${nip}/${nip}/${serial}/${hash}`
  const signature = sign('sha256', Buffer.from(link.replace(/^https?:\/\//, '')), {
    key: readPrivateKey(cert.privateKeyPem, cert.passphrase),
    padding: constants.RSA_PKCS1_PSS_PADDING,
    saltLength: 32
  })
  return `${link}/${signature.toString('base64url')}`
}

t.test('KOD II: a link signed with the Offline certificate is confirmed; anything else is not', async (t) => {
  const sim = await startSim(t)
  const offline = await demoCertificate(sim.url, { nip: SELLER_NIP, passphrase: 'tajne-haslo', type: 'Offline' })
  const xml = fa3Invoice()
  const hash = createHash('sha256').update(xml).digest('base64url')

  const good = await fetch(kod2(sim.url, offline, SELLER_NIP, hash))
  t.equal(good.status, 200)
  const page = await good.text()
  t.match(page, 'data-result="valid"')
  t.match(page, 'jeszcze nie przesłana', 'an offline invoice may not be in KSeF yet')

  const login = await tokenLogin(sim.api, SELLER_NIP, await demoToken(sim.url, SELLER_NIP))
  const s = await openSession(sim.api, login.accessToken)
  const sent = await sendInvoice(sim.api, login.accessToken, s, xml)
  const st = await invoiceStatus(sim.api, login.accessToken, s.ref, sent.json.referenceNumber)
  t.match(
    await (await fetch(kod2(sim.url, offline, SELLER_NIP, hash))).text(),
    st.json.ksefNumber,
    'once sent, the page names its KSeF number'
  )

  const link = kod2(sim.url, offline, SELLER_NIP, hash)
  const otherHash = createHash('sha256').update('inny plik').digest('base64url')
  const tampered = await fetch(link.replace(hash, otherHash))
  t.equal(tampered.status, 404)
  t.match(await tampered.text(), 'Podpis linku jest nieprawidłowy')

  const auth = await demoCertificate(sim.url, { nip: SELLER_NIP, passphrase: 'tajne-haslo' })
  const withAuth = await fetch(kod2(sim.url, auth, SELLER_NIP, hash))
  t.equal(withAuth.status, 404)
  t.match(await withAuth.text(), 'nie jest certyfikatem KSeF typu Offline')

  const foreign = await demoCertificate(sim.url, { nip: '7751234564', passphrase: 'tajne-haslo', type: 'Offline' })
  const foreignPage = await (await fetch(kod2(sim.url, foreign, SELLER_NIP, hash))).text()
  t.match(foreignPage, 'nie należy do podmiotu z kontekstu')

  const short = await fetch(`${sim.url}/qr/certificate/Nip/${SELLER_NIP}`)
  t.equal(short.status, 404)
  t.match(await short.text(), 'data-result="invalid"')
})
