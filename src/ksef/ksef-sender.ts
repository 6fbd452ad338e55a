// Sending invoices to KSeF 2.0: authentication (KSeF token or XAdES with a KSeF certificate),
// the access token reused until its exp and refreshed, the Ministry's keys cached until validTo,
// one online session per round with a fresh AES key, each invoice's exact stored bytes, the
// session closed, statuses polled, and the KSeF number, acceptance time and UPO stored.
//
// Safety: a document is claimed (ksef_submissions.claimed_until) before anything goes out, so
// double clicks, two tabs and the worker never send it twice; the state is written before and
// after every send, never around network I/O in a transaction; a row left 'wysylanie' by a dead
// process is polled (or looked up in its session by hash) before anything is sent again, and a
// resend that still happens is answered 440 by KSeF and takes the original's number.
import { sql } from 'kysely'
import { DateTime } from 'luxon'
import type { Config } from '../config.ts'
import type { Database, Queryable } from '../db/database.ts'
import type { Clock } from '../shared/dates.ts'
import { toStoredTimestamp } from '../shared/dates.ts'
import { encryptInvoice, encryptKsefToken, jwtExpiry, newSessionKey } from './client/ksef-crypto.ts'
import { KsefApiError, KsefClient, ksefErrorMessage } from './client/ksef.client.ts'
import type { KsefRateLimiter } from './client/rate-limiter.ts'
import { authTokenRequestXml, readPrivateKey, signAuthTokenRequest } from './client/xades.ts'
import {
  cachedPublicKey,
  cachedTokensOf,
  connectionOf,
  contextNipOf,
  credentialsOf,
  forgetPublicKeys,
  forgetTokens,
  recordConnectionError,
  recordConnectionSuccess,
  storePublicKeys,
  storeTokens,
  type ConnectionRow,
  type KeyUsage,
  type PublicKey
} from './connection.queries.ts'
import { MAX_ATTEMPTS, offlineDeadline, retryDelayMs, verdictOf, type Verdict } from './ksef-sending.ts'
import { fixInvoiceFile, refixRejectedFile, submissionOf, type SubmissionRow } from './submissions.queries.ts'

export interface KsefDeps {
  db: Database
  config: Config['ksef']
  secretsKey: Buffer
  now: Clock
  fetch: typeof fetch
  /** where this process reaches the built-in simulator (config's '' for symulator) */
  simulatorUrl: () => string
  log?: { warn: (obj: object, msg: string) => void; info?: (obj: object, msg: string) => void }
  sleep?: (ms: number) => Promise<void>
  limiter?: KsefRateLimiter
  /** longest wait for a limiter slot within one call (then the rest of the round is queued) */
  maxLimiterWaitMs?: number
}

/** Longer than one round can take with its bounded retries; lapses by itself after a crash. */
const CLAIM_MINUTES = 15
/** Rows sent in one online session per round. */
export const ROUND_SIZE = 25
const STATUS_POLLS = 6
const MAX_UPO_BYTES = 2_000_000

const defaultSleep = async (ms: number): Promise<void> => await new Promise((resolve) => setTimeout(resolve, ms))

function apiUrlOf(deps: KsefDeps, environment: string): string {
  const env = deps.config.environments[environment as keyof Config['ksef']['environments']]
  if (env === undefined) throw new Error(`unknown KSeF environment ${environment}`)
  return environment === 'symulator' && env.apiUrl === '' ? deps.simulatorUrl() : env.apiUrl
}

export function clientFor(deps: KsefDeps, environment: string): KsefClient {
  return new KsefClient({
    baseUrl: apiUrlOf(deps, environment),
    fetch: deps.fetch,
    timeoutMs: deps.config.timeoutMs,
    retryBaseMs: deps.config.retryBaseMs,
    nowMs: () => deps.now().toMillis(),
    ...(deps.sleep !== undefined ? { sleep: deps.sleep } : {}),
    ...(deps.limiter !== undefined ? { limiter: deps.limiter } : {}),
    ...(deps.maxLimiterWaitMs !== undefined ? { maxLimiterWaitMs: deps.maxLimiterWaitMs } : {})
  })
}

/** Authentication refused for a reason the user must fix in the settings (Polish message). */
export class KsefAuthError extends Error {
  override name = 'KsefAuthError'
}

// Public keys -------------------------------------------------------------------------------------

async function publicKeyFor(
  deps: KsefDeps,
  client: KsefClient,
  environment: string,
  usage: KeyUsage
): Promise<PublicKey> {
  const at = toStoredTimestamp(deps.now())
  const cached = await cachedPublicKey(deps.db, environment, usage, at)
  if (cached !== undefined) return cached
  const listed = await client.publicKeyCertificates()
  const keys = listed
    .flatMap((c) =>
      c.usage
        .filter((u): u is KeyUsage => u === 'KsefTokenEncryption' || u === 'SymmetricKeyEncryption')
        .map((u) => {
          const from = Date.parse(c.validFrom)
          const to = Date.parse(c.validTo)
          if (Number.isNaN(from) || Number.isNaN(to) || !/^[A-Za-z0-9+/=]+$/.test(c.certificate)) return null
          return {
            certificate: c.certificate,
            publicKeyId: /^[A-Za-z0-9+/=]{44}$/.test(c.publicKeyId) ? c.publicKeyId : null,
            usage: u,
            validFrom: new Date(from).toISOString(),
            validTo: new Date(to).toISOString()
          }
        })
    )
    .filter((k) => k !== null)
  await storePublicKeys(deps.db, environment, keys, at)
  const fresh = await cachedPublicKey(deps.db, environment, usage, at)
  if (fresh === undefined) throw new KsefApiError('invalid', 200, `no valid ${usage} key`)
  return fresh
}

