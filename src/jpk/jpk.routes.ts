import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { addMonths, monthLabel, parseMonth } from '../ledger/ledger.ts'
import { currentUser, requirePermission } from '../plugins/auth.ts'
import { toStoredTimestamp } from '../shared/dates.ts'
import { parseId, text, type FieldErrors } from '../shared/form.ts'
import { NotFoundError } from '../shared/errors.ts'
import { prepareV7, v7YearStatesWithChanges, type V7Prepared } from './jpk.files.ts'
import {
  correctionErrors,
  EMPTY_V7_VALUES,
  parseMarksForm,
  parseV7Form,
  type V7Form,
  type V7FormValues
} from './jpk.form.ts'
import { documentMarks, filedXml, insertFiling, periodLabel, vatSalesDocument } from './jpk.queries.ts'
import { saveDocumentMarks } from './jpk-saving.ts'
import { GTU_LABELS } from '../shared/tax-codes.ts'
import { GTU_CODES, PROCEDURE_LABELS, PROCEDURE_MARKS, quarterOf, REFUND_TERMS } from './jpk-v7.ts'

function markerLabel(row: Pick<V7Prepared['sales'][number], 'marker'>): string {
  return row.marker.kind === 'NrKSeF' ? row.marker.number : row.marker.kind
}

/** The three months of the quarter the month is in. */
function quarterMonths(month: string): string[] {
  const first = (quarterOf(month) - 1) * 3 + 1
  return [0, 1, 2].map((i) => `${month.slice(0, 4)}-${String(first + i).padStart(2, '0')}`)
}

