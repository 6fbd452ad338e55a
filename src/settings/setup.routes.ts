import type { FastifyInstance } from 'fastify'
import { beginSession } from '../plugins/auth.ts'
import { toStoredTimestamp } from '../shared/dates.ts'
import { Validator, text } from '../shared/form.ts'
import { checkLogin, checkPassword } from '../users/users.form.ts'
import { countUsers } from '../users/users.queries.ts'
import { parseCompanyForm, type CompanyValues } from './company.form.ts'
import { companyFormOptions } from './settings.routes.ts'
import { createOwnerAndCompany } from './setup.ts'

const EMPTY_COMPANY: CompanyValues = {
  name: '',
  nip: '',
  street: '',
  postalCode: '',
  city: '',
  bankAccount: '',
  email: '',
  phone: '',
  vatStatus: 'czynny',
  vatExemptionBasis: '',
  defaultVatRate: '23',
  taxForm: 'kpir',
  ryczaltRate: '',
  package: 'ksiegowosc',
  cashAccounting: false,
  pitCashMethod: false,
  activityStart: ''
}

/** First run: while there are no users, the only page is the one creating the owner and the company. */
export default async function setupRoutes(app: FastifyInstance): Promise<void> {
  app.get('/konfiguracja', async (_request, reply) => {
    if ((await countUsers(app.db)) > 0) return reply.redirect('/logowanie', 303)
    return reply.viewAsync('settings/setup', {
      title: 'Pierwsze uruchomienie',
      owner: { login: '', name: '' },
      companyForm: EMPTY_COMPANY,
      errors: {},
      ...companyFormOptions
    })
  })

  app.post('/konfiguracja', async (request, reply) => {
    if ((await countUsers(app.db)) > 0) return reply.redirect('/logowanie', 303)
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
      return reply.code(422).viewAsync('settings/setup', {
        title: 'Pierwsze uruchomienie',
        owner,
        companyForm: company.values,
        errors,
        ...companyFormOptions
      })
    }
    const now = toStoredTimestamp(app.ctx.now())
    const passwordHash = await app.ctx.passwords.hash(password)
    const created = await createOwnerAndCompany(app.db, {
      company: company.values,
      ryczaltRateBp: company.ryczaltRateBp,
      owner,
      passwordHash,
      now
    })
    if (created === null) return reply.redirect('/logowanie', 303)
    await beginSession(app, request, created)
    reply.flash('success', 'Firma i konto właściciela zostały utworzone. Witamy w Biurku!')
    return reply.redirect('/', 303)
  })
}
