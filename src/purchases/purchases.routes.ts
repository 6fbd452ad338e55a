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
import { deductionWindow, KPIR_COST_COLUMNS, prefill, receivedDateOf, VAT_KINDS } from './booking.ts'
import { parseBookingForm } from './booking.form.ts'
import { bookingOfPurchase, purchaseRegister, sellerRuleOf } from './booking.queries.ts'
import { bookPurchase, unbookPurchase } from './purchases.booking.ts'
import { registerTotals } from './purchase-register.ts'
import { ENVIRONMENT_LABELS, connectionOf, contextNipOf } from '../ksef/connection.queries.ts'
import { ksefDepsOf } from '../ksef/ksef-worker.ts'
import { requirePermission } from '../plugins/auth.ts'
import { NotFoundError } from '../shared/errors.ts'
import { parseId, text } from '../shared/form.ts'
import { INVOICE_KINDS, readPurchaseFile } from './fa3-read.ts'
import { listPurchases, purchaseById, syncStateOf } from './purchases.queries.ts'
import { downloadPurchases } from './purchases.sync.ts'

const RATE_LABELS: Record<string, string> = { oss: 'OSS', oo: 'odwrotne obciążenie', marża: 'marża' }
const rateLabel = (rate: string): string => RATE_LABELS[rate] ?? (/^\d+$/.test(rate) ? `${rate} %` : rate)
const kindLabel = (kind: string | null): string => (kind !== null ? INVOICE_KINDS[kind] ?? kind : '—')

