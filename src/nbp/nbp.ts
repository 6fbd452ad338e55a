// NBP table A mid rates for documents in a foreign currency: which day's table applies, the
// HTTP client for api.nbp.pl, and the conversion to PLN. Rules: art. 31a ustawy o VAT (the rate
// of the last business day before the day the tax obligation arises), reference/polish-invoicing.md §2.
import { DateTime } from 'luxon'
import { isIsoDate, ZONE } from '../shared/dates.ts'
import { formatSeconds } from '../shared/duration.ts'
import { getText } from '../shared/http.ts'

/** A failure the user can act on; the message is Polish and safe to show. */
export class NbpError extends Error {
  override name = 'NbpError'
}

// ---------- business days ----------

function parseDate(isoDate: string): DateTime {
  if (!isIsoDate(isoDate)) throw new NbpError(`Nieprawidłowa data: „${isoDate}” (oczekiwano RRRR-MM-DD).`)
  return DateTime.fromISO(isoDate, { zone: ZONE })
}

function isoDate(date: DateTime): string {
  return date.toISODate()!
}

/** Easter Sunday of a Gregorian year (anonymous Gregorian algorithm, Meeus/Jones/Butcher). */
export function easterSunday(year: number): string {
  const a = year % 19
  const b = Math.floor(year / 100)
  const c = year % 100
  const d = Math.floor(b / 4)
  const e = b % 4
  const f = Math.floor((b + 8) / 25)
  const g = Math.floor((b - f + 1) / 3)
  const h = (19 * a + b - d - g + 15) % 30
  const i = Math.floor(c / 4)
  const k = c % 4
  const l = (32 + 2 * e + 2 * i - h - k) % 7
  const m = Math.floor((a + 11 * h + 22 * l) / 451)
  const month = Math.floor((h + l - 7 * m + 114) / 31)
  const day = ((h + l - 7 * m + 114) % 31) + 1
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`
}

/**
 * Public holidays of the Act of 18 January 1951 on non-working days, as amended: Epiphany since
 * 2011, Christmas Eve since 2025. Pentecost is listed although it always falls on a Sunday.
 */
function polishPublicHolidays(year: number): Set<string> {
  const fixed = ['01-01', '05-01', '05-03', '08-15', '11-01', '11-11', '12-25', '12-26']
  if (year >= 2011) fixed.push('01-06')
  if (year >= 2025) fixed.push('12-24')
  const easter = DateTime.fromISO(easterSunday(year), { zone: ZONE })
  // Easter, Easter Monday, Pentecost, Corpus Christi
  const movable = [0, 1, 49, 60].map((days) => isoDate(easter.plus({ days })))
  return new Set([...fixed.map((monthDay) => `${year}-${monthDay}`), ...movable])
}

export function isPolishBusinessDay(date: string): boolean {
  const day = parseDate(date)
  if (day.weekday >= 6) return false
  return !polishPublicHolidays(day.year).has(date)
}

/** The last business day before the sale date: the day whose NBP table converts the VAT. */
export function previousBusinessDay(saleDate: string): string {
  let day = parseDate(saleDate).minus({ days: 1 })
  while (!isPolishBusinessDay(isoDate(day))) day = day.minus({ days: 1 })
  return isoDate(day)
}

// ---------- conversion ----------

const RATE_PATTERN = /^(\d{1,6})(?:\.(\d{1,6}))?$/

/** Whether a text is a usable mid rate: a positive decimal with at most 6 decimal places. */
export function isValidMidRate(mid: string): boolean {
  const match = RATE_PATTERN.exec(mid)
  return match !== null && /[1-9]/.test(mid)
}

/**
 * Minor units of a foreign currency in grosze at a decimal rate ('4.2103'), in integer arithmetic
 * rounded half away from zero to the grosz (art. 106e ust. 11). Never goes through a float.
 */
export function convertToPln(minor: number, mid: string): number {
  if (!Number.isSafeInteger(minor))
    throw new RangeError(`amount must be an integer number of minor units, got ${minor}`)
  const match = RATE_PATTERN.exec(mid)
  if (!match || !isValidMidRate(mid)) throw new NbpError(`Nieprawidłowy kurs waluty: „${mid}”.`)
  const fraction = match[2] ?? ''
  const scaledRate = BigInt(match[1] + fraction)
  const scale = 10n ** BigInt(fraction.length)
  const product = BigInt(minor) * scaledRate
  const negative = product < 0n
  const abs = negative ? -product : product
  const rounded = (abs * 2n + scale) / (2n * scale)
  const result = Number(negative ? -rounded : rounded)
  if (!Number.isSafeInteger(result)) throw new RangeError('converted amount is too large')
  return result
}

// ---------- the NBP API ----------

export interface NbpRate {
  /** ISO 4217 code, upper case */
  currency: string
  /** the mid rate exactly as NBP published it, e.g. '4.2103' (PLN for 1 unit) */
  mid: string
  /** table number, e.g. '012/A/NBP/2026' */
  tableNo: string
  /** the table's date, YYYY-MM-DD */
  effectiveDate: string
}

export interface NbpClientOptions {
  /** e.g. 'https://api.nbp.pl/api' (config.nbpApiUrl) or a local stand-in */
  baseUrl: string
  fetch: typeof fetch
  timeoutMs: number
}

export interface NbpClient {
  /** Table A mid rate of the given day, or of the latest earlier day NBP published a table. */
  getMidRate: (currency: string, onOrBefore: string) => Promise<NbpRate>
  /** The rate a document uses: table A of the last business day before the sale date. */
  getRateForSaleDate: (currency: string, saleDate: string) => Promise<NbpRate>
}

/** How many days before the asked date the client looks for a table when NBP has none (404). */
export const NBP_MAX_DAYS_BACK = 10

const CURRENCY_PATTERN = /^[A-Z]{3}$/
const TABLE_NO_PATTERN = /^\d{1,3}\/A\/NBP\/\d{4}$/

type Lookup = { found: true; rate: NbpRate } | { found: false }

export function createNbpClient(options: NbpClientOptions): NbpClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '')

  async function fetchDay(currency: string, date: string): Promise<Lookup> {
    const url = `${baseUrl}/exchangerates/rates/a/${currency.toLowerCase()}/${date}/?format=json`
    const answer = await getText(options.fetch, url, options.timeoutMs)
    if (!answer.answered) {
      if (answer.failure === 'timeout')
        throw new NbpError(
          `Serwis kursów NBP nie odpowiedział w ciągu ${formatSeconds(options.timeoutMs)} – spróbuj ponownie za chwilę albo wpisz kurs ręcznie.`
        )
      throw new NbpError(
        'Nie udało się połączyć z serwisem kursów NBP – sprawdź połączenie z internetem albo wpisz kurs ręcznie.'
      )
    }
    const { status, body } = answer
    if (status === 404) return { found: false }
    if (status < 200 || status >= 300) {
      throw new NbpError(
        `Serwis kursów NBP odpowiedział błędem (HTTP ${status}) – spróbuj ponownie później albo wpisz kurs ręcznie.`
      )
    }
    return { found: true, rate: parseRate(body, currency, date) }
  }

  async function getMidRate(currency: string, onOrBefore: string): Promise<NbpRate> {
    const code = currency.trim().toUpperCase()
    if (!CURRENCY_PATTERN.test(code) || code === 'PLN') throw new NbpError(`Nieprawidłowy kod waluty: „${currency}”.`)
    let day = parseDate(onOrBefore)
    for (let step = 0; step <= NBP_MAX_DAYS_BACK; step++) {
      const lookup = await fetchDay(code, isoDate(day))
      if (lookup.found) return lookup.rate
      day = day.minus({ days: 1 })
    }
    throw new NbpError(
      `NBP nie opublikował kursu ${code} w tabeli A w ciągu ${NBP_MAX_DAYS_BACK} dni przed ${onOrBefore} – wpisz kurs ręcznie.`
    )
  }

  return {
    getMidRate,
    getRateForSaleDate: async (currency, saleDate) => await getMidRate(currency, previousBusinessDay(saleDate))
  }
}

const UNEXPECTED = 'Serwis kursów NBP zwrócił nieoczekiwaną odpowiedź – wpisz kurs ręcznie.'

/**
 * The answer is untrusted: checked field by field. The mid rate is taken as the text NBP sent
 * (JSON.parse would turn '4.2100' into 4.21), and must agree with the parsed number.
 */
function parseRate(body: string, currency: string, askedDate: string): NbpRate {
  let parsed: unknown
  try {
    parsed = JSON.parse(body)
  } catch {
    throw new NbpError(UNEXPECTED)
  }
  if (typeof parsed !== 'object' || parsed === null) throw new NbpError(UNEXPECTED)
  const table = parsed as { code?: unknown; rates?: unknown }
  if (typeof table.code !== 'string' || table.code.toUpperCase() !== currency) throw new NbpError(UNEXPECTED)
  if (!Array.isArray(table.rates) || table.rates.length !== 1) throw new NbpError(UNEXPECTED)
  const rate = table.rates[0] as { no?: unknown; effectiveDate?: unknown; mid?: unknown }
  if (typeof rate.no !== 'string' || !TABLE_NO_PATTERN.test(rate.no)) throw new NbpError(UNEXPECTED)
  if (typeof rate.effectiveDate !== 'string' || !isIsoDate(rate.effectiveDate) || rate.effectiveDate > askedDate)
    throw new NbpError(UNEXPECTED)
  if (typeof rate.mid !== 'number') throw new NbpError(UNEXPECTED)
  const published = /"mid"\s*:\s*(\d+(?:\.\d+)?)\s*[,}]/.exec(body)?.[1]
  if (published === undefined || Number(published) !== rate.mid || !isValidMidRate(published))
    throw new NbpError(UNEXPECTED)
  return { currency, mid: published, tableNo: rate.no, effectiveDate: rate.effectiveDate }
}