/** KSeF's answer when the key a request names is unknown or withdrawn (open-api.json, 21470). */
const WITHDRAWN_KEY = 21470

/**
 * Runs a request that encrypts with one of KSeF's public keys; when KSeF says that key was
 * withdrawn (the Ministry rotated it before its validTo, or the simulator was restarted), the
 * cached keys are dropped and the request is made once more with freshly fetched ones.
 */
async function withCurrentKey<T>(
  deps: KsefDeps,
  client: KsefClient,
  environment: string,
  usage: KeyUsage,
  request: (key: PublicKey) => Promise<T>
): Promise<T> {
  try {
    return await request(await publicKeyFor(deps, client, environment, usage))
  } catch (error) {
    if (!(error instanceof KsefApiError) || !error.codes.includes(WITHDRAWN_KEY)) throw error
    await forgetPublicKeys(deps.db, environment)
    return await request(await publicKeyFor(deps, client, environment, usage))
  }
}

// Access token ------------------------------------------------------------------------------------

const TOKEN_MARGIN_MS = 60_000

function authFailureMessage(code: number, description: string): string {
  const why = description === '' ? '' : ` (${description.slice(0, 300)})`
  if (code === 450) return `KSeF odrzucił token KSeF${why} – sprawdź token w USTAWIENIA » INTEGRACJE » KSeF.`
  if (code === 460) return `KSeF odrzucił certyfikat${why} – sprawdź certyfikat KSeF w USTAWIENIA » INTEGRACJE » KSeF.`
  if (code === 415) return `Ten token lub certyfikat nie ma w KSeF uprawnień do wystawiania faktur dla tego NIP${why}.`
  return `Uwierzytelnienie w KSeF nie powiodło się (${code})${why}.`
}

/** A valid access token: the cached one, a refreshed one, or a new authentication. */
export async function accessTokenFor(deps: KsefDeps, client: KsefClient, row: ConnectionRow): Promise<string> {
  const now = deps.now()
  const soon = now.toMillis() + TOKEN_MARGIN_MS
  const stamp = toStoredTimestamp(now)
  const cached = cachedTokensOf(deps.secretsKey, row)
  if (cached.accessToken !== null && cached.accessExpiresAt !== null && Date.parse(cached.accessExpiresAt) > soon)
    return cached.accessToken
  if (
    cached.refreshToken !== null &&
    (cached.refreshExpiresAt === null || Date.parse(cached.refreshExpiresAt) > soon)
  ) {
    try {
      const refreshed = await client.refresh(cached.refreshToken)
      const expires =
        jwtExpiry(refreshed.accessToken) ?? refreshed.accessValidUntil ?? now.plus({ minutes: 10 }).toUTC().toISO()!
      await storeTokens(
        deps.db,
        deps.secretsKey,
        { accessToken: refreshed.accessToken, accessExpiresAt: expires },
        stamp
      )
      return refreshed.accessToken
    } catch (error) {
      if (!(error instanceof KsefApiError) || error.temporary) throw error
      // a refused refresh token: authenticate anew
      await forgetTokens(deps.db, stamp)
    }
  }
  const credentials = credentialsOf(deps.secretsKey, row)
  if (credentials === null)
    throw new KsefAuthError(
      'Połączenie z KSeF nie ma tokena ani certyfikatu – uzupełnij je w USTAWIENIA » INTEGRACJE » KSeF.'
    )
  const nip = await contextNipOf(deps.db, row)
  const challenge = await client.challenge()
  let init: { referenceNumber: string; authenticationToken: string }
  if (credentials.method === 'token') {
    init = await withCurrentKey(
      deps,
      client,
      row.environment,
      'KsefTokenEncryption',
      async (key) =>
        await client.authWithKsefToken({
          challenge: challenge.challenge,
          nip,
          encryptedToken: encryptKsefToken(key.certificateDerBase64, credentials.token, challenge.timestampMs),
          ...(key.publicKeyId !== null ? { publicKeyId: key.publicKeyId } : {})
        })
    )
  } else {
    const signed = signAuthTokenRequest(
      authTokenRequestXml(challenge.challenge, nip),
      { certificatePem: credentials.certificatePem, privateKey: readPrivateKey(credentials.privateKeyPem, '') },
      now.toJSDate()
    )
    init = await client.authWithXades(signed)
  }
  const sleep = deps.sleep ?? defaultSleep
  for (let poll = 1; ; poll++) {
    const status = await client.authStatus(init.referenceNumber, init.authenticationToken)
    if (status.code === 200) break
    if (status.code !== 100) throw new KsefAuthError(authFailureMessage(status.code, status.description))
    if (poll >= 10) throw new KsefApiError('timeout', null, 'authentication still in progress')
    await sleep((deps.config.retryBaseMs * poll) / 2)
  }
  const tokens = await client.redeem(init.authenticationToken)
  const accessExpiresAt =
    jwtExpiry(tokens.accessToken) ?? tokens.accessValidUntil ?? now.plus({ minutes: 10 }).toUTC().toISO()!
  const refreshExpiresAt = jwtExpiry(tokens.refreshToken) ?? tokens.refreshValidUntil
  await storeTokens(
    deps.db,
    deps.secretsKey,
    { accessToken: tokens.accessToken, accessExpiresAt, refreshToken: tokens.refreshToken, refreshExpiresAt },
    toStoredTimestamp(deps.now())
  )
  return tokens.accessToken
}

