// The dashboard's charts as data: sales summed per day or month and per shop, and the geometry of
// a stacked bar chart that views/partials/bar-chart.eta draws as SVG on the server (no script, no
// network, text escaped by the template like any other).
import { DateTime } from 'luxon'
import { formatMoney } from '../shared/money.ts'

export interface SaleRow {
  day: string
  shopId: number | null
  grossPln: number
}

export interface Series {
  key: string
  name: string
  values: number[]
}

const MONTHS = ['sty', 'lut', 'mar', 'kwi', 'maj', 'cze', 'lip', 'sie', 'wrz', 'paź', 'lis', 'gru']
const MONTHS_IN = [
  'styczniu',
  'lutym',
  'marcu',
  'kwietniu',
  'maju',
  'czerwcu',
  'lipcu',
  'sierpniu',
  'wrześniu',
  'październiku',
  'listopadzie',
  'grudniu'
]
const MONTHS_FULL = [
  'styczeń',
  'luty',
  'marzec',
  'kwiecień',
  'maj',
  'czerwiec',
  'lipiec',
  'sierpień',
  'wrzesień',
  'październik',
  'listopad',
  'grudzień'
]
/** distinguishable colours with at least 3:1 contrast to the white card (WCAG 1.4.11) */
const PALETTE = ['#1f5fbf', '#b35c00', '#176b32', '#8b2f9e', '#9a1f3f', '#3d5a73']
const OTHER_SALES = 'Poza Allegro'

/**
 * Sums the rows per category (a day of the month, or a month of the year) and per shop; a shop
 * that sold nothing in the period gets no series. `shopNames` names the shops; documents issued
 * outside Allegro form one more series.
 */
function salesSeries(
  rows: SaleRow[],
  categoryOf: (day: string) => number,
  categories: number,
  shopNames: Map<number, string>
): Series[] {
  const byKey = new Map<string, Series>()
  for (const row of rows) {
    const index = categoryOf(row.day)
    if (index < 0 || index >= categories) continue
    const key = row.shopId === null ? 'other' : `shop-${row.shopId}`
    let series = byKey.get(key)
    if (series === undefined) {
      const name = row.shopId === null ? OTHER_SALES : (shopNames.get(row.shopId) ?? `Sklep ${row.shopId}`)
      series = { key, name, values: new Array<number>(categories).fill(0) }
      byKey.set(key, series)
    }
    series.values[index] = (series.values[index] as number) + row.grossPln
  }
  // shops by name, the sales outside Allegro last
  return [...byKey.values()].sort((a, b) =>
    a.key === 'other' ? 1 : b.key === 'other' ? -1 : a.name.localeCompare(b.name, 'pl')
  )
}

function dayOfMonthIndex(month: string): (day: string) => number {
  return (day) => (day.startsWith(`${month}-`) ? Number(day.slice(8, 10)) - 1 : -1)
}

function monthOfYearIndex(year: string): (day: string) => number {
  return (day) => (day.startsWith(`${year}-`) ? Number(day.slice(5, 7)) - 1 : -1)
}

interface BarSegment {
  y: number
  height: number
  color: string
}
interface Bar {
  x: number
  width: number
  segments: BarSegment[]
  title: string
  label: string | null
}
export interface BarChart {
  width: number
  height: number
  caption: string
  bars: Bar[]
  ticks: Array<{ y: number; label: string }>
  legend: Array<{ name: string; color: string; total: string }>
  total: string
  empty: boolean
}

const PLOT = { left: 64, right: 8, top: 8, bottom: 24 }

/** A round step for the value axis: 1, 2 or 5 × 10^n złoty (in grosze), about four ticks. */
function tickStep(max: number): number {
  const raw = max / 4
  const magnitude = 10 ** Math.floor(Math.log10(raw))
  const factor = [1, 2, 5, 10].find((f) => f * magnitude >= raw) ?? 10
  return Math.max(100, factor * magnitude)
}

const axisLabel = (grosze: number): string =>
  `${new Intl.NumberFormat('pl-PL', { maximumFractionDigits: 0 }).format(grosze / 100)} zł`

/**
 * Geometry of a stacked bar chart. Negative sums (a month of corrections only) are drawn as
 * zero; their figure is still in each bar's title.
 */
