// Wystaw korektę: the form for an invoice (and the way in from an Allegro transaction), and
// issuing it. The correction's own page, PDF and FA(3) file are the documents feature's.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Selectable } from 'kysely'
import type { Documents } from '../db/schema.gen.ts'
import { activeDocumentOfKind } from '../documents/documents.queries.ts'
import { vatRateLabel } from '../shared/vat.ts'
import { can, currentUser, requireAllegroModule, requireDocuments } from '../plugins/auth.ts'
import { ForbiddenError } from '../shared/errors.ts'
import { COMMON_REASONS, isCorrectable, SETTLEMENT_LABELS, SETTLEMENTS } from '../corrections/correction.ts'
import { issueCorrection } from './correction-issuing.ts'
import {
  initialCorrectionValues,
  parseCorrectionForm,
  REASON_MAX_LENGTH,
  type CorrectionFormValues
} from './corrections.form.ts'
import { correctionsOfInvoice, invoiceState } from '../corrections/corrections.queries.ts'
import { documentTypeLabel } from '../shared/document-types.ts'
import { idParam } from '../shared/params.ts'

const documentId = (request: FastifyRequest): number => idParam(request, 'Nie ma takiego dokumentu.')

/** Whoever handles Allegro returns or keeps the books may correct an invoice. */
async function requireCorrectionAccess(request: FastifyRequest): Promise<void> {
  if (!can(request.user, 'allegro') && !can(request.user, 'ksiegowosc')) {
    throw new ForbiddenError(
      'Faktury korygujące wystawiają osoby z dostępem do modułu Allegro albo do księgowości. Poproś właściciela konta o uprawnienia.'
    )
  }
}

export default async function correctionsRoutes(app: FastifyInstance): Promise<void> {
  app.addHook('preHandler', requireDocuments)
  const today = (): string => app.ctx.now().toISODate()!

  async function renderForm(
    reply: FastifyReply,
    original: Selectable<Documents>,
    values: CorrectionFormValues | null,
    errors: Record<string, string>,
    status = 200
  ) {
    const state = await invoiceState(app.db, original.id)
    const corrections = (await correctionsOfInvoice(app.db, original.id)).filter((c) => c.status === 'issued')
    return reply.code(status).viewAsync('corrections/new', {
      title: `Korekta faktury ${original.number}`,
      original: { ...original, typeLabel: documentTypeLabel(original.type) },
      lines: state.lines,
      // after a newer correction the "before" column changes: the form then carries the new state
      values:
        values === null
          ? initialCorrectionValues(state.lines, { today: today(), basedOn: state.latestCorrectionId })
          : { ...values, basedOn: state.latestCorrectionId === null ? '' : String(state.latestCorrectionId) },
      errors,
      corrections,
      hasDelivery: state.lines.some((line) => line.kind === 'delivery'),
      vatExempt: original.vat_exempt === 1,
      reasons: COMMON_REASONS,
      reasonMaxLength: REASON_MAX_LENGTH,
      settlements: SETTLEMENTS.map((value) => ({ value, label: SETTLEMENT_LABELS[value] })),
      vatRateLabel
    })
  }

  /** The invoice to correct, or a redirect: a correction leads to its invoice, anything else back to its page. */
  async function invoiceOrRedirect(
    request: FastifyRequest,
    reply: FastifyReply
  ): Promise<Selectable<Documents> | null> {
    const doc = await app.db
      .selectFrom('documents')
      .selectAll()
      .where('id', '=', documentId(request))
      .executeTakeFirstOrThrow()
    if (doc.type === 'korekta' && doc.corrects_document_id !== null) {
      await reply.redirect(`/przychody/dokumenty/${doc.corrects_document_id}/korekta`, 303)
      return null
    }
    if (!isCorrectable(doc)) {
      reply.flash(
        'error',
        doc.status === 'cancelled'
          ? `Dokument ${doc.number} jest anulowany – anulowanego dokumentu się nie koryguje.`
          : `${documentTypeLabel(doc.type)} ${doc.number} nie jest fakturą – korektę wystawia się tylko do faktury.`
      )
      await reply.redirect(`/przychody/dokumenty/${doc.id}`, 303)
      return null
    }
    return doc
  }

  await app.register(async (scope) => {
    scope.addHook('preHandler', requireCorrectionAccess)

    scope.get('/przychody/dokumenty/:id/korekta', async (request, reply) => {
      const original = await invoiceOrRedirect(request, reply)
      if (original === null) return reply
      return await renderForm(reply, original, null, {})
    })

    scope.post('/przychody/dokumenty/:id/korekta', async (request, reply) => {
      const original = await invoiceOrRedirect(request, reply)
      if (original === null) return reply
      const state = await invoiceState(app.db, original.id)
      const form = parseCorrectionForm(request.body, {
        lines: state.lines,
        today: today(),
        originalIssueDate: original.issue_date
      })
      if (form.request === null) return await renderForm(reply, original, form.values, form.errors, 422)
      const outcome = await issueCorrection(
        app.db,
        { ...form.request, originalId: original.id, userId: currentUser(request).id },
        app.ctx.now()
      )
      if (!outcome.ok) return await renderForm(reply, original, form.values, outcome.errors, outcome.stale ? 409 : 422)
      reply.flash('success', `Wystawiono fakturę korygującą ${outcome.number} do faktury ${original.number}.`)
      return reply.redirect(`/przychody/dokumenty/${outcome.documentId}`, 303)
    })

    await scope.register(async (allegro) => {
      allegro.addHook('preHandler', requireAllegroModule)

      // from a transaction: its invoice's correction form
      allegro.get('/przychody/allegro/:id/korekta', async (request, reply) => {
        const transaction = await app.db
          .selectFrom('transactions')
          .select(['id'])
          .where('id', '=', documentId(request))
          .executeTakeFirstOrThrow()
        const invoice = await activeDocumentOfKind(app.db, transaction.id, 'faktura')
        if (!invoice) {
          reply.flash('error', 'Ta transakcja nie ma wystawionej faktury – korektę wystawia się do faktury.')
          return reply.redirect(`/przychody/allegro/${transaction.id}`, 303)
        }
        return reply.redirect(`/przychody/dokumenty/${invoice.id}/korekta`, 303)
      })
    })
  })
}
