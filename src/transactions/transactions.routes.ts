import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { documentKind, isDocumentType, issueTypeOptions } from '../shared/document-types.ts'
import { requireAllegroModule } from '../plugins/auth.ts'
import { unmatchedLinesForTransaction } from '../products/stock.hooks.ts'
import { toStoredTimestamp } from '../shared/dates.ts'
import { NotFoundError } from '../shared/errors.ts'
import { parseId } from '../shared/form.ts'
import { parseCheckoutForm, type CheckoutFormData } from './checkout-form.ts'
import type { ImportOutcome } from './import.ts'
import { isImportRunning, nextAllowedAt, startImport, stopRunningImports, type StartResult } from './import-runner.ts'
import { listImportStates } from './import.queries.ts'
import { plural, summariseImport } from './import-summary.ts'
import { STATUS_LABELS, TRANSACTION_STATUSES } from './transaction-status.ts'
import { transactionView } from './transaction-view.ts'
import {
  parseBack,
  parseFilters,
  parseSelection,
  parseShopChoice,
  parseStatusAction,
  queryOf
} from './transactions.form.ts'
import {
  countDocumentsOf,
  findTransactionsBrief,
  getTransaction,
  linkedDocuments,
  listShopsForTransactions,
  DEFAULT_TRANSACTION_ORDER,
  listTransactions,
  statusHistory,
  sumTransactions,
  TRANSACTION_SORTS,
  transactionItems
} from './transactions.queries.ts'
import { deleteTransactions, setStatusByHand } from './transaction-changes.ts'
import { parseListOrder } from '../shared/list-order.ts'

const LIST_URL = '/przychody/allegro'
/** How long POBIERZ NOWE TRANSAKCJE waits for the result before letting the import finish in the background. */
const IMPORT_WAIT_MS = 20_000

function idParam(request: FastifyRequest): number {
  const id = parseId((request.params as Record<string, unknown>).id)
  if (id === null) throw new NotFoundError('Nie ma takiej transakcji.')
  return id
}

async function waitAtMost<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

function flashStart(reply: FastifyReply, result: StartResult, outcome: ImportOutcome | null): void {
  switch (result.kind) {
    case 'throttled':
      reply.flash(
        'warning',
        `Kolejne pobranie dla sklepu ${result.shopName} będzie możliwe o ${result.nextAllowedAt.toFormat('HH:mm')}.`
      )
      return
    case 'running':
      reply.flash(
        'info',
        `Pobieranie transakcji ze sklepu ${result.shopName} już trwa. ${result.nextAllowedAt === null ? '' : `Kolejne pobranie dla sklepu ${result.shopName} będzie możliwe o ${result.nextAllowedAt.toFormat('HH:mm')}.`}`
      )
      return
    case 'unavailable':
      reply.flash('error', result.message)
      return
    case 'started':
      if (outcome === null) {
        reply.flash(
          'info',
          `Pobieranie transakcji ze sklepu ${result.shopName} trwa w tle. Odśwież stronę za chwilę, by zobaczyć wynik.`
        )
      } else if (outcome.errors.length > 0) {
        reply.flash(
          outcome.completed ? 'warning' : 'error',
          `Pobieranie ze sklepu ${result.shopName}: ${summariseImport(outcome.counts)}. ${outcome.errors.slice(0, 3).join(' ')}`
        )
      } else {
        reply.flash('success', `Pobrano transakcje ze sklepu ${result.shopName}: ${summariseImport(outcome.counts)}.`)
      }
  }
}

