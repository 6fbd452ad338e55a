// Importing Allegro orders (reference/allegro-api.md §3–4):
//  1. first import: the events cursor from /order/event-stats is stored, then the last
//     `backfill_days` days are walked through /order/checkout-forms in date windows;
//  2. every import: /order/events since the cursor → changed checkout forms → upsert.
// Network first, then each batch is written in one short DB transaction together with the
// progress it covers (cursor or window position), so a kill loses nothing and the next import
// carries on where the last committed batch ended.
import { DateTime } from 'luxon'
import type { Database } from '../db/database.ts'
import type { Clock } from '../shared/dates.ts'
import { toStoredTimestamp } from '../shared/dates.ts'
import { parseCheckoutForm } from './checkout-form.ts'
import {
  ensureImportState,
  findKnownForms,
  getImportState,
  startWindowWalk,
  type BatchCounts,
  type BatchProgress,
  type ImportStateRow,
  type ValidForm,
  type WindowField
} from './import.queries.ts'
import { saveBatch } from './import-batch.ts'

/** What the import needs from an Allegro client; answers are untrusted JSON, checked here. */
export interface OrdersApi {
  getEventStats: () => Promise<unknown>
  getOrderEvents: (query: { from?: string; limit: number }) => Promise<unknown>
  listCheckoutForms: (query: Record<string, string | number>) => Promise<unknown>
  getCheckoutForm: (id: string) => Promise<unknown>
}

interface ImportLogger {
  warn: (obj: object, msg: string) => void
}

/** Bounds of one import, so that an Allegro answering oddly cannot keep it going for ever. */
export interface ImportLimits {
  /** calls to Allegro */
  maxRequests: number
  /** by the import's clock */
  maxMs: number
}

const DEFAULT_IMPORT_LIMITS: ImportLimits = { maxRequests: 20_000, maxMs: 30 * 60_000 }

export interface ImportDeps {
  db: Database
  api: OrdersApi
  now: Clock
  log?: ImportLogger
  signal?: AbortSignal
  limits?: ImportLimits
}

export interface ImportCounts extends BatchCounts {
  invalid: number
  /** order events left out (no checkoutForm, an id that is not a UUID…); the cursor moved past them */
  skippedEvents?: number
}

export interface ImportOutcome {
  counts: ImportCounts
  /** Polish, for the person who clicked; details go to the log */
  errors: string[]
  /** false when the import stopped early (network, Allegro); what was saved stays saved */
  completed: boolean
}

const LIST_PAGE_SIZE = 100
/** Allegro refuses offset + limit above 10 000 on /order/checkout-forms (reference §3). */
const LIST_OFFSET_LIMIT = 10_000
const EVENTS_PAGE_SIZE = 1000
/** Checkout forms fetched (and then written) per batch while following events. */
const EVENTS_BATCH_FORMS = 100
/** Events are kept for 60 days; past that the cursor is useless and orders are re-read by updatedAt. */
const EVENTS_RETENTION_MARGIN_DAYS = 55
const FETCH_CONCURRENCY = 4
const MIN_WINDOW_MS = 1000

class ImportAbortedError extends Error {
  override name = 'ImportAbortedError'
  constructor() {
    super('import aborted')
  }
}

/** An answer Allegro's description does not allow, where nothing can be skipped; `field` is shown. */
class BadResponseError extends Error {
  override name = 'BadResponseError'
  readonly field: string
  constructor(field: string, reason: string) {
    super(`${field}: ${reason}`)
    this.field = field
  }
}

class ImportLimitError extends Error {
  override name = 'ImportLimitError'
  readonly limit: 'requests' | 'time'
  readonly value: number
  constructor(limit: 'requests' | 'time', value: number) {
    super(`import limit reached: ${limit} ${value}`)
    this.limit = limit
    this.value = value
  }
}

/** Messages about single skipped orders or events kept on one result; the counts say the rest. */
const MAX_ERRORS = 20

/** Allegro's errors carry a Polish userMessage (allegro.client.ts); anything else gets a general one. */
export function describeImportError(error: unknown): string {
  if (error instanceof ImportAbortedError) return 'Pobieranie przerwano; kolejne dokończy je od miejsca przerwania.'
  if (error instanceof BadResponseError)
    return `Allegro zwróciło odpowiedź w nieoczekiwanym formacie (pole ${error.field}); spróbuj ponownie później.`
  if (error instanceof ImportLimitError) {
    const what =
      error.limit === 'requests' ? `${error.value} zapytaniach do Allegro` : `${Math.round(error.value / 60_000)} min`
    return `Pobieranie zatrzymano po ${what} (limit jednego pobierania); to, co pobrano, zapisano, a kolejne pobieranie dokończy je od miejsca przerwania.`
  }
  if (
    typeof error === 'object' &&
    error !== null &&
    'userMessage' in error &&
    typeof error.userMessage === 'string' &&
    error.userMessage !== ''
  ) {
    return error.userMessage
  }
  return 'Nie udało się pobrać transakcji z Allegro. Spróbuj ponownie później.'
}