// Queueing ----------------------------------------------------------------------------------------

export type QueueOutcome = { ok: true; message: string; queued: boolean } | { ok: false; problems: string[] }

/**
 * Wyślij do KSeF (and auto-send after issuing): fixes the file when it is not yet, and puts the
 * document in the queue. Nothing is sent here; the worker (or the caller) runs a round.
 */
export async function queueSubmission(db: Database, documentId: number, now: DateTime): Promise<QueueOutcome> {
  const doc = await db
    .selectFrom('documents')
    .select(['number', 'status', 'ksef_number', 'type'])
    .where('id', '=', documentId)
    .executeTakeFirst()
  if (doc === undefined) return { ok: false, problems: ['Nie ma takiego dokumentu.'] }
  if (doc.status !== 'issued')
    return { ok: false, problems: [`Dokument ${doc.number} jest anulowany – nie wysyła się go do KSeF.`] }
  const existing = await submissionOf(db, documentId)
  if (doc.ksef_number !== null && existing?.state !== 'przyjeta')
    return {
      ok: false,
      problems: [`Faktura ${doc.number} ma już numer KSeF ${doc.ksef_number} – nie wysyła się jej ponownie.`]
    }
  const at = toStoredTimestamp(now)
  if (existing?.state === 'przyjeta')
    return {
      ok: true,
      queued: false,
      message: `Faktura ${doc.number} jest już w KSeF (numer ${existing.ksef_number ?? ''}).`
    }
  if (existing?.state === 'wysylanie')
    return { ok: true, queued: false, message: `Faktura ${doc.number} jest właśnie wysyłana do KSeF.` }
  const fixed =
    existing?.state === 'odrzucona' || existing?.state === 'blad'
      ? await refixRejectedFile(db, documentId, now)
      : await fixInvoiceFile(db, documentId, now)
  if (!fixed.ok) return fixed
  const queued = await db
    .updateTable('ksef_submissions')
    .set((eb) => ({
      next_attempt_at: at,
      attempts: eb.case().when('state', '=', 'blad').then(0).else(eb.ref('attempts')).end(),
      state: eb.case().when('state', '=', 'blad').then('do_wyslania').else(eb.ref('state')).end(),
      updated_at: at
    }))
    .where('document_id', '=', documentId)
    .where('state', 'in', ['do_wyslania', 'offline', 'blad'])
    .executeTakeFirst()
  if (Number(queued.numUpdatedRows) === 0)
    return { ok: true, queued: false, message: `Faktura ${doc.number} jest już w drodze do KSeF.` }
  return { ok: true, queued: true, message: `Faktura ${doc.number} czeka na wysłanie do KSeF.` }
}

// Claims ------------------------------------------------------------------------------------------

interface Claimed extends SubmissionRow {
  claim: string
  sellerNip: string
  documentNumber: string
  documentStatus: string
  documentKsefNumber: string | null
  issueDate: string
}

/** Rows due now (or the given documents), each claimed by a conditional update. */
async function claimDue(deps: KsefDeps, opts: { documentIds?: number[]; limit: number }): Promise<Claimed[]> {
  const now = deps.now()
  const at = toStoredTimestamp(now)
  const claim = toStoredTimestamp(now.plus({ minutes: CLAIM_MINUTES }))
  let query = deps.db
    .selectFrom('ksef_submissions')
    .select('document_id')
    .where('state', 'in', ['do_wyslania', 'offline', 'wysylanie'])
    .where('next_attempt_at', 'is not', null)
    .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', at)]))
  if (opts.documentIds !== undefined)
    query = query.where('document_id', 'in', opts.documentIds.length > 0 ? opts.documentIds : [-1])
  else query = query.where('next_attempt_at', '<=', at)
  const candidates = await query.orderBy('next_attempt_at').orderBy('id').limit(opts.limit).execute()
  const claimed: Claimed[] = []
  for (const { document_id: documentId } of candidates) {
    const result = await deps.db
      .updateTable('ksef_submissions')
      .set({ claimed_until: claim })
      .where('document_id', '=', documentId)
      .where('state', 'in', ['do_wyslania', 'offline', 'wysylanie'])
      .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', at)]))
      .executeTakeFirst()
    if (Number(result.numUpdatedRows) === 0) continue
    const row = await deps.db
      .selectFrom('ksef_submissions as s')
      .innerJoin('documents as d', 'd.id', 's.document_id')
      .selectAll('s')
      .select(['d.seller_nip', 'd.number', 'd.status', 'd.ksef_number as doc_ksef_number', 'd.issue_date'])
      .where('s.document_id', '=', documentId)
      .executeTakeFirstOrThrow()
    const {
      seller_nip: sellerNip,
      number,
      status,
      doc_ksef_number: docKsef,
      issue_date: issueDate,
      ...submission
    } = row
    claimed.push({
      ...submission,
      claim,
      sellerNip,
      documentNumber: number,
      documentStatus: status,
      documentKsefNumber: docKsef,
      issueDate
    })
  }
  return claimed
}

