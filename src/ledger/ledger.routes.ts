import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { documentTypeLabel } from '../shared/document-types.ts'
import { currentUser, requireOwner, requirePermission } from '../plugins/auth.ts'
import { getCompany } from '../settings/company.queries.ts'
import { toStoredTimestamp } from '../shared/dates.ts'
import { NotFoundError } from '../shared/errors.ts'
import { checkbox, parseId, text, type FieldErrors } from '../shared/form.ts'
import { emptyCostTotals, kpirCostEntries, kpirCostTotals, kpirIncome } from './kpir-costs.queries.ts'
import {
  bookDocuments,
  cancelBooking,
  closeMonths,
  openMonthAgain,
  setRyczaltRates,
  type Actor
} from './ledger.booking.ts'
import { kpirCsv, ryczaltCsv, vatCsv } from './ledger.csv.ts'
import { parseBulkSelection, parseMonthQuery, parseRyczaltRates } from './ledger.form.ts'
import { pageParam } from '../shared/params.ts'
import { safeReturnPath } from '../shared/return-path.ts'
import {
  closedMonthsBetween,
  countPendingDocuments,
  ledgerLog,
  entriesOfDocument,
  getBookingCompany,
  isMonthClosed,
  linesWithRyczaltRates,
  listMonthEntries,
  listPendingDocuments,
  loadBookingInput,
  monthSummaries,
  pageTotals,
  registersOfDocuments,
  setAutoBook
} from './ledger.queries.ts'
import type { PageTotals } from './ledger.queries.ts'
import {
  addMonths,
  eventDate,
  isInvoiceToReceipt,
  isProforma,
  ksefMarker,
  monthLabel,
  monthOf,
  monthsOfYear,
  parseMonth,
  REGISTER_NAMES,
  REGISTER_PATHS,
  requiredRegisters,
  RYCZALT_RATES_BP,
  ryczaltRateLabel,
  VAT_RATES_WITH_TAX,
  VAT_REGISTER_RATES,
  yearOf,
  type Register
} from './ledger.ts'

const PAGE_SIZE = 100

/** The KPiR's cost side (purchase invoices, columns 12–16): the month's entries and its three sums. */
async function kpirCosts(db: FastifyInstance['db'], month: string) {
  const yearStart = `${month.slice(0, 4)}-01`
  const monthTotals = await kpirCostTotals(db, month, month)
  const carried =
    month.slice(5) === '01' ? emptyCostTotals() : await kpirCostTotals(db, yearStart, addMonths(month, -1))
  const yearToDate = await kpirCostTotals(db, yearStart, month)
  return { entries: await kpirCostEntries(db, month), totals: { month: monthTotals, carried, yearToDate } }
}

/** The income of the month and of the year to date: revenue (col. 11) less the costs. */
function kpirIncomes(totals: PageTotals, costs: Awaited<ReturnType<typeof kpirCosts>>) {
  const revenue = (t: PageTotals['month']) => t.revenueSales + t.revenueOther
  return {
    month: kpirIncome(revenue(totals.month), costs.totals.month),
    yearToDate: kpirIncome(revenue(totals.yearToDate), costs.totals.yearToDate)
  }
}

const helpers = {
  monthLabel,
  ksefMarker,
  ryczaltRateLabel,
  nameOfRegister: (register: string) => REGISTER_NAMES[register as Register] ?? register,
  registerPath: (register: string) => REGISTER_PATHS[register as Register] ?? '/ksiegowosc',
  typeName: documentTypeLabel
}

const ryczaltRateOptions = RYCZALT_RATES_BP.map((bp) => ({ value: String(bp), label: ryczaltRateLabel(bp) }))
const vatColumns = VAT_REGISTER_RATES.map((rate) => ({
  rate,
  label: rate === 'zw' ? 'zw' : rate === 'np' ? 'np' : `${rate}%`,
  hasVat: VAT_RATES_WITH_TAX.includes(rate)
}))

