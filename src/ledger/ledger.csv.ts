// CSV the way Polish Excel opens it without an import wizard: UTF-8 with a BOM, semicolons,
// decimal commas, CRLF line ends.
import { formatDate } from '../shared/dates.ts'
import type { Selectable } from 'kysely'
import type { PurchaseBookings } from '../db/schema.gen.ts'
import { countsInTotal, type CostTotals } from './kpir-costs.queries.ts'
import type { EntryWithAmounts, PageTotals } from './ledger.queries.ts'
import {
  ksefMarker,
  rateAmount,
  RYCZALT_RATES_BP,
  ryczaltRateLabel,
  VAT_RATES_WITH_TAX,
  VAT_REGISTER_RATES
} from './ledger.ts'

const BOM = '\uFEFF'

/** An amount in grosze as Excel's Polish locale reads a number: "-1234,50", no thousands separator. */
export function csvAmount(minor: number): string {
  const sign = minor < 0 ? '-' : ''
  const abs = Math.abs(minor)
  return `${sign}${Math.floor(abs / 100)},${String(abs % 100).padStart(2, '0')}`
}

function csvDate(isoDate: string): string {
  return formatDate(isoDate)
}

/**
 * Free text, possibly from Allegro buyers: a leading = + - @ would make Excel run it as a
 * formula, so such text is prefixed with an apostrophe.
 */
export function csvText(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value
}

