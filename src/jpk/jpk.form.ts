// The JPK pages' forms: the JPK_V7 options (surplus carried, correction reason) and the stock
// counts of the KPiR year. Parsing and checks in Polish; pure (no Fastify, no Kysely).
import { asArray, text, Validator, type FieldErrors } from '../shared/form.ts'
import { parseUserAmount } from '../shared/money.ts'
import { GTU_CODES, PROCEDURE_MARKS } from './jpk-v7.ts'

/** Characters an XML file cannot carry (C0 controls but tab and line breaks, U+FFFE/FFFF, lone surrogates). */

const NOT_XML =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

/** P_ORDZU is etd:TTekstowy: 1 to 3500 characters. */
const REASON_MAX = 3500

// ---------- JPK_V7 ----------

export interface V7FormValues {
  /** P_39 as typed, whole złoty; '' = the P_62 of the previous period's last filing */
  nadwyzka: string
  uzasadnienie: string
  /** P_54 as typed, whole złoty; '' = no refund, the whole surplus carried on */
  zwrot: string
  /** P_540 / P_55 / P_56 / P_560 / P_58 */
  terminZwrotu: string
  /** P_60 as typed; '' = nothing credited against future liabilities */
  zaliczenie: string
  /** P_61 */
  zaliczenieNa: string
}

export const EMPTY_V7_VALUES: Omit<V7FormValues, 'nadwyzka'> = {
  uzasadnienie: '',
  zwrot: '',
  terminZwrotu: '',
  zaliczenie: '',
  zaliczenieNa: ''
}

export interface V7Form {
  values: V7FormValues
  errors: FieldErrors
  /** the surplus the user typed, whole złoty; null when they typed none (or a bad one) */
  carried: number | null
  reason: string
  /** the refund as typed (amounts in whole złoty, null when empty or bad); checked against P_53 by refundErrors */
  refund: { amount: number | null; term: string; offset: number | null; liability: string }
}

/** Whole złoty as typed on a Polish page: '1 250', '1250 zł'; null when it is not one. */
export function parseWholeZloty(typed: string): { value: number | null; error: string | null } {
  const compact = typed.replace(/[\s\u00a0]/g, '').replace(/zł$/i, '')
  if (/^\d{1,14}$/.test(compact)) return { value: Number(compact), error: null }
  if (/^-\d/.test(compact)) return { value: null, error: 'Nadwyżka nie może być ujemna – wpisz 0, jeśli jej nie ma.' }
  if (/^\d{1,14}[.,]\d+$/.test(compact))
    return {
      value: null,
      error: 'Podaj kwotę w pełnych złotych, bez groszy (deklaracja VAT-7 ma kwoty w pełnych złotych), np. 1250.'
    }
  return { value: null, error: 'Podaj kwotę w pełnych złotych, np. 1250 (0, jeśli nadwyżki nie ma).' }
}

/** A whole-złoty amount of the refund part: '' is none, else digits only. */
function refundAmount(v: Validator, field: string, typed: string): number | null {
  if (typed === '') return null
  const compact = typed.replace(/[\s\u00a0]/g, '').replace(/zł$/i, '')
  if (/^\d{1,14}$/.test(compact)) return Number(compact)
  v.add(
    field,
    /^\d{1,14}[.,]\d+$/.test(compact)
      ? 'Podaj kwotę w pełnych złotych, bez groszy (deklaracja VAT-7 ma kwoty w pełnych złotych).'
      : 'Podaj kwotę w pełnych złotych, np. 500.'
  )
  return null
}

export function parseV7Form(source: unknown): V7Form {
  const values: V7FormValues = {
    nadwyzka: text(source, 'nadwyzka'),
    uzasadnienie: text(source, 'uzasadnienie'),
    zwrot: text(source, 'zwrot'),
    terminZwrotu: text(source, 'terminZwrotu'),
    zaliczenie: text(source, 'zaliczenie'),
    zaliczenieNa: text(source, 'zaliczenieNa')
  }
  const v = new Validator()
  const refund = {
    amount: refundAmount(v, 'zwrot', values.zwrot),
    term: values.terminZwrotu,
    offset: refundAmount(v, 'zaliczenie', values.zaliczenie),
    liability: values.zaliczenieNa
  }
  if (NOT_XML.test(values.zaliczenieNa))
    v.add('zaliczenieNa', 'Pole zawiera znaki sterujące, których plik XML nie przyjmie – usuń je.')
  else v.maxLength('zaliczenieNa', values.zaliczenieNa, 240)
  let carried: number | null = null
  if (values.nadwyzka !== '') {
    const parsed = parseWholeZloty(values.nadwyzka)
    if (parsed.error !== null) v.add('nadwyzka', parsed.error)
    carried = parsed.value
  }
  const reason = values.uzasadnienie.replace(/\r\n?/g, '\n')
  if (NOT_XML.test(reason))
    v.add('uzasadnienie', 'Uzasadnienie zawiera znaki sterujące, których plik XML nie przyjmie – usuń je.')
  else v.maxLength('uzasadnienie', reason, REASON_MAX)
  return { values, errors: v.errors, carried, reason, refund }
}

/**
 * A correction of a declaration carries the written reason for it (art. 81 § 2 Ordynacji
 * podatkowej; in JPK_V7(3) the field P_ORDZU of the declaration part). A V7K file of the first
 * two months of a quarter has no declaration part and no place for a reason: none is required.
 */
