// Pobierz z KSeF: the incremental download of purchase invoices (pobieranie-faktur/
// przyrostowe-pobieranie-faktur.md, hwm.md, POST /invoices/query/metadata of open-api.json).
//
// The company is Podmiot2 (subjectType Subject2); the dates are PermanentStorage, sorted Asc,
// restricted to the high-water mark, so everything up to the mark is final. From the stored
// mark the window runs to now (at most 3 months, the API's longest range). Per page: the
// metadata, then every new file (network, no transaction open), then one transaction stores
// the page's invoices and moves the mark — to the last listed date while more pages follow, to
// the window's end (the HWM KSeF reported) after the last one. Windows touch (the next starts
// where the last ended, inclusive), so nothing falls between; what is listed twice is stored
// once (UNIQUE KSeF number, and files already stored are not fetched again). A run that fails
// half-way leaves the mark after the last stored page: the next run carries on from there.
import { DateTime } from 'luxon'
import type { InvoiceMetadata } from '../ksef/client/ksef.client.ts'
import { KsefApiError, ksefErrorMessage } from '../ksef/client/ksef.client.ts'
import { connectionOf, contextNipOf } from '../ksef/connection.queries.ts'
import { accessTokenFor, clientFor, KsefAuthError, type KsefDeps } from '../ksef/ksef-sender.ts'
import { toStoredTimestamp } from '../shared/dates.ts'
import { fa3SchemaErrors } from './fa3-schema.ts'
import { preparePurchase, type FileOutcome } from './purchases.ts'
import { claimSync, releaseSync, storedKsefNumbers, syncStateOf } from './purchases.queries.ts'
import { sql } from 'kysely'
import type { Database, Queryable } from '../db/database.ts'
import type { PreparedPurchase } from './purchases.ts'

const ZONE = 'Europe/Warsaw'
/** open-api.json: pageSize 10–250 */
const METADATA_PAGE_SIZE = 100
/** pages per run: the metadata query allows 20 an hour (x-rate-limits), a run must leave some */
const MAX_PAGES_PER_RUN = 10
const CLAIM_MINUTES = 15
/** KSeF 2.0 (and receiving through it) starts on 1 February 2026 */
const KSEF_START = DateTime.fromISO('2026-02-01T00:00:00', { zone: ZONE })

export interface SyncResult {
  ok: boolean
  /** new invoices stored */
  stored: number
  /** of them, flagged for review */
  flagged: number
  /** listed again and already stored */
  known: number
  pages: number
  /** the download reached the high-water mark */
  complete: boolean
  message: string
}

/**
 * Where a company's first download starts: the first day of the month two months back (still inside one 3-month
 * window).
 */
function initialFrom(now: DateTime): string {
  const start = now.setZone(ZONE).startOf('month').minus({ months: 2 })
  return (start < KSEF_START ? KSEF_START : start).toUTC().toISO()!
}

function iso(value: string): string {
  return new Date(Date.parse(value)).toISOString()
}

function later(a: string, b: string): string {
  return Date.parse(a) >= Date.parse(b) ? iso(a) : iso(b)
}

function earlier(a: string, b: string): string {
  return Date.parse(a) <= Date.parse(b) ? iso(a) : iso(b)
}

function summary(r: Omit<SyncResult, 'message' | 'ok'>): string {
  const parts = [`nowych faktur: ${r.stored}`]
  if (r.flagged > 0) parts.push(`do sprawdzenia: ${r.flagged}`)
  if (r.known > 0) parts.push(`pobranych już wcześniej: ${r.known}`)
  return parts.join(', ')
}

/** One run of Pobierz z KSeF (by hand or on schedule). Never throws for KSeF's sake. */
export interface DownloadOptions {
  pageSize?: number
  maxPages?: number
  /** the FA(3) XSD check of a page's files (a run of xmllint-wasm; tests of paging may skip it) */
  schemaCheck?: (xmls: string[]) => Promise<string[][]>
}