export default async function jpkRoutes(app: FastifyInstance): Promise<void> {
  // the same module permission as the registers the file is made from
  app.addHook('preHandler', requirePermission('ksiegowosc'))

  const currentMonth = () => app.ctx.now().toFormat('yyyy-MM')
  const nowIso = () => app.ctx.now().toUTC().toISO() ?? ''
  const periodOf = (source: unknown): { month: string; value: string; error: string | null } => {
    const value = text(source, 'okres')
    if (value === '') return { month: addMonths(currentMonth(), -1), value: '', error: null }
    // a quarter (JPK_V7K) opens its last month, the file with the quarter's declaration
    const quarter = /^(\d{4})-K([1-4])$/i.exec(value)
    const month = quarter
      ? parseMonth(`${quarter[1]}-${String(Number(quarter[2]) * 3).padStart(2, '0')}`)
      : parseMonth(value)
    if (month === null)
      return {
        month: addMonths(currentMonth(), -1),
        value,
        error: 'Podaj okres w formacie RRRR-MM, np. 2026-11 (kwartał: RRRR-K1 … RRRR-K4).'
      }
    return { month, value: month, error: null }
  }

  interface Shown {
    values?: V7FormValues
    errors?: FieldErrors
    downloadError?: string | null
  }

  async function page(
    reply: FastifyReply,
    picked: ReturnType<typeof periodOf>,
    status: number,
    prepared: V7Prepared,
    shown: Shown = {}
  ) {
    const fields = prepared.declaration ? Object.entries(prepared.declaration.fields).filter(([, v]) => v !== 0) : []
    const errors = shown.errors ?? {}
    return reply.code(status).viewAsync('jpk/v7', {
      title: `JPK_${prepared.variant} – ${monthLabel(picked.month)}`,
      picked,
      month: picked.month,
      prevMonth: addMonths(picked.month, -1),
      nextMonth: addMonths(picked.month, 1),
      quarterMonths: prepared.variant === 'V7K' ? quarterMonths(picked.month) : null,
      p: prepared,
      fields,
      values: shown.values ?? { ...EMPTY_V7_VALUES, nadwyzka: String(prepared.carried.value) },
      refundTerms: REFUND_TERMS,
      errors,
      downloadError: shown.downloadError ?? (Object.keys(errors).length > 0 ? 'Popraw zaznaczone pola.' : null),
      markerLabel,
      monthLabel,
      periodLabel,
      // the year's months: filed, not filed, or filed and needing a correction
      yearStates: await v7YearStatesWithChanges(app.db, Number(picked.month.slice(0, 4)), nowIso())
    })
  }

  /** The period and the page's options, the file built with them, and what is wrong with them. */
  // a page view shows the verdict of an earlier check; a file that is downloaded or recorded as
  // filed is always checked itself (jpk-schema.ts)
  const schemaFor = (forFile: boolean) => (forFile ? app.ctx.jpkSchema.check : app.ctx.jpkSchema.known)

  async function fromRequest(
    source: unknown,
    opts: { forFile: boolean }
  ): Promise<{ picked: ReturnType<typeof periodOf>; form: V7Form; prepared: V7Prepared; errors: FieldErrors }> {
    const picked = periodOf(source)
    const form = parseV7Form(source)
    const prepared = await prepareV7(app.db, picked.month, {
      carried: form.carried,
      reason: form.reason,
      refund: form.refund,
      now: nowIso(),
      schema: schemaFor(opts.forFile)
    })
    // a refund that does not fit the declaration is as wrong as a mistyped amount
    const errors = {
      ...prepared.refundErrors,
      ...form.errors,
      ...(opts.forFile
        ? correctionErrors({ purpose: prepared.purpose, hasDeclaration: prepared.declaration !== null }, form.reason)
        : {})
    }
    return { picked, form, prepared, errors }
  }

  app.get('/ksiegowosc/jpk-v7', async (request, reply) => {
    const { picked, form, prepared } = await fromRequest(request.query, { forFile: false })
    const errors = { ...prepared.refundErrors, ...form.errors }
    const status = picked.error || Object.keys(errors).length > 0 ? 422 : 200
    const typed = ['nadwyzka', 'zwrot', 'terminZwrotu', 'zaliczenie', 'zaliczenieNa'].some(
      (name) => text(request.query, name) !== ''
    )
    const shown = !typed && Object.keys(errors).length === 0 ? {} : { values: form.values, errors }
    return await page(reply, picked, status, prepared, shown)
  })

  async function download(source: unknown, reply: FastifyReply) {
    const { picked, form, prepared, errors } = await fromRequest(source, { forFile: true })
    if (picked.error) return await page(reply, picked, 422, prepared)
    if (Object.keys(errors).length > 0)
      return await page(reply, picked, 422, prepared, {
        values: form.values,
        errors,
        downloadError: 'Popraw zaznaczone pola – plik nie został utworzony.'
      })
    if (!prepared.ready) {
      // the register's own errors first: a missing header also breaks the schema, and the
      // user fixes the cause, not the xmllint message
      const why = prepared.problems.some((x) => x.level === 'error')
        ? 'Plik ma błędy (lista poniżej) – popraw je, zanim go pobierzesz.'
        : 'Plik nie przechodzi kontroli ze schematem XSD Ministerstwa Finansów – nie można go pobrać. Szczegóły poniżej.'
      return await page(reply, picked, 422, prepared, { values: form.values, downloadError: why })
    }
    return reply
      .header('content-type', 'application/xml; charset=utf-8')
      .header('content-disposition', `attachment; filename="${prepared.fileName}"`)
      .send(prepared.xml)
  }

  // a link (the page's values) or the page's form (typed P_39, the correction's reason)
  app.get('/ksiegowosc/jpk-v7/plik', async (request, reply) => await download(request.query, reply))
  app.post('/ksiegowosc/jpk-v7/plik', async (request, reply) => await download(request.body, reply))

  // Przelicz: the declaration with the typed P_39, nothing stored
  app.post('/ksiegowosc/jpk-v7/przeliczenie', async (request, reply) => {
    const { picked, form, prepared } = await fromRequest(request.body, { forFile: false })
    const errors = { ...prepared.refundErrors, ...form.errors }
    const status = picked.error || Object.keys(errors).length > 0 ? 422 : 200
    return await page(reply, picked, status, prepared, {
      values: form.values,
      errors,
      downloadError: status === 422 && !picked.error ? 'Popraw zaznaczone pola.' : null
    })
  })

  // the bytes that were filed, as they were filed: never rebuilt from today's registers
  app.get('/ksiegowosc/jpk/zlozone/:id', async (request, reply) => {
    const id = parseId((request.params as { id: string }).id)
    const filing = id === null ? undefined : await filedXml(app.db, id)
    if (!filing) throw new NotFoundError()
    const name = `JPK_${filing.kind}_${filing.period}_zlozony_${filing.id}.xml`
    return reply
      .header('content-type', 'application/xml; charset=utf-8')
      .header('content-disposition', `attachment; filename="${name}"`)
      .send(Buffer.from(filing.xml))
  })

  // ---------- the marks of one sales row (GTU, procedures) ----------

  async function marksPage(
    reply: FastifyReply,
    documentId: number,
    status: number,
    picked: string[] | null,
    error: string | null
  ) {
    const doc = await vatSalesDocument(app.db, documentId)
    if (!doc) throw new NotFoundError()
    const marks = (await documentMarks(app.db, [documentId])).get(documentId) ?? {
      lineGtu: [],
      relatedParty: false,
      manual: []
    }
    return reply.code(status).viewAsync('jpk/oznaczenia', {
      title: `Oznaczenia JPK_V7 – ${doc.number}`,
      doc,
      marks,
      checked: new Set(picked ?? marks.manual),
      gtuCodes: GTU_CODES,
      gtuLabels: GTU_LABELS,
      procedureMarks: PROCEDURE_MARKS,
      procedureLabels: PROCEDURE_LABELS,
      error,
      monthLabel
    })
  }

  app.get('/ksiegowosc/jpk-v7/oznaczenia/:id', async (request, reply) => {
    const id = parseId((request.params as { id: string }).id)
    if (id === null) throw new NotFoundError()
    return await marksPage(reply, id, 200, null, null)
  })

  app.post('/ksiegowosc/jpk-v7/oznaczenia/:id', async (request, reply) => {
    const id = parseId((request.params as { id: string }).id)
    const doc = id === null ? undefined : await vatSalesDocument(app.db, id)
    if (!doc || id === null) throw new NotFoundError()
    const parsed = parseMarksForm(request.body)
    if (parsed.error !== null) return await marksPage(reply, id, 422, parsed.marks, parsed.error)
    await saveDocumentMarks(app.db, id, parsed.marks, toStoredTimestamp(app.ctx.now()), currentUser(request).id)
    reply.flash('success', `Oznaczenia dokumentu ${doc.number} zapisane.`)
    return reply.redirect(`/ksiegowosc/jpk-v7?okres=${doc.month}#dokument-${id}`, 303)
  })

  app.post('/ksiegowosc/jpk-v7/zlozenie', async (request: FastifyRequest, reply) => {
    const { picked, form, prepared, errors } = await fromRequest(request.body, { forFile: true })
    if (picked.error || picked.value === '')
      return await page(reply, { ...picked, error: picked.error ?? 'Wybierz okres.' }, 422, prepared)
    if (Object.keys(errors).length > 0)
      return await page(reply, picked, 422, prepared, {
        values: form.values,
        errors,
        downloadError: 'Popraw zaznaczone pola – nic nie zostało zapisane.'
      })
    if (!prepared.ready)
      return await page(reply, picked, 422, prepared, {
        values: form.values,
        downloadError: 'Nie można oznaczyć jako złożony pliku z błędami – popraw je najpierw.'
      })
    const fields = prepared.declaration?.fields
    await insertFiling(app.db, {
      kind: prepared.variant,
      period: picked.month,
      purpose: prepared.purpose,
      reason: prepared.purpose === 2 ? form.reason.trim() : '',
      xml: prepared.xml,
      sha256: prepared.sha256,
      taxToPay: fields ? (fields.P_51 ?? 0) : null,
      surplusCarried: fields ? (fields.P_62 ?? 0) : null,
      filedAt: toStoredTimestamp(app.ctx.now()),
      filedBy: currentUser(request).id
    })
    const what =
      prepared.purpose === 2
        ? `Korekta JPK_${prepared.variant} za ${monthLabel(picked.month)} oznaczona jako złożona.`
        : `JPK_${prepared.variant} za ${monthLabel(picked.month)} oznaczony jako złożony.`
    reply.flash('success', what)
    return reply.redirect(`/ksiegowosc/jpk-v7?okres=${picked.month}`, 303)
  })
}
