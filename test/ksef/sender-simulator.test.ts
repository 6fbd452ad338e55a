// The sender against the built-in KSeF simulator mounted in the app, over real loopback HTTP with
// real cryptography: the XML KSeF decrypted equals the stored bytes, numbers pass their CRC, the
// UPO validates against upo-v4-3.xsd; XAdES with a certificate the simulator issues, set up
// through the settings page; 440 after lost local state.
import t from 'tap'
import { invoiceFor } from '../corrections/helpers.ts'
import { runKsefRound } from '../../src/ksef/ksef-sender.ts'
import { submissionOf } from '../../src/ksef/submissions.queries.ts'
import { assertValidUpo } from '../simulators/ksef/helpers.ts'
import { assertAcceptedOnce, issueAndQueue, NIP, setup } from './helpers/sim-setup.ts'

t.test('KSeF token: sent, the number on the document, the UPO valid against the official XSD', async (t) => {
  const s = await setup(t)
  const ids = [await issueAndQueue(s.built), await issueAndQueue(s.built)]
  const round = await runKsefRound(s.deps)
  t.match(round, { claimed: 2, accepted: 2 })
  await assertAcceptedOnce(t, s, ids)
  const row = await submissionOf(s.built.db, ids[0]!)
  assertValidUpo(t, row!.upo_xml!)
  t.match(row!.upo_xml, row!.ksef_number!)
  const doc = await s.built.db
    .selectFrom('documents')
    .select('ksef_number')
    .where('id', '=', ids[0]!)
    .executeTakeFirstOrThrow()
  t.equal(doc.ksef_number, row!.ksef_number)
  t.notOk(s.responses.includes(429))
})

t.test(
  'XAdES with a certificate the simulator issues, set up on the settings page, sent from the document page',
  async (t) => {
    const s = await setup(t, { connect: false })
    const cert = await s.sim.issueCertificate(NIP, { passphrase: 'tajne hasło' })
    await s.built.owner.get('/ustawienia/integracje/ksef')
    const saved = await s.built.owner.post('/ustawienia/integracje/ksef', {
      environment: 'symulator',
      authMethod: 'certyfikat',
      certificatePem: cert.certificatePem,
      privateKeyPem: cert.privateKeyPem,
      passphrase: 'tajne hasło',
      autoSend: 'on'
    })
    t.equal(saved.statusCode, 303)
    await s.built.owner.post('/ustawienia/integracje/ksef/test')
    t.match((await s.built.owner.get('/ustawienia/integracje/ksef')).body, 'Połączenie z KSeF działa')
    const { invoiceId } = await invoiceFor(s.built, { invoice: 'company' })
    await s.built.owner.get(`/przychody/dokumenty/${invoiceId}`)
    t.equal((await s.built.owner.post(`/przychody/dokumenty/${invoiceId}/ksef/wyslij`)).statusCode, 303)
    // KSeF answers 150 until it has checked the file; the next round (the worker's) reads the verdict
    await s.sim.idle()
    t.equal(s.sim.stats().invoices, 1, 'the page sent it to KSeF')
    s.built.clock.advance(60_000)
    await runKsefRound(s.deps)
    const row = await submissionOf(s.built.db, invoiceId)
    t.equal(row?.state, 'przyjeta')
    t.match((await s.built.owner.get(`/przychody/dokumenty/${invoiceId}`)).body, row!.ksef_number!)
  }
)

t.test('440: local state lost after KSeF accepted, the resend takes the original number', async (t) => {
  const s = await setup(t)
  const id = await issueAndQueue(s.built)
  await runKsefRound(s.deps)
  const first = (await submissionOf(s.built.db, id))!.ksef_number
  // as if the answer never reached us and the session reference was lost
  await s.built.db
    .updateTable('ksef_submissions')
    .set({
      state: 'do_wyslania',
      ksef_number: null,
      session_reference: null,
      invoice_reference: null,
      upo_xml: null,
      next_attempt_at: '2026-11-16T08:00:00.000Z'
    })
    .where('document_id', '=', id)
    .execute()
  await s.built.db.updateTable('documents').set({ ksef_number: null }).where('id', '=', id).execute()
  await s.built.db.updateTable('ledger_entries').set({ ksef_number: null }).where('document_id', '=', id).execute()
  await runKsefRound(s.deps)
  t.match(await submissionOf(s.built.db, id), { state: 'przyjeta', ksef_number: first, status_code: 440 })
  t.equal(s.sim.stats().invoices, 1, 'still one invoice in KSeF')
  t.equal(
    (await s.built.db.selectFrom('documents').select('ksef_number').where('id', '=', id).executeTakeFirstOrThrow())
      .ksef_number,
    first
  )
})
