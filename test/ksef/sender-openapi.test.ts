// The whole send against a server that checks each request against the official open-api.json
// (openapi-backend) over loopback HTTP, with real cryptography: token and XAdES authentication,
// the access token reused, public keys cached, one session per round, the decrypted invoice
// equal to the stored bytes, the number on the document and its ledger entries, 440/450/550,
// 429 with Retry-After, KSeF unreachable (offline24), restarts and concurrent senders.
import t, { type Test } from 'tap'
import { DateTime } from 'luxon'
import { build, type Built } from '../helpers/app.ts'
import { invoiceFor } from '../corrections/helpers.ts'
import { isValidKsefNumber } from '../../src/ksef/ksef-number.ts'
import { queueSubmission, runKsefRound, type KsefDeps } from '../../src/ksef/ksef-sender.ts'
import { fixInvoiceFile, invoiceFileOf, submissionOf } from '../../src/ksef/submissions.queries.ts'
import { testCertificate } from './helpers/certificates.ts'
import { insertConnection, senderDeps } from './helpers/ksef-setup.ts'
import { makeKsefNumber, startSpecServer, type SpecServer } from './helpers/spec-server.ts'

const NIP = '5261040828'

interface Setup {
  built: Built
  server: SpecServer
  deps: KsefDeps
}

async function setup(t: Test, opts: { auth?: 'token' | 'certyfikat' } = {}): Promise<Setup> {
  const server = await startSpecServer({ nip: NIP })
  t.teardown(server.close)
  const built = await build(t, { config: { KSEF_TEST_API_URL: server.baseUrl, KSEF_RETRY_BASE_MS: '10' } })
  if (opts.auth === 'certyfikat') {
    const cert = await testCertificate({ name: `CN=Sklep Testowy, 2.5.4.97=VATPL-${NIP}, C=PL` })
    await insertConnection(built, { certificatePem: cert.certificatePem, privateKeyPem: cert.privateKeyPem })
  } else {
    await insertConnection(built, { token: '20261116-EC-ABCDEF0123-4567890ABC-12|nip-5261040828|0123456789abcdef' })
  }
  return { built, server, deps: senderDeps(built) }
}

async function issueAndQueue(built: Built): Promise<number> {
  const { invoiceId } = await invoiceFor(built, { invoice: 'company' })
  const queued = await queueSubmission(built.db, invoiceId, built.clock())
  if (!queued.ok) throw new Error(queued.problems.join(' '))
  return invoiceId
}

function clean(t: Test, server: SpecServer): void {
  t.same(server.violations, [], 'every request as open-api.json describes it')
  t.same(server.answerViolations, [], 'and the test server answered as it describes')
}

t.test('token: authenticated, sent in a session, the number stored on the document and in the ledger', async (t) => {
  const { built, server, deps } = await setup(t)
  const id = await issueAndQueue(built)
  const stored = await invoiceFileOf(built.db, id)

  const round = await runKsefRound(deps)
  t.match(round, { claimed: 1, accepted: 1, rejected: 0, failed: 0 })
  clean(t, server)
  t.equal(server.invoices.length, 1)
  t.same(server.invoices[0]!.xml, Buffer.from(stored!.xml), 'KSeF decrypted exactly the stored bytes')
  t.equal(server.invoices[0]!.offlineMode, false)

  const row = await submissionOf(built.db, id)
  t.match(row, {
    state: 'przyjeta',
    status_code: 200,
    accepted_at: '2026-11-16T09:00:05.123Z',
    claimed_until: null,
    next_attempt_at: null
  })
  t.ok(isValidKsefNumber(row!.ksef_number!), 'the number passes its CRC-8')
  t.ok(row!.ksef_number!.startsWith(`${NIP}-`))
  t.match(row!.upo_xml, /<NumerKSeFDokumentu>/, 'the UPO is kept')
  const doc = await built.db
    .selectFrom('documents')
    .select('ksef_number')
    .where('id', '=', id)
    .executeTakeFirstOrThrow()
  t.equal(doc.ksef_number, row!.ksef_number)
  const ledger = await built.db
    .selectFrom('ledger_entries')
    .select('ksef_number')
    .where('document_id', '=', id)
    .execute()
  t.ok(ledger.length > 0 && ledger.every((e) => e.ksef_number === row!.ksef_number), 'KPiR and VAT register carry it')
  t.same(server.calls.filter((c) => c.startsWith('POST /auth/challenge')).length, 1)
  t.ok(
    server.calls.some((c) => /^POST \/sessions\/online\/[^/]+\/close$/.test(c)),
    'the session was closed'
  )
  const connection = await built.db
    .selectFrom('ksef_connection')
    .select(['access_token_enc', 'access_token_expires_at', 'last_success_at'])
    .executeTakeFirstOrThrow()
  t.match(connection.access_token_enc, /^v1:/, 'the access token is kept encrypted')
  t.ok(connection.last_success_at !== null)

  // nothing more to do: nothing is sent again
  t.match(await runKsefRound(deps), { claimed: 0 })
  t.match(await queueSubmission(built.db, id, built.clock()), { ok: true, queued: false })
  t.equal(server.invoices.length, 1)

  // a second invoice: the access token and the public keys are reused
  const second = await issueAndQueue(built)
  await runKsefRound(deps)
  t.equal((await submissionOf(built.db, second))!.state, 'przyjeta')
  t.equal(server.calls.filter((c) => c === 'POST /auth/challenge').length, 1, 'no second authentication')
  t.equal(
    server.calls.filter((c) => c === 'GET /security/public-key-certificates').length,
    1,
    'keys from the cache until validTo'
  )
  clean(t, server)
})

