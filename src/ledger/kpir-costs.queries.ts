// The cost side of the KPiR (columns 12–16): purchase bookings (src/purchases) write these rows,
// the ledger reads them beside the revenue.
import type { Selectable } from 'kysely'
import type { Queryable } from '../db/database.ts'
import type { PurchaseBookings } from '../db/schema.gen.ts'

/** The KPiR cost entries of a month, Lp. order. */
export async function kpirCostEntries(db: Queryable, month: string): Promise<Array<Selectable<PurchaseBookings>>> {
  return await db
    .selectFrom('purchase_bookings')
    .selectAll()
    .where('entry_number', 'is not', null)
    .where('month', '=', month)
    .orderBy('entry_number')
    .execute()
}

/**
 * KPiR col. 16 (razem wydatki) is col. 14 + col. 15 only, as col. 14 (12 + 13) was in the 2019
 * layout: purchases of goods and their incidental costs (cols. 12–13) reach the income through
 * the stock counts (remanent), not through this sum.
 */
export function countsInTotal(column: string | null): boolean {
  return column === '14' || column === '15'
}

export interface CostTotals {
  c12: number
  c13: number
  c14: number
  c15: number
  total: number
}

export function emptyCostTotals(): CostTotals {
  return { c12: 0, c13: 0, c14: 0, c15: 0, total: 0 }
}

/** Sums of KPiR columns 12–15 and 16 over the months from..to. */
export async function kpirCostTotals(db: Queryable, from: string, to: string): Promise<CostTotals> {
  const totals = emptyCostTotals()
  if (from > to) return totals
  const rows = await db
    .selectFrom('purchase_bookings')
    .select((eb) => ['kpir_column', eb.fn.sum<number>('cost_amount').as('amount')])
    .where('entry_number', 'is not', null)
    .where('month', '>=', from)
    .where('month', '<=', to)
    .groupBy('kpir_column')
    .execute()
  for (const r of rows) {
    const amount = Number(r.amount)
    totals[`c${r.kpir_column}` as 'c12' | 'c13' | 'c14' | 'c15'] += amount
    if (countsInTotal(r.kpir_column)) totals.total += amount
  }
  return totals
}

/**
 * Income (dochód) as the KPiR gives it before the stock counts: revenue (col. 11) less the costs
 * — the purchases of goods and their incidental costs (cols. 12–13) and the other expenses
 * (col. 16). Art. 24 ust. 2 ustawy o PIT corrects it by the difference between the stock counts
 * (spis z natury) at the start and the end of the year, which Biurko does not keep yet.
 */
export function kpirIncome(revenue: number, costs: CostTotals): { revenue: number; costs: number; income: number } {
  const spent = costs.c12 + costs.c13 + costs.total
  return { revenue, costs: spent, income: revenue - spent }
}
