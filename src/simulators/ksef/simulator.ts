/**
 * The built-in KSeF 2.0 simulator: the protocol of open-api.json (API 2.6) for real — its own RSA
 * keys published as certificates, token and XAdES authentication (signatures verified with
 * xml-crypto), JWT-like access/refresh tokens with a real `exp`, online sessions with AES-256-CBC
 * decryption, FA(3) XSD validation, duplicates, KSeF numbers with their CRC-8, UPO v4-3.
 * State is in memory and bounded (see `limits`); a restart forgets it.
 */
import {
  createDecipheriv,
  createHash,
  createHmac,
  timingSafeEqual,
  verify as cryptoVerify,
  privateDecrypt,
  constants,
  randomBytes,
  randomUUID,
  X509Certificate
} from 'node:crypto'
import { DOMParser } from '@xmldom/xmldom'
import { DateTime } from 'luxon'
import { SignedXml } from 'xml-crypto'
import { isValidKsefNumber } from '../../ksef/ksef-number.ts'
import {
  createCa,
  hasKeyUsage,
  issueCertificate,
  nipFromCertificate,
  rsaPair,
  sha256,
  signJwt,
  verifyJwt,
  x509,
  type Ca,
  type RsaPair
} from './crypto.ts'
import { FaultRegistry } from './faults.ts'
import { purchaseSeeds, type PurchaseMeta } from './purchases.ts'
import { KSEF_LIMITS, MAX_RATE_KEYS, PUBLIC_LIMITS, RateLimiter, type Limit } from '../shared/rate-limits.ts'
import { AUTH_NAMESPACES, validateAuthRequest, validateFa3Batch } from './xsd.ts'

const FA3_NS = 'http://crd.gov.pl/wzor/2025/06/25/13775/'
const DSIG_NS = 'http://www.w3.org/2000/09/xmldsig#'
const ZONE = 'Europe/Warsaw'

export interface KsefSimulatorOptions {
  /** milliseconds since the epoch; tests pass a clock they can move */
  now?: () => number
  /**
   * the clock of the request limits (default `now`); the app passes real time, as its own clock may stand still in
   * tests
   */
  rateClock?: () => number
  /** signs access/refresh tokens and UPO download links; random when omitted */
  secret?: Buffer
  /** how long an authentication, an invoice or a closed session stays "in progress" (ms) */
  processingDelayMs?: number
  /** KSeF's request limits; false switches them off, an object replaces them per group */
  rateLimits?: boolean | Record<string, Limit>
  accessTokenTtlSeconds?: number
  refreshTokenTtlSeconds?: number
  /** where the simulator is reached from outside (for UPO download links), e.g. http://localhost:3000/symulator-ksef */
  publicBaseUrl?: string
  limits?: Partial<SimulatorLimits>
  /** how far the permanent-storage high-water mark lags behind now (hwm.md); default 5 s */
  hwmLagMs?: number
  /** records per filter set before a metadata query is truncated (open-api.json: 10 000) */
  metadataRecordLimit?: number
  /** seed the demo purchase invoices for a context on its first metadata query (default true) */
  seedPurchases?: boolean
}

export interface SimulatorLimits {
  maxChallenges: number
  maxAuthOperations: number
  maxSessions: number
  maxKsefTokens: number
  /** bytes of invoice XML kept; beyond it the oldest invoices' contents are dropped */
  maxStoredBytes: number
  /** accepted invoices remembered (for duplicates and the QR page); beyond it the oldest are forgotten */
  maxInvoices: number
  maxInvoicesPerSession: number
  /** client addresses (per group) the always-on public limits track; the least recently seen go first */
  maxRateKeys: number
}

const DEFAULT_LIMITS: SimulatorLimits = {
  maxChallenges: 10_000,
  maxAuthOperations: 10_000,
  maxSessions: 2_000,
  maxKsefTokens: 1_000,
  maxStoredBytes: 64 * 1024 * 1024,
  maxInvoices: 200_000,
  maxInvoicesPerSession: 10_000,
  maxRateKeys: MAX_RATE_KEYS
}

const CHALLENGE_TTL_MS = 10 * 60_000 // uwierzytelnianie.md: "Czas życia challenge'a wynosi 10 minut."
const AUTH_OPERATION_TTL_MS = 7 * 24 * 3_600_000 // GET /auth/{ref}: "Operacja jest dostępna przez 7 dni."
const AUTH_TOKEN_TTL_MS = 15 * 60_000
const SESSION_TTL_MS = 12 * 3_600_000
const SESSION_RETENTION_MS = 24 * 3_600_000
const UPO_LINK_TTL_MS = 3 * 24 * 3_600_000

// ---- errors -------------------------------------------------------------------------------------

/** An error answered in KSeF's shape: 400 ExceptionResponse, 401/403 problem details. */
export class KsefApiError extends Error {
  readonly httpStatus: number
  readonly code: number
  readonly description: string
  readonly details: string[]
  constructor(httpStatus: number, code: number, description: string, details: string[] = []) {
    super(description)
    this.httpStatus = httpStatus
    this.code = code
    this.description = description
    this.details = details
  }
}

const badRequest = (code: number, description: string, ...details: string[]): KsefApiError =>
  new KsefApiError(400, code, description, details)
const unauthorized = (detail: string): KsefApiError => new KsefApiError(401, 0, detail)
const validation = (detail: string): KsefApiError => badRequest(21405, 'Błąd walidacji danych wejściowych.', detail)
const semantic = (...details: string[]): StatusInfo => ({
  code: 450,
  description: 'Błąd weryfikacji semantyki dokumentu faktury',
  details
})

// ---- identifiers --------------------------------------------------------------------------------

function hex(bytes: number): string {
  return randomBytes(bytes).toString('hex').toUpperCase()
}

function warsawDate(ms: number): string {
  return DateTime.fromMillis(ms, { zone: ZONE }).toFormat('yyyyLLdd')
}

/**
 * 36 characters: YYYYMMDD-XX-10 hex-10 hex-2 hex (TNumerReferencyjny of the UPO schema). The
 * documentation says nothing of the last two characters, so they are random.
 */
function referenceNumber(ms: number, kind: string): string {
  return `${warsawDate(ms)}-${kind}-${hex(5)}-${hex(5)}-${hex(1)}`
}

/**
 * faktury/numer-ksef.md: NIP-YYYYMMDD-12 hex-CRC-8 of the first 32 characters. The checksum is
 * found with the app's own checker (one of 256 values fits), so the two cannot drift apart.
 */
function newKsefNumber(nip: string, ms: number): string {
  const head = `${nip}-${warsawDate(ms)}-${hex(6)}`
  for (let crc = 0; crc < 256; crc++) {
    const candidate = `${head}-${crc.toString(16).toUpperCase().padStart(2, '0')}`
    if (isValidKsefNumber(candidate)) return candidate
  }
  throw new Error(`no KSeF number fits ${head}`)
}

const NIP_RE = /^[1-9]((\d[1-9])|([1-9]\d))\d{7}$/

// ---- state --------------------------------------------------------------------------------------

interface Challenge {
  challenge: string
  timestampMs: number
  expiresAt: number
}

interface StatusInfo {
  code: number
  description: string
  details?: string[]
  extensions?: Record<string, string | null>
}

interface AuthOperation {
  referenceNumber: string
  nip: string
  startMs: number
  readyAt: number
  method: 'Token' | 'XadesSignature'
  certificateKind?: 'InternalCertificate' | 'PersonalSignature'
  status: StatusInfo
  redeemed: boolean
  refreshValidUntil: number | null
  lastRefreshMs: number | null
  /** UPO's Uwierzytelnienie: the KSeF token's reference number, or the signed document's SHA-256 */
  tokenReference?: string
  documentHash?: string
  expiresAt: number
}

interface KsefTokenRecord {
  token: string
  referenceNumber: string
  nip: string
  createdMs: number
}

interface InvoiceRecord {
  referenceNumber: string
  ordinalNumber: number
  sessionReferenceNumber: string
  invoiceHash: string
  invoiceNumber: string | null
  invoicingDateMs: number
  readyAt: number
  /** verification finished (it runs after the 202, in batches: see #drain) */
  done: boolean
  offlineMode: boolean
  status: StatusInfo
  ksefNumber: string | null
  acquisitionMs: number | null
  issueDate: string | null
  sellerNip: string | null
  buyerNip: string | null
  /** RodzajFaktury (VAT, KOR, ZAL…), part of the duplicate key */
  kind: string | null
  content: Buffer | null
  /** SHA-256 of the decrypted file, Base64URL: the QR code's hash */
  contentHash: string | null
  size: number
  /** received invoices seeded or added by tests: what the metadata query reports */
  meta?: PurchaseMeta
  /** permanent storage (default acquisition + 1 ms, "zawsze późniejsza niż acquisitionDate") */
  permanentStorageMs?: number
}

interface SessionRecord {
  referenceNumber: string
  nip: string
  authReferenceNumber: string
  key: Buffer | null
  iv: Buffer
  createdMs: number
  updatedMs: number
  validUntil: number
  /** 100 open, 170 closed (processing), then 200/440/445 once every invoice is ready; 415 bad key */
  state: 'open' | 'closed' | 'badKey'
  closedReadyAt: number | null
  invoices: InvoiceRecord[]
  upoReferenceNumber: string | null
  upoXml: string | null
}

export interface DemoCertificate {
  certificatePem: string
  privateKeyPem: string
  passphrase: string
  certificateType: 'Authentication' | 'Offline'
  serialNumber: string
  fingerprintSha256: string
  validFrom: string
  validTo: string
}

export interface PublicKeyCertificate {
  certificate: string
  certificateId: string
  publicKeyId: string
  validFrom: string
  validTo: string
  usage: Array<'KsefTokenEncryption' | 'SymmetricKeyEncryption'>
}

