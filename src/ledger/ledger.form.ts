import { asArray, parseId, text, type FieldErrors } from '../shared/form.ts'
import { parseMonth, RYCZALT_RATES_BP } from './ledger.ts'

/** At most this many documents are booked in one bulk action. */
const BULK_LIMIT = 500

/** The ?miesiac= of a register page; the current month when absent. */
export function parseMonthQuery(
  query: unknown,
  currentMonth: string
): { month: string; value: string; error: string | null } {
  const value = text(query, 'miesiac')
  if (value === '') return { month: currentMonth, value: currentMonth, error: null }
  const month = parseMonth(value)
  if (month === null) return { month: currentMonth, value, error: 'Podaj miesiąc w formacie RRRR-MM, np. 2026-11.' }
  return { month, value, error: null }
}

export function parseBulkSelection(body: unknown): { ids: number[]; errors: FieldErrors } {
  const raw = asArray(body, 'dokumenty')
  const ids = [...new Set(raw.map(parseId).filter((id): id is number => id !== null))]
  const errors: FieldErrors = {}
  if (raw.length > BULK_LIMIT) errors.dokumenty = `Najwyżej ${BULK_LIMIT} dokumentów naraz.`
  else if (ids.length === 0) errors.dokumenty = 'Zaznacz co najmniej jeden dokument do zaksięgowania.'
  else if (ids.length !== raw.length)
    errors.dokumenty = 'Lista dokumentów jest nieprawidłowa – odśwież stronę i zaznacz je ponownie.'
  return { ids, errors }
}

export interface RyczaltRatesForm {
  /** line id → the chosen value as sent ('' = the company's rate) */
  values: Record<number, string>
  rates: Array<{ lineId: number; rateBp: number | null }>
  errors: FieldErrors
}

/** One select per document line, named stawka_<line id>; '' keeps the company's rate. */
export function parseRyczaltRates(body: unknown, lineIds: number[]): RyczaltRatesForm {
  const values: Record<number, string> = {}
  const rates: RyczaltRatesForm['rates'] = []
  const errors: FieldErrors = {}
  for (const lineId of lineIds) {
    const value = text(body, `stawka_${lineId}`)
    values[lineId] = value
    if (value === '') {
      rates.push({ lineId, rateBp: null })
      continue
    }
    const bp = Number(value)
    if (!/^\d{1,5}$/.test(value) || !(RYCZALT_RATES_BP as readonly number[]).includes(bp)) {
      errors[`stawka_${lineId}`] = 'Wybierz stawkę ryczałtu z listy.'
      continue
    }
    rates.push({ lineId, rateBp: bp })
  }
  return { values, rates, errors }
}
