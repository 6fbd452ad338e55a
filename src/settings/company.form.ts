import { isIsoDate } from '../shared/dates.ts'
import { type FormResult, Validator, checkbox, text } from '../shared/form.ts'
import { isValidBankAccount, isValidNip, normalizeBankAccount, normalizeNip } from '../shared/nip.ts'
import { RYCZALT_RATES_BP } from '../shared/tax-codes.ts'
import { DEFAULT_EXEMPTION_BASIS, VAT_RATES } from '../shared/vat.ts'
import { taxOfficeName } from './tax-offices.ts'

export const VAT_STATUSES = ['czynny', 'zwolniony'] as const
export const TAX_FORMS = ['kpir', 'ryczalt'] as const
export const PACKAGES = ['ksiegowosc', 'ksiegowosc_magazyn'] as const
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
  /** kasowy PIT: the income tax settled by the cash method (JPK_PKPIR/JPK_EWP Kasowy_PIT) */
  pitCashMethod: boolean
  /** the first day of business, '' when before the current year matters (art. 113 ust. 9) */
  activityStart: string
  taxForm: string
  ryczaltRate: string
  package: string
}

export function parseCompanyForm(body: unknown): FormResult<CompanyValues> & { ryczaltRateBp: number | null } {
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
    pitCashMethod: checkbox(body, 'pitCashMethod'),
    activityStart: text(body, 'activityStart'),
    taxForm: text(body, 'taxForm'),
    ryczaltRate: text(body, 'ryczaltRate'),
    package: text(body, 'package')
  }
  const v = new Validator()
  if (v.required('name', values.name, 'Podaj nazwę firmy.')) v.maxLength('name', values.name, 200)
  if (v.required('nip', values.nip, 'Podaj NIP.'))
    v.check(isValidNip(values.nip), 'nip', 'NIP jest nieprawidłowy (błędna cyfra kontrolna albo nie 10 cyfr).')
  if (v.required('street', values.street, 'Podaj ulicę i numer.')) v.maxLength('street', values.street, 200)
  if (v.required('postalCode', values.postalCode, 'Podaj kod pocztowy.'))
    v.check(/^\d{2}-\d{3}$/.test(values.postalCode), 'postalCode', 'Kod pocztowy w formacie 00-000.')
  if (v.required('city', values.city, 'Podaj miejscowość.')) v.maxLength('city', values.city, 100)
  if (values.bankAccount !== '')
    v.check(
      isValidBankAccount(values.bankAccount),
      'bankAccount',
      'Numer rachunku jest nieprawidłowy (sprawdź cyfry NRB/IBAN).'
    )
  if (values.email !== '')
    v.check(
      values.email.length <= 200 && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(values.email),
      'email',
      'Adres e-mail jest nieprawidłowy.'
    )
  v.maxLength('phone', values.phone, 40)
  v.oneOf('vatStatus', values.vatStatus, VAT_STATUSES, 'Wybierz status VAT.')
  if (values.vatStatus === 'zwolniony') {
    if (values.vatExemptionBasis === '') values.vatExemptionBasis = DEFAULT_EXEMPTION_BASIS
    v.maxLength('vatExemptionBasis', values.vatExemptionBasis, 300)
  }
  if (values.activityStart !== '')
    v.check(
      isIsoDate(values.activityStart) && values.activityStart >= '1900-01-01',
      'activityStart',
      'Data w formacie RRRR-MM-DD.'
    )
  v.oneOf('defaultVatRate', values.defaultVatRate, VAT_RATES, 'Wybierz domyślną stawkę VAT.')
  v.oneOf('taxForm', values.taxForm, TAX_FORMS, 'Wybierz formę opodatkowania.')
  let ryczaltRateBp: number | null = null
  if (values.taxForm === 'ryczalt') {
    const bp = Number(values.ryczaltRate)
    if (v.check((RYCZALT_RATES_BP as readonly number[]).includes(bp), 'ryczaltRate', 'Wybierz stawkę ryczałtu.'))
      ryczaltRateBp = bp
  }
  v.oneOf('package', values.package, PACKAGES, 'Wybierz pakiet.')
  return { values, errors: v.errors, ryczaltRateBp }
}