export function correctionErrors(file: { purpose: 1 | 2; hasDeclaration: boolean }, reason: string): FieldErrors {
  if (file.purpose === 2 && file.hasDeclaration && reason.trim() === '') {
    return {
      uzasadnienie:
        'Podaj uzasadnienie przyczyn korekty – korekta deklaracji musi je zawierać (art. 81 § 2 Ordynacji podatkowej, pole P_ORDZU).'
    }
  }
  return {}
}

// ---------- stock counts (spis z natury) ----------

export interface StockFormValues {
  poczatekData: string
  poczatekWartosc: string
  koniecData: string
  koniecWartosc: string
  /** counts made during the year, row by row */
  spisy: Array<{ data: string; wartosc: string }>
}

export interface StockCountsInput {
  start: { date: string; value: number } | null
  end: { date: string; value: number } | null
  during: Array<{ date: string; value: number }>
}

/** 'YYYY-MM-DD' naming a day that exists (not 2026-02-30). */
export function isCalendarDate(date: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return false
  const parsed = new Date(`${date}T00:00:00Z`)
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === date
}

function stockValue(v: Validator, field: string, typed: string): number | null {
  if (typed === '') return null
  const value = parseUserAmount(typed.replace(/zł$/i, ''))
  if (value === null) {
    v.add(field, 'Podaj wartość w złotych, np. 12 500,00.')
    return null
  }
  if (value < 0) {
    v.add(field, 'Wartość spisu nie może być ujemna.')
    return null
  }
  return value
}

/**
 * The year's stock counts. The KPiR regulation has them made on 1 January, at the end of the
 * tax year and on the day the business starts (or a partner changes, or it closes); the count at
 * the end of a year is the next year's opening one. JPK_PKPIR(3) carries the opening and closing
 * values (PKPIRInfo P_1, P_2) and each count made during the year with its date (PKPIRSpis).
 * An opening count may be dated 31 December of the year before; a closing one within the year.
 */
export function parseStockForm(
  source: unknown,
  year: number
): { values: StockFormValues; errors: FieldErrors; counts: StockCountsInput } {
  const dates = asArray(source, 'spisData').map((s) => s.trim())
  const amounts = asArray(source, 'spisWartosc').map((s) => s.trim())
  const values: StockFormValues = {
    poczatekData: text(source, 'poczatekData'),
    poczatekWartosc: text(source, 'poczatekWartosc'),
    koniecData: text(source, 'koniecData'),
    koniecWartosc: text(source, 'koniecWartosc'),
    spisy: Array.from({ length: Math.min(Math.max(dates.length, amounts.length), 50) }, (_, i) => ({
      data: dates[i] ?? '',
      wartosc: amounts[i] ?? ''
    }))
  }
  const v = new Validator()
  const within = (date: string, from: string, to: string) => isCalendarDate(date) && date >= from && date <= to
  const first = `${year}-01-01`
  const last = `${year}-12-31`

  const side = (
    dateField: 'poczatekData' | 'koniecData',
    valueField: 'poczatekWartosc' | 'koniecWartosc',
    from: string,
    rangeText: string
  ) => {
    // no value: no count (the date fields come prefilled with 1 January and 31 December)
    if (values[valueField] === '') return null
    const value = stockValue(v, valueField, values[valueField])
    const date = values[dateField]
    if (date === '') v.add(dateField, 'Podaj datę spisu.')
    else if (!within(date, from, last)) v.add(dateField, `Podaj datę w formacie RRRR-MM-DD, ${rangeText}.`)
    return value === null ? null : { date, value }
  }
  const start = side('poczatekData', 'poczatekWartosc', `${year - 1}-12-31`, `od 31.12.${year - 1} do 31.12.${year}`)
  const end = side('koniecData', 'koniecWartosc', first, `w roku ${year}`)
  if (start && end && !('poczatekData' in v.errors) && !('koniecData' in v.errors) && end.date < start.date) {
    v.add('koniecData', 'Spis na koniec roku nie może być wcześniejszy niż spis na początek roku.')
  }

  const during: StockCountsInput['during'] = []
  values.spisy.forEach((row, i) => {
    if (row.data === '' && row.wartosc === '') return
    const value = stockValue(v, `spisy.${i}.wartosc`, row.wartosc)
    if (row.wartosc === '') v.add(`spisy.${i}.wartosc`, 'Podaj wartość spisu (albo usuń datę).')
    if (!within(row.data, first, last)) v.add(`spisy.${i}.data`, `Podaj datę spisu w roku ${year} (RRRR-MM-DD).`)
    if (value !== null) during.push({ date: row.data, value })
  })
  if (dates.length > 50 || amounts.length > 50) v.add('form', 'Najwyżej 50 spisów w ciągu roku.')
  return { values, errors: v.errors, counts: { start, end, during } }
}

// ---------- the marks of one sales row ----------

/**
 * The hand-set marks of a sales row: any of GTU_01…GTU_13 and the schema's procedure marks.
 * Anything else is refused (the database would refuse it too).
 */
export function parseMarksForm(source: unknown): { marks: string[]; error: string | null } {
  const typed = asArray(source, 'oznaczenie')
    .map((s) => s.trim())
    .filter((s) => s !== '')
  const allowed = new Set([...GTU_CODES, ...PROCEDURE_MARKS])
  const unknown = typed.filter((m) => !allowed.has(m))
  const marks = [...GTU_CODES, ...PROCEDURE_MARKS].filter((m) => typed.includes(m))
  if (unknown.length > 0)
    return { marks, error: 'Nieznane oznaczenie – wybierz kody GTU i oznaczenia procedur z listy.' }
  return { marks, error: null }
}