/**
 * Claims are taken and released by this process's rounds only, and Biurko runs one server per
 * database: at start no round is running, so a claim still standing was left by a process that
 * died mid-round (SIGKILL, power cut). Released, its rows are recovered at once (polled, or found
 * in their session by hash before anything is sent again) instead of when the claim lapses.
 */
export async function releaseClaimsOfEarlierRun(db: Queryable, now: DateTime): Promise<number> {
  const result = await db
    .updateTable('ksef_submissions')
    .set({ claimed_until: null, updated_at: toStoredTimestamp(now) })
    .where('claimed_until', 'is not', null)
    .executeTakeFirst()
  return Number(result.numUpdatedRows)
}

type Update = Partial<Omit<SubmissionRow, 'id' | 'document_id' | 'created_at'>>

/** Writes only while our claim holds (a lapsed claim taken by another sender wins). */
async function update(db: Queryable, row: Claimed, set: Update, at: string): Promise<boolean> {
  const result = await db
    .updateTable('ksef_submissions')
    .set({ ...set, updated_at: at })
    .where('id', '=', row.id)
    .where('claimed_until', '=', row.claim)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) > 0
}

async function release(deps: KsefDeps, row: Claimed, set: Update): Promise<void> {
  await update(deps.db, row, { ...set, claimed_until: null }, toStoredTimestamp(deps.now()))
}

// The round ---------------------------------------------------------------------------------------

export interface RoundResult {
  claimed: number
  accepted: number
  rejected: number
  waiting: number
  failed: number
}

/** State while waiting again: an offline invoice stays offline. */
function waitingState(row: Claimed): 'do_wyslania' | 'offline' {
  return row.offline_mode !== null ? 'offline' : 'do_wyslania'
}

/**
 * A failure before KSeF gave a verdict. 429 queues the row until Retry-After (not an attempt);
 * KSeF unreachable makes a waiting invoice an offline24 one (tryby-offline.md) with its deadline;
 * other temporary failures back off; after MAX_ATTEMPTS (or a permanent failure) the row stops
 * as 'blad' for the user — an offline invoice never stops, its deadline is shown instead.
 */
async function recordFailure(
  deps: KsefDeps,
  row: Claimed,
  error: unknown,
  result: RoundResult,
  opts: { attempted: boolean }
): Promise<void> {
  const now = deps.now()
  const message =
    error instanceof KsefApiError
      ? ksefErrorMessage(error)
      : error instanceof KsefAuthError
        ? error.message
        : 'Nieoczekiwany błąd podczas wysyłania do KSeF.'
  if (!(error instanceof KsefApiError) && !(error instanceof KsefAuthError))
    deps.log?.warn(
      { documentId: row.document_id, err: error instanceof Error ? error.message : String(error) },
      'ksef send failed unexpectedly'
    )
  const attempts = row.attempts + (opts.attempted ? 0 : 1)
  if (error instanceof KsefApiError && error.status === 429) {
    const after = error.retryAfterMs ?? retryDelayMs(1, deps.config.retryBaseMs)
    await release(deps, row, {
      state: waitingState(row),
      last_error: 'Limit zapytań KSeF – faktura czeka w kolejce.',
      next_attempt_at: toStoredTimestamp(now.plus({ milliseconds: after }))
    })
    result.waiting++
    return
  }
  // credentials the user must fix: the documents wait, the connection shows why
  if (
    error instanceof KsefAuthError ||
    (error instanceof KsefApiError && (error.status === 401 || error.status === 403))
  ) {
    await release(deps, row, {
      state: waitingState(row),
      last_error: message,
      next_attempt_at: toStoredTimestamp(now.plus({ hours: 1 }))
    })
    result.failed++
    return
  }
  const unreachable =
    error instanceof KsefApiError &&
    (error.kind === 'network' || error.kind === 'timeout' || (error.status !== null && error.status >= 500))
  const offline = row.offline_mode !== null || unreachable
  const set: Update = { attempts }
  if (row.offline_mode === null && unreachable) {
    set.offline_mode = 'offline24'
    set.offline_deadline = offlineDeadline('offline24', row.issueDate)
  }
  const temporary = error instanceof KsefApiError ? error.temporary : false
  if ((temporary && attempts < MAX_ATTEMPTS) || offline) {
    await release(deps, row, {
      ...set,
      state: offline ? 'offline' : 'do_wyslania',
      last_error: message,
      next_attempt_at: toStoredTimestamp(
        now.plus({ milliseconds: retryDelayMs(Math.min(attempts, 8), deps.config.retryBaseMs) })
      )
    })
    result.waiting++
    return
  }
  await release(deps, row, {
    ...set,
    state: 'blad',
    last_error: temporary ? `${message} Nie udało się po ${attempts} próbach – wyślij ponownie.` : message,
    next_attempt_at: null
  })
  result.failed++
}