t.test('XAdES with a KSeF certificate', async (t) => {
  const { built, server, deps } = await setup(t, { auth: 'certyfikat' })
  const id = await issueAndQueue(built)
  await runKsefRound(deps)
  t.ok(server.calls.includes('POST /auth/xades-signature'))
  t.equal((await submissionOf(built.db, id))!.state, 'przyjeta')
  clean(t, server)
})

t.test('an expired access token is refreshed; a refused refresh authenticates anew', async (t) => {
  const { built, server, deps } = await setup(t)
  await runKsefRound(deps, { documentIds: [await issueAndQueue(built)] })
  await built.db.updateTable('ksef_connection').set({ access_token_expires_at: '2026-11-16T08:00:00.000Z' }).execute()
  await runKsefRound(deps, { documentIds: [await issueAndQueue(built)] })
  t.equal(server.calls.filter((c) => c === 'POST /auth/token/refresh').length, 1)
  t.equal(server.calls.filter((c) => c === 'POST /auth/challenge').length, 1)

  await built.db.updateTable('ksef_connection').set({ access_token_expires_at: '2026-11-16T08:00:00.000Z' }).execute()
  server.failNext('POST /auth/token/refresh', 401)
  const id = await issueAndQueue(built)
  await runKsefRound(deps)
  t.equal((await submissionOf(built.db, id))!.state, 'przyjeta')
  t.equal(server.calls.filter((c) => c === 'POST /auth/challenge').length, 2, 'authenticated again')
  clean(t, server)
})

t.test('440: the original number is taken and nothing is sent again', async (t) => {
  const { built, server, deps } = await setup(t)
  const original = makeKsefNumber(NIP, '2026-11-15')
  server.nextStatus([{ code: 100 }, { code: 440, description: 'Duplikat faktury', originalKsefNumber: original }])
  const id = await issueAndQueue(built)
  await runKsefRound(deps)
  t.match(await submissionOf(built.db, id), { state: 'przyjeta', ksef_number: original, status_code: 440 })
  t.equal(
    (await built.db.selectFrom('documents').select('ksef_number').where('id', '=', id).executeTakeFirstOrThrow())
      .ksef_number,
    original
  )
  t.equal(server.invoices.length, 1)
  await runKsefRound(deps)
  t.equal(server.invoices.length, 1, 'never resent')
  clean(t, server)
})

t.test("450: odrzucona with the Ministry's reason; fixed and sent again under the same number", async (t) => {
  const { built, server, deps } = await setup(t)
  server.nextStatus([
    {
      code: 450,
      description: 'Błąd weryfikacji semantyki dokumentu faktury',
      details: ['Nieprawidłowa wartość pola P_13_1']
    }
  ])
  const id = await issueAndQueue(built)
  const first = await invoiceFileOf(built.db, id)
  await runKsefRound(deps)
  const row = await submissionOf(built.db, id)
  t.match(row, { state: 'odrzucona', ksef_number: null, next_attempt_at: null })
  t.match(
    row!.last_error,
    /KSeF odrzucił fakturę \(450: Błąd weryfikacji semantyki dokumentu faktury – Nieprawidłowa wartość pola P_13_1\)/
  )
  t.equal(
    (await built.db.selectFrom('documents').select('ksef_number').where('id', '=', id).executeTakeFirstOrThrow())
      .ksef_number,
    null
  )
  t.match(await runKsefRound(deps), { claimed: 0 }, 'a rejected invoice waits for the user')

  server.nextStatus([{ code: 200 }])
  built.clock.set('2026-11-16T11:00:00.000+01:00')
  t.match(await queueSubmission(built.db, id, built.clock()), { ok: true, queued: true })
  const remade = await invoiceFileOf(built.db, id)
  t.not(remade!.sha256Base64, first!.sha256Base64, 'a new file (new DataWytworzeniaFa)')
  await runKsefRound(deps)
  t.equal((await submissionOf(built.db, id))!.state, 'przyjeta')
  t.same(server.invoices[1]!.xml, Buffer.from(remade!.xml))
  clean(t, server)
})

