// The tax offices a JPK file may name (KodUrzedu), read from the Ministry's dictionary the
// schemas import, so the form offers exactly what the XSD accepts.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { JPK_VENDOR_DIR } from '../paths.ts'

export interface TaxOffice {
  code: string
  name: string
}

const DICTIONARY = join(JPK_VENDOR_DIR, 'dziedzinowe-2022-01-05', 'KodyUrzedowSkarbowych_v8-0E.xsd')

let offices: TaxOffice[] | null = null

/** Every office of the dictionary, sorted by name as a Polish reader looks for it. */
export function taxOffices(): TaxOffice[] {
  if (offices === null) {
    const xsd = readFileSync(DICTIONARY, 'utf8')
    const found = [
      ...xsd.matchAll(
        /<xsd:enumeration value="(\d{4})">\s*<xsd:annotation>\s*<xsd:documentation>([^<]+)<\/xsd:documentation>/g
      )
    ].map(([, code, name]) => ({ code, name: name.trim() }))
    offices = found.sort((a, b) => a.name.localeCompare(b.name, 'pl'))
  }
  return offices
}

export function taxOfficeName(code: string): string | undefined {
  return taxOffices().find((office) => office.code === code)?.name
}