/**
 * One round: claims what is due (or the given documents), authenticates once, finds out what
 * happened to rows a dead process left in flight, sends the rest in one online session, closes
 * it and polls every status. Never throws for KSeF's sake: every row ends with a clear state.
 */
export async function runKsefRound(
  deps: KsefDeps,
  opts: { documentIds?: number[]; limit?: number } = {}
): Promise<RoundResult> {
  const result: RoundResult = { claimed: 0, accepted: 0, rejected: 0, waiting: 0, failed: 0 }
  const rows = await claimDue(deps, { documentIds: opts.documentIds, limit: opts.limit ?? ROUND_SIZE })
  result.claimed = rows.length
  if (rows.length === 0) return result
  const connection = await connectionOf(deps.db)
  if (connection === undefined) {
    for (const row of rows)
      await release(deps, row, {
        last_error: 'Nie skonfigurowano połączenia z KSeF (USTAWIENIA » INTEGRACJE » KSeF).',
        next_attempt_at: toStoredTimestamp(deps.now().plus({ hours: 1 }))
      })
    result.waiting += rows.length
    return result
  }
  // documents that must not go (cancelled meanwhile, a number typed in by hand)
  const live: Claimed[] = []
  for (const row of rows) {
    if (row.documentStatus !== 'issued')
      await release(deps, row, {
        state: 'blad',
        last_error: `Dokument ${row.documentNumber} jest anulowany – nie wysłano go do KSeF.`,
        next_attempt_at: null
      })
    else if (row.documentKsefNumber !== null && row.ksef_number === null && row.invoice_reference === null)
      await release(deps, row, {
        state: 'blad',
        last_error: `Faktura ma już numer KSeF ${row.documentKsefNumber} wpisany ręcznie – nie wysłano jej ponownie.`,
        next_attempt_at: null
      })
    else live.push(row)
  }
  if (live.length === 0) return result

  const client = clientFor(deps, connection.environment)
  let token: string
  try {
    token = await accessTokenFor(deps, client, connection)
  } catch (error) {
    await noteConnectionError(deps, error)
    for (const row of live) await recordFailure(deps, row, error, result, { attempted: false })
    return result
  }

  // rows a previous attempt sent (or may have sent): find them in their session by hash
  const toPoll: Claimed[] = []
  const toSend: Claimed[] = []
  for (const row of live) {
    if (row.invoice_reference !== null && row.session_reference !== null) {
      toPoll.push(row)
      continue
    }
    if (row.session_reference === null) {
      toSend.push(row)
      continue
    }
    try {
      const found = (await client.sessionInvoices(token, row.session_reference)).find(
        (i) => i.invoiceHash === row.xml_sha256
      )
      if (found !== undefined) {
        await update(
          deps.db,
          row,
          { invoice_reference: found.referenceNumber, state: 'wysylanie' },
          toStoredTimestamp(deps.now())
        )
        toPoll.push({ ...row, invoice_reference: found.referenceNumber })
      } else {
        toSend.push(row)
      }
    } catch (error) {
      if (
        error instanceof KsefApiError &&
        error.status !== null &&
        error.status >= 400 &&
        error.status < 500 &&
        error.status !== 429 &&
        error.status !== 401
      )
        toSend.push(row)
      else await recordFailure(deps, row, error, result, { attempted: false })
    }
  }

  if (toSend.length > 0) await sendInSession(deps, client, token, connection.environment, toSend, toPoll, result)
  await pollStatuses(deps, client, token, toPoll, result)
  if (result.accepted > 0) await recordConnectionSuccess(deps.db, toStoredTimestamp(deps.now()))
  return result
}

async function noteConnectionError(deps: KsefDeps, error: unknown): Promise<void> {
  const message =
    error instanceof KsefAuthError
      ? error.message
      : error instanceof KsefApiError
        ? ksefErrorMessage(error)
        : 'Nieoczekiwany błąd połączenia z KSeF.'
  await recordConnectionError(deps.db, message, toStoredTimestamp(deps.now()))
}