t.test('550 and other 5xx statuses are sent again after a backoff; 5xx answers make it offline24', async (t) => {
  const { built, server, deps } = await setup(t)
  server.nextStatus([{ code: 550, description: 'Operacja została anulowana przez system' }])
  const id = await issueAndQueue(built)
  await runKsefRound(deps)
  const waiting = await submissionOf(built.db, id)
  t.match(waiting, { state: 'do_wyslania', session_reference: null, invoice_reference: null, attempts: 1 })
  t.ok(waiting!.next_attempt_at! > '2026-11-16T09:00:00.000Z', 'not before the backoff')
  t.match(await runKsefRound(deps), { claimed: 0 }, 'not yet due')
  server.nextStatus([{ code: 200 }])
  built.clock.advance(60_000)
  await runKsefRound(deps)
  t.equal((await submissionOf(built.db, id))!.state, 'przyjeta')
  t.equal(server.invoices.length, 2)
  t.same(server.invoices[0]!.xml, server.invoices[1]!.xml, 'the same bytes again')

  // KSeF unreachable while opening the session: the invoice is offline24 with its deadline
  const offline = await issueAndQueue(built)
  server.failNext('POST /sessions/online', 503)
  server.failNext('POST /sessions/online', 503)
  const before = server.invoices.length
  // the client repeats a safe POST itself; make every try fail
  let failing = 6
  const flaky: typeof fetch = async (input, init) => {
    if (String(input).endsWith('/sessions/online') && failing-- > 0) throw new TypeError('fetch failed')
    return await globalThis.fetch(input, init)
  }
  await runKsefRound({ ...deps, fetch: flaky })
  const row = await submissionOf(built.db, offline)
  // 16 XI 2026 is a Monday: offline24 ends on Tuesday 17 XI
  t.match(row, { state: 'offline', offline_mode: 'offline24', offline_deadline: '2026-11-17', attempts: 1 })
  t.match(row!.last_error, /Nie udało się połączyć z KSeF/)
  t.equal(server.invoices.length, before)
  t.match(await invoiceFileOf(built.db, offline), {
    state: 'offline',
    offlineMode: 'offline24',
    offlineDeadline: '2026-11-17'
  })
  built.clock.advance(3_600_000)
  await runKsefRound({ ...deps, fetch: flaky })
  t.match(await submissionOf(built.db, offline), { state: 'przyjeta', offline_mode: 'offline24' })
  t.equal(server.invoices.at(-1)!.offlineMode, true, 'sent declaring the offline mode')
  clean(t, server)
})

t.test('429 with Retry-After while sending: queued until then, nothing lost or doubled', async (t) => {
  const { built, server, deps } = await setup(t)
  const ids = [await issueAndQueue(built), await issueAndQueue(built), await issueAndQueue(built)]
  server.failNext('POST /sessions/online/{referenceNumber}/invoices', 429, { retryAfter: '1800' })
  // our limiter waits up to a minute inside a call; Retry-After of 30 min queues instead
  const round = await runKsefRound({ ...deps, maxLimiterWaitMs: 60_000 })
  t.match(round, { claimed: 3, waiting: 3, accepted: 0 })
  for (const id of ids) {
    const row = await submissionOf(built.db, id)
    t.match(row, { state: 'do_wyslania', next_attempt_at: '2026-11-16T09:30:00.000Z', claimed_until: null })
    t.match(row!.last_error, /kolejce/)
  }
  built.clock.set('2026-11-16T10:31:00.000+01:00')
  await runKsefRound({ ...deps, limiter: senderDeps(built).limiter })
  for (const id of ids) t.equal((await submissionOf(built.db, id))!.state, 'przyjeta')
  t.equal(server.invoices.length, 3, 'each sent once')
  clean(t, server)
})

