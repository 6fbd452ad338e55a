/**
 * The simulator's orders and order events: the generated history (initial orders, live
 * arrivals, each order's plan of steps), the listing and event feed with Allegro's filters,
 * and retention (Allegro forgets events after 60 days and orders after about a year).
 *
 * Time comes only from the injected clock; history is a pure function of (seed, epoch, now).
 */
import { applyPlanStep, generateOrder } from './generator.ts'
import type { GeneratorContext, OrderSpec, PlanStep, PlanStepKind } from './generator.ts'
import type { InvoiceStore, StoredInvoice } from './invoices.ts'
import type { OfferCatalogue } from './offers.ts'
import { fnv1a, rngFor } from './random.ts'
import type { CheckoutForm, CheckoutFormStatus, OrderEvent, OrderEventType } from './types.ts'

const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE
export const DAY = 24 * HOUR
const EVENT_RETENTION_MS = 60 * DAY
const ORDER_RETENTION_MS = 365 * DAY

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

export interface OrderRecord {
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

function stepBefore(a: PendingStep, b: PendingStep): boolean {
  if (a.at !== b.at) return a.at < b.at
  if (a.rec.boughtAtMs !== b.rec.boughtAtMs) return a.rec.boughtAtMs < b.rec.boughtAtMs
  if (a.rec.form.id !== b.rec.form.id) return a.rec.form.id < b.rec.form.id
  return a.index < b.index
}

/** Binary min-heap of plan steps, ordered by time with a deterministic tie-break. */
class StepHeap {
  #items: PendingStep[] = []

  get size(): number {
    return this.#items.length
  }

  peek(): PendingStep | undefined {
    return this.#items[0]
  }