export async function downloadPurchases(deps: KsefDeps, opts: DownloadOptions = {}): Promise<SyncResult> {
  const counts = { stored: 0, flagged: 0, known: 0, pages: 0, complete: false }
  const fail = (message: string): SyncResult => ({ ok: false, ...counts, message })
  const connection = await connectionOf(deps.db)
  if (connection === undefined)
    return fail('Nie skonfigurowano połączenia z KSeF – ustaw je w USTAWIENIA » INTEGRACJE » KSeF.')
  const nip = await contextNipOf(deps.db, connection)
  const environment = connection.environment
  const startedAt = deps.now()
  const claimed = await claimSync(deps.db, {
    environment,
    nip,
    initialFrom: initialFrom(startedAt),
    at: toStoredTimestamp(startedAt),
    until: toStoredTimestamp(startedAt.plus({ minutes: CLAIM_MINUTES }))
  })
  if (!claimed) return fail('Pobieranie faktur z KSeF już trwa – odśwież stronę za chwilę.')
  const pageSize = opts.pageSize ?? METADATA_PAGE_SIZE
  const maxPages = opts.maxPages ?? MAX_PAGES_PER_RUN
  let error: string | null = null
  try {
    const client = clientFor(deps, environment)
    const token = await accessTokenFor(deps, client, connection)
    const state = await syncStateOf(deps.db, environment, nip)
    let from = iso(state!.continue_from)
    windows: for (;;) {
      const now = deps.now().toUTC()
      const windowEnd = DateTime.fromISO(from, { zone: ZONE }).plus({ months: 3 }).toUTC()
      const to = windowEnd < now ? windowEnd.toISO()! : null
      let pageOffset = 0
      for (;;) {
        if (counts.pages >= maxPages) break windows
        let page
        try {
          page = await client.queryInvoiceMetadata(
            token,
            {
              subjectType: 'Subject2',
              dateType: 'PermanentStorage',
              from,
              to,
              restrictToPermanentStorageHwmDate: true
            },
            { pageOffset, pageSize, sortOrder: 'Asc' }
          )
        } catch (caught) {
          // 21183: `from` is past the high-water mark — nothing newer is final yet
          if (caught instanceof KsefApiError && caught.status === 400 && caught.codes.includes(21183)) {
            counts.complete = true
            break windows
          }
          throw caught
        }
        counts.pages++
        const listed = new Map<string, InvoiceMetadata>()
        for (const m of page.invoices) if (!listed.has(m.ksefNumber)) listed.set(m.ksefNumber, m)
        const known = await storedKsefNumbers(deps.db, [...listed.keys()])
        counts.known += known.size
        const fresh = [...listed.values()].filter((m) => !known.has(m.ksefNumber))
        const files: FileOutcome[] = []
        for (const m of fresh) files.push(await fetchFile(client, token, m))
        const texts = files.map((f) => (f.kind === 'file' ? decodable(f.bytes) : null))
        const checked = await (opts.schemaCheck ?? fa3SchemaErrors)(texts.filter((t): t is string => t !== null))
        let next = 0
        const prepared = fresh.map((m, i) =>
          preparePurchase(m, files[i], nip, texts[i] !== null ? checked[next++] : null)
        )
        const last = page.invoices.at(-1)?.permanentStorageDate ?? null
        const hwm = page.permanentStorageHwmDate
        // the continuation point (przyrostowe-pobieranie-faktur.md, "Strategia kontynuacji paczek")
        let continueFrom: string
        if (page.hasMore) continueFrom = last ?? from
        else if (hwm !== null) continueFrom = to !== null ? earlier(to, hwm) : hwm
        else continueFrom = to ?? last ?? from
        continueFrom = later(continueFrom, from)
        const inserted = await storePage(deps.db, {
          environment,
          nip,
          invoices: prepared,
          continueFrom,
          at: toStoredTimestamp(deps.now())
        })
        counts.stored += inserted
        counts.known += prepared.length - inserted
        counts.flagged += prepared.filter((p) => p.reviewReasons.length > 0).length
        if (!page.hasMore || page.invoices.length === 0) break
        if (page.isTruncated) {
          from = continueFrom
          pageOffset = 0
        } else pageOffset++
      }
      if (to === null) {
        counts.complete = true
        break
      }
      from = later(to, from)
    }
  } catch (caught) {
    error =
      caught instanceof KsefAuthError
        ? caught.message
        : caught instanceof KsefApiError
          ? caught.status === 429
            ? 'Przekroczono limit zapytań KSeF o faktury – resztę pobierze kolejne uruchomienie za kilka minut.'
            : ksefErrorMessage(caught).replace(/ – wysyłka zostanie ponowiona\.$/, '.')
          : 'Nieoczekiwany błąd podczas pobierania faktur z KSeF.'
    if (!(caught instanceof KsefApiError) && !(caught instanceof KsefAuthError))
      deps.log?.warn(
        { err: caught instanceof Error ? caught.message : String(caught) },
        'downloading purchase invoices failed'
      )
  }
  const text = summary(counts)
  const message =
    error !== null
      ? `Pobieranie przerwane: ${error} Zapisano to, co pobrano (${text}); kolejne pobranie zacznie się od tego miejsca.`
      : counts.complete
        ? `Pobrano faktury zakupowe z KSeF: ${text}.`
        : `Pobrano część faktur zakupowych z KSeF (${text}); pozostałe pobierze kolejne uruchomienie.`
  await releaseSync(deps.db, { environment, nip, at: toStoredTimestamp(deps.now()), result: message, error })
  return { ok: error === null, ...counts, message }
}

