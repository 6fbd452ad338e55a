import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { DateTime } from 'luxon'
import { listContractorOptions } from '../contractors/contractors.queries.ts'
import { createNbpClient, previousBusinessDay } from '../nbp/nbp.ts'
import { currentUser, requireAllegroModule, requireDocuments, requireOwner } from '../plugins/auth.ts'
import { toStoredTimestamp } from '../shared/dates.ts'
import { NotFoundError } from '../shared/errors.ts'
import { asArray, checkbox, parseId, text } from '../shared/form.ts'
import { formatMoney, parseUserAmount } from '../shared/money.ts'
import allegroDeliveryRoutes from '../delivery/allegro-delivery.routes.ts'
import { PAYMENT_METHOD_LABELS, PAYMENT_METHODS, linkMismatches } from '../documents/document.ts'
import { renderDocumentPage } from './document-page.ts'
import { documentPdfFile } from '../pdf/document-file.ts'
import { manualRate, parseManualRate, type ManualRateValues } from '../documents/exchange-rates.ts'
import ksefRoutes from './ksef.routes.ts'
import { ksefListStates } from '../ksef/ksef-panel.ts'
import {
  MANUAL_EMPTY_ROWS,
  emptyLine,
  newManualDocumentValues,
  parseDocumentFilters,
  parseIssueRequest,
  parseManualDocumentForm,
  parseSeriesForm,
  wantsMoreRows,
  type ManualDocumentValues
} from './documents.form.ts'
import {
  DEFAULT_DOCUMENT_ORDER,
  DOCUMENT_SORTS,
  documentsForTransactions,
  getTransactionSummary,
  listDocuments,
  sellerSnapshot,
  transactionsByIds
} from '../documents/documents.queries.ts'
import { parseListOrder } from '../shared/list-order.ts'
import {
  DEFAULT_PAYMENT_DAYS,
  cancelBlockerOf,
  cancelDocument,
  foreignSales,
  issueForTransaction,
  issueForTransactions,
  issueInvoiceFromProforma,
  issueManualDocument,
  transactionBuyer,
  type IssueOutcome,
  type SkipReason
} from './issuing.ts'
import {
  DOCUMENT_TYPE_INFO,
  DOCUMENT_TYPES,
  canIssue,
  documentTypeLabel,
  isDocumentType,
  issuableDocumentTypes,
  issueTypeOptions,
  type DocumentType
} from '../shared/document-types.ts'
import { EXEMPTION_BASIS_KIND_LABELS, EXEMPTION_BASIS_KINDS, vatRateLabel, VAT_RATES } from '../shared/vat.ts'
import { seriesPatterns, saveSeriesPatterns } from '../documents/numbering.queries.ts'
import { searchLinkCandidates } from '../documents/linking.queries.ts'
import { findIssueReport, saveIssueReport } from '../documents/issue-report.queries.ts'
import { loadDocumentForOutput } from '../pdf/document-output.queries.ts'
import { linkDocuments, unlinkDocument } from '../documents/linking.ts'
import { safeReturnPath } from '../shared/return-path.ts'

/** Per request to api.nbp.pl; the client steps back a few days when a table is missing. */
const NBP_TIMEOUT_MS = 10_000

function idParam(request: FastifyRequest, name = 'id'): number {
  const id = parseId((request.params as Record<string, unknown>)[name])
  if (id === null) throw new NotFoundError('Nie ma takiego dokumentu.')
  return id
}