function httpStatus(error: unknown): number | null {
  if (typeof error !== 'object' || error === null) return null
  const status =
    (error as { status?: unknown; statusCode?: unknown }).status ?? (error as { statusCode?: unknown }).statusCode
  return typeof status === 'number' ? status : null
}

// --- response shapes -------------------------------------------------------------------------

const EVENT_ID = /^[0-9A-Za-z_-]{1,64}$/

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function parseEventStats(json: unknown): { latestEventId: string | null } {
  if (!isObject(json)) throw new BadResponseError('event-stats', 'not an object')
  const latest = json.latestEvent
  if (latest === undefined || latest === null) return { latestEventId: null }
  if (!isObject(latest) || typeof latest.id !== 'string' || !EVENT_ID.test(latest.id))
    throw new BadResponseError('latestEvent.id', 'not an event id')
  return { latestEventId: latest.id }
}

export interface OrderEventRef {
  id: string
  checkoutFormId: string
  revision: string | null
}

const CHECKOUT_FORM_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

interface SkippedEvent {
  /** null when the event's own id is unusable */
  id: string | null
  /** Polish, names the field */
  reason: string
}

export interface OrderEventsPage {
  refs: OrderEventRef[]
  skipped: SkippedEvent[]
  /** the last usable event id of the page: the cursor moves here even past skipped events */
  lastId: string | null
}

/**
 * One page of /order/events. The description makes `order.checkoutForm` optional, and an id
 * that is not a UUID names no order we could fetch: such an event is skipped with its reason
 * instead of failing the page (which would keep the cursor where it is for ever).
 */
export function parseOrderEvents(json: unknown): OrderEventsPage {
  if (!isObject(json) || !Array.isArray(json.events)) throw new BadResponseError('events', 'no events array')
  const page: OrderEventsPage = { refs: [], skipped: [], lastId: null }
  json.events.forEach((event, i) => {
    if (!isObject(event) || typeof event.id !== 'string' || !EVENT_ID.test(event.id)) {
      page.skipped.push({ id: null, reason: `events[${i}].id nie jest identyfikatorem zdarzenia` })
      return
    }
    page.lastId = event.id
    const order = isObject(event.order) ? event.order : null
    const form = order !== null && isObject(order.checkoutForm) ? order.checkoutForm : null
    if (form === null) {
      page.skipped.push({ id: event.id, reason: 'brak order.checkoutForm' })
      return
    }
    if (typeof form.id !== 'string' || !CHECKOUT_FORM_ID.test(form.id)) {
      page.skipped.push({ id: event.id, reason: 'order.checkoutForm.id nie jest identyfikatorem UUID' })
      return
    }
    const revision =
      typeof form.revision === 'string' && form.revision !== '' && form.revision.length <= 64 ? form.revision : null
    page.refs.push({ id: event.id, checkoutFormId: form.id, revision })
  })
  return page
}

function parseCheckoutFormList(json: unknown): { forms: unknown[]; totalCount: number } {
  if (!isObject(json) || !Array.isArray(json.checkoutForms))
    throw new BadResponseError('checkoutForms', 'no checkoutForms array')
  const total = json.totalCount
  if (typeof total !== 'number' || !Number.isInteger(total) || total < 0)
    throw new BadResponseError('totalCount', 'not a whole number')
  return { forms: json.checkoutForms, totalCount: total }
}

// --- the import ------------------------------------------------------------------------------

class Run {
  readonly counts: ImportCounts = { new: 0, updated: 0, unchanged: 0, deleted: 0, invalid: 0 }
  readonly errors: string[] = []
  private readonly deps: ImportDeps
  private readonly shopId: number
  private readonly limits: ImportLimits
  private readonly startedMs: number
  private requests = 0
  /** deleted orders already counted: the list pass and the events pass may both meet one */
  private readonly deletedSeen = new Set<string>()

  constructor(deps: ImportDeps, shopId: number) {
    this.deps = deps
    this.shopId = shopId
    this.limits = deps.limits ?? DEFAULT_IMPORT_LIMITS
    this.startedMs = deps.now().toMillis()
  }

