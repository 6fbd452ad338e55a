import { DateTime } from 'luxon'
import { isIsoDate, toStoredTimestamp, ZONE } from '../shared/dates.ts'
import { asArray, parseId, text, Validator, type FieldErrors } from '../shared/form.ts'
import { isTransactionStatus, type TransactionStatus } from './transaction-status.ts'
import { NO_FILTERS, type TransactionFilters } from './transactions.queries.ts'
import { pageParam } from '../shared/params.ts'

/** The list's query string as typed (Polish names), kept to refill the filter form. */
interface FilterValues {
  sklep: string
  status: string
  faktura: string
  dokument: string
  od: string
  do: string
  szukaj: string
}

export interface ParsedFilters {
  values: FilterValues
  filters: TransactionFilters
  page: number
  errors: FieldErrors
}

const MAX_SEARCH = 100
const MAX_WORDS = 8
/** more at once would make one request (and one DB transaction) too long */
const MAX_SELECTED = 500

function yesNo(value: string): boolean | null {
  if (value === 'tak') return true
  if (value === 'nie') return false
  return null
}

/** Filters of PRZYCHODY » ALLEGRO; a bad one is reported and ignored, the rest still apply. */
export function parseFilters(query: unknown): ParsedFilters {
  const values: FilterValues = {
    sklep: text(query, 'sklep'),
    status: text(query, 'status'),
    faktura: text(query, 'faktura'),
    dokument: text(query, 'dokument'),
    od: text(query, 'od'),
    do: text(query, 'do'),
    szukaj: text(query, 'szukaj')
  }
  const v = new Validator()
  const filters: TransactionFilters = { ...NO_FILTERS, words: [] }
  if (values.sklep !== '') {
    const id = parseId(values.sklep)
    if (v.check(id !== null, 'sklep', 'Wybierz sklep z listy.')) filters.shopId = id
  }
  if (values.status !== '' && v.check(isTransactionStatus(values.status), 'status', 'Wybierz status z listy.')) {
    filters.status = values.status as TransactionStatus
  }
  if (values.faktura !== '' && v.oneOf('faktura', values.faktura, ['tak', 'nie']))
    filters.invoiceRequired = yesNo(values.faktura)
  if (values.dokument !== '' && v.oneOf('dokument', values.dokument, ['tak', 'nie']))
    filters.hasDocument = yesNo(values.dokument)
  if (values.od !== '' && v.check(isIsoDate(values.od), 'od', 'Podaj datę w formacie RRRR-MM-DD.')) {
    filters.boughtFrom = toStoredTimestamp(DateTime.fromISO(values.od, { zone: ZONE }).startOf('day'))
  }
  if (values.do !== '' && v.check(isIsoDate(values.do), 'do', 'Podaj datę w formacie RRRR-MM-DD.')) {
    filters.boughtTo = toStoredTimestamp(DateTime.fromISO(values.do, { zone: ZONE }).startOf('day').plus({ days: 1 }))
  }
  if (filters.boughtFrom !== null && filters.boughtTo !== null && filters.boughtFrom >= filters.boughtTo) {
    v.add('do', 'Data „do” nie może być wcześniejsza niż data „od”.')
    filters.boughtTo = null
  }
  if (values.szukaj !== '' && v.maxLength('szukaj', values.szukaj, MAX_SEARCH)) {
    // control characters (a NUL ends an FTS5 string early) separate words like spaces do
    filters.words = [
      ...new Set(
        values.szukaj
          .toLowerCase()
          .split(/[\s\p{Cc}]+/u)
          .filter((word) => word !== '')
      )
    ].slice(0, MAX_WORDS)
  }
  const page = pageParam(query)
  return { values, filters, page, errors: v.errors }
}

/** Checked transactions of a bulk form: ids only, each at most once. */
export function parseSelection(body: unknown): { ids: number[]; error: string | null } {
  const raw = asArray(body, 'transactionIds')
  const ids = [...new Set(raw.map(parseId))]
  if (raw.length === 0) return { ids: [], error: 'Zaznacz co najmniej jedną transakcję.' }
  if (ids.some((id) => id === null))
    return { ids: [], error: 'Nieprawidłowe zaznaczenie transakcji. Odśwież stronę i spróbuj ponownie.' }
  if (ids.length > MAX_SELECTED) return { ids: [], error: `Można zaznaczyć najwyżej ${MAX_SELECTED} transakcji naraz.` }
  return { ids: ids as number[], error: null }
}

const STATUS_ACTIONS = ['oplacona', 'zamknieta', 'anulowana'] as const satisfies readonly TransactionStatus[]

export function parseStatusAction(body: unknown): TransactionStatus | null {
  const value = text(body, 'status')
  return (STATUS_ACTIONS as readonly string[]).includes(value) ? (value as TransactionStatus) : null
}

const LIST_PATH = '/przychody/allegro'

/** Where to go back after a bulk action: only the list itself, with its filters (no open redirect). */
export function parseBack(body: unknown): string {
  const back = text(body, 'back')
  if (back.length <= 2000 && /^\/przychody\/allegro(\?[^#\s]*)?$/.test(back)) return back
  return LIST_PATH
}

/** The query part of a back URL, as an object, to re-render the list with its filters. */
export function queryOf(url: string): Record<string, string> {
  const index = url.indexOf('?')
  return index < 0 ? {} : Object.fromEntries(new URLSearchParams(url.slice(index + 1)))
}

export function parseShopChoice(body: unknown): { shopId: number | null; error: string | null } {
  const value = text(body, 'shopId')
  if (value === '') return { shopId: null, error: null }
  const id = parseId(value)
  return id === null ? { shopId: null, error: 'Wybierz sklep z listy.' } : { shopId: id, error: null }
}