  push(step: PendingStep): void {
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

  pop(): PendingStep | undefined {
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

export interface OrderHistoryDeps {
  seed: number
  epoch: Date
  nowMs: () => number
  /** Average arrival rate after the epoch; 0 turns arrivals off. */
  ordersPerHour: number
  /** Seller that receives live arrivals. */
  arrivalSellerId: string
  contexts: ReadonlyMap<string, GeneratorContext>
  offers: OfferCatalogue
  invoices: InvoiceStore
}

export class OrderHistory {
  readonly #deps: OrderHistoryDeps
  readonly #orders = new Map<string, OrderRecord>()
  readonly #sellerOrders = new Map<string, OrderRecord[]>()
  #events: StoredEvent[] = []
  readonly #sellerEvents = new Map<string, StoredEvent[]>()
  #lastPruneMs = -Infinity
  #lastEventNum = 0
  readonly #heap = new StepHeap()
  #live = { nextSlot: 0, slot: -1, times: [] as number[], index: 0 }

  constructor(deps: OrderHistoryDeps) {
    this.#deps = deps
  }

  /** Replays everything due up to now(): new orders, payments, shipments, cancellations. Idempotent. */
  materialize(): void {
    const nowMs = this.#deps.nowMs()
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

  /**
   * Keeps memory bounded in a long-running app: Allegro itself forgets events after 60 days and orders after about a
   * year.
   */
  #prune(nowMs: number): void {
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
        this.#deps.invoices.release(rec.invoices)
        this.#orders.delete(id)
        dropped = true
      }
    }
    if (dropped)
      for (const [sellerId, recs] of this.#sellerOrders)
        this.#sellerOrders.set(
          sellerId,
          recs.filter((r) => !r.pruned)
        )
  }

  #peekArrival(nowMs: number): number | null {
    if (this.#deps.ordersPerHour <= 0) return null
    const live = this.#live
    while (live.index >= live.times.length) {
      const start = this.#deps.epoch.getTime() + live.nextSlot * HOUR
      if (start > nowMs) return null
      const rng = rngFor(this.#deps.seed, 'slot', live.nextSlot)
      const count = rng.poisson(this.#deps.ordersPerHour)
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

  #takeArrival(at: number): void {
    const live = this.#live
    const rng = rngFor(this.#deps.seed, 'live', live.slot, live.index)
    live.index++
    const sellerId = this.#deps.arrivalSellerId
    this.createOrder(sellerId, rng, { boughtAtMs: at, sellerId })
  }

  /** Generates an order and schedules its plan; it appears at its "bought" step. */
  createOrder(sellerId: string, rng: ReturnType<typeof rngFor>, spec: OrderSpec): OrderRecord {
    const ctx = this.#deps.contexts.get(sellerId)
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

  #applyStep(step: PendingStep): void {
    const rec = step.rec
    if (rec.pruned) return
    if (step.kind === 'bought') {
      rec.visible = true
      let list = this.#sellerOrders.get(rec.sellerId)
      if (list === undefined) this.#sellerOrders.set(rec.sellerId, (list = []))
      list.push(rec)
      for (const line of rec.form.lineItems) {
        const offer = this.#deps.offers.find(line.offer.id)
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

  #touch(rec: OrderRecord, atMs: number): void {
    const previous = rec.form.revision
    rec.version++
    let revision = fnv1a(`${this.#deps.seed}:${rec.form.id}:${rec.version}`).toString(16).padStart(8, '0')
    if (revision === previous) revision = fnv1a(`${revision}!`).toString(16).padStart(8, '0')
    rec.form.revision = revision
    if (atMs > rec.updatedAtMs) {
      rec.updatedAtMs = atMs
      rec.form.updatedAt = new Date(atMs).toISOString()
    }
  }

  #emit(rec: OrderRecord, type: OrderEventType, atMs: number): void {
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
          offer: {
            id: l.offer.id,
            name: l.offer.name,
            external: l.offer.external === null ? null : { id: l.offer.external.id }
          },
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
    if (list === undefined) this.#sellerEvents.set(rec.sellerId, (list = []))
    list.push(stored)
  }

  /**
   * Records an event as given (it may break the description: no checkoutForm, an odd id…),
   * with the next event id and now as occurredAt unless the event names its own.
   */
  injectEvent(sellerId: string, raw: Record<string, unknown>): OrderEvent {
    const atMs = this.#deps.nowMs()
    const num = Math.max(this.#lastEventNum + 1, atMs * 1000)
    this.#lastEventNum = num
    const event = { id: String(num), occurredAt: new Date(atMs).toISOString(), ...raw } as unknown as OrderEvent
    const stored: StoredEvent = { num, sellerId, occurredAtMs: atMs, event }
    this.#events.push(stored)
    let list = this.#sellerEvents.get(sellerId)
    if (list === undefined) this.#sellerEvents.set(sellerId, (list = []))
    list.push(stored)
    return event
  }

  /** Every order generated so far, visible or not (the Map's insertion order). */
  records(): IterableIterator<OrderRecord> {
    return this.#orders.values()
  }

  record(id: string): OrderRecord | undefined {
    return this.#orders.get(id)
  }

  /** The seller's visible order, or undefined (also for another seller's order). */
  visibleRecord(sellerId: string, id: string): OrderRecord | undefined {
    const rec = this.#orders.get(id)
    if (rec === undefined || !rec.visible || rec.sellerId !== sellerId) return undefined
    return rec
  }

  /** Applies a control-API change as Allegro would: new revision, updatedAt = now, one event (unless null). */
  update(rec: OrderRecord, mutate: (form: CheckoutForm) => void, eventType: OrderEventType | null): void {
    rec.scripted = false
    mutate(rec.form)
    const nowMs = this.#deps.nowMs()
    this.#touch(rec, nowMs)
    if (eventType !== null) this.#emit(rec, eventType, nowMs)
  }

  /** Recorded events, oldest first: all sellers' or one seller's. */
  events(sellerId?: string): OrderEvent[] {
    const list = sellerId === undefined ? this.#events : (this.#sellerEvents.get(sellerId) ?? [])
    return list.map((e) => e.event)
  }

  queryCheckoutForms(
    sellerId: string,
    q: CheckoutFormQuery
  ): { checkoutForms: CheckoutForm[]; count: number; totalCount: number } {
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

  queryEvents(sellerId: string, from: number | undefined, limit: number, types: string[] | undefined): OrderEvent[] {
    const list = this.#sellerEvents.get(sellerId) ?? []
    const retentionStart = this.#deps.nowMs() - EVENT_RETENTION_MS
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

  latestEvent(sellerId: string): { id: string; occurredAt: string } | null {
    const list = this.#sellerEvents.get(sellerId) ?? []
    const last = list[list.length - 1]
    return last === undefined ? null : { id: last.event.id, occurredAt: last.event.occurredAt }
  }
}
