import { type FieldErrors, type FormResult, Validator, checkbox, text } from '../shared/form.ts'
import { isValidBankAccount, isValidNip, normalizeBankAccount, normalizeNip } from '../shared/nip.ts'

export const VAT_STATUSES = ['czynny', 'zwolniony'] as const
export const TAX_FORMS = ['kpir', 'ryczalt'] as const
export const PACKAGES = ['ksiegowosc', 'ksiegowosc_magazyn'] as const
export const VAT_RATES = ['23', '8', '5', '0', 'zw'] as const
/** Ryczałt rates in force in 2026, in basis points. */
export const RYCZALT_RATES_BP = [1700, 1500, 1400, 1250, 1200, 1000, 850, 550, 300, 200] as const

export const DEFAULT_EXEMPTION_BASIS = 'Zwolnienie podmiotowe z VAT na podstawie art. 113 ust. 1 ustawy o VAT'

export interface CompanyValues {
  name: string
  nip: string
  street: string
  postalCode: string
  city: string
  bankAccount: string
  email: string
  phone: string
  vatStatus: string
  vatExemptionBasis: string
  defaultVatRate: string
  /** metoda kasowa (art. 21), VAT payers only */
  cashAccounting: boolean
  taxForm: string
  ryczaltRate: string
  package: string
}

export function ryczaltRateLabel (bp: number): string {
  return (bp / 100).toLocaleString('pl-PL') + ' %'
}

export function parseCompanyForm (body: unknown): FormResult<CompanyValues> & { ryczaltRateBp: number | null } {
  const values: CompanyValues = {
    name: text(body, 'name'),
    nip: text(body, 'nip'),
    street: text(body, 'street'),
    postalCode: text(body, 'postalCode'),
    city: text(body, 'city'),
    bankAccount: text(body, 'bankAccount'),
    email: text(body, 'email'),
    phone: text(body, 'phone'),
    vatStatus: text(body, 'vatStatus'),
    vatExemptionBasis: text(body, 'vatExemptionBasis'),
    defaultVatRate: text(body, 'defaultVatRate') || '23',
    cashAccounting: checkbox(body, 'cashAccounting'),
    taxForm: text(body, 'taxForm'),
    ryczaltRate: text(body, 'ryczaltRate'),
    package: text(body, 'package')
  }
  const v = new Validator()
  if (v.required('name', values.name, 'Podaj nazwę firmy.')) v.maxLength('name', values.name, 200)
  if (v.required('nip', values.nip, 'Podaj NIP.')) v.check(isValidNip(values.nip), 'nip', 'NIP jest nieprawidłowy (błędna cyfra kontrolna albo nie 10 cyfr).')
  if (v.required('street', values.street, 'Podaj ulicę i numer.')) v.maxLength('street', values.street, 200)
  if (v.required('postalCode', values.postalCode, 'Podaj kod pocztowy.')) v.check(/^\d{2}-\d{3}$/.test(values.postalCode), 'postalCode', 'Kod pocztowy w formacie 00-000.')
  if (v.required('city', values.city, 'Podaj miejscowość.')) v.maxLength('city', values.city, 100)
  if (values.bankAccount !== '') v.check(isValidBankAccount(values.bankAccount), 'bankAccount', 'Numer rachunku jest nieprawidłowy (sprawdź cyfry NRB/IBAN).')
  if (values.email !== '') v.check(values.email.length <= 200 && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(values.email), 'email', 'Adres e-mail jest nieprawidłowy.')
  v.maxLength('phone', values.phone, 40)
  v.oneOf('vatStatus', values.vatStatus, VAT_STATUSES, 'Wybierz status VAT.')
  if (values.vatStatus === 'zwolniony') {
    if (values.vatExemptionBasis === '') values.vatExemptionBasis = DEFAULT_EXEMPTION_BASIS
    v.maxLength('vatExemptionBasis', values.vatExemptionBasis, 300)
  }
  v.oneOf('defaultVatRate', values.defaultVatRate, VAT_RATES, 'Wybierz domyślną stawkę VAT.')
  v.oneOf('taxForm', values.taxForm, TAX_FORMS, 'Wybierz formę opodatkowania.')
  let ryczaltRateBp: number | null = null
  if (values.taxForm === 'ryczalt') {
    const bp = Number(values.ryczaltRate)
    if (v.check((RYCZALT_RATES_BP as readonly number[]).includes(bp), 'ryczaltRate', 'Wybierz stawkę ryczałtu.')) ryczaltRateBp = bp
  }
  v.oneOf('package', values.package, PACKAGES, 'Wybierz pakiet.')
  return { values, errors: v.errors, ryczaltRateBp }
}

export function companyToValues (row: {
  name: string, nip: string, street: string, postal_code: string, city: string, bank_account: string, email: string, phone: string,
  vat_status: string, vat_exemption_basis: string, default_vat_rate: string, tax_form: string, ryczalt_rate_bp: number | null, package: string, cash_accounting?: number
}): CompanyValues {
  return {
    name: row.name,
    nip: row.nip,
    street: row.street,
    postalCode: row.postal_code,
    city: row.city,
    bankAccount: row.bank_account,
    email: row.email,
    phone: row.phone,
    vatStatus: row.vat_status,
    vatExemptionBasis: row.vat_exemption_basis,
    defaultVatRate: row.default_vat_rate,
    cashAccounting: row.cash_accounting === 1,
    taxForm: row.tax_form,
    ryczaltRate: row.ryczalt_rate_bp === null ? '' : String(row.ryczalt_rate_bp),
    package: row.package
  }
}

export function companyColumns (values: CompanyValues, ryczaltRateBp: number | null) {
  return {
    name: values.name,
    nip: normalizeNip(values.nip),
    street: values.street,
    postal_code: values.postalCode,
    city: values.city,
    bank_account: values.bankAccount === '' ? '' : normalizeBankAccount(values.bankAccount),
    email: values.email,
    phone: values.phone,
    vat_status: values.vatStatus,
    vat_exemption_basis: values.vatStatus === 'zwolniony' ? values.vatExemptionBasis : '',
    default_vat_rate: values.vatStatus === 'zwolniony' ? 'zw' : values.defaultVatRate,
    // the cash method settles VAT: a seller exempt from VAT has none to settle
    cash_accounting: values.vatStatus === 'czynny' && values.cashAccounting ? 1 : 0,
    tax_form: values.taxForm,
    ryczalt_rate_bp: ryczaltRateBp,
    package: values.package
  }
}

export type { FieldErrors }
