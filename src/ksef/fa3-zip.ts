// The monthly KSeF export: one FA(3) XML per invoice, in a zip.
import { strToU8, zipSync, type Zippable } from 'fflate'
import type { DateTime } from 'luxon'

export interface Fa3File {
  name: string
  xml: string
}

/** A file name for a document number: 'FV 12/11/2026' → 'FV_12_11_2026.xml' (ASCII, no folders). */
export function fa3FileName(documentNumber: string): string {
  const ascii = documentNumber
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ł/g, 'l')
    .replace(/Ł/g, 'L')
  const base = ascii
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[_.]+|[_.]+$/g, '')
    .slice(0, 120)
  return `${base === '' ? 'faktura' : base}.xml`
}

function withSuffix(name: string, n: number): string {
  const dot = name.lastIndexOf('.')
  return dot > 0 ? `${name.slice(0, dot)}-${n}${name.slice(dot)}` : `${name}-${n}`
}

/**
 * The zip of the files, in the given order. Names must be plain file names (use fa3FileName);
 * a repeated name gets '-2', '-3' … so no invoice overwrites another. Entries carry
 * `modifiedAt` (the export time) so the same export gives the same bytes.
 */
export function buildFa3Zip(files: ReadonlyArray<Fa3File>, opts: { modifiedAt: DateTime }): Uint8Array {
  const entries: Zippable = {}
  const taken = new Set<string>()
  for (const file of files) {
    if (file.name === '' || /[/\\]/.test(file.name) || file.name.startsWith('.'))
      throw new RangeError(`not a plain file name: ${file.name}`)
    let name = file.name
    for (let n = 2; taken.has(name.toLowerCase()); n++) name = withSuffix(file.name, n)
    taken.add(name.toLowerCase())
    entries[name] = strToU8(file.xml)
  }
  return zipSync(entries, { level: 6, mtime: opts.modifiedAt.toJSDate() })
}
