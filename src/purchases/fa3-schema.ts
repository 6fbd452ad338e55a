// The FA(3) schema check of received files (vendor/ksef-fa3, the Ministry's XSD), with
// xmllint-wasm: a strict XML parser too, so a file xmldom would read leniently still fails here.
// Many files go in one run (a run costs about what one file does).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { validateXML, type XMLFileInfo } from 'xmllint-wasm'
import { projectRoot } from '../paths.ts'

const FA3_DIR = join(projectRoot, 'vendor', 'ksef-fa3')
let schema: { schema: XMLFileInfo; preload: XMLFileInfo[] } | undefined

function fa3(): { schema: XMLFileInfo; preload: XMLFileInfo[] } {
  const file = (name: string): XMLFileInfo => ({ fileName: name, contents: readFileSync(join(FA3_DIR, name), 'utf8') })
  schema ??= {
    schema: file('schemat_FA3_v1-0E.xsd'),
    preload: ['StrukturyDanych_v10-0E.xsd', 'ElementarneTypyDanych_v10-0E.xsd', 'KodyKrajow_v10-0E.xsd'].map(file)
  }
  return schema
}

async function one(xml: string): Promise<string[]> {
  try {
    const result = await validateXML({
      xml: { fileName: 'faktura.xml', contents: xml },
      ...fa3(),
      maxMemoryPages: 4096
    })
    return result.valid ? [] : result.errors.map((e) => e.message.trim().slice(0, 300)).slice(0, 5)
  } catch (error) {
    return [`xmllint: ${error instanceof Error ? error.message.slice(0, 200) : 'błąd'}`]
  }
}

/** Per file: the schema's complaints (empty when it validates). */
export async function fa3SchemaErrors(xmls: string[]): Promise<string[][]> {
  if (xmls.length <= 1) return await Promise.all(xmls.map(one))
  const files = xmls.map((contents, i) => ({ fileName: `faktura-${i + 1}.xml`, contents }))
  let result
  try {
    result = await validateXML({ xml: files, ...fa3(), maxMemoryPages: 4096 })
  } catch {
    return await Promise.all(xmls.map(one))
  }
  const validated = new Set(
    result.rawOutput
      .split('\n')
      .map((line) => /^(\S+) validates$/.exec(line.trim())?.[1])
      .filter((name) => name !== undefined)
  )
  return files.map((f) =>
    validated.has(f.fileName)
      ? []
      : result.errors
          .filter((e) => e.loc?.fileName === f.fileName)
          .map((e) => e.message.trim().slice(0, 300))
          .slice(0, 5)
          .concat(['nie przechodzi walidacji'])
          .slice(0, 5)
  )
}