interface EncryptionKey {
  pair: RsaPair
  info: PublicKeyCertificate
}

export interface Caller {
  ip: string
}

export interface AuthInitResponse {
  referenceNumber: string
  authenticationToken: { token: string; validUntil: string }
}

export interface AccessClaims {
  authReferenceNumber: string
  nip: string
  exp: number
}

function iso(ms: number): string {
  return new Date(ms).toISOString()
}

function evictOldest<K, V>(map: Map<K, V>, max: number): void {
  while (map.size >= max) map.delete(map.keys().next().value as K)
}

export class KsefSimulator {
  readonly now: () => number
  readonly faults = new FaultRegistry()
  /** null when the limits are off */
  limiter: RateLimiter | null
  /** PUBLIC_LIMITS, whatever KSeF's limits are set to */
  readonly publicLimiter: RateLimiter
  readonly processingDelayMs: number
  readonly limits: SimulatorLimits
  publicBaseUrl: string
  readonly #secret: Buffer
  rateClock: () => number
  readonly #accessTtl: number
  hwmLagMs: number
  metadataRecordLimit: number
  readonly #seedPurchases: boolean
  /** buyers whose demo purchase invoices are seeded */
  readonly #seededBuyers = new Set<string>()
  readonly #refreshTtl: number
  #ca!: Ca
  #tokenKey!: EncryptionKey
  #symmetricKey!: EncryptionKey
  readonly #challenges = new Map<string, Challenge>()
  readonly #auth = new Map<string, AuthOperation>()
  readonly #tokens = new Map<string, KsefTokenRecord>()
  /**
   * certificates the demo helper issued, by serial number (upper-case hex without leading zeros): KOD II checks them
   */
  readonly #issued = new Map<string, { cert: X509Certificate; nip: string; type: 'Authentication' | 'Offline' }>()
  readonly #sessions = new Map<string, SessionRecord>()
  /** accepted invoices by KSeF number, oldest first */
  readonly #invoices = new Map<string, InvoiceRecord>()
  /** accepted invoices whose bytes are still kept, oldest first */
  readonly #withContent = new Map<string, InvoiceRecord>()
  /** accepted invoices by the Base64URL SHA-256 of their file (the QR verification page) */
  readonly #byHash = new Map<string, InvoiceRecord>()
  readonly #duplicates = new Map<string, { ksefNumber: string; sessionReferenceNumber: string }>()
  #storedBytes = 0
  readonly #queue: Array<{
    who: AccessClaims
    s: SessionRecord
    invoice: InvoiceRecord
    plain: Buffer
    processingFault: boolean
  }> = []
  #draining: Promise<void> | null = null
  #lastSweep = 0
  #ready: Promise<void> | null = null

  private constructor(opts: KsefSimulatorOptions) {
    this.now = opts.now ?? Date.now
    this.#secret = opts.secret ?? randomBytes(32)
    this.processingDelayMs = opts.processingDelayMs ?? 0
    this.#accessTtl = (opts.accessTokenTtlSeconds ?? 15 * 60) * 1000
    this.hwmLagMs = opts.hwmLagMs ?? 5_000
    this.metadataRecordLimit = opts.metadataRecordLimit ?? 10_000
    this.#seedPurchases = opts.seedPurchases ?? true
    this.#refreshTtl = (opts.refreshTokenTtlSeconds ?? 7 * 24 * 3600) * 1000
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits }
    this.publicBaseUrl = (opts.publicBaseUrl ?? '').replace(/\/+$/, '')
    this.limiter = null
    this.rateClock = opts.rateClock ?? this.now
    this.setRateLimits(opts.rateLimits ?? true)
    this.publicLimiter = new RateLimiter(PUBLIC_LIMITS, () => this.rateClock(), { maxKeys: this.limits.maxRateKeys })
  }

  /**
   * true: KSeF's real limits; false: none (tests, the benchmark); an object replaces groups. Counting starts afresh.
   */
  setRateLimits(rateLimits: boolean | Record<string, Limit>): void {
    const limits = rateLimits === false ? null : rateLimits === true ? KSEF_LIMITS : { ...KSEF_LIMITS, ...rateLimits }
    this.limiter = limits === null ? null : new RateLimiter(limits, () => this.rateClock())
  }

  /**
   * The clock the request limits count on (real time in the app). A test that fast-forwards the
   * app's clock past a limit window hands it here too, so both sides see the same minute pass.
   */
  setRateClock(clock: () => number): void {
    this.rateClock = clock
  }

  /** With `lazy`, the keys and the CA are made on the first request (the app starts no slower). */
  static async create(opts: KsefSimulatorOptions & { lazy?: boolean } = {}): Promise<KsefSimulator> {
    const sim = new KsefSimulator(opts)
    if (opts.lazy !== true) await sim.ready()
    return sim
  }

  async ready(): Promise<void> {
    this.#ready ??= this.#init()
    await this.#ready
  }

  async #init(): Promise<void> {
    // whole seconds: an X.509 validity has no milliseconds, and validFrom/validTo must equal it
    const t = Math.floor(this.now() / 1000) * 1000
    const from = new Date(t - 24 * 3_600_000)
    const to = new Date(t + 2 * 365 * 24 * 3_600_000)
    this.#ca = await createCa('Symulator KSeF - testowe CA', from, to)
    this.#tokenKey = await this.#encryptionKey('KsefTokenEncryption', from, to)
    this.#symmetricKey = await this.#encryptionKey('SymmetricKeyEncryption', from, to)
  }

  async #encryptionKey(
    usage: 'KsefTokenEncryption' | 'SymmetricKeyEncryption',
    from: Date,
    to: Date
  ): Promise<EncryptionKey> {
    const pair = await rsaPair()
    const cert = await issueCertificate(this.#ca, {
      subject: `CN=Symulator KSeF - ${usage}, O=Symulator KSeF Biurko, C=PL`,
      publicKey: pair.publicKey,
      notBefore: from,
      notAfter: to,
      keyUsage: x509.KeyUsageFlags.keyEncipherment | x509.KeyUsageFlags.dataEncipherment
    })
    const der = Buffer.from(cert.rawData)
    return {
      pair,
      info: {
        certificate: der.toString('base64'),
        certificateId: sha256(der).toString('base64').slice(0, 44),
        publicKeyId: sha256(pair.publicKey.export({ type: 'spki', format: 'der' })).toString('base64'),
        validFrom: iso(from.getTime()),
        validTo: iso(to.getTime()),
        usage: [usage]
      }
    }
  }

  get caCertificatePem(): string {
    return this.#ca.pem
  }

  setPublicBaseUrl(url: string): void {
    this.publicBaseUrl = url.replace(/\/+$/, '')
  }

  publicKeyCertificates(): PublicKeyCertificate[] {
    return [this.#tokenKey.info, this.#symmetricKey.info]
  }

  /** Drops what has expired; called on every request, works at most once a second. */
  sweep(): void {
    const t = this.now()
    if (t - this.#lastSweep < 1000) return
    this.#lastSweep = t
    for (const [k, c] of this.#challenges) if (c.expiresAt <= t) this.#challenges.delete(k)
    for (const [k, a] of this.#auth) if (a.expiresAt <= t && (a.refreshValidUntil ?? 0) <= t) this.#auth.delete(k)
    for (const [k, s] of this.#sessions) if (s.validUntil + SESSION_RETENTION_MS <= t) this.#sessions.delete(k)
  }

  stats(): Record<string, number> {
    return {
      challenges: this.#challenges.size,
      authOperations: this.#auth.size,
      sessions: this.#sessions.size,
      ksefTokens: this.#tokens.size,
      invoices: this.#invoices.size,
      storedBytes: this.#storedBytes
    }
  }

  // ---- demo helpers -----------------------------------------------------------------------------

  issueKsefToken(nip: string): { token: string; referenceNumber: string } {
    if (!NIP_RE.test(nip)) throw validation('Nieprawidłowy NIP.')
    evictOldest(this.#tokens, this.limits.maxKsefTokens)
    const t = this.now()
    const ref = referenceNumber(t, 'TK')
    // the shape of KSeF's own tokens: reference|nip-…|secret; the secret part is a MAC under the
    // simulator's secret, so a token still works after a restart of the app that mounts it
    // (its secret comes from the app's), as a real KSeF token outlives any one session
    const token = `${ref}|nip-${nip}|${this.#tokenMac(ref, nip)}`
    this.#tokens.set(token, { token, referenceNumber: ref, nip, createdMs: t })
    return { token, referenceNumber: ref }
  }

  #tokenMac(ref: string, nip: string): string {
    return createHmac('sha256', this.#secret).update(`ksef-token|${ref}|${nip}`).digest('hex')
  }

  /** A token this simulator issued, remembered or (after a restart or eviction) recognised by its MAC. */
  #knownToken(token: string): KsefTokenRecord | undefined {
    const remembered = this.#tokens.get(token)
    if (remembered !== undefined) return remembered
    const parts = /^([0-9A-Za-z-]{1,64})\|nip-(\d{10})\|([0-9a-f]{64})$/.exec(token)
    if (parts === null) return undefined
    const [, ref, nip, mac] = parts as unknown as [string, string, string, string]
    const expected = Buffer.from(this.#tokenMac(ref, nip), 'hex')
    if (!timingSafeEqual(expected, Buffer.from(mac, 'hex'))) return undefined
    return { token, referenceNumber: ref, nip, createdMs: this.now() }
  }

  /**
   * A KSeF-like certificate for the NIP (organizationIdentifier VATPL-NIP), with its private key encrypted under the
   * passphrase.
   */
  async issueCertificate(
    nip: string,
    opts: { type?: 'Authentication' | 'Offline'; passphrase?: string; name?: string; validDays?: number } = {}
  ): Promise<DemoCertificate> {
    if (!NIP_RE.test(nip)) throw validation('Nieprawidłowy NIP.')
    const type = opts.type ?? 'Authentication'
    const passphrase = opts.passphrase ?? randomBytes(12).toString('base64url')
    if (passphrase.length < 4) throw validation('Hasło klucza musi mieć co najmniej 4 znaki.')
    const pair = await rsaPair()
    const t = this.now()
    const name = (opts.name ?? `Firma ${nip}`).replace(/[,=+<>#;"\\]/g, ' ').slice(0, 64)
    const cert = await issueCertificate(this.#ca, {
      subject: `CN=${name}, 2.5.4.97=VATPL-${nip}, O=${name}, C=PL`,
      publicKey: pair.publicKey,
      notBefore: new Date(t - 3_600_000),
      notAfter: new Date(t + (opts.validDays ?? 365) * 24 * 3_600_000),
      // certyfikaty-KSeF.md: Authentication = Digital Signature (80), Offline = Non-Repudiation (40)
      keyUsage: type === 'Offline' ? x509.KeyUsageFlags.nonRepudiation : x509.KeyUsageFlags.digitalSignature
    })
    const node = new X509Certificate(Buffer.from(cert.rawData))
    evictOldest(this.#issued, this.limits.maxKsefTokens)
    this.#issued.set(serialKey(node.serialNumber), { cert: node, nip, type })
    return {
      certificatePem: cert.toString('pem'),
      privateKeyPem: pair.privateKey.export({
        type: 'pkcs8',
        format: 'pem',
        cipher: 'aes-256-cbc',
        passphrase
      }) as string,
      passphrase,
      certificateType: type,
      serialNumber: node.serialNumber,
      fingerprintSha256: node.fingerprint256.replace(/:/g, ''),
      validFrom: iso(new Date(node.validFrom).getTime()),
      validTo: iso(new Date(node.validTo).getTime())
    }
  }

  // ---- authentication ---------------------------------------------------------------------------

  challenge(caller: Caller): { challenge: string; timestamp: string; timestampMs: number; clientIp: string } {
    const t = this.now()
    evictOldest(this.#challenges, this.limits.maxChallenges)
    const challenge = referenceNumber(t, 'CR')
    this.#challenges.set(challenge, { challenge, timestampMs: t, expiresAt: t + CHALLENGE_TTL_MS })
    return { challenge, timestamp: iso(t), timestampMs: t, clientIp: caller.ip }
  }

  /** A challenge is good once, for ten minutes. */
  #takeChallenge(challenge: string): Challenge {
    const c = this.#challenges.get(challenge)
    if (c === undefined || c.expiresAt <= this.now()) {
      this.#challenges.delete(challenge)
      throw badRequest(21111, 'Nieprawidłowe wyzwanie autoryzacyjne.')
    }
    this.#challenges.delete(challenge)
    return c
  }

  #startAuth(
    nip: string,
    method: AuthOperation['method'],
    status: StatusInfo,
    extra: Partial<AuthOperation>,
    processingFault: boolean
  ): { referenceNumber: string; authenticationToken: { token: string; validUntil: string } } {
    const t = this.now()
    evictOldest(this.#auth, this.limits.maxAuthOperations)
    const ref = referenceNumber(t, 'AU')
    const finalStatus =
      processingFault && status.code === 200
        ? {
            code: 550,
            description: 'Operacja została anulowana przez system',
            details: ['Przetwarzanie zostało przerwane z przyczyn wewnętrznych systemu. Spróbuj ponownie']
          }
        : status
    this.#auth.set(ref, {
      referenceNumber: ref,
      nip,
      startMs: t,
      readyAt: t + this.processingDelayMs,
      method,
      status: finalStatus,
      redeemed: false,
      refreshValidUntil: null,
      lastRefreshMs: null,
      expiresAt: t + AUTH_OPERATION_TTL_MS,
      ...extra
    })
    const exp = t + AUTH_TOKEN_TTL_MS
    return {
      referenceNumber: ref,
      authenticationToken: {
        token: signJwt(this.#secret, {
          typ: 'auth',
          sub: ref,
          nip,
          iat: Math.floor(t / 1000),
          exp: Math.floor(exp / 1000),
          jti: randomUUID()
        }),
        validUntil: iso(exp)
      }
    }
  }

  authWithKsefToken(body: unknown, processingFault: boolean): AuthInitResponse {
    const b = body as {
      challenge?: unknown
      contextIdentifier?: { type?: unknown; value?: unknown }
      encryptedToken?: unknown
      publicKeyId?: unknown
    }
    if (typeof b?.challenge !== 'string' || b.challenge.length !== 36)
      throw validation("Pole 'challenge' jest wymagane (36 znaków).")
    if (
      b.contextIdentifier?.type !== 'Nip' ||
      typeof b.contextIdentifier.value !== 'string' ||
      !NIP_RE.test(b.contextIdentifier.value)
    ) {
      throw validation(
        "Pole 'contextIdentifier' musi zawierać type 'Nip' i poprawny NIP (symulator obsługuje tylko kontekst NIP)."
      )
    }
    if (typeof b.encryptedToken !== 'string' || b.encryptedToken === '')
      throw validation("Pole 'encryptedToken' jest wymagane.")
    if (b.publicKeyId !== undefined && b.publicKeyId !== null && b.publicKeyId !== this.#tokenKey.info.publicKeyId) {
      throw badRequest(
        21470,
        'Przesłany identyfikator klucza jest nieznany lub wskazuje na wycofany klucz.',
        `Klucz o identyfikatorze ${String(b.publicKeyId)} nie jest wspierany.`
      )
    }
    const nip = b.contextIdentifier.value
    const challenge = this.#takeChallenge(b.challenge)
    const fail = (details: string): StatusInfo => ({
      code: 450,
      description: 'Uwierzytelnianie zakończone niepowodzeniem z powodu błędnego tokenu',
      details: [details]
    })
    let status: StatusInfo = { code: 200, description: 'Uwierzytelnianie zakończone sukcesem' }
    let record: KsefTokenRecord | undefined
    let plain: string | null = null
    try {
      plain = privateDecrypt(
        { key: this.#tokenKey.pair.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
        Buffer.from(b.encryptedToken, 'base64')
      ).toString('utf8')
    } catch {
      status = fail('Nieprawidłowy token')
    }
    if (plain !== null) {
      const bar = plain.lastIndexOf('|')
      const token = bar < 0 ? plain : plain.slice(0, bar)
      const stamp = bar < 0 ? '' : plain.slice(bar + 1)
      record = this.#knownToken(token)
      if (record === undefined) status = fail('Nieprawidłowy token')
      else if (stamp !== String(challenge.timestampMs)) status = fail('Nieprawidłowy czas tokena')
      else if (record.nip !== nip)
        status = {
          code: 415,
          description: 'Uwierzytelnianie zakończone niepowodzeniem',
          details: ['Brak przypisanych uprawnień']
        }
    }
    return this.#startAuth(nip, 'Token', status, { tokenReference: record?.referenceNumber }, processingFault)
  }

  async authWithXades(xml: string, processingFault: boolean): Promise<AuthInitResponse> {
    if (xml.charCodeAt(0) === 0xfeff) throw badRequest(21217, 'Nieprawidłowe kodowanie znaków.')
    let doc
    try {
      doc = new DOMParser({
        errorHandler: {
          warning: () => {},
          error: (m: string) => {
            throw new Error(m)
          },
          fatalError: (m: string) => {
            throw new Error(m)
          }
        }
      }).parseFromString(xml, 'text/xml')
    } catch {
      throw badRequest(21001, 'Nieczytelna treść.')
    }
    const root = doc.documentElement
    if (
      root === null ||
      root.localName !== 'AuthTokenRequest' ||
      AUTH_NAMESPACES[root.namespaceURI ?? ''] === undefined
    )
      throw badRequest(9101, 'Nieprawidłowy dokument.')
    const signatures = doc.getElementsByTagNameNS(DSIG_NS, 'Signature')
    if (signatures.length === 0) throw badRequest(9102, 'Brak podpisu.')
    if (signatures.length > 1) throw badRequest(9103, 'Przekroczona liczba dozwolonych podpisów.')
    const certNodes = signatures[0].getElementsByTagNameNS(DSIG_NS, 'X509Certificate')
    if (certNodes.length === 0)
      throw badRequest(
        21115,
        'Nieprawidłowy certyfikat.',
        'Podpis nie zawiera certyfikatu (KeyInfo/X509Data/X509Certificate).'
      )
    let cert: X509Certificate
    try {
      cert = new X509Certificate(Buffer.from((certNodes[0].textContent ?? '').replace(/\s+/g, ''), 'base64'))
    } catch {
      throw badRequest(21115, 'Nieprawidłowy certyfikat.')
    }
    const signed = new SignedXml({ publicCert: cert.toString() })
    let signedContent: string | undefined
    let signedProperties: string | undefined
    try {
      signed.loadSignature(signatures[0] as unknown as Node)
      if (!signed.checkSignature(xml)) throw new Error('invalid')
      // only what the signature covers counts (no wrapping): the reference that holds the whole request
      const references = signed.getSignedReferences()
      signedContent = references.find((s) => /^<([A-Za-z_][\w.-]*:)?AuthTokenRequest[\s>]/.test(s))
      signedProperties = references.find((s) => /^<([A-Za-z_][\w.-]*:)?SignedProperties[\s>]/.test(s))
    } catch {
      throw badRequest(9105, 'Nieprawidłowy podpis.')
    }
    if (signedContent === undefined)
      throw badRequest(9105, 'Nieprawidłowy podpis.', 'Podpis nie obejmuje całego dokumentu AuthTokenRequest.')
    // XAdES-BES (auth/podpis-xades.md): signed SignedProperties whose SigningCertificate names the signing certificate
    if (signedProperties === undefined || !signingCertificateMatches(signedProperties, cert)) {
      throw badRequest(
        9105,
        'Nieprawidłowy podpis.',
        'Podpis XAdES musi obejmować SignedProperties z SigningCertificate wskazującym certyfikat podpisu.'
      )
    }
    const check = await validateAuthRequest(signedContent, root.namespaceURI ?? '')
    if (!check.valid) throw badRequest(21401, 'Dokument nie jest zgodny ze schemą (xsd).', ...check.errors)
    const signedDoc = new DOMParser().parseFromString(signedContent, 'text/xml')
    const text = (name: string): string =>
      signedDoc.getElementsByTagNameNS(root.namespaceURI, name)[0]?.textContent?.trim() ?? ''
    const nip = text('Nip')
    if (nip === '')
      throw badRequest(
        21117,
        'Nieprawidłowy identyfikator podmiotu dla wskazanego typu kontekstu.',
        'Symulator obsługuje tylko kontekst Nip.'
      )
    this.#takeChallenge(text('Challenge'))
    const status = this.#certificateStatus(cert, nip)
    return this.#startAuth(
      nip,
      'XadesSignature',
      status,
      { documentHash: sha256(xml).toString('base64'), certificateKind: 'InternalCertificate' },
      processingFault
    )
  }

  #certificateStatus(cert: X509Certificate, nip: string): StatusInfo {
    const certError = (details: string): StatusInfo => ({
      code: 460,
      description: 'Uwierzytelnianie zakończone niepowodzeniem z powodu błędu certyfikatu',
      details: [details]
    })
    const t = this.now()
    const ca = new X509Certificate(Buffer.from(this.#ca.cert.rawData))
    const trusted = cert.checkIssued(ca) && cert.verify(ca.publicKey)
    const certNip = nipFromCertificate(cert)
    // the test environment also takes self-signed certificates that carry the NIP in the subject
    const selfSigned = cert.issuer === cert.subject && cert.verify(cert.publicKey) && certNip !== null
    if (!trusted && !selfSigned) return certError('Niezaufany łańcuch certyfikatów')
    if (new Date(cert.validFrom).getTime() > t || new Date(cert.validTo).getTime() < t)
      return certError('Nieważny certyfikat')
    if (
      hasKeyUsage(cert, x509.KeyUsageFlags.nonRepudiation) &&
      !hasKeyUsage(cert, x509.KeyUsageFlags.digitalSignature)
    ) {
      return certError('Niepoprawny certyfikat') // an Offline certificate does not authenticate (certyfikaty-KSeF.md)
    }
    if (certNip !== nip)
      return {
        code: 415,
        description: 'Uwierzytelnianie zakończone niepowodzeniem',
        details: ['Brak przypisanych uprawnień']
      }
    return { code: 200, description: 'Uwierzytelnianie zakończone sukcesem' }
  }

  #authByToken(bearer: string | undefined): AuthOperation {
    const claims = this.#claims(bearer, 'auth')
    const op = this.#auth.get(String(claims.sub))
    if (op === undefined) throw unauthorized('Operacja uwierzytelniania nie została znaleziona.')
    return op
  }

  #claims(bearer: string | undefined, typ: string): Record<string, unknown> {
    if (bearer === undefined) throw unauthorized('Brak tokenu w nagłówku Authorization.')
    const claims = verifyJwt(this.#secret, bearer)
    if (claims === null || claims.typ !== typ) throw unauthorized('Nieprawidłowy token.')
    if (typeof claims.exp !== 'number' || claims.exp * 1000 <= this.now()) throw unauthorized('Token wygasł.')
    return claims
  }

  authStatus(bearer: string | undefined, referenceNumber: string): Record<string, unknown> {
    const op = this.#authByToken(bearer)
    if (op.referenceNumber !== referenceNumber)
      throw badRequest(
        21304,
        'Brak uwierzytelnienia.',
        `Operacja uwierzytelniania o numerze referencyjnym ${referenceNumber} nie została znaleziona.`
      )
    const ready = this.now() >= op.readyAt
    const status = ready ? op.status : { code: 100, description: 'Uwierzytelnianie w toku' }
    const info =
      op.method === 'Token'
        ? { category: 'Token', code: 'token.ksef', displayName: 'Token KSeF' }
        : { category: 'XadesSignature', code: 'certificate.internal', displayName: 'Certyfikat KSeF' }
    return {
      startDate: iso(op.startMs),
      authenticationMethod: op.method === 'Token' ? 'Token' : op.certificateKind,
      authenticationMethodInfo: info,
      status,
      isTokenRedeemed: op.redeemed,
      lastTokenRefreshDate: op.lastRefreshMs === null ? null : iso(op.lastRefreshMs),
      refreshTokenValidUntil: op.refreshValidUntil === null ? null : iso(op.refreshValidUntil)
    }
  }

  #accessToken(op: AuthOperation): { token: string; validUntil: string } {
    const t = this.now()
    const exp = t + this.#accessTtl
    return {
      token: signJwt(this.#secret, {
        typ: 'access',
        sub: op.referenceNumber,
        nip: op.nip,
        iat: Math.floor(t / 1000),
        exp: Math.floor(exp / 1000),
        jti: randomUUID()
      }),
      validUntil: iso(Math.floor(exp / 1000) * 1000)
    }
  }

  redeem(bearer: string | undefined): Record<string, unknown> {
    const op = this.#authByToken(bearer)
    if (this.now() < op.readyAt || op.status.code !== 200)
      throw badRequest(
        21301,
        'Brak autoryzacji.',
        `Status uwierzytelniania (${this.now() < op.readyAt ? 100 : op.status.code}) nie pozwala na pobranie tokenów.`
      )
    if (op.redeemed)
      throw badRequest(
        21301,
        'Brak autoryzacji.',
        `Tokeny dla operacji uwierzytelniania ${op.referenceNumber} zostały już pobrane.`
      )
    op.redeemed = true
    const t = this.now()
    const refreshExp = t + this.#refreshTtl
    op.refreshValidUntil = Math.floor(refreshExp / 1000) * 1000
    const refreshToken = signJwt(this.#secret, {
      typ: 'refresh',
      sub: op.referenceNumber,
      nip: op.nip,
      iat: Math.floor(t / 1000),
      exp: Math.floor(refreshExp / 1000),
      jti: randomUUID()
    })
    return {
      accessToken: this.#accessToken(op),
      refreshToken: { token: refreshToken, validUntil: iso(op.refreshValidUntil) }
    }
  }

  refresh(bearer: string | undefined): Record<string, unknown> {
    const claims = this.#claims(bearer, 'refresh')
    const op = this.#auth.get(String(claims.sub))
    if (op === undefined)
      throw badRequest(
        21304,
        'Brak uwierzytelnienia.',
        `Operacja uwierzytelniania o numerze referencyjnym ${String(claims.sub)} nie została znaleziona.`
      )
    op.lastRefreshMs = this.now()
    return { accessToken: this.#accessToken(op) }
  }

  /** The context of a valid access token (401 otherwise). */
  access(bearer: string | undefined): AccessClaims {
    const claims = this.#claims(bearer, 'access')
    return { authReferenceNumber: String(claims.sub), nip: String(claims.nip), exp: Number(claims.exp) }
  }

  /** The NIP a bearer token speaks for, without checking it (for rate-limit accounting). */
  contextOf(bearer: string | undefined): string {
    if (bearer === undefined) return ''
    const claims = verifyJwt(this.#secret, bearer)
    return typeof claims?.nip === 'string' ? claims.nip : ''
  }

  // ---- online sessions --------------------------------------------------------------------------

  openOnlineSession(who: AccessClaims, body: unknown): { referenceNumber: string; validUntil: string } {
    const b = body as {
      formCode?: { systemCode?: unknown; schemaVersion?: unknown; value?: unknown }
      encryption?: { encryptedSymmetricKey?: unknown; initializationVector?: unknown; publicKeyId?: unknown }
    }
    const fc = b?.formCode
    if (
      fc === undefined ||
      typeof fc.systemCode !== 'string' ||
      typeof fc.schemaVersion !== 'string' ||
      typeof fc.value !== 'string'
    )
      throw validation("Pole 'formCode' (systemCode, schemaVersion, value) jest wymagane.")
    if (fc.systemCode !== 'FA (3)' || fc.schemaVersion !== '1-0E' || fc.value !== 'FA')
      throw validation(
        `Symulator przyjmuje tylko schemat FA (3) 1-0E (otrzymano ${fc.systemCode} ${fc.schemaVersion} ${fc.value}).`
      )
    const enc = b.encryption
    if (
      enc === undefined ||
      typeof enc.encryptedSymmetricKey !== 'string' ||
      typeof enc.initializationVector !== 'string'
    )
      throw validation("Pole 'encryption' (encryptedSymmetricKey, initializationVector) jest wymagane.")
    if (
      enc.publicKeyId !== undefined &&
      enc.publicKeyId !== null &&
      enc.publicKeyId !== this.#symmetricKey.info.publicKeyId
    ) {
      throw badRequest(
        21470,
        'Przesłany identyfikator klucza jest nieznany lub wskazuje na wycofany klucz.',
        `Klucz o identyfikatorze ${String(enc.publicKeyId)} nie jest wspierany.`
      )
    }
    const iv = Buffer.from(enc.initializationVector, 'base64')
    if (iv.length !== 16) throw validation('Wektor inicjujący musi mieć 16 bajtów.')
    let key: Buffer | null = null
    try {
      key = privateDecrypt(
        { key: this.#symmetricKey.pair.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
        Buffer.from(enc.encryptedSymmetricKey, 'base64')
      )
      if (key.length !== 32) key = null
    } catch {
      key = null
    }
    this.sweep()
    if (this.#sessions.size >= this.limits.maxSessions) {
      // the oldest session goes, its accepted invoices stay downloadable by KSeF number
      this.#sessions.delete(this.#sessions.keys().next().value as string)
    }
    const t = this.now()
    const ref = referenceNumber(t, 'SO')
    this.#sessions.set(ref, {
      referenceNumber: ref,
      nip: who.nip,
      authReferenceNumber: who.authReferenceNumber,
      key,
      iv,
      createdMs: t,
      updatedMs: t,
      validUntil: t + SESSION_TTL_MS,
      state: key === null ? 'badKey' : 'open',
      closedReadyAt: null,
      invoices: [],
      upoReferenceNumber: null,
      upoXml: null
    })
    return { referenceNumber: ref, validUntil: iso(t + SESSION_TTL_MS) }
  }

  #session(who: AccessClaims, ref: string): SessionRecord {
    const s = this.#sessions.get(ref)
    if (s === undefined || s.nip !== who.nip)
      throw badRequest(
        21173,
        'Brak sesji o wskazanym numerze referencyjnym.',
        `Sesja o numerze referencyjnym ${ref} nie została znaleziona.`
      )
    return s
  }

  #isReady(i: InvoiceRecord): boolean {
    return i.done && this.now() >= i.readyAt
  }

  #sessionCode(s: SessionRecord): number {
    if (s.state === 'badKey') return 415
    if (s.state === 'open') return this.now() > s.validUntil ? 440 : 100
    if (s.closedReadyAt === null || this.now() < s.closedReadyAt || s.invoices.some((i) => !i.done)) return 170
    if (s.invoices.length === 0) return 440
    return s.invoices.some((i) => i.status.code === 200) ? 200 : 445
  }

  async sendInvoice(
    who: AccessClaims,
    ref: string,
    body: unknown,
    processingFault: boolean
  ): Promise<{ referenceNumber: string }> {
    const s = this.#session(who, ref)
    const code = this.#sessionCode(s)
    if (code !== 100 || s.key === null)
      throw badRequest(
        21180,
        'Status sesji nie pozwala na wykonanie operacji.',
        `Status sesji ${code} uniemożliwia wysyłkę faktur.`
      )
    if (s.invoices.length >= this.limits.maxInvoicesPerSession)
      throw badRequest(
        21155,
        'Przekroczono dozwoloną liczbę faktur w sesji.',
        `Sesja o numerze referencyjnym ${ref} osiągnęła dozwolony limit liczby faktur ${this.limits.maxInvoicesPerSession}.`
      )
    const b = body as Record<string, unknown>
    for (const f of ['invoiceHash', 'encryptedInvoiceHash', 'encryptedInvoiceContent'])
      if (typeof b?.[f] !== 'string') throw validation(`Pole '${f}' jest wymagane.`)
    for (const f of ['invoiceSize', 'encryptedInvoiceSize'])
      if (!Number.isInteger(b[f]) || (b[f] as number) < 1)
        throw validation(`Pole '${f}' musi być dodatnią liczbą całkowitą.`)
    const encrypted = Buffer.from(b.encryptedInvoiceContent as string, 'base64')
    if (encrypted.length !== b.encryptedInvoiceSize)
      throw badRequest(21402, 'Nieprawidłowy rozmiar pliku.', 'Długość treści nie zgadza się z rozmiarem pliku.')
    if (sha256(encrypted).toString('base64') !== b.encryptedInvoiceHash)
      throw badRequest(21403, 'Nieprawidłowy skrót pliku.', 'Skrót treści nie zgadza się ze skrótem pliku.')
    const t = this.now()
    const invoice: InvoiceRecord = {
      referenceNumber: referenceNumber(t, 'EE'),
      ordinalNumber: s.invoices.length + 1,
      sessionReferenceNumber: ref,
      invoiceHash: b.invoiceHash as string,
      invoiceNumber: null,
      invoicingDateMs: t,
      readyAt: t + this.processingDelayMs,
      done: true,
      offlineMode: b.offlineMode === true,
      status: { code: 200, description: 'Sukces' },
      ksefNumber: null,
      acquisitionMs: null,
      issueDate: null,
      sellerNip: null,
      buyerNip: null,
      kind: null,
      content: null,
      contentHash: null,
      size: b.invoiceSize as number
    }
    let plain: Buffer | null = null
    try {
      const decipher = createDecipheriv('aes-256-cbc', s.key, s.iv)
      plain = Buffer.concat([decipher.update(encrypted), decipher.final()])
    } catch {
      invoice.status = { code: 435, description: 'Błąd odszyfrowania pliku' }
    }
    if (plain !== null) {
      if (plain.length !== b.invoiceSize)
        throw badRequest(21402, 'Nieprawidłowy rozmiar pliku.', 'Długość treści nie zgadza się z rozmiarem pliku.')
      if (sha256(plain).toString('base64') !== b.invoiceHash)
        throw badRequest(21403, 'Nieprawidłowy skrót pliku.', 'Skrót treści nie zgadza się ze skrótem pliku.')
      // like KSeF: 202 at once, the invoice is "Trwa przetwarzanie" (150) until verified
      invoice.done = false
      this.#queue.push({ who, s, invoice, plain, processingFault })
      this.#scheduleDrain()
    }
    s.invoices.push(invoice)
    s.updatedMs = t
    return { referenceNumber: invoice.referenceNumber }
  }

  #scheduleDrain(): void {
    if (this.#draining !== null) return
    this.#draining = new Promise<void>((resolve) => {
      setImmediate(resolve)
    })
      .then(async () => {
        await this.#drain()
      })
      .finally(() => {
        this.#draining = null
        if (this.#queue.length > 0) this.#scheduleDrain()
      })
  }

  /** Resolves once every invoice received so far has been verified (tests, the benchmark). */
  async idle(): Promise<void> {
    while (this.#draining !== null) await this.#draining
  }

  /**
   * Verifies what has arrived, in arrival order, up to 100 files per xmllint run: one run costs
   * about as much as a single file (the worker and the schema), so a burst stays fast.
   */
  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, 100)
      try {
        const prechecked = batch.map((item) => this.#precheck(item.plain))
        const xmls = prechecked.filter((r): r is string => typeof r === 'string')
        const schema = await validateFa3Batch(xmls)
        let k = 0
        for (let n = 0; n < batch.length; n++) {
          const item = batch[n]
          const pre = prechecked[n]
          let status: StatusInfo
          if (typeof pre !== 'string') status = pre
          else {
            const check = schema[k++]
            status = check.valid
              ? this.#accept(item.who, item.s, item.invoice, pre, item.plain, item.processingFault)
              : semantic('Dokument nie jest zgodny ze schemą FA(3).', ...check.errors)
          }
          item.invoice.status = status
          item.invoice.done = true
        }
      } catch (error) {
        for (const item of batch) {
          if (item.invoice.done) continue
          item.invoice.status = {
            code: 500,
            description: `Nieznany błąd (${error instanceof Error ? error.message.slice(0, 200) : 'symulator'})`
          }
          item.invoice.done = true
        }
      }
    }
  }

  /**
   * What can be told without the schema: BOM, encoding, forbidden characters, well-formedness. The XML text when it
   * passes.
   */
  #precheck(plain: Buffer): string | StatusInfo {
    if (plain[0] === 0xef && plain[1] === 0xbb && plain[2] === 0xbf)
      return semantic('Plik faktury zawiera znacznik BOM; wymagane jest kodowanie UTF-8 bez BOM.')
    let xml: string
    try {
      xml = new TextDecoder('utf-8', { fatal: true }).decode(plain)
    } catch {
      return semantic('Plik faktury nie jest poprawnie zakodowany w UTF-8.')
    }
    // characters XML 1.0 forbids (controls other than tab/LF/CR, U+FFFE/U+FFFF)
    const bad = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/.exec(xml)
    if (bad !== null)
      return semantic(
        `Plik faktury zawiera niedozwolony znak U+${bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')} na pozycji ${bad.index}.`
      )
    try {
      new DOMParser({
        errorHandler: {
          warning: () => {},
          error: (m: string) => {
            throw new Error(m)
          },
          fatalError: (m: string) => {
            throw new Error(m)
          }
        }
      }).parseFromString(xml, 'text/xml')
    } catch (error) {
      return semantic(
        'Plik faktury nie jest poprawnym dokumentem XML.',
        error instanceof Error ? error.message.slice(0, 300) : ''
      )
    }
    return xml
  }

  /** A file that passed the schema: context, duplicates, then the KSeF number. */
  #accept(
    who: AccessClaims,
    s: SessionRecord,
    invoice: InvoiceRecord,
    xml: string,
    plain: Buffer,
    processingFault: boolean
  ): StatusInfo {
    const doc = new DOMParser().parseFromString(xml, 'text/xml')
    const el = (
      parent: { getElementsByTagNameNS: (ns: string, n: string) => ArrayLike<{ textContent: string | null }> },
      name: string
    ): string | null => parent.getElementsByTagNameNS(FA3_NS, name)[0]?.textContent?.trim() ?? null
    const p1 = doc.getElementsByTagNameNS(FA3_NS, 'Podmiot1')[0]
    const p2 = doc.getElementsByTagNameNS(FA3_NS, 'Podmiot2')[0]
    const fa = doc.getElementsByTagNameNS(FA3_NS, 'Fa')[0]
    invoice.sellerNip = p1 === undefined ? null : el(p1 as never, 'NIP')
    invoice.buyerNip = p2 === undefined ? null : el(p2 as never, 'NIP')
    invoice.invoiceNumber = fa === undefined ? null : el(fa as never, 'P_2')
    invoice.issueDate = fa === undefined ? null : el(fa as never, 'P_1')
    const kind = fa === undefined ? null : el(fa as never, 'RodzajFaktury')
    invoice.kind = kind
    if (invoice.sellerNip !== who.nip)
      return {
        code: 410,
        description: 'Nieprawidłowy zakres uprawnień',
        details: [`NIP sprzedawcy ${invoice.sellerNip ?? '(brak)'} nie jest NIP-em kontekstu ${who.nip}.`]
      }
    const dupKey = `${invoice.sellerNip}|${kind ?? ''}|${invoice.invoiceNumber ?? ''}`
    const original = this.#duplicates.get(dupKey)
    if (original !== undefined) {
      return {
        code: 440,
        description: 'Duplikat faktury',
        details: [
          `Faktura o numerze ${invoice.invoiceNumber ?? ''} została już przyjęta z numerem KSeF ${original.ksefNumber}.`
        ],
        extensions: {
          originalSessionReferenceNumber: original.sessionReferenceNumber,
          originalKsefNumber: original.ksefNumber
        }
      }
    }
    if (processingFault)
      return {
        code: 550,
        description: 'Operacja została anulowana przez system',
        details: ['Przetwarzanie zostało przerwane z przyczyn wewnętrznych systemu. Spróbuj ponownie']
      }
    const t = this.now()
    invoice.ksefNumber = newKsefNumber(who.nip, t)
    invoice.acquisitionMs = t
    invoice.content = plain
    invoice.contentHash = sha256(plain).toString('base64url')
    this.#storedBytes += plain.length
    this.#invoices.set(invoice.ksefNumber, invoice)
    this.#withContent.set(invoice.ksefNumber, invoice)
    this.#byHash.set(invoice.contentHash, invoice)
    this.#duplicates.set(dupKey, { ksefNumber: invoice.ksefNumber, sessionReferenceNumber: s.referenceNumber })
    this.#capStored()
    return { code: 200, description: 'Sukces' }
  }

  #capStored(): void {
    for (const [k, inv] of this.#withContent) {
      if (this.#storedBytes <= this.limits.maxStoredBytes) break
      this.#storedBytes -= inv.content?.length ?? 0
      inv.content = null
      this.#withContent.delete(k)
    }
    while (this.#invoices.size > this.limits.maxInvoices) {
      const [k, inv] = this.#invoices.entries().next().value as [string, InvoiceRecord]
      this.#invoices.delete(k)
      if (this.#withContent.delete(k)) this.#storedBytes -= inv.content?.length ?? 0
      if (inv.contentHash !== null && this.#byHash.get(inv.contentHash) === inv) this.#byHash.delete(inv.contentHash)
      const dupKey = `${inv.sellerNip ?? ''}|${inv.kind ?? ''}|${inv.invoiceNumber ?? ''}`
      if (this.#duplicates.get(dupKey)?.ksefNumber === k) this.#duplicates.delete(dupKey)
    }
  }

  /**
   * KOD II (kody-qr.md): is the link signed (RSASSA-PSS SHA-256 salt 32, or ECDSA P-256) with the
   * private key of a valid Offline certificate of this context, issued for the seller? `signed` are
   * the candidate strings the signer may have used (host and path of the link without the scheme).
   */
  verifyCertificateQr(
    link: {
      contextType: string
      contextValue: string
      sellerNip: string
      serial: string
      hash: string
      signature: string
    },
    signed: string[]
  ): {
    valid: boolean
    problems: string[]
    certificate: { serialNumber: string; subject: string; validTo: string } | null
    invoice: ReturnType<KsefSimulator['verifyInvoiceQr']>
  } {
    const problems: string[] = []
    const issued = this.#issued.get(serialKey(link.serial))
    if (link.contextType !== 'Nip') problems.push('Symulator obsługuje tylko kontekst Nip.')
    if (issued === undefined) {
      problems.push('Certyfikat o tym numerze seryjnym nie istnieje w rejestrze certyfikatów KSeF symulatora.')
    } else {
      const t = this.now()
      if (issued.type !== 'Offline') problems.push('Certyfikat nie jest certyfikatem KSeF typu Offline.')
      if (new Date(issued.cert.validFrom).getTime() > t || new Date(issued.cert.validTo).getTime() < t)
        problems.push('Certyfikat jest nieważny.')
      if (issued.nip !== link.contextValue) problems.push('Certyfikat nie należy do podmiotu z kontekstu.')
      if (link.sellerNip !== link.contextValue)
        problems.push('Kontekst nie ma uprawnień do wystawiania faktur dla tego NIP-u sprzedawcy.')
      const sig = Buffer.from(link.signature, 'base64url')
      const key = issued.cert.publicKey
      const ok = signed.some((data) => {
        try {
          if (key.asymmetricKeyType === 'rsa')
            return cryptoVerify(
              'sha256',
              Buffer.from(data),
              { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
              sig
            )
          if (key.asymmetricKeyType === 'ec')
            return (
              cryptoVerify('sha256', Buffer.from(data), { key, dsaEncoding: 'ieee-p1363' }, sig) ||
              cryptoVerify('sha256', Buffer.from(data), { key, dsaEncoding: 'der' }, sig)
            )
        } catch {
          return false
        }
        return false
      })
      if (!ok) problems.push('Podpis linku jest nieprawidłowy.')
    }
    return {
      valid: problems.length === 0,
      problems,
      certificate:
        issued === undefined
          ? null
          : {
              serialNumber: issued.cert.serialNumber,
              subject: issued.cert.subject.replace(/\n/g, ', '),
              validTo: iso(new Date(issued.cert.validTo).getTime())
            },
      invoice: this.#acceptedByHash(link.sellerNip, link.hash)
    }
  }

  #acceptedByHash(nip: string, hash: string): ReturnType<KsefSimulator['verifyInvoiceQr']> {
    const i = this.#byHash.get(hash)
    if (i?.ksefNumber == null || i.sellerNip !== nip || i.issueDate === null || !this.#isReady(i)) return null
    return {
      ksefNumber: i.ksefNumber,
      invoiceNumber: i.invoiceNumber,
      sellerNip: i.sellerNip,
      buyerNip: i.buyerNip,
      issueDate: i.issueDate,
      acquisitionDate: iso(i.acquisitionMs ?? i.invoicingDateMs)
    }
  }

  /**
   * What the QR verification page (KOD I, kody-qr.md) tells: the accepted invoice of this seller,
   * issued on this day (P_1 as DD-MM-RRRR), whose file has this SHA-256 (Base64URL), or null.
   */
  verifyInvoiceQr(
    nip: string,
    issueDate: string,
    hash: string
  ): {
    ksefNumber: string
    invoiceNumber: string | null
    sellerNip: string
    buyerNip: string | null
    issueDate: string
    acquisitionDate: string
  } | null {
    const m = /^(\d{2})-(\d{2})-(\d{4})$/.exec(issueDate)
    if (m === null) return null
    const found = this.#acceptedByHash(nip, hash)
    return found?.issueDate === `${m[3]}-${m[2]}-${m[1]}` ? found : null
  }

  closeOnlineSession(who: AccessClaims, ref: string): void {
    const s = this.#session(who, ref)
    const code = this.#sessionCode(s)
    if (code !== 100)
      throw badRequest(
        21180,
        'Status sesji nie pozwala na wykonanie operacji.',
        `Status sesji ${code} uniemożliwia jej zamknięcie.`
      )
    const t = this.now()
    s.state = 'closed'
    s.updatedMs = t
    s.closedReadyAt = Math.max(t + this.processingDelayMs, ...s.invoices.map((i) => i.readyAt))
  }

  sessionStatus(who: AccessClaims, ref: string): Record<string, unknown> {
    const s = this.#session(who, ref)
    const code = this.#sessionCode(s)
    const descriptions: Record<number, [string, string?]> = {
      100: ['Sesja interaktywna otwarta'],
      170: ['Sesja interaktywna zamknięta'],
      200: ['Sesja interaktywna przetworzona pomyślnie'],
      415: ['Błąd odszyfrowania dostarczonego klucza'],
      440: ['Sesja anulowana', 'Nie przesłano faktur'],
      445: ['Błąd weryfikacji, brak poprawnych faktur']
    }
    const [description, detail] = descriptions[code]
    const ready = s.invoices.filter((i) => this.#isReady(i))
    const out: Record<string, unknown> = {
      status: { code, description, ...(detail === undefined ? {} : { details: [detail] }) },
      dateCreated: iso(s.createdMs),
      dateUpdated: iso(s.updatedMs),
      validUntil: iso(s.validUntil),
      invoiceCount: s.invoices.length,
      successfulInvoiceCount: ready.filter((i) => i.status.code === 200).length,
      failedInvoiceCount: ready.filter((i) => i.status.code !== 200).length
    }
    if (code === 200) {
      s.upoReferenceNumber ??= referenceNumber(s.closedReadyAt ?? this.now(), 'UP')
      out.upo = {
        pages: [
          { referenceNumber: s.upoReferenceNumber, ...this.#upoLink('s', s.referenceNumber, s.upoReferenceNumber) }
        ]
      }
    }
    return out
  }

  /**
   * A signed link `/upo/{s|i}/{session}/{upo or invoice reference}/{expiry ms}/{HMAC}` (each segment short enough for a
   * route parameter).
   */
  #upoLink(
    kind: 's' | 'i',
    sessionRef: string,
    target: string
  ): { downloadUrl: string; downloadUrlExpirationDate: string } {
    const exp = this.now() + UPO_LINK_TTL_MS
    const path = `${kind}/${sessionRef}/${target}/${exp}`
    const mac = createHmac('sha256', this.#secret).update(path).digest('base64url')
    return { downloadUrl: `${this.publicBaseUrl}/upo/${path}/${mac}`, downloadUrlExpirationDate: iso(exp) }
  }

  /** The UPO a download link points at (no token needed, like KSeF's links), or null. */
  upoByLink(link: { kind: string; sessionRef: string; target: string; exp: string; mac: string }): string | null {
    const { kind, sessionRef, target, exp } = link
    const expected = createHmac('sha256', this.#secret).update(`${kind}/${sessionRef}/${target}/${exp}`).digest()
    const given = Buffer.from(link.mac, 'base64url')
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null
    if (!/^\d+$/.test(exp) || Number(exp) < this.now()) return null
    const s = this.#sessions.get(sessionRef)
    if (s === undefined) return null
    const who = { nip: s.nip, authReferenceNumber: s.authReferenceNumber, exp: 0 }
    try {
      return kind === 's' ? this.sessionUpo(who, sessionRef, target) : this.invoiceUpo(who, sessionRef, target)
    } catch {
      return null
    }
  }

  #invoiceJson(s: SessionRecord, i: InvoiceRecord): Record<string, unknown> {
    const ready = this.#isReady(i)
    const out: Record<string, unknown> = {
      ordinalNumber: i.ordinalNumber,
      invoiceNumber: i.invoiceNumber,
      ksefNumber: ready ? i.ksefNumber : null,
      referenceNumber: i.referenceNumber,
      invoiceHash: i.invoiceHash,
      invoicingDate: iso(i.invoicingDateMs),
      invoicingMode: i.offlineMode ? 'Offline' : 'Online',
      status: ready ? i.status : { code: 150, description: 'Trwa przetwarzanie' }
    }
    if (ready && i.status.code === 200 && i.acquisitionMs !== null) {
      out.acquisitionDate = iso(i.acquisitionMs)
      out.permanentStorageDate = iso(i.acquisitionMs + 1) // "zawsze późniejsza niż acquisitionDate"
      const link = this.#upoLink('i', s.referenceNumber, i.referenceNumber)
      out.upoDownloadUrl = link.downloadUrl
      out.upoDownloadUrlExpirationDate = link.downloadUrlExpirationDate
    }
    return out
  }

  sessionInvoice(who: AccessClaims, ref: string, invoiceRef: string): Record<string, unknown> {
    const s = this.#session(who, ref)
    const i = s.invoices.find((x) => x.referenceNumber === invoiceRef)
    if (i === undefined)
      throw badRequest(
        21405,
        'Błąd walidacji danych wejściowych.',
        `Faktura o numerze referencyjnym ${invoiceRef} nie została znaleziona w sesji ${ref}.`
      )
    return this.#invoiceJson(s, i)
  }

  sessionInvoices(
    who: AccessClaims,
    ref: string,
    opts: { pageSize: number; continuationToken?: string; failedOnly?: boolean }
  ): Record<string, unknown> {
    const s = this.#session(who, ref)
    const start = opts.continuationToken === undefined ? 0 : Number.parseInt(opts.continuationToken, 10)
    if (!Number.isInteger(start) || start < 0) throw validation('Nieprawidłowy token kontynuacji.')
    const list =
      opts.failedOnly === true ? s.invoices.filter((i) => this.#isReady(i) && i.status.code !== 200) : s.invoices
    const page = list.slice(start, start + opts.pageSize)
    const next = start + opts.pageSize < list.length ? String(start + opts.pageSize) : null
    return { ...(next === null ? {} : { continuationToken: next }), invoices: page.map((i) => this.#invoiceJson(s, i)) }
  }

  invoiceUpo(who: AccessClaims, ref: string, invoiceRef: string): string {
    const s = this.#session(who, ref)
    const i = s.invoices.find((x) => x.referenceNumber === invoiceRef)
    if (i === undefined || !this.#isReady(i) || i.status.code !== 200)
      throw badRequest(
        21178,
        'Nie znaleziono UPO dla podanych kryteriów.',
        `UPO dla faktury ${invoiceRef} nie jest dostępne.`
      )
    return this.#upoXml(s, [i])
  }

  invoiceUpoByKsefNumber(who: AccessClaims, ref: string, ksefNumber: string): string {
    const s = this.#session(who, ref)
    const i = s.invoices.find((x) => x.ksefNumber === ksefNumber)
    if (i === undefined || !this.#isReady(i) || i.status.code !== 200)
      throw badRequest(
        21178,
        'Nie znaleziono UPO dla podanych kryteriów.',
        `UPO dla faktury ${ksefNumber} nie jest dostępne.`
      )
    return this.#upoXml(s, [i])
  }

  sessionUpo(who: AccessClaims, ref: string, upoRef: string): string {
    const s = this.#session(who, ref)
    if (this.#sessionCode(s) !== 200 || s.upoReferenceNumber !== upoRef)
      throw badRequest(21178, 'Nie znaleziono UPO dla podanych kryteriów.', `UPO ${upoRef} nie jest dostępne.`)
    s.upoXml ??= this.#upoXml(
      s,
      s.invoices.filter((i) => i.status.code === 200),
      true
    )
    return s.upoXml
  }

  /** Urzędowe Poświadczenie Odbioru, schema upo-v4-3.xsd. */
  #upoXml(s: SessionRecord, invoices: InvoiceRecord[], wholeSession = false): string {
    const op = this.#auth.get(s.authReferenceNumber)
    const esc = (v: string): string => v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
    const auth =
      op?.tokenReference !== undefined
        ? `<NumerReferencyjnyTokenaKSeF>${op.tokenReference}</NumerReferencyjnyTokenaKSeF>`
        : `<SkrotDokumentuUwierzytelniajacego>${op?.documentHash ?? sha256(s.authReferenceNumber).toString('base64')}</SkrotDokumentuUwierzytelniajacego>`
    const docs = invoices
      .map((i) =>
        [
          '<Dokument>',
          `<NipSprzedawcy>${i.sellerNip ?? ''}</NipSprzedawcy>`,
          `<NumerKSeFDokumentu>${i.ksefNumber ?? ''}</NumerKSeFDokumentu>`,
          `<NumerFaktury>${esc(i.invoiceNumber ?? '')}</NumerFaktury>`,
          `<DataWystawieniaFaktury>${i.issueDate ?? ''}</DataWystawieniaFaktury>`,
          `<DataPrzeslaniaDokumentu>${iso(i.invoicingDateMs)}</DataPrzeslaniaDokumentu>`,
          `<DataNadaniaNumeruKSeF>${iso(i.acquisitionMs ?? i.invoicingDateMs)}</DataNadaniaNumeruKSeF>`,
          `<SkrotDokumentu>${i.invoiceHash}</SkrotDokumentu>`,
          `<TrybWysylki>${i.offlineMode ? 'Offline' : 'Online'}</TrybWysylki>`,
          '</Dokument>'
        ].join('')
      )
      .join('')
    return (
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
      '<Potwierdzenie xmlns="http://upo.schematy.mf.gov.pl/KSeF/v4-3" wersjaSchemy="4-3">' +
      '<NazwaPodmiotuPrzyjmujacego>Ministerstwo Finansów</NazwaPodmiotuPrzyjmujacego>' +
      `<NumerReferencyjnySesji>${s.referenceNumber}</NumerReferencyjnySesji>` +
      `<Uwierzytelnienie><IdKontekstu><Nip>${s.nip}</Nip></IdKontekstu>${auth}</Uwierzytelnienie>` +
      // one page holds the whole session (KSeF splits very large sessions into pages)
      (wholeSession && invoices.length > 0
        ? `<OpisPotwierdzenia><Strona>1</Strona><LiczbaStron>1</LiczbaStron><ZakresDokumentowOd>1</ZakresDokumentowOd><ZakresDokumentowDo>${invoices.length}</ZakresDokumentowDo><CalkowitaLiczbaDokumentow>${invoices.length}</CalkowitaLiczbaDokumentow></OpisPotwierdzenia>`
        : '') +
      '<NazwaStrukturyLogicznej>Schemat_FA(3)_v1-0E.xsd</NazwaStrukturyLogicznej>' +
      '<KodFormularza>FA (3)</KodFormularza>' +
      docs +
      '</Potwierdzenie>\n'
    )
  }

  // ---- receiving: purchase invoices (Podmiot2) -----------------------------------------------

  /**
   * An invoice another seller issued to `meta.buyerNip`, as if sent to KSeF by that seller:
   * a KSeF number of the seller's NIP, acquisition at `storedAtMs - 1`, permanent storage at
   * `storedAtMs` (default now). The content is kept as given, even when it is not XML.
   */
  addReceivedInvoice(opts: { meta: PurchaseMeta; content: Buffer; storedAtMs?: number }): string {
    const stored = opts.storedAtMs ?? this.now()
    const acquired = stored - 1
    let ksefNumber = newKsefNumber(opts.meta.sellerNip, acquired)
    while (this.#invoices.has(ksefNumber)) ksefNumber = newKsefNumber(opts.meta.sellerNip, acquired)
    const invoice: InvoiceRecord = {
      referenceNumber: referenceNumber(acquired, 'EE'),
      ordinalNumber: 1,
      sessionReferenceNumber: '',
      invoiceHash: sha256(opts.content).toString('base64'),
      invoiceNumber: opts.meta.invoiceNumber,
      invoicingDateMs: acquired - 1000,
      readyAt: acquired,
      done: true,
      offlineMode: false,
      status: { code: 200, description: 'Sukces' },
      ksefNumber,
      acquisitionMs: acquired,
      issueDate: opts.meta.issueDate,
      sellerNip: opts.meta.sellerNip,
      buyerNip: opts.meta.buyerNip,
      kind: opts.meta.invoiceType.toUpperCase(),
      content: opts.content,
      contentHash: sha256(opts.content).toString('base64url'),
      size: opts.content.length,
      meta: opts.meta,
      permanentStorageMs: stored
    }
    this.#storedBytes += opts.content.length
    this.#invoices.set(ksefNumber, invoice)
    this.#withContent.set(ksefNumber, invoice)
    this.#capStored()
    return ksefNumber
  }

  /** The demo purchase invoices of a buyer (purchases.ts), once per NIP; their KSeF numbers, oldest first. */
  seedPurchases(buyerNip: string): string[] {
    if (this.#seededBuyers.has(buyerNip)) return []
    this.#seededBuyers.add(buyerNip)
    const t = this.now()
    const numbers = new Map<string, string>()
    // the correction names the KSeF number of the invoice it corrects: seeds are made in two passes
    const first = purchaseSeeds(buyerNip, t, () => null)
    for (const seed of first) {
      const final =
        seed.corrects === undefined
          ? seed
          : purchaseSeeds(buyerNip, t, (key) => numbers.get(key) ?? null).find((s) => s.key === seed.key)!
      numbers.set(
        seed.key,
        this.addReceivedInvoice({ meta: final.meta, content: final.content, storedAtMs: t - seed.ageMs })
      )
    }
    return [...numbers.values()]
  }

  /** permanentStorageHwmDate: nothing with an earlier permanent-storage date can still appear (hwm.md) */
  permanentStorageHwm(): number {
    return this.now() - this.hwmLagMs
  }

  /** POST /invoices/query/metadata (open-api.json): filters, paging by page index, the 10 000-record cap, the HWM. */
  queryInvoiceMetadata(
    who: AccessClaims,
    body: unknown,
    query: { pageOffset?: string; pageSize?: string; sortOrder?: string }
  ): Record<string, unknown> {
    const pageSize = query.pageSize === undefined ? 10 : Number(query.pageSize)
    const pageOffset = query.pageOffset === undefined ? 0 : Number(query.pageOffset)
    const sortOrder = query.sortOrder ?? 'Asc'
    if (!Number.isInteger(pageSize) || pageSize < 10 || pageSize > 250)
      throw validation('pageSize musi być liczbą od 10 do 250.')
    if (!Number.isInteger(pageOffset) || pageOffset < 0) throw validation('pageOffset musi być liczbą nieujemną.')
    if (sortOrder !== 'Asc' && sortOrder !== 'Desc') throw validation("sortOrder musi mieć wartość 'Asc' albo 'Desc'.")
    const b = body as {
      subjectType?: unknown
      dateRange?: { dateType?: unknown; from?: unknown; to?: unknown; restrictToPermanentStorageHwmDate?: unknown }
    } | null
    const subjectType = b?.subjectType
    if (
      typeof subjectType !== 'string' ||
      !['Subject1', 'Subject2', 'Subject3', 'SubjectAuthorized'].includes(subjectType)
    )
      throw validation("Pole 'subjectType' jest wymagane (Subject1, Subject2, Subject3, SubjectAuthorized).")
    const range = b?.dateRange
    if (typeof range !== 'object' || range === null) throw validation("Pole 'dateRange' jest wymagane.")
    const dateType = range.dateType
    if (typeof dateType !== 'string' || !['Issue', 'Invoicing', 'PermanentStorage'].includes(dateType))
      throw validation("Pole 'dateRange.dateType' jest wymagane (Issue, Invoicing, PermanentStorage).")
    const instant = (value: unknown, field: string): number => {
      // ISO 8601 with Z, with an offset, or without one (then Europe/Warsaw)
      const parsed =
        typeof value === 'string' &&
        /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})?$/.test(value)
          ? DateTime.fromISO(value.replace(/(\.\d{3})\d+/, '$1'), { zone: ZONE })
          : null
      if (parsed === null || !parsed.isValid) throw validation(`Pole '${field}' musi być datą w formacie ISO 8601.`)
      return parsed.toMillis()
    }
    const t = this.now()
    const from = instant(range.from, 'dateRange.from')
    const to = range.to === undefined || range.to === null ? t : instant(range.to, 'dateRange.to')
    const permanent = dateType === 'PermanentStorage'
    const hwm = this.permanentStorageHwm()
    const restrict = permanent && range.restrictToPermanentStorageHwmDate === true
    if (restrict && from > hwm)
      throw badRequest(
        21183,
        'Zakres filtrowania wykracza poza dostępny zakres danych.',
        'Parametr dateRange.from jest późniejszy niż PermanentStorageHwmDate przy włączonym restrictToPermanentStorageHwmDate.'
      )
    if (to < from) throw validation("'dateRange.to' jest wcześniejsza niż 'dateRange.from'.")
    // "Maksymalny dozwolony okres wynosi 3 miesiące"
    if (DateTime.fromMillis(from, { zone: ZONE }).plus({ months: 3 }).toMillis() < to)
      throw validation('Zakres dat nie może przekraczać 3 miesięcy.')
    if (subjectType === 'Subject2' && this.#seedPurchases) this.seedPurchases(who.nip)
    const until = restrict ? Math.min(to, hwm) : to
    const dateOf = (i: InvoiceRecord): number =>
      dateType === 'Issue'
        ? DateTime.fromISO(i.issueDate ?? '1970-01-01', { zone: ZONE }).toMillis()
        : dateType === 'Invoicing'
          ? i.invoicingDateMs
          : this.#permanentMs(i)
    const matched = [...this.#invoices.values()]
      .filter((i) => {
        if (i.ksefNumber === null || i.acquisitionMs === null) return false
        // an invoice becomes visible once stored (an in-flight one is not there yet)
        if (this.#permanentMs(i) > t) return false
        const party = subjectType === 'Subject1' ? i.sellerNip : subjectType === 'Subject2' ? i.buyerNip : null
        if (party !== who.nip) return false
        const d = dateOf(i)
        return d >= from && d <= until
      })
      .sort(
        (x, y) => (dateOf(x) - dateOf(y)) * (sortOrder === 'Asc' ? 1 : -1) || (x.ksefNumber! < y.ksefNumber! ? -1 : 1)
      )
    const capped = matched.slice(0, this.metadataRecordLimit)
    const start = pageOffset * pageSize
    const page = capped.slice(start, start + pageSize)
    const endOfCapped = start + pageSize >= capped.length
    const truncated = matched.length > capped.length && endOfCapped
    return {
      hasMore: !endOfCapped || truncated,
      isTruncated: truncated,
      permanentStorageHwmDate: permanent ? iso(Math.min(to, hwm)) : null,
      invoices: page.map((i) => this.#metadataJson(i))
    }
  }

  #permanentMs(i: InvoiceRecord): number {
    return i.permanentStorageMs ?? (i.acquisitionMs ?? i.invoicingDateMs) + 1
  }

  #metadataJson(i: InvoiceRecord): Record<string, unknown> {
    const m = i.meta
    const amount = (minor: number | undefined): number => (minor ?? 0) / 100
    return {
      ksefNumber: i.ksefNumber,
      invoiceNumber: i.invoiceNumber ?? '',
      issueDate: i.issueDate ?? iso(i.invoicingDateMs).slice(0, 10),
      invoicingDate: iso(i.invoicingDateMs),
      acquisitionDate: iso(i.acquisitionMs ?? i.invoicingDateMs),
      permanentStorageDate: iso(this.#permanentMs(i)),
      seller: { nip: i.sellerNip ?? '', name: m?.sellerName ?? null },
      buyer: {
        identifier: i.buyerNip !== null ? { type: 'Nip', value: i.buyerNip } : { type: 'None', value: null },
        name: m?.buyerName ?? null
      },
      netAmount: amount(m?.net),
      grossAmount: amount(m?.gross),
      vatAmount: amount(m?.vatPln),
      currency: m?.currency ?? 'PLN',
      invoicingMode: i.offlineMode ? 'Offline' : 'Online',
      invoiceType: m?.invoiceType ?? (i.kind === 'KOR' ? 'Kor' : 'Vat'),
      formCode: { systemCode: 'FA (3)', schemaVersion: '1-0E', value: 'FA' },
      isSelfInvoicing: false,
      hasAttachment: false,
      invoiceHash: i.content !== null ? sha256(i.content).toString('base64') : i.invoiceHash,
      thirdSubjects: []
    }
  }

  /** The stored bytes of an invoice the context issued or received. */
  invoiceByKsefNumber(who: AccessClaims, ksefNumber: string): { content: Buffer; hash: string } {
    const i = this.#invoices.get(ksefNumber)
    if (i === undefined || i.content === null || (i.sellerNip !== who.nip && i.buyerNip !== who.nip)) {
      throw badRequest(
        21164,
        'Faktura o podanym identyfikatorze nie istnieje.',
        `Faktura o numerze KSeF ${ksefNumber} nie została znaleziona.`
      )
    }
    return { content: i.content, hash: sha256(i.content).toString('base64') }
  }
}

const XADES_NS = 'http://uri.etsi.org/01903/v1.3.2#'
const DIGESTS: Record<string, string> = {
  'http://www.w3.org/2001/04/xmlenc#sha256': 'sha256',
  'http://www.w3.org/2001/04/xmlenc#sha512': 'sha512',
  'http://www.w3.org/2000/09/xmldsig#sha1': 'sha1'
}

/** Does SigningCertificate(V2)/Cert/CertDigest hold the digest of this very certificate? */
function signingCertificateMatches(signedProperties: string, cert: X509Certificate): boolean {
  const doc = new DOMParser().parseFromString(signedProperties, 'text/xml')
  const digests = doc.getElementsByTagNameNS(XADES_NS, 'CertDigest')
  for (let i = 0; i < digests.length; i++) {
    const method = digests[i].getElementsByTagNameNS(DSIG_NS, 'DigestMethod')[0]?.getAttribute('Algorithm') ?? ''
    const value = digests[i].getElementsByTagNameNS(DSIG_NS, 'DigestValue')[0]?.textContent?.trim() ?? ''
    const algorithm = DIGESTS[method]
    if (algorithm !== undefined && createHash(algorithm).update(cert.raw).digest('base64') === value) return true
  }
  return false
}

function serialKey(serial: string): string {
  return serial.toUpperCase().replace(/^0+(?=.)/, '')
}
