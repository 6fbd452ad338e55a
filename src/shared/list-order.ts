// Sorting and page size of a list (PRZYCHODY » ALLEGRO, Dokumenty sprzedaży), from the query
// string. Only whitelisted values are taken: the column names in the URL are Polish keys that
// map to a query module's own ORDER BY, never text put into SQL; anything else is the default.

export type SortDirection = 'asc' | 'desc'

export interface ListOrder<K extends string> {
  column: K
  direction: SortDirection
  /** as written in the URL: the column, or "-column" for descending */
  param: string
  pageSize: number
  /** what the pagination and sort links carry: '' for the defaults, so URLs stay short */
  query: { sort: string; 'na-stronie': string }
}

const PAGE_SIZES = [25, 50, 100] as const
const DEFAULT_PAGE_SIZE = 50

/** `sort` is "kwota" (ascending) or "-kwota" (descending); `na-stronie` one of PAGE_SIZES. */
export function parseListOrder<K extends string>(
  query: unknown,
  columns: readonly K[],
  fallback: { column: K; direction: SortDirection }
): ListOrder<K> {
  const raw = (name: string): string => {
    const value = typeof query === 'object' && query !== null ? (query as Record<string, unknown>)[name] : undefined
    return typeof value === 'string' ? value : ''
  }
  const sortText = raw('sort')
  const descending = sortText.startsWith('-')
  const name = descending ? sortText.slice(1) : sortText
  const known = (columns as readonly string[]).includes(name)
  const column = known ? (name as K) : fallback.column
  const direction: SortDirection = known ? (descending ? 'desc' : 'asc') : fallback.direction
  const param = `${direction === 'desc' ? '-' : ''}${column}`
  const sizeText = raw('na-stronie')
  const pageSize = (PAGE_SIZES as readonly number[]).find((size) => String(size) === sizeText) ?? DEFAULT_PAGE_SIZE
  const isDefault = column === fallback.column && direction === fallback.direction
  return {
    column,
    direction,
    param,
    pageSize,
    query: { sort: isDefault ? '' : param, 'na-stronie': pageSize === DEFAULT_PAGE_SIZE ? '' : String(pageSize) }
  }
}
