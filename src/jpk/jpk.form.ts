// The JPK pages' forms: the JPK_V7 options (surplus carried, correction reason). Parsing and
// checks in Polish; pure (no Fastify, no Kysely).
import { text, Validator, type FieldErrors } from '../shared/form.ts'

/** Characters an XML file cannot carry (C0 controls but tab and line breaks, U+FFFE/FFFF, lone surrogates). */
// eslint-disable-next-line no-control-regex
const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

/** P_ORDZU is etd:TTekstowy: 1 to 3500 characters. */
export const REASON_MAX = 3500

// ---------- JPK_V7 ----------

export interface V7FormValues {
  /** P_39 as typed, whole złoty; '' = the P_62 of the previous period's last filing */
  nadwyzka: string
  uzasadnienie: string
}

export interface V7Form {
  values: V7FormValues
  errors: FieldErrors
  /** the surplus the user typed, whole złoty; null when they typed none (or a bad one) */
  carried: number | null
  reason: string
}

/** Whole złoty as typed on a Polish page: '1 250', '1250 zł'; null when it is not one. */
export function parseWholeZloty (typed: string): { value: number | null, error: string | null } {
  const compact = typed.replace(/[\s\u00a0]/g, '').replace(/zł$/i, '')
  if (/^\d{1,14}$/.test(compact)) return { value: Number(compact), error: null }
  if (/^-\d/.test(compact)) return { value: null, error: 'Nadwyżka nie może być ujemna – wpisz 0, jeśli jej nie ma.' }
  if (/^\d{1,14}[.,]\d+$/.test(compact)) return { value: null, error: 'Podaj kwotę w pełnych złotych, bez groszy (deklaracja VAT-7 ma kwoty w pełnych złotych), np. 1250.' }
  return { value: null, error: 'Podaj kwotę w pełnych złotych, np. 1250 (0, jeśli nadwyżki nie ma).' }
}

export function parseV7Form (source: unknown): V7Form {
  const values: V7FormValues = { nadwyzka: text(source, 'nadwyzka'), uzasadnienie: text(source, 'uzasadnienie') }
  const v = new Validator()
  let carried: number | null = null
  if (values.nadwyzka !== '') {
    const parsed = parseWholeZloty(values.nadwyzka)
    if (parsed.error !== null) v.add('nadwyzka', parsed.error)
    carried = parsed.value
  }
  const reason = values.uzasadnienie.replace(/\r\n?/g, '\n')
  if (NOT_XML.test(reason)) v.add('uzasadnienie', 'Uzasadnienie zawiera znaki sterujące, których plik XML nie przyjmie – usuń je.')
  else v.maxLength('uzasadnienie', reason, REASON_MAX)
  return { values, errors: v.errors, carried, reason }
}

/**
 * A correction of a declaration carries the written reason for it (art. 81 § 2 Ordynacji
 * podatkowej; in JPK_V7(3) the field P_ORDZU of the declaration part). A V7K file of the first
 * two months of a quarter has no declaration part and no place for a reason: none is required.
 */
export function correctionErrors (file: { purpose: 1 | 2, hasDeclaration: boolean }, reason: string): FieldErrors {
  if (file.purpose === 2 && file.hasDeclaration && reason.trim() === '') {
    return { uzasadnienie: 'Podaj uzasadnienie przyczyn korekty – korekta deklaracji musi je zawierać (art. 81 § 2 Ordynacji podatkowej, pole P_ORDZU).' }
  }
  return {}
}