function quote(cell: string): string {
  return /[;"\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell
}

export function toCsv(rows: string[][]): string {
  return BOM + rows.map((row) => row.map(quote).join(';')).join('\r\n') + '\r\n'
}

// ---------- the three registers ----------

type CsvEntry = EntryWithAmounts
const SUMMARY_LABELS = [
  ['month', 'Podsumowanie miesiąca'],
  ['carried', 'Przeniesienie z poprzedniej strony'],
  ['yearToDate', 'Razem od początku roku']
] as const

/** The KPiR's cost side as the CSV needs it: the month's purchase bookings and its three sums. */
export interface KpirCsvCosts {
  entries: Array<
    Pick<
      Selectable<PurchaseBookings>,
      | 'entry_number'
      | 'event_date'
      | 'ksef_number'
      | 'document_number'
      | 'counterparty_tax_id'
      | 'counterparty_name'
      | 'counterparty_address'
      | 'description'
      | 'kpir_column'
      | 'cost_amount'
      | 'remarks'
    >
  >
  totals: Record<'month' | 'carried' | 'yearToDate', CostTotals>
}

/** Both sides in one Lp. order, columns 1–16 and Uwagi (the 2026 layout without 17–18, as on the page). */
export function kpirCsv(entries: CsvEntry[], totals: PageTotals, costs: KpirCsvCosts): string {
  const header = [
    'Lp.',
    'Data zdarzenia gospodarczego',
    'Numer KSeF',
    'Numer dowodu księgowego',
    'Identyfikator podatkowy kontrahenta',
    'Imię i nazwisko (nazwa) kontrahenta',
    'Adres kontrahenta',
    'Opis zdarzenia gospodarczego',
    'Wartość sprzedanych towarów i usług',
    'Pozostałe przychody',
    'Razem przychód',
    'Zakup towarów handlowych i materiałów',
    'Koszty uboczne zakupu',
    'Wynagrodzenia w gotówce i w naturze',
    'Pozostałe wydatki',
    'Razem wydatki',
    'Uwagi'
  ]
  const revenue = entries.map((e) => ({
    n: e.entry_number,
    row: [
      String(e.entry_number),
      csvDate(e.event_date),
      csvText(e.ksef_number ?? ''),
      csvText(e.document_number),
      csvText(e.counterparty_tax_id),
      csvText(e.counterparty_name),
      csvText(e.counterparty_address),
      csvText(e.description),
      csvAmount(e.revenue_sales),
      csvAmount(e.revenue_other),
      csvAmount(e.revenue_sales + e.revenue_other),
      '',
      '',
      '',
      '',
      '',
      csvText(e.remarks)
    ]
  }))
  const cost = costs.entries.map((e) => ({
    n: e.entry_number ?? 0,
    row: [
      String(e.entry_number),
      csvDate(e.event_date),
      csvText(e.ksef_number ?? ''),
      csvText(e.document_number),
      csvText(e.counterparty_tax_id),
      csvText(e.counterparty_name),
      csvText(e.counterparty_address),
      csvText(e.description),
      '',
      '',
      '',
      ...(['12', '13', '14', '15'] as const).map((c) => (e.kpir_column === c ? csvAmount(e.cost_amount) : '')),
      countsInTotal(e.kpir_column) ? csvAmount(e.cost_amount) : '',
      csvText(e.remarks)
    ]
  }))
  const rows = [...revenue, ...cost].sort((a, b) => a.n - b.n).map((r) => r.row)
  const summary = SUMMARY_LABELS.map(([key, label]) => {
    const t = totals[key]
    const c = costs.totals[key]
    return [
      '',
      '',
      '',
      '',
      '',
      '',
      '',
      label,
      csvAmount(t.revenueSales),
      csvAmount(t.revenueOther),
      csvAmount(t.revenueSales + t.revenueOther),
      csvAmount(c.c12),
      csvAmount(c.c13),
      csvAmount(c.c14),
      csvAmount(c.c15),
      csvAmount(c.total),
      ''
    ]
  })
  return toCsv([header, ...rows, ...summary])
}

export function ryczaltCsv(entries: CsvEntry[], totals: PageTotals): string {
  const rates = RYCZALT_RATES_BP.map(String)
  const header = [
    'Lp.',
    'Data wpisu',
    'Data uzyskania przychodu',
    'Numer dowodu',
    'Numer KSeF',
    ...RYCZALT_RATES_BP.map((bp) => `Przychód ${ryczaltRateLabel(bp)}`),
    'Ogółem przychód',
    'Uwagi'
  ]
  const rows = entries.map((e) => [
    String(e.entry_number),
    csvDate(e.booked_at),
    csvDate(e.event_date),
    csvText(e.document_number),
    csvText(e.ksef_number ?? ''),
    ...rates.map((rate) => csvAmount(e.amounts[rate]?.net ?? 0)),
    csvAmount(e.revenue_sales),
    csvText(e.remarks)
  ])
  const summary = SUMMARY_LABELS.map(([key, label]) => {
    const t = totals[key]
    return [
      '',
      '',
      '',
      label,
      '',
      ...rates.map((rate) => csvAmount(rateAmount(t, rate).net)),
      csvAmount(t.revenueSales),
      ''
    ]
  })
  return toCsv([header, ...rows, ...summary])
}

const VAT_COLUMNS: Array<{ rate: string; label: string; vat: boolean }> = VAT_REGISTER_RATES.map((rate) => ({
  rate,
  label: rate === 'zw' ? 'Sprzedaż zwolniona (zw)' : rate === 'np' ? 'Sprzedaż niepodlegająca (np)' : `Netto ${rate}%`,
  vat: VAT_RATES_WITH_TAX.includes(rate)
}))

export function vatCsv(entries: CsvEntry[], totals: PageTotals): string {
  const header = [
    'Lp.',
    'Data wystawienia',
    'Data sprzedaży',
    'Numer dokumentu',
    'Numer KSeF / oznaczenie',
    'Typ dokumentu',
    'Nabywca',
    'NIP nabywcy',
    ...VAT_COLUMNS.flatMap((c) => (c.vat ? [c.label, `VAT ${c.rate}%`] : [c.label])),
    'Razem netto',
    'Razem VAT',
    'Razem brutto',
    'Uwagi'
  ]
  const amounts = (byRate: (rate: string) => { net: number; vat: number }) =>
    VAT_COLUMNS.flatMap((c) =>
      c.vat ? [csvAmount(byRate(c.rate).net), csvAmount(byRate(c.rate).vat)] : [csvAmount(byRate(c.rate).net)]
    )
  const rows = entries.map((e) => [
    String(e.entry_number),
    csvDate(e.issue_date),
    csvDate(e.sale_date),
    csvText(e.document_number),
    csvText(ksefMarker(e)),
    e.document_mark ?? '',
    csvText(e.counterparty_name),
    csvText(e.counterparty_tax_id || 'BRAK'),
    ...amounts((rate) => e.amounts[rate] ?? { net: 0, vat: 0 }),
    csvAmount(e.revenue_sales),
    csvAmount(e.total_vat),
    csvAmount(e.revenue_sales + e.total_vat),
    csvText(e.remarks)
  ])
  const summary = SUMMARY_LABELS.map(([key, label]) => {
    const t = totals[key]
    return [
      '',
      '',
      '',
      label,
      '',
      '',
      '',
      '',
      ...amounts((rate) => rateAmount(t, rate)),
      csvAmount(t.revenueSales),
      csvAmount(t.totalVat),
      csvAmount(t.revenueSales + t.totalVat),
      'bez wierszy FP'
    ]
  })
  return toCsv([header, ...rows, ...summary])
}