export function stackedBarChart(opts: {
  caption: string
  categoryLabels: string[]
  categoryTitles: string[]
  series: Series[]
  width?: number
  height?: number
  labelEvery?: number
}): BarChart {
  const width = opts.width ?? 720
  const height = opts.height ?? 220
  const count = opts.categoryLabels.length
  const totals = opts.categoryLabels.map((_, i) => opts.series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0))
  const max = Math.max(0, ...opts.series.flatMap((s) => s.values))
  const stackedMax = Math.max(
    0,
    ...opts.categoryLabels.map((_, i) => opts.series.reduce((sum, s) => sum + Math.max(0, s.values[i] ?? 0), 0))
  )
  const step = tickStep(Math.max(stackedMax, max, 100))
  const top = Math.max(step, Math.ceil(stackedMax / step) * step)
  const plotHeight = height - PLOT.top - PLOT.bottom
  const slot = (width - PLOT.left - PLOT.right) / Math.max(1, count)
  const scale = (grosze: number): number => (Math.max(0, grosze) / top) * plotHeight
  const colorOf = (index: number): string => PALETTE[index % PALETTE.length] as string
  const labelEvery = opts.labelEvery ?? 1
  const bars: Bar[] = opts.categoryLabels.map((label, i) => {
    let base = height - PLOT.bottom
    const segments: BarSegment[] = []
    opts.series.forEach((s, index) => {
      const h = scale(s.values[i] ?? 0)
      if (h <= 0) return
      base -= h
      segments.push({ y: round1(base), height: round1(h), color: colorOf(index) })
    })
    const parts = opts.series
      .filter((s) => (s.values[i] ?? 0) !== 0)
      .map((s) => `${s.name}: ${formatMoney(s.values[i] ?? 0)}`)
    const title = `${opts.categoryTitles[i] ?? label}: ${formatMoney(totals[i] ?? 0)}${parts.length > 1 ? ` (${parts.join(', ')})` : ''}`
    return {
      x: round1(PLOT.left + i * slot + slot * 0.15),
      width: round1(slot * 0.7),
      segments,
      title,
      label: i % labelEvery === 0 || i === count - 1 ? label : null
    }
  })
  const ticks = []
  for (let value = 0; value <= top; value += step)
    ticks.push({ y: round1(height - PLOT.bottom - scale(value)), label: axisLabel(value) })
  return {
    width,
    height,
    caption: opts.caption,
    bars,
    ticks,
    legend: opts.series.map((s, index) => ({
      name: s.name,
      color: colorOf(index),
      total: formatMoney(s.values.reduce((a, b) => a + b, 0))
    })),
    total: formatMoney(totals.reduce((a, b) => a + b, 0)),
    empty: opts.series.length === 0
  }
}

const round1 = (n: number): number => Math.round(n * 10) / 10

/** The two charts of the dashboard: the days of the current month and the months of the year. */
export function dashboardCharts(
  today: DateTime,
  monthRows: SaleRow[],
  yearRows: SaleRow[],
  shopNames: Map<number, string>
): { month: BarChart; year: BarChart } {
  const month = today.toFormat('yyyy-MM')
  const year = today.toFormat('yyyy')
  const days = today.daysInMonth ?? 31
  const dayNumbers = Array.from({ length: days }, (_, i) => String(i + 1))
  return {
    month: stackedBarChart({
      caption: `Sprzedaż brutto w ${MONTHS_IN[today.month - 1] as string} ${year} r. dzień po dniu`,
      categoryLabels: dayNumbers,
      categoryTitles: dayNumbers.map((d) => `${d}.${String(today.month).padStart(2, '0')}.${year}`),
      series: salesSeries(monthRows, dayOfMonthIndex(month), days, shopNames),
      labelEvery: 5
    }),
    year: stackedBarChart({
      caption: `Sprzedaż brutto w ${year} r. miesiąc po miesiącu`,
      categoryLabels: MONTHS,
      categoryTitles: MONTHS_FULL.map((m) => `${m} ${year}`),
      series: salesSeries(yearRows, monthOfYearIndex(year), 12, shopNames)
    })
  }
}