  checkAbort(): void {
    if (this.deps.signal?.aborted) throw new ImportAbortedError()
  }

  /** Every call to Allegro goes through here: abort, then the import's request and time bounds. */
  async call<T>(fn: () => Promise<T>): Promise<T> {
    this.checkAbort()
    if (this.requests >= this.limits.maxRequests) throw new ImportLimitError('requests', this.requests)
    const elapsed = this.deps.now().toMillis() - this.startedMs
    if (elapsed >= this.limits.maxMs) throw new ImportLimitError('time', elapsed)
    this.requests++
    return await fn()
  }

  countDeleted(id: string): void {
    if (this.deletedSeen.has(id)) return
    this.deletedSeen.add(id)
    this.counts.deleted++
  }

  at(): string {
    return toStoredTimestamp(this.deps.now())
  }

  addError(message: string): void {
    if (this.errors.length < MAX_ERRORS && !this.errors.includes(message)) this.errors.push(message)
  }

  /** Stop errors (limits, Allegro down) are never crowded out by per-order messages. */
  addStopError(message: string): void {
    if (!this.errors.includes(message)) this.errors.push(message)
  }

  /** Validates raw forms; invalid ones are counted, logged and left out. */
  validate(raws: unknown[]): ValidForm[] {
    const valid: ValidForm[] = []
    for (const raw of raws) {
      const parsed = parseCheckoutForm(raw)
      if (parsed.ok) {
        valid.push({ form: parsed.form, raw: JSON.stringify(raw) })
      } else {
        this.counts.invalid++
        this.deps.log?.warn(
          { shopId: this.shopId, checkoutFormId: parsed.id, reason: parsed.error },
          'skipped an invalid checkout form'
        )
        this.addError(
          `Pominięto zamówienie ${parsed.id ?? '(bez numeru)'}: niepoprawne dane z Allegro (${parsed.error}).`
        )
      }
    }
    return valid
  }

  async save(forms: ValidForm[], progress: BatchProgress): Promise<void> {
    const saved = await saveBatch(this.deps.db, this.shopId, forms, progress, this.at())
    this.counts.new += saved.new
    this.counts.updated += saved.updated
    this.counts.unchanged += saved.unchanged
    for (const id of saved.deletedIds) this.countDeleted(id)
  }

  async state(): Promise<ImportStateRow> {
    const state = await getImportState(this.deps.db, this.shopId)
    if (!state) throw new Error(`no import state for shop ${this.shopId}`)
    return state
  }

  async prepare(backfillDays: number): Promise<void> {
    const state = await this.state()
    const now = this.deps.now()
    if (state.initialised_at === null) {
      const { latestEventId } = parseEventStats(await this.call(async () => await this.deps.api.getEventStats()))
      await startWindowWalk(this.deps.db, this.shopId, {
        cursor: latestEventId,
        field: 'lineItems.boughtAt',
        from: toStoredTimestamp(now.minus({ days: backfillDays })),
        to: toStoredTimestamp(now),
        at: toStoredTimestamp(now),
        firstTime: true
      })
      return
    }
    const synced = state.events_synced_at === null ? null : DateTime.fromISO(state.events_synced_at)
    if (state.window_to === null && synced !== null && synced < now.minus({ days: EVENTS_RETENTION_MARGIN_DAYS })) {
      // the events since the cursor may be gone: take a fresh cursor, re-read what changed meanwhile
      const { latestEventId } = parseEventStats(await this.call(async () => await this.deps.api.getEventStats()))
      await startWindowWalk(this.deps.db, this.shopId, {
        cursor: latestEventId,
        field: 'updatedAt',
        from: toStoredTimestamp(synced),
        to: toStoredTimestamp(now),
        at: toStoredTimestamp(now),
        firstTime: false
      })
    }
  }

  async listPage(
    field: WindowField,
    from: number,
    to: number,
    offset: number
  ): Promise<{ forms: unknown[]; totalCount: number }> {
    const iso = (ms: number): string => new Date(ms).toISOString()
    return parseCheckoutFormList(
      await this.call(
        async () =>
          await this.deps.api.listCheckoutForms({
            [`${field}.gte`]: iso(from),
            [`${field}.lte`]: iso(to),
            sort: field,
            offset,
            limit: LIST_PAGE_SIZE
          })
      )
    )
  }

