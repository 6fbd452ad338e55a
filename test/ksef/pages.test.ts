// KSeF from the pages: USTAWIENIA » INTEGRACJE » KSeF (bad input → 422 in Polish and nothing
// stored; secrets sealed and never shown back; the connection test), Wyślij do KSeF on the
// document, the bulk send from the list through the background worker, auto-send after issuing,
// the state on the document and the UPO download. KSeF is the spec-checking loopback server.
import { createPrivateKey } from 'node:crypto'
import t, { type Test } from 'tap'
import { build, seedUser, type Built } from '../helpers/app.ts'
import { TestClient } from '../helpers/client.ts'
import { invoiceFor } from '../corrections/helpers.ts'
import { submissionOf } from '../../src/ksef/submissions.queries.ts'
import { testCertificate } from './helpers/certificates.ts'
import { startSpecServer, type SpecServer } from './helpers/spec-server.ts'

const BASE = '/ustawienia/integracje/ksef'
const TOKEN = '20261116-EC-ABCDEF0123-4567890ABC-12|nip-5261040828|0123456789abcdef'

async function setup(t: Test, company: { auto_book?: number } = {}): Promise<{ built: Built; server: SpecServer }> {
  const server = await startSpecServer({ nip: '5261040828' })
  t.teardown(server.close)
  const built = await build(t, { company, config: { KSEF_TEST_API_URL: server.baseUrl, KSEF_RETRY_BASE_MS: '10' } })
  return { built, server }
}

const form = (fields: Record<string, string>) => ({
  environment: 'test',
  contextNip: '',
  authMethod: 'token',
  autoSend: 'on',
  ...fields
})

async function connectionRow(built: Built) {
  return await built.db.selectFrom('ksef_connection').selectAll().executeTakeFirst()
}

t.test('the settings page: bad input refused in Polish with nothing stored', async (t) => {
  const { built } = await setup(t)
  const page = await built.owner.get(BASE)
  t.equal(page.statusCode, 200)
  t.match(page.body, 'wbudowany symulator KSeF')
  t.match(page.body, 'nie skonfigurowano')

  const cert = await testCertificate({ name: 'CN=Sklep Testowy, 2.5.4.97=VATPL-5261040828, C=PL' })
  const other = await testCertificate({ name: 'CN=Inna firma, C=PL' })
  const foreign = await testCertificate({ name: 'CN=Obca firma, 2.5.4.97=VATPL-6762468259, C=PL' })
  const expired = await testCertificate({
    name: 'CN=Stary, C=PL',
    notBefore: new Date('2025-01-01T00:00:00Z'),
    notAfter: new Date('2026-01-01T00:00:00Z')
  })
  const sealedKey = createPrivateKey(cert.privateKeyPem)
    .export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'tajne hasło' })
    .toString()
  const cases: Array<[string, Record<string, string>, RegExp]> = [
    ['no token', form({}), /Wklej token KSeF/],
    ['a token with spaces', form({ token: 'abc def' }), /jeden ciąg znaków bez spacji/],
    ['an unknown environment', form({ environment: 'mars', token: TOKEN }), /Wybierz środowisko KSeF/],
    ['a bad NIP', form({ contextNip: '1234567890', token: TOKEN }), /To nie jest poprawny NIP/],
    [
      'not a certificate',
      form({ authMethod: 'certyfikat', certificatePem: 'hello', privateKeyPem: cert.privateKeyPem }),
      /To nie jest certyfikat X\.509/
    ],
    [
      'an expired certificate',
      form({ authMethod: 'certyfikat', certificatePem: expired.certificatePem, privateKeyPem: expired.privateKeyPem }),
      /Certyfikat wygasł 01\.01\.2026/
    ],
    [
      'a foreign NIP',
      form({ authMethod: 'certyfikat', certificatePem: foreign.certificatePem, privateKeyPem: foreign.privateKeyPem }),
      /wystawiono dla NIP 6762468259/
    ],
    [
      'a key of another certificate',
      form({ authMethod: 'certyfikat', certificatePem: cert.certificatePem, privateKeyPem: other.privateKeyPem }),
      /nie pasuje do certyfikatu/
    ],
    [
      'a wrong passphrase',
      form({
        authMethod: 'certyfikat',
        certificatePem: cert.certificatePem,
        privateKeyPem: sealedKey,
        passphrase: 'złe'
      }),
      /sprawdź hasło/
    ],
    ['no key', form({ authMethod: 'certyfikat', certificatePem: cert.certificatePem }), /Wgraj klucz prywatny/]
  ]
  for (const [name, fields, message] of cases) {
    const response = await built.owner.post(BASE, fields)
    t.equal(response.statusCode, 422, name)
    t.match(response.body, message, name)
    t.notMatch(response.body, 'PRIVATE KEY', `${name}: the key is not shown back`)
    t.equal(await connectionRow(built), undefined, `${name}: nothing stored`)
  }

  // the right passphrase: stored, the key sealed without it
  const ok = await built.owner.post(
    BASE,
    form({
      authMethod: 'certyfikat',
      certificatePem: cert.certificatePem,
      privateKeyPem: sealedKey,
      passphrase: 'tajne hasło'
    })
  )
  t.equal(ok.statusCode, 303)
  const row = await connectionRow(built)
  t.match(row, {
    environment: 'test',
    auth_method: 'certyfikat',
    auto_send: 1,
    certificate_expires_at: '2028-01-01T00:00:00.000Z'
  })
  t.match(row!.private_key_enc, /^v1:/)
  t.notMatch(row!.private_key_enc, 'PRIVATE KEY')
  const shown = await built.owner.get(BASE)
  t.notMatch(shown.body, 'BEGIN', 'neither the certificate nor the key is rendered')
  t.match(shown.body, 'certyfikat KSeF (zapisany)')
})

