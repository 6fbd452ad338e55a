// Messages with a document attached: the templates' placeholders, and what may be e-mailed at all.

/** What the templates may name; each is replaced by the document's own value. */
export const PLACEHOLDERS = ['rodzaj', 'numer', 'kwota', 'termin', 'firma', 'nabywca'] as const
export type Placeholder = (typeof PLACEHOLDERS)[number]

export const DEFAULT_SUBJECT = '{rodzaj} {numer} – {firma}'
export const DEFAULT_BODY =
  'Dzień dobry,\n\nw załączniku przesyłamy dokument: {rodzaj} nr {numer} na kwotę {kwota}.\n\nPozdrawiamy\n{firma}'

export function renderTemplate(template: string, values: Record<Placeholder, string>): string {
  return template.replace(/\{([a-z_]+)\}/g, (whole, name: string) =>
    (PLACEHOLDERS as readonly string[]).includes(name) ? values[name as Placeholder] : whole
  )
}

/** Placeholders a template names that do not exist, so a typo is caught when saving. */
export function unknownPlaceholders(template: string): string[] {
  return [...new Set([...template.matchAll(/\{([^{}\s]{1,40})\}/g)].map((m) => m[1]))].filter(
    (name) => !(PLACEHOLDERS as readonly string[]).includes(name)
  )
}

/** One mailbox, no display name, no list: a header can carry nothing else. */
export function isEmailAddress(text: string): boolean {
  return text.length <= 200 && /^[^\s@,;<>"()[\]\\]+@[^\s@,;<>"()[\]\\]+\.[^\s@,;<>"()[\]\\]+$/.test(text)
}

/** A subject is one header line: line breaks would start new headers. */
export function oneLine(text: string): string {
  return text.replace(/[\r\n\u0000-\u001f\u007f]+/g, ' ').trim()
}

/**
 * Documents of Allegro orders are not e-mailed: Allegro's rules forbid contacting buyers outside
 * Allegro and their addresses are masked; those documents go to the buyer through Allegro.
 */
export function whyNotByEmail(doc: { status: string; transactionCount: number }): string | null {
  if (doc.status !== 'issued') return 'Anulowanego dokumentu nie wysyła się nabywcy.'
  if (doc.transactionCount > 0)
    return 'To dokument do zamówienia z Allegro: Allegro nie pozwala pisać do kupujących poza serwisem i maskuje ich adresy, więc taki dokument wysyła się przez Allegro (Wyślij do Allegro).'
  return null
}
