// A real SMTP server on loopback (smtp-server) standing in for a company's mail server in tests:
// it keeps every message it accepts, checks the login, and can be told to refuse or hang.
import type { AddressInfo } from 'node:net'
import { SMTPServer } from 'smtp-server'

export interface ReceivedMessage {
  from: string
  to: string[]
  /** the whole message as it arrived (headers and MIME body) */
  raw: Buffer
}

export type SmtpFault = 'reject-recipient' | 'reject-message' | 'hang' | null

export interface SmtpStandIn {
  port: number
  messages: ReceivedMessage[]
  fault: (fault: SmtpFault) => void
  close: () => Promise<void>
}

export async function startSmtpStandIn(login: { username: string; password: string }): Promise<SmtpStandIn> {
  const messages: ReceivedMessage[] = []
  let fault: SmtpFault = null
  const server = new SMTPServer({
    // plaintext on loopback only: the tests speak to it without TLS
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authOptional: false,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === login.username && auth.password === login.password) callback(null, { user: auth.username })
      else callback(Object.assign(new Error('5.7.8 Authentication credentials invalid'), { responseCode: 535 }))
    },
    onRcptTo(address, _session, callback) {
      if (fault === 'reject-recipient')
        callback(
          Object.assign(new Error(`5.1.1 <${address.address}>: Recipient address rejected`), { responseCode: 550 })
        )
      else callback()
    },
    onData(stream, session, callback) {
      if (fault === 'hang') return
      const chunks: Buffer[] = []
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('end', () => {
        if (fault === 'reject-message')
          return callback(Object.assign(new Error('5.7.1 Message rejected as spam'), { responseCode: 554 }))
        messages.push({
          from: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks)
        })
        callback()
      })
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.server.address() as AddressInfo).port,
    messages,
    fault: (next) => {
      fault = next
    },
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}
