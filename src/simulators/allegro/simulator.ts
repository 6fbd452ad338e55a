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
import { randomBytes, randomInt, randomUUID, createHash } from 'node:crypto'
import Fastify from 'fastify'
import type { FastifyInstance } from 'fastify'
import { FaultRegistry } from './faults.ts'
import {
  applyPlanStep, buildCatalogue, buildHostileOffers, createBuyerPool, createRegistries, generateNip,
  generateOrder
} from './generator.ts'
import type { GeneratorContext, OrderSpec, PlanStep, PlanStepKind, Registries } from './generator.ts'
import { fnv1a, formatMinor, parseMinor, rngFor } from './random.ts'
import allegroSimulatorPlugin from './simulator.plugin.ts'
import { signToken, verifyToken } from './tokens.ts'
import type { TokenClaims } from './tokens.ts'
import { MAX_INVOICE_FILE_BYTES, MAX_INVOICES_PER_ORDER } from './types.ts'
import type {
  CheckoutForm, CheckoutFormStatus, FulfillmentStatus, MarketplaceId, OrderEvent, OrderEventType,
  SimInvoice, SimOffer, SimSeller
} from './types.ts'

export type * from './types.ts'
export type { Fault, FaultSpec, FaultFiring, FaultKind } from './faults.ts'
export { FaultRegistry } from './faults.ts'

const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR
const EVENT_RETENTION_MS = 60 * DAY
const ORDER_RETENTION_MS = 365 * DAY

export { DEFAULT_SCOPES, MAX_INVOICE_FILE_BYTES, MAX_INVOICES_PER_ORDER } from './types.ts'

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
  /** Token signing key. Pass a persisted one so tokens survive a restart; default random per process. */
  secret?: string
  /** Enables /__sim/* routes (fault and order injection over HTTP). Off by default. */
  controlRoutes?: boolean
  /** Absolute web base URL for verification_uri; default derived from each request. */
  publicBaseUrl?: string
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

export type OAuthError = { error: string, error_description: string }

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

export interface CheckoutFormQuery {
  status?: CheckoutFormStatus
  fulfillmentStatus?: string
  boughtAtGte?: number
  boughtAtLte?: number
  updatedAtGte?: number
  updatedAtLte?: number
  buyerLogin?: string
  marketplaceId?: string
  paymentId?: string
  deliveryMethodId?: string
  sort: 'lineItems.boughtAt' | '-lineItems.boughtAt' | 'updatedAt' | '-updatedAt'
  offset: number
  limit: number
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

interface OrderRecord {
  form: CheckoutForm
  sellerId: string
  boughtAtMs: number
  updatedAtMs: number
  version: number
  visible: boolean
  /** False once the control API touched the order: its remaining plan no longer applies. */
  scripted: boolean
  /** Dropped from history (older than Allegro keeps orders). */
  pruned: boolean
  invoices: StoredInvoice[]
}

interface StoredInvoice {
  id: string
  invoiceNumber: string | null
  fileName: string
  createdAtMs: number
  uploadedAtMs: number | null
  file: Buffer | null
}

interface StoredEvent {
  num: number
  sellerId: string
  occurredAtMs: number
  event: OrderEvent
}

interface PendingStep {
  at: number
  index: number
  kind: PlanStepKind
  rec: OrderRecord
}

interface DeviceGrant {
  deviceCode: string
  userCode: string
  clientId: string
  scope: string[]
  createdAtMs: number
  expiresAtMs: number
  interval: number
  lastPollMs: number | null
  status: 'pending' | 'approved' | 'denied' | 'used'
  sellerId: string | null
}

export interface AuthCodeGrant {
  clientId: string
  redirectUri: string
  sellerId: string
  scope: string[]
  expiresAtMs: number
  codeChallenge: string | null
  codeChallengeMethod: string | null
}

function stepBefore (a: PendingStep, b: PendingStep): boolean {
  if (a.at !== b.at) return a.at < b.at
  if (a.rec.boughtAtMs !== b.rec.boughtAtMs) return a.rec.boughtAtMs < b.rec.boughtAtMs
  if (a.rec.form.id !== b.rec.form.id) return a.rec.form.id < b.rec.form.id
  return a.index < b.index
}

/** Binary min-heap of plan steps, ordered by time with a deterministic tie-break. */
class StepHeap {
  #items: PendingStep[] = []

  get size (): number {
    return this.#items.length
  }

  peek (): PendingStep | undefined {
    return this.#items[0]
  }

  push (step: PendingStep): void {
    const items = this.#items
    items.push(step)
    let i = items.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!stepBefore(items[i], items[parent])) break
      ;[items[i], items[parent]] = [items[parent], items[i]]
      i = parent
    }
  }

  pop (): PendingStep | undefined {
    const items = this.#items
    const top = items[0]
    const last = items.pop()
    if (items.length > 0 && last !== undefined) {
      items[0] = last
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < items.length && stepBefore(items[l], items[m])) m = l
        if (r < items.length && stepBefore(items[r], items[m])) m = r
        if (m === i) break
        ;[items[i], items[m]] = [items[m], items[i]]
        i = m
      }
    }
    return top
  }
}

const USER_CODE_LETTERS = 'ABCDEFGHJKLMNPQRSTUVWXYZ'
const USER_CODE_DIGITS = '23456789'