async function sendInSession(
  deps: KsefDeps,
  client: KsefClient,
  token: string,
  environment: string,
  rows: Claimed[],
  toPoll: Claimed[],
  result: RoundResult
): Promise<void> {
  let sessionReference: string
  let session: ReturnType<typeof newSessionKey>
  try {
    const opened = await withCurrentKey(deps, client, environment, 'SymmetricKeyEncryption', async (key) => {
      const fresh = newSessionKey(key.certificateDerBase64)
      const reference = await client.openOnlineSession(token, {
        encryptedSymmetricKey: fresh.encryptedSymmetricKey,
        initializationVector: fresh.initializationVector,
        ...(key.publicKeyId !== null ? { publicKeyId: key.publicKeyId } : {})
      })
      return { fresh, reference }
    })
    session = opened.fresh
    sessionReference = opened.reference
  } catch (error) {
    await noteConnectionError(deps, error)
    for (const row of rows) await recordFailure(deps, row, error, result, { attempted: false })
    return
  }
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as Claimed
    const at = toStoredTimestamp(deps.now())
    // written before the request: a crash from here on finds the session and looks the hash up
    const marked = await update(
      deps.db,
      row,
      {
        state: 'wysylanie',
        session_reference: sessionReference,
        invoice_reference: null,
        attempts: row.attempts + 1,
        environment,
        last_error: null
      },
      at
    )
    if (!marked) continue
    const inFlight: Claimed = {
      ...row,
      state: 'wysylanie',
      session_reference: sessionReference,
      attempts: row.attempts + 1
    }
    const xml = row.xml as unknown as Uint8Array
    const encrypted = encryptInvoice(session, xml)
    try {
      const invoiceReference = await client.sendInvoice(token, sessionReference, {
        ...encrypted,
        offlineMode: row.offline_mode !== null
      })
      await update(deps.db, row, { invoice_reference: invoiceReference }, toStoredTimestamp(deps.now()))
      toPoll.push({ ...inFlight, invoice_reference: invoiceReference })
    } catch (error) {
      if (error instanceof KsefApiError && error.status === 429) {
        // the hour's limit is reached: this one and the rest wait their turn, visibly queued
        for (const rest of [inFlight, ...rows.slice(i + 1)])
          await recordFailure(deps, rest, error, result, { attempted: true })
        break
      }
      if (
        error instanceof KsefApiError &&
        error.kind === 'http' &&
        error.status !== null &&
        error.status >= 400 &&
        error.status < 500 &&
        error.status !== 401
      ) {
        // KSeF refused the request itself: it took nothing, so nothing can be found in the session
        await release(deps, inFlight, {
          state: 'blad',
          session_reference: null,
          last_error: ksefErrorMessage(error),
          next_attempt_at: null
        })
        result.failed++
        continue
      }
      await recordFailure(deps, inFlight, error, result, { attempted: true })
    }
  }
  try {
    await client.closeSession(token, sessionReference)
  } catch (error) {
    // the invoices are processed anyway; the session closes itself after 12 hours
    deps.log?.warn({ status: error instanceof KsefApiError ? error.status : null }, 'closing a KSeF session failed')
  }
}

async function pollStatuses(
  deps: KsefDeps,
  client: KsefClient,
  token: string,
  rows: Claimed[],
  result: RoundResult
): Promise<void> {
  const sleep = deps.sleep ?? defaultSleep
  let pending = rows
  for (let poll = 1; poll <= STATUS_POLLS && pending.length > 0; poll++) {
    if (poll > 1) await sleep((deps.config.retryBaseMs * (poll - 1)) / 2)
    const still: Claimed[] = []
    for (const row of pending) {
      let verdict: Verdict
      try {
        verdict = verdictOf(
          await client.invoiceStatus(token, row.session_reference!, row.invoice_reference!),
          row.sellerNip
        )
      } catch (error) {
        if (error instanceof KsefApiError && error.kind === 'invalid') verdict = { kind: 'pending' }
        else {
          await leaveInFlight(
            deps,
            row,
            error instanceof KsefApiError ? ksefErrorMessage(error) : 'Nie udało się sprawdzić statusu faktury w KSeF.',
            result
          )
          continue
        }
      }
      if (verdict.kind === 'pending') {
        still.push(row)
        continue
      }
      await applyVerdict(deps, client, token, row, verdict, result)
    }
    pending = still
  }
  for (const row of pending) await leaveInFlight(deps, row, null, result)
}

/** KSeF has the invoice but no verdict yet: the row stays in flight and is polled again later. */
async function leaveInFlight(deps: KsefDeps, row: Claimed, message: string | null, result: RoundResult): Promise<void> {
  await release(deps, row, {
    state: 'wysylanie',
    last_error: message,
    next_attempt_at: toStoredTimestamp(deps.now().plus({ milliseconds: retryDelayMs(1, deps.config.retryBaseMs) }))
  })
  result.waiting++
}

