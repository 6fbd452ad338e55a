import type { FastifyInstance, FastifyRequest } from 'fastify'
import { DateTime } from 'luxon'
import { ForbiddenError, NotFoundError } from '../shared/errors.ts'
import { parseId, text } from '../shared/form.ts'
import { renderDocumentPage } from './document-page.ts'
import {
  canHoldKsefNumber,
  checkKsefNumber,
  fa3FileForDocument,
  fa3MonthZip,
  recordKsefNumber
} from '../ksef/ksef-export.ts'
import { fa3FileName } from '../ksef/fa3-zip.ts'
import { connectionOf } from '../ksef/connection.queries.ts'
import { queueSubmission, runKsefRound } from '../ksef/ksef-sender.ts'
import { ksefPanelOf } from '../ksef/ksef-panel.ts'
import { SUBMISSION_STATE_LABELS } from '../ksef/ksef-sending.ts'
import { ksefDepsOf } from '../ksef/ksef-worker.ts'
import { submissionOf, type SubmissionState } from '../ksef/submissions.queries.ts'
import { asArray } from '../shared/form.ts'
import { idParam } from '../shared/params.ts'

const documentId = (request: FastifyRequest): number => idParam(request, 'Nie ma takiego dokumentu.')

function attachment(fileName: string): string {
  return `attachment; filename="${fileName}"`
}

