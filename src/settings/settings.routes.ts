import type { FastifyInstance } from 'fastify'
import { requireOwner } from '../plugins/auth.ts'
import { toStoredTimestamp } from '../shared/dates.ts'
import {
  companyColumns,
  companyToValues,
  jpkHeaderColumns,
  jpkHeaderToValues,
  parseCompanyForm,
  parseJpkHeaderForm,
  PACKAGES,
  TAX_FORMS,
  TAXPAYER_KINDS,
  VAT_PERIODS,
  VAT_STATUSES
} from './company.form.ts'
import { getCompany, updateCompany } from './company.queries.ts'
import { taxOffices } from './tax-offices.ts'
import { VAT_RATES } from '../shared/vat.ts'
import { RYCZALT_RATES_BP, ryczaltRateLabel } from '../shared/tax-codes.ts'

export const companyFormOptions = {
  options: {
    vatStatuses: VAT_STATUSES.map((value) => ({
      value,
      label: value === 'czynny' ? 'Czynny podatnik VAT' : 'Zwolniony z VAT (art. 113)'
    })),
    taxForms: TAX_FORMS.map((value) => ({
      value,
      label:
        value === 'kpir'
          ? 'Książka przychodów i rozchodów (skala / liniowy)'
          : 'Ryczałt od przychodów ewidencjonowanych'
    })),
    ryczaltRates: RYCZALT_RATES_BP.map((bp) => ({ value: String(bp), label: ryczaltRateLabel(bp) })),
    packages: PACKAGES.map((value) => ({
      value,
      label: value === 'ksiegowosc' ? 'Księgowość online' : 'Księgowość online + magazyn'
    })),
    vatRates: VAT_RATES.map((value) => ({ value, label: value === 'zw' ? 'zw.' : `${value} %` }))
  }
}

/** USTAWIENIA » Firma also edits the JPK header data, which first-run setup leaves for later. */
function companyPageOptions() {
  return {
    options: {
      ...companyFormOptions.options,
      taxOffices: taxOffices().map((office) => ({ value: office.code, label: `${office.name} (${office.code})` })),
      taxpayerKinds: TAXPAYER_KINDS.map((value) => ({
        value,
        label: value === 'fizyczna' ? 'Osoba fizyczna' : 'Osoba niefizyczna (spółka)'
      })),
      vatPeriods: VAT_PERIODS.map((value) => ({
        value,
        label: value === 'miesiac' ? 'Miesięcznie (JPK_V7M)' : 'Kwartalnie (JPK_V7K, mały podatnik)'
      }))
    }
  }
}

export default async function settingsRoutes(app: FastifyInstance): Promise<void> {
  app.get('/ustawienia', async (request, reply) => {
    return reply.redirect(request.user?.isOwner ? '/ustawienia/firma' : '/konto/haslo', 303)
  })

  await app.register(async (owner) => {
    owner.addHook('preHandler', requireOwner)

    owner.get('/ustawienia/firma', async (_request, reply) => {
      const company = await getCompany(app.db)
      return reply.viewAsync('settings/company', {
        title: 'Ustawienia firmy',
        companyForm: companyToValues(company),
        jpk: jpkHeaderToValues(company),
        errors: {},
        ...companyPageOptions()
      })
    })

    owner.post('/ustawienia/firma', async (request, reply) => {
      const form = parseCompanyForm(request.body)
      const jpk = parseJpkHeaderForm(request.body, app.ctx.now().toISODate() ?? '')
      const errors = { ...form.errors, ...jpk.errors }
      if (Object.keys(errors).length > 0) {
        return reply.code(422).viewAsync('settings/company', {
          title: 'Ustawienia firmy',
          companyForm: form.values,
          jpk: jpk.values,
          errors,
          ...companyPageOptions()
        })
      }
      await updateCompany(
        app.db,
        { ...companyColumns(form.values, form.ryczaltRateBp), ...jpkHeaderColumns(jpk.values) },
        toStoredTimestamp(app.ctx.now())
      )
      reply.flash('success', 'Dane firmy zostały zapisane.')
      return reply.redirect('/ustawienia/firma', 303)
    })
  })
}
