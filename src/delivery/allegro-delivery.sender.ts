// Wyślij do Allegro: the document's PDF attached to its order in two steps (POST metadata, PUT
// file), never twice. Every attempt reads the order's invoices back first and matches on the
// document number, because Allegro has no idempotency key; the invoice id is stored the moment
// Allegro returns it; one claim per document keeps a double click, a second tab and the
// background sender from running at once. All network calls happen outside DB transactions.
import type { BackgroundContext } from '../plugins/context.ts'
import { AllegroApiError, type AllegroClient } from '../allegro/allegro.client.ts'
import { allegroClientForShop, type ShopClientOverrides } from '../allegro/shop-client.ts'
import { toStoredTimestamp } from '../shared/dates.ts'
import { NotFoundError } from '../shared/errors.ts'
import {
  allegroPdfName,
  canSendToAllegro,
  DELIVERY_STATE_LABELS,
  deliveryErrorMessage,
  findOurInvoice,
  isTemporary,
  MAX_AUTO_ATTEMPTS,
  parseOrderInvoices,
  retryDelayMinutes,
  stateOfUploaded,
  whyNotSendable,
  type DeliveryState,
  type SendTrigger
} from './allegro-delivery.ts'
import {
  claimDelivery,
  deliveriesToCheck,
  deliveryState,
  deliveryTarget,
  dueDeliveries,
  finishDelivery,
  findDelivery,
  recordAllegroInvoiceId,
  releaseClaim,
  releaseDeliveryClaimsOfEarlierRun,
  type DeliveryRow
} from './allegro-delivery.queries.ts'
import { renderStoredDocumentPdf } from '../pdf/document-pdf.ts'
import { ksefHoldForDelivery } from '../ksef/ksef-panel.ts'
import { startIntervalWorker, type IntervalWorker } from '../shared/interval-worker.ts'

/** Longer than any one attempt can take (a few calls, each with its own bounded retries). */
const CLAIM_MINUTES = 10

export type SendOutcome =
  /** the file is on Allegro now (uploaded by this attempt) */
  | { kind: 'sent'; state: DeliveryState; message: string }
  /** it was there already: nothing was sent */
  | { kind: 'already'; state: DeliveryState; message: string }
  /** another attempt for this document is running */
  | { kind: 'busy'; message: string }
  /** this document cannot go to Allegro (type, no order, cancelled, shop not connected) */
  | { kind: 'refused'; message: string }
  | { kind: 'failed'; message: string; retryAt: string | null }

export interface SenderOptions {
  trigger: SendTrigger
  /** tests: no backoff sleeps inside one call */
  client?: ShopClientOverrides
}

const BUSY = 'Ten dokument jest właśnie wysyłany do Allegro – odśwież stronę za chwilę.'