export default async function purchasesRoutes (app: FastifyInstance): Promise<void> {
  app.addHook('preHandler', requirePermission('ksiegowosc'))

  app.get('/koszty/faktury-zakupowe', async (request, reply) => {
    const review = text(request.query, 'do-sprawdzenia') === '1'
    const page = Math.min(Math.max(Number.parseInt(text(request.query, 'strona'), 10) || 1, 1), 100_000)
    const list = await listPurchases(app.db, { review, page })
    const connection = await connectionOf(app.db)
    const sync = connection === undefined ? undefined : await syncStateOf(app.db, connection.environment, await contextNipOf(app.db, connection))
    return await reply.viewAsync('purchases/index', {
      title: 'Faktury zakupowe',
      ...list,
      page,
      review,
      query: { 'do-sprawdzenia': review ? '1' : '' },
      connection: connection === undefined ? null : { environment: ENVIRONMENT_LABELS[connection.environment as keyof typeof ENVIRONMENT_LABELS] ?? connection.environment },
      sync: sync ?? null,
      kindLabel
    })
  })

  app.post('/koszty/faktury-zakupowe/pobierz', async (request, reply) => {
    const result = await downloadPurchases(ksefDepsOf(app))
    reply.flash(result.ok ? 'success' : 'error', result.message)
    return reply.redirect('/koszty/faktury-zakupowe', 303)
  })

  const load = async (raw: unknown) => {
    const id = parseId(raw)
    const found = id === null ? undefined : await purchaseById(app.db, id)
    if (found === undefined) throw new NotFoundError('Nie ma takiej faktury zakupowej.')
    return found
  }

  async function showPage (request: FastifyRequest, reply: FastifyReply, rawId: unknown, status: number, form?: { values: Record<string, string>, errors: FieldErrors }) {
    const { row, rates } = await load(rawId)
    // the page reads the stored file itself: what is shown is what was received
    const read = row.xml === null ? null : readPurchaseFile(row.xml)
    const invoice = read?.ok === true ? read.invoice : null
    const company = await getBookingCompany(app.db)
    const booking = await bookingOfPurchase(app.db, row.id)
    const receivedAt = row.acquisition_date ?? row.permanent_storage_date
    const totalVat = rates.reduce((s, r) => s + r.vat_pln, 0)
    const rule = await sellerRuleOf(app.db, row.seller_nip ?? row.meta_seller_nip)
    const receivedDate = receivedDateOf(receivedAt)
    const window = invoice === null ? null : deductionWindow(invoice, receivedDate, totalVat)
    return await reply.code(status).viewAsync('purchases/show', {
      title: `Faktura zakupowa ${row.invoice_number ?? row.meta_invoice_number}`.slice(0, 120),
      row,
      rates,
      invoice,
      reasons: row.review_reasons === '' ? [] : row.review_reasons.split('\n'),
      rateLabel,
      kindLabel,
      books: company,
      booking: booking ?? null,
      bookingLink: booking === undefined ? null : booking.entry_number !== null ? `/ksiegowosc/kpir?miesiac=${booking.month}#koszt-${booking.id}` : null,
      registerLink: booking?.vat_month != null ? `/ksiegowosc/rejestr-zakupu-vat?miesiac=${booking.vat_month}#zakup-${booking.id}` : null,
      form: form ?? { values: prefill(invoice, receivedAt, totalVat, company, rule), errors: {} },
      rule,
      receivedDate,
      window: window === null ? null : { from: monthLabel(window.from), to: monthLabel(window.to) },
      kpirColumns: KPIR_COST_COLUMNS,
      vatKinds: VAT_KINDS,
      monthLabel
    })
  }

  app.get<{ Params: { id: string } }>('/koszty/faktury-zakupowe/:id', async (request, reply) => await showPage(request, reply, request.params.id, 200))

  app.post<{ Params: { id: string } }>('/koszty/faktury-zakupowe/:id/ksiegowanie', async (request, reply) => {
    const { row } = await load(request.params.id)
    const company = await getBookingCompany(app.db)
    const form = parseBookingForm(request.body, company.taxForm)
    if (form.choice === null) return await showPage(request, reply, request.params.id, 422, form)
    const choice = form.choice
    const actor = { userId: currentUser(request).id, at: toStoredTimestamp(app.ctx.now()) }
    // a refusal throws out of the transaction, so nothing it wrote stays
    const outcome = await app.db.transaction().execute(async (trx) => {
      const result = await bookPurchase(trx, row.id, choice, actor)
      if (!result.ok) throw new BookingRefused(result.errors)
      return result
    }).catch((error: unknown) => {
      if (error instanceof BookingRefused) return { ok: false as const, errors: error.errors }
      throw error
    })
    if (!outcome.ok) return await showPage(request, reply, request.params.id, 422, { values: form.values, errors: outcome.errors })
    const where = [outcome.entryNumber !== null ? `KPiR, Lp. ${outcome.entryNumber} (${monthLabel(outcome.month)})` : null,
      outcome.vatMonth !== null ? `rejestr zakupu VAT za ${monthLabel(outcome.vatMonth)}` : null].filter((p) => p !== null)
    reply.flash('success', where.length > 0 ? `Zaksięgowano fakturę: ${where.join('; ')}.` : 'Zapisano fakturę jako nieksięgowaną w KPiR i bez odliczenia VAT.')
    return reply.redirect(`/koszty/faktury-zakupowe/${row.id}`, 303)
  })

  app.post<{ Params: { id: string } }>('/koszty/faktury-zakupowe/:id/odksiegowanie', async (request, reply) => {
    const { row } = await load(request.params.id)
    const result = await app.db.transaction().execute(async (trx) => await unbookPurchase(trx, row.id))
    reply.flash(result.ok ? 'success' : 'error', result.ok ? 'Odksięgowano fakturę – można ją zaksięgować ponownie.' : result.reason)
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
      .header('content-disposition', `attachment; filename="${row.ksef_number.replace(/[^0-9A-Za-z-]/g, '')}.xml"`)
      .header('x-content-type-options', 'nosniff')
      .send(row.xml)
  })
}

class BookingRefused extends Error {
  readonly errors: FieldErrors
  constructor (errors: FieldErrors) {
    super('booking refused')
    this.errors = errors
  }
}