async function applyVerdict(
  deps: KsefDeps,
  client: KsefClient,
  token: string,
  row: Claimed,
  verdict: Exclude<Verdict, { kind: 'pending' }>,
  result: RoundResult
): Promise<void> {
  const now = deps.now()
  const at = toStoredTimestamp(now)
  if (verdict.kind === 'rejected') {
    await release(deps, row, {
      state: 'odrzucona',
      status_description: verdict.reason,
      last_error: verdict.reason,
      next_attempt_at: null
    })
    result.rejected++
    return
  }
  if (verdict.kind === 'error') {
    await release(deps, row, { state: 'blad', last_error: verdict.reason, next_attempt_at: null })
    result.failed++
    return
  }
  if (verdict.kind === 'retry') {
    // KSeF says it did not process it: the same bytes go again in a new session
    const final = row.attempts >= MAX_ATTEMPTS && row.offline_mode === null
    await release(deps, row, {
      state: final ? 'blad' : waitingState(row),
      session_reference: null,
      invoice_reference: null,
      last_error: final
        ? `${verdict.reason.replace(/ – zostanie wysłana ponownie\.$/, '.')} Nie udało się po ${row.attempts} próbach – wyślij ponownie.`
        : verdict.reason,
      next_attempt_at: final
        ? null
        : toStoredTimestamp(now.plus({ milliseconds: retryDelayMs(row.attempts, deps.config.retryBaseMs) }))
    })
    if (final) result.failed++
    else result.waiting++
    return
  }
  const stored = await recordAcceptance(
    deps.db,
    row,
    verdict.ksefNumber,
    verdict.kind === 'accepted' ? (verdict.acceptedAt ?? at) : at,
    verdict.kind === 'duplicate' ? 440 : 200,
    at
  )
  if (!stored.ok) {
    await release(deps, row, { state: 'blad', last_error: stored.problem, next_attempt_at: null })
    result.failed++
    return
  }
  result.accepted++
  // the UPO after the number is safe: a missing one is fetched by a later round
  try {
    const upo =
      verdict.kind === 'accepted'
        ? await client.invoiceUpo(token, row.session_reference!, row.invoice_reference!)
        : verdict.originalSessionReference !== null
          ? await client.invoiceUpoByKsefNumber(token, verdict.originalSessionReference, verdict.ksefNumber)
          : null
    if (upo !== null) await storeUpo(deps.db, row.document_id, upo, toStoredTimestamp(deps.now()))
  } catch (error) {
    deps.log?.warn(
      { documentId: row.document_id, status: error instanceof KsefApiError ? error.status : null },
      'fetching the KSeF UPO failed'
    )
  }
}

async function storeUpo(db: Queryable, documentId: number, upo: string, at: string): Promise<boolean> {
  const text = upo.trim()
  // untrusted: keep only what looks like an XML document of sensible size
  if (!text.startsWith('<') || text.length > MAX_UPO_BYTES) return false
  const result = await db
    .updateTable('ksef_submissions')
    .set({ upo_xml: text, updated_at: at })
    .where('document_id', '=', documentId)
    .where('state', '=', 'przyjeta')
    .where('upo_xml', 'is', null)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) > 0
}

/**
 * The KSeF number on the submission, the document and its ledger entries (the KPiR and VAT
 * register carry it), in one transaction, as the manual entry does.
 */
async function recordAcceptance(
  db: Database,
  row: Claimed,
  ksefNumber: string,
  acceptedAt: string,
  statusCode: number,
  at: string
): Promise<{ ok: true } | { ok: false; problem: string }> {
  return await db.transaction().execute(async (trx) => {
    const other = await trx
      .selectFrom('documents')
      .select('number')
      .where('ksef_number', '=', ksefNumber)
      .where('id', '!=', row.document_id)
      .executeTakeFirst()
    if (other !== undefined)
      return {
        ok: false,
        problem: `KSeF podał numer ${ksefNumber}, który ma już dokument ${other.number}. Sprawdź faktury w aplikacji KSeF.`
      }
    const doc = await trx
      .selectFrom('documents')
      .select(['ksef_number'])
      .where('id', '=', row.document_id)
      .executeTakeFirstOrThrow()
    if (doc.ksef_number !== null && doc.ksef_number !== ksefNumber)
      return {
        ok: false,
        problem: `KSeF podał numer ${ksefNumber}, a faktura ma już wpisany numer ${doc.ksef_number}. Sprawdź ją w aplikacji KSeF.`
      }
    const done = await update(
      trx,
      row,
      {
        state: 'przyjeta',
        ksef_number: ksefNumber,
        accepted_at: acceptedAt,
        status_code: statusCode,
        status_description:
          statusCode === 440 ? 'Duplikat – KSeF ma już tę fakturę; zapisano numer KSeF oryginału.' : 'Przyjęta',
        last_error: null,
        next_attempt_at: null,
        claimed_until: null
      },
      at
    )
    if (!done) return { ok: false, problem: 'Wysyłkę tej faktury przejął inny proces.' }
    await trx.updateTable('documents').set({ ksef_number: ksefNumber }).where('id', '=', row.document_id).execute()
    await trx
      .updateTable('ledger_entries')
      .set({ ksef_number: ksefNumber })
      .where('document_id', '=', row.document_id)
      .execute()
    return { ok: true }
  })
}

/** Accepted invoices whose UPO a previous round could not fetch. */
export async function fetchMissingUpos(deps: KsefDeps, limit = 20): Promise<number> {
  const rows = await deps.db
    .selectFrom('ksef_submissions')
    .select(['document_id', 'session_reference', 'invoice_reference', 'environment'])
    .where('state', '=', 'przyjeta')
    .where('upo_xml', 'is', null)
    .where('invoice_reference', 'is not', null)
    .where('session_reference', 'is not', null)
    .where('status_code', '=', 200)
    .limit(limit)
    .execute()
  if (rows.length === 0) return 0
  const connection = await connectionOf(deps.db)
  if (connection === undefined) return 0
  const client = clientFor(deps, connection.environment)
  let fetched = 0
  try {
    const token = await accessTokenFor(deps, client, connection)
    for (const row of rows.filter((r) => r.environment === connection.environment)) {
      const upo = await client.invoiceUpo(token, row.session_reference!, row.invoice_reference!)
      if (await storeUpo(deps.db, row.document_id, upo, toStoredTimestamp(deps.now()))) fetched++
    }
  } catch (error) {
    deps.log?.warn({ status: error instanceof KsefApiError ? error.status : null }, 'fetching missing KSeF UPOs failed')
  }
  return fetched
}

