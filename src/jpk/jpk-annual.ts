// JPK_PKPIR(3) and JPK_EWP(4) rows from the book's entries. Pure.
import type { EwpRow, PkpirRow } from './jpk-xml.ts'
import type { RowProblem } from './jpk-v7.ts'

export interface BookEntryInput {
  entryNumber: number
  /** the day the entry was made (data wpisu), Polish time */
  entryDate: string
  eventDate: string
  documentNumber: string
  ksefNumber: string | null
  counterpartyTaxId: string
  counterpartyCountryCode: string
  counterpartyName: string
  counterpartyAddress: string
  description: string
  revenueSales: number
  revenueOther: number
  remarks: string
  /** KPiR cost entry (a purchase invoice): its 2026-layout column ('12'…'15') and amount */
  cost?: { column: string; amount: number }
  /** ryczałt: basis points → revenue */
  amounts: Record<string, number>
}

// the schema requires name and address (K_5A, K_5B) even where the regulation leaves them
// empty (receipts, internal documents: KPiR 2026 cols. 6–7); BRAK as JPK_V7 does for a buyer
const NONE = 'BRAK'

function taxId(entry: BookEntryInput): { countryCode: string | null; taxId: string | null } {
  const id = entry.counterpartyTaxId.replace(/[\s-]/g, '').toUpperCase()
  if (id === '') return { countryCode: null, taxId: null }
  const country = /^[A-Z]{2}$/.test(entry.counterpartyCountryCode) ? entry.counterpartyCountryCode : null
  const bare = country && id.startsWith(country) && id.length > 2 ? id.slice(2) : id
  return { countryCode: country, taxId: bare }
}

/** KPiR 2026 cost column → JPK_PKPIR(3) field. */
const COST_FIELDS: Record<string, string> = { 12: 'K_10', 13: 'K_11', 14: 'K_12', 15: 'K_13' }

export function pkpirRows(entries: BookEntryInput[]): PkpirRow[] {
  return entries.map((e) => {
    const columns: Record<string, number> = {}
    if (e.cost !== undefined) {
      // the book's col. 12–15 are the file's K_10–K_13; K_14 = K_12 + K_13 (razem wydatki)
      const field = COST_FIELDS[e.cost.column]
      if (field !== undefined) columns[field] = e.cost.amount
      if (field === 'K_12' || field === 'K_13') columns.K_14 = e.cost.amount
    } else {
      columns.K_7 = e.revenueSales
      if (e.revenueOther !== 0) columns.K_8 = e.revenueOther
      columns.K_9 = e.revenueSales + e.revenueOther
    }
    return {
      lp: e.entryNumber,
      eventDate: e.eventDate,
      documentNumber: e.documentNumber,
      ksefNumber: e.ksefNumber,
      ...taxId(e),
      name: e.counterpartyName.trim() === '' ? NONE : e.counterpartyName,
      address: e.counterpartyAddress.trim() === '' ? NONE : e.counterpartyAddress,
      description: e.description,
      columns,
      remarks: e.remarks
    }
  })
}

export interface PkpirTotals {
  revenue: number
  /** K_10 + K_11 + K_14: purchases and expenses (purchase invoices booked into the KPiR) */
  expenses: number
  /** P_3: opening stock + purchases and expenses − closing stock (objaśnienia do KPiR) */
  costs: number
  /** P_4: revenue − costs */
  income: number
}

export function pkpirTotals(rows: PkpirRow[], stockStart: number, stockEnd: number): PkpirTotals {
  const revenue = rows.reduce((acc, r) => acc + (r.columns.K_9 ?? 0), 0)
  const expenses = rows.reduce(
    (acc, r) => acc + (r.columns.K_10 ?? 0) + (r.columns.K_11 ?? 0) + (r.columns.K_14 ?? 0),
    0
  )
  const costs = stockStart + expenses - stockEnd
  return { revenue, expenses, costs, income: revenue - costs }
}

/** Ryczałt rates JPK_EWP(4) knows (TStawkaPodatku), by basis points. */
const EWP_RATES: Record<number, string> = {
  1700: '17',
  1500: '15',
  1400: '14',
  1250: '12.5',
  1200: '12',
  1000: '10',
  850: '8.5',
  550: '5.5',
  300: '3'
}

/**
 * One EWP row per entry and ryczałt rate (the structure has one amount and one rate per row);
 * an entry split over two rates gives two rows with the entry's Lp.
 */
export function ewpRows(entries: BookEntryInput[]): {
  rows: EwpRow[]
  problems: Array<RowProblem & { documentNumber: string }>
} {
  const rows: EwpRow[] = []
  const problems: Array<RowProblem & { documentNumber: string }> = []
  for (const e of entries) {
    const parts = Object.entries(e.amounts)
    if (parts.length === 0) parts.push(['', e.revenueSales])
    for (const [bp, amount] of parts) {
      const rate = EWP_RATES[Number(bp)]
      if (rate === undefined) {
        problems.push({
          level: 'error',
          documentNumber: e.documentNumber,
          message: `Stawki ryczałtu ${bp === '' ? '(brak)' : `${Number(bp) / 100} %`} nie ma w strukturze JPK_EWP(4).`
        })
        continue
      }
      rows.push({
        lp: e.entryNumber,
        entryDate: e.entryDate,
        revenueDate: e.eventDate,
        documentNumber: e.documentNumber,
        ksefNumber: e.ksefNumber,
        ...taxId(e),
        amount,
        rate,
        remarks: e.remarks
      })
    }
  }
  return { rows, problems }
}

// ---------- the year at a glance (the annual page) ----------

export interface MonthSummary {
  month: string
  rows: number
  /** grosze: K_9 of the KPiR rows, K_8 of the EWP rows */
  revenue: number
}

/** Rows and revenue by month of the event (KPiR col. 2) or of the revenue (EWP K_3). */
export function monthlySummary(items: Array<{ date: string; revenue: number }>, year: number): MonthSummary[] {
  const months = Array.from({ length: 12 }, (_, i) => ({
    month: `${year}-${String(i + 1).padStart(2, '0')}`,
    rows: 0,
    revenue: 0
  }))
  for (const item of items) {
    const m = months.find((x) => x.month === item.date.slice(0, 7))
    if (!m) continue
    m.rows += 1
    m.revenue += item.revenue
  }
  return months
}

/** EWP revenue by ryczałt rate, in the order of the rates' values. */
export function ewpRateTotals(rows: EwpRow[]): Array<{ rate: string; revenue: number }> {
  const byRate = new Map<string, number>()
  for (const row of rows) byRate.set(row.rate, (byRate.get(row.rate) ?? 0) + row.amount)
  return [...byRate].map(([rate, revenue]) => ({ rate, revenue })).sort((a, b) => Number(b.rate) - Number(a.rate))
}