t.test('restart: a row left in flight is polled or found by hash, never sent again', async (t) => {
  const { built, server, deps } = await setup(t)
  const id = await issueAndQueue(built)
  // the process died right after KSeF took the invoice, before the answer was written
  let crash = true
  const dying: typeof fetch = async (input, init) => {
    const response = await globalThis.fetch(input, init)
    if (crash && /\/sessions\/online\/[^/]+\/invoices$/.test(String(input))) {
      crash = false
      throw new Error('socket hang up')
    }
    return response
  }
  await runKsefRound({ ...deps, fetch: dying })
  const left = await submissionOf(built.db, id)
  t.equal(server.invoices.length, 1, 'KSeF has it')
  t.ok(
    left!.session_reference !== null && left!.invoice_reference === null,
    'we have the session, not the invoice reference'
  )
  built.clock.advance(3_600_000)
  await runKsefRound(deps)
  t.equal((await submissionOf(built.db, id))!.state, 'przyjeta')
  t.equal(server.invoices.length, 1, 'found in its session by hash, not resent')
  t.ok(server.calls.some((c) => /^GET \/sessions\/[^/]+\/invoices$/.test(c)))

  // a row in flight with both references (claim lapsed after a crash): polled
  const second = await issueAndQueue(built)
  server.nextStatus([{ code: 150 }])
  await runKsefRound(deps)
  t.match(await submissionOf(built.db, second), { state: 'wysylanie' })
  await built.db
    .updateTable('ksef_submissions')
    .set({ claimed_until: '2026-11-16T09:00:00.000Z' })
    .where('document_id', '=', second)
    .execute()
  // (its scripted status stays 150: still in flight, polled again, never sent a second time)
  built.clock.advance(3_600_000)
  await runKsefRound(deps)
  t.equal(server.invoices.length, 2, 'polled, not resent')
  t.match(await submissionOf(built.db, second), { state: 'wysylanie', claimed_until: null })
  clean(t, server)
})

t.test('two senders at once (double click, two tabs, the worker): one send', async (t) => {
  const { built, server, deps } = await setup(t)
  const id = await issueAndQueue(built)
  const results = await Promise.all([runKsefRound(deps), runKsefRound(deps, { documentIds: [id] }), runKsefRound(deps)])
  t.equal(
    results.reduce((n, r) => n + r.claimed, 0),
    1,
    'one claim'
  )
  t.equal(server.invoices.length, 1)
  t.equal((await submissionOf(built.db, id))!.state, 'przyjeta')
})

t.test('no connection: the documents wait with the reason; bad answers give a clear state', async (t) => {
  const server = await startSpecServer({ nip: NIP })
  t.teardown(server.close)
  const built = await build(t, { config: { KSEF_TEST_API_URL: server.baseUrl } })
  const { invoiceId } = await invoiceFor(built, { invoice: 'company' })
  await queueSubmission(built.db, invoiceId, built.clock())
  await runKsefRound(senderDeps(built))
  const row = await submissionOf(built.db, invoiceId)
  t.match(row, { state: 'do_wyslania', claimed_until: null })
  t.match(row!.last_error, /Nie skonfigurowano połączenia z KSeF/)

  // a number that is not this seller's is not stored
  await insertConnection(built, { token: 'token' })
  server.nextStatus([{ code: 200 }])
  const deps = senderDeps(built)
  const foreign: typeof fetch = async (input, init) => {
    const response = await globalThis.fetch(input, init)
    if (/\/sessions\/[^/]+\/invoices\/[^/]+$/.test(String(input))) {
      const body = (await response.json()) as Record<string, unknown>
      return new Response(JSON.stringify({ ...body, ksefNumber: makeKsefNumber('6762468259', '2026-11-16') }), {
        status: 200,
        headers: { 'content-type': 'application/json' }
      })
    }
    return response
  }
  built.clock.advance(2 * 3_600_000)
  await runKsefRound({ ...deps, fetch: foreign })
  const bad = await submissionOf(built.db, invoiceId)
  t.match(bad, { state: 'blad', ksef_number: null })
  t.match(bad!.last_error, /nie jest poprawnym numerem tego sprzedawcy/)
  t.equal(
    (await built.db.selectFrom('documents').select('ksef_number').where('id', '=', invoiceId).executeTakeFirstOrThrow())
      .ksef_number,
    null
  )
})

t.test('a correction goes only after its invoice has the KSeF number', async (t) => {
  const { built, server, deps } = await setup(t)
  const { invoiceId } = await invoiceFor(built, { invoice: 'company' })
  await fixInvoiceFile(built.db, invoiceId, DateTime.fromISO('2026-11-16T10:00:00', { zone: 'Europe/Warsaw' }))
  const { correct } = await import('../corrections/helpers.ts')
  const correction = await correct(built.owner, invoiceId, { lines: { 1: { quantity: '1' } }, reason: 'Zwrot towaru' })
  t.match(await queueSubmission(built.db, correction, built.clock()), {
    ok: false,
    problems: [/dopiero, gdy faktura korygowana/]
  })
  await queueSubmission(built.db, invoiceId, built.clock())
  await runKsefRound(deps)
  t.match(await queueSubmission(built.db, correction, built.clock()), { ok: true, queued: true })
  await runKsefRound(deps)
  const number = (await submissionOf(built.db, invoiceId))!.ksef_number!
  t.equal((await submissionOf(built.db, correction))!.state, 'przyjeta')
  t.match(server.invoices[1]!.xml.toString('utf8'), `<NrKSeFFaKorygowanej>${number}</NrKSeFFaKorygowanej>`)
  clean(t, server)
})