/** Sends the document to its Allegro order, or reads back that it is already there. */
export async function sendDocumentToAllegro(
  app: BackgroundContext,
  documentId: number,
  opts: SenderOptions
): Promise<SendOutcome> {
  const doc = await app.db
    .selectFrom('documents')
    .select(['id', 'type', 'number', 'status'])
    .where('id', '=', documentId)
    .executeTakeFirst()
  if (!doc) throw new NotFoundError('Nie ma takiego dokumentu.')
  const now = app.ctx.now()
  const at = toStoredTimestamp(now)
  if (!canSendToAllegro(doc.type, opts.trigger)) return await refuse(app, documentId, whyNotSendable(doc.type), at)
  if (doc.status !== 'issued')
    return await refuse(app, documentId, `Dokument ${doc.number} jest anulowany – nie wysyła się go do Allegro.`, at)
  const target = await deliveryTarget(app.db, documentId)
  if (!target)
    return await refuse(
      app,
      documentId,
      'Dokument nie jest powiązany z żadną transakcją Allegro – nie ma go do czego dołączyć.',
      at
    )
  if (!target.shopConnected)
    return await refuse(
      app,
      documentId,
      `Sklep ${target.shopName} nie jest połączony z Allegro – połącz go w USTAWIENIA » INTEGRACJE » ALLEGRO i wyślij dokument ponownie.`,
      at
    )
  // KSeF (issue 13): the automatic delivery carries the invoice with its KSeF number (or offline)
  const ksefHold = opts.trigger === 'auto' ? await ksefHoldForDelivery(app.db, documentId) : null
  if (ksefHold !== null) {
    const retryAt = toStoredTimestamp(now.plus({ minutes: 5 }))
    await app.db
      .updateTable('document_allegro_deliveries')
      .set({ last_error: ksefHold, next_attempt_at: retryAt, updated_at: at })
      .where('document_id', '=', documentId)
      .where('state', '=', 'do_wyslania')
      .execute()
    return { kind: 'failed', message: ksefHold, retryAt }
  }

  const delivery = await claimDelivery(app.db, {
    documentId,
    target,
    at,
    until: toStoredTimestamp(now.plus({ minutes: CLAIM_MINUTES }))
  })
  if (!delivery) return { kind: 'busy', message: BUSY }
  let step: 'list' | 'create' | 'upload' = 'list'
  try {
    // rendered before any call, so a PDF problem never leaves metadata without a file
    const { pdf } = await renderStoredDocumentPdf(app.db, app.ctx, documentId, now)
    const client = await allegroClientForShop(app, delivery.shop_id, opts.client)
    const invoices = parseOrderInvoices(await client.listOrderInvoices(delivery.checkout_form_id))
    const ours = findOurInvoice(invoices, doc.number, delivery.allegro_invoice_id)
    if (ours?.hasFile) {
      const read = stateOfUploaded(ours)
      await finishDelivery(app.db, delivery.id, { ...read, lastError: null, nextAttemptAt: null, checkedAt: at }, at)
      if (delivery.allegro_invoice_id !== ours.id) await recordAllegroInvoiceId(app.db, delivery.id, ours.id, at)
      return {
        kind: 'already',
        state: read.state,
        message: `Dokument ${doc.number} jest już w Allegro (${DELIVERY_STATE_LABELS[read.state]}) – nie wysłano go ponownie.`
      }
    }
    let invoiceId: string
    if (ours) {
      invoiceId = ours.id
      if (delivery.allegro_invoice_id !== ours.id) await recordAllegroInvoiceId(app.db, delivery.id, ours.id, at)
    } else {
      step = 'create'
      invoiceId = (
        await client.createOrderInvoice(delivery.checkout_form_id, {
          fileName: allegroPdfName(doc.number),
          invoiceNumber: doc.number
        })
      ).id
      await recordAllegroInvoiceId(app.db, delivery.id, invoiceId, at)
    }
    step = 'upload'
    try {
      await client.uploadOrderInvoiceFile(delivery.checkout_form_id, invoiceId, pdf)
    } catch (error) {
      // 409 "already has a file": an earlier attempt's upload landed and only its answer was lost
      if (!(error instanceof AllegroApiError && error.kind === 'http' && error.status === 409)) throw error
    }
    const read = await readBackState(client, delivery, doc.number, invoiceId)
    await finishDelivery(
      app.db,
      delivery.id,
      {
        state: read.state,
        reason: read.reason,
        lastError: null,
        nextAttemptAt: null,
        attempts: delivery.attempts + 1,
        uploadedAt: at,
        checkedAt: at
      },
      at
    )
    return {
      kind: 'sent',
      state: read.state,
      message: `Dokument ${doc.number} został dołączony do zamówienia w Allegro (${DELIVERY_STATE_LABELS[read.state]}).`
    }
  } catch (error) {
    if (error instanceof AllegroApiError) return await recordFailure(app, delivery, error, step, now)
    await releaseClaim(app.db, delivery.id)
    throw error
  }
}

