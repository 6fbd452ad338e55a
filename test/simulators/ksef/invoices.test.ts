// What the simulator does with the invoices it receives: FA(3) schema (450 with xmllint's
// reason), encoding rules, duplicates (440 with originalKsefNumber), hashes and sizes, keys.
import { createDecipheriv, randomBytes } from 'node:crypto'
import t from 'tap'
import {
  demoToken,
  encryptedInvoice,
  fa3Invoice,
  invoiceStatus,
  manualClock,
  openSession,
  publicKeys,
  rsaOaep,
  SELLER_NIP,
  sendInvoice,
  startSim,
  tokenLogin,
  type Api
} from './helpers.ts'

async function loggedIn(
  t: Parameters<typeof startSim>[0],
  opts: Parameters<typeof startSim>[1] = {}
): Promise<{ sim: Awaited<ReturnType<typeof startSim>>; access: string }> {
  const sim = await startSim(t, opts)
  const login = await tokenLogin(sim.api, SELLER_NIP, await demoToken(sim.url, SELLER_NIP))
  return { sim, access: login.accessToken }
}

async function outcome(
  a: Api,
  access: string,
  s: { ref: string; key: Buffer; iv: Buffer },
  xml: Buffer
): Promise<{ code: number; details?: string[]; extensions?: Record<string, string>; ksefNumber: string | null }> {
  const sent = await sendInvoice(a, access, s, xml)
  if (sent.status !== 202) throw new Error(`send: ${sent.status} ${sent.text}`)
  const st = await invoiceStatus(a, access, s.ref, sent.json.referenceNumber)
  return { ...st.json.status, ksefNumber: st.json.ksefNumber }
}

t.test('FA(3) schema and encoding: 450 with the reason, no KSeF number', async (t) => {
  const { sim, access } = await loggedIn(t)
  const s = await openSession(sim.api, access)
  const good = fa3Invoice().toString('utf8')

  const noNumber = await outcome(sim.api, access, s, Buffer.from(good.replace(/<P_2>[^<]*<\/P_2>/, '')))
  t.equal(noNumber.code, 450)
  t.equal(noNumber.ksefNumber, null)
  t.match(noNumber.details?.[0], /schemą FA\(3\)/)
  t.ok(
    noNumber.details?.some((d) => /P_2|P_6|expected/i.test(d)),
    `xmllint says what is wrong: ${JSON.stringify(noNumber.details)}`
  )

  const bom = await outcome(sim.api, access, s, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(good)]))
  t.equal(bom.code, 450)
  t.match(bom.details?.[0], /BOM/)

  const control = await outcome(
    sim.api,
    access,
    s,
    Buffer.from(good.replace('Kubek ceramiczny', 'Kubek\u0001ceramiczny'))
  )
  t.equal(control.code, 450)
  t.match(control.details?.[0], /U\+0001/)

  const latin2 = Buffer.from(good.replace('Kubek ceramiczny', 'Kubek \u00ff'), 'latin1')
  const notUtf8 = await outcome(sim.api, access, s, latin2)
  t.equal(notUtf8.code, 450)
  t.match(notUtf8.details?.[0], /UTF-8/)

  const notXml = await outcome(sim.api, access, s, Buffer.from('to nie jest faktura'))
  t.equal(notXml.code, 450)

  const ok = await outcome(sim.api, access, s, Buffer.from(good))
  t.equal(ok.code, 200, 'the same number goes through once the file is right: a rejected invoice was never issued')
  t.ok(ok.ksefNumber)

  const close = await sim.api('POST', `/sessions/online/${s.ref}/close`, { bearer: access })
  t.equal(close.status, 204)
  const ss = await sim.api('GET', `/sessions/${s.ref}`, { bearer: access })
  t.equal(ss.json.status.code, 200)
  t.equal(ss.json.successfulInvoiceCount, 1)
  t.equal(ss.json.failedInvoiceCount, 5)
  const failed = await sim.api('GET', `/sessions/${s.ref}/invoices/failed`, { bearer: access })
  t.equal(failed.json.invoices.length, 5)
  t.ok(failed.json.invoices.every((i: { status: { code: number } }) => i.status.code === 450))
  const upo = await sim.api('GET', `/sessions/${s.ref}/upo/${ss.json.upo.pages[0].referenceNumber as string}`, {
    bearer: access
  })
  t.equal((upo.text.match(/<Dokument>/g) ?? []).length, 1, 'the session UPO lists only the accepted invoice')
})