export default async function ledgerRoutes(app: FastifyInstance): Promise<void> {
  app.addHook('preHandler', requirePermission('ksiegowosc'))
  // `it.company` belongs to the layout (navigation); ledger pages pass `books` or `firm` instead

  const currentMonth = () => app.ctx.now().toFormat('yyyy-MM')
  const actorOf = (request: FastifyRequest): Actor => ({
    userId: currentUser(request).id,
    at: toStoredTimestamp(app.ctx.now())
  })
  const documentIdParam = (request: FastifyRequest) => {
    const id = parseId((request.params as Record<string, unknown>).id)
    if (id === null) throw new NotFoundError('Nie ma takiego dokumentu.')
    return id
  }

  // ---------- overview ----------

  app.get('/ksiegowosc', async (request, reply) => {
    const picked = parseMonthQuery(request.query, currentMonth())
    const company = await getBookingCompany(app.db)
    const year = yearOf(picked.month)
    const closed = new Set(await closedMonthsBetween(app.db, `${year}-01`, `${year}-12`))
    const book = await monthSummaries(app.db, company.taxForm, year)
    const vat = company.vatPayer ? await monthSummaries(app.db, 'vat', year) : new Map()
    const lastClosed = [...closed].sort().at(-1) ?? null
    const months = monthsOfYear(year).map((month) => ({
      month,
      label: monthLabel(month),
      book: book.get(month) ?? { entries: 0, revenue: 0, vat: 0 },
      vat: vat.get(month) ?? { entries: 0, revenue: 0, vat: 0 },
      closed: closed.has(month),
      canClose: !closed.has(month) && month <= currentMonth(),
      canReopen: month === lastClosed
    }))
    return reply.code(picked.error ? 422 : 200).viewAsync('ledger/index', {
      title: 'Księgowość',
      books: company,
      picked,
      year,
      months,
      pending: await countPendingDocuments(app.db, company),
      ...helpers
    })
  })

  app.post('/ksiegowosc/automatyczne-ksiegowanie', { preHandler: requireOwner }, async (request, reply) => {
    const on = checkbox(request.body, 'autoBook')
    await setAutoBook(app.db, on, toStoredTimestamp(app.ctx.now()))
    reply.flash(
      'success',
      on
        ? 'Wystawiane dokumenty będą księgowane automatycznie.'
        : 'Automatyczne księgowanie wyłączone – dokumenty trafią do listy „Do zaksięgowania”.'
    )
    return reply.redirect('/ksiegowosc', 303)
  })

  // ---------- registers ----------

  async function registerPage(request: FastifyRequest, reply: FastifyReply, register: Register) {
    const picked = parseMonthQuery(request.query, currentMonth())
    const month = picked.month
    const company = await getCompany(app.db)
    const inUse = register === 'vat' ? company.vat_status === 'czynny' : company.tax_form === register
    const totals = await pageTotals(app.db, register, month)
    const costs = register === 'kpir' ? await kpirCosts(app.db, month) : null
    return reply.code(picked.error ? 422 : 200).viewAsync(`ledger/${register}`, {
      title: `${REGISTER_NAMES[register]} – ${monthLabel(month)}`,
      register,
      registerName: REGISTER_NAMES[register],
      basePath: REGISTER_PATHS[register],
      picked,
      month,
      prevMonth: addMonths(month, -1),
      nextMonth: addMonths(month, 1),
      closed: await isMonthClosed(app.db, month),
      inUse,
      firm: company,
      entries: await listMonthEntries(app.db, register, month),
      totals,
      ryczaltRates: RYCZALT_RATES_BP.map(String),
      vatColumns,
      costs,
      incomes: costs === null ? null : kpirIncomes(totals, costs),
      ...helpers
    })
  }

  async function registerCsv(request: FastifyRequest, reply: FastifyReply, register: Register) {
    const picked = parseMonthQuery(request.query, currentMonth())
    if (picked.error) return await registerPage(request, reply, register)
    const entries = await listMonthEntries(app.db, register, picked.month)
    const totals = await pageTotals(app.db, register, picked.month)
    const csv =
      register === 'kpir'
        ? kpirCsv(entries, totals, await kpirCosts(app.db, picked.month))
        : register === 'ryczalt'
          ? ryczaltCsv(entries, totals)
          : vatCsv(entries, totals)
    const name = { kpir: 'kpir', ryczalt: 'ewidencja-przychodow', vat: 'rejestr-sprzedazy-vat' }[register]
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${name}-${picked.month}.csv"`)
      .send(csv)
  }

  for (const register of ['kpir', 'ryczalt', 'vat'] as const) {
    app.get(REGISTER_PATHS[register], async (request, reply) => await registerPage(request, reply, register))
    app.get(`${REGISTER_PATHS[register]}/csv`, async (request, reply) => await registerCsv(request, reply, register))
  }

  // ---------- documents waiting for booking ----------

  async function pendingPage(
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    errors: FieldErrors,
    selected: number[]
  ) {
    const company = await getBookingCompany(app.db)
    const page = pageParam(request.query)
    const total = await countPendingDocuments(app.db, company)
    const rows = await listPendingDocuments(app.db, company, { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE })
    const booked = await registersOfDocuments(
      app.db,
      rows.map((r) => r.id)
    )
    const months = [
      ...new Set(
        rows.map((r) =>
          monthOf(
            eventDate({
              type: r.type,
              issueDate: r.issue_date,
              saleDate: r.sale_date,
              settlementDate: r.settlement_date
            })
          )
        )
      )
    ]
    const closed = new Set<string>()
    for (const month of months) if (await isMonthClosed(app.db, month)) closed.add(month)
    const documents = rows.map((r) => {
      const date = eventDate({
        type: r.type,
        issueDate: r.issue_date,
        saleDate: r.sale_date,
        settlementDate: r.settlement_date
      })
      const required = requiredRegisters(
        { type: r.type, status: 'issued', receiptNumber: r.receipt_number ?? null },
        company
      )
      const have = booked.get(r.id) ?? []
      const problem = closed.has(monthOf(date))
        ? `miesiąc ${monthLabel(monthOf(date))} zamknięty`
        : r.currency !== 'PLN' && !r.exchange_rate
          ? `brak kursu ${r.currency}`
          : null
      return {
        ...r,
        eventDate: date,
        month: monthOf(date),
        missing: required.filter((reg) => !have.includes(reg)),
        problem
      }
    })
    return reply.code(status).viewAsync('ledger/pending', {
      title: 'Do zaksięgowania',
      documents,
      selected,
      errors,
      page,
      pages: Math.max(1, Math.ceil(total / PAGE_SIZE)),
      total,
      query: {},
      ...helpers
    })
  }

  app.get('/ksiegowosc/do-zaksiegowania', async (request, reply) => await pendingPage(request, reply, 200, {}, []))

  app.post('/ksiegowosc/do-zaksiegowania', async (request, reply) => {
    const form = parseBulkSelection(request.body)
    if (Object.keys(form.errors).length > 0) return await pendingPage(request, reply, 422, form.errors, form.ids)
    const actor = actorOf(request)
    const outcomes = await bookDocuments(app.db, form.ids, actor)
    const booked = outcomes.filter((o) => o.status === 'booked').length
    const refused = outcomes.flatMap((o) =>
      o.status === 'refused' ? [`${o.documentNumber ?? 'brak dokumentu'}: ${o.reason}`] : []
    )
    if (booked > 0) reply.flash('success', `Zaksięgowano dokumenty: ${booked}.`)
    if (booked === 0 && refused.length === 0) reply.flash('info', 'Zaznaczone dokumenty były już zaksięgowane.')
    // flash messages live in the session cookie: keep them few
    for (const message of refused.slice(0, 5)) reply.flash('error', message)
    if (refused.length > 5) reply.flash('error', `… i jeszcze ${refused.length - 5} dokumentów nie zaksięgowano.`)
    return reply.redirect('/ksiegowosc/do-zaksiegowania', 303)
  })

  // ---------- one document ----------

  async function documentPage(
    request: FastifyRequest,
    reply: FastifyReply,
    documentId: number,
    status: number,
    rateForm?: { values: Record<number, string>; errors: FieldErrors }
  ) {
    const input = await loadBookingInput(app.db, documentId)
    if (!input) throw new NotFoundError('Nie ma takiego dokumentu.')
    const company = await getBookingCompany(app.db)
    const entries = await entriesOfDocument(app.db, documentId)
    const required = requiredRegisters(input.doc, company)
    const date = eventDate(input.doc)
    const lines = company.taxForm === 'ryczalt' ? await linesWithRyczaltRates(app.db, documentId) : []
    const values =
      rateForm?.values ?? Object.fromEntries(lines.map((l) => [l.id, l.rate_bp === null ? '' : String(l.rate_bp)]))
    return reply.code(status).viewAsync('ledger/document', {
      title: `Księgowanie dokumentu ${input.doc.number}`,
      doc: input.doc,
      books: company,
      entries,
      required,
      missing: required.filter((r) => !entries.some((e) => e.register === r)),
      proforma: isProforma(input.doc.type),
      invoiceToReceipt: isInvoiceToReceipt(input.doc),
      eventDate: date,
      month: monthOf(date),
      monthClosed: await isMonthClosed(app.db, monthOf(date)),
      lines,
      rateValues: values,
      errors: rateForm?.errors ?? {},
      ryczaltRateOptions,
      ryczaltBooked: entries.some((e) => e.register === 'ryczalt'),
      log: await ledgerLog(app.db, { documentId }),
      ...helpers
    })
  }

  app.get(
    '/ksiegowosc/dokumenty/:id',
    async (request, reply) => await documentPage(request, reply, documentIdParam(request), 200)
  )

  app.post('/ksiegowosc/dokumenty/:id/ksiegowanie', async (request, reply) => {
    const id = documentIdParam(request)
    const actor = actorOf(request)
    const [outcome] = await bookDocuments(app.db, [id], actor)
    if (outcome.status === 'refused' && outcome.documentNumber === null)
      throw new NotFoundError('Nie ma takiego dokumentu.')
    if (outcome.status === 'booked') {
      reply.flash(
        'success',
        `Zaksięgowano ${outcome.documentNumber}: ${outcome.entries.map((e) => `${REGISTER_NAMES[e.register]}, Lp. ${e.entryNumber}`).join('; ')}.`
      )
    } else if (outcome.status === 'already') {
      reply.flash('info', `Dokument ${outcome.documentNumber} jest już zaksięgowany.`)
    } else {
      reply.flash('error', outcome.reason)
    }
    return reply.redirect(`/ksiegowosc/dokumenty/${id}`, 303)
  })

  app.post('/ksiegowosc/dokumenty/:id/odksiegowanie', async (request, reply) => {
    const id = documentIdParam(request)
    const input = await loadBookingInput(app.db, id)
    if (!input) throw new NotFoundError('Nie ma takiego dokumentu.')
    const actor = actorOf(request)
    const outcome = await cancelBooking(app.db, id, actor)
    if (outcome.ok)
      reply.flash(
        'success',
        `Odksięgowano ${input.doc.number}. Numeracja (Lp.) późniejszych wpisów została przesunięta.`
      )
    else reply.flash('error', outcome.reason)
    return reply.redirect(`/ksiegowosc/dokumenty/${id}`, 303)
  })

  app.post('/ksiegowosc/dokumenty/:id/stawki-ryczaltu', async (request, reply) => {
    const id = documentIdParam(request)
    const lines = await linesWithRyczaltRates(app.db, id)
    if (lines.length === 0) throw new NotFoundError('Nie ma takiego dokumentu albo nie ma on pozycji.')
    if ((await getBookingCompany(app.db)).taxForm !== 'ryczalt') {
      reply.flash('error', 'Firma nie rozlicza się ryczałtem – stawek ryczałtu się nie ustawia.')
      return reply.redirect(`/ksiegowosc/dokumenty/${id}`, 303)
    }
    const form = parseRyczaltRates(
      request.body,
      lines.map((l) => l.id)
    )
    if (Object.keys(form.errors).length > 0) return await documentPage(request, reply, id, 422, form)
    const actor = actorOf(request)
    const outcome = await setRyczaltRates(app.db, id, form.rates, actor)
    if (outcome.ok) reply.flash('success', 'Zapisano stawki ryczałtu pozycji dokumentu.')
    else reply.flash('error', outcome.reason)
    return reply.redirect(`/ksiegowosc/dokumenty/${id}`, 303)
  })

  // ---------- months ----------

  const monthParam = (request: FastifyRequest) => {
    const month = parseMonth(String((request.params as Record<string, unknown>).miesiac ?? ''))
    if (month === null) throw new NotFoundError('Nie ma takiego miesiąca.')
    return month
  }

  app.post('/ksiegowosc/miesiace/:miesiac/zamkniecie', async (request, reply) => {
    const month = monthParam(request)
    const actor = actorOf(request)
    const outcome = await closeMonths(app.db, month, currentMonth(), actor)
    if (outcome.ok)
      reply.flash(
        'success',
        `Zamknięto miesiąc ${monthLabel(month)} (i wcześniejsze miesiące roku ${yearOf(month)}). Nie można w nim księgować, odksięgowywać ani anulować dokumentów.`
      )
    else reply.flash('error', outcome.reason)
    return reply.redirect(
      safeReturnPath(text(request.body, 'wroc'), '/ksiegowosc', `/ksiegowosc?miesiac=${month}`),
      303
    )
  })

  app.post('/ksiegowosc/miesiace/:miesiac/otwarcie', { preHandler: requireOwner }, async (request, reply) => {
    const month = monthParam(request)
    const actor = actorOf(request)
    const outcome = await openMonthAgain(app.db, month, actor)
    if (outcome.ok)
      reply.flash(
        'warning',
        `Otwarto ponownie miesiąc ${monthLabel(month)}. Zmiany w nim zmieniają numerację wpisów – po poprawkach zamknij go ponownie.`
      )
    else reply.flash('error', outcome.reason)
    return reply.redirect(
      safeReturnPath(text(request.body, 'wroc'), '/ksiegowosc', `/ksiegowosc?miesiac=${month}`),
      303
    )
  })
}
