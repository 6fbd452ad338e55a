// The subjective VAT exemption's limit (art. 113 ust. 1 ustawy o VAT): 240 000 zł of sales in the
// tax year from 2026 (200 000 zł before). The exemption ends with the sale that crosses it
// (art. 113 ust. 5), so that sale is already taxed: Biurko warns from 80 % and refuses an exempt
// document that would cross the limit. Pure.
import { formatMoney } from '../shared/money.ts'

export const EXEMPTION_LIMIT_GROSZE = 24_000_000
export const EXEMPTION_WARNING_PERCENT = 80

export interface ExemptionLimitState {
  year: string
  salesGrosze: number
  limitGrosze: number
  /** whole per cent of the limit used, rounded down (so 79,99 % is not yet a warning) */
  percent: number
  level: 'ok' | 'warning' | 'reached'
}

export function exemptionLimitState (year: string, salesGrosze: number): ExemptionLimitState {
  const percent = Math.floor(Math.max(0, salesGrosze) * 100 / EXEMPTION_LIMIT_GROSZE)
  const level = salesGrosze >= EXEMPTION_LIMIT_GROSZE ? 'reached' : percent >= EXEMPTION_WARNING_PERCENT ? 'warning' : 'ok'
  return { year, salesGrosze, limitGrosze: EXEMPTION_LIMIT_GROSZE, percent, level }
}

/** Why an exempt document of this value may not be issued, or null when it stays within the limit. */
export function exemptionLimitBlocker (state: ExemptionLimitState, documentGrosze: number): string | null {
  if (documentGrosze <= 0 || state.salesGrosze + documentGrosze <= state.limitGrosze) return null
  return `ta sprzedaż przekroczyłaby limit zwolnienia z VAT ${formatMoney(state.limitGrosze, 'PLN')} w ${state.year} r. ` +
    `(sprzedaż w roku: ${formatMoney(state.salesGrosze, 'PLN')}, ten dokument: ${formatMoney(documentGrosze, 'PLN')}); ` +
    'zwolnienie traci moc już od tej sprzedaży (art. 113 ust. 5 ustawy o VAT) – zarejestruj firmę jako czynnego podatnika VAT, ' +
    'zmień status VAT w USTAWIENIA » Firma i wystaw fakturę z VAT'
}
