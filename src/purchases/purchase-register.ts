// Sums of the VAT purchase register page: per rate (net, VAT, VAT deducted) and per JPK_V7 kind
// (fixed assets K_40/K_41, other purchases K_42/K_43). Pure.
import type { BookingWithAmounts } from './booking.queries.ts'

export interface PurchaseRegisterTotals {
  byRate: Array<{ rate: string; net: number; vat: number; deductible: number }>
  fixedAssets: { net: number; vat: number }
  other: { net: number; vat: number }
  net: number
  vat: number
  deductible: number
}

/** Rates in the order of the FA(3) fields (P_13_1…): 23, 8, 5, 4, then the rest as they come. */
const RATE_ORDER = ['23', '22', '8', '7', '5', '4', '3']

export function registerTotals(entries: BookingWithAmounts[]): PurchaseRegisterTotals {
  const byRate = new Map<string, { rate: string; net: number; vat: number; deductible: number }>()
  const totals: PurchaseRegisterTotals = {
    byRate: [],
    fixedAssets: { net: 0, vat: 0 },
    other: { net: 0, vat: 0 },
    net: 0,
    vat: 0,
    deductible: 0
  }
  for (const e of entries) {
    for (const [rate, a] of Object.entries(e.amounts)) {
      const t = byRate.get(rate) ?? { rate, net: 0, vat: 0, deductible: 0 }
      t.net += a.net
      t.vat += a.vat
      t.deductible += a.deductible
      byRate.set(rate, t)
    }
    const kind = e.vat_kind === 'srodki_trwale' ? totals.fixedAssets : totals.other
    kind.net += e.total_net
    kind.vat += e.deductible_vat
    totals.net += e.total_net
    totals.vat += e.total_vat
    totals.deductible += e.deductible_vat
  }
  const rank = (rate: string) => (RATE_ORDER.includes(rate) ? RATE_ORDER.indexOf(rate) : RATE_ORDER.length)
  totals.byRate = [...byRate.values()].sort((a, b) => rank(a.rate) - rank(b.rate))
  return totals
}