/**
 * The connection test: authenticates anew (not from the cache) and reads the Ministry's keys.
 * Returns a Polish sentence either way and records it on the connection's health.
 */
export async function testKsefConnection(deps: KsefDeps): Promise<{ ok: boolean; message: string }> {
  const connection = await connectionOf(deps.db)
  if (connection === undefined) return { ok: false, message: 'Najpierw zapisz ustawienia połączenia z KSeF.' }
  const at = toStoredTimestamp(deps.now())
  await forgetTokens(deps.db, at)
  const fresh = await connectionOf(deps.db)
  const client = clientFor(deps, connection.environment)
  try {
    await accessTokenFor(deps, client, fresh!)
    await publicKeyFor(deps, client, connection.environment, 'SymmetricKeyEncryption')
    await recordConnectionSuccess(deps.db, toStoredTimestamp(deps.now()))
    return {
      ok: true,
      message:
        'Połączenie z KSeF działa: uwierzytelnienie powiodło się i pobrano klucze publiczne Ministerstwa Finansów.'
    }
  } catch (error) {
    await noteConnectionError(deps, error)
    const message =
      error instanceof KsefAuthError
        ? error.message
        : error instanceof KsefApiError
          ? ksefErrorMessage(error)
          : 'Nieoczekiwany błąd połączenia z KSeF.'
    if (!(error instanceof KsefAuthError) && !(error instanceof KsefApiError))
      deps.log?.warn(
        { err: error instanceof Error ? error.message : String(error) },
        'ksef connection test failed unexpectedly'
      )
    return { ok: false, message: `Test połączenia z KSeF nie powiódł się: ${message}` }
  }
}

/** After the settings change: everything waiting may go now with the new connection. */
export async function requeueWaiting(db: Queryable, at: string): Promise<void> {
  await db
    .updateTable('ksef_submissions')
    .set({ next_attempt_at: at, updated_at: at })
    .where('state', 'in', ['do_wyslania', 'offline', 'wysylanie'])
    .where('next_attempt_at', 'is not', null)
    .execute()
}

export interface KsefHealth {
  queued: number
  inFlight: number
  offline: number
  nearestOfflineDeadline: string | null
  rejected: number
  failed: number
  accepted: number
}

export async function ksefHealth(db: Queryable): Promise<KsefHealth> {
  const rows = await db
    .selectFrom('ksef_submissions')
    .select([
      'state',
      sql<string | null>`min(next_attempt_at)`.as('next_attempt_at'),
      sql<number>`count(*)`.as('n'),
      sql<string | null>`min(offline_deadline)`.as('deadline')
    ])
    .where((eb) => eb.or([eb('state', '!=', 'do_wyslania'), eb('next_attempt_at', 'is not', null)]))
    .groupBy('state')
    .execute()
  const health: KsefHealth = {
    queued: 0,
    inFlight: 0,
    offline: 0,
    nearestOfflineDeadline: null,
    rejected: 0,
    failed: 0,
    accepted: 0
  }
  for (const row of rows) {
    const n = Number(row.n)
    if (row.state === 'do_wyslania' && row.next_attempt_at !== null) health.queued += n
    else if (row.state === 'wysylanie') health.inFlight += n
    else if (row.state === 'offline') {
      health.offline += n
      const deadline = row.deadline
      if (deadline !== null && (health.nearestOfflineDeadline === null || deadline < health.nearestOfflineDeadline))
        health.nearestOfflineDeadline = deadline
    } else if (row.state === 'odrzucona') health.rejected += n
    else if (row.state === 'blad') health.failed += n
    else if (row.state === 'przyjeta') health.accepted += n
  }
  return health
}

/**
 * Auto-send (the connection's option): invoices issued since the connection was set up, not yet
 * in KSeF and never queued, are queued. Done by the worker rather than in the issuing code, so
 * an invoice issued just before a crash is still picked up.
 */
export async function queueNewlyIssued(deps: KsefDeps, limit = 200): Promise<number> {
  const connection = await connectionOf(deps.db)
  if (connection === undefined || connection.auto_send !== 1) return 0
  const rows = await deps.db
    .selectFrom('documents as d')
    .leftJoin('ksef_submissions as s', 's.document_id', 'd.id')
    .select(['d.id'])
    .where('d.type', 'in', ['faktura', 'faktura_bez_vat', 'korekta'])
    .where('d.status', '=', 'issued')
    .where('d.ksef_number', 'is', null)
    .where('s.id', 'is', null)
    .where('d.created_at', '>=', connection.created_at)
    .orderBy('d.id')
    .limit(limit)
    .execute()
  let queued = 0
  for (const { id } of rows) {
    const result = await queueSubmission(deps.db, id, deps.now())
    if (result.ok && result.queued) queued++
    // a correction of an invoice still on its way is tried again on a later tick
  }
  return queued
}
