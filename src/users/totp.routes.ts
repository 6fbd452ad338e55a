import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { requireUser, TOTP_ENROL_PATH } from '../plugins/auth.ts'
import { decryptSecret, encryptSecret } from '../shared/crypto.ts'
import { toStoredTimestamp } from '../shared/dates.ts'
import { text } from '../shared/form.ts'
import { TooManyAttemptsError, type LoginThrottle } from './login-throttle.ts'
import {
  checkTotpCode,
  groupSecret,
  hashRecoveryCode,
  newRecoveryCodes,
  newTotpSecret,
  normalizeRecoveryCode,
  otpauthUri,
  qrDataUrl,
  type CodeCheck
} from './totp.ts'
import {
  claimTotpStep,
  companyRequiresTotp,
  countUnusedRecoveryCodes,
  startTotpEnrolment,
  useRecoveryCode
} from './totp.queries.ts'
import { getUser, type UserRow } from './users.queries.ts'
import { disableTotp, enableTotp } from './totp-enrolment.ts'

declare module '@fastify/secure-session' {
  interface SessionData {
    /** the recovery codes just made, shown once on the next page and then dropped */
    recoveryCodes: string[]
  }
}

export const TOTP_CODE_PATH = '/logowanie/kod'
const ISSUER = 'Biurko'

export interface TotpRoutesOptions {
  throttle: LoginThrottle
  finishLogin: (
    request: FastifyRequest,
    reply: FastifyReply,
    user: UserRow,
    next: string,
    weakPassword: boolean,
    notice?: string
  ) => Promise<FastifyReply>
}

const CODE_ERRORS: Record<Exclude<CodeCheck, { ok: true }>['reason'], string> = {
  format: 'Wpisz 6-cyfrowy kod z aplikacji uwierzytelniającej.',
  wrong: 'Nieprawidłowy kod. Sprawdź, czy zegar telefonu ustawia się automatycznie, i wpisz aktualny kod.',
  replay: 'Ten kod został już użyty. Poczekaj, aż aplikacja pokaże następny, i wpisz nowy.'
}

