import type { FastifyInstance, FastifyRequest } from 'fastify'
import { documentPdfFile } from '../pdf/document-file.ts'
import { loadDocumentForOutput } from '../pdf/document-output.queries.ts'
import { requireAdministration, requireDocuments } from '../plugins/auth.ts'
import { decryptSecret, encryptSecret } from '../shared/crypto.ts'
import { formatDate, toStoredTimestamp } from '../shared/dates.ts'
import { formatMoney } from '../shared/money.ts'
import { PLACEHOLDERS, renderTemplate, whyNotByEmail, type Placeholder } from './email.ts'
import {
  EMPTY_SMTP,
  SMTP_SECURITY,
  SMTP_SECURITY_LABELS,
  parseSendForm,
  parseSmtpForm,
  type SendValues,
  type SmtpSecurity,
  type SmtpValues
} from './email.form.ts'
import {
  buyerEmail,
  emailsOfDocument,
  finishEmail,
  getSmtpSettings,
  recentEmailInFlight,
  recentEmails,
  saveSmtpSettings,
  startEmail,
  transactionCount,
  type SmtpSettingsRow
} from './email.queries.ts'
import { sendEmail, type SmtpAccount } from './mailer.ts'
import { idParam } from '../shared/params.ts'

const SETTINGS = '/ustawienia/e-mail'
const securityOptions = SMTP_SECURITY.map((value) => ({ value, label: SMTP_SECURITY_LABELS[value] }))

const documentId = (request: FastifyRequest): number => idParam(request, 'Nie ma takiego dokumentu.')

