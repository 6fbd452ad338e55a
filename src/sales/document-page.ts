// The document's detail page: the document itself plus what can be done with it (Allegro, KSeF,
// booking). Rendered by GET and by the POSTs that re-show it with a form error.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { correctionNeededFor } from '../jpk/jpk.queries.ts'
import { bookingStatusForDocument } from '../ledger/ledger.hooks.ts'
import { can } from '../plugins/auth.ts'
import {
  canSendToAllegro,
  DELIVERY_STATE_BADGES,
  DELIVERY_STATE_LABELS,
  isDelivered
} from '../delivery/allegro-delivery.ts'
import { deliveryState, deliveryTarget, findDelivery } from '../delivery/allegro-delivery.queries.ts'
import { exemptionBasisText, vatRateLabel } from '../shared/vat.ts'
import { loadDocumentForOutput } from '../pdf/document-output.queries.ts'
import { exchangeRateNote } from '../documents/exchange-rates.ts'
import { canHoldKsefNumber } from '../ksef/ksef-export.ts'
import { ksefPanelOf } from '../ksef/ksef-panel.ts'
import { ksefPrintNotice } from '../ksef/qr.queries.ts'

export interface KsefForm {
  value: string
  error: string | null
}

export async function renderDocumentPage(
  app: FastifyInstance,
  request: FastifyRequest,
  reply: FastifyReply,
  documentId: number,
  opts: { ksefForm?: KsefForm; status?: number } = {}
) {
  const doc = await loadDocumentForOutput(app.db, documentId)
  const [booking, target, delivery] = await Promise.all([
    bookingStatusForDocument(app.db, doc.id),
    deliveryTarget(app.db, doc.id),
    findDelivery(app.db, doc.id)
  ])
  const state = delivery ? deliveryState(delivery) : null
  const allegroAllowed = can(request.user, 'allegro') && reply.locals.company?.allegroEnabled !== false
  const isOwner = request.user?.isOwner === true
  const allegro = {
    // shown when the document belongs to an order, or was sent before it was unlinked
    shown: target !== null || delivery !== undefined,
    target,
    delivery: delivery ?? null,
    state,
    stateLabel: state ? DELIVERY_STATE_LABELS[state] : null,
    badge: state ? DELIVERY_STATE_BADGES[state] : null,
    canSend:
      allegroAllowed &&
      doc.status === 'issued' &&
      target !== null &&
      canSendToAllegro(doc.type, 'manual') &&
      (state === null || !isDelivered(state)),
    canRefresh:
      allegroAllowed &&
      delivery !== undefined &&
      delivery.allegro_invoice_id !== null &&
      state !== null &&
      isDelivered(state),
    internal: doc.type === 'inny_przychod'
  }
  const ksefPanel = await ksefPanelOf(app.db, doc.id, doc.status === 'issued' && canHoldKsefNumber(doc.type))
  const ksef = {
    isInvoice: canHoldKsefNumber(doc.type),
    canEnterNumber:
      doc.status === 'issued' &&
      canHoldKsefNumber(doc.type) &&
      ksefPanel.numberByHand &&
      (doc.ksefNumber === null || isOwner),
    form: opts.ksefForm ?? { value: '', error: null },
    panel: ksefPanel,
    // what the QR codes on the PDF lack (KOD II of an offline invoice), before it goes to the buyer
    printNotice: await ksefPrintNotice(app.db, app.ctx, doc.id, app.ctx.now())
  }
  // the form sits at the bottom of a long page: say at the top that it needs attention
  if (opts.ksefForm?.error)
    reply.locals.flash = [
      ...reply.locals.flash,
      { kind: 'error', message: `Nie zapisano numeru KSeF: ${opts.ksefForm.error}` }
    ]
  // "Wróć do transakcji" when the page was opened from one of the document's transactions
  // (?transakcja=id); any other value is ignored
  const fromId = Number((request.query as Record<string, unknown> | undefined)?.transakcja)
  const fromTransaction = doc.transactions.find((t) => t.id === fromId) ?? null
  return reply.code(opts.status ?? 200).viewAsync('documents/show', {
    title: `${doc.typeLabel} ${doc.number}`,
    doc,
    fromTransaction,
    booking,
    allegro,
    ksef,
    // a sale issued into a month whose JPK_V7 is filed: the return needs a correction (art. 81 OP)
    jpkCorrection: doc.status === 'issued' ? await correctionNeededFor(app.db, doc.id) : null,
    rateNote: exchangeRateNote(doc),
    vatRateLabel,
    exemptionBasisText
  })
}