t.test('only the owner (or administration) sees and changes the connection', async (t) => {
  const { built } = await setup(t)
  await seedUser(built.db, { login: 'ksiegowa', password: 'haslo-ksiegowej-1', ksiegowosc: true, allegro: true })
  const user = new TestClient(built.app)
  await user.login('ksiegowa', 'haslo-ksiegowej-1')
  t.equal((await user.get(BASE)).statusCode, 403)
  t.equal((await user.post(BASE, form({ token: TOKEN }))).statusCode, 403)
  t.equal(await connectionRow(built), undefined)
})

t.test('a token saved sealed, tested against KSeF, then an invoice sent from its page', async (t) => {
  const { built, server } = await setup(t)
  await built.owner.get(BASE)
  t.equal((await built.owner.post(BASE, form({ token: TOKEN }))).statusCode, 303)
  const row = await connectionRow(built)
  t.match(row!.token_enc, /^v1:/)
  t.notMatch(row!.token_enc, TOKEN)
  t.notMatch((await built.owner.get(BASE)).body, TOKEN, 'never shown back')

  const tested = await built.owner.post(`${BASE}/test`)
  t.equal(tested.statusCode, 303)
  t.match((await built.owner.get(BASE)).body, 'Połączenie z KSeF działa')
  t.ok(server.calls.includes('POST /auth/ksef-token'))

  const { invoiceId } = await invoiceFor(built, { invoice: 'company' })
  const page = await built.owner.get(`/przychody/dokumenty/${invoiceId}`)
  t.match(page.body, `action="/przychody/dokumenty/${invoiceId}/ksef/wyslij"`)
  const sent = await built.owner.post(`/przychody/dokumenty/${invoiceId}/ksef/wyslij`)
  t.equal(sent.statusCode, 303)
  const submission = await submissionOf(built.db, invoiceId)
  t.equal(submission!.state, 'przyjeta')
  const after = await built.owner.get(`/przychody/dokumenty/${invoiceId}`)
  t.match(after.body, `KSeF przyjął fakturę FV 1/11/2026: numer KSeF ${submission!.ksef_number}`)
  t.match(after.body, 'przyjęta w KSeF')
  t.notMatch(after.body, `action="/przychody/dokumenty/${invoiceId}/ksef/wyslij"`, 'no second send offered')
  const upo = await built.owner.get(`/przychody/dokumenty/${invoiceId}/upo.xml`)
  t.equal(upo.statusCode, 200)
  t.match(upo.body, `<NumerKSeFDokumentu>${submission!.ksef_number}</NumerKSeFDokumentu>`)
  t.same(server.violations, [])

  // a second click (an old tab) sends nothing
  await built.owner.post(`/przychody/dokumenty/${invoiceId}/ksef/wyslij`)
  t.equal(server.invoices.length, 1)
})

t.test('bulk from the list through the worker; auto-send after issuing; rejected reason on the page', async (t) => {
  const { built, server } = await setup(t)
  await built.owner.get(BASE)
  t.equal((await built.owner.post(BASE, form({ token: TOKEN, autoSend: '' }))).statusCode, 303)
  const a = (await invoiceFor(built, { invoice: 'company' })).invoiceId
  const b = (await invoiceFor(built, { invoice: 'company' })).invoiceId
  const list = await built.owner.get('/przychody/dokumenty')
  t.match(list.body, 'Wyślij zaznaczone do KSeF')
  const bulk = await built.owner.post('/przychody/dokumenty/ksef/wyslij', { documentIds: [String(a), String(b)] })
  t.equal(bulk.statusCode, 303)
  await built.app.ksefWorker!.tick()
  t.equal((await submissionOf(built.db, a))!.state, 'przyjeta')
  t.equal((await submissionOf(built.db, b))!.state, 'przyjeta')
  t.match((await built.owner.get('/przychody/dokumenty')).body, 'przyjęta')

  // auto-send off: a new invoice waits; on: the worker queues and sends it
  const c = (await invoiceFor(built, { invoice: 'company' })).invoiceId
  await built.app.ksefWorker!.tick()
  t.equal(await submissionOf(built.db, c), undefined, 'not sent without auto-send')
  await built.owner.post(BASE, form({ autoSend: 'on' }))
  await built.app.ksefWorker!.tick()
  t.equal(
    (await submissionOf(built.db, c))!.state,
    'przyjeta',
    'with auto-send on, invoices issued since the connection go'
  )
  server.nextStatus([
    { code: 450, description: 'Błąd weryfikacji semantyki dokumentu faktury', details: ['Brak pola P_2'] }
  ])
  const d = (await invoiceFor(built, { invoice: 'company' })).invoiceId
  await built.app.ksefWorker!.tick()
  t.equal((await submissionOf(built.db, d))!.state, 'odrzucona')
  const page = await built.owner.get(`/przychody/dokumenty/${d}`)
  t.match(page.body, 'odrzucona przez KSeF')
  t.match(page.body, 'Brak pola P_2')
  t.match(page.body, 'Wyślij ponownie do KSeF')
  t.equal(server.invoices.length, 4, 'each once')
})