function decodable(bytes: Buffer): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    return null
  }
}

/**
 * One invoice's file. A temporary failure (and 21165, "not available yet") ends the run before
 * the page is stored, so the page comes again; a permanent refusal stores the invoice without
 * its file, flagged, rather than leaving a hole the mark would pass.
 */
async function fetchFile(
  client: ReturnType<typeof clientFor>,
  token: string,
  meta: InvoiceMetadata
): Promise<FileOutcome> {
  try {
    const file = await client.downloadInvoice(token, meta.ksefNumber)
    return { kind: 'file', bytes: file.bytes, hash: file.hash }
  } catch (error) {
    if (!(error instanceof KsefApiError) || error.temporary || error.status === 401 || error.codes.includes(21165))
      throw error
    if (error.kind === 'invalid')
      return { kind: 'missing', reason: 'KSeF przysłał plik faktury większy niż 8 MB – nie został zapisany.' }
    return {
      kind: 'missing',
      reason: `KSeF nie wydał pliku faktury (błąd ${error.status ?? '?'}${error.details.length > 0 ? `: ${error.details[0]}` : ''}).`
    }
  }
}

/**
 * One page of the download: its invoices (each once: a KSeF number already stored is left as it
 * is) and the high-water mark after them, in one transaction. The mark only moves forward.
 * Returns how many invoices were new.
 */
async function storePage(
  db: Database,
  opts: { environment: string; nip: string; invoices: PreparedPurchase[]; continueFrom: string; at: string }
): Promise<number> {
  const work = async (trx: Queryable): Promise<number> => {
    let inserted = 0
    for (const p of opts.invoices) {
      const row = await trx
        .insertInto('purchase_invoices')
        .values({
          ksef_number: p.ksefNumber,
          environment: opts.environment,
          xml: p.xml,
          xml_sha256: p.xmlSha256,
          ksef_hash: p.ksefHash,
          permanent_storage_date: p.permanentStorageDate,
          acquisition_date: p.acquisitionDate,
          meta_invoice_number: p.meta.invoiceNumber,
          meta_seller_nip: p.meta.sellerNip,
          meta_seller_name: p.meta.sellerName,
          meta_gross: p.meta.gross,
          meta_vat_pln: p.meta.vatPln,
          meta_currency: p.meta.currency,
          meta_invoice_type: p.meta.invoiceType,
          seller_nip: p.parsed?.sellerNip ?? null,
          seller_name: p.parsed?.sellerName ?? null,
          invoice_number: p.parsed?.number ?? null,
          invoice_kind: p.parsed?.kind ?? null,
          issue_date: p.parsed?.issueDate ?? p.meta.issueDate,
          sale_date: p.parsed?.saleDate ?? null,
          currency: p.parsed?.currency ?? null,
          net: p.parsed?.net ?? null,
          vat: p.parsed?.vat ?? null,
          gross: p.parsed?.gross ?? null,
          vat_pln: p.parsed?.vatPln ?? null,
          needs_review: p.reviewReasons.length > 0 ? 1 : 0,
          review_reasons: p.reviewReasons.join('\n'),
          downloaded_at: opts.at
        })
        .onConflict((oc) => oc.column('ksef_number').doNothing())
        .returning('id')
        .executeTakeFirst()
      if (row === undefined) continue
      inserted++
      for (const r of p.rates) {
        await trx
          .insertInto('purchase_invoice_rates')
          .values({ purchase_invoice_id: row.id, rate: r.rate, net: r.net, vat: r.vat, vat_pln: r.vatPln })
          .onConflict((oc) => oc.columns(['purchase_invoice_id', 'rate']).doNothing())
          .execute()
      }
    }
    await trx
      .updateTable('purchase_sync')
      .set({ continue_from: sql<string>`max(continue_from, ${opts.continueFrom})`, updated_at: opts.at })
      .where('environment', '=', opts.environment)
      .where('context_nip', '=', opts.nip)
      .execute()
    return inserted
  }
  return await db.transaction().execute(work)
}
