// KOSZTY » Faktury zakupowe: the purchase invoices received from KSeF, one page per invoice, the
// file as received, and Pobierz z KSeF. The księgowość module's permission, like the registers.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { parseMonthQuery } from '../ledger/ledger.form.ts'
import { getBookingCompany, isMonthClosed } from '../ledger/ledger.queries.ts'
import { addMonths, monthLabel } from '../ledger/ledger.ts'
import { currentUser } from '../plugins/auth.ts'
import { getCompany } from '../settings/company.queries.ts'
import { toStoredTimestamp } from '../shared/dates.ts'
import type { FieldErrors } from '../shared/form.ts'
import { deductionWindow, KPIR_COST_COLUMNS, prefill, receivedDateOf, SELF_ASSESSMENT, VAT_KINDS } from './booking.ts'
import { parseBookingForm } from './booking.form.ts'
import { bookingOfPurchase, parsedOf, purchaseRegister, sellerRuleOf } from './booking.queries.ts'
import { ledgerLog } from '../ledger/ledger.queries.ts'
import { bookPurchaseInvoice, saveManualPurchase, unbookPurchaseInvoice } from './purchases.booking.ts'
import { registerTotals } from './purchase-register.ts'
import { ENVIRONMENT_LABELS, connectionOf, contextNipOf } from '../ksef/connection.queries.ts'
import { ksefDepsOf } from '../ksef/ksef-worker.ts'
import { requirePermission } from '../plugins/auth.ts'
import { NotFoundError } from '../shared/errors.ts'
import { parseId, text } from '../shared/form.ts'
import { DateTime } from 'luxon'
import { createNbpClient, NbpError, previousBusinessDay } from '../nbp/nbp.ts'
import { ZONE } from '../shared/dates.ts'
import { isValidNip } from '../shared/nip.ts'
import { createWhiteListClient, WhiteListError, type WhiteListLookup } from '../whitelist/whitelist.ts'
import { INVOICE_KINDS } from './fa3-read.ts'
import { MANUAL_RATES } from './manual.ts'
import { grossInPln, needsWhiteListCheck, PAYMENT_METHODS, whiteListVerdict } from './payments.ts'
import { parsePaymentForm } from './payments.form.ts'
import { formatAmount, formatMoney } from '../shared/money.ts'
import { completeManual, emptyManualValues, manualValues, parseManualForm } from './manual.form.ts'
import {
  findBySellerAndNumber,
  insertPayment,
  paymentsOf,
  listPurchases,
  purchaseById,
  syncStateOf
} from './purchases.queries.ts'
import { downloadPurchases } from './purchases.sync.ts'
import { pageParam } from '../shared/params.ts'

/** Per request to api.nbp.pl (as for sales documents). */
const NBP_TIMEOUT_MS = 10_000

const RATE_LABELS: Record<string, string> = { oss: 'OSS', oo: 'odwrotne obciążenie', marża: 'marża' }
const rateLabel = (rate: string): string => RATE_LABELS[rate] ?? (/^\d+$/.test(rate) ? `${rate} %` : rate)
const kindLabel = (kind: string | null): string => (kind !== null ? (INVOICE_KINDS[kind] ?? kind) : '—')

