// The exchange rate a document in a foreign currency is issued with (art. 31a ustawy o VAT): NBP
// table A of the last business day before the sale date. Rates are fetched before the issuing DB
// transaction opens (network never inside a transaction) and handed to it as plain data.
import { formatDate, isIsoDate } from '../shared/dates.ts'
import { formatMoney } from '../shared/money.ts'
import { convertToPln, isValidMidRate, NbpError, previousBusinessDay, type NbpRate } from '../nbp/nbp.ts'

export interface DocumentExchangeRate {
  /** the mid rate as published (or typed), '0.1735': PLN for 1 unit */
  mid: string
  /** '222/A/NBP/2026'; null for a rate entered by hand without it */
  tableNo: string | null
  /** the table's date, YYYY-MM-DD */
  effectiveDate: string
}

type RateResult = { ok: true; rate: DocumentExchangeRate } | { ok: false; problem: string }

/** What issuing asks for a document in `currency` sold on `saleDate`. */
export type RateLookup = (currency: string, saleDate: string) => RateResult

export const NO_RATES: RateLookup = () => ({ ok: false, problem: 'nie pobrano kursu NBP' })

/** The part of the NBP client issuing needs (src/nbp/nbp.ts createNbpClient). */
export interface RateSource {
  getMidRate: (currency: string, onOrBefore: string) => Promise<NbpRate>
}

function rateKey(currency: string, saleDate: string): string {
  return `${currency}|${previousBusinessDay(saleDate)}`
}

/**
 * Asks NBP once per (currency, table day) for everything a batch of documents needs. After the
 * first failure the remaining questions are not asked: NBP is down or unreachable, and each
 * further attempt would only make the user wait for another timeout.
 */
export async function fetchRates(
  source: RateSource,
  needs: ReadonlyArray<{ currency: string; saleDate: string }>
): Promise<RateLookup> {
  const results = new Map<string, RateResult>()
  let failure: string | null = null
  for (const need of needs) {
    if (!isIsoDate(need.saleDate)) continue
    const key = rateKey(need.currency, need.saleDate)
    if (results.has(key)) continue
    if (failure !== null) {
      results.set(key, { ok: false, problem: failure })
      continue
    }
    try {
      const rate = await source.getMidRate(need.currency, previousBusinessDay(need.saleDate))
      results.set(key, { ok: true, rate: { mid: rate.mid, tableNo: rate.tableNo, effectiveDate: rate.effectiveDate } })
    } catch (error) {
      if (!(error instanceof NbpError)) throw error
      failure = error.message
      results.set(key, { ok: false, problem: failure })
    }
  }
  return (currency, saleDate) => {
    if (!isIsoDate(saleDate)) return { ok: false, problem: `nieprawidłowa data sprzedaży „${saleDate}”` }
    return results.get(rateKey(currency, saleDate)) ?? NO_RATES(currency, saleDate)
  }
}

/** A rate typed by hand, valid only for the one sale date it was entered for. */
export function manualRate(rate: DocumentExchangeRate, forSaleDate: string): RateLookup {
  return (_currency, saleDate) =>
    saleDate === forSaleDate
      ? { ok: true, rate }
      : { ok: false, problem: `data sprzedaży zmieniła się na ${formatDate(saleDate)} – wpisz kurs dla tej daty` }
}

/**
 * VAT in PLN grosze: each rate's VAT converted half up and summed, exactly as FA(3) P_14_xW and
 * the ledger convert it, so the three always agree.
 */
export function vatInPln(vatByRate: ReadonlyArray<{ vat: number }>, mid: string): number {
  return vatByRate.reduce((sum, rate) => sum + convertToPln(rate.vat, mid), 0)
}

// The form for a rate typed by hand ---------------------------------------------------------

export interface ManualRateValues {
  rate: string
  tableNo: string
  date: string
}

const TABLE_NO = /^\d{1,3}\/A\/NBP\/\d{4}$/

/**
 * Rate: a positive decimal with at most 6 places (comma or dot); table: NBP's own number, may be
 * left out; date: a day before the sale date, at most a month before it.
 */
export function parseManualRate(
  values: ManualRateValues,
  saleDate: string
): { rate: DocumentExchangeRate | null; errors: Record<string, string> } {
  const errors: Record<string, string> = {}
  const mid = values.rate.replace(',', '.').replace(/^0+(?=\d)/, '')
  if (values.rate === '') errors.rate = 'Podaj kurs, np. 0,1735.'
  else if (!isValidMidRate(mid))
    errors.rate = 'Kurs to liczba większa od zera, najwyżej 6 cyfr po przecinku, np. 0,1735.'
  const tableNo = values.tableNo.toUpperCase()
  if (tableNo !== '' && !TABLE_NO.test(tableNo))
    errors.tableNo = 'Numer tabeli jak w NBP, np. 222/A/NBP/2026 (albo zostaw puste).'
  if (values.date === '') errors.date = 'Podaj datę tabeli kursów.'
  else if (!isIsoDate(values.date)) errors.date = 'Podaj poprawną datę.'
  else if (values.date >= saleDate)
    errors.date = `Kurs musi pochodzić z dnia przed datą sprzedaży (${formatDate(saleDate)}).`
  else if (values.date < monthBefore(saleDate))
    errors.date = 'Ta tabela jest starsza niż miesiąc przed sprzedażą – sprawdź datę.'
  if (Object.keys(errors).length > 0) return { rate: null, errors }
  return { rate: { mid, tableNo: tableNo === '' ? null : tableNo, effectiveDate: values.date }, errors }
}

function monthBefore(isoDate: string): string {
  const [year, month, day] = isoDate.split('-').map(Number)
  const previous = month === 1 ? `${year - 1}-12` : `${year}-${String(month - 1).padStart(2, '0')}`
  return `${previous}-${String(day).padStart(2, '0')}`
}

// How documents print the rate ------------------------------------------------------------

/** "Kurs NBP z dnia 13.11.2026, tabela 222/A/NBP/2026: 1 CZK = 0,1735 PLN; VAT w PLN: 39,91 zł" */
export function exchangeRateNote(doc: {
  currency: string
  exchangeRate: string | null
  exchangeRateTable: string | null
  exchangeRateDate: string | null
  totalVatPln: number
  vatExempt: boolean
}): string | null {
  if (doc.currency === 'PLN' || doc.exchangeRate === null) return null
  const source =
    doc.exchangeRateTable !== null
      ? `Kurs NBP z dnia ${formatDate(doc.exchangeRateDate)}, tabela ${doc.exchangeRateTable}`
      : `Kurs NBP z dnia ${formatDate(doc.exchangeRateDate)}`
  const rate = `1 ${doc.currency} = ${doc.exchangeRate.replace('.', ',')} PLN`
  return doc.vatExempt ? `${source}: ${rate}` : `${source}: ${rate}; VAT w PLN: ${formatMoney(doc.totalVatPln)}`
}
