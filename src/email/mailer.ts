// Sending through the company's own SMTP server (nodemailer). Called outside any DB transaction;
// its failures come back as Polish messages, the password never reaches a log or a page.
import nodemailer from 'nodemailer'
import type { SmtpSecurity } from './email.form.ts'

export interface SmtpAccount {
  host: string
  port: number
  security: SmtpSecurity
  username: string
  password: string
  fromAddress: string
  fromName: string
}

export interface OutgoingEmail {
  to: string
  subject: string
  text: string
  attachment?: { fileName: string; content: Buffer }
}

export type SendOutcome = { ok: true; messageId: string } | { ok: false; error: string }

export async function sendEmail(account: SmtpAccount, message: OutgoingEmail, timeoutMs: number): Promise<SendOutcome> {
  const transport = nodemailer.createTransport({
    host: account.host,
    port: account.port,
    secure: account.security === 'tls',
    requireTLS: account.security === 'starttls',
    ignoreTLS: account.security === 'brak',
    auth: account.username === '' ? undefined : { user: account.username, pass: account.password },
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    logger: false,
    debug: false
  })
  try {
    const info = await transport.sendMail({
      from: { name: account.fromName, address: account.fromAddress },
      to: message.to,
      subject: message.subject,
      text: message.text,
      attachments:
        message.attachment === undefined
          ? []
          : [
              {
                filename: message.attachment.fileName,
                content: message.attachment.content,
                contentType: 'application/pdf'
              }
            ]
    })
    return { ok: true, messageId: String(info.messageId ?? '').slice(0, 200) }
  } catch (error) {
    return {
      ok: false,
      error: polishSmtpError(error as { code?: string; responseCode?: number; response?: string }, timeoutMs)
    }
  } finally {
    transport.close()
  }
}

function polishSmtpError(
  error: { code?: string; responseCode?: number; response?: string },
  timeoutMs: number
): string {
  // the server's own words, one line and short: they help the user and cannot carry a secret
  const said =
    typeof error.response === 'string'
      ? ` Serwer odpowiedział: „${error.response.replace(/[\r\n]+/g, ' ').slice(0, 160)}”.`
      : ''
  switch (error.code) {
    case 'EAUTH':
      return `Serwer poczty odrzucił login lub hasło – sprawdź je w ustawieniach e-maila.${said}`
    case 'ETIMEDOUT':
      return `Serwer poczty nie odpowiedział w ciągu ${timeoutMs / 1000} s – spróbuj ponownie albo sprawdź adres i port.`
    case 'EDNS':
      return 'Nie ma serwera poczty o takiej nazwie – sprawdź adres serwera SMTP.'
    case 'ECONNECTION':
    case 'ESOCKET':
      return `Nie udało się połączyć z serwerem poczty – sprawdź adres, port i szyfrowanie w ustawieniach e-maila.${said}`
    case 'ETLS':
      return 'Nie udało się nawiązać szyfrowanego połączenia z serwerem poczty – sprawdź port i rodzaj szyfrowania.'
    case 'EENVELOPE':
      return `Serwer poczty odrzucił adres nadawcy albo odbiorcy.${said}`
    default:
      return `Serwer poczty odrzucił wiadomość${error.responseCode === undefined ? '' : ` (kod ${error.responseCode})`}.${said}`
  }
}