export default async function transactionsRoutes(app: FastifyInstance): Promise<void> {
  app.addHook('preHandler', requireAllegroModule)
  app.addHook('onClose', async () => {
    await stopRunningImports(app)
  })

  /** The list for `listUrl` (its query string holds the filters), or with a bulk form's problem (422). */
  async function renderList(
    reply: FastifyReply,
    listUrl: string,
    problem: { code: number; bulkError: string; selected: number[] } | null
  ) {
    const parsed = parseFilters(queryOf(listUrl))
    const order = parseListOrder(queryOf(listUrl), TRANSACTION_SORTS, DEFAULT_TRANSACTION_ORDER)
    const { rows, total } = await listTransactions(app.db, parsed.filters, parsed.page, {
      order,
      pageSize: order.pageSize
    })
    const sums = await sumTransactions(app.db, parsed.filters)
    const documents = await linkedDocuments(
      app.db,
      rows.map((row) => row.id)
    )
    const shops = await listShopsForTransactions(app.db)
    const states = new Map((await listImportStates(app.db)).map((state) => [state.shop_id, state]))
    const now = app.ctx.now()
    const importPanel = shops
      .filter((shop) => shop.removed_at === null)
      .map((shop) => {
        const state = states.get(shop.id)
        const next = nextAllowedAt(state?.last_started_at ?? null, app.ctx.config.importMinIntervalMinutes)
        return {
          ...shop,
          running: isImportRunning(app, shop.id),
          lastStartedAt: state?.last_started_at ?? null,
          lastFinishedAt: state?.last_finished_at ?? null,
          lastResult: state?.last_result ?? null,
          lastError: state?.last_error ?? null,
          nextAllowedAt: next !== null && next > now ? next.toFormat('HH:mm') : null
        }
      })
    const hasErrors = Object.keys(parsed.errors).length > 0
    const code = problem?.code ?? (hasErrors ? 422 : 200)
    return reply.code(code).viewAsync('transactions/index', {
      title: 'Przychody » Allegro',
      rows,
      documents,
      total,
      page: parsed.page,
      pages: Math.max(1, Math.ceil(total / order.pageSize)),
      values: parsed.values,
      errors: parsed.errors,
      // the filters, the sort and the page size: kept by the pagination, sort and size links
      query: { ...parsed.values, ...order.query },
      order,
      sums,
      shops,
      importPanel,
      importGapMinutes: app.ctx.config.importMinIntervalMinutes,
      statuses: TRANSACTION_STATUSES.map((status) => ({ value: status, label: STATUS_LABELS[status] })),
      documentChoices: issueTypeOptions(reply.locals.company?.isVatPayer ?? true),
      back: listUrl,
      bulkError: problem?.bulkError ?? null,
      selected: new Set(problem?.selected ?? []),
      view: transactionView
    })
  }

  app.get(LIST_URL, async (request, reply) => {
    return await renderList(reply, request.url, null)
  })

  app.post(`${LIST_URL}/pobierz`, async (request, reply) => {
    const choice = parseShopChoice(request.body)
    const back = parseBack(request.body)
    if (choice.error !== null) {
      return await renderList(reply, back, { code: 422, bulkError: choice.error, selected: [] })
    }
    let shopIds: number[]
    if (choice.shopId !== null) {
      shopIds = [choice.shopId]
    } else {
      shopIds = (await listShopsForTransactions(app.db))
        .filter((shop) => shop.removed_at === null)
        .map((shop) => shop.id)
      if (shopIds.length === 0) {
        reply.flash(
          'warning',
          'Nie masz jeszcze sklepu Allegro. Dodaj go w USTAWIENIA » INTEGRACJE » ALLEGRO (DODAJ SKLEP).'
        )
        return reply.redirect(back, 303)
      }
    }
    const started: StartResult[] = []
    for (const shopId of shopIds) started.push(await startImport(app, shopId, { trigger: 'manual' }))
    const deadline = Date.now() + IMPORT_WAIT_MS
    for (const result of started) {
      const outcome =
        result.kind === 'started' ? await waitAtMost(result.done, Math.max(0, deadline - Date.now())) : null
      flashStart(reply, result, outcome)
    }
    return reply.redirect(back, 303)
  })

  app.post(`${LIST_URL}/status`, async (request, reply) => {
    const back = parseBack(request.body)
    const selection = parseSelection(request.body)
    const status = parseStatusAction(request.body)
    if (selection.error !== null || status === null) {
      const bulkError = selection.error ?? 'Wybierz akcję: Opłać, Zamknij albo Anuluj.'
      return await renderList(reply, back, { code: 422, bulkError, selected: selection.ids })
    }
    const changed = await setStatusByHand(
      app.db,
      selection.ids,
      status,
      request.user!.id,
      toStoredTimestamp(app.ctx.now())
    )
    reply.flash(
      'success',
      changed === 0
        ? 'Zaznaczone transakcje miały już ten status.'
        : `Zmieniono status na „${STATUS_LABELS[status]}” (${changed} ${plural(changed, 'transakcja', 'transakcje', 'transakcji')}). Zmiana dotyczy tylko Biurka, nie Allegro.`
    )
    return reply.redirect(back, 303)
  })

  app.post(`${LIST_URL}/usun`, async (request, reply) => {
    const back = parseBack(request.body)
    const selection = parseSelection(request.body)
    if (selection.error !== null) {
      return await renderList(reply, back, { code: 422, bulkError: selection.error, selected: [] })
    }
    const body = request.body as Record<string, unknown> | undefined
    if (body?.confirmed !== 'tak') {
      const transactions = await findTransactionsBrief(app.db, selection.ids)
      if (transactions.length === 0) throw new NotFoundError('Zaznaczone transakcje już nie istnieją.')
      return reply.viewAsync('transactions/delete', {
        title: 'Usuwanie transakcji',
        transactions,
        documentCount: await countDocumentsOf(app.db, selection.ids),
        action: `${LIST_URL}/usun`,
        back,
        cancelUrl: back,
        view: transactionView
      })
    }
    const deleted = await deleteTransactions(app.db, selection.ids, request.user!.id, toStoredTimestamp(app.ctx.now()))
    reply.flash(
      'success',
      `Usunięto ${deleted} ${plural(deleted, 'transakcję', 'transakcje', 'transakcji')}. Nie wrócą przy kolejnym pobieraniu z Allegro.`
    )
    return reply.redirect(back, 303)
  })

  app.get(`${LIST_URL}/:id`, async (request, reply) => {
    const id = idParam(request)
    const transaction = await getTransaction(app.db, id)
    let form: CheckoutFormData | null = null
    let formProblem: string | null = null
    try {
      const parsed = parseCheckoutForm(JSON.parse(transaction.raw_json))
      if (parsed.ok) form = parsed.form
      else formProblem = parsed.error
    } catch {
      formProblem = 'zapisane dane nie są poprawnym JSON-em'
    }
    const documents = (await linkedDocuments(app.db, [id])).get(id) ?? []
    // what the issuing refuses is not offered: a second document of a kind the order already
    // has, or a receipt after its invoice (issuing.ts); the page links to the existing one instead
    const kinds = new Set(
      documents
        .filter((d) => d.status !== 'cancelled' && isDocumentType(d.type))
        .map((d) => documentKind(d.type as Parameters<typeof documentKind>[0]))
    )
    const documentChoices = issueTypeOptions(reply.locals.company?.isVatPayer ?? true).filter((choice) => {
      const kind = documentKind(choice.value)
      return !kinds.has(kind) && !(kind === 'paragon' && kinds.has('faktura'))
    })
    return reply.viewAsync('transactions/details', {
      formProblem,
      title: `Transakcja ${transactionView.shortId(transaction.checkout_form_id)}`,
      t: transaction,
      form,
      items: await transactionItems(app.db, id),
      history: await statusHistory(app.db, id),
      documents,
      documentChoices,
      unmatched: await unmatchedLinesForTransaction(app.db, id),
      view: transactionView
    })
  })

  app.post(`${LIST_URL}/:id/status`, async (request, reply) => {
    const id = idParam(request)
    const transaction = await getTransaction(app.db, id)
    const status = parseStatusAction(request.body)
    if (status === null) {
      reply.flash('error', 'Wybierz akcję: Opłać, Zamknij albo Anuluj.')
      return reply.redirect(`${LIST_URL}/${transaction.id}`, 303)
    }
    const changed = await setStatusByHand(app.db, [id], status, request.user!.id, toStoredTimestamp(app.ctx.now()))
    reply.flash(
      'success',
      changed === 0
        ? `Transakcja ma już status „${STATUS_LABELS[status]}”.`
        : `Zmieniono status na „${STATUS_LABELS[status]}”. Zmiana dotyczy tylko Biurka, nie Allegro.`
    )
    return reply.redirect(`${LIST_URL}/${id}`, 303)
  })

  app.get(`${LIST_URL}/:id/usun`, async (request, reply) => {
    const id = idParam(request)
    const transactions = await findTransactionsBrief(app.db, [id])
    if (transactions.length === 0) throw new NotFoundError('Nie ma takiej transakcji.')
    return reply.viewAsync('transactions/delete', {
      title: 'Usuwanie transakcji',
      transactions,
      documentCount: await countDocumentsOf(app.db, [id]),
      action: `${LIST_URL}/${id}/usun`,
      back: LIST_URL,
      cancelUrl: `${LIST_URL}/${id}`,
      view: transactionView
    })
  })

  app.post(`${LIST_URL}/:id/usun`, async (request, reply) => {
    const id = idParam(request)
    const deleted = await deleteTransactions(app.db, [id], request.user!.id, toStoredTimestamp(app.ctx.now()))
    if (deleted === 0) throw new NotFoundError('Nie ma takiej transakcji.')
    reply.flash('success', 'Usunięto transakcję. Nie wróci przy kolejnym pobieraniu z Allegro.')
    return reply.redirect(LIST_URL, 303)
  })
}
