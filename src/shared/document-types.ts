// The sales document types: what each is called, prints as, and who may issue it. Pure, shared by
// every feature that lists or books documents.

export const DOCUMENT_TYPES = [
  'faktura',
  'faktura_bez_vat',
  'proforma',
  'proforma_bez_vat',
  'paragon',
  'inny_przychod',
  'korekta'
] as const
export type DocumentType = (typeof DOCUMENT_TYPES)[number]

/**
 * Documents of one kind for one transaction are duplicates, whatever the VAT status was; a
 * transaction may have any number of corrections (src/corrections), so 'korekta' is never one.
 */
export type DocumentKind = 'faktura' | 'proforma' | 'paragon' | 'inny_przychod' | 'korekta'

interface DocumentTypeInfo {
  /** as in the seed's Wystaw menu */
  label: string
  /** the heading printed on the document */
  title: string
  kind: DocumentKind
  /** which companies may issue it: VAT payers, non-VAT payers (art. 113) or both */
  issuer: 'vat' | 'exempt' | 'both'
  defaultPattern: string
}

export const DOCUMENT_TYPE_INFO: Record<DocumentType, DocumentTypeInfo> = {
  faktura: { label: 'Faktura', title: 'Faktura', kind: 'faktura', issuer: 'vat', defaultPattern: 'FV {n}/{mm}/{yyyy}' },
  proforma: {
    label: 'Pro forma',
    title: 'Faktura pro forma',
    kind: 'proforma',
    issuer: 'vat',
    defaultPattern: 'PRO {n}/{mm}/{yyyy}'
  },
  paragon: {
    label: 'Paragon',
    title: 'Paragon',
    kind: 'paragon',
    issuer: 'both',
    defaultPattern: 'PAR {n}/{mm}/{yyyy}'
  },
  inny_przychod: {
    label: 'Inny przychód – sprzedaż',
    title: 'Inny przychód – sprzedaż',
    kind: 'inny_przychod',
    issuer: 'both',
    defaultPattern: 'IPS {n}/{mm}/{yyyy}'
  },
  faktura_bez_vat: {
    label: 'Faktura (bez VAT)',
    title: 'Faktura',
    kind: 'faktura',
    issuer: 'exempt',
    defaultPattern: 'F {n}/{mm}/{yyyy}'
  },
  proforma_bez_vat: {
    label: 'Pro forma (bez VAT)',
    title: 'Faktura pro forma',
    kind: 'proforma',
    issuer: 'exempt',
    defaultPattern: 'PF {n}/{mm}/{yyyy}'
  },
  // issued from an invoice (src/corrections), never from the Wystaw menu or the manual form
  korekta: {
    label: 'Faktura korygująca',
    title: 'FAKTURA KORYGUJĄCA',
    kind: 'korekta',
    issuer: 'both',
    defaultPattern: 'KOR {n}/{mm}/{yyyy}'
  }
}

export function isDocumentType(value: string): value is DocumentType {
  return (DOCUMENT_TYPES as readonly string[]).includes(value)
}

export function documentTypeLabel(type: string): string {
  return isDocumentType(type) ? DOCUMENT_TYPE_INFO[type].label : type
}

export function documentKind(type: DocumentType): DocumentKind {
  return DOCUMENT_TYPE_INFO[type].kind
}

/** The types the Wystaw menu offers: VAT payers and non-VAT payers get different lists (S8). */
export function issuableDocumentTypes(isVatPayer: boolean): DocumentType[] {
  const order: DocumentType[] = isVatPayer
    ? ['faktura', 'proforma', 'paragon', 'inny_przychod']
    : ['faktura_bez_vat', 'proforma_bez_vat', 'paragon', 'inny_przychod']
  return order
}

/** The Wystaw menu's options, for views/documents/issue-menu.eta. */
export function issueTypeOptions(isVatPayer: boolean): Array<{ value: DocumentType; label: string }> {
  return issuableDocumentTypes(isVatPayer).map((type) => ({ value: type, label: DOCUMENT_TYPE_INFO[type].label }))
}

export function canIssue(type: DocumentType, isVatPayer: boolean): boolean {
  return issuableDocumentTypes(isVatPayer).includes(type)
}

/** A pro forma is a payment request: no stock movement, no booking, no auto-close. */
export function isProforma(type: DocumentType): boolean {
  return documentKind(type) === 'proforma'
}
