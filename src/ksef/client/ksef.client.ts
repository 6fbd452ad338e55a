// A focused KSeF 2.0 client (open-api.json): the calls of authentication and of an online session.
// Every call has a timeout; 429 (honouring Retry-After), 5xx and resets are retried a bounded
// number of times, POST only where repeating it cannot create anything twice; the shared
// limiter keeps the client inside KSeF's limits. Answers are untrusted: shapes are checked.
import { KsefRateLimiter, limitGroup, sharedLimiter } from './rate-limiter.ts'

export type KsefErrorKind = 'http' | 'network' | 'timeout' | 'invalid'

export class KsefApiError extends Error {
  readonly kind: KsefErrorKind
  readonly status: number | null
  /** the Ministry's own description(s), when it sent any */
  readonly details: string[]
  /** for a 429 (KSeF's or our own limiter's): how long until a request may go, when known */
  readonly retryAfterMs: number | null
  /** exceptionCode values of an ExceptionResponse (e.g. 21183), when KSeF sent any */
  codes: number[] = []
  constructor(
    kind: KsefErrorKind,
    status: number | null,
    message: string,
    details: string[] = [],
    retryAfterMs: number | null = null
  ) {
    super(message)
    this.kind = kind
    this.status = status
    this.details = details
    this.retryAfterMs = retryAfterMs
  }

  get temporary(): boolean {
    return (
      this.kind === 'network' ||
      this.kind === 'timeout' ||
      this.status === 429 ||
      (this.status !== null && this.status >= 500)
    )
  }
}

/** A Polish sentence for the user (never a token or a key). */
export function ksefErrorMessage(error: KsefApiError): string {
  const why = error.details.length > 0 ? ` (${error.details.join('; ').slice(0, 300)})` : ''
  if (error.kind === 'timeout') return 'KSeF nie odpowiedział w wyznaczonym czasie.'
  if (error.kind === 'network') return 'Nie udało się połączyć z KSeF.'
  if (error.kind === 'invalid') return 'KSeF zwrócił odpowiedź, której nie da się odczytać.'
  if (error.status === 401)
    return `KSeF odrzucił uwierzytelnienie – sprawdź token lub certyfikat w USTAWIENIA » INTEGRACJE » KSeF${why}.`
  if (error.status === 403) return `Brak uprawnień w KSeF do tej operacji${why}.`
  if (error.status === 429) return 'Przekroczono limit zapytań do KSeF – wysyłka zostanie ponowiona później.'
  if (error.status !== null && error.status >= 500)
    return `KSeF ma chwilowe problemy (błąd ${error.status}) – wysyłka zostanie ponowiona.`
  return `KSeF odrzucił żądanie (błąd ${error.status ?? '?'})${why}.`
}

export interface KsefClientOptions {
  baseUrl: string
  fetch?: typeof fetch
  timeoutMs: number
  retryBaseMs: number
  maxAttempts?: number
  limiter?: KsefRateLimiter
  /** longest wait for a limiter slot inside one call; longer and the call fails as 429 */
  maxLimiterWaitMs?: number
  sleep?: (ms: number) => Promise<void>
  /** the clock the limiter counts by (the app's clock; tests move it together with sleep) */
  nowMs?: () => number
}

interface CallOptions {
  body?: unknown
  xml?: string
  bearer?: string
  query?: Record<string, string>
  accept?: 'json' | 'xml' | 'none' | 'bytes'
  /** POST that may be repeated after a lost answer */
  safe?: boolean
}

/** KSeF takes files of up to 1 MB (3 MB with attachments); anything far beyond is not an invoice. */
const MAX_DOWNLOAD_BYTES = 8 * 1024 * 1024

const defaultSleep = async (ms: number): Promise<void> => await new Promise((resolve) => setTimeout(resolve, ms))

function retryAfterMs(header: string | null): number | null {
  if (header === null) return null
  const seconds = Number(header)
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, 3_600_000)
  const at = Date.parse(header)
  return Number.isNaN(at) ? null : Math.max(0, Math.min(at - Date.now(), 3_600_000))
}

