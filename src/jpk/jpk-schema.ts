// Validates a generated JPK file against the Ministry's schema before anyone may download it.
// The schemas import their dictionaries by absolute http://crd.gov.pl addresses; xmllint-wasm
// does no I/O, so the dictionaries are preloaded and the addresses rewritten to the preloaded
// names in memory (the files on disk stay unchanged; vendor/jpk/catalog.xml does the same for
// the xmllint CLI). vendor/jpk/README.md says which dictionaries are approximations.
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { validateXML } from 'xmllint-wasm'
import { JPK_VENDOR_DIR } from '../paths.ts'

export type JpkKind = 'V7M' | 'V7K' | 'PKPIR' | 'EWP'

export const SCHEMA_FILES: Record<JpkKind, string> = {
  V7M: 'Schemat_JPK_V7M_3_v1-0E.xsd',
  V7K: 'Schemat_JPK_V7K_3_v1-0E.xsd',
  PKPIR: 'Schemat_JPK_PKPIR_3_v1-0.xsd',
  EWP: 'Schemat_JPK_EWP_4_v1-0.xsd'
}

const DICTIONARY_BASE = 'http://crd.gov.pl/xml/schematy/dziedzinowe/mf'

/** The address a schema imports → the local copy under vendor/jpk (as in catalog.xml). */
const DICTIONARY_FILES: Record<string, string> = {
  [`${DICTIONARY_BASE}/2022/01/05/eD/DefinicjeTypy/StrukturyDanych_v10-0E.xsd`]:
    'dziedzinowe-2022-01-05/StrukturyDanych_v10-0E.xsd',
  [`${DICTIONARY_BASE}/2022/01/05/eD/DefinicjeTypy/ElementarneTypyDanych_v10-0E.xsd`]:
    'dziedzinowe-2022-01-05/ElementarneTypyDanych_v10-0E.xsd',
  [`${DICTIONARY_BASE}/2022/01/05/eD/DefinicjeTypy/KodyKrajow_v10-0E.xsd`]:
    'dziedzinowe-2022-01-05/KodyKrajow_v10-0E.xsd',
  [`${DICTIONARY_BASE}/2022/01/05/eD/KodyUrzedowSkarbowych/KodyUrzedowSkarbowych_v8-0E.xsd`]:
    'dziedzinowe-2022-01-05/KodyUrzedowSkarbowych_v8-0E.xsd',
  // approximations of the newer dictionaries JPK_V7M(3)/V7K(3) import (README.md)
  [`${DICTIONARY_BASE}/2022/09/13/eD/DefinicjeTypy/StrukturyDanych_v12-0E.xsd`]:
    'przyblizone/StrukturyDanych_v12-0E.xsd',
  [`${DICTIONARY_BASE}/2022/09/13/eD/DefinicjeTypy/ElementarneTypyDanych_v10-0E.xsd`]:
    'przyblizone/ElementarneTypyDanych_v10-0E.xsd',
  [`${DICTIONARY_BASE}/2022/09/13/eD/DefinicjeTypy/KodyKrajow_v10-0E.xsd`]: 'przyblizone/KodyKrajow_v10-0E.xsd',
  [`${DICTIONARY_BASE}/2023/09/06/eD/KodyKrajow/KodyKrajow_v13-0E.xsd`]: 'przyblizone/KodyKrajow_v13-0E.xsd'
}

interface Loaded {
  schema: { fileName: string; contents: string }
  preload: Array<{ fileName: string; contents: string }>
}

const flatName = (path: string) => path.replace(/[/]/g, '__')

function rewriteLocations(xsd: string): string {
  return xsd.replace(/schemaLocation="([^"]+)"/g, (whole, location: string) => {
    const local = DICTIONARY_FILES[location]
    return local ? `schemaLocation="${flatName(local)}"` : whole
  })
}

let cache: Map<JpkKind, Loaded> | undefined

function loaded(kind: JpkKind): Loaded {
  cache ??= new Map()
  let entry = cache.get(kind)
  if (!entry) {
    const read = (file: string) => rewriteLocations(readFileSync(join(JPK_VENDOR_DIR, file), 'utf8'))
    entry = {
      schema: { fileName: flatName(SCHEMA_FILES[kind]), contents: read(SCHEMA_FILES[kind]) },
      preload: Object.values(DICTIONARY_FILES).map((file) => ({ fileName: flatName(file), contents: read(file) }))
    }
    cache.set(kind, entry)
  }
  return entry
}

export interface SchemaCheck {
  valid: boolean
  /** xmllint's messages, with the line of the file they point at */
  errors: Array<{ line: number | null; message: string }>
}

export async function validateJpk(kind: JpkKind, xml: string): Promise<SchemaCheck> {
  const { schema, preload } = loaded(kind)
  const result = await validateXML({ xml: [{ fileName: 'jpk.xml', contents: xml }], schema: [schema], preload })
  return {
    valid: result.valid,
    errors: result.errors.map((e) => ({ line: e.loc?.lineNumber ?? null, message: e.message }))
  }
}

export type JpkValidator = (kind: JpkKind, xml: string) => Promise<SchemaCheck>

/**
 * The file with its generation time (DataWytworzeniaJPK) blanked: two builds of an unchanged
 * period differ only there, and any timestamp the builder writes has the same shape (TDataCzas),
 * so the schema's verdict on one holds for the other.
 */
export function schemaKey(kind: JpkKind, xml: string): string {
  const stable = xml.replace(/<((?:[\w-]+:)?DataWytworzeniaJPK)>[^<]*<\/\1>/, '<$1></$1>')
  return `${kind}:${createHash('sha256').update(stable, 'utf8').digest('base64')}`
}

/**
 * The XSD check as the JPK pages use it. xmllint-wasm takes ~0.4 s a file, so a page view only
 * looks up the verdict of an earlier check (`known`); the download and the filing always run the
 * check (`check`) – the file that leaves Biurko or is recorded as filed has been validated
 * itself, never taken on trust from a cache – and remember the verdict for the page.
 */
export interface JpkSchemaChecker {
  check: (kind: JpkKind, xml: string) => Promise<SchemaCheck>
  known: (kind: JpkKind, xml: string) => SchemaCheck | null
}

/** Verdicts kept per app; a small bound, the pages show a handful of periods. */
const KNOWN_MAX = 256

export function createJpkSchemaChecker(validate: JpkValidator = validateJpk): JpkSchemaChecker {
  const verdicts = new Map<string, SchemaCheck>()
  return {
    async check(kind, xml) {
      const result = await validate(kind, xml)
      const key = schemaKey(kind, xml)
      verdicts.delete(key)
      verdicts.set(key, result)
      if (verdicts.size > KNOWN_MAX) verdicts.delete(verdicts.keys().next().value as string)
      return result
    },
    known(kind, xml) {
      return verdicts.get(schemaKey(kind, xml)) ?? null
    }
  }
}
