// Document rows shaped like the database's, and the official schema check, for the KSeF tests.
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { Selectable } from 'kysely'
import { DateTime } from 'luxon'
import type { Test } from 'tap'
import type { DocumentLines, Documents, DocumentVatTotals } from '../../src/db/schema.gen.ts'

const SCHEMA = fileURLToPath(new URL('../../vendor/ksef-fa3/schemat_FA3_v1-0E.xsd', import.meta.url))
export const GENERATED_AT = DateTime.fromISO('2026-04-10T14:30:05.250', { zone: 'Europe/Warsaw' })
export const OPTIONS = { generatedAt: GENERATED_AT, systemInfo: 'Biurko' } as const

/** Validates with xmllint against the official XSD; the test fails with xmllint's own words. */
export function assertValidFa3(t: Test, xml: string): void {
  const result = spawnSync('xmllint', ['--noout', '--schema', SCHEMA, '-'], { input: xml, encoding: 'utf8' })
  if (result.error) {
    t.fail(`xmllint could not run (apt-get install libxml2-utils): ${result.error.message}`)
    return
  }
  t.equal(result.status, 0, result.status === 0 ? 'valid against schemat_FA3_v1-0E.xsd' : `xmllint: ${result.stderr}`)
}

/** Text of every element with this name, in document order. */
export function values(xml: string, name: string): string[] {
  return [...xml.matchAll(new RegExp(`<${name}>([^<]*)</${name}>`, 'g'))].map((match) => match[1])
}

export function value(xml: string, name: string): string | undefined {
  return values(xml, name)[0]
}

/** The XML of one element (first occurrence), for checks within a block. */
export function block(xml: string, name: string): string {
  const start = xml.indexOf(`<${name}>`)
  const end = xml.indexOf(`</${name}>`, start)
  return start < 0 || end < 0 ? '' : xml.slice(start, end + name.length + 3)
}

let nextId = 1

export function documentRow(overrides: Partial<Selectable<Documents>> = {}): Selectable<Documents> {
  return {
    id: nextId++,
    type: 'faktura',
    number: 'FV 7/04/2026',
    period: '2026-04',
    seq: 7,
    status: 'issued',
    issue_date: '2026-04-10',
    sale_date: '2026-04-09',
    settlement_date: null,
    due_date: null,
    payment_method: 'przelew',
    paid: 1,
    paid_at: '2026-04-09T08:15:00.000Z',
    currency: 'PLN',
    exchange_rate: null,
    exchange_rate_table: null,
    exchange_rate_date: null,
    vat_exempt: 0,
    vat_exemption_basis: null,
    vat_exemption_basis_kind: 'ustawa',
    split_payment: 0,
    proforma_document_id: null,
    cash_accounting: 0,
    seller_name: 'Sklep Testowy Sp. z o.o.',
    seller_nip: '5261040828',
    seller_address: 'ul. Prosta 1, 00-001 Warszawa',
    seller_bank_account: '61109010140000071219812874',
    contractor_id: null,
    buyer_name: 'Hurtownia Kubek Sp. z o.o.',
    buyer_nip: '7751234564',
    buyer_foreign_tax_id: null,
    buyer_street: 'ul. Krzywa 2',
    buyer_postal_code: '31-000',
    buyer_city: 'Kraków',
    buyer_country_code: 'PL',
    total_net: 0,
    total_vat: 0,
    total_gross: 0,
    total_vat_pln: 0,
    notes: '',
    ksef_number: null,
    shop_id: null,
    corrects_document_id: null,
    created_by: null,
    created_at: '2026-04-10T08:00:00.000Z',
    cancelled_at: null,
    cancelled_by: null,
    ...overrides
  }
}

export function lineRow(
  documentId: number,
  position: number,
  line: {
    name: string
    unit?: string
    quantityMilli: number
    unitPriceGross: number
    net: number
    vat: number
    gross: number
    rate: string
    sku?: string | null
  }
): Selectable<DocumentLines> {
  return {
    id: nextId++,
    document_id: documentId,
    position,
    kind: 'item',
    name: line.name,
    sku: line.sku ?? null,
    annex15: 0,
    gtu: '',
    offer_id: null,
    transaction_item_id: null,
    product_id: null,
    unit: line.unit ?? 'szt.',
    quantity_milli: line.quantityMilli,
    unit_price_gross: line.unitPriceGross,
    vat_rate: line.rate,
    net: line.net,
    vat: line.vat,
    gross: line.gross
  }
}

export function totalRow(
  documentId: number,
  rate: string,
  net: number,
  vat: number,
  gross: number
): Selectable<DocumentVatTotals> {
  return { document_id: documentId, vat_rate: rate, net, vat, gross }
}