/** FA(3) XML of one invoice, the monthly zip, and the invoice's KSeF number. */
export default async function ksefRoutes(app: FastifyInstance): Promise<void> {
  app.get('/przychody/dokumenty/:id/ksef.xml', async (request, reply) => {
    const id = documentId(request)
    const result = await fa3FileForDocument(app.db, id, app.ctx.now())
    if (!result.ok) {
      return reply.code(422).viewAsync('documents/ksef-problems', {
        title: `KSeF: ${result.number}`,
        documentId: id,
        number: result.number,
        problems: result.problems
      })
    }
    return reply
      .type('application/xml; charset=utf-8')
      .header('content-disposition', attachment(result.fileName))
      .header('cache-control', 'private, no-store')
      .send(Buffer.from(result.xml, 'utf8'))
  })

  // Wyślij do KSeF: queued, then sent at once for this one document (its claim keeps the worker off)
  app.post('/przychody/dokumenty/:id/ksef/wyslij', async (request, reply) => {
    const id = documentId(request)
    const back = `/przychody/dokumenty/${id}`
    const doc = await app.db
      .selectFrom('documents')
      .select(['type', 'number'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow()
    if (!canHoldKsefNumber(doc.type)) {
      reply.flash('error', 'Do KSeF wysyła się tylko faktury i faktury korygujące.')
      return reply.redirect(back, 303)
    }
    const queued = await queueSubmission(app.db, id, app.ctx.now())
    if (!queued.ok) {
      reply.flash('error', `Nie wysłano faktury ${doc.number} do KSeF: ${queued.problems.join(' ')}`)
      return reply.redirect(back, 303)
    }
    if (!queued.queued) {
      reply.flash('info', queued.message)
      return reply.redirect(back, 303)
    }
    if ((await connectionOf(app.db)) === undefined) {
      reply.flash(
        'info',
        `${queued.message} Połącz Biurko z KSeF w USTAWIENIA » INTEGRACJE » KSeF – wtedy zostanie wysłana.`
      )
      return reply.redirect(back, 303)
    }
    await runKsefRound(ksefDepsOf(app), { documentIds: [id] })
    const row = await submissionOf(app.db, id)
    const state = (row?.state ?? 'do_wyslania') as SubmissionState
    const kind = state === 'przyjeta' ? 'success' : state === 'odrzucona' || state === 'blad' ? 'error' : 'info'
    const message =
      state === 'przyjeta'
        ? `KSeF przyjął fakturę ${doc.number}: numer KSeF ${row?.ksef_number ?? ''}.`
        : `Faktura ${doc.number}: ${SUBMISSION_STATE_LABELS[state]}.${row?.last_error ? ` ${row.last_error}` : ''}`
    reply.flash(kind, message)
    return reply.redirect(back, 303)
  })

  // bulk from the documents list: all queued, the worker sends them within KSeF's limits
  app.post('/przychody/dokumenty/ksef/wyslij', async (request, reply) => {
    const ids = [
      ...new Set(
        asArray(request.body, 'documentIds')
          .map((v) => parseId(v))
          .filter((v) => v !== null)
      )
    ].slice(0, 5000)
    if (ids.length === 0) {
      reply.flash('error', 'Zaznacz faktury do wysłania do KSeF.')
      return reply.redirect('/przychody/dokumenty', 303)
    }
    let queued = 0
    const problems: string[] = []
    for (const id of ids) {
      const doc = await app.db
        .selectFrom('documents')
        .select(['type', 'number'])
        .where('id', '=', id)
        .executeTakeFirst()
      if (doc === undefined || !canHoldKsefNumber(doc.type)) continue
      const result = await queueSubmission(app.db, id, app.ctx.now())
      if (result.ok && result.queued) queued++
      else if (!result.ok) problems.push(`${doc.number}: ${result.problems.join(' ')}`)
    }
    void app.ksefWorker?.tick()
    if (queued > 0)
      reply.flash(
        'success',
        `${queued} ${queued === 1 ? 'faktura czeka' : 'faktur(y) czeka'} na wysłanie do KSeF – wysyłamy je w tle, w granicach limitów KSeF.`
      )
    if (problems.length > 0)
      reply.flash(
        'error',
        `Nie wysłano: ${problems.slice(0, 10).join(' ')}${problems.length > 10 ? ` (i ${problems.length - 10} innych)` : ''}`
      )
    if (queued === 0 && problems.length === 0) reply.flash('info', 'Zaznaczone faktury są już w KSeF albo w drodze.')
    return reply.redirect('/przychody/dokumenty', 303)
  })

  app.get('/przychody/dokumenty/:id/upo.xml', async (request, reply) => {
    const id = documentId(request)
    const row = await app.db
      .selectFrom('ksef_submissions as s')
      .innerJoin('documents as d', 'd.id', 's.document_id')
      .select(['s.upo_xml', 'd.number'])
      .where('s.document_id', '=', id)
      .executeTakeFirst()
    if (row?.upo_xml == null) throw new NotFoundError('Ta faktura nie ma jeszcze UPO z KSeF.')
    return reply
      .type('application/xml; charset=utf-8')
      .header('content-disposition', attachment(`UPO_${fa3FileName(row.number)}`))
      .header('cache-control', 'private, no-store')
      .send(row.upo_xml)
  })

  app.get('/przychody/dokumenty/ksef.zip', async (request, reply) => {
    const month = text(request.query, 'miesiac')
    if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month)) {
      reply.flash('error', 'Wybierz miesiąc eksportu KSeF.')
      return reply.redirect('/przychody/dokumenty', 303)
    }
    const result = await fa3MonthZip(app.db, month, app.ctx.now())
    const monthLabel = DateTime.fromISO(`${month}-01`).setLocale('pl').toFormat('LLLL yyyy')
    if (result.zip === null) {
      reply.flash('info', `W miesiącu ${monthLabel} nie wystawiono żadnej faktury – nie ma czego eksportować do KSeF.`)
      return reply.redirect(`/przychody/dokumenty?miesiac=${month}`, 303)
    }
    return reply
      .type('application/zip')
      .header('content-disposition', attachment(`KSeF_FA3_${month}.zip`))
      .header('cache-control', 'private, no-store')
      .send(Buffer.from(result.zip))
  })

  app.post('/przychody/dokumenty/:id/ksef', async (request, reply) => {
    const id = documentId(request)
    const doc = await app.db
      .selectFrom('documents')
      .select(['id', 'type', 'number', 'status', 'seller_nip', 'issue_date', 'ksef_number'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow()
    if (!canHoldKsefNumber(doc.type)) {
      reply.flash('error', 'Numer KSeF mają tylko faktury i faktury korygujące.')
      return reply.redirect(`/przychody/dokumenty/${id}`, 303)
    }
    if (doc.status !== 'issued') {
      reply.flash('error', `Dokument ${doc.number} jest anulowany – nie nadaje się mu numeru KSeF.`)
      return reply.redirect(`/przychody/dokumenty/${id}`, 303)
    }
    if (!(await ksefPanelOf(app.db, id, true)).numberByHand) {
      reply.flash(
        'error',
        `Fakturę ${doc.number} wysyła do KSeF Biurko: numer KSeF nadaje jej KSeF i nie wpisuje się go ręcznie. Błąd w treści faktury popraw fakturą korygującą.`
      )
      return reply.redirect(`/przychody/dokumenty/${id}`, 303)
    }
    // once KSeF has the invoice its number is a fact; only the owner may fix a mistyped one
    if (doc.ksef_number !== null && request.user?.isOwner !== true)
      throw new ForbiddenError('Numer KSeF tej faktury jest już zapisany – poprawić go może tylko właściciel konta.')
    const typed = text(request.body, 'ksefNumber')
    const checked = checkKsefNumber(typed, doc)
    let problem = checked.ok ? null : checked.problem
    if (checked.ok) {
      const other = await app.db
        .selectFrom('documents')
        .select(['number'])
        .where('ksef_number', '=', checked.number)
        .where('id', '!=', id)
        .executeTakeFirst()
      if (other) problem = `Ten numer KSeF ma już dokument ${other.number}.`
    }
    if (!checked.ok || problem !== null) {
      return await renderDocumentPage(app, request, reply, id, {
        ksefForm: { value: typed.slice(0, 100), error: problem },
        status: 422
      })
    }
    const recorded = await recordKsefNumber(app.db, id, checked.number)
    if (!recorded) {
      reply.flash('error', `Dokument ${doc.number} został w międzyczasie anulowany.`)
      return reply.redirect(`/przychody/dokumenty/${id}`, 303)
    }
    reply.flash(
      'success',
      doc.ksef_number === null
        ? `Zapisano numer KSeF faktury ${doc.number}.`
        : `Poprawiono numer KSeF faktury ${doc.number}.`
    )
    return reply.redirect(`/przychody/dokumenty/${id}`, 303)
  })
}
