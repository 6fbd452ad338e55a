import type { FastifyInstance } from 'fastify'
import { beginSession, requireOwner } from '../plugins/auth.ts'
import { deleteUserSessions } from '../plugins/sessions.queries.ts'
import { toStoredTimestamp } from '../shared/dates.ts'
import { parseUserForm, type UserValues } from './users.form.ts'
import { findUserByLogin, getUser, insertUser, listUsers, updateUser, type UserRow } from './users.queries.ts'
import { companyRequiresTotp, setCompanyRequiresTotp } from './totp.queries.ts'
import { disableTotp } from './totp-enrolment.ts'
import { idParam } from '../shared/params.ts'

function toValues(row: UserRow): UserValues {
  return {
    login: row.login,
    name: row.name,
    permAllegro: row.perm_allegro === 1,
    permMagazyn: row.perm_magazyn === 1,
    permKsiegowosc: row.perm_ksiegowosc === 1,
    permDokumenty: row.perm_dokumenty === 1,
    permAdministracja: row.perm_administracja === 1,
    disabled: row.disabled === 1
  }
}

export default async function usersRoutes(app: FastifyInstance): Promise<void> {
  app.addHook('preHandler', requireOwner)

  app.get('/ustawienia/uzytkownicy', async (_request, reply) => {
    return reply.viewAsync('users/index', {
      title: 'Użytkownicy',
      users: await listUsers(app.db),
      requireTotp: await companyRequiresTotp(app.db),
      errors: {}
    })
  })

  // Every user must then have TOTP: one without it is held on the enrolment page at next request.
  app.post('/ustawienia/uzytkownicy/weryfikacja-dwuetapowa', async (request, reply) => {
    const required = (request.body as Record<string, unknown> | undefined)?.requireTotp === 'on'
    // the owner would lock themselves onto the enrolment page mid-click; enrol first, then require
    if (required && !request.user!.totpEnabled) {
      return reply.code(422).viewAsync('users/index', {
        title: 'Użytkownicy',
        users: await listUsers(app.db),
        requireTotp: false,
        errors: {
          requireTotp:
            'Najpierw włącz weryfikację dwuetapową na swoim koncie (Konto » Weryfikacja dwuetapowa), potem wymagaj jej od innych.'
        }
      })
    }
    await setCompanyRequiresTotp(app.db, required)
    reply.flash(
      'success',
      required
        ? 'Weryfikacja dwuetapowa jest teraz wymagana od wszystkich użytkowników.'
        : 'Weryfikacja dwuetapowa nie jest już wymagana; każdy użytkownik decyduje sam.'
    )
    return reply.redirect('/ustawienia/uzytkownicy', 303)
  })

  app.get('/ustawienia/uzytkownicy/nowy', async (_request, reply) => {
    const values: UserValues = {
      login: '',
      name: '',
      permAllegro: true,
      permMagazyn: false,
      permKsiegowosc: false,
      permDokumenty: true,
      permAdministracja: false,
      disabled: false
    }
    return reply.viewAsync('users/form', {
      title: 'Nowy użytkownik',
      values,
      errors: {},
      userId: null,
      isOwnerRow: false
    })
  })

  app.post('/ustawienia/uzytkownicy', async (request, reply) => {
    const form = parseUserForm(request.body, { withPassword: true })
    if (!form.errors.login && (await findUserByLogin(app.db, form.values.login)))
      form.errors.login = 'Ten login jest już zajęty.'
    if (Object.keys(form.errors).length > 0) {
      return reply.code(422).viewAsync('users/form', {
        title: 'Nowy użytkownik',
        values: form.values,
        errors: form.errors,
        userId: null,
        isOwnerRow: false
      })
    }
    const now = toStoredTimestamp(app.ctx.now())
    await insertUser(app.db, {
      login: form.values.login,
      name: form.values.name,
      password_hash: await app.ctx.passwords.hash(form.password),
      role: 'user',
      perm_allegro: form.values.permAllegro ? 1 : 0,
      perm_magazyn: form.values.permMagazyn ? 1 : 0,
      perm_ksiegowosc: form.values.permKsiegowosc ? 1 : 0,
      perm_dokumenty: form.values.permDokumenty ? 1 : 0,
      perm_administracja: form.values.permAdministracja ? 1 : 0,
      disabled: form.values.disabled ? 1 : 0,
      created_at: now,
      updated_at: now
    })
    reply.flash('success', `Dodano użytkownika ${form.values.login}.`)
    return reply.redirect('/ustawienia/uzytkownicy', 303)
  })

  app.get('/ustawienia/uzytkownicy/:id', async (request, reply) => {
    const id = idParam(request, 'Nie ma takiego użytkownika.')
    const user = await getUser(app.db, id)
    return reply.viewAsync('users/form', {
      title: `Użytkownik ${user.login}`,
      values: toValues(user),
      errors: {},
      userId: user.id,
      isOwnerRow: user.role === 'owner',
      totpEnabled: user.totp_enabled === 1,
      isSelf: user.id === request.user!.id
    })
  })

  // A user who lost the phone and the recovery codes: the owner switches TOTP off (the owner's
  // own goes through the account page, with password and code). Open sessions end with it.
  app.post('/ustawienia/uzytkownicy/:id/weryfikacja-dwuetapowa/wylacz', async (request, reply) => {
    const id = idParam(request, 'Nie ma takiego użytkownika.')
    const user = await getUser(app.db, id)
    if (id === request.user!.id) {
      reply.flash('error', 'Własną weryfikację dwuetapową wyłączasz w Konto » Weryfikacja dwuetapowa (hasło i kod).')
      return reply.redirect(`/ustawienia/uzytkownicy/${id}`, 303)
    }
    await disableTotp(app.db, id)
    await deleteUserSessions(app.db, id)
    request.log.info({ userId: id, by: request.user!.id }, 'two-factor login reset by the owner')
    reply.flash('success', `Wyłączono weryfikację dwuetapową użytkownika ${user.login}.`)
    return reply.redirect(`/ustawienia/uzytkownicy/${id}`, 303)
  })

  app.post('/ustawienia/uzytkownicy/:id', async (request, reply) => {
    const id = idParam(request, 'Nie ma takiego użytkownika.')
    const user = await getUser(app.db, id)
    const isOwnerRow = user.role === 'owner'
    const form = parseUserForm(request.body, { withPassword: false })
    if (
      !form.errors.login &&
      form.values.login.toLowerCase() !== user.login.toLowerCase() &&
      (await findUserByLogin(app.db, form.values.login))
    ) {
      form.errors.login = 'Ten login jest już zajęty.'
    }
    if (isOwnerRow && form.values.disabled) form.errors.disabled = 'Nie można wyłączyć konta właściciela.'
    if (Object.keys(form.errors).length > 0) {
      return reply.code(422).viewAsync('users/form', {
        title: `Użytkownik ${user.login}`,
        values: form.values,
        errors: form.errors,
        userId: user.id,
        isOwnerRow
      })
    }
    const disabledNow = form.values.disabled && user.disabled === 0
    await updateUser(app.db, id, {
      login: form.values.login,
      name: form.values.name,
      perm_allegro: isOwnerRow || form.values.permAllegro ? 1 : 0,
      perm_magazyn: isOwnerRow || form.values.permMagazyn ? 1 : 0,
      perm_ksiegowosc: isOwnerRow || form.values.permKsiegowosc ? 1 : 0,
      perm_dokumenty: isOwnerRow || form.values.permDokumenty ? 1 : 0,
      perm_administracja: isOwnerRow || form.values.permAdministracja ? 1 : 0,
      disabled: form.values.disabled ? 1 : 0,
      ...(form.password !== '' ? { password_hash: await app.ctx.passwords.hash(form.password) } : {}),
      // a new password or disabling ends the user's open sessions
      ...(form.password !== '' || disabledNow ? { session_version: user.session_version + 1 } : {}),
      updated_at: toStoredTimestamp(app.ctx.now())
    })
    if (form.password !== '' || disabledNow) {
      await deleteUserSessions(app.db, id)
      if (id === request.user!.id) await beginSession(app, request, id)
    }
    reply.flash('success', `Zapisano użytkownika ${form.values.login}.`)
    return reply.redirect('/ustawienia/uzytkownicy', 303)
  })
}
