import type { FastifyInstance } from 'fastify'
import { beginSession } from '../plugins/auth.ts'
import { toStoredTimestamp } from '../shared/dates.ts'
import { Validator, text } from '../shared/form.ts'
import { checkLogin, checkPassword } from '../users/users.form.ts'
import { countUsers, insertUser } from '../users/users.queries.ts'
import { companyColumns, parseCompanyForm, type CompanyValues } from './company.form.ts'
import { companyFormOptions } from './settings.routes.ts'

const EMPTY_COMPANY: CompanyValues = {
  name: '', nip: '', street: '', postalCode: '', city: '', bankAccount: '', email: '', phone: '',
  vatStatus: 'czynny', vatExemptionBasis: '', defaultVatRate: '23', taxForm: 'kpir', ryczaltRate: '', package: 'ksiegowosc', cashAccounting: false, activityStart: ''
}

/** First run: while there are no users, the only page is the one creating the owner and the company. */
export default async function setupRoutes (app: FastifyInstance): Promise<void> {
  app.get('/konfiguracja', async (_request, reply) => {
    if (await countUsers(app.db) > 0) return reply.redirect('/logowanie', 303)
    return reply.viewAsync('settings/setup', {
      title: 'Pierwsze uruchomienie',
      owner: { login: '', name: '' },
      companyForm: EMPTY_COMPANY,
      errors: {},
      ...companyFormOptions
    })
  })

  app.post('/konfiguracja', async (request, reply) => {
    if (await countUsers(app.db) > 0) return reply.redirect('/logowanie', 303)
    const owner = { login: text(request.body, 'login'), name: text(request.body, 'ownerName') }
    const rawPassword = (request.body as Record<string, unknown> | undefined)?.password
    const password = typeof rawPassword === 'string' ? rawPassword : ''
    const rawRepeat = (request.body as Record<string, unknown> | undefined)?.passwordRepeat
    const v = new Validator()
    checkLogin(v, owner.login)
    if (v.required('ownerName', owner.name, 'Podaj imię i nazwisko.')) v.maxLength('ownerName', owner.name, 100)
    checkPassword(v, 'password', password)
    if (password !== '' && rawRepeat !== password) v.add('passwordRepeat', 'Hasła nie są takie same.')
    const company = parseCompanyForm(request.body)
    const errors = { ...company.errors, ...v.errors }
    if (Object.keys(errors).length > 0) {
      return reply.code(422).viewAsync('settings/setup', { title: 'Pierwsze uruchomienie', owner, companyForm: company.values, errors, ...companyFormOptions })
    }
    const now = toStoredTimestamp(app.ctx.now())
    const passwordHash = await app.ctx.passwords.hash(password)
    const created = await app.db.transaction().execute(async (trx) => {
      if (await countUsers(trx) > 0) return null
      await trx.insertInto('company').values({ id: 1, ...companyColumns(company.values, company.ryczaltRateBp), created_at: now, updated_at: now }).execute()
      return await insertUser(trx, {
        login: owner.login, name: owner.name, password_hash: passwordHash, role: 'owner',
        perm_allegro: 1, perm_magazyn: 1, perm_ksiegowosc: 1, perm_dokumenty: 1, perm_administracja: 1, created_at: now, updated_at: now
      })
    })
    if (created === null) return reply.redirect('/logowanie', 303)
    await beginSession(app, request, created)
    reply.flash('success', 'Firma i konto właściciela zostały utworzone. Witamy w Biurku!')
    return reply.redirect('/', 303)
  })
}