function skipMessage(reason: SkipReason): string {
  switch (reason.code) {
    case 'not_found':
      return 'nie ma takiej transakcji (mogła zostać usunięta)'
    case 'cancelled':
      return 'transakcja jest anulowana – do anulowanego zamówienia nie wystawia się dokumentu'
    case 'not_filled_in':
      return 'kupujący nie uzupełnił jeszcze formularza zamówienia w Allegro (dostawa, dane do faktury) i może je zmienić – wystaw dokument, gdy zamówienie będzie uzupełnione'
    case 'wrong_type':
      return 'ten rodzaj dokumentu nie pasuje do statusu VAT firmy'
    case 'already':
      return `transakcja ma już dokument tego rodzaju: ${reason.number}`
    case 'mismatch':
      return `suma pozycji (${formatMoney(reason.linesTotal, reason.currency)}) różni się od kwoty do zapłaty w Allegro (${formatMoney(reason.totalToPay, reason.currency)}) – wystaw dokument ręcznie`
    case 'invalid_order':
      return `dane zamówienia z Allegro są niepoprawne (${reason.problem}) – wystaw dokument ręcznie`
    case 'invalid_buyer':
      return `${reason.problem} – wystaw dokument ręcznie`
    case 'refused':
      return reason.problem
    case 'no_rate':
      return `brak kursu NBP dla ${reason.currency}. ${reason.problem.charAt(0).toUpperCase()}${reason.problem.slice(1)}`
  }
}

const WARNING_MESSAGES = {
  unpaid: 'zamówienie nie jest jeszcze opłacone w Allegro – dokument ma termin płatności'
} as const

const SERIES_ROWS = DOCUMENT_TYPES.map((type) => ({
  type,
  label: DOCUMENT_TYPE_INFO[type].label,
  defaultPattern: DOCUMENT_TYPE_INFO[type].defaultPattern
}))

/** The month filter's choices: the last two years, plus the chosen month if older. */
function recentMonths(now: DateTime, chosen: string): Array<{ value: string; label: string }> {
  const months = Array.from({ length: 24 }, (_, i) => now.startOf('month').minus({ months: i }))
  const values = months.map((month) => month.toFormat('yyyy-MM'))
  if (chosen !== '' && !values.includes(chosen)) values.push(chosen)
  return values.map((value) => ({
    value,
    label: DateTime.fromISO(`${value}-01`).setLocale('pl').toFormat('LLLL yyyy')
  }))
}

function manualFormOptions(isVatPayer: boolean) {
  return {
    types: issueTypeOptions(isVatPayer),
    paymentMethods: PAYMENT_METHODS.map((value) => ({ value, label: PAYMENT_METHOD_LABELS[value] })),
    vatRates: VAT_RATES.map((value) => ({ value, label: vatRateLabel(value) })),
    exemptionBasisKinds: EXEMPTION_BASIS_KINDS.map((value) => ({ value, label: EXEMPTION_BASIS_KIND_LABELS[value] })),
    isVatPayer
  }
}