function problemDetails(body: unknown): string[] {
  const out: string[] = []
  const exception = (body as { exception?: { exceptionDetailList?: unknown } } | null)?.exception
  const list = exception?.exceptionDetailList
  if (Array.isArray(list)) {
    for (const item of list.slice(0, 5)) {
      const d = (item as { exceptionDescription?: unknown }).exceptionDescription
      if (typeof d === 'string') out.push(d.slice(0, 200))
    }
  }
  const status = (body as { status?: { description?: unknown } } | null)?.status
  if (typeof status?.description === 'string') out.push(status.description.slice(0, 200))
  return out
}

function exceptionCodes(body: unknown): number[] {
  const list = (body as { exception?: { exceptionDetailList?: unknown } } | null)?.exception?.exceptionDetailList
  return Array.isArray(list)
    ? list
        .slice(0, 5)
        .map((item) => (item as { exceptionCode?: unknown }).exceptionCode)
        .filter((c): c is number => typeof c === 'number')
    : []
}

export class KsefClient {
  private readonly opts: Required<Omit<KsefClientOptions, 'limiter'>> & { limiter: KsefRateLimiter }

  constructor(opts: KsefClientOptions) {
    this.opts = {
      fetch: globalThis.fetch,
      maxAttempts: 4,
      maxLimiterWaitMs: 60_000,
      sleep: defaultSleep,
      nowMs: Date.now,
      ...opts,
      baseUrl: opts.baseUrl.replace(/\/+$/, ''),
      limiter: opts.limiter ?? sharedLimiter(opts.baseUrl)
    }
  }

  async call(
    method: 'GET' | 'POST',
    path: string,
    options: CallOptions = {}
  ): Promise<{ status: number; body: unknown; text: string; bytes: Buffer | null; headers: Headers | null }> {
    const group = limitGroup(method, path)
    const retriable = method === 'GET' || options.safe === true
    let attempt = 0
    let waited = 0
    for (;;) {
      attempt++
      const wait = this.opts.limiter.reserve(group, this.opts.nowMs())
      if (wait > 0) {
        // bounded in total too: a clock that does not move must not keep a call waiting for ever
        if (wait > this.opts.maxLimiterWaitMs || waited + wait > 2 * this.opts.maxLimiterWaitMs)
          throw new KsefApiError('http', 429, 'rate limited locally', [], wait)
        waited += wait
        await this.opts.sleep(wait)
        attempt--
        continue
      }
      let error: KsefApiError
      try {
        const headers: Record<string, string> = {
          accept: options.accept === 'xml' || options.accept === 'bytes' ? 'application/xml' : 'application/json'
        }
        if (options.bearer !== undefined) headers.authorization = `Bearer ${options.bearer}`
        let body: string | undefined
        if (options.xml !== undefined) {
          headers['content-type'] = 'application/xml'
          body = options.xml
        } else if (options.body !== undefined) {
          headers['content-type'] = 'application/json'
          body = JSON.stringify(options.body)
        }
        const qs = options.query ? `?${new URLSearchParams(options.query).toString()}` : ''
        const response = await this.opts.fetch(`${this.opts.baseUrl}${path}${qs}`, {
          method,
          headers,
          body,
          signal: AbortSignal.timeout(this.opts.timeoutMs)
        })
        // 'bytes': the answer exactly as sent (a received invoice is stored as received), bounded
        const bytes = options.accept === 'bytes' && response.ok ? Buffer.from(await response.arrayBuffer()) : null
        if (bytes !== null && bytes.length > MAX_DOWNLOAD_BYTES)
          throw new KsefApiError('invalid', response.status, 'file too large')
        const text = bytes !== null ? '' : await response.text()
        let parsed: unknown = null
        if (text !== '' && options.accept !== 'xml') {
          try {
            parsed = JSON.parse(text)
          } catch {
            if (response.ok) throw new KsefApiError('invalid', response.status, 'malformed JSON')
          }
        }
        if (response.ok) return { status: response.status, body: parsed, text, bytes, headers: response.headers }
        const after =
          response.status === 429
            ? (retryAfterMs(response.headers.get('retry-after')) ?? this.opts.retryBaseMs * 4 * 2 ** (attempt - 1))
            : null
        error = new KsefApiError(
          'http',
          response.status,
          `KSeF ${method} ${path}: ${response.status}`,
          problemDetails(parsed),
          after
        )
        error.codes = exceptionCodes(parsed)
        if (after !== null) {
          this.opts.limiter.hold(this.opts.nowMs() + after)
          // KSeF did not process a 429'd request, so even a POST may go again
          if (attempt < this.opts.maxAttempts && after <= this.opts.maxLimiterWaitMs) continue
          throw error
        }
      } catch (caught) {
        if (caught instanceof KsefApiError) error = caught
        else if (caught instanceof Error && (caught.name === 'TimeoutError' || caught.name === 'AbortError'))
          error = new KsefApiError('timeout', null, `KSeF ${method} ${path}: timeout`)
        else
          error = new KsefApiError(
            'network',
            null,
            `KSeF ${method} ${path}: ${caught instanceof Error ? caught.message : 'network error'}`
          )
      }
      if (!(retriable && error.temporary && error.kind !== 'invalid') || attempt >= this.opts.maxAttempts) throw error
      await this.opts.sleep(this.opts.retryBaseMs * 2 ** (attempt - 1) * (0.75 + Math.random() / 2))
    }
  }

