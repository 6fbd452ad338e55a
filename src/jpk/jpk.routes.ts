import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { addMonths, monthLabel, parseMonth } from '../ledger/ledger.ts'
import { currentUser, requirePermission } from '../plugins/auth.ts'
import { toStoredTimestamp } from '../shared/dates.ts'
import { text } from '../shared/form.ts'
import { prepareV7, type V7Prepared } from './jpk.files.ts'
import { insertFiling } from './jpk.queries.ts'

function markerLabel (row: V7Prepared['sales'][number]): string {
  return row.marker.kind === 'NrKSeF' ? row.marker.number : row.marker.kind
}

export default async function jpkRoutes (app: FastifyInstance): Promise<void> {
  // the same module permission as the registers the file is made from
  app.addHook('preHandler', requirePermission('ksiegowosc'))

  const currentMonth = () => app.ctx.now().toFormat('yyyy-MM')
  const periodOf = (source: unknown): { month: string, value: string, error: string | null } => {
    const value = text(source, 'okres')
    if (value === '') return { month: addMonths(currentMonth(), -1), value: '', error: null }
    const month = parseMonth(value)
    if (month === null) return { month: addMonths(currentMonth(), -1), value, error: 'Podaj okres w formacie RRRR-MM, np. 2026-11.' }
    return { month, value, error: null }
  }

  async function page (reply: FastifyReply, picked: ReturnType<typeof periodOf>, status: number, downloadError: string | null) {
    const prepared = await prepareV7(app.db, picked.month, { carried: null, reason: '', now: app.ctx.now().toUTC().toISO() ?? '' })
    const fields = prepared.declaration ? Object.entries(prepared.declaration.fields).filter(([, v]) => v !== 0) : []
    return reply.code(status).viewAsync('jpk/v7', {
      title: `JPK_${prepared.variant} – ${monthLabel(picked.month)}`,
      picked,
      month: picked.month,
      prevMonth: addMonths(picked.month, -1),
      nextMonth: addMonths(picked.month, 1),
      p: prepared,
      fields,
      downloadError,
      markerLabel,
      monthLabel
    })
  }

  app.get('/ksiegowosc/jpk-v7', async (request, reply) => {
    const picked = periodOf(request.query)
    return await page(reply, picked, picked.error ? 422 : 200, null)
  })

  app.get('/ksiegowosc/jpk-v7/plik', async (request, reply) => {
    const picked = periodOf(request.query)
    if (picked.error) return await page(reply, picked, 422, null)
    const prepared = await prepareV7(app.db, picked.month, { carried: null, reason: '', now: app.ctx.now().toUTC().toISO() ?? '' })
    if (!prepared.ready) {
      // the register's own errors first: a missing header also breaks the schema, and the
      // user fixes the cause, not the xmllint message
      const why = prepared.problems.some((x) => x.level === 'error')
        ? 'Plik ma błędy (lista poniżej) – popraw je, zanim go pobierzesz.'
        : 'Plik nie przechodzi kontroli ze schematem XSD Ministerstwa Finansów – nie można go pobrać. Szczegóły poniżej.'
      return await page(reply, picked, 422, why)
    }
    return reply
      .header('content-type', 'application/xml; charset=utf-8')
      .header('content-disposition', `attachment; filename="${prepared.fileName}"`)
      .send(prepared.xml)
  })

  app.post('/ksiegowosc/jpk-v7/zlozenie', async (request: FastifyRequest, reply) => {
    const picked = periodOf(request.body)
    if (picked.error || picked.value === '') return await page(reply, { ...picked, error: picked.error ?? 'Wybierz okres.' }, 422, null)
    const now = app.ctx.now()
    const prepared = await prepareV7(app.db, picked.month, { carried: null, reason: '', now: now.toUTC().toISO() ?? '' })
    if (!prepared.ready) return await page(reply, picked, 422, 'Nie można oznaczyć jako złożony pliku z błędami – popraw je najpierw.')
    const fields = prepared.declaration?.fields
    await insertFiling(app.db, {
      kind: prepared.variant,
      period: picked.month,
      purpose: prepared.purpose,
      reason: '',
      xml: prepared.xml,
      sha256: prepared.sha256,
      taxToPay: fields ? fields.P_51 ?? 0 : null,
      surplusCarried: fields ? fields.P_62 ?? 0 : null,
      filedAt: toStoredTimestamp(now),
      filedBy: currentUser(request).id
    })
    reply.flash('success', `JPK_${prepared.variant} za ${monthLabel(picked.month)} oznaczony jako złożony.`)
    return reply.redirect(`/ksiegowosc/jpk-v7?okres=${picked.month}`, 303)
  })
}