export default async function emailRoutes(app: FastifyInstance): Promise<void> {
  const now = (): string => toStoredTimestamp(app.ctx.now())

  function account(row: SmtpSettingsRow): SmtpAccount {
    return {
      host: row.host,
      port: row.port,
      security: row.security as SmtpSecurity,
      username: row.username,
      password: row.password_enc === null ? '' : decryptSecret(app.ctx.secretsKey, row.password_enc),
      fromAddress: row.from_address,
      fromName: row.from_name
    }
  }

  function settingsValues(row: SmtpSettingsRow | undefined): SmtpValues {
    if (row === undefined) return EMPTY_SMTP
    return {
      host: row.host,
      port: String(row.port),
      security: row.security,
      username: row.username,
      password: '',
      fromAddress: row.from_address,
      fromName: row.from_name,
      subjectTemplate: row.subject_template,
      bodyTemplate: row.body_template
    }
  }

  await app.register(async (admin) => {
    admin.addHook('preHandler', requireAdministration)

    async function settingsPage(values: SmtpValues, errors: Record<string, string>) {
      const row = await getSmtpSettings(app.db)
      return {
        title: 'Ustawienia » E-mail',
        values,
        errors,
        securityOptions,
        hasPassword: row?.password_enc != null,
        configured: row !== undefined,
        placeholders: PLACEHOLDERS,
        sent: await recentEmails(app.db)
      }
    }

    admin.get(SETTINGS, async (_request, reply) => {
      return reply.viewAsync('email/settings', await settingsPage(settingsValues(await getSmtpSettings(app.db)), {}))
    })

    admin.post(SETTINGS, async (request, reply) => {
      const form = parseSmtpForm(request.body)
      if (Object.keys(form.errors).length > 0)
        return reply
          .code(422)
          .viewAsync('email/settings', await settingsPage({ ...form.values, password: '' }, form.errors))
      const stored = await getSmtpSettings(app.db)
      // an empty password field keeps the stored one; clearing it means a server without login
      const passwordEnc =
        form.values.username === ''
          ? null
          : form.values.password !== ''
            ? encryptSecret(app.ctx.secretsKey, form.values.password)
            : (stored?.password_enc ?? null)
      await saveSmtpSettings(app.db, {
        host: form.values.host,
        port: Number(form.values.port),
        security: form.values.security,
        username: form.values.username,
        password_enc: passwordEnc,
        from_address: form.values.fromAddress,
        from_name: form.values.fromName,
        subject_template: form.values.subjectTemplate,
        body_template: form.values.bodyTemplate,
        updated_at: now()
      })
      reply.flash('success', 'Ustawienia poczty zostały zapisane. Wyślij wiadomość próbną, aby sprawdzić połączenie.')
      return reply.redirect(SETTINGS, 303)
    })

    admin.post(`${SETTINGS}/test`, async (_request, reply) => {
      const row = await getSmtpSettings(app.db)
      if (row === undefined) {
        reply.flash('error', 'Najpierw zapisz ustawienia serwera poczty.')
        return reply.redirect(SETTINGS, 303)
      }
      const outcome = await sendEmail(
        account(row),
        {
          to: row.from_address,
          subject: 'Biurko: wiadomość próbna',
          text: 'Ta wiadomość potwierdza, że Biurko może wysyłać dokumenty przez ten serwer poczty.'
        },
        app.ctx.config.smtpTimeoutMs
      )
      if (outcome.ok) reply.flash('success', `Wiadomość próbna wysłana na ${row.from_address}.`)
      else reply.flash('error', outcome.error)
      return reply.redirect(SETTINGS, 303)
    })
  })

  await app.register(async (documents) => {
    documents.addHook('preHandler', requireDocuments)

    async function sendPage(id: number, values: SendValues | null, errors: Record<string, string>) {
      const doc = await loadDocumentForOutput(app.db, id)
      const row = await getSmtpSettings(app.db)
      const blocker = whyNotByEmail({ status: doc.status, transactionCount: await transactionCount(app.db, id) })
      const fields: Record<Placeholder, string> = {
        rodzaj: doc.title,
        numer: doc.number,
        kwota: formatMoney(doc.totals.gross, doc.currency),
        termin: doc.dueDate === null ? '' : formatDate(doc.dueDate),
        firma: doc.seller.name,
        nabywca: doc.buyer.name
      }
      const initial: SendValues =
        row === undefined
          ? { to: '', subject: '', body: '' }
          : {
              to: await buyerEmail(app.db, doc.buyer.contractorId),
              subject: renderTemplate(row.subject_template, fields),
              body: renderTemplate(row.body_template, fields)
            }
      return {
        title: `Wyślij e-mailem: ${doc.number}`,
        doc,
        blocker,
        configured: row !== undefined,
        values: values ?? initial,
        errors,
        emails: await emailsOfDocument(app.db, id)
      }
    }

    documents.get('/przychody/dokumenty/:id/e-mail', async (request, reply) => {
      return reply.viewAsync('email/send', await sendPage(documentId(request), null, {}))
    })

    documents.post('/przychody/dokumenty/:id/e-mail', async (request, reply) => {
      const id = documentId(request)
      const page = await sendPage(id, null, {})
      const back = `/przychody/dokumenty/${id}`
      if (page.blocker !== null || !page.configured) {
        reply.flash('error', page.blocker ?? 'Najpierw ustaw serwer poczty w USTAWIENIA » E-mail.')
        return reply.redirect(back, 303)
      }
      const form = parseSendForm(request.body)
      if (Object.keys(form.errors).length > 0)
        return reply.code(422).viewAsync('email/send', { ...page, values: form.values, errors: form.errors })
      const started = app.ctx.now()
      if (await recentEmailInFlight(app.db, id, toStoredTimestamp(started.minus({ minutes: 1 })))) {
        reply.flash('warning', 'Ten dokument jest właśnie wysyłany – poczekaj na wynik, zanim wyślesz go ponownie.')
        return reply.redirect(`${back}/e-mail`, 303)
      }
      const file = await documentPdfFile(app.db, app.ctx, id)
      const row = (await getSmtpSettings(app.db))!
      const emailId = await startEmail(app.db, {
        document_id: id,
        to_address: form.values.to,
        subject: form.values.subject,
        sent_by: request.user?.id ?? null,
        created_at: toStoredTimestamp(started)
      })
      const outcome = await sendEmail(
        account(row),
        {
          to: form.values.to,
          subject: form.values.subject,
          text: form.values.body,
          attachment: { fileName: file.fileName, content: file.pdf }
        },
        app.ctx.config.smtpTimeoutMs
      )
      await finishEmail(
        app.db,
        emailId,
        outcome.ok
          ? { state: 'wyslany', error: null, message_id: outcome.messageId, finished_at: now() }
          : { state: 'blad', error: outcome.error, message_id: null, finished_at: now() }
      )
      if (outcome.ok) {
        reply.flash('success', `Wysłano ${file.doc.number} na adres ${form.values.to}.`)
        return reply.redirect(back, 303)
      }
      reply.flash('error', `Nie wysłano: ${outcome.error}`)
      return reply.redirect(`${back}/e-mail`, 303)
    })
  })
}