  async challenge(): Promise<{ challenge: string; timestampMs: number }> {
    const { body } = await this.call('POST', '/auth/challenge', { safe: true })
    const b = body as { challenge?: unknown; timestampMs?: unknown } | null
    if (typeof b?.challenge !== 'string' || typeof b.timestampMs !== 'number')
      throw new KsefApiError('invalid', 200, 'challenge')
    return { challenge: b.challenge, timestampMs: b.timestampMs }
  }

  async publicKeyCertificates(): Promise<
    Array<{ certificate: string; publicKeyId: string; validFrom: string; validTo: string; usage: string[] }>
  > {
    const { body } = await this.call('GET', '/security/public-key-certificates')
    if (!Array.isArray(body)) throw new KsefApiError('invalid', 200, 'public keys')
    return body.filter(
      (c): c is { certificate: string; publicKeyId: string; validFrom: string; validTo: string; usage: string[] } =>
        typeof c?.certificate === 'string' &&
        typeof c.publicKeyId === 'string' &&
        typeof c.validFrom === 'string' &&
        typeof c.validTo === 'string' &&
        Array.isArray(c.usage)
    )
  }

  async authWithKsefToken(req: {
    challenge: string
    nip: string
    encryptedToken: string
    publicKeyId?: string
  }): Promise<{ referenceNumber: string; authenticationToken: string }> {
    const body: Record<string, unknown> = {
      challenge: req.challenge,
      contextIdentifier: { type: 'Nip', value: req.nip },
      encryptedToken: req.encryptedToken
    }
    if (req.publicKeyId !== undefined) body.publicKeyId = req.publicKeyId
    return initResponse((await this.call('POST', '/auth/ksef-token', { body, safe: true })).body)
  }

  async authWithXades(signedXml: string): Promise<{ referenceNumber: string; authenticationToken: string }> {
    return initResponse((await this.call('POST', '/auth/xades-signature', { xml: signedXml, safe: true })).body)
  }

  async authStatus(
    referenceNumber: string,
    authenticationToken: string
  ): Promise<{ code: number; description: string }> {
    const { body } = await this.call('GET', `/auth/${encodeURIComponent(referenceNumber)}`, {
      bearer: authenticationToken
    })
    return statusOf(body)
  }

  async redeem(authenticationToken: string): Promise<{
    accessToken: string
    refreshToken: string
    accessValidUntil: string | null
    refreshValidUntil: string | null
  }> {
    // not repeatable: a second redeem with the same token is refused (uwierzytelnianie.md 4)
    const { body } = await this.call('POST', '/auth/token/redeem', { bearer: authenticationToken })
    const b = body as {
      accessToken?: { token?: unknown; validUntil?: unknown }
      refreshToken?: { token?: unknown; validUntil?: unknown }
    } | null
    if (typeof b?.accessToken?.token !== 'string' || typeof b.refreshToken?.token !== 'string')
      throw new KsefApiError('invalid', 200, 'redeem')
    return {
      accessToken: b.accessToken.token,
      refreshToken: b.refreshToken.token,
      accessValidUntil: instantOrNull(b.accessToken.validUntil),
      refreshValidUntil: instantOrNull(b.refreshToken.validUntil)
    }
  }

