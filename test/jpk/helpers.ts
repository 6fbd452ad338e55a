// Shared by the JPK page tests: invoices issued by hand, the company's JPK header data set
// directly in the database, and the system xmllint against the vendored official schemas.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { issueManualDocument } from '../../src/sales/issuing.ts'
import { SCHEMA_FILES, type JpkKind } from '../../src/jpk/jpk-schema.ts'
import type { build } from '../helpers/app.ts'
import { JPK_VENDOR_DIR } from '../../src/paths.ts'

export type Built = Awaited<ReturnType<typeof build>>

export const buyer = {
  name: 'Pracownia Nowak',
  isCompany: true,
  nip: '1234563218',
  foreignTaxId: null,
  foreignTaxIdType: null,
  street: 'ul. Polna 3',
  postalCode: '31-100',
  city: 'Kraków',
  countryCode: 'PL',
  email: '',
  allegroBuyerId: null,
  allegroLogin: null
}

export type Line = { quantityMilli: number; unitPriceGross: number; vatRate: '0' | '5' | '8' | '23' | 'zw' }

export async function invoice(b: Built, date: string, lines: Line[], type: 'faktura' | 'faktura_bez_vat' = 'faktura') {
  const ownerId = (await b.db.selectFrom('users').select('id').executeTakeFirstOrThrow()).id
  const issued = await issueManualDocument(
    b.db,
    {
      type,
      contractorId: null,
      buyer,
      issueDate: date,
      saleDate: date,
      dueDate: date,
      paymentMethod: 'przelew',
      paid: false,
      notes: '',
      lines: lines.map((l) => ({ name: 'Towar', unit: 'szt.', ...l })),
      userId: ownerId
    },
    b.clock()
  )
  if (!issued.ok) throw new Error(issued.problem)
  return issued
}

/** The header columns USTAWIENIA » Firma will edit (another branch); set here directly. */
export async function headerData(b: Built, extra: { vat_period?: 'miesiac' | 'kwartal' } = {}) {
  await b.db
    .updateTable('company')
    .set({
      tax_office_code: '1206',
      taxpayer_kind: 'fizyczna',
      taxpayer_first_name: 'Jan',
      taxpayer_last_name: 'Kowalski',
      taxpayer_birth_date: '1980-05-01',
      email: 'biuro@example.pl',
      ...extra
    })
    .where('id', '=', 1)
    .execute()
}

/** The text of the first element of that local name, or null. */
export const field = (xml: string, name: string) =>
  new RegExp(`<(?:\\w+:)?${name}>([^<]*)</(?:\\w+:)?${name}>`).exec(xml)?.[1] ?? null

/** xmllint (Debian's, offline, with the vendored catalog) on the file: '' when it validates. */
export function xmllint(kind: JpkKind, xml: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'jpk-'))
  const path = join(dir, `${kind}.xml`)
  writeFileSync(path, xml)
  try {
    return execFileSync(
      '/usr/bin/xmllint',
      ['--noout', '--nonet', '--schema', join(JPK_VENDOR_DIR, SCHEMA_FILES[kind]), path],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, XML_CATALOG_FILES: join(JPK_VENDOR_DIR, 'catalog.xml') }
      }
    )
  } catch (error) {
    return String((error as { stderr?: string }).stderr ?? error)
  }
}

/** The declaration row on the page: `<tr id="P_xx"><td>P_xx</td><td>label</td><td class="num">value</td>`. */
export const declRow = (name: string, value: string) =>
  new RegExp(`id="${name}"><td>${name}</td><td>[^<]*</td><td class="num">${value}</td>`)
