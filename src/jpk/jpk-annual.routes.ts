// KSIĘGOWOŚĆ » JPK_PKPIR / JPK_EWP: the year's book as the annual JPK file (KPiR companies
// JPK_PKPIR(3), ryczałt companies JPK_EWP(4)), with the stock counts the KPiR file carries.
import type { FastifyInstance, FastifyReply } from 'fastify'
import { currentUser, requirePermission } from '../plugins/auth.ts'
import { toStoredTimestamp } from '../shared/dates.ts'
import { text, type FieldErrors } from '../shared/form.ts'
import { formatAmount } from '../shared/money.ts'
import { ewpRateTotals, monthlySummary } from './jpk-annual.ts'
import { prepareEwp, preparePkpir, type EwpPrepared, type PkpirPrepared } from './jpk.files.ts'
import { parseStockForm, type StockFormValues } from './jpk.form.ts'
import { getJpkCompany, insertFiling, stockCounts, type StockCounts } from './jpk.queries.ts'
import { saveStockCounts } from './jpk-saving.ts'

/** JPK_PKPIR(3) and JPK_EWP(4) are the files of the 2026 book and record (new regulations from 1 January 2026). */
const FIRST_YEAR = 2026

const PAGE = '/ksiegowosc/jpk-roczny'

/** The form's fields from what is stored; dates default to 1 January and 31 December. */
function stockValues(year: number, stored: StockCounts, previousEnd: StockCounts['end']): StockFormValues {
  const amount = (grosze: number) => formatAmount(grosze).replace(/\u00a0/g, ' ')
  return {
    poczatekData: stored.start?.date ?? `${year}-01-01`,
    // the count at the end of a year is the next year's opening count
    poczatekWartosc: stored.start ? amount(stored.start.value) : previousEnd ? amount(previousEnd.value) : '',
    koniecData: stored.end?.date ?? `${year}-12-31`,
    koniecWartosc: stored.end ? amount(stored.end.value) : '',
    spisy: [...stored.during.map((c) => ({ data: c.date, wartosc: amount(c.value) })), { data: '', wartosc: '' }]
  }
}