  async refresh(refreshToken: string): Promise<{ accessToken: string; accessValidUntil: string | null }> {
    const { body } = await this.call('POST', '/auth/token/refresh', { bearer: refreshToken, safe: true })
    const access = (body as { accessToken?: { token?: unknown; validUntil?: unknown } } | null)?.accessToken
    if (typeof access?.token !== 'string') throw new KsefApiError('invalid', 200, 'refresh')
    return { accessToken: access.token, accessValidUntil: instantOrNull(access.validUntil) }
  }

  /** The invoices KSeF has in a session (after a lost answer: did it get ours?), first page of up to 1000. */
  async sessionInvoices(
    accessToken: string,
    sessionReference: string
  ): Promise<Array<{ referenceNumber: string; invoiceHash: string }>> {
    const { body } = await this.call('GET', `/sessions/${encodeURIComponent(sessionReference)}/invoices`, {
      bearer: accessToken,
      query: { pageSize: '1000' }
    })
    const list = (body as { invoices?: unknown } | null)?.invoices
    if (!Array.isArray(list)) throw new KsefApiError('invalid', 200, 'session invoices')
    return list
      .filter(
        (i): i is { referenceNumber: string; invoiceHash: string } =>
          typeof i?.referenceNumber === 'string' && i.referenceNumber.length <= 64 && typeof i.invoiceHash === 'string'
      )
      .map((i) => ({ referenceNumber: i.referenceNumber, invoiceHash: i.invoiceHash }))
  }

  /** UPO of an invoice by its KSeF number (a duplicate's original, whose invoice reference we never had). */
  async invoiceUpoByKsefNumber(accessToken: string, sessionReference: string, ksefNumber: string): Promise<string> {
    const { text } = await this.call(
      'GET',
      `/sessions/${encodeURIComponent(sessionReference)}/invoices/ksef/${encodeURIComponent(ksefNumber)}/upo`,
      { bearer: accessToken, accept: 'xml' }
    )
    return text
  }

  async openOnlineSession(
    accessToken: string,
    encryption: { encryptedSymmetricKey: string; initializationVector: string; publicKeyId?: string }
  ): Promise<string> {
    const { body } = await this.call('POST', '/sessions/online', {
      bearer: accessToken,
      safe: true,
      body: { formCode: { systemCode: 'FA (3)', schemaVersion: '1-0E', value: 'FA' }, encryption }
    })
    return referenceOf(body)
  }

  /** Not retried after a lost answer here: the sender decides (KSeF reports a resend as 440). */
  async sendInvoice(accessToken: string, sessionReference: string, invoice: Record<string, unknown>): Promise<string> {
    const { body } = await this.call('POST', `/sessions/online/${encodeURIComponent(sessionReference)}/invoices`, {
      bearer: accessToken,
      body: invoice
    })
    return referenceOf(body)
  }

  async closeSession(accessToken: string, sessionReference: string): Promise<void> {
    await this.call('POST', `/sessions/online/${encodeURIComponent(sessionReference)}/close`, {
      bearer: accessToken,
      safe: true,
      accept: 'none'
    })
  }

  async invoiceStatus(accessToken: string, sessionReference: string, invoiceReference: string): Promise<InvoiceStatus> {
    const { body } = await this.call(
      'GET',
      `/sessions/${encodeURIComponent(sessionReference)}/invoices/${encodeURIComponent(invoiceReference)}`,
      { bearer: accessToken }
    )
    const status = statusOf(body)
    const b = body as {
      ksefNumber?: unknown
      acquisitionDate?: unknown
      status?: { details?: unknown; extensions?: unknown }
    }
    const details = Array.isArray(b.status?.details)
      ? b.status.details.filter((d): d is string => typeof d === 'string').map((d) => d.slice(0, 500))
      : []
    const extensions = b.status?.extensions as
      { originalKsefNumber?: unknown; originalSessionReferenceNumber?: unknown } | undefined
    return {
      ...status,
      details,
      ksefNumber: typeof b.ksefNumber === 'string' ? b.ksefNumber.slice(0, 40) : null,
      acquisitionDate: instantOrNull(b.acquisitionDate),
      originalKsefNumber:
        typeof extensions?.originalKsefNumber === 'string' ? extensions.originalKsefNumber.slice(0, 40) : null,
      originalSessionReference:
        typeof extensions?.originalSessionReferenceNumber === 'string' &&
        /^[0-9A-Za-z-]{36}$/.test(extensions.originalSessionReferenceNumber)
          ? extensions.originalSessionReferenceNumber
          : null
    }
  }

