/**
 * The built-in Allegro simulator: all state (sellers, orders, events, offers, invoices, OAuth
 * grants) plus the control API tests use. HTTP lives in simulator.plugin.ts.
 *
 * Time comes only from the injected clock. History is a pure function of (seed, epoch, now):
 * initial orders are spread over the 30 days before the epoch, new ones arrive after it at
 * `ordersPerHour`, and every order follows its generated plan (filled in, paid, shipped …).
 * A restarted process with the same seed and epoch therefore serves the same orders and
 * event ids, as long as nobody used the control API in between.
 */
import { randomBytes } from 'node:crypto'
import Fastify from 'fastify'
import type { FastifyInstance } from 'fastify'
import { FaultRegistry } from './faults.ts'
import { buildCatalogue, buildHostileOffers, createBuyerPool, createRegistries, generateNip } from './generator.ts'
import type { GeneratorContext, Registries } from './generator.ts'
import { formatMinor, parseMinor, rngFor } from './random.ts'
import { DAY, OrderHistory } from './orders.ts'
import type { OrderRecord } from './orders.ts'
import allegroSimulatorPlugin from './simulator.plugin.ts'
import { OAuthServer } from './oauth.ts'
import { OfferCatalogue } from './offers.ts'
import { DEFAULT_MAX_STORED_INVOICE_BYTES, InvoiceStore } from './invoices.ts'
// the KSeF simulator's sliding-window limiter: nothing in it is KSeF-specific
import { RateLimiter, type Limit } from '../shared/rate-limits.ts'
import type { UploadFailure } from './invoices.ts'
import type { AuthCodeGrant } from './oauth.ts'
import { MAX_INVOICES_PER_ORDER } from './types.ts'
import type {
  CheckoutForm,
  CheckoutFormStatus,
  FulfillmentStatus,
  MarketplaceId,
  OrderEvent,
  OrderEventType,
  SimInvoice,
  SimOffer,
  SimSeller
} from './types.ts'
import type { CheckoutFormQuery } from './orders.ts'

export type * from './types.ts'
export type { FaultSpec } from './faults.ts'

export type { CheckoutFormQuery } from './orders.ts'

export type { AuthCodeGrant } from './oauth.ts'

export interface AllegroSimulatorOptions {
  /** Seed of all generated data; default 1. */
  seed?: number
  now?: () => Date
  /** Start of the simulated "live" period; persist it to get the same history after a restart. Default: now(). */
  epoch?: Date
  /** Orders spread over the 30 days before the epoch; default 300. */
  initialOrders?: number
  /** Average arrival rate after the epoch; default 6. 0 turns arrivals off. */
  ordersPerHour?: number
  accessTokenTtlSeconds?: number
  /** Default 90 days. */
  refreshTokenTtlSeconds?: number
  /** How long a refresh token stays usable after its first use; default 60. */
  refreshTokenGraceSeconds?: number
  /** Polling interval announced by the device endpoint (and enforced with slow_down); default 5. */
  deviceInterval?: number
  /** Default 3600. */
  deviceCodeTtlSeconds?: number
  /** Allegro's authorization codes live about 10 s. */
  authCodeTtlSeconds?: number
  /** Simulated virus scan of uploaded invoices: WAITING for this long, then ACCEPTED; default 5. */
  invoiceScanSeconds?: number
  /** Cap of all stored invoice files together; past it the oldest files' bytes are dropped. Default 64 MiB. */
  maxStoredInvoiceBytes?: number
  /** Token signing key. Pass a persisted one so tokens survive a restart; default random per process. */
  secret?: string
  /** Enables /__sim/* routes (fault and order injection over HTTP). Off by default. */
  controlRoutes?: boolean
  /** Absolute web base URL for verification_uri; default derived from each request. */
  publicBaseUrl?: string
  /**
   * Origins a redirect_uri of the authorization-code flow may have (the app that uses the
   * simulator), e.g. ['http://localhost:3000']; default: loopback addresses only (any port).
   */
  redirectOrigins?: string[]
  /** Per client address on the anonymous web host (OAuth, pages); false: none. Default WEB_RATE_LIMIT. */
  webRateLimit?: Limit | false
  /** Clock of that limit, in ms; default real time (the simulator's own clock may stand still in tests). */
  rateClock?: () => number
  /** Client addresses that limit tracks at most (least recently seen go first); default 10 000. */
  maxRateKeys?: number
  /** Reject invoice metadata with ORDER-WITHOUT-INVOICE when the buyer asked for none (reference §6 is unsure). */
  rejectInvoiceWithoutRequest?: boolean
}

