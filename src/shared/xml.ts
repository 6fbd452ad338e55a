// A minimal XML writer for the KSeF structures: elements, escaped text, nothing else.

export interface XmlElement {
  name: string
  attributes?: Record<string, string>
  text?: string
  children?: XmlElement[]
}

type Child = XmlElement | null | undefined | false | ReadonlyArray<XmlElement | null | undefined | false>

// Characters XML 1.0 cannot carry at all (even escaped): C0 controls other than tab/LF/CR,
// U+FFFE/U+FFFF and unpaired surrogates. Text from Allegro may contain any of them.
const NOT_XML_CHARACTERS =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

/**
 * The value as the schema's xsd:token types see it: no characters XML cannot carry, whitespace
 * runs collapsed to one space, trimmed. Length limits apply to this form.
 */
export function tokenText(value: string): string {
  return value.replace(NOT_XML_CHARACTERS, '').replace(/\s+/g, ' ').trim()
}

/** Length in characters (code points), as XML Schema counts it. */
export function characterCount(value: string): number {
  return [...value].length
}

function escapeXml(value: string): string {
  return value
    .replace(NOT_XML_CHARACTERS, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
}

export function element(name: string, ...children: Child[]): XmlElement {
  const flat: XmlElement[] = []
  for (const child of children) {
    if (Array.isArray(child)) {
      for (const nested of child) if (nested) flat.push(nested)
    } else if (child) {
      flat.push(child as XmlElement)
    }
  }
  return { name, children: flat }
}

export function leaf(name: string, text: string | number): XmlElement {
  return { name, text: String(text) }
}

function renderAttributes(attributes: Record<string, string> | undefined): string {
  if (!attributes) return ''
  return Object.entries(attributes)
    .map(([key, value]) => ` ${key}="${escapeXml(value)}"`)
    .join('')
}

function render(node: XmlElement, depth: number, out: string[]): void {
  const indent = '  '.repeat(depth)
  const open = `${node.name}${renderAttributes(node.attributes)}`
  if (node.text !== undefined) {
    out.push(`${indent}<${open}>${escapeXml(node.text)}</${node.name}>`)
  } else if (!node.children || node.children.length === 0) {
    out.push(`${indent}<${open}/>`)
  } else {
    out.push(`${indent}<${open}>`)
    for (const child of node.children) render(child, depth + 1, out)
    out.push(`${indent}</${node.name}>`)
  }
}

export function renderDocument(root: XmlElement): string {
  const out = ['<?xml version="1.0" encoding="UTF-8"?>']
  render(root, 0, out)
  return out.join('\n') + '\n'
}