export function companyToValues(row: {
  name: string
  nip: string
  street: string
  postal_code: string
  city: string
  bank_account: string
  email: string
  phone: string
  vat_status: string
  vat_exemption_basis: string
  default_vat_rate: string
  tax_form: string
  ryczalt_rate_bp: number | null
  package: string
  cash_accounting?: number
  pit_cash_method?: number
  activity_start_date?: string | null
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
    pitCashMethod: row.pit_cash_method === 1,
    activityStart: row.activity_start_date ?? '',
    taxForm: row.tax_form,
    ryczaltRate: row.ryczalt_rate_bp === null ? '' : String(row.ryczalt_rate_bp),
    package: row.package
  }
}

export function companyColumns(values: CompanyValues, ryczaltRateBp: number | null) {
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
    pit_cash_method: values.pitCashMethod ? 1 : 0,
    activity_start_date: values.activityStart === '' ? null : values.activityStart,
    tax_form: values.taxForm,
    ryczalt_rate_bp: ryczaltRateBp,
    package: values.package
  }
}

/** Who files: OsobaFizyczna (first name, surname, birth date) or OsobaNiefizyczna (the company name). */
export const TAXPAYER_KINDS = ['fizyczna', 'niefizyczna'] as const
/** JPK_V7M monthly or JPK_V7K quarterly (art. 99 ust. 2–3 ustawy o VAT: a small taxpayer may choose quarters). */
export const VAT_PERIODS = ['miesiac', 'kwartal'] as const

/** The header data of the JPK files, on USTAWIENIA » Firma only (first-run setup does not ask). */
export interface JpkHeaderValues {
  taxOfficeCode: string
  taxpayerKind: string
  firstName: string
  lastName: string
  birthDate: string
  vatPeriod: string
}

export function parseJpkHeaderForm(body: unknown, today: string): FormResult<JpkHeaderValues> {
  const values: JpkHeaderValues = {
    taxOfficeCode: text(body, 'taxOfficeCode'),
    taxpayerKind: text(body, 'taxpayerKind'),
    firstName: text(body, 'firstName'),
    lastName: text(body, 'lastName'),
    birthDate: text(body, 'birthDate'),
    vatPeriod: text(body, 'vatPeriod')
  }
  const v = new Validator()
  // may stay empty until the first JPK file: the JPK pages say what is missing
  if (values.taxOfficeCode !== '')
    v.check(taxOfficeName(values.taxOfficeCode) !== undefined, 'taxOfficeCode', 'Wybierz urząd skarbowy z listy.')
  v.oneOf('taxpayerKind', values.taxpayerKind, TAXPAYER_KINDS, 'Wybierz, czy podatnik jest osobą fizyczną.')
  if (values.taxpayerKind === 'fizyczna') {
    // the schema's etd:TImie and etd:TNazwisko
    v.maxLength('firstName', values.firstName, 30)
    v.maxLength('lastName', values.lastName, 81)
    // etd:TData accepts 1900-01-01 … 2050-12-31; a birth date is also not in the future
    if (values.birthDate !== '') {
      v.check(
        isIsoDate(values.birthDate) && values.birthDate >= '1900-01-01' && values.birthDate <= today,
        'birthDate',
        'Podaj datę urodzenia w formacie RRRR-MM-DD (nie z przyszłości).'
      )
    }
  }
  v.oneOf('vatPeriod', values.vatPeriod, VAT_PERIODS, 'Wybierz okres rozliczenia VAT.')
  return { values, errors: v.errors }
}

export function jpkHeaderToValues(row: {
  tax_office_code: string
  taxpayer_kind: string
  taxpayer_first_name: string
  taxpayer_last_name: string
  taxpayer_birth_date: string
  vat_period: string
}): JpkHeaderValues {
  return {
    taxOfficeCode: row.tax_office_code,
    taxpayerKind: row.taxpayer_kind,
    firstName: row.taxpayer_first_name,
    lastName: row.taxpayer_last_name,
    birthDate: row.taxpayer_birth_date,
    vatPeriod: row.vat_period
  }
}

export function jpkHeaderColumns(values: JpkHeaderValues) {
  const person = values.taxpayerKind === 'fizyczna'
  return {
    tax_office_code: values.taxOfficeCode,
    taxpayer_kind: values.taxpayerKind,
    taxpayer_first_name: person ? values.firstName : '',
    taxpayer_last_name: person ? values.lastName : '',
    taxpayer_birth_date: person ? values.birthDate : '',
    vat_period: values.vatPeriod
  }
}
