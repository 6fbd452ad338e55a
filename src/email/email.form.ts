import { type FormResult, Validator, text } from '../shared/form.ts'
import { DEFAULT_BODY, DEFAULT_SUBJECT, PLACEHOLDERS, isEmailAddress, oneLine, unknownPlaceholders } from './email.ts'

export const SMTP_SECURITY = ['starttls', 'tls', 'brak'] as const
export type SmtpSecurity = (typeof SMTP_SECURITY)[number]
export const SMTP_SECURITY_LABELS: Record<SmtpSecurity, string> = {
  starttls: 'STARTTLS (zwykle port 587)',
  tls: 'TLS od początku połączenia (zwykle port 465)',
  brak: 'Bez szyfrowania (tylko serwer w tej samej sieci)'
}

export interface SmtpValues {
  host: string
  port: string
  security: string
  username: string
  /** '' keeps the stored password; never shown back */
  password: string
  fromAddress: string
  fromName: string
  subjectTemplate: string
  bodyTemplate: string
}

export const EMPTY_SMTP: SmtpValues = {
  host: '',
  port: '587',
  security: 'starttls',
  username: '',
  password: '',
  fromAddress: '',
  fromName: '',
  subjectTemplate: DEFAULT_SUBJECT,
  bodyTemplate: DEFAULT_BODY
}

const TEMPLATE_HINT = `Dozwolone pola: ${PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}.`

function checkTemplate(v: Validator, field: string, template: string, max: number): void {
  if (!v.required(field, template, 'Wpisz treść szablonu.') || !v.maxLength(field, template, max)) return
  const unknown = unknownPlaceholders(template)
  v.check(unknown.length === 0, field, `Nieznane pole ${unknown.map((u) => `{${u}}`).join(', ')}. ${TEMPLATE_HINT}`)
}

export function parseSmtpForm(body: unknown): FormResult<SmtpValues> {
  const values: SmtpValues = {
    host: text(body, 'host'),
    port: text(body, 'port'),
    security: text(body, 'security'),
    username: text(body, 'username'),
    password:
      typeof (body as Record<string, unknown> | null)?.password === 'string'
        ? String((body as Record<string, unknown>).password)
        : '',
    fromAddress: text(body, 'fromAddress'),
    fromName: oneLine(text(body, 'fromName')),
    subjectTemplate: oneLine(text(body, 'subjectTemplate')),
    bodyTemplate: text(body, 'bodyTemplate').replace(/\r\n/g, '\n')
  }
  const v = new Validator()
  if (v.required('host', values.host, 'Podaj adres serwera SMTP, np. smtp.twojadomena.pl.')) {
    v.check(
      values.host.length <= 253 && /^[A-Za-z0-9.-]+$|^\[?[0-9a-fA-F:.]+\]?$/.test(values.host),
      'host',
      'Adres serwera: nazwa domeny albo adres IP, bez „smtp://” i bez portu.'
    )
  }
  v.check(
    /^\d{1,5}$/.test(values.port) && Number(values.port) >= 1 && Number(values.port) <= 65535,
    'port',
    'Port to liczba od 1 do 65535 (zwykle 587 albo 465).'
  )
  v.oneOf('security', values.security, SMTP_SECURITY)
  v.maxLength('username', values.username, 200)
  v.maxLength('password', values.password, 500)
  if (v.required('fromAddress', values.fromAddress, 'Podaj adres nadawcy.'))
    v.check(isEmailAddress(values.fromAddress), 'fromAddress', 'Adres e-mail nadawcy jest nieprawidłowy.')
  v.maxLength('fromName', values.fromName, 100)
  checkTemplate(v, 'subjectTemplate', values.subjectTemplate, 200)
  checkTemplate(v, 'bodyTemplate', values.bodyTemplate, 5000)
  return { values, errors: v.errors }
}

export interface SendValues {
  to: string
  subject: string
  body: string
}

export function parseSendForm(body: unknown): FormResult<SendValues> {
  const values: SendValues = {
    to: text(body, 'to'),
    subject: oneLine(text(body, 'subject')),
    body: text(body, 'body').replace(/\r\n/g, '\n')
  }
  const v = new Validator()
  if (v.required('to', values.to, 'Podaj adres e-mail nabywcy.'))
    v.check(isEmailAddress(values.to), 'to', 'Adres e-mail jest nieprawidłowy (jeden adres, np. biuro@firma.pl).')
  if (v.required('subject', values.subject, 'Wpisz temat wiadomości.')) v.maxLength('subject', values.subject, 200)
  if (v.required('body', values.body, 'Wpisz treść wiadomości.')) v.maxLength('body', values.body, 5000)
  return { values, errors: v.errors }
}