export default async function purchasesRoutes(app: FastifyInstance): Promise<void> {
  app.addHook('preHandler', requirePermission('ksiegowosc'))

  app.get('/koszty/faktury-zakupowe', async (request, reply) => {
    const review = text(request.query, 'do-sprawdzenia') === '1'
    const page = pageParam(request.query)
    const list = await listPurchases(app.db, { review, page })
    const connection = await connectionOf(app.db)
    const sync =
      connection === undefined
        ? undefined
        : await syncStateOf(app.db, connection.environment, await contextNipOf(app.db, connection))
    return await reply.viewAsync('purchases/index', {
      title: 'Faktury zakupowe',
      ...list,
      page,
      review,
      query: { 'do-sprawdzenia': review ? '1' : '' },
      connection:
        connection === undefined
          ? null
          : {
              environment:
                ENVIRONMENT_LABELS[connection.environment as keyof typeof ENVIRONMENT_LABELS] ?? connection.environment
            },
      sync: sync ?? null,
      running:
        sync !== undefined && sync.claimed_until !== null && sync.claimed_until > toStoredTimestamp(app.ctx.now()),
      kindLabel
    })
  })

  // the download runs on the background worker (KSeF may take minutes: a paged query, one file
  // request per invoice, its rate limits); the list shows it running and its result
  app.post('/koszty/faktury-zakupowe/pobierz', async (request, reply) => {
    const worker = app.purchaseWorker
    // without a connection there is nothing to wait for: the answer says where to set it up
    if (worker === null || (await connectionOf(app.db)) === undefined) {
      const result = await downloadPurchases(ksefDepsOf(app))
      reply.flash(result.ok ? 'success' : 'error', result.message)
    } else {
      void worker.tick()
      reply.flash(
        'info',
        'Pobieranie faktur z KSeF rozpoczęte w tle – wynik pojawi się na tej stronie (odśwież ją za chwilę).'
      )
    }
    return reply.redirect('/koszty/faktury-zakupowe', 303)
  })

  // ---------- a purchase invoice entered by hand ----------

  const today = () => app.ctx.now().toISODate() ?? ''
  const whiteList = createWhiteListClient({
    baseUrl: app.ctx.config.whiteList.apiUrl,
    fetch: app.ctx.fetch,
    timeoutMs: app.ctx.config.whiteList.timeoutMs
  })
  const nbp = () =>
    createNbpClient({ baseUrl: app.ctx.config.nbpApiUrl, fetch: app.ctx.fetch, timeoutMs: NBP_TIMEOUT_MS })
  const newPage = async (
    reply: FastifyReply,
    status: number,
    values: Record<string, string>,
    errors: FieldErrors,
    whiteListResult: WhiteListLookup | null = null
  ) =>
    await reply.code(status).viewAsync('purchases/new', {
      title: 'Nowa faktura zakupowa spoza KSeF',
      values,
      errors,
      rates: MANUAL_RATES,
      whiteList: whiteListResult
    })

  app.get(
    '/koszty/faktury-zakupowe/nowa',
    async (request, reply) => await newPage(reply, 200, emptyManualValues(today()), {})
  )

  app.post('/koszty/faktury-zakupowe/nowa/wykaz', async (request, reply) => {
    const values = manualValues(request.body)
    if (values.kraj !== 'PL' || !isValidNip(values.nip))
      return await newPage(reply, 422, values, {
        nip: 'Wykaz podatników VAT obejmuje polskie NIP-y – podaj prawidłowy NIP (kraj PL).'
      })
    try {
      const lookup = await whiteList.lookupNip(values.nip, today())
      if (lookup.found) {
        values.nazwa = lookup.subject.name
        values.adres = lookup.subject.address
      }
      return await newPage(reply, 200, values, {}, lookup)
    } catch (error) {
      if (error instanceof WhiteListError) return await newPage(reply, 422, values, { nip: error.message })
      throw error
    }
  })

  app.post('/koszty/faktury-zakupowe/nowa', async (request, reply) => {
    const parsed = parseManualForm(request.body, today())
    if (parsed.draft === null) return await newPage(reply, 422, parsed.values, parsed.errors)
    const draft = parsed.draft
    if ((await findBySellerAndNumber(app.db, draft.sellerNip, draft.number)) !== undefined) {
      return await newPage(reply, 422, parsed.values, {
        numer: `Faktura ${draft.number} od tego sprzedawcy jest już zapisana – nie wprowadzaj jej drugi raz.`
      })
    }
    let rate: { mid: string; tableNo: string | null; effectiveDate: string | null } | null = null
    if (draft.currency !== 'PLN') {
      if (draft.typedRate !== null) {
        rate = { mid: draft.typedRate, tableNo: null, effectiveDate: null }
      } else {
        // art. 31a ust. 1: the mid rate of the last business day before the tax obligation (the delivery)
        try {
          const nbpRate = await nbp().getMidRate(draft.currency, previousBusinessDay(draft.saleDate ?? draft.issueDate))
          rate = { mid: nbpRate.mid, tableNo: nbpRate.tableNo, effectiveDate: nbpRate.effectiveDate }
        } catch (error) {
          if (error instanceof NbpError) return await newPage(reply, 422, parsed.values, { kurs: error.message })
          throw error
        }
      }
    }
    const invoice = completeManual(draft, rate)
    const at = toStoredTimestamp(app.ctx.now())
    const receivedAt = toStoredTimestamp(DateTime.fromISO(invoice.receivedDate, { zone: ZONE }))
    const id = await saveManualPurchase(app.db, invoice, { at, receivedAt, userId: currentUser(request).id })
    reply.flash(
      'success',
      `Zapisano fakturę ${invoice.number}${rate !== null ? ` (kurs ${rate.mid.replace('.', ',')}${rate.tableNo !== null ? `, tabela ${rate.tableNo}` : ''})` : ''} – możesz ją zaksięgować.`
    )
    return reply.redirect(`/koszty/faktury-zakupowe/${id}`, 303)
  })

  const load = async (raw: unknown) => {
    const id = parseId(raw)
    const found = id === null ? undefined : await purchaseById(app.db, id)
    if (found === undefined) throw new NotFoundError('Nie ma takiej faktury zakupowej.')
    return found
  }

  async function showPage(
    request: FastifyRequest,
    reply: FastifyReply,
    rawId: unknown,
    status: number,
    form?: { values: Record<string, string>; errors: FieldErrors },
    paymentForm?: { values: Record<string, string>; errors: FieldErrors }
  ) {
    const { row, rates } = await load(rawId)
    // the page reads the stored file itself: what is shown is what was received
    const invoice = parsedOf(
      row,
      rates.map((r) => ({ rate: r.rate, net: r.net, vat: r.vat, vatPln: r.vat_pln }))
    )
    const company = await getBookingCompany(app.db)
    const booking = await bookingOfPurchase(app.db, row.id)
    const log = await ledgerLog(app.db, { purchaseInvoiceId: row.id })
    const receivedAt = row.acquisition_date ?? row.permanent_storage_date
    const totalVat = rates.reduce((s, r) => s + r.vat_pln, 0)
    const rule = await sellerRuleOf(app.db, row.seller_nip ?? row.meta_seller_nip)
    const receivedDate = receivedDateOf(receivedAt)
    const window = invoice === null ? null : deductionWindow(invoice, receivedDate, totalVat)
    const payments = await paymentsOf(app.db, row.id)
    const currency = row.currency ?? row.meta_currency ?? 'PLN'
    const paid = payments.reduce((sum, p) => sum + p.amount, 0)
    const gross = row.gross ?? row.meta_gross ?? 0
    const account = invoice?.payment?.accounts[0]?.number ?? ''
    return await reply.code(status).viewAsync('purchases/show', {
      payments,
      log,
      paid,
      remaining: gross - paid,
      currency,
      paymentMethods: PAYMENT_METHODS,
      paymentForm: paymentForm ?? {
        values: {
          zaplata_data: app.ctx.now().toISODate() ?? '',
          zaplata_kwota: gross - paid > 0 ? formatAmount(gross - paid).replace(/\u00a0/g, ' ') : '',
          sposob: 'przelew',
          rachunek: account,
          mpp: invoice?.splitPayment === true ? '1' : ''
        },
        errors: {}
      },
      title: `Faktura zakupowa ${row.invoice_number ?? row.meta_invoice_number}`.slice(0, 120),
      row,
      rates,
      invoice,
      reasons: row.review_reasons === '' ? [] : row.review_reasons.split('\n'),
      rateLabel,
      kindLabel,
      books: company,
      booking: booking ?? null,
      bookingLink:
        booking === undefined
          ? null
          : booking.entry_number !== null
            ? `/ksiegowosc/kpir?miesiac=${booking.month}#koszt-${booking.id}`
            : null,
      registerLink:
        booking?.vat_month != null
          ? `/ksiegowosc/rejestr-zakupu-vat?miesiac=${booking.vat_month}#zakup-${booking.id}`
          : null,
      form: form ?? { values: prefill(invoice, receivedAt, totalVat, company, rule), errors: {} },
      rule,
      receivedDate,
      window: window === null ? null : { from: monthLabel(window.from), to: monthLabel(window.to) },
      kpirColumns: KPIR_COST_COLUMNS,
      vatKinds: VAT_KINDS,
      selfAssessment: SELF_ASSESSMENT,
      monthLabel
    })
  }

  app.get<{ Params: { id: string } }>(
    '/koszty/faktury-zakupowe/:id',
    async (request, reply) => await showPage(request, reply, request.params.id, 200)
  )

  app.post<{ Params: { id: string } }>('/koszty/faktury-zakupowe/:id/ksiegowanie', async (request, reply) => {
    const { row } = await load(request.params.id)
    const company = await getBookingCompany(app.db)
    const form = parseBookingForm(request.body, company.taxForm)
    if (form.choice === null) return await showPage(request, reply, request.params.id, 422, form)
    const choice = form.choice
    const actor = { userId: currentUser(request).id, at: toStoredTimestamp(app.ctx.now()) }
    const outcome = await bookPurchaseInvoice(app.db, row.id, choice, actor)
    if (!outcome.ok)
      return await showPage(request, reply, request.params.id, 422, { values: form.values, errors: outcome.errors })
    const where = [
      outcome.entryNumber !== null ? `KPiR, Lp. ${outcome.entryNumber} (${monthLabel(outcome.month)})` : null,
      outcome.vatMonth !== null ? `rejestr zakupu VAT za ${monthLabel(outcome.vatMonth)}` : null
    ].filter((p) => p !== null)
    reply.flash(
      'success',
      where.length > 0
        ? `Zaksięgowano fakturę: ${where.join('; ')}.`
        : 'Zapisano fakturę jako nieksięgowaną w KPiR i bez odliczenia VAT.'
    )
    return reply.redirect(`/koszty/faktury-zakupowe/${row.id}`, 303)
  })

  app.post<{ Params: { id: string } }>('/koszty/faktury-zakupowe/:id/zaplata', async (request, reply) => {
    const { row, rates } = await load(request.params.id)
    const currency = row.currency ?? row.meta_currency ?? 'PLN'
    const gross = row.gross ?? row.meta_gross ?? 0
    const paidSoFar = (await paymentsOf(app.db, row.id)).reduce((sum, p) => sum + p.amount, 0)
    const form = parsePaymentForm(request.body, {
      today: app.ctx.now().toISODate() ?? '',
      issueDate: row.issue_date,
      remaining: gross - paidSoFar,
      currency
    })
    if (form.payment === null) return await showPage(request, reply, request.params.id, 422, undefined, form)
    const payment = form.payment
    const invoice = parsedOf(
      row,
      rates.map((r) => ({ rate: r.rate, net: r.net, vat: r.vat, vatPln: r.vat_pln }))
    )
    const sellerNip = row.seller_nip ?? row.meta_seller_nip
    const sellerCountry = row.seller_country ?? (isValidNip(sellerNip) ? 'PL' : '')
    const grossPln = grossInPln(gross, currency, row.exchange_rate ?? invoice?.exchangeRate ?? null)
    // the register as of the day of the order (art. 117ba § 1: "na dzień zlecenia przelewu"), asked before anything is
    // written
    let lookup: WhiteListLookup | { failed: string } | null = null
    if (needsWhiteListCheck({ grossPln, sellerCountry, method: payment.method, splitPayment: payment.splitPayment })) {
      try {
        lookup = await whiteList.lookupNip(sellerNip, payment.paidOn)
      } catch (error) {
        if (!(error instanceof WhiteListError)) throw error
        lookup = { failed: error.message }
      }
    }
    const verdict = whiteListVerdict({
      grossPln,
      sellerCountry,
      method: payment.method,
      splitPayment: payment.splitPayment,
      account: payment.account,
      paidOn: payment.paidOn,
      lookup
    })
    await insertPayment(app.db, {
      purchase_invoice_id: row.id,
      paid_on: payment.paidOn,
      amount: payment.amount,
      method: payment.method,
      account: payment.account,
      split_payment: payment.splitPayment ? 1 : 0,
      whitelist_status: verdict.status,
      whitelist_request_id: verdict.requestId,
      warning: verdict.warning,
      created_at: toStoredTimestamp(app.ctx.now()),
      created_by: currentUser(request).id
    })
    reply.flash(
      verdict.warning !== '' ? 'warning' : 'success',
      verdict.warning !== ''
        ? `Zapisano zapłatę. Uwaga: ${verdict.warning}`
        : `Zapisano zapłatę ${formatMoney(payment.amount, currency)}${verdict.status === 'na_liscie' ? ' – rachunek jest w Wykazie podatników VAT' : ''}.`
    )
    return reply.redirect(`/koszty/faktury-zakupowe/${row.id}#platnosc`, 303)
  })

  app.post<{ Params: { id: string } }>('/koszty/faktury-zakupowe/:id/odksiegowanie', async (request, reply) => {
    const { row } = await load(request.params.id)
    const actor = { userId: currentUser(request).id, at: toStoredTimestamp(app.ctx.now()) }
    const result = await unbookPurchaseInvoice(app.db, row.id, actor)
    reply.flash(
      result.ok ? 'success' : 'error',
      result.ok ? 'Odksięgowano fakturę – można ją zaksięgować ponownie.' : result.reason
    )
    return reply.redirect(`/koszty/faktury-zakupowe/${row.id}`, 303)
  })

  // ---------- KSIĘGOWOŚĆ » Rejestr zakupu VAT ----------

  app.get('/ksiegowosc/rejestr-zakupu-vat', async (request, reply) => {
    const picked = parseMonthQuery(request.query, app.ctx.now().toFormat('yyyy-MM'))
    const month = picked.month
    const entries = await purchaseRegister(app.db, [month])
    return await reply.code(picked.error ? 422 : 200).viewAsync('purchases/register', {
      title: `Rejestr zakupu VAT – ${monthLabel(month)}`,
      register: 'vat',
      registerName: 'Rejestr zakupu VAT',
      basePath: '/ksiegowosc/rejestr-zakupu-vat',
      picked,
      month,
      prevMonth: addMonths(month, -1),
      nextMonth: addMonths(month, 1),
      closed: await isMonthClosed(app.db, month),
      inUse: (await getBookingCompany(app.db)).vatPayer,
      firm: await getCompany(app.db),
      entries,
      totals: registerTotals(entries),
      rateLabel,
      monthLabel,
      noCsv: true
    })
  })

  app.get<{ Params: { id: string } }>('/koszty/faktury-zakupowe/:id/plik', async (request, reply) => {
    const { row } = await load(request.params.id)
    if (row.xml === null) throw new NotFoundError('KSeF nie wydał pliku tej faktury.')
    // the bytes as received, never rendered by the browser (an untrusted XML could carry script)
    return await reply
      .header('content-type', 'application/octet-stream')
      .header(
        'content-disposition',
        `attachment; filename="${(row.ksef_number ?? String(row.id)).replace(/[^0-9A-Za-z-]/g, '')}.xml"`
      )
      .header('x-content-type-options', 'nosniff')
      .send(row.xml)
  })
}