  /**
   * POST /invoices/query/metadata: one page of invoice metadata. A query, so it may be repeated
   * after a lost answer. Entries that do not have the shape of open-api.json's InvoiceMetadata
   * (a KSeF number that fails its pattern or CRC, no permanent-storage date) come back counted
   * in `skipped`, never as data.
   */
  async queryInvoiceMetadata(
    accessToken: string,
    filters: MetadataFilters,
    paging: { pageOffset: number; pageSize: number; sortOrder: 'Asc' | 'Desc' }
  ): Promise<MetadataPage> {
    const dateRange: Record<string, unknown> = { dateType: filters.dateType, from: filters.from }
    if (filters.to !== null) dateRange.to = filters.to
    if (filters.restrictToPermanentStorageHwmDate) dateRange.restrictToPermanentStorageHwmDate = true
    const { body } = await this.call('POST', '/invoices/query/metadata', {
      bearer: accessToken,
      safe: true,
      query: { pageOffset: String(paging.pageOffset), pageSize: String(paging.pageSize), sortOrder: paging.sortOrder },
      body: { subjectType: filters.subjectType, dateRange }
    })
    const b = body as {
      hasMore?: unknown
      isTruncated?: unknown
      permanentStorageHwmDate?: unknown
      invoices?: unknown
    } | null
    if (typeof b?.hasMore !== 'boolean' || typeof b.isTruncated !== 'boolean' || !Array.isArray(b.invoices))
      throw new KsefApiError('invalid', 200, 'invoice metadata')
    const invoices: InvoiceMetadata[] = []
    let skipped = 0
    for (const entry of b.invoices.slice(0, 1000)) {
      const parsed = invoiceMetadataOf(entry)
      if (parsed === null) skipped++
      else invoices.push(parsed)
    }
    return {
      hasMore: b.hasMore,
      isTruncated: b.isTruncated,
      permanentStorageHwmDate: instantOrNull(b.permanentStorageHwmDate),
      invoices,
      skipped
    }
  }

  /** GET /invoices/ksef/{ksefNumber}: the file's bytes as KSeF sent them, and its x-ms-meta-hash. */
  async downloadInvoice(accessToken: string, ksefNumber: string): Promise<{ bytes: Buffer; hash: string | null }> {
    const { bytes, headers } = await this.call('GET', `/invoices/ksef/${encodeURIComponent(ksefNumber)}`, {
      bearer: accessToken,
      accept: 'bytes'
    })
    const hash = headers?.get('x-ms-meta-hash') ?? null
    return { bytes: bytes ?? Buffer.alloc(0), hash: hash !== null && /^[A-Za-z0-9+/]{43}=$/.test(hash) ? hash : null }
  }

  async invoiceUpo(accessToken: string, sessionReference: string, invoiceReference: string): Promise<string> {
    const { text } = await this.call(
      'GET',
      `/sessions/${encodeURIComponent(sessionReference)}/invoices/${encodeURIComponent(invoiceReference)}/upo`,
      { bearer: accessToken, accept: 'xml' }
    )
    return text
  }
}

export interface MetadataFilters {
  subjectType: 'Subject1' | 'Subject2' | 'Subject3' | 'SubjectAuthorized'
  dateType: 'Issue' | 'Invoicing' | 'PermanentStorage'
  /** ISO 8601 with an offset */
  from: string
  /** null: KSeF takes now */
  to: string | null
  restrictToPermanentStorageHwmDate: boolean
}

/** InvoiceMetadata of open-api.json, checked; amounts in minor units (null when absurd or missing). */
export interface InvoiceMetadata {
  ksefNumber: string
  invoiceNumber: string
  issueDate: string | null
  acquisitionDate: string | null
  permanentStorageDate: string
  sellerNip: string
  sellerName: string | null
  buyerIdentifierType: string | null
  buyerIdentifier: string | null
  net: number | null
  gross: number | null
  /** "Łączna kwota VAT wyrażona w PLN" */
  vatPln: number | null
  currency: string | null
  invoiceType: string | null
  /** SHA-256 of the file, Base64 */
  invoiceHash: string | null
}