export default async function jpkAnnualRoutes(app: FastifyInstance): Promise<void> {
  app.addHook('preHandler', requirePermission('ksiegowosc'))

  const nowIso = () => app.ctx.now().toUTC().toISO() ?? ''
  /** By default the year whose file is due now: until April the previous one (filed by 30 April), then the current. */
  const defaultYear = () => {
    const now = app.ctx.now()
    return now.month <= 4 ? now.year - 1 : now.year
  }
  const yearOf = (source: unknown): { year: number; value: string; error: string | null } => {
    const value = text(source, 'rok')
    if (value === '') return { year: defaultYear(), value: '', error: null }
    if (!/^20\d{2}$/.test(value)) return { year: defaultYear(), value, error: 'Podaj rok w formacie RRRR, np. 2026.' }
    const year = Number(value)
    if (year < FIRST_YEAR)
      return {
        year: defaultYear(),
        value,
        error: `Pliki JPK_PKPIR(3) i JPK_EWP(4) dotyczą ksiąg od roku ${FIRST_YEAR}.`
      }
    return { year, value, error: null }
  }

  /**
   * The year's file; `forFile` (download, filing) runs the XSD check, a page view shows an earlier verdict
   * (jpk-schema.ts).
   */
  async function prepare(year: number, forFile = false): Promise<PkpirPrepared | EwpPrepared> {
    const company = await getJpkCompany(app.db)
    const schema = forFile ? app.ctx.jpkSchema.check : app.ctx.jpkSchema.known
    return company.taxForm === 'ryczalt'
      ? await prepareEwp(app.db, year, nowIso(), schema)
      : await preparePkpir(app.db, year, nowIso(), schema)
  }

  interface Shown {
    stock?: StockFormValues
    stockErrors?: FieldErrors
    message?: string | null
  }

  async function page(
    reply: FastifyReply,
    picked: ReturnType<typeof yearOf>,
    status: number,
    p: PkpirPrepared | EwpPrepared,
    shown: Shown = {}
  ) {
    const year = picked.year
    const pkpir = p.kind === 'PKPIR' ? (p as PkpirPrepared) : null
    const ewp = p.kind === 'EWP' ? (p as EwpPrepared) : null
    const summary = pkpir
      ? monthlySummary(
          pkpir.rows.map((r) => ({ date: r.eventDate, revenue: r.columns.K_9 ?? 0 })),
          year
        )
      : monthlySummary(
          ewp!.rows.map((r) => ({ date: r.revenueDate, revenue: r.amount })),
          year
        )
    const stockErrors = shown.stockErrors ?? {}
    return reply.code(status).viewAsync('jpk/roczny', {
      title: `JPK_${p.kind} – ${year}`,
      picked,
      year,
      p,
      pkpir,
      ewp,
      summary,
      rates: ewp ? ewpRateTotals(ewp.rows) : [],
      stock: shown.stock ?? (pkpir ? stockValues(year, pkpir.stock, (await stockCounts(app.db, year - 1)).end) : null),
      stockErrors,
      message:
        shown.message ??
        (Object.keys(stockErrors).length > 0
          ? 'Popraw zaznaczone pola spisu z natury – nic nie zostało zapisane.'
          : null)
    })
  }

  app.get(PAGE, async (request, reply) => {
    const picked = yearOf(request.query)
    return await page(reply, picked, picked.error ? 422 : 200, await prepare(picked.year))
  })

  app.get(`${PAGE}/plik`, async (request, reply) => {
    const picked = yearOf(request.query)
    const prepared = await prepare(picked.year, true)
    if (picked.error) return await page(reply, picked, 422, prepared)
    if (!prepared.ready) {
      const why = prepared.problems.some((x) => x.level === 'error')
        ? 'Plik ma błędy (lista poniżej) – popraw je, zanim go pobierzesz.'
        : 'Plik nie przechodzi kontroli ze schematem XSD Ministerstwa Finansów – nie można go pobrać. Szczegóły poniżej.'
      return await page(reply, picked, 422, prepared, { message: why })
    }
    return reply
      .header('content-type', 'application/xml; charset=utf-8')
      .header('content-disposition', `attachment; filename="${prepared.fileName}"`)
      .send(prepared.xml)
  })

  // the user filed the file: recorded byte for byte; a later file for the year is a correction
  // (CelZlozenia 2; JPK_PKPIR(3) and JPK_EWP(4) have no field for a reason)
  app.post(`${PAGE}/zlozenie`, async (request, reply) => {
    const picked = yearOf(request.body)
    const prepared = await prepare(picked.year, true)
    if (picked.error || picked.value === '')
      return await page(reply, { ...picked, error: picked.error ?? 'Wybierz rok.' }, 422, prepared)
    if (!prepared.ready)
      return await page(reply, picked, 422, prepared, {
        message: 'Nie można oznaczyć jako złożony pliku z błędami – popraw je najpierw.'
      })
    await insertFiling(app.db, {
      kind: prepared.kind,
      period: String(picked.year),
      purpose: prepared.purpose,
      reason: '',
      xml: prepared.xml,
      sha256: prepared.sha256,
      taxToPay: null,
      surplusCarried: null,
      filedAt: toStoredTimestamp(app.ctx.now()),
      filedBy: currentUser(request).id
    })
    reply.flash(
      'success',
      `${prepared.purpose === 2 ? 'Korekta JPK' : 'JPK'}_${prepared.kind} za ${picked.year} oznaczon${prepared.purpose === 2 ? 'a jako złożona' : 'y jako złożony'}.`
    )
    return reply.redirect(`${PAGE}?rok=${picked.year}`, 303)
  })

  // spis z natury: the year's counts replaced by the form's
  app.post(`${PAGE}/spis`, async (request, reply) => {
    const picked = yearOf(request.body)
    if (picked.error || picked.value === '')
      return await page(reply, { ...picked, error: picked.error ?? 'Wybierz rok.' }, 422, await prepare(picked.year))
    const company = await getJpkCompany(app.db)
    const form = parseStockForm(request.body, picked.year)
    if (company.taxForm !== 'kpir') {
      return await page(reply, picked, 422, await prepare(picked.year), {
        message: 'Spis z natury wpisuje się do KPiR – firma rozlicza się ryczałtem, jej plik JPK_EWP go nie zawiera.'
      })
    }
    if (Object.keys(form.errors).length > 0)
      return await page(reply, picked, 422, await prepare(picked.year), {
        stock: form.values,
        stockErrors: form.errors
      })
    const at = toStoredTimestamp(app.ctx.now())
    const userId = currentUser(request).id
    await saveStockCounts(app.db, picked.year, form.counts, at, userId)
    reply.flash('success', `Spis z natury za ${picked.year} zapisany.`)
    return reply.redirect(`${PAGE}?rok=${picked.year}`, 303)
  })
}