t.test('the dashboard counts invoices waiting for KSeF, offline with their deadline, rejected', async (t) => {
  const { built } = await setup(t)
  const ids = [
    (await invoiceFor(built, { invoice: 'company' })).invoiceId,
    (await invoiceFor(built, { invoice: 'company' })).invoiceId,
    (await invoiceFor(built, { invoice: 'company' })).invoiceId
  ]
  t.notMatch((await built.owner.get('/')).body, 'czeka na KSeF', 'nothing to say yet')
  const { queueSubmission } = await import('../../src/ksef/ksef-sender.ts')
  for (const id of ids) await queueSubmission(built.db, id, built.clock())
  await built.db
    .updateTable('ksef_submissions')
    .set({ state: 'offline', offline_mode: 'offline24', offline_deadline: '2026-11-17' })
    .where('document_id', '=', ids[1]!)
    .execute()
  await built.db
    .updateTable('ksef_submissions')
    .set({ state: 'odrzucona', next_attempt_at: null })
    .where('document_id', '=', ids[2]!)
    .execute()
  const home = (await built.owner.get('/')).body
  t.match(home, /<strong>1<\/strong><span>faktur czeka na KSeF<\/span>/)
  t.match(home, /<strong>1<\/strong><span>faktur offline – wyślij do KSeF do 17\.11\.2026<\/span>/)
  t.match(home, /<strong>1<\/strong><span>faktur odrzuconych lub niewysłanych do KSeF<\/span>/)
})

t.test(
  'an invoice on its way to KSeF or issued offline cannot be cancelled; a queued one can and is never sent',
  async (t) => {
    // not booked, so nothing else stands in the way of cancelling
    const { built, server } = await setup(t, { auto_book: 0 })
    const { queueSubmission, runKsefRound } = await import('../../src/ksef/ksef-sender.ts')
    const { senderDeps, insertConnection } = await import('./helpers/ksef-setup.ts')
    const inFlight = (await invoiceFor(built, { invoice: 'company' })).invoiceId
    const offline = (await invoiceFor(built, { invoice: 'company' })).invoiceId
    const queued = (await invoiceFor(built, { invoice: 'company' })).invoiceId
    for (const id of [inFlight, offline, queued]) await queueSubmission(built.db, id, built.clock())
    await built.db
      .updateTable('ksef_submissions')
      .set({ state: 'wysylanie' })
      .where('document_id', '=', inFlight)
      .execute()
    await built.db
      .updateTable('ksef_submissions')
      .set({ state: 'offline', offline_mode: 'offline24', offline_deadline: '2026-11-17' })
      .where('document_id', '=', offline)
      .execute()
    for (const [id, message] of [
      [inFlight, 'jest właśnie wysyłana do KSeF'],
      [offline, 'wystawiona w trybie offline']
    ] as const) {
      await built.owner.get(`/przychody/dokumenty/${id}/anulowanie`)
      await built.owner.post(`/przychody/dokumenty/${id}/anulowanie`)
      t.equal(
        (await built.db.selectFrom('documents').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status,
        'issued'
      )
      t.match((await built.owner.get(`/przychody/dokumenty/${id}`)).body, message)
    }
    await built.owner.get(`/przychody/dokumenty/${queued}/anulowanie`)
    await built.owner.post(`/przychody/dokumenty/${queued}/anulowanie`)
    t.equal(
      (await built.db.selectFrom('documents').select('status').where('id', '=', queued).executeTakeFirstOrThrow())
        .status,
      'cancelled'
    )
    await insertConnection(built, { token: TOKEN })
    await runKsefRound(senderDeps(built), { documentIds: [queued] })
    t.match(await submissionOf(built.db, queued), { state: 'blad', last_error: /anulowany – nie wysłano/ })
    t.equal(server.invoices.length, 0)
  }
)