export default async function totpRoutes(app: FastifyInstance, opts: TotpRoutesOptions): Promise<void> {
  const { throttle } = opts
  const secretOf = (user: UserRow): string | null =>
    user.totp_secret_enc === null ? null : decryptSecret(app.ctx.secretsKey, user.totp_secret_enc)

  /** A TOTP code against the user's enabled secret; the step is claimed, so a second use fails. */
  async function acceptCode(user: UserRow, input: string): Promise<CodeCheck> {
    const secret = secretOf(user)
    if (user.totp_enabled !== 1 || secret === null) return { ok: false, reason: 'wrong' }
    const check = checkTotpCode(secret, input, app.ctx.sessionNow(), user.totp_last_step)
    if (!check.ok) return check
    return (await claimTotpStep(app.db, user.id, check.step)) ? check : { ok: false, reason: 'replay' }
  }

  // The second step of a login. The session here is pending: it opens no other page.
  app.get(TOTP_CODE_PATH, async (request, reply) => {
    if (request.pendingTotpUserId === null) return reply.redirect('/logowanie', 303)
    return reply.viewAsync('users/totp-code', { title: 'Kod weryfikacyjny', error: null, recovery: false })
  })

  app.post(TOTP_CODE_PATH, async (request, reply) => {
    if (request.pendingTotpUserId === null) return reply.redirect('/logowanie', 303)
    const user = await getUser(app.db, request.pendingTotpUserId)
    if (throttle.blocked(user.login, request.ip)) throw new TooManyAttemptsError()
    const input = text(request.body, 'code').slice(0, 100)
    const recovery = normalizeRecoveryCode(input)
    let error: string | null = null
    if (recovery !== null) {
      if (!(await useRecoveryCode(app.db, user.id, recovery, toStoredTimestamp(app.ctx.now()))))
        error = 'Ten kod zapasowy jest nieprawidłowy albo został już użyty.'
    } else {
      const check = await acceptCode(user, input)
      if (!check.ok)
        error =
          check.reason === 'format'
            ? 'Wpisz 6-cyfrowy kod z aplikacji albo jeden z kodów zapasowych.'
            : CODE_ERRORS[check.reason]
    }
    if (error !== null) {
      throttle.fail(user.login, request.ip)
      request.log.info({ userId: user.id }, 'second factor failed')
      return reply
        .code(422)
        .viewAsync('users/totp-code', { title: 'Kod weryfikacyjny', error, recovery: recovery !== null })
    }
    throttle.succeed(user.login)
    const next = request.session.get('loginNext') ?? '/'
    const weakPassword = request.session.get('weakPassword') === true
    const notice =
      recovery === null
        ? undefined
        : `Użyto kodu zapasowego; zostało ${await countUnusedRecoveryCodes(app.db, user.id)}. Jeśli nie masz już telefonu z aplikacją, wyłącz weryfikację dwuetapową i włącz ją na nowo (Konto » Weryfikacja dwuetapowa).`
    return await opts.finishLogin(request, reply, user, next, weakPassword, notice)
  })

  await app.register(async (account) => {
    account.addHook('preHandler', requireUser)

    async function renderPage(
      request: FastifyRequest,
      reply: FastifyReply,
      status: number,
      errors: Record<string, string>
    ): Promise<string> {
      const user = await getUser(app.db, request.user!.id)
      const secret = user.totp_enabled === 1 ? null : secretOf(user)
      return reply.code(status).viewAsync('users/totp', {
        title: 'Weryfikacja dwuetapowa',
        state: user.totp_enabled === 1 ? 'on' : secret !== null ? 'enrolling' : 'off',
        qr: secret === null ? null : await qrDataUrl(otpauthUri(secret, user.login, ISSUER)),
        secret: secret === null ? null : groupSecret(secret),
        unusedCodes: user.totp_enabled === 1 ? await countUnusedRecoveryCodes(app.db, user.id) : 0,
        required: await companyRequiresTotp(app.db),
        errors
      })
    }

    account.get(TOTP_ENROL_PATH, async (request, reply) => await renderPage(request, reply, 200, {}))

    // A new secret each time: a half-finished enrolment can be restarted, a QR seen over
    // someone's shoulder before confirming is worth nothing after a restart.
    account.post(`${TOTP_ENROL_PATH}/rozpocznij`, async (request, reply) => {
      if (request.user!.totpEnabled) {
        reply.flash('info', 'Weryfikacja dwuetapowa jest już włączona.')
        return reply.redirect(TOTP_ENROL_PATH, 303)
      }
      await startTotpEnrolment(app.db, request.user!.id, encryptSecret(app.ctx.secretsKey, newTotpSecret()))
      return reply.redirect(TOTP_ENROL_PATH, 303)
    })

    account.post(`${TOTP_ENROL_PATH}/potwierdz`, async (request, reply) => {
      const user = await getUser(app.db, request.user!.id)
      const secret = secretOf(user)
      if (user.totp_enabled === 1 || secret === null) return reply.redirect(TOTP_ENROL_PATH, 303)
      const check = checkTotpCode(secret, text(request.body, 'code').slice(0, 100), app.ctx.sessionNow(), null)
      if (!check.ok) return await renderPage(request, reply, 422, { code: CODE_ERRORS[check.reason] })
      const codes = newRecoveryCodes()
      if (!(await enableTotp(app.db, user.id, check.step, codes.map(hashRecoveryCode))))
        return reply.redirect(TOTP_ENROL_PATH, 303)
      request.session.set('recoveryCodes', codes)
      reply.flash('success', 'Weryfikacja dwuetapowa jest włączona. Przy każdym logowaniu podasz kod z aplikacji.')
      return reply.redirect(`${TOTP_ENROL_PATH}/kody-zapasowe`, 303)
    })

    account.get(`${TOTP_ENROL_PATH}/kody-zapasowe`, async (request, reply) => {
      const codes = request.session.get('recoveryCodes')
      if (!codes || codes.length === 0) return reply.redirect(TOTP_ENROL_PATH, 303)
      request.session.set('recoveryCodes', undefined)
      return reply.viewAsync('users/recovery-codes', { title: 'Kody zapasowe', codes })
    })

    account.post(`${TOTP_ENROL_PATH}/wylacz`, async (request, reply) => {
      const user = await getUser(app.db, request.user!.id)
      if (user.totp_enabled !== 1) return reply.redirect(TOTP_ENROL_PATH, 303)
      if (await companyRequiresTotp(app.db)) {
        return await renderPage(request, reply, 422, {
          password:
            'Właściciel konta wymaga weryfikacji dwuetapowej od wszystkich użytkowników; nie można jej wyłączyć.'
        })
      }
      if (throttle.blocked(user.login, request.ip)) throw new TooManyAttemptsError()
      const rawPassword = (request.body as Record<string, unknown> | undefined)?.password
      const password = typeof rawPassword === 'string' ? rawPassword.slice(0, 200) : ''
      const errors: Record<string, string> = {}
      if (!(await app.ctx.passwords.verify(password, user.password_hash))) errors.password = 'Hasło jest nieprawidłowe.'
      else {
        const check = await acceptCode(user, text(request.body, 'code').slice(0, 100))
        if (!check.ok) errors.code = CODE_ERRORS[check.reason]
      }
      if (Object.keys(errors).length > 0) {
        throttle.fail(user.login, request.ip)
        return await renderPage(request, reply, 422, errors)
      }
      throttle.succeed(user.login)
      await disableTotp(app.db, user.id)
      reply.flash('success', 'Weryfikacja dwuetapowa jest wyłączona.')
      return reply.redirect(TOTP_ENROL_PATH, 303)
    })
  })
}