export interface AddOrdersOptions {
  /** Seller login; default demo_sklep. */
  seller?: string
  hostile?: boolean
  /** boughtAt is spread uniformly over [from, to]; default the last 30 days. */
  from?: Date
  to?: Date
  /** All orders bought at this instant (overrides from/to). */
  at?: Date
  /** Forces the final status, reached at boughtAt (no later plan steps). */
  status?: CheckoutFormStatus
  invoice?: 'company' | 'person' | 'none'
  payment?: 'ONLINE' | 'CASH_ON_DELIVERY'
  marketplace?: MarketplaceId
  lineItems?: number
}

export interface UpdateOrderOptions {
  /** Event emitted for the change; default BUYER_MODIFIED; null emits none. */
  eventType?: OrderEventType | null
  /** Recompute summary.totalToPay from the lines and delivery after mutating. */
  recomputeTotal?: boolean
}

export interface SimulatorStats {
  /** "METHOD /path/pattern" (mount prefix and /api dropped) → count. */
  requests: Record<string, number>
  totalRequests: number
  /** Successful refresh_token grants. */
  tokenRefreshes: number
  /** refresh_token grant attempts, successful or not. */
  tokenRefreshAttempts: number
  accessTokensIssued: number
  deviceCodesIssued: number
  invoiceFilesUploaded: number
  faultsFired: number
}

export type OAuthError = { error: string; error_description: string }

export interface TokenResponse {
  access_token: string
  token_type: 'bearer'
  refresh_token: string
  expires_in: number
  scope: string
  allegro_api: true
  iss: string
  jti: string
}

export interface DeviceAuthorizationInfo {
  userCode: string
  clientId: string
  status: 'pending' | 'approved' | 'denied' | 'used'
  sellerLogin: string | null
  createdAt: string
  expiresAt: string
}

export interface OfferQuery {
  ids?: string[]
  name?: string
  externalIds?: string[]
  statuses?: string[]
  priceGte?: number
  priceLte?: number
  sort?: string
  offset: number
  limit: number
}

function makeSellers(): SimSeller[] {
  return [
    {
      id: '41870253',
      login: 'demo_sklep',
      password: 'demo1234',
      firstName: 'Dorota',
      lastName: 'Kwiatkowska',
      email: 'demo_sklep@symulator.allegro.invalid',
      companyName: 'Sklep Demo Dorota Kwiatkowska',
      nip: generateNip(rngFor('seller-nip', 'demo_sklep'))
    },
    {
      id: '53106384',
      login: 'inny_sklep',
      password: 'inny1234',
      firstName: 'Marek',
      lastName: 'Zieliński',
      email: 'inny_sklep@symulator.allegro.invalid',
      companyName: 'Inny Sklep Marek Zieliński',
      nip: generateNip(rngFor('seller-nip', 'inny_sklep'))
    }
  ]
}

export type ReadonlyDeep<T> = T extends (infer U)[]
  ? readonly ReadonlyDeep<U>[]
  : T extends object
    ? { readonly [K in keyof T]: ReadonlyDeep<T[K]> }
    : T

function clone<T>(value: T): T {
  return structuredClone(value)
}

/**
 * The web host answers anyone (device and authorization pages, token endpoint, buyer pages) and
 * some calls store a grant: per client address, generous for a person and the app's own polling
 * (every 5 s while connecting), far below a flood.
 */
export const WEB_RATE_LIMIT: Limit = { perSecond: 30, perMinute: 300, perHour: 3000 }