/** After the upload: the state Allegro reports now (usually the virus scan is still running). */
async function readBackState(
  client: AllegroClient,
  delivery: DeliveryRow,
  number: string,
  invoiceId: string
): Promise<{ state: DeliveryState; reason: string | null }> {
  try {
    const ours = findOurInvoice(
      parseOrderInvoices(await client.listOrderInvoices(delivery.checkout_form_id)),
      number,
      invoiceId
    )
    if (ours?.hasFile) return stateOfUploaded(ours)
  } catch (error) {
    if (!(error instanceof AllegroApiError)) throw error
  }
  return { state: 'wyslano', reason: null }
}

async function recordFailure(
  app: BackgroundContext,
  delivery: DeliveryRow,
  error: AllegroApiError,
  step: 'list' | 'create' | 'upload',
  now: ReturnType<BackgroundContext['ctx']['now']>
): Promise<SendOutcome> {
  const at = toStoredTimestamp(now)
  const attempts = delivery.attempts + 1
  const base = deliveryErrorMessage(error)
  // a lost answer to the POST: the next attempt finds the metadata by number and only uploads
  const message =
    step === 'create' && isTemporary(error)
      ? `${base} Allegro mogło przyjąć dane dokumentu – następna próba to sprawdzi.`
      : base
  app.log.warn(
    { documentId: delivery.document_id, step, code: error.code, status: error.status, attempts },
    'sending a document to allegro failed'
  )
  if (isTemporary(error) && attempts < MAX_AUTO_ATTEMPTS) {
    const retryAt = toStoredTimestamp(now.plus({ minutes: retryDelayMinutes(attempts) }))
    await finishDelivery(
      app.db,
      delivery.id,
      { state: 'do_wyslania', lastError: message, nextAttemptAt: retryAt, attempts },
      at
    )
    return { kind: 'failed', message, retryAt }
  }
  const final = isTemporary(error)
    ? `${message} (nie udało się po ${attempts} próbach – wyślij ponownie ręcznie)`
    : message
  await finishDelivery(app.db, delivery.id, { state: 'blad', lastError: final, nextAttemptAt: null, attempts }, at)
  return { kind: 'failed', message: final, retryAt: null }
}

/** A queued document that can no longer be sent stops waiting, with the reason shown. */
async function refuse(app: BackgroundContext, documentId: number, message: string, at: string): Promise<SendOutcome> {
  await app.db
    .updateTable('document_allegro_deliveries')
    .set({ state: 'blad', last_error: message, next_attempt_at: null, updated_at: at })
    .where('document_id', '=', documentId)
    .where('state', '=', 'do_wyslania')
    .execute()
  return { kind: 'refused', message }
}

export type CheckOutcome =
  | { kind: 'checked'; state: DeliveryState; message: string }
  | { kind: 'busy'; message: string }
  | { kind: 'refused'; message: string }
  | { kind: 'failed'; message: string }

