import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import { ForbiddenError } from '../shared/errors.ts'
import { createSession, deleteExpiredSessions, deleteSession, touchSession } from './sessions.queries.ts'

export type Permission = 'allegro' | 'magazyn' | 'ksiegowosc' | 'dokumenty' | 'administracja'

export interface CurrentUser {
  id: number
  login: string
  name: string
  isOwner: boolean
  permissions: Record<Permission, boolean>
  totpEnabled: boolean
  /** the owner requires two-factor login and this user has not enrolled: only enrolment opens */
  mustEnrolTotp: boolean
}

/** Where a user the owner requires to enrol may go (and the code step of a login). */
export const TOTP_ENROL_PATH = '/konto/weryfikacja-dwuetapowa'
/** The password step of a login with TOTP is good for this long before the code must come. */
const PENDING_TOTP_MS = 5 * 60_000

/** What the navigation needs to know about the company on every page. */
export interface NavCompany {
  name: string
  hasWarehouse: boolean
  allegroEnabled: boolean
  isVatPayer: boolean
  taxForm: 'kpir' | 'ryczalt'
}

declare module 'fastify' {
  interface FastifyRequest {
    user: CurrentUser | null
    /** a session past the password but still owing the TOTP code (it opens no page) */
    pendingTotpUserId: number | null
  }
}

export function can(user: CurrentUser | null, permission: Permission): boolean {
  return user !== null && (user.isOwner || user.permissions[permission])
}

export function currentUser(request: FastifyRequest): CurrentUser {
  if (!request.user) throw new ForbiddenError('Zaloguj się, aby kontynuować.')
  return request.user
}

export default fp(
  async (app) => {
    app.decorateRequest('user', null)
    app.decorateRequest('pendingTotpUserId', null)

    app.addHook('preHandler', async (request, reply) => {
      const sid = request.session.get('sid')
      if (sid === undefined) return
      const live = await touchSession(app.db, sid, app.ctx.sessionNow(), app.ctx.config.session)
      const row =
        live === null
          ? undefined
          : await app.db.selectFrom('users').selectAll().where('id', '=', live.userId).executeTakeFirst()
      const pendingExpired =
        live !== null && live.pendingTotp && app.ctx.sessionNow() - live.createdMs > PENDING_TOTP_MS
      if (!row || row.disabled === 1 || pendingExpired) {
        if (row) await deleteSession(app.db, sid)
        request.session.set('sid', undefined)
        return
      }
      if (live!.pendingTotp) {
        request.pendingTotpUserId = row.id
        return
      }
      const company = await app.db
        .selectFrom('company')
        .select(['name', 'package', 'allegro_enabled', 'vat_status', 'tax_form', 'require_totp'])
        .executeTakeFirst()
      request.user = {
        id: row.id,
        login: row.login,
        name: row.name,
        isOwner: row.role === 'owner',
        permissions: {
          allegro: row.perm_allegro === 1,
          magazyn: row.perm_magazyn === 1,
          ksiegowosc: row.perm_ksiegowosc === 1,
          dokumenty: row.perm_dokumenty === 1,
          administracja: row.perm_administracja === 1
        },
        totpEnabled: row.totp_enabled === 1,
        mustEnrolTotp: company?.require_totp === 1 && row.totp_enabled !== 1
      }
      reply.locals.user = request.user
      if (company) {
        reply.locals.company = {
          name: company.name,
          hasWarehouse: company.package === 'ksiegowosc_magazyn',
          allegroEnabled: company.allegro_enabled === 1,
          isVatPayer: company.vat_status === 'czynny',
          taxForm: company.tax_form === 'ryczalt' ? 'ryczalt' : 'kpir'
        }
      }
    })
  },
  { name: 'auth', dependencies: ['database', 'session', 'views'] }
)

/**
 * Logs the user in: a new server-side session (any older one of this browser ends) and a new
 * CSRF secret, so a token seen before login (session fixation, ASVS 3.2.1) is worth nothing.
 */
export async function beginSession(
  app: FastifyInstance,
  request: FastifyRequest,
  userId: number,
  opts: { pendingTotp?: boolean } = {}
): Promise<void> {
  const old = request.session.get('sid')
  if (old !== undefined) await deleteSession(app.db, old)
  await deleteExpiredSessions(app.db, app.ctx.sessionNow(), app.ctx.config.session)
  request.session.regenerate(['flash'])
  request.session.set('sid', await createSession(app.db, userId, app.ctx.sessionNow(), opts))
}

/** Logs out: the server-side record goes, so a copy of the cookie opens nothing. */
export async function endSession(app: FastifyInstance, request: FastifyRequest): Promise<void> {
  const sid = request.session.get('sid')
  if (sid !== undefined) await deleteSession(app.db, sid)
  request.session.delete()
}

/**
 * Everything behind login: unauthenticated requests (a session still owing its TOTP code too)
 * go to the login page; a user the owner requires to enrol in TOTP goes to enrolment.
 */
export const requireUser: preHandlerAsyncHookHandler = async (request: FastifyRequest, reply: FastifyReply) => {
  if (request.user) {
    const path = request.url.split('?')[0]
    if (request.user.mustEnrolTotp && path !== TOTP_ENROL_PATH && !path.startsWith(TOTP_ENROL_PATH + '/'))
      return reply.redirect(TOTP_ENROL_PATH, 303)
    return
  }
  if (request.method === 'GET' || request.method === 'HEAD') {
    return reply.redirect(`/logowanie?next=${encodeURIComponent(request.url)}`, 303)
  }
  return reply.redirect('/logowanie', 303)
}

export function requirePermission(permission: Permission): preHandlerAsyncHookHandler {
  return async (request) => {
    if (!can(request.user, permission))
      throw new ForbiddenError('Nie masz dostępu do tego modułu. Poproś właściciela konta o uprawnienia.')
  }
}

/**
 * Company-wide settings (Allegro apps, shops and the module switch, KSeF credentials): the owner
 * or a user with the "administracja" permission, never merely the module's users.
 */
export const requireAdministration: preHandlerAsyncHookHandler = async (request) => {
  if (!can(request.user, 'administracja'))
    throw new ForbiddenError('Ustawienia firmy zmienia właściciel konta albo osoba z uprawnieniem „Administracja”.')
}

/** Sales documents and contractors (issuing, cancelling, PDF, XML, buyers' personal data). */
export const requireDocuments: preHandlerAsyncHookHandler = async (request) => {
  if (!can(request.user, 'dokumenty'))
    throw new ForbiddenError(
      'Nie masz dostępu do sprzedaży (dokumenty i kontrahenci). Poproś właściciela konta o uprawnienia.'
    )
}

export const requireOwner: preHandlerAsyncHookHandler = async (request) => {
  if (!request.user?.isOwner) throw new ForbiddenError('Tę część ustawień widzi tylko właściciel konta.')
}

/** The Allegro module can be switched off for the whole company (USTAWIENIA » INTEGRACJE » ALLEGRO). */
export const requireAllegroModule: preHandlerAsyncHookHandler = async (request, reply) => {
  if (!can(request.user, 'allegro')) throw new ForbiddenError('Nie masz dostępu do modułu Allegro.')
  if (reply.locals.company && !reply.locals.company.allegroEnabled) {
    throw new ForbiddenError('Moduł Allegro jest wyłączony. Włącz go w USTAWIENIA » INTEGRACJE » ALLEGRO.')
  }
}