export class AllegroSimulator {
  readonly seed: number
  readonly epoch: Date
  readonly sellers: readonly SimSeller[]
  readonly faults = new FaultRegistry()
  readonly controlRoutes: boolean
  readonly publicBaseUrl: string | undefined
  /** null: loopback only */
  readonly redirectOrigins: ReadonlySet<string> | null
  /** the anonymous web host's request limit per client address (null: off) */
  readonly webLimiter: RateLimiter | null
  readonly #now: () => Date
  readonly #secret: string
  readonly #opts: Required<
    Pick<
      AllegroSimulatorOptions,
      | 'ordersPerHour'
      | 'accessTokenTtlSeconds'
      | 'refreshTokenTtlSeconds'
      | 'refreshTokenGraceSeconds'
      | 'deviceInterval'
      | 'deviceCodeTtlSeconds'
      | 'authCodeTtlSeconds'
      | 'invoiceScanSeconds'
      | 'rejectInvoiceWithoutRequest'
    >
  >

  #stats: SimulatorStats = emptyStats()

  readonly #history: OrderHistory
  readonly #registries: Registries = createRegistries()
  readonly #contexts = new Map<string, GeneratorContext>()
  readonly #offers = new OfferCatalogue()
  readonly #invoices: InvoiceStore
  #addCounter = 0

  readonly #oauth: OAuthServer