/** Odśwież status: reads the sent document's state back from Allegro. */
export async function refreshDeliveryStatus(
  app: BackgroundContext,
  documentId: number,
  opts: { client?: ShopClientOverrides } = {}
): Promise<CheckOutcome> {
  const existing = await findDelivery(app.db, documentId)
  if (!existing || existing.allegro_invoice_id === null)
    return { kind: 'refused', message: 'Ten dokument nie został jeszcze wysłany do Allegro.' }
  const doc = await app.db
    .selectFrom('documents')
    .select(['number'])
    .where('id', '=', documentId)
    .executeTakeFirstOrThrow()
  const now = app.ctx.now()
  const at = toStoredTimestamp(now)
  const target = {
    shopId: existing.shop_id,
    shopName: '',
    shopConnected: true,
    checkoutFormId: existing.checkout_form_id,
    transactionId: 0
  }
  const delivery = await claimDelivery(app.db, {
    documentId,
    target,
    at,
    until: toStoredTimestamp(now.plus({ minutes: CLAIM_MINUTES }))
  })
  if (!delivery) return { kind: 'busy', message: BUSY }
  try {
    const client = await allegroClientForShop(app, delivery.shop_id, opts.client)
    const ours = findOurInvoice(
      parseOrderInvoices(await client.listOrderInvoices(delivery.checkout_form_id)),
      doc.number,
      delivery.allegro_invoice_id
    )
    if (!ours) {
      const message = 'Allegro nie pokazuje już tego dokumentu przy zamówieniu – wyślij go ponownie.'
      await finishDelivery(
        app.db,
        delivery.id,
        { state: 'blad', reason: null, lastError: message, nextAttemptAt: null, checkedAt: at },
        at
      )
      return { kind: 'checked', state: 'blad', message }
    }
    if (!ours.hasFile) {
      // metadata without its file: the upload never finished, so the document is not sent yet
      const state: DeliveryState = deliveryState(delivery) === 'do_wyslania' ? 'do_wyslania' : 'blad'
      const message = 'Plik dokumentu nie dotarł do Allegro – wyślij dokument ponownie.'
      await finishDelivery(app.db, delivery.id, { state, lastError: message, checkedAt: at }, at)
      return { kind: 'checked', state, message }
    }
    const read = stateOfUploaded(ours)
    await finishDelivery(app.db, delivery.id, { ...read, lastError: null, nextAttemptAt: null, checkedAt: at }, at)
    return { kind: 'checked', state: read.state, message: `Status w Allegro: ${DELIVERY_STATE_LABELS[read.state]}.` }
  } catch (error) {
    if (!(error instanceof AllegroApiError || error instanceof NotFoundError)) {
      await releaseClaim(app.db, delivery.id)
      throw error
    }
    // checked_at moves on, so the background sender asks again only after RECHECK_MINUTES
    await finishDelivery(app.db, delivery.id, { state: deliveryState(delivery), checkedAt: at }, at)
    return { kind: 'failed', message: error instanceof AllegroApiError ? deliveryErrorMessage(error) : error.message }
  }
}

// The background sender -------------------------------------------------------------------------

const DELIVERY_CHECK_MS = 60_000
/** Documents one round sends at most; the rest wait for the next round. */
const BATCH = 20
/** How often a document Allegro is still checking is asked about again. */
const RECHECK_MINUTES = 5

/** tick(): one round, sending what is due, then reading back documents Allegro is still checking */
export type AllegroDeliveryWorker = IntervalWorker<SendOutcome[]>

/**
 * The in-process timer of automatic sending (start it once the app is ready, stop it on close).
 * Each round sends the documents whose next attempt is due, one at a time, outside any DB
 * transaction, and refreshes the state of documents Allegro is still verifying.
 */
export function startAllegroDeliveryWorker(
  app: BackgroundContext,
  opts: { intervalMs?: number; client?: ShopClientOverrides } = {}
): AllegroDeliveryWorker {
  let recovery: Promise<void> | null = releaseDeliveryClaimsOfEarlierRun(app.db).then(
    (released) => {
      if (released > 0) app.log.info({ released }, 'allegro delivery: claims left by an earlier run released')
    },
    (error: unknown) => {
      app.log.error({ err: error }, 'allegro delivery: releasing claims of an earlier run failed')
    }
  )

  async function round(): Promise<SendOutcome[]> {
    if (recovery !== null) {
      await recovery
      recovery = null
    }
    const outcomes: SendOutcome[] = []
    const now = app.ctx.now()
    for (const documentId of await dueDeliveries(app.db, toStoredTimestamp(now), BATCH)) {
      if (worker.stopped) break
      outcomes.push(await sendDocumentToAllegro(app, documentId, { trigger: 'auto', client: opts.client }))
    }
    for (const documentId of await deliveriesToCheck(
      app.db,
      toStoredTimestamp(now.minus({ minutes: RECHECK_MINUTES })),
      BATCH
    )) {
      if (worker.stopped) break
      await refreshDeliveryStatus(app, documentId, { client: opts.client })
    }
    return outcomes
  }

  // rounds never overlap: a slow Allegro must not make two senders race for one document
  const worker = startIntervalWorker({
    intervalMs: opts.intervalMs ?? DELIVERY_CHECK_MS,
    run: round,
    idle: [],
    onError: (error) => {
      app.log.error({ err: error }, 'sending documents to allegro failed')
    }
  })
  return worker
}