t.test('duplicates: seller NIP + RodzajFaktury + P_2, across sessions and whatever the bytes', async (t) => {
  const { sim, access } = await loggedIn(t)
  const s1 = await openSession(sim.api, access)
  const first = await outcome(sim.api, access, s1, fa3Invoice({ number: 'FV 9/04/2026' }))
  t.equal(first.code, 200)
  const s2 = await openSession(sim.api, access)
  // same number, another issue date: other bytes, still the same invoice for KSeF
  const again = await outcome(sim.api, access, s2, fa3Invoice({ number: 'FV 9/04/2026', issueDate: '2026-04-11' }))
  t.equal(again.code, 440)
  t.equal(again.ksefNumber, null)
  t.equal(again.extensions?.originalKsefNumber, first.ksefNumber)
  t.equal(again.extensions?.originalSessionReferenceNumber, s1.ref)
  const other = await outcome(sim.api, access, s2, fa3Invoice({ number: 'FV 10/04/2026' }))
  t.equal(other.code, 200, 'another number is another invoice')

  const foreign = await outcome(sim.api, access, s2, fa3Invoice({ nip: '7751234564', number: 'FV 9/04/2026' }))
  t.equal(foreign.code, 410, 'an invoice of another seller in this context')
})

t.test(
  'hashes, sizes, keys: 400 for a broken request, 435 for a file that does not decrypt, 415 for a session key',
  async (t) => {
    const { sim, access } = await loggedIn(t)
    const s = await openSession(sim.api, access)
    const body = encryptedInvoice(s, fa3Invoice())
    const send = async (b: Record<string, unknown>): Promise<{ status: number; code?: number }> => {
      const r = await sim.api('POST', `/sessions/online/${s.ref}/invoices`, { bearer: access, body: b })
      return { status: r.status, code: r.json?.exception?.exceptionDetailList?.[0]?.exceptionCode }
    }
    t.same(
      await send({ ...body, invoiceHash: Buffer.alloc(32).toString('base64') }),
      { status: 400, code: 21403 },
      'hash of the plain file'
    )
    t.same(await send({ ...body, invoiceSize: (body.invoiceSize as number) + 1 }), { status: 400, code: 21402 })
    t.same(await send({ ...body, encryptedInvoiceHash: Buffer.alloc(32).toString('base64') }), {
      status: 400,
      code: 21403
    })
    t.same(await send({ ...body, encryptedInvoiceSize: 16 }), { status: 400, code: 21402 })
    t.same(await send({ invoiceHash: body.invoiceHash }), { status: 400, code: 21405 })

    // a key the session does not know; chosen so that its ciphertext is not valid under the session key
    let wrong: Record<string, unknown>
    for (;;) {
      wrong = encryptedInvoice({ key: randomBytes(32), iv: s.iv }, fa3Invoice({ number: 'FV 11/04/2026' }))
      try {
        const d = createDecipheriv('aes-256-cbc', s.key, s.iv)
        Buffer.concat([d.update(Buffer.from(wrong.encryptedInvoiceContent as string, 'base64')), d.final()])
      } catch {
        break
      }
    }
    const r = await sim.api('POST', `/sessions/online/${s.ref}/invoices`, { bearer: access, body: wrong })
    t.equal(r.status, 202)
    const st = await invoiceStatus(sim.api, access, s.ref, r.json.referenceNumber)
    t.equal(st.json.status.code, 435)

    const keys = await publicKeys(sim.api)
    const open = (encryptedSymmetricKey: string, publicKeyId = keys.symmetric.publicKeyId) =>
      sim.api('POST', '/sessions/online', {
        bearer: access,
        body: {
          formCode: { systemCode: 'FA (3)', schemaVersion: '1-0E', value: 'FA' },
          encryption: { encryptedSymmetricKey, initializationVector: randomBytes(16).toString('base64'), publicKeyId }
        }
      })
    const wrongKeyId = await open(rsaOaep(keys.symmetric.certificate, randomBytes(32)), keys.token.publicKeyId)
    t.equal(wrongKeyId.status, 400)
    t.equal(wrongKeyId.json.exception.exceptionDetailList[0].exceptionCode, 21470)
    const badKey = await open(rsaOaep(keys.token.certificate, randomBytes(32)))
    t.equal(badKey.status, 201, 'KSeF opens the session and reports the key later')
    const bs = await sim.api('GET', `/sessions/${badKey.json.referenceNumber as string}`, { bearer: access })
    t.equal(bs.json.status.code, 415)
    const fa2 = await sim.api('POST', '/sessions/online', {
      bearer: access,
      body: {
        formCode: { systemCode: 'FA (2)', schemaVersion: '1-0E', value: 'FA' },
        encryption: { encryptedSymmetricKey: 'x', initializationVector: 'x' }
      }
    })
    t.equal(fa2.status, 400)

    const other = await tokenLogin(sim.api, '7751234564', await demoToken(sim.url, '7751234564'))
    const foreign = await sim.api('GET', `/sessions/${s.ref}`, { bearer: other.accessToken })
    t.equal(foreign.status, 400, 'another context does not see the session')
    t.equal(foreign.json.exception.exceptionDetailList[0].exceptionCode, 21173)
  }
)