export interface MetadataPage {
  hasMore: boolean
  isTruncated: boolean
  permanentStorageHwmDate: string | null
  invoices: InvoiceMetadata[]
  /** entries left out because they did not have the shape of InvoiceMetadata */
  skipped: number
}

const KSEF_NUMBER_PATTERN =
  /^([1-9](\d[1-9]|[1-9]\d)\d{7})-(20[2-9][0-9]|2[1-9]\d{2}|[3-9]\d{3})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])-([0-9A-F]{6})-?([0-9A-F]{6})-([0-9A-F]{2})$/

function shortText(value: unknown, max: number): string | null {
  return typeof value === 'string' ? value.slice(0, max) : null
}

/** A JSON number of money (double in the spec) to minor units; null when not a sane amount. */
function minorOf(value: unknown): number | null {
  if (typeof value !== 'number' || !Number.isFinite(value) || Math.abs(value) >= 1e13) return null
  return Math.round(value * 100)
}

function invoiceMetadataOf(entry: unknown): InvoiceMetadata | null {
  const e = entry as Record<string, unknown> | null
  if (typeof e !== 'object' || e === null) return null
  const ksefNumber = e.ksefNumber
  if (typeof ksefNumber !== 'string' || !KSEF_NUMBER_PATTERN.test(ksefNumber)) return null
  const permanent = instantOrNull(e.permanentStorageDate)
  if (permanent === null) return null
  const seller = e.seller as { nip?: unknown; name?: unknown } | null
  const buyer = (e.buyer as { identifier?: { type?: unknown; value?: unknown }; name?: unknown } | null)?.identifier
  const issueDate = typeof e.issueDate === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(e.issueDate) ? e.issueDate : null
  return {
    ksefNumber,
    invoiceNumber: shortText(e.invoiceNumber, 256) ?? '',
    issueDate,
    acquisitionDate: instantOrNull(e.acquisitionDate),
    permanentStorageDate: permanent,
    sellerNip: typeof seller?.nip === 'string' && /^\d{10}$/.test(seller.nip) ? seller.nip : '',
    sellerName: shortText(seller?.name, 512),
    buyerIdentifierType: shortText(buyer?.type, 20),
    buyerIdentifier: shortText(buyer?.value, 50),
    net: minorOf(e.netAmount),
    gross: minorOf(e.grossAmount),
    vatPln: minorOf(e.vatAmount),
    currency: typeof e.currency === 'string' && /^[A-Z]{3}$/.test(e.currency) ? e.currency : null,
    invoiceType: shortText(e.invoiceType, 20),
    invoiceHash: typeof e.invoiceHash === 'string' && /^[A-Za-z0-9+/]{43}=$/.test(e.invoiceHash) ? e.invoiceHash : null
  }
}

export interface InvoiceStatus {
  code: number
  description: string
  details: string[]
  ksefNumber: string | null
  acquisitionDate: string | null
  originalKsefNumber: string | null
  originalSessionReference: string | null
}

function instantOrNull(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > 40) return null
  const ms = Date.parse(value)
  return Number.isNaN(ms) ? null : new Date(ms).toISOString()
}

function initResponse(body: unknown): { referenceNumber: string; authenticationToken: string } {
  const b = body as { referenceNumber?: unknown; authenticationToken?: { token?: unknown } } | null
  if (typeof b?.referenceNumber !== 'string' || typeof b.authenticationToken?.token !== 'string')
    throw new KsefApiError('invalid', 202, 'auth init')
  return { referenceNumber: b.referenceNumber, authenticationToken: b.authenticationToken.token }
}

function statusOf(body: unknown): { code: number; description: string } {
  const s = (body as { status?: { code?: unknown; description?: unknown } } | null)?.status
  if (typeof s?.code !== 'number') throw new KsefApiError('invalid', 200, 'status')
  return { code: s.code, description: typeof s.description === 'string' ? s.description.slice(0, 500) : '' }
}

function referenceOf(body: unknown): string {
  const ref = (body as { referenceNumber?: unknown } | null)?.referenceNumber
  if (typeof ref !== 'string' || ref.length > 64) throw new KsefApiError('invalid', 200, 'reference')
  return ref
}