  constructor(options: AllegroSimulatorOptions = {}) {
    this.seed = options.seed ?? 1
    this.#now = options.now ?? (() => new Date())
    this.epoch = new Date((options.epoch ?? this.#now()).getTime())
    this.#secret = options.secret ?? randomBytes(32).toString('hex')
    this.controlRoutes = options.controlRoutes === true
    this.publicBaseUrl = options.publicBaseUrl?.replace(/\/+$/, '')
    this.redirectOrigins =
      options.redirectOrigins === undefined
        ? null
        : new Set(options.redirectOrigins.map((origin) => new URL(origin).origin))
    const webLimit = options.webRateLimit ?? WEB_RATE_LIMIT
    this.webLimiter =
      webLimit === false
        ? null
        : new RateLimiter({ web: webLimit }, options.rateClock ?? Date.now, { maxKeys: options.maxRateKeys })
    this.#opts = {
      ordersPerHour: options.ordersPerHour ?? 6,
      accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 43199,
      refreshTokenTtlSeconds: options.refreshTokenTtlSeconds ?? 90 * 24 * 3600,
      refreshTokenGraceSeconds: options.refreshTokenGraceSeconds ?? 60,
      deviceInterval: options.deviceInterval ?? 5,
      deviceCodeTtlSeconds: options.deviceCodeTtlSeconds ?? 3600,
      authCodeTtlSeconds: options.authCodeTtlSeconds ?? 10,
      invoiceScanSeconds: options.invoiceScanSeconds ?? 5,
      rejectInvoiceWithoutRequest: options.rejectInvoiceWithoutRequest ?? false
    }
    this.sellers = makeSellers()
    this.#invoices = new InvoiceStore({
      maxBytes: options.maxStoredInvoiceBytes ?? DEFAULT_MAX_STORED_INVOICE_BYTES,
      scanSeconds: this.#opts.invoiceScanSeconds
    })
    this.#oauth = new OAuthServer({
      nowMs: () => this.#nowMs(),
      secret: this.#secret,
      opts: this.#opts,
      stats: () => this.#stats,
      sellers: this.sellers,
      publicBaseUrl: this.publicBaseUrl
    })

    const catalogueSizes: Record<string, [number, number]> = { demo_sklep: [42, 120], inny_sklep: [8, 20] }
    for (const seller of this.sellers) {
      const [offers, pool] = catalogueSizes[seller.login] ?? [8, 20]
      const catalogue = buildCatalogue(this.seed, seller.id, offers, this.epoch)
      for (const offer of catalogue) this.#addOffer(offer)
      let hostile: SimOffer[] | null = null
      this.#contexts.set(seller.id, {
        offers: catalogue,
        buyerPool: createBuyerPool(this.seed, seller.id, pool, this.#registries),
        registries: this.#registries,
        hostileOffers: () => {
          if (hostile === null) {
            hostile = buildHostileOffers(this.seed, seller.id, this.epoch)
            for (const offer of hostile) this.#addOffer(offer)
          }
          return hostile
        }
      })
    }

    const demo = this.sellers[0]
    this.#history = new OrderHistory({
      seed: this.seed,
      epoch: this.epoch,
      nowMs: () => this.#nowMs(),
      ordersPerHour: this.#opts.ordersPerHour,
      arrivalSellerId: demo.id,
      contexts: this.#contexts,
      offers: this.#offers,
      invoices: this.#invoices
    })
    const epochMs = this.epoch.getTime()
    const initial = options.initialOrders ?? 300
    for (let i = 0; i < initial; i++) {
      const rng = rngFor(this.seed, 'init', i)
      let t: number
      // Fewer purchases at night: reject most candidate times between 0:00 and 6:59 (Polish time, roughly).
      do {
        t = epochMs - 1 - Math.floor(rng.next() * 30 * DAY)
      } while ((new Date(t).getUTCHours() + 1) % 24 < 7 && rng.chance(0.8))
      this.#history.createOrder(demo.id, rng, { boughtAtMs: t, sellerId: demo.id })
    }
    this.materialize()
  }

  // ------------------------------------------------------------------------------------------
  // Clock and history

  now(): Date {
    return this.#now()
  }

  #nowMs(): number {
    return this.#now().getTime()
  }

  /** Replays everything due up to now(): new orders, payments, shipments, cancellations. Idempotent. */
  materialize(): void {
    this.#history.materialize()
  }

  #addOffer(offer: SimOffer): void {
    this.#offers.add(offer)
  }

  // ------------------------------------------------------------------------------------------
  // Control API (tests, benchmark, /__sim routes)

  get stats(): SimulatorStats {
    return this.#stats
  }

  resetStats(): void {
    this.#stats = emptyStats()
  }

  /** Every offer of every seller (live objects: tests may read and adjust stock). */
  get offers(): SimOffer[] {
    return this.#offers.all
  }

  seller(login: string): SimSeller {
    const seller = this.sellers.find((s) => s.login === login)
    if (seller === undefined) throw new Error(`unknown seller login ${login}`)
    return seller
  }

  /**
   * Generates n orders at once (10 000 in about a second). Returns the simulator's live orders
   * as read-only views, without copying: they reflect later changes. Use getOrder() for a copy.
   */
  addOrders(n: number, opts: AddOrdersOptions = {}): ReadonlyDeep<CheckoutForm>[] {
    if (!Number.isInteger(n) || n < 0) throw new RangeError('addOrders: n must be a non-negative integer')
    this.materialize()
    const seller = this.seller(opts.seller ?? 'demo_sklep')
    const nowMs = this.#nowMs()
    const from = opts.from?.getTime() ?? nowMs - 30 * DAY
    const to = opts.to?.getTime() ?? nowMs
    if (to < from) throw new RangeError('addOrders: to is before from')
    const created: OrderRecord[] = []
    for (let i = 0; i < n; i++) {
      const rng = rngFor(this.seed, 'add', this.#addCounter++)
      const boughtAtMs = opts.at?.getTime() ?? from + Math.floor(rng.next() * (to - from + 1))
      created.push(
        this.#history.createOrder(seller.id, rng, {
          boughtAtMs,
          sellerId: seller.id,
          hostile: opts.hostile,
          status: opts.status,
          invoice: opts.invoice,
          payment: opts.payment,
          marketplace: opts.marketplace,
          lineItems: opts.lineItems
        })
      )
    }
    this.materialize()
    return created.map((rec) => rec.form)
  }

  /** Orders visible now, newest purchase first. */
  listOrders(opts: { seller?: string; status?: CheckoutFormStatus } = {}): CheckoutForm[] {
    this.materialize()
    const sellerId = opts.seller === undefined ? undefined : this.seller(opts.seller).id
    const out: OrderRecord[] = []
    for (const rec of this.#history.records()) {
      if (!rec.visible) continue
      if (sellerId !== undefined && rec.sellerId !== sellerId) continue
      if (opts.status !== undefined && rec.form.status !== opts.status) continue
      out.push(rec)
    }
    out.sort((a, b) => b.boughtAtMs - a.boughtAtMs || (a.form.id < b.form.id ? -1 : 1))
    return out.map((rec) => clone(rec.form))
  }

  getOrder(id: string): CheckoutForm | undefined {
    this.materialize()
    const rec = this.#history.record(id)
    return rec?.visible === true ? clone(rec.form) : undefined
  }

  /** Every recorded event, oldest first. */
  listEvents(opts: { seller?: string } = {}): OrderEvent[] {
    this.materialize()
    const sellerId = opts.seller === undefined ? undefined : this.seller(opts.seller).id
    return this.#history.events(sellerId).map((e) => clone(e))
  }

  /** Changes an order as Allegro would: new revision, updatedAt = now, one event. */
  updateOrder(id: string, mutate: (form: CheckoutForm) => void, opts: UpdateOrderOptions = {}): CheckoutForm {
    this.materialize()
    const rec = this.#history.record(id)
    if (rec === undefined || !rec.visible) throw new Error(`unknown order ${id}`)
    this.#history.update(
      rec,
      (form) => {
        mutate(form)
        if (opts.recomputeTotal === true) recomputeTotal(form)
      },
      opts.eventType === undefined ? 'BUYER_MODIFIED' : opts.eventType
    )
    return clone(rec.form)
  }

  cancelOrder(id: string): CheckoutForm {
    return this.updateOrder(
      id,
      (f) => {
        f.status = 'CANCELLED'
        f.fulfillment.status = 'CANCELLED'
      },
      { eventType: 'BUYER_CANCELLED' }
    )
  }

  payOrder(id: string): CheckoutForm {
    const at = this.now().toISOString()
    return this.updateOrder(
      id,
      (f) => {
        f.status = 'READY_FOR_PROCESSING'
        if (f.payment.type !== 'CASH_ON_DELIVERY') {
          f.payment.finishedAt = at
          f.payment.paidAmount = { ...f.summary.totalToPay }
        }
      },
      { eventType: 'READY_FOR_PROCESSING' }
    )
  }

  setFulfillmentStatus(id: string, status: FulfillmentStatus): CheckoutForm {
    return this.updateOrder(
      id,
      (f) => {
        f.fulfillment.status = status
        if (status === 'SENT' || status === 'PICKED_UP') f.fulfillment.shipmentSummary.lineItemsSent = 'ALL'
      },
      { eventType: 'FULFILLMENT_STATUS_CHANGED' }
    )
  }

  /**
   * Adds an event to the seller's feed exactly as given (fault injection for data Allegro's
   * description allows or that is plainly broken, e.g. without order.checkoutForm). The id and
   * occurredAt default to the next id and now.
   */
  injectEvent(raw: Record<string, unknown>, opts: { seller?: string } = {}): OrderEvent {
    this.materialize()
    return clone(this.#history.injectEvent(this.seller(opts.seller ?? 'demo_sklep').id, raw))
  }

  invoicesOf(orderId: string): SimInvoice[] {
    const rec = this.#history.record(orderId)
    return rec === undefined ? [] : this.#invoices.view(rec.invoices)
  }

  // ------------------------------------------------------------------------------------------
  // OAuth (state in oauth.ts)

  /** Invalidates every access and refresh token issued to the seller so far. */
  revokeTokens(sellerLogin: string): void {
    this.#oauth.revokeTokens(sellerLogin)
  }
  /** Makes every access token issued so far expired (refresh tokens stay valid). */
  expireAccessTokens(): void {
    this.#oauth.expireAccessTokens()
  }
  deviceAuthorizations(): DeviceAuthorizationInfo[] {
    return this.#oauth.deviceAuthorizations()
  }
  /** Approves a device code as the confirmation page would; throws with a reason on failure. */
  approveDevice(userCode: string, login: string, password: string): SimSeller {
    return this.#oauth.approveDevice(userCode, login, password)
  }
  denyDevice(userCode: string): void {
    this.#oauth.denyDevice(userCode)
  }
  findSeller(login: string, password: string): SimSeller | undefined {
    return this.#oauth.findSeller(login, password)
  }
  sellerById(id: string): SimSeller | undefined {
    return this.#oauth.sellerById(id)
  }
  authenticate(token: string): ReturnType<OAuthServer['authenticate']> {
    return this.#oauth.authenticate(token)
  }
  createDeviceAuthorization(clientId: string, scope: string[], webBaseUrl: string): Record<string, string | number> {
    return this.#oauth.createDeviceAuthorization(clientId, scope, webBaseUrl)
  }
  /** The confirmation page's logic. */
  confirmDevice(userCode: string, login: string, password: string): ReturnType<OAuthServer['confirmDevice']> {
    return this.#oauth.confirmDevice(userCode, login, password)
  }
  /** Denial from the page: only needs a valid pending code. */
  rejectDevice(userCode: string): boolean {
    return this.#oauth.rejectDevice(userCode)
  }
  pollDeviceToken(clientId: string, deviceCode: string): TokenResponse | OAuthError {
    return this.#oauth.pollDeviceToken(clientId, deviceCode)
  }
  refreshTokens(clientId: string, refreshToken: string): TokenResponse | OAuthError {
    return this.#oauth.refreshTokens(clientId, refreshToken)
  }
  createAuthorizationCode(grant: Omit<AuthCodeGrant, 'expiresAtMs'>): string {
    return this.#oauth.createAuthorizationCode(grant)
  }
  exchangeAuthorizationCode(
    clientId: string,
    code: string,
    redirectUri: string | undefined,
    codeVerifier: string | undefined
  ): TokenResponse | OAuthError {
    return this.#oauth.exchangeAuthorizationCode(clientId, code, redirectUri, codeVerifier)
  }

  // ------------------------------------------------------------------------------------------
  // HTTP-facing operations (used by simulator.plugin.ts)

  countRequest(key: string): void {
    this.#stats.totalRequests++
    this.#stats.requests[key] = (this.#stats.requests[key] ?? 0) + 1
  }

  countFault(): void {
    this.#stats.faultsFired++
  }

  // Orders

  queryCheckoutForms(
    sellerId: string,
    q: CheckoutFormQuery
  ): { checkoutForms: CheckoutForm[]; count: number; totalCount: number } {
    return this.#history.queryCheckoutForms(sellerId, q)
  }

  getCheckoutForm(sellerId: string, id: string): CheckoutForm | undefined {
    return this.#history.visibleRecord(sellerId, id)?.form
  }

  queryEvents(sellerId: string, from: number | undefined, limit: number, types: string[] | undefined): OrderEvent[] {
    return this.#history.queryEvents(sellerId, from, limit, types)
  }

  latestEvent(sellerId: string): { id: string; occurredAt: string } | null {
    return this.#history.latestEvent(sellerId)
  }

  // Invoices (state in invoices.ts)

  createInvoice(
    sellerId: string,
    orderId: string,
    fileName: string,
    invoiceNumber: string | null
  ): { ok: true; id: string } | { ok: false; reason: 'not_found' | 'limit' | 'without_invoice' } {
    const rec = this.#history.visibleRecord(sellerId, orderId)
    if (rec === undefined) return { ok: false, reason: 'not_found' }
    if (
      rec.invoices.length < MAX_INVOICES_PER_ORDER &&
      this.#opts.rejectInvoiceWithoutRequest &&
      !rec.form.invoice.required
    ) {
      return { ok: false, reason: 'without_invoice' }
    }
    return this.#invoices.create(rec.invoices, fileName, invoiceNumber, this.#nowMs())
  }

  uploadInvoiceFile(
    sellerId: string,
    orderId: string,
    invoiceId: string,
    file: Buffer
  ): { ok: true } | { ok: false; reason: 'order_not_found' | UploadFailure } {
    const rec = this.#history.visibleRecord(sellerId, orderId)
    if (rec === undefined) return { ok: false, reason: 'order_not_found' }
    const result = this.#invoices.upload(rec.invoices, invoiceId, file, this.#nowMs())
    if (result.ok) this.#stats.invoiceFilesUploaded++
    return result
  }

  invoicesResource(sellerId: string, orderId: string): Record<string, unknown> | undefined {
    const rec = this.#history.visibleRecord(sellerId, orderId)
    if (rec === undefined) return undefined
    return this.#invoices.resource(rec.invoices, this.#nowMs())
  }

  /** What the OAuth state holds now; for tests of its memory bound. */
  get heldGrants(): OAuthServer['heldGrants'] {
    return this.#oauth.heldGrants
  }

  /** Bytes of invoice files the simulator holds (bounded by maxStoredInvoiceBytes). */
  get storedInvoiceBytes(): number {
    return this.#invoices.storedBytes
  }

  // Offers (state in offers.ts)

  queryOffers(sellerId: string, q: OfferQuery): { offers: SimOffer[]; count: number; totalCount: number } {
    return this.#offers.query(sellerId, q)
  }
  findOffer(offerId: string): SimOffer | undefined {
    return this.#offers.find(offerId)
  }
  setOfferStock(offer: SimOffer, available: number): void {
    this.#offers.setStock(offer, available, this.now())
  }
}