t.test(
  'processing takes time on the simulator clock: 100/150/170 before the final statuses; empty session 440',
  async (t) => {
    const clock = manualClock()
    const sim2 = await startSim(t, { now: clock.now, processingDelayMs: 5000 })
    const token = await demoToken(sim2.url, SELLER_NIP)
    const keys = await publicKeys(sim2.api)
    const ch = await sim2.api('POST', '/auth/challenge')
    const init = await sim2.api('POST', '/auth/ksef-token', {
      body: {
        challenge: ch.json.challenge,
        contextIdentifier: { type: 'Nip', value: SELLER_NIP },
        encryptedToken: rsaOaep(keys.token.certificate, Buffer.from(`${token}|${ch.json.timestampMs as number}`))
      }
    })
    const authToken = init.json.authenticationToken.token as string
    const pending = await sim2.api('GET', `/auth/${init.json.referenceNumber as string}`, { bearer: authToken })
    t.equal(pending.json.status.code, 100)
    t.equal(
      (await sim2.api('POST', '/auth/token/redeem', { bearer: authToken })).status,
      400,
      'no tokens while in progress'
    )
    clock.advance(5000)
    const redeem = await sim2.api('POST', '/auth/token/redeem', { bearer: authToken })
    t.equal(redeem.status, 200)
    const accessToken = redeem.json.accessToken.token as string

    const s = await openSession(sim2.api, accessToken)
    const sent = await sendInvoice(sim2.api, accessToken, s, fa3Invoice())
    const early = await sim2.api('GET', `/sessions/${s.ref}/invoices/${sent.json.referenceNumber as string}`, {
      bearer: accessToken
    })
    t.equal(early.json.status.code, 150)
    t.equal(early.json.ksefNumber, null)
    t.equal(
      (
        await sim2.api('GET', `/sessions/${s.ref}/invoices/${sent.json.referenceNumber as string}/upo`, {
          bearer: accessToken
        })
      ).status,
      400,
      'no UPO yet'
    )
    t.equal((await sim2.api('GET', `/sessions/${s.ref}`, { bearer: accessToken })).json.status.code, 100)
    await sim2.api('POST', `/sessions/online/${s.ref}/close`, { bearer: accessToken })
    await sim2.simulator.idle()
    t.equal(
      (await sim2.api('GET', `/sessions/${s.ref}`, { bearer: accessToken })).json.status.code,
      170,
      'verified, but the processing time has not passed'
    )
    clock.advance(5000)
    t.equal((await sim2.api('GET', `/sessions/${s.ref}`, { bearer: accessToken })).json.status.code, 200)
    const late = await sim2.api('GET', `/sessions/${s.ref}/invoices/${sent.json.referenceNumber as string}`, {
      bearer: accessToken
    })
    t.equal(late.json.status.code, 200)
    t.ok(late.json.ksefNumber)

    const empty = await openSession(sim2.api, accessToken)
    await sim2.api('POST', `/sessions/online/${empty.ref}/close`, { bearer: accessToken })
    clock.advance(5000)
    t.equal((await sim2.api('GET', `/sessions/${empty.ref}`, { bearer: accessToken })).json.status.code, 440)
  }
)

t.test('a burst of invoices is verified together, in arrival order (duplicates inside the burst too)', async (t) => {
  const { sim, access } = await loggedIn(t)
  const s = await openSession(sim.api, access)
  const files = [
    ...Array.from({ length: 30 }, (_, i) => fa3Invoice({ number: `FV ${i + 1}/05/2026` })),
    Buffer.from(
      fa3Invoice({ number: 'FV 99/05/2026' })
        .toString()
        .replace(/<P_2>[^<]*<\/P_2>/, '')
    ),
    fa3Invoice({ number: 'FV 1/05/2026', issueDate: '2026-04-12' }),
    Buffer.from('<nie-domkniety>')
  ]
  const refs: string[] = []
  for (const f of files) refs.push((await sendInvoice(sim.api, access, s, f)).json.referenceNumber)
  await sim.simulator.idle()
  const codes: number[] = []
  for (const ref of refs)
    codes.push((await sim.api('GET', `/sessions/${s.ref}/invoices/${ref}`, { bearer: access })).json.status.code)
  t.same(codes, [...Array(30).fill(200), 450, 440, 450])
})