export default async function documentsRoutes(app: FastifyInstance): Promise<void> {
  app.addHook('preHandler', requireDocuments)
  const today = (): string => app.ctx.now().toISODate()!
  const nbp = () =>
    createNbpClient({ baseUrl: app.ctx.config.nbpApiUrl, fetch: app.ctx.fetch, timeoutMs: NBP_TIMEOUT_MS })

  await app.register(ksefRoutes)
  await app.register(allegroDeliveryRoutes)

  async function renderManualForm(
    reply: FastifyReply,
    values: ManualDocumentValues,
    errors: Record<string, string>,
    status = 200
  ) {
    const company = await sellerSnapshot(app.db)
    return reply.code(status).viewAsync('documents/new', {
      title: 'Nowy dokument sprzedaży',
      values,
      errors,
      contractors: await listContractorOptions(app.db),
      ...manualFormOptions(company.vatPayer)
    })
  }

  app.get('/przychody/dokumenty', async (request, reply) => {
    const order = parseListOrder(request.query, DOCUMENT_SORTS, DEFAULT_DOCUMENT_ORDER)
    const filters = { ...parseDocumentFilters(request.query), order, pageSize: order.pageSize }
    const { rows, total, sums } = await listDocuments(app.db, filters)
    const contractor =
      filters.contractorId === null
        ? null
        : await app.db
            .selectFrom('contractors')
            .select(['id', 'name'])
            .where('id', '=', filters.contractorId)
            .executeTakeFirst()
    return reply.viewAsync('documents/index', {
      title: 'Dokumenty sprzedaży',
      rows,
      total,
      filters,
      contractor: contractor ?? null,
      page: filters.page,
      pages: Math.max(1, Math.ceil(total / order.pageSize)),
      query: {
        typ: filters.type,
        miesiac: filters.month,
        kontrahent: filters.contractorId ?? '',
        q: filters.q,
        ...order.query
      },
      order,
      sums,
      types: DOCUMENT_TYPES.map((type) => ({ value: type, label: DOCUMENT_TYPE_INFO[type].label })),
      months: recentMonths(app.ctx.now(), filters.month),
      typeLabel: documentTypeLabel,
      ksefStates: await ksefListStates(
        app.db,
        rows.map((row) => row.id)
      )
    })
  })

  app.get('/przychody/dokumenty/nowy', async (request, reply) => {
    const company = await sellerSnapshot(app.db)
    const contractorId = parseId(text(request.query, 'kontrahent'))
    const values = newManualDocumentValues({
      today: today(),
      dueDate: app.ctx.now().plus({ days: DEFAULT_PAYMENT_DAYS }).toISODate()!,
      type: issuableDocumentTypes(company.vatPayer)[0],
      defaultVatRate: company.vatPayer ? company.defaultVatRate : 'zw',
      contractorId: contractorId === null ? '' : String(contractorId)
    })
    return await renderManualForm(reply, values, {})
  })

  app.post('/przychody/dokumenty/nowy', async (request, reply) => {
    const company = await sellerSnapshot(app.db)
    const defaultVatRate = company.vatPayer ? company.defaultVatRate : 'zw'
    const form = parseManualDocumentForm(request.body, { today: today(), isVatPayer: company.vatPayer, defaultVatRate })
    if (wantsMoreRows(request.body)) {
      const lines = [
        ...form.values.lines,
        ...Array.from({ length: MANUAL_EMPTY_ROWS }, () => emptyLine(defaultVatRate))
      ]
      return await renderManualForm(reply, { ...form.values, lines }, {})
    }
    if (form.request === null) return await renderManualForm(reply, form.values, form.errors, 422)
    const outcome = await issueManualDocument(
      app.db,
      { ...form.request, userId: currentUser(request).id },
      app.ctx.now()
    )
    if (!outcome.ok) return await renderManualForm(reply, form.values, { form: outcome.problem }, 422)
    reply.flash('success', `Wystawiono dokument ${outcome.number}.`)
    return reply.redirect(`/przychody/dokumenty/${outcome.documentId}`, 303)
  })

  app.get('/przychody/dokumenty/wynik/:id', async (request, reply) => {
    const report = await findIssueReport<IssueOutcome>(app.db, idParam(request), currentUser(request).id)
    if (!report) throw new NotFoundError('Nie ma takiego raportu wystawiania (raporty są przechowywane przez tydzień).')
    const transactions = await transactionsByIds(
      app.db,
      report.outcomes.map((outcome) => outcome.transactionId)
    )
    const rows = report.outcomes.map((outcome) => ({
      outcome,
      transaction: transactions.get(outcome.transactionId) ?? null,
      message: outcome.status === 'skipped' ? skipMessage(outcome.reason) : null,
      warnings: outcome.status === 'issued' ? outcome.warnings.map((warning) => WARNING_MESSAGES[warning]) : []
    }))
    const issued = rows.filter((row) => row.outcome.status === 'issued').length
    return reply.viewAsync('documents/issue-result', {
      title: 'Wynik wystawiania',
      rows,
      issued,
      type: report.type,
      typeLabel: documentTypeLabel(report.type)
    })
  })

  app.get('/przychody/dokumenty/:id', async (request, reply) => {
    return await renderDocumentPage(app, request, reply, idParam(request))
  })

  app.get('/przychody/dokumenty/:id/pdf', async (request, reply) => {
    const { pdf, fileName, asciiName } = await documentPdfFile(app.db, app.ctx, idParam(request))
    return reply
      .type('application/pdf')
      .header(
        'content-disposition',
        `attachment; filename="${asciiName}"; filename*=UTF-8''${encodeURIComponent(fileName)}`
      )
      .header('cache-control', 'private, no-store')
      .send(pdf)
  })

  app.get('/przychody/dokumenty/:id/anulowanie', async (request, reply) => {
    const doc = await loadDocumentForOutput(app.db, idParam(request))
    const blocker =
      doc.status === 'issued'
        ? await cancelBlockerOf(app.db, { id: doc.id, number: doc.number, type: doc.type, ksef_number: doc.ksefNumber })
        : null
    const sentToAllegro = await app.db
      .selectFrom('document_allegro_deliveries')
      .select('id')
      .where('document_id', '=', doc.id)
      .where('allegro_invoice_id', 'is not', null)
      .executeTakeFirst()
    return reply.viewAsync('documents/cancel', {
      title: `Anulowanie ${doc.number}`,
      doc,
      blocker,
      sentToAllegro: sentToAllegro !== undefined
    })
  })

  app.post('/przychody/dokumenty/:id/faktura-z-proformy', async (request, reply) => {
    const id = idParam(request)
    const outcome = await issueInvoiceFromProforma(
      app.db,
      { proformaId: id, userId: currentUser(request).id },
      app.ctx.now(),
      { nbp: nbp() }
    )
    if (!outcome.ok) {
      reply.flash('error', outcome.problem)
      return reply.redirect(`/przychody/dokumenty/${id}`, 303)
    }
    reply.flash('success', `Wystawiono fakturę ${outcome.number} do pro formy.`)
    return reply.redirect(`/przychody/dokumenty/${outcome.documentId}`, 303)
  })

  app.post('/przychody/dokumenty/:id/anulowanie', async (request, reply) => {
    const id = idParam(request)
    const outcome = await cancelDocument(app.db, { documentId: id, userId: currentUser(request).id }, app.ctx.now())
    if (outcome.ok) reply.flash('success', `Dokument ${outcome.number} został anulowany. Numer pozostaje wykorzystany.`)
    else reply.flash('error', outcome.problem)
    return reply.redirect(`/przychody/dokumenty/${id}`, 303)
  })

  await app.register(async (owner) => {
    owner.addHook('preHandler', requireOwner)

    owner.get('/ustawienia/numeracja', async (_request, reply) => {
      return reply.viewAsync('documents/numbering', {
        title: 'Numeracja dokumentów',
        values: await seriesPatterns(app.db),
        errors: {},
        types: SERIES_ROWS
      })
    })

    owner.post('/ustawienia/numeracja', async (request, reply) => {
      const form = parseSeriesForm(request.body)
      if (Object.keys(form.errors).length > 0) {
        return reply.code(422).viewAsync('documents/numbering', {
          title: 'Numeracja dokumentów',
          values: form.values,
          errors: form.errors,
          types: SERIES_ROWS
        })
      }
      await saveSeriesPatterns(app.db, form.values, toStoredTimestamp(app.ctx.now()), currentUser(request).id)
      reply.flash('success', 'Zapisano wzory numeracji. Obowiązują od następnego wystawionego dokumentu.')
      return reply.redirect('/ustawienia/numeracja', 303)
    })
  })

  await app.register(async (allegro) => {
    allegro.addHook('preHandler', requireAllegroModule)

    allegro.post('/przychody/dokumenty/wystaw', async (request, reply) => {
      const company = await sellerSnapshot(app.db)
      const parsed = parseIssueRequest(request.body, company.vatPayer)
      if (!parsed.ok) {
        reply.flash('error', parsed.problem)
        return reply.redirect(
          safeReturnPath(text(request.body, 'powrot'), '/przychody/allegro', '/przychody/allegro'),
          303
        )
      }
      const user = currentUser(request)
      const now = app.ctx.now()
      const outcomes = await issueForTransactions(
        app.db,
        { transactionIds: parsed.transactionIds, type: parsed.type, userId: user.id },
        now,
        { nbp: nbp() }
      )
      const reportId = await saveIssueReport(app.db, {
        userId: user.id,
        type: parsed.type,
        outcomes,
        at: toStoredTimestamp(now),
        removeBefore: toStoredTimestamp(now.minus({ days: 7 }))
      })
      return reply.redirect(`/przychody/dokumenty/wynik/${reportId}`, 303)
    })

    const linkPage = async (
      request: FastifyRequest,
      reply: FastifyReply,
      confirm: { selected: number[]; warnings: string[] } | null = null
    ) => {
      const transaction = await getTransactionSummary(app.db, idParam(request))
      const q = text(request.query, 'q').slice(0, 100)
      const amountText = text(request.query, 'kwota').slice(0, 20)
      const amount = amountText === '' ? null : parseUserAmount(amountText)
      const linked = (await documentsForTransactions(app.db, [transaction.id])).get(transaction.id) ?? []
      const found = await searchLinkCandidates(app.db, transaction, { q, amount })
      // documents waiting for the confirmation stay on the list, checked, whatever the search
      const selected =
        confirm === null
          ? []
          : await searchLinkCandidates(app.db, transaction, { q: '', amount: null, ids: confirm.selected })
      const candidates = [...selected, ...found.filter((doc) => !selected.some((s) => s.id === doc.id))]
      return reply.code(confirm === null ? 200 : 422).viewAsync('documents/link', {
        confirm,
        title: `Powiąż transakcję ${transaction.checkout_form_id.slice(0, 8)}`,
        transaction,
        linked,
        candidates,
        search: { q, kwota: amountText },
        amountError: amountText !== '' && amount === null ? 'Kwota, np. 123,45.' : null,
        typeLabel: documentTypeLabel
      })
    }

    allegro.get('/przychody/allegro/:id/powiazanie', linkPage)

    // Wystaw with an exchange rate typed by hand, when NBP could not be asked
    const ratePage = async (
      request: FastifyRequest,
      reply: FastifyReply,
      values: ManualRateValues,
      errors: Record<string, string>,
      status = 200
    ) => {
      const transaction = await getTransactionSummary(app.db, idParam(request))
      const company = await sellerSnapshot(app.db)
      const typeText = text(request.method === 'GET' ? request.query : request.body, 'typ')
      const type: DocumentType =
        isDocumentType(typeText) && canIssue(typeText, company.vatPayer)
          ? typeText
          : issuableDocumentTypes(company.vatPayer)[0]
      const [sale] = await foreignSales(app.db, [transaction.id])
      if (!sale) {
        reply.flash('info', 'Ta transakcja jest w złotych – kurs waluty nie jest potrzebny.')
        return reply.redirect(`/przychody/allegro/${transaction.id}`, 303)
      }
      return reply.code(status).viewAsync('documents/manual-rate', {
        title: `Kurs waluty: ${transaction.checkout_form_id.slice(0, 8)}`,
        transaction,
        sale,
        tableDate: previousBusinessDay(sale.saleDate),
        type,
        typeLabel: documentTypeLabel(type),
        values,
        errors
      })
    }

    allegro.get('/przychody/allegro/:id/kurs', async (request, reply) => {
      return await ratePage(request, reply, { rate: '', tableNo: '', date: '' }, {})
    })

    allegro.post('/przychody/allegro/:id/kurs', async (request, reply) => {
      const transaction = await getTransactionSummary(app.db, idParam(request))
      const company = await sellerSnapshot(app.db)
      const values: ManualRateValues = {
        rate: text(request.body, 'kurs').slice(0, 30),
        tableNo: text(request.body, 'tabela').slice(0, 30),
        date: text(request.body, 'data').slice(0, 30)
      }
      const type = text(request.body, 'typ')
      const [sale] = await foreignSales(app.db, [transaction.id])
      if (!isDocumentType(type) || !canIssue(type, company.vatPayer) || !sale)
        return await ratePage(request, reply, values, { form: 'Odśwież stronę i spróbuj ponownie.' }, 422)
      const parsed = parseManualRate(values, sale.saleDate)
      if (parsed.rate === null) return await ratePage(request, reply, values, parsed.errors, 422)
      const user = currentUser(request)
      const now = app.ctx.now()
      const outcome = await issueForTransaction(app.db, { transactionId: transaction.id, type, userId: user.id }, now, {
        rateFor: manualRate(parsed.rate, sale.saleDate)
      })
      const reportId = await saveIssueReport(app.db, {
        userId: user.id,
        type,
        outcomes: [outcome],
        at: toStoredTimestamp(now),
        removeBefore: toStoredTimestamp(now.minus({ days: 7 }))
      })
      return reply.redirect(`/przychody/dokumenty/wynik/${reportId}`, 303)
    })

    allegro.post('/przychody/allegro/:id/powiazanie', async (request, reply) => {
      const transaction = await getTransactionSummary(app.db, idParam(request))
      const ids = asArray(request.body, 'documentIds').map(parseId)
      const documentIds = [...new Set(ids.filter((id): id is number => id !== null))].slice(0, 100)
      if (documentIds.length === 0) {
        reply.flash('error', 'Zaznacz co najmniej jeden dokument do powiązania.')
        return reply.redirect(`/przychody/allegro/${transaction.id}/powiazanie`, 303)
      }
      if (!checkbox(request.body, 'confirm')) {
        // a document of another amount or buyer is linked only when the user confirms the difference
        const sale = {
          ...(await transactionBuyer(app.db, transaction.id)),
          totalToPay: transaction.total_to_pay,
          currency: transaction.currency
        }
        const docs = await app.db
          .selectFrom('documents')
          .select(['id', 'number', 'buyer_name', 'buyer_nip', 'total_gross', 'currency', 'status'])
          .where('id', 'in', documentIds)
          .orderBy('id')
          .execute()
        const warnings = docs
          .filter((doc) => doc.status === 'issued')
          .flatMap((doc) =>
            linkMismatches(
              {
                number: doc.number,
                buyerName: doc.buyer_name,
                buyerNip: doc.buyer_nip,
                totalGross: doc.total_gross,
                currency: doc.currency
              },
              sale,
              formatMoney
            )
          )
        if (warnings.length > 0) return await linkPage(request, reply, { selected: documentIds, warnings })
      }
      const at = toStoredTimestamp(app.ctx.now())
      const outcomes = await linkDocuments(app.db, transaction.id, documentIds, at)
      const done = outcomes.filter((outcome) => outcome.ok).map((outcome) => outcome.number)
      if (done.length > 0) reply.flash('success', `Powiązano z transakcją: ${done.join(', ')}.`)
      for (const outcome of outcomes)
        if (!outcome.ok) reply.flash('error', `Nie powiązano ${outcome.number}: ${outcome.problem}.`)
      return reply.redirect(`/przychody/allegro/${transaction.id}/powiazanie`, 303)
    })

    allegro.post('/przychody/allegro/:id/powiazanie/:documentId/usun', async (request, reply) => {
      const transaction = await getTransactionSummary(app.db, idParam(request))
      const documentId = idParam(request, 'documentId')
      const result = await unlinkDocument(app.db, transaction.id, documentId)
      if (result === 'unlinked') reply.flash('success', 'Usunięto powiązanie dokumentu z transakcją.')
      else if (result === 'issued_here')
        reply.flash(
          'error',
          'Ten dokument został wystawiony do tej transakcji – zamiast usuwać powiązanie, anuluj dokument.'
        )
      else reply.flash('error', 'Ten dokument nie jest powiązany z tą transakcją.')
      return reply.redirect(`/przychody/allegro/${transaction.id}/powiazanie`, 303)
    })
  })
}