  /** Walks [window_done_until, window_to] in date windows small enough for the offset limit. */
  async walkWindows(): Promise<void> {
    const state = await this.state()
    if (state.window_to === null || state.window_done_until === null || state.window_field === null) return
    const field = state.window_field as WindowField
    const end = Date.parse(state.window_to)
    let doneUntil = Date.parse(state.window_done_until)
    let width = Math.max(end - doneUntil, MIN_WINDOW_MS)
    // when orders change while we page by updatedAt they move to later pages; overlapping pages
    // keep a shifted order from falling between two of them
    const step = field === 'updatedAt' ? LIST_PAGE_SIZE - 10 : LIST_PAGE_SIZE
    const capacity = field === 'updatedAt' ? LIST_OFFSET_LIMIT - 1000 : LIST_OFFSET_LIMIT
    if (doneUntil > end) {
      await this.save([], { window: { doneUntil: null } })
      return
    }
    for (;;) {
      const windowEnd = Math.min(doneUntil + width, end)
      // [doneUntil, windowEnd) except the last window, which includes its end
      const lte = windowEnd === end ? end : windowEnd - 1
      let page = await this.listPage(field, doneUntil, lte, 0)
      // a short page is the whole window, whatever totalCount says: only a full one can mean
      // that there is more than the offset limit lets us read
      const crowded = page.totalCount > capacity && page.forms.length >= LIST_PAGE_SIZE
      if (crowded && windowEnd - doneUntil > MIN_WINDOW_MS) {
        width = Math.max(Math.floor((windowEnd - doneUntil) / 2), MIN_WINDOW_MS)
        continue
      }
      if (crowded)
        this.addError(
          'Allegro ma zbyt wiele zamówień z jednej sekundy, by pobrać je wszystkie; część z nich pominięto.'
        )
      const reachable = Math.min(page.totalCount, capacity)
      let offset = 0
      for (;;) {
        const pageDone =
          offset + step >= reachable ||
          page.forms.length < LIST_PAGE_SIZE ||
          offset + step + LIST_PAGE_SIZE > LIST_OFFSET_LIMIT
        // the next page is on its way while this one is checked and stored; what is stored, and
        // when, stays the same (the import's time was download plus storing, one after the other)
        const nextPage = pageDone ? null : inBackground(this.listPage(field, doneUntil, lte, offset + step))
        const forms = this.validate(page.forms)
        const last = forms.at(-1)?.form
        const lastKey = last === undefined ? null : field === 'updatedAt' ? last.updatedAt : last.boughtAt
        if (nextPage === null) {
          const next = windowEnd === end ? null : new Date(windowEnd).toISOString()
          await this.save(forms, { window: { doneUntil: next } })
          break
        }
        // everything sorted before the last form of the page is stored; resume from its key
        await this.save(
          forms,
          lastKey !== null && Date.parse(lastKey) > doneUntil ? { window: { doneUntil: lastKey } } : {}
        )
        offset += step
        page = await nextPage
      }
      if (windowEnd === end) return
      doneUntil = windowEnd
      // grow again after a crowded stretch, so a quiet month is not read one hour at a time
      if (page.totalCount < LIST_OFFSET_LIMIT / 4 || page.forms.length < LIST_PAGE_SIZE) width *= 2
    }
  }

  /** Events since the cursor → changed checkout forms → upsert, the cursor moving with each batch. */
  async followEvents(): Promise<void> {
    for (;;) {
      this.checkAbort()
      const state = await this.state()
      let cursor = state.event_cursor
      const raw = await this.call(
        async () =>
          await this.deps.api.getOrderEvents({ ...(cursor === null ? {} : { from: cursor }), limit: EVENTS_PAGE_SIZE })
      )
      const events = parseOrderEvents(raw)
      const pageLength = (raw as { events: unknown[] }).events.length
      if (pageLength === 0) {
        await this.save([], { eventsSyncedAt: this.at() })
        return
      }
      for (const skipped of events.skipped) {
        this.counts.skippedEvents = (this.counts.skippedEvents ?? 0) + 1
        this.deps.log?.warn(
          { shopId: this.shopId, eventId: skipped.id, reason: skipped.reason },
          'skipped an order event'
        )
        this.addError(`Pominięto zdarzenie Allegro ${skipped.id ?? '(bez identyfikatora)'}: ${skipped.reason}.`)
      }
      for (const chunk of chunkByForms(events.refs, EVENTS_BATCH_FORMS)) {
        this.checkAbort()
        const latest = new Map<string, string | null>()
        for (const event of chunk) latest.set(event.checkoutFormId, event.revision)
        const known = await findKnownForms(this.deps.db, this.shopId, [...latest.keys()])
        const toFetch: string[] = []
        for (const [id, revision] of latest) {
          if (known.deleted.has(id)) this.countDeleted(id)
          else if (revision !== null && known.revisions.get(id) === revision) this.counts.unchanged++
          else toFetch.push(id)
        }
        const fetched = await this.fetchForms(toFetch)
        const next = chunk[chunk.length - 1].id
        await this.save(this.validate(this.matching(fetched)), {
          cursor: { from: cursor, to: next },
          eventsSyncedAt: this.at()
        })
        cursor = next
      }
      // skipped events after the last usable one: the cursor still moves past them
      if (events.lastId !== null && events.lastId !== cursor) {
        await this.save([], { cursor: { from: cursor, to: events.lastId }, eventsSyncedAt: this.at() })
      }
      if (pageLength < EVENTS_PAGE_SIZE) return
      // a full page of events none of which has a usable id cannot move the cursor
      if (events.lastId === null) throw new BadResponseError('events[].id', 'no usable event id on a full page')
    }
  }