function randomUserCode (): string {
  const part = (alphabet: string): string => {
    let s = ''
    for (let i = 0; i < 3; i++) s += alphabet[randomInt(alphabet.length)]
    return s
  }
  return `${part(USER_CODE_LETTERS)}-${part(USER_CODE_DIGITS)}-${part(USER_CODE_LETTERS)}`
}

/** "abc 123xyz" → "ABC-123-XYZ"; users retype codes loosely. */
export function normalizeUserCode (input: string): string {
  const raw = input.toUpperCase().replace(/[^A-Z0-9]/g, '')
  if (raw.length !== 9) return raw
  return `${raw.slice(0, 3)}-${raw.slice(3, 6)}-${raw.slice(6)}`
}

function makeSellers (): SimSeller[] {
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
  : T extends object ? { readonly [K in keyof T]: ReadonlyDeep<T[K]> } : T

function clone<T> (value: T): T {
  return structuredClone(value)
}

export class AllegroSimulator {
  readonly seed: number
  readonly epoch: Date
  readonly sellers: readonly SimSeller[]
  readonly faults = new FaultRegistry()
  readonly controlRoutes: boolean
  readonly publicBaseUrl: string | undefined
  readonly #now: () => Date
  readonly #secret: string
  readonly #opts: Required<Pick<AllegroSimulatorOptions,
    'ordersPerHour' | 'accessTokenTtlSeconds' | 'refreshTokenTtlSeconds' | 'refreshTokenGraceSeconds' |
    'deviceInterval' | 'deviceCodeTtlSeconds' | 'authCodeTtlSeconds' | 'invoiceScanSeconds' |
    'rejectInvoiceWithoutRequest'>>

  #stats: SimulatorStats = emptyStats()

  readonly #orders = new Map<string, OrderRecord>()
  readonly #sellerOrders = new Map<string, OrderRecord[]>()
  #events: StoredEvent[] = []
  readonly #sellerEvents = new Map<string, StoredEvent[]>()
  #lastPruneMs = -Infinity
  #lastEventNum = 0
  readonly #heap = new StepHeap()
  readonly #registries: Registries = createRegistries()
  readonly #contexts = new Map<string, GeneratorContext>()
  readonly #offers: SimOffer[] = []
  readonly #offerById = new Map<string, SimOffer>()
  #addCounter = 0
  #live = { nextSlot: 0, slot: -1, times: [] as number[], index: 0 }

  #lastSerial = 0
  #accessExpiredUpTo = 0
  readonly #revokedUpTo = new Map<string, number>()
  readonly #refreshFirstUse = new Map<string, number>()
  readonly #deviceGrants = new Map<string, DeviceGrant>()
  readonly #authCodes = new Map<string, AuthCodeGrant>()

  constructor (options: AllegroSimulatorOptions = {}) {
    this.seed = options.seed ?? 1
    this.#now = options.now ?? (() => new Date())
    this.epoch = new Date((options.epoch ?? this.#now()).getTime())
    this.#secret = options.secret ?? randomBytes(32).toString('hex')
    this.controlRoutes = options.controlRoutes === true
    this.publicBaseUrl = options.publicBaseUrl?.replace(/\/+$/, '')
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
    const epochMs = this.epoch.getTime()
    const initial = options.initialOrders ?? 300
    for (let i = 0; i < initial; i++) {
      const rng = rngFor(this.seed, 'init', i)
      let t: number
      // Fewer purchases at night: reject most candidate times between 0:00 and 6:59 (Polish time, roughly).
      do {
        t = epochMs - 1 - Math.floor(rng.next() * 30 * DAY)
      } while (((new Date(t).getUTCHours() + 1) % 24) < 7 && rng.chance(0.8))
      this.#createOrder(demo.id, rng, { boughtAtMs: t, sellerId: demo.id })
    }
    this.materialize()
  }

  // ------------------------------------------------------------------------------------------
  // Clock and history

  now (): Date {
    return this.#now()
  }

  #nowMs (): number {
    return this.#now().getTime()
  }

  /** Replays everything due up to now(): new orders, payments, shipments, cancellations. Idempotent. */
  materialize (): void {
    const nowMs = this.#nowMs()
    for (;;) {
      const arrival = this.#peekArrival(nowMs)
      const top = this.#heap.peek()
      if (arrival !== null && (top === undefined || arrival <= top.at)) {
        this.#takeArrival(arrival)
        continue
      }
      if (top !== undefined && top.at <= nowMs) {
        this.#heap.pop()
        this.#applyStep(top)
        continue
      }
      break
    }
    if (nowMs - this.#lastPruneMs >= DAY) this.#prune(nowMs)
  }

  /** Keeps memory bounded in a long-running app: Allegro itself forgets events after 60 days and orders after about a year. */
  #prune (nowMs: number): void {
    this.#lastPruneMs = nowMs
    const eventCutoff = nowMs - EVENT_RETENTION_MS
    const keep = (e: StoredEvent): boolean => e.occurredAtMs >= eventCutoff
    this.#events = this.#events.filter(keep)
    for (const [sellerId, events] of this.#sellerEvents) this.#sellerEvents.set(sellerId, events.filter(keep))
    const orderCutoff = nowMs - ORDER_RETENTION_MS
    let dropped = false
    for (const [id, rec] of this.#orders) {
      if (rec.visible && rec.boughtAtMs < orderCutoff) {
        rec.pruned = true
        this.#orders.delete(id)
        dropped = true
      }
    }
    if (dropped) for (const [sellerId, recs] of this.#sellerOrders) this.#sellerOrders.set(sellerId, recs.filter((r) => !r.pruned))
  }

  #peekArrival (nowMs: number): number | null {
    if (this.#opts.ordersPerHour <= 0) return null
    const live = this.#live
    while (live.index >= live.times.length) {
      const start = this.epoch.getTime() + live.nextSlot * HOUR
      if (start > nowMs) return null
      const rng = rngFor(this.seed, 'slot', live.nextSlot)
      const count = rng.poisson(this.#opts.ordersPerHour)
      const times: number[] = []
      for (let i = 0; i < count; i++) times.push(start + Math.floor(rng.next() * HOUR))
      times.sort((a, b) => a - b)
      live.slot = live.nextSlot
      live.nextSlot++
      live.times = times
      live.index = 0
    }
    const t = live.times[live.index]
    return t <= nowMs ? t : null
  }

  #takeArrival (at: number): void {
    const live = this.#live
    const rng = rngFor(this.seed, 'live', live.slot, live.index)
    live.index++
    const demo = this.sellers[0]
    this.#createOrder(demo.id, rng, { boughtAtMs: at, sellerId: demo.id })
  }

  #createOrder (sellerId: string, rng: ReturnType<typeof rngFor>, spec: OrderSpec): OrderRecord {
    const ctx = this.#contexts.get(sellerId)
    if (ctx === undefined) throw new Error(`unknown seller id ${sellerId}`)
    const { form, plan } = generateOrder(ctx, rng, spec)
    const rec: OrderRecord = {
      form,
      sellerId,
      boughtAtMs: spec.boughtAtMs,
      updatedAtMs: spec.boughtAtMs,
      version: 0,
      visible: false,
      scripted: true,
      pruned: false,
      invoices: []
    }
    if (this.#orders.has(form.id)) throw new Error(`duplicate order id ${form.id}`)
    this.#orders.set(form.id, rec)
    plan.forEach((step: PlanStep, index) => this.#heap.push({ at: step.at, index, kind: step.kind, rec }))
    return rec
  }

  #applyStep (step: PendingStep): void {
    const rec = step.rec
    if (rec.pruned) return
    if (step.kind === 'bought') {
      rec.visible = true
      let list = this.#sellerOrders.get(rec.sellerId)
      if (list === undefined) this.#sellerOrders.set(rec.sellerId, list = [])
      list.push(rec)
      for (const line of rec.form.lineItems) {
        const offer = this.#offerById.get(line.offer.id)
        if (offer !== undefined) {
          offer.stock.available = Math.max(0, offer.stock.available - line.quantity)
          offer.stock.sold += line.quantity
        }
      }
    } else if (!rec.scripted) {
      return
    }
    const type = applyPlanStep(rec.form, step.kind, step.at)
    this.#touch(rec, step.at)
    if (type !== null) this.#emit(rec, type, step.at)
  }

  #touch (rec: OrderRecord, atMs: number): void {
    const previous = rec.form.revision
    rec.version++
    let revision = fnv1a(`${this.seed}:${rec.form.id}:${rec.version}`).toString(16).padStart(8, '0')
    if (revision === previous) revision = fnv1a(`${revision}!`).toString(16).padStart(8, '0')
    rec.form.revision = revision
    if (atMs > rec.updatedAtMs) {
      rec.updatedAtMs = atMs
      rec.form.updatedAt = new Date(atMs).toISOString()
    }
  }

  #emit (rec: OrderRecord, type: OrderEventType, atMs: number): void {
    // Ids look like Allegro's (microsecond-ish timestamps) but are strictly increasing in the
    // order events are recorded, so "after cursor" never skips an event recorded later.
    const num = Math.max(this.#lastEventNum + 1, atMs * 1000)
    this.#lastEventNum = num
    const f = rec.form
    const event: OrderEvent = {
      id: String(num),
      type,
      occurredAt: new Date(atMs).toISOString(),
      order: {
        seller: { id: rec.sellerId },
        buyer: {
          id: f.buyer.id,
          email: f.buyer.email,
          login: f.buyer.login,
          guest: f.buyer.guest,
          preferences: { language: f.buyer.preferences.language }
        },
        lineItems: f.lineItems.map((l) => ({
          id: l.id,
          offer: { id: l.offer.id, name: l.offer.name, external: l.offer.external === null ? null : { id: l.offer.external.id } },
          quantity: l.quantity,
          originalPrice: { ...l.originalPrice },
          price: { ...l.price },
          boughtAt: l.boughtAt
        })),
        checkoutForm: { id: f.id, revision: f.revision },
        marketplace: { id: f.marketplace.id }
      }
    }
    const stored: StoredEvent = { num, sellerId: rec.sellerId, occurredAtMs: atMs, event }
    this.#events.push(stored)
    let list = this.#sellerEvents.get(rec.sellerId)
    if (list === undefined) this.#sellerEvents.set(rec.sellerId, list = [])
    list.push(stored)
  }

  #addOffer (offer: SimOffer): void {
    this.#offers.push(offer)
    this.#offerById.set(offer.id, offer)
  }

  // ------------------------------------------------------------------------------------------
  // Control API (tests, benchmark, /__sim routes)

  get stats (): SimulatorStats {
    return this.#stats
  }

  resetStats (): void {
    this.#stats = emptyStats()
  }

  /** Every offer of every seller (live objects: tests may read and adjust stock). */
  get offers (): SimOffer[] {
    return this.#offers
  }

  seller (login: string): SimSeller {
    const seller = this.sellers.find((s) => s.login === login)
    if (seller === undefined) throw new Error(`unknown seller login ${login}`)
    return seller
  }

  /**
   * Generates n orders at once (10 000 in about a second). Returns the simulator's live orders
   * as read-only views, without copying: they reflect later changes. Use getOrder() for a copy.
   */
  addOrders (n: number, opts: AddOrdersOptions = {}): ReadonlyDeep<CheckoutForm>[] {
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
      created.push(this.#createOrder(seller.id, rng, {
        boughtAtMs,
        sellerId: seller.id,
        hostile: opts.hostile,
        status: opts.status,
        invoice: opts.invoice,
        payment: opts.payment,
        marketplace: opts.marketplace,
        lineItems: opts.lineItems
      }))
    }
    this.materialize()
    return created.map((rec) => rec.form)
  }

  /** Orders visible now, newest purchase first. */
  listOrders (opts: { seller?: string, status?: CheckoutFormStatus } = {}): CheckoutForm[] {
    this.materialize()
    const sellerId = opts.seller === undefined ? undefined : this.seller(opts.seller).id
    const out: OrderRecord[] = []
    for (const rec of this.#orders.values()) {
      if (!rec.visible) continue
      if (sellerId !== undefined && rec.sellerId !== sellerId) continue
      if (opts.status !== undefined && rec.form.status !== opts.status) continue
      out.push(rec)
    }
    out.sort((a, b) => b.boughtAtMs - a.boughtAtMs || (a.form.id < b.form.id ? -1 : 1))
    return out.map((rec) => clone(rec.form))
  }

  getOrder (id: string): CheckoutForm | undefined {
    this.materialize()
    const rec = this.#orders.get(id)
    return rec?.visible === true ? clone(rec.form) : undefined
  }

  /** Every recorded event, oldest first. */
  listEvents (opts: { seller?: string } = {}): OrderEvent[] {
    this.materialize()
    const list = opts.seller === undefined ? this.#events : this.#sellerEvents.get(this.seller(opts.seller).id) ?? []
    return list.map((e) => clone(e.event))
  }

  /** Changes an order as Allegro would: new revision, updatedAt = now, one event. */
  updateOrder (id: string, mutate: (form: CheckoutForm) => void, opts: UpdateOrderOptions = {}): CheckoutForm {
    this.materialize()
    const rec = this.#orders.get(id)
    if (rec === undefined || !rec.visible) throw new Error(`unknown order ${id}`)
    rec.scripted = false
    mutate(rec.form)
    if (opts.recomputeTotal === true) recomputeTotal(rec.form)
    const nowMs = this.#nowMs()
    this.#touch(rec, nowMs)
    const type = opts.eventType === undefined ? 'BUYER_MODIFIED' : opts.eventType
    if (type !== null) this.#emit(rec, type, nowMs)
    return clone(rec.form)
  }

  cancelOrder (id: string): CheckoutForm {
    return this.updateOrder(id, (f) => {
      f.status = 'CANCELLED'
      f.fulfillment.status = 'CANCELLED'
    }, { eventType: 'BUYER_CANCELLED' })
  }

  payOrder (id: string): CheckoutForm {
    const at = this.now().toISOString()
    return this.updateOrder(id, (f) => {
      f.status = 'READY_FOR_PROCESSING'
      if (f.payment.type !== 'CASH_ON_DELIVERY') {
        f.payment.finishedAt = at
        f.payment.paidAmount = { ...f.summary.totalToPay }
      }
    }, { eventType: 'READY_FOR_PROCESSING' })
  }

  setFulfillmentStatus (id: string, status: FulfillmentStatus): CheckoutForm {
    return this.updateOrder(id, (f) => {
      f.fulfillment.status = status
      if (status === 'SENT' || status === 'PICKED_UP') f.fulfillment.shipmentSummary.lineItemsSent = 'ALL'
    }, { eventType: 'FULFILLMENT_STATUS_CHANGED' })
  }

  invoicesOf (orderId: string): SimInvoice[] {
    const rec = this.#orders.get(orderId)
    if (rec === undefined) return []
    return rec.invoices.map((inv) => ({
      id: inv.id,
      invoiceNumber: inv.invoiceNumber,
      fileName: inv.fileName,
      createdAt: new Date(inv.createdAtMs).toISOString(),
      uploadedAt: inv.uploadedAtMs === null ? null : new Date(inv.uploadedAtMs).toISOString(),
      file: inv.file
    }))
  }

  /** Invalidates every access and refresh token issued to the seller so far. */
  revokeTokens (sellerLogin: string): void {
    const seller = this.seller(sellerLogin)
    this.#revokedUpTo.set(seller.id, this.#serialCutoff())
  }

  /** Makes every access token issued so far expired (refresh tokens stay valid). */
  expireAccessTokens (): void {
    this.#accessExpiredUpTo = this.#serialCutoff()
  }

  deviceAuthorizations (): DeviceAuthorizationInfo[] {
    return [...this.#deviceGrants.values()].map((g) => ({
      userCode: g.userCode,
      clientId: g.clientId,
      status: g.status,
      sellerLogin: g.sellerId === null ? null : this.#sellerById(g.sellerId)?.login ?? null,
      createdAt: new Date(g.createdAtMs).toISOString(),
      expiresAt: new Date(g.expiresAtMs).toISOString()
    }))
  }

  /** Approves a device code as the confirmation page would; throws with a reason on failure. */
  approveDevice (userCode: string, login: string, password: string): SimSeller {
    const result = this.confirmDevice(userCode, login, password)
    if (!result.ok) throw new Error(`approveDevice: ${result.reason}`)
    return result.seller
  }

  denyDevice (userCode: string): void {
    const grant = this.#grantByUserCode(userCode)
    if (grant === undefined || grant.status !== 'pending') throw new Error('denyDevice: unknown_code')
    grant.status = 'denied'
  }

  // ------------------------------------------------------------------------------------------
  // HTTP-facing operations (used by simulator.plugin.ts)

  countRequest (key: string): void {
    this.#stats.totalRequests++
    this.#stats.requests[key] = (this.#stats.requests[key] ?? 0) + 1
  }

  countFault (): void {
    this.#stats.faultsFired++
  }

  findSeller (login: string, password: string): SimSeller | undefined {
    return this.sellers.find((s) => s.login === login && s.password === password)
  }

  #sellerById (id: string): SimSeller | undefined {
    return this.sellers.find((s) => s.id === id)
  }

  sellerById (id: string): SimSeller | undefined {
    return this.#sellerById(id)
  }

  #serialCutoff (): number {
    // Also covers tokens a previous process issued at or before this moment.
    const cutoff = Math.max(this.#lastSerial, this.#nowMs() * 1000 + 999)
    this.#lastSerial = cutoff
    return cutoff
  }

  #issueTokens (sellerId: string, clientId: string, scope: string[]): TokenResponse {
    const nowMs = this.#nowMs()
    const sn = Math.max(this.#lastSerial + 1, nowMs * 1000)
    this.#lastSerial = sn
    const iat = Math.floor(nowMs / 1000)
    const jti = randomUUID()
    const iss = 'https://symulator.allegro.invalid'
    const access: TokenClaims = {
      typ: 'access', user_name: sellerId, client_id: clientId, scope, iat,
      exp: iat + this.#opts.accessTokenTtlSeconds, jti, sn, allegro_api: true, iss
    }
    const refresh: TokenClaims = {
      ...access, typ: 'refresh', exp: iat + this.#opts.refreshTokenTtlSeconds, jti: randomUUID()
    }
    this.#stats.accessTokensIssued++
    return {
      access_token: signToken(access, this.#secret),
      token_type: 'bearer',
      refresh_token: signToken(refresh, this.#secret),
      expires_in: this.#opts.accessTokenTtlSeconds,
      scope: scope.join(' '),
      allegro_api: true,
      iss,
      jti
    }
  }

  authenticate (token: string): { ok: true, seller: SimSeller, clientId: string, scope: string[] } | { ok: false, description: string } {
    const claims = verifyToken(token, this.#secret)
    if (claims === null || claims.typ !== 'access') return { ok: false, description: 'Invalid access token' }
    const seller = this.#sellerById(claims.user_name)
    if (seller === undefined) return { ok: false, description: 'Invalid access token' }
    if (this.#nowMs() >= claims.exp * 1000 || claims.sn <= this.#accessExpiredUpTo) {
      return { ok: false, description: `Access token expired: ${token.slice(-12)}` }
    }
    if (claims.sn <= (this.#revokedUpTo.get(seller.id) ?? 0)) return { ok: false, description: 'Access token revoked' }
    return { ok: true, seller, clientId: claims.client_id, scope: claims.scope }
  }

  createDeviceAuthorization (clientId: string, scope: string[], webBaseUrl: string): Record<string, string | number> {
    const nowMs = this.#nowMs()
    let userCode = randomUserCode()
    while (this.#grantByUserCode(userCode) !== undefined) userCode = randomUserCode()
    const grant: DeviceGrant = {
      deviceCode: randomBytes(24).toString('base64url'),
      userCode,
      clientId,
      scope,
      createdAtMs: nowMs,
      expiresAtMs: nowMs + this.#opts.deviceCodeTtlSeconds * 1000,
      interval: this.#opts.deviceInterval,
      lastPollMs: null,
      status: 'pending',
      sellerId: null
    }
    this.#deviceGrants.set(grant.deviceCode, grant)
    this.#stats.deviceCodesIssued++
    const verificationUri = `${this.publicBaseUrl ?? webBaseUrl}/skojarz-aplikacje`
    return {
      device_code: grant.deviceCode,
      expires_in: this.#opts.deviceCodeTtlSeconds,
      user_code: userCode,
      interval: grant.interval,
      verification_uri: verificationUri,
      verification_uri_complete: `${verificationUri}?code=${encodeURIComponent(userCode)}`
    }
  }

  #grantByUserCode (userCode: string): DeviceGrant | undefined {
    const code = normalizeUserCode(userCode)
    for (const grant of this.#deviceGrants.values()) if (grant.userCode === code) return grant
    return undefined
  }

  /** The confirmation page's logic. */
  confirmDevice (userCode: string, login: string, password: string):
    { ok: true, seller: SimSeller } | { ok: false, reason: 'unknown_code' | 'expired' | 'used' | 'bad_credentials' } {
    const grant = this.#grantByUserCode(userCode)
    if (grant === undefined) return { ok: false, reason: 'unknown_code' }
    if (this.#nowMs() >= grant.expiresAtMs) return { ok: false, reason: 'expired' }
    if (grant.status !== 'pending') return { ok: false, reason: 'used' }
    const seller = this.findSeller(login, password)
    if (seller === undefined) return { ok: false, reason: 'bad_credentials' }
    grant.status = 'approved'
    grant.sellerId = seller.id
    return { ok: true, seller }
  }

  /** Denial from the page: only needs a valid pending code. */
  rejectDevice (userCode: string): boolean {
    const grant = this.#grantByUserCode(userCode)
    if (grant === undefined || grant.status !== 'pending' || this.#nowMs() >= grant.expiresAtMs) return false
    grant.status = 'denied'
    return true
  }

  pollDeviceToken (clientId: string, deviceCode: string): TokenResponse | OAuthError {
    const grant = this.#deviceGrants.get(deviceCode)
    const nowMs = this.#nowMs()
    if (grant === undefined || grant.clientId !== clientId) {
      return { error: 'invalid_grant', error_description: 'Invalid device code' }
    }
    if (grant.status === 'used') return { error: 'invalid_grant', error_description: 'Device code already used' }
    if (nowMs >= grant.expiresAtMs) return { error: 'expired_token', error_description: 'Device code expired' }
    if (grant.status === 'denied') return { error: 'access_denied', error_description: 'User denied access' }
    if (grant.status === 'approved' && grant.sellerId !== null) {
      grant.status = 'used'
      return this.#issueTokens(grant.sellerId, grant.clientId, grant.scope)
    }
    if (grant.lastPollMs !== null && nowMs - grant.lastPollMs < grant.interval * 1000) {
      grant.lastPollMs = nowMs
      // RFC 8628 §3.5: every slow_down adds 5 seconds to the interval.
      grant.interval += 5
      return { error: 'slow_down', error_description: 'Polling too frequently' }
    }
    grant.lastPollMs = nowMs
    return { error: 'authorization_pending', error_description: 'Authorization pending' }
  }

  refreshTokens (clientId: string, refreshToken: string): TokenResponse | OAuthError {
    this.#stats.tokenRefreshAttempts++
    const invalid = (why: string): OAuthError => ({ error: 'invalid_grant', error_description: `Invalid refresh token (${why})` })
    const claims = verifyToken(refreshToken, this.#secret)
    if (claims === null || claims.typ !== 'refresh') return invalid('malformed')
    if (claims.client_id !== clientId) return invalid('client mismatch')
    const seller = this.#sellerById(claims.user_name)
    if (seller === undefined) return invalid('unknown user')
    const nowMs = this.#nowMs()
    if (nowMs >= claims.exp * 1000) return invalid('expired')
    if (claims.sn <= (this.#revokedUpTo.get(seller.id) ?? 0)) return invalid('revoked')
    const firstUse = this.#refreshFirstUse.get(claims.jti)
    if (firstUse !== undefined && nowMs - firstUse > this.#opts.refreshTokenGraceSeconds * 1000) return invalid('already used')
    if (firstUse === undefined) this.#refreshFirstUse.set(claims.jti, nowMs)
    this.#stats.tokenRefreshes++
    return this.#issueTokens(seller.id, clientId, claims.scope)
  }

  createAuthorizationCode (grant: Omit<AuthCodeGrant, 'expiresAtMs'>): string {
    const code = randomBytes(24).toString('base64url')
    this.#authCodes.set(code, { ...grant, expiresAtMs: this.#nowMs() + this.#opts.authCodeTtlSeconds * 1000 })
    return code
  }

  exchangeAuthorizationCode (clientId: string, code: string, redirectUri: string | undefined, codeVerifier: string | undefined): TokenResponse | OAuthError {
    const grant = this.#authCodes.get(code)
    const invalid: OAuthError = { error: 'invalid_grant', error_description: `Invalid authorization code: ${code.slice(0, 8)}` }
    if (grant === undefined) return invalid
    // Single use, even when the exchange fails.
    this.#authCodes.delete(code)
    if (grant.clientId !== clientId || this.#nowMs() >= grant.expiresAtMs) return invalid
    if (redirectUri !== grant.redirectUri) return { error: 'invalid_grant', error_description: 'Redirect URI mismatch' }
    if (grant.codeChallenge !== null) {
      if (codeVerifier === undefined || codeVerifier.length < 43 || codeVerifier.length > 128) {
        return { error: 'invalid_grant', error_description: 'Invalid code verifier' }
      }
      const computed = grant.codeChallengeMethod === 'S256'
        ? createHash('sha256').update(codeVerifier).digest('base64url')
        : codeVerifier
      if (computed !== grant.codeChallenge) return { error: 'invalid_grant', error_description: 'Invalid code verifier' }
    }
    return this.#issueTokens(grant.sellerId, clientId, grant.scope)
  }

  // Orders

  queryCheckoutForms (sellerId: string, q: CheckoutFormQuery): { checkoutForms: CheckoutForm[], count: number, totalCount: number } {
    const all = this.#sellerOrders.get(sellerId) ?? []
    const matching = all.filter((rec) => {
      const f = rec.form
      if (q.status !== undefined && f.status !== q.status) return false
      if (q.fulfillmentStatus !== undefined && f.fulfillment.status !== q.fulfillmentStatus) return false
      if (q.boughtAtGte !== undefined && rec.boughtAtMs < q.boughtAtGte) return false
      if (q.boughtAtLte !== undefined && rec.boughtAtMs > q.boughtAtLte) return false
      if (q.updatedAtGte !== undefined && rec.updatedAtMs < q.updatedAtGte) return false
      if (q.updatedAtLte !== undefined && rec.updatedAtMs > q.updatedAtLte) return false
      if (q.buyerLogin !== undefined && f.buyer.login !== q.buyerLogin) return false
      if (q.marketplaceId !== undefined && f.marketplace.id !== q.marketplaceId) return false
      if (q.paymentId !== undefined && f.payment.id !== q.paymentId) return false
      if (q.deliveryMethodId !== undefined && f.delivery.method.id !== q.deliveryMethodId) return false
      return true
    })
    const byUpdated = q.sort === 'updatedAt' || q.sort === '-updatedAt'
    const desc = q.sort.startsWith('-')
    const keyOf = (rec: OrderRecord): number => (byUpdated ? rec.updatedAtMs : rec.boughtAtMs)
    // Ties are broken by id so that paging with offset is stable.
    matching.sort((a, b) => {
      const d = keyOf(a) - keyOf(b)
      if (d !== 0) return desc ? -d : d
      return a.form.id < b.form.id ? -1 : a.form.id > b.form.id ? 1 : 0
    })
    const page = matching.slice(q.offset, q.offset + q.limit).map((rec) => rec.form)
    return { checkoutForms: page, count: page.length, totalCount: matching.length }
  }

  getCheckoutForm (sellerId: string, id: string): CheckoutForm | undefined {
    const rec = this.#orders.get(id)
    if (rec === undefined || !rec.visible || rec.sellerId !== sellerId) return undefined
    return rec.form
  }

  queryEvents (sellerId: string, from: number | undefined, limit: number, types: string[] | undefined): OrderEvent[] {
    const list = this.#sellerEvents.get(sellerId) ?? []
    const retentionStart = this.#nowMs() - EVENT_RETENTION_MS
    let lo = 0
    if (from !== undefined) {
      let hi = list.length
      while (lo < hi) {
        const mid = (lo + hi) >> 1
        if (list[mid].num <= from) lo = mid + 1
        else hi = mid
      }
    }
    const out: OrderEvent[] = []
    for (let i = lo; i < list.length && out.length < limit; i++) {
      const e = list[i]
      if (e.occurredAtMs < retentionStart) continue
      if (types !== undefined && !types.includes(e.event.type)) continue
      out.push(e.event)
    }
    return out
  }

  latestEvent (sellerId: string): { id: string, occurredAt: string } | null {
    const list = this.#sellerEvents.get(sellerId) ?? []
    const last = list[list.length - 1]
    return last === undefined ? null : { id: last.event.id, occurredAt: last.event.occurredAt }
  }

  // Invoices

  createInvoice (sellerId: string, orderId: string, fileName: string, invoiceNumber: string | null):
    { ok: true, id: string } | { ok: false, reason: 'not_found' | 'limit' | 'without_invoice' } {
    const rec = this.#orders.get(orderId)
    if (rec === undefined || !rec.visible || rec.sellerId !== sellerId) return { ok: false, reason: 'not_found' }
    if (rec.invoices.length >= MAX_INVOICES_PER_ORDER) return { ok: false, reason: 'limit' }
    if (this.#opts.rejectInvoiceWithoutRequest && !rec.form.invoice.required) return { ok: false, reason: 'without_invoice' }
    const id = randomUUID()
    rec.invoices.push({ id, invoiceNumber, fileName, createdAtMs: this.#nowMs(), uploadedAtMs: null, file: null })
    return { ok: true, id }
  }

  uploadInvoiceFile (sellerId: string, orderId: string, invoiceId: string, file: Buffer):
    { ok: true } | { ok: false, reason: 'order_not_found' | 'invoice_not_found' | 'conflict' | 'empty' | 'too_large' | 'not_pdf' } {
    const rec = this.#orders.get(orderId)
    if (rec === undefined || !rec.visible || rec.sellerId !== sellerId) return { ok: false, reason: 'order_not_found' }
    const invoice = rec.invoices.find((i) => i.id === invoiceId)
    if (invoice === undefined) return { ok: false, reason: 'invoice_not_found' }
    if (invoice.file !== null) return { ok: false, reason: 'conflict' }
    if (file.length === 0) return { ok: false, reason: 'empty' }
    if (file.length > MAX_INVOICE_FILE_BYTES) return { ok: false, reason: 'too_large' }
    if (file.subarray(0, 4).toString('latin1') !== '%PDF') return { ok: false, reason: 'not_pdf' }
    invoice.file = Buffer.from(file)
    invoice.uploadedAtMs = this.#nowMs()
    this.#stats.invoiceFilesUploaded++
    return { ok: true }
  }

  invoicesResource (sellerId: string, orderId: string): Record<string, unknown> | undefined {
    const rec = this.#orders.get(orderId)
    if (rec === undefined || !rec.visible || rec.sellerId !== sellerId) return undefined
    const nowMs = this.#nowMs()
    const scanMs = this.#opts.invoiceScanSeconds * 1000
    return {
      invoices: rec.invoices.map((inv) => {
        let securityVerification: { status: string, verifiedAt: string | null } | null = null
        if (inv.uploadedAtMs !== null && inv.file !== null) {
          const done = nowMs - inv.uploadedAtMs >= scanMs
          // The EICAR test string lets tests exercise a rejected scan.
          const infected = inv.file.includes('EICAR-STANDARD-ANTIVIRUS-TEST-FILE')
          securityVerification = done
            ? { status: infected ? 'REJECTED' : 'ACCEPTED', verifiedAt: new Date(inv.uploadedAtMs + scanMs).toISOString() }
            : { status: 'WAITING', verifiedAt: null }
        }
        return {
          id: inv.id,
          invoiceNumber: inv.invoiceNumber,
          createdAt: new Date(inv.createdAtMs).toISOString(),
          file: {
            name: inv.fileName,
            uploadedAt: inv.uploadedAtMs === null ? null : new Date(inv.uploadedAtMs).toISOString(),
            securityVerification,
            verification: { status: 'NOT_APPLICABLE', details: [] }
          }
        }
      }),
      links: [],
      hasExternalInvoices: false,
      orderMode: 'REGULAR'
    }
  }

  // Offers

  queryOffers (sellerId: string, q: OfferQuery): { offers: SimOffer[], count: number, totalCount: number } {
    const needle = q.name?.toLocaleLowerCase('pl')
    const matching = this.#offers.filter((o) => {
      if (o.sellerId !== sellerId) return false
      if (q.ids !== undefined && !q.ids.includes(o.id)) return false
      if (needle !== undefined && !o.name.toLocaleLowerCase('pl').includes(needle)) return false
      if (q.externalIds !== undefined && (o.external === null || !q.externalIds.includes(o.external.id))) return false
      if (q.statuses !== undefined && !q.statuses.includes(o.publication.status)) return false
      const price = parseMinor(o.price.amount) ?? 0
      if (q.priceGte !== undefined && price < q.priceGte) return false
      if (q.priceLte !== undefined && price > q.priceLte) return false
      return true
    })
    // Default: newest first, i.e. the reverse of creation order.
    matching.reverse()
    if (q.sort !== undefined) {
      const desc = q.sort.startsWith('-')
      const field = desc ? q.sort.slice(1) : q.sort
      const key = (o: SimOffer): number =>
        field === 'sellingMode.price.amount' ? parseMinor(o.price.amount) ?? 0
          : field === 'stock.sold' ? o.stock.sold
            : o.stock.available
      matching.sort((a, b) => (desc ? key(b) - key(a) : key(a) - key(b)))
    }
    const page = matching.slice(q.offset, q.offset + q.limit)
    return { offers: page, count: page.length, totalCount: matching.length }
  }

  findOffer (offerId: string): SimOffer | undefined {
    return this.#offerById.get(offerId)
  }

  setOfferStock (offer: SimOffer, available: number): void {
    offer.stock.available = available
    // Allegro ends an active offer whose stock drops to zero.
    if (available === 0 && offer.publication.status === 'ACTIVE') {
      offer.publication.status = 'ENDED'
      offer.publication.endedAt = this.now().toISOString()
    }
  }
}

function emptyStats (): SimulatorStats {
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
export function computeTotalMinor (form: ReadonlyDeep<CheckoutForm>): number {
  let total = parseMinor(form.delivery.cost.amount) ?? 0
  for (const line of form.lineItems) {
    total += (parseMinor(line.price.amount) ?? 0) * line.quantity
    for (const s of line.selectedAdditionalServices) total += parseMinor(s.price.amount) ?? 0
  }
  return total
}

function recomputeTotal (form: CheckoutForm): void {
  form.summary.totalToPay = { amount: formatMinor(computeTotalMinor(form)), currency: form.summary.totalToPay.currency }
}

export function createAllegroSimulator (options: AllegroSimulatorOptions = {}): AllegroSimulator {
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

export async function startStandaloneSimulator (options: StandaloneSimulatorOptions = {}): Promise<StandaloneSimulator> {
  const simulator = options.simulator ?? createAllegroSimulator(options)
  const prefix = (options.prefix ?? '').replace(/\/+$/, '')
  // Keep-alive sockets from fetch() must not hold close() up.
  const app = Fastify({ logger: options.logger ?? false, forceCloseConnections: true })
  await app.register(allegroSimulatorPlugin, { prefix, simulator })
  const origin = await app.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' })
  const url = origin + prefix
  return { url, apiUrl: `${url}/api`, simulator, app, close: async () => { await app.close() } }
}
