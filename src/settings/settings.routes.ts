import type { FastifyInstance } from 'fastify'
import { requireOwner } from '../plugins/auth.ts'
import { toStoredTimestamp } from '../shared/dates.ts'
import { companyColumns, companyToValues, parseCompanyForm, PACKAGES, RYCZALT_RATES_BP, ryczaltRateLabel, TAX_FORMS, VAT_RATES, VAT_STATUSES } from './company.form.ts'
import { getCompany, updateCompany } from './company.queries.ts'

export const companyFormOptions = {
  options: {
    vatStatuses: VAT_STATUSES.map((value) => ({ value, label: value === 'czynny' ? 'Czynny podatnik VAT' : 'Zwolniony z VAT (art. 113)' })),
    taxForms: TAX_FORMS.map((value) => ({ value, label: value === 'kpir' ? 'Książka przychodów i rozchodów (skala / liniowy)' : 'Ryczałt od przychodów ewidencjonowanych' })),
    ryczaltRates: RYCZALT_RATES_BP.map((bp) => ({ value: String(bp), label: ryczaltRateLabel(bp) })),
    packages: PACKAGES.map((value) => ({ value, label: value === 'ksiegowosc' ? 'Księgowość online' : 'Księgowość online + magazyn' })),
    vatRates: VAT_RATES.map((value) => ({ value, label: value === 'zw' ? 'zw.' : `${value} %` }))
  }
}

export default async function settingsRoutes (app: FastifyInstance): Promise<void> {
  app.get('/ustawienia', async (request, reply) => {
    return reply.redirect(request.user?.isOwner ? '/ustawienia/firma' : '/konto/haslo', 303)
  })

  await app.register(async (owner) => {
    owner.addHook('preHandler', requireOwner)

    owner.get('/ustawienia/firma', async (_request, reply) => {
      const company = await getCompany(app.db)
      return reply.viewAsync('settings/company', { title: 'Ustawienia firmy', company: companyToValues(company), errors: {}, ...companyFormOptions })
    })

    owner.post('/ustawienia/firma', async (request, reply) => {
      const form = parseCompanyForm(request.body)
      if (Object.keys(form.errors).length > 0) {
        return reply.code(422).viewAsync('settings/company', { title: 'Ustawienia firmy', company: form.values, errors: form.errors, ...companyFormOptions })
      }
      await updateCompany(app.db, companyColumns(form.values, form.ryczaltRateBp), toStoredTimestamp(app.ctx.now()))
      reply.flash('success', 'Dane firmy zostały zapisane.')
      return reply.redirect('/ustawienia/firma', 303)
    })
  })
}