  /** Forms whose id is the one asked for; another order under this event's id is refused. */
  matching(fetched: Array<{ id: string; raw: unknown }>): unknown[] {
    const out: unknown[] = []
    for (const { id, raw } of fetched) {
      const got = isObject(raw) && typeof raw.id === 'string' ? raw.id : null
      if (got !== null && got.toLowerCase() === id.toLowerCase()) {
        out.push(raw)
        continue
      }
      this.counts.invalid++
      this.deps.log?.warn(
        { shopId: this.shopId, checkoutFormId: id, returnedId: got?.slice(0, 64) ?? null },
        'allegro returned another order than asked for'
      )
      this.addError(
        `Allegro zwróciło dla zamówienia ${id} inne zamówienie (${got === null ? 'bez pola id' : got.slice(0, 40)}); pominięto je.`
      )
    }
    return out
  }

  async fetchForms(ids: string[]): Promise<Array<{ id: string; raw: unknown }>> {
    const results: Array<{ id: string; raw: unknown }> = []
    let index = 0
    let failed = false
    const worker = async (): Promise<void> => {
      while (index < ids.length && !failed) {
        const id = ids[index++]
        try {
          results.push({ id, raw: await this.call(async () => await this.deps.api.getCheckoutForm(id)) })
        } catch (error) {
          // gone (older than Allegro keeps, or not this seller's): nothing to store, move on
          if (httpStatus(error) === 404) {
            this.addError(`Allegro nie udostępnia już zamówienia ${id}; pominięto je.`)
            continue
          }
          failed = true
          throw error
        }
      }
    }
    await Promise.all(Array.from({ length: Math.min(FETCH_CONCURRENCY, ids.length) }, worker))
    return results
  }
}

/**
 * A request started ahead of need: if storing the current page fails first, its own failure
 * must not surface as an unhandled rejection. Awaiting the returned promise still throws it.
 */
function inBackground<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {})
  return promise
}

/** Consecutive events, cut so that each chunk names at most `maxForms` checkout forms. */
export function chunkByForms(events: OrderEventRef[], maxForms: number): OrderEventRef[][] {
  const chunks: OrderEventRef[][] = []
  let current: OrderEventRef[] = []
  let forms = new Set<string>()
  for (const event of events) {
    if (!forms.has(event.checkoutFormId) && forms.size === maxForms) {
      chunks.push(current)
      current = []
      forms = new Set()
    }
    forms.add(event.checkoutFormId)
    current.push(event)
  }
  if (current.length > 0) chunks.push(current)
  return chunks
}

/** One import of one shop. Errors that stop it are reported in the outcome, not thrown. */
export async function importShop(deps: ImportDeps, shopId: number): Promise<ImportOutcome> {
  const run = new Run(deps, shopId)
  const shop = await deps.db
    .selectFrom('allegro_shops')
    .select(['backfill_days'])
    .where('id', '=', shopId)
    .executeTakeFirstOrThrow()
  await ensureImportState(deps.db, shopId, run.at())
  try {
    await run.prepare(shop.backfill_days)
    await run.walkWindows()
    await run.followEvents()
    return { counts: run.counts, errors: run.errors, completed: true }
  } catch (error) {
    if (!(error instanceof ImportAbortedError)) deps.log?.warn({ shopId, err: error }, 'allegro import stopped')
    run.addStopError(describeImportError(error))
    return { counts: run.counts, errors: run.errors, completed: false }
  }
}
