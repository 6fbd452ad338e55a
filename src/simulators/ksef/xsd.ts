// XSD validation at run time with xmllint-wasm (no apt package needed for `npm start`): FA(3)
// invoices against vendor/ksef-fa3, AuthTokenRequest against the Ministry's auth schemas.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { validateXML, type XMLFileInfo } from 'xmllint-wasm'
import { projectRoot } from '../../paths.ts'

const FA3_DIR = join(projectRoot, 'vendor', 'ksef-fa3')
const OWN_DIR = join(projectRoot, 'src', 'simulators', 'ksef', 'schemas')

function file(dir: string, name: string): XMLFileInfo & { contents: string } {
  return { fileName: name, contents: readFileSync(join(dir, name), 'utf8') }
}

let fa3: { schema: XMLFileInfo; preload: XMLFileInfo[] } | undefined
let auth: Record<string, XMLFileInfo> | undefined

export const AUTH_NAMESPACES: Record<string, string> = {
  'http://ksef.mf.gov.pl/auth/token/2.0': 'schemat_auth_v2-0.xsd',
  'http://ksef.mf.gov.pl/auth/token/2.1': 'schemat_auth_v2-1.xsd'
}

export interface XsdResult {
  valid: boolean
  errors: string[]
}

async function run(xml: string, schema: XMLFileInfo, preload: XMLFileInfo[]): Promise<XsdResult> {
  const result = await validateXML({
    xml: { fileName: 'document.xml', contents: xml },
    schema,
    preload,
    maxMemoryPages: 4096
  })
  return { valid: result.valid, errors: result.errors.map((e) => e.message.trim()).slice(0, 20) }
}

function fa3Schema(): { schema: XMLFileInfo; preload: XMLFileInfo[] } {
  fa3 ??= {
    schema: file(FA3_DIR, 'schemat_FA3_v1-0E.xsd'),
    preload: ['StrukturyDanych_v10-0E.xsd', 'ElementarneTypyDanych_v10-0E.xsd', 'KodyKrajow_v10-0E.xsd'].map((n) =>
      file(FA3_DIR, n)
    )
  }
  return fa3
}

async function validateFa3(xml: string): Promise<XsdResult> {
  const { schema, preload } = fa3Schema()
  return await run(xml, schema, preload)
}

/**
 * Many files in one xmllint run (a run costs about what one file does). xmllint says
 * "{file} validates" for each good one; the errors carry their file name. Should the run fail
 * as a whole (xmllint gives up on a file), each file is checked on its own.
 */
export async function validateFa3Batch(xmls: string[]): Promise<XsdResult[]> {
  if (xmls.length === 0) return []
  if (xmls.length === 1) return [await validateFa3(xmls[0])]
  const { schema, preload } = fa3Schema()
  const files = xmls.map((contents, i) => ({ fileName: `faktura-${i + 1}.xml`, contents }))
  let result
  try {
    result = await validateXML({ xml: files, schema, preload, maxMemoryPages: 4096 })
  } catch {
    return await Promise.all(xmls.map(async (xml) => await validateFa3(xml)))
  }
  const validated = new Set(
    result.rawOutput
      .split('\n')
      .map((line) => /^(\S+) validates$/.exec(line.trim())?.[1])
      .filter((name) => name !== undefined)
  )
  return files.map((f) => ({
    valid: validated.has(f.fileName),
    errors: result.errors
      .filter((e) => e.loc?.fileName === f.fileName)
      .map((e) => e.message.trim())
      .slice(0, 20)
  }))
}

// schemat_auth_v2-0.xsd writes its three IPv4 patterns with \b and ^…$, which XML Schema regular
// expressions do not have (libxml2 refuses to compile the schema); v2-1 has the Ministry's own
// corrected patterns, so v2-0 is read with those (the vendored file stays as published).
const IPV4 =
  '((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])'
const BROKEN_IPV4 = '((25[0-5]|(2[0-4]|1\\d|[1-9]|)\\d)\\.?\\b){4}'

function xsdCompatibleAuthSchema(contents: string): string {
  return contents.replace(/<xsd:pattern value="\^([^"]*)\$"\/>/g, (whole, body: string) => {
    if (!body.includes(BROKEN_IPV4)) return whole
    return `<xsd:pattern value="${body.split(BROKEN_IPV4).join(IPV4).replace('\\/', '/')}"/>`
  })
}

export async function validateAuthRequest(xml: string, namespace: string): Promise<XsdResult> {
  auth ??= Object.fromEntries(
    Object.values(AUTH_NAMESPACES).map((n) => {
      const f = file(OWN_DIR, n)
      return [n, { ...f, contents: xsdCompatibleAuthSchema(f.contents) }]
    })
  )
  const name = AUTH_NAMESPACES[namespace]
  if (name === undefined) return { valid: false, errors: [`Nieznana przestrzeń nazw: ${namespace}`] }
  return run(xml, auth[name], [])
}
