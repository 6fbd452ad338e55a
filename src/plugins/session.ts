import secureSession from '@fastify/secure-session'
import fp from 'fastify-plugin'

type FlashKind = 'success' | 'error' | 'info' | 'warning'
export interface Flash {
  kind: FlashKind
  message: string
}

declare module '@fastify/secure-session' {
  interface SessionData {
    /** the random token of a row in user_sessions (the only proof of a login) */
    sid: string
    /** set by @fastify/csrf-protection; cleared at login so the token rotates */
    _csrf: string
    flash: Flash[]
    /** last page of a list, to come back to after an action */
    returnTo: string
  }
}

declare module 'fastify' {
  interface FastifyReply {
    flash: (kind: FlashKind, message: string) => void
  }
  interface FastifyRequest {
    takeFlash: () => Flash[]
  }
}

export default fp<{ key: Buffer; secure: boolean }>(
  async (app, opts) => {
    await app.register(secureSession, {
      key: opts.key,
      cookieName: 'biurko_session',
      expiry: 12 * 60 * 60,
      cookie: { path: '/', httpOnly: true, sameSite: 'lax', secure: opts.secure }
    })

    app.decorateReply('flash', function (kind: FlashKind, message: string) {
      const current = this.request.session.get('flash') ?? []
      this.request.session.set('flash', [...current, { kind, message }])
    })

    app.decorateRequest('takeFlash', function () {
      const messages = this.session.get('flash') ?? []
      if (messages.length > 0) this.session.set('flash', undefined)
      return messages
    })
  },
  { name: 'session' }
)
