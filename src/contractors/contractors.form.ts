import { type FormResult, Validator, checkbox, text } from '../shared/form.ts'
import { isValidNip, normalizeNip } from '../shared/nip.ts'
import type { ContractorRow } from './contractors.queries.ts'
import type { WhiteListSubject } from '../whitelist/whitelist.ts'

export interface ContractorValues {
  name: string
  isCompany: boolean
  /** a related party (art. 32 ust. 2 pkt 1 ustawy o VAT): its JPK_V7 sales rows carry TP */
  relatedParty: boolean
  nip: string
  foreignTaxId: string
  street: string
  postalCode: string
  city: string
  countryCode: string
  email: string
  phone: string
}

export const EMPTY_CONTRACTOR: ContractorValues = {
  name: '',
  isCompany: true,
  relatedParty: false,
  nip: '',
  foreignTaxId: '',
  street: '',
  postalCode: '',
  city: '',
  countryCode: 'PL',
  email: '',
  phone: ''
}

/** Shared by the contractor form and the buyer part of a hand-made document. */
export function checkAddress(
  v: Validator,
  values: { street: string; postalCode: string; city: string; countryCode: string },
  fields: { street: string; postalCode: string; city: string; countryCode: string }
): void {
  v.maxLength(fields.street, values.street, 200)
  v.maxLength(fields.city, values.city, 100)
  if (v.check(/^[A-Z]{2}$/.test(values.countryCode), fields.countryCode, 'Kod kraju: dwie litery, np. PL, DE, CZ.')) {
    if (values.countryCode === 'PL' && values.postalCode !== '') {
      v.check(/^\d{2}-\d{3}$/.test(values.postalCode), fields.postalCode, 'Kod pocztowy w formacie 00-000.')
    } else {
      v.maxLength(fields.postalCode, values.postalCode, 12)
    }
  }
}

export function checkNip(v: Validator, field: string, nip: string): void {
  if (nip !== '') v.check(isValidNip(nip), field, 'NIP jest nieprawidłowy (błędna cyfra kontrolna albo nie 10 cyfr).')
}

export function parseContractorForm(body: unknown): FormResult<ContractorValues> {
  const values: ContractorValues = {
    name: text(body, 'name'),
    isCompany: checkbox(body, 'isCompany'),
    relatedParty: checkbox(body, 'relatedParty'),
    nip: text(body, 'nip'),
    foreignTaxId: text(body, 'foreignTaxId'),
    street: text(body, 'street'),
    postalCode: text(body, 'postalCode'),
    city: text(body, 'city'),
    countryCode: (text(body, 'countryCode') || 'PL').toUpperCase(),
    email: text(body, 'email'),
    phone: text(body, 'phone')
  }
  const v = new Validator()
  if (v.required('name', values.name, 'Podaj nazwę firmy albo imię i nazwisko.')) v.maxLength('name', values.name, 250)
  checkNip(v, 'nip', values.nip)
  if (values.nip !== '' && !values.isCompany)
    v.add('isCompany', 'Kontrahent z NIP-em to firma – zaznacz to pole albo usuń NIP.')
  v.maxLength('foreignTaxId', values.foreignTaxId, 40)
  checkAddress(v, values, { street: 'street', postalCode: 'postalCode', city: 'city', countryCode: 'countryCode' })
  if (values.email !== '')
    v.check(
      values.email.length <= 200 && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(values.email),
      'email',
      'Adres e-mail jest nieprawidłowy.'
    )
  v.maxLength('phone', values.phone, 40)
  return { values, errors: v.errors }
}

export function contractorToValues(row: ContractorRow): ContractorValues {
  return {
    name: row.name,
    isCompany: row.is_company === 1,
    relatedParty: row.related_party === 1,
    nip: row.nip ?? '',
    foreignTaxId: row.foreign_tax_id ?? '',
    street: row.street,
    postalCode: row.postal_code,
    city: row.city,
    countryCode: row.country_code,
    email: row.email,
    phone: row.phone
  }
}

export function contractorColumns(values: ContractorValues) {
  return {
    name: values.name,
    is_company: values.isCompany ? 1 : 0,
    related_party: values.relatedParty ? 1 : 0,
    nip: values.nip === '' ? null : normalizeNip(values.nip),
    foreign_tax_id: values.foreignTaxId === '' ? null : values.foreignTaxId,
    street: values.street,
    postal_code: values.postalCode,
    city: values.city,
    country_code: values.countryCode,
    email: values.email,
    phone: values.phone
  }
}

/** The register's name and address over what was typed; e-mail and phone stay as typed. */
export function fillFromWhiteList(values: ContractorValues, subject: WhiteListSubject): ContractorValues {
  const address =
    subject.address === '' ? {} : { street: subject.street, postalCode: subject.postalCode, city: subject.city }
  return { ...values, ...address, name: subject.name, nip: subject.nip, isCompany: true, countryCode: 'PL' }
}
