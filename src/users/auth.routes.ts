import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { beginSession, endSession, requireUser } from '../plugins/auth.ts'
import { deleteUserSessions } from '../plugins/sessions.queries.ts'
import { LoginThrottle, TooManyAttemptsError } from './login-throttle.ts'
import totpRoutes, { TOTP_CODE_PATH } from './totp.routes.ts'
import { toStoredTimestamp } from '../shared/dates.ts'
import { text } from '../shared/form.ts'
import { safeReturnPath } from '../shared/return-path.ts'
import { changePassword, countUsers, findUserByLogin, getUser, type UserRow } from './users.queries.ts'
import { MIN_PASSWORD_LENGTH, parsePasswordChange } from './users.form.ts'

declare module '@fastify/secure-session' {
  interface SessionData {
    /** between the password and the TOTP code: where to go after, and the short-password nudge */
    loginNext: string
    weakPassword: boolean
  }
}

/** Only same-origin paths are followed after login (src/shared/return-path.ts). */
export function safeNext(next: string): string {
  return safeReturnPath(next, '/', '/')
}

export default async function authRoutes(app: FastifyInstance): Promise<void> {
  app.get('/logowanie', async (request, reply) => {
    if ((await countUsers(app.db)) === 0) return reply.redirect('/konfiguracja', 303)
    if (request.user) return reply.redirect('/', 303)
    const next = safeNext(String((request.query as Record<string, unknown>).next ?? '/'))
    return reply.viewAsync('users/login', { title: 'Logowanie', values: { login: '', next }, error: null })
  })

  const throttle = new LoginThrottle({
    perAccount: app.ctx.config.loginAccountRateLimitMax,
    perAddress: app.ctx.config.loginRateLimitMax,
    windowMs: 15 * 60_000,
    now: app.ctx.sessionNow
  })

  app.post('/logowanie', async (request, reply) => {
    const login = text(request.body, 'login')
    const rawPassword = (request.body as Record<string, unknown> | undefined)?.password
    const password = typeof rawPassword === 'string' ? rawPassword : ''
    const next = safeNext(text(request.body, 'next') || '/')
    // checked before the password, so a blocked guesser learns nothing, even with the right one
    if (throttle.blocked(login.slice(0, 100), request.ip)) throw new TooManyAttemptsError()
    const user = login === '' || login.length > 100 ? undefined : await findUserByLogin(app.db, login)
    const passwordOk = await app.ctx.passwords.verify(
      password.slice(0, 200),
      user?.password_hash ?? app.ctx.passwords.dummyHash
    )
    if (!passwordOk) throttle.fail(login.slice(0, 100), request.ip)
    // with TOTP on, the count is cleared only when the code passes too: otherwise every right
    // password would buy a fresh round of code guesses
    else if (user?.totp_enabled !== 1) throttle.succeed(login.slice(0, 100))
    if (!user || !passwordOk || user.disabled === 1) {
      request.log.info({ login: login.slice(0, 100) }, 'login failed')
      const error =
        user?.disabled === 1 && passwordOk
          ? 'To konto jest wyłączone. Skontaktuj się z właścicielem konta.'
          : 'Nieprawidłowy login lub hasło.'
      return reply.code(422).viewAsync('users/login', { title: 'Logowanie', values: { login, next }, error })
    }
    // a hash made with an older, cheaper scrypt cost is replaced now that we hold the password
    // (ASVS 2.4.1); the sessions stay, the password itself did not change
    if (app.ctx.passwords.needsRehash(user.password_hash)) {
      await app.db
        .updateTable('users')
        .set({ password_hash: await app.ctx.passwords.hash(password.slice(0, 200)) })
        .where('id', '=', user.id)
        .where('password_hash', '=', user.password_hash)
        .execute()
    }
    const weakPassword = [...password].length < MIN_PASSWORD_LENGTH
    if (user.totp_enabled === 1) {
      // a session that opens no page yet: only the code form (ASVS 2.8)
      await beginSession(app, request, user.id, { pendingTotp: true })
      request.session.set('loginNext', next)
      request.session.set('weakPassword', weakPassword)
      return reply.redirect(TOTP_CODE_PATH, 303)
    }
    return await finishLogin(request, reply, user, next, weakPassword)
  })

  async function finishLogin(
    request: FastifyRequest,
    reply: FastifyReply,
    user: UserRow,
    next: string,
    weakPassword: boolean,
    notice?: string
  ): Promise<FastifyReply> {
    await beginSession(app, request, user.id)
    reply.flash('success', `Witaj, ${user.name}!`)
    // ASVS 2.1.1 came after this password was set: it still opens the account, with a nudge
    if (weakPassword)
      reply.flash(
        'warning',
        `Twoje hasło ma mniej niż ${MIN_PASSWORD_LENGTH} znaków. Zmień je na dłuższe w Konto » Zmiana hasła (/konto/haslo).`
      )
    if (notice !== undefined) reply.flash('warning', notice)
    return reply.redirect(safeNext(next), 303)
  }

  await app.register(totpRoutes, { throttle, finishLogin })

  app.post('/wyloguj', async (request, reply) => {
    await endSession(app, request)
    return reply.redirect('/logowanie', 303)
  })

  await app.register(async (account) => {
    account.addHook('preHandler', requireUser)

    account.get('/konto/haslo', async (_request, reply) => {
      return reply.viewAsync('users/password', { title: 'Zmiana hasła', errors: {} })
    })

    account.post('/konto/haslo', async (request, reply) => {
      const form = parsePasswordChange(request.body)
      const user = await getUser(app.db, request.user!.id)
      if (throttle.blocked(user.login, request.ip)) throw new TooManyAttemptsError()
      if (Object.keys(form.errors).length === 0) {
        if (await app.ctx.passwords.verify(form.current.slice(0, 200), user.password_hash)) throttle.succeed(user.login)
        else {
          throttle.fail(user.login, request.ip)
          form.errors.currentPassword = 'Obecne hasło jest nieprawidłowe.'
        }
      }
      if (Object.keys(form.errors).length > 0) {
        return reply.code(422).viewAsync('users/password', { title: 'Zmiana hasła', errors: form.errors })
      }
      await changePassword(app.db, user.id, await app.ctx.passwords.hash(form.next), toStoredTimestamp(app.ctx.now()))
      // every other session of this user ends; this browser gets a fresh one
      await deleteUserSessions(app.db, user.id)
      await beginSession(app, request, user.id)
      reply.flash('success', 'Hasło zostało zmienione.')
      return reply.redirect('/', 303)
    })
  })
}