function emptyStats(): SimulatorStats {
  return {
    requests: {},
    totalRequests: 0,
    tokenRefreshes: 0,
    tokenRefreshAttempts: 0,
    accessTokensIssued: 0,
    deviceCodesIssued: 0,
    invoiceFilesUploaded: 0,
    faultsFired: 0
  }
}

/** summary.totalToPay = Σ price × quantity + Σ additional services + delivery, in minor units. */
export function computeTotalMinor(form: ReadonlyDeep<CheckoutForm>): number {
  let total = parseMinor(form.delivery.cost.amount) ?? 0
  for (const line of form.lineItems) {
    total += (parseMinor(line.price.amount) ?? 0) * line.quantity
    for (const s of line.selectedAdditionalServices) total += parseMinor(s.price.amount) ?? 0
  }
  return total
}

function recomputeTotal(form: CheckoutForm): void {
  form.summary.totalToPay = { amount: formatMinor(computeTotalMinor(form)), currency: form.summary.totalToPay.currency }
}

export function createAllegroSimulator(options: AllegroSimulatorOptions = {}): AllegroSimulator {
  return new AllegroSimulator(options)
}

// ---------------------------------------------------------------------------------------------
// Standalone server

export interface StandaloneSimulatorOptions extends AllegroSimulatorOptions {
  port?: number
  host?: string
  /** Mount prefix; default none, so the web base is the origin. */
  prefix?: string
  /** Use an existing simulator instead of creating one from the options. */
  simulator?: AllegroSimulator
  logger?: boolean
}

export interface StandaloneSimulator {
  /** Web base URL (OAuth, confirmation page). */
  url: string
  /** API base URL (url + "/api"). */
  apiUrl: string
  simulator: AllegroSimulator
  app: FastifyInstance
  close: () => Promise<void>
}

export async function startStandaloneSimulator(options: StandaloneSimulatorOptions = {}): Promise<StandaloneSimulator> {
  const simulator = options.simulator ?? createAllegroSimulator(options)
  const prefix = (options.prefix ?? '').replace(/\/+$/, '')
  // Keep-alive sockets from fetch() must not hold close() up.
  const app = Fastify({ logger: options.logger ?? false, forceCloseConnections: true })
  await app.register(allegroSimulatorPlugin, { prefix, simulator })
  const origin = await app.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' })
  const url = origin + prefix
  return {
    url,
    apiUrl: `${url}/api`,
    simulator,
    app,
    close: async () => {
      await app.close()
    }
  }
}
