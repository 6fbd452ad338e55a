// The subjective VAT exemption's limit (art. 113 ust. 1 ustawy o VAT): 240 000 zł of sales in the
// tax year from 2026 (200 000 zł before). The exemption ends with the sale that crosses it
// (art. 113 ust. 5), so that sale is already taxed: Biurko warns from 80 % and refuses an exempt
// document that would cross the limit. Pure.
import { DateTime } from 'luxon'
import { formatMoney } from '../shared/money.ts'

const EXEMPTION_LIMIT_GROSZE = 24_000_000
const EXEMPTION_WARNING_PERCENT = 80

export interface ExemptionLimitState {
  year: string
  salesGrosze: number
  limitGrosze: number
  /** whole per cent of the limit used, rounded down (so 79,99 % is not yet a warning) */
  percent: number
  level: 'ok' | 'warning' | 'reached'
  /** a business started during the year (art. 113 ust. 9): its days of activity of the year's days */
  proportional: { since: string; days: number; daysInYear: number } | null
}

/**
 * The limit of the year: 240 000 zł, or for a business that started during that year the part
 * of it for its days of activity (art. 113 ust. 9 – "w proporcji do okresu prowadzonej
 * sprzedaży"), the first day counted, rounded down to the grosz so that a sale within it is
 * within the law's amount. From 1 July 2026: 184 of 365 days → 24 000 000 × 184 / 365 =
 * 12 098 630,13… → 120 986,30 zł.
 */
export function exemptionLimitFor(
  year: string,
  activityStart: string | null
): { limitGrosze: number; proportional: ExemptionLimitState['proportional'] } {
  if (activityStart === null || !activityStart.startsWith(`${year}-`))
    return { limitGrosze: EXEMPTION_LIMIT_GROSZE, proportional: null }
  const start = DateTime.fromISO(activityStart, { zone: 'utc' })
  const yearEnd = DateTime.fromISO(`${year}-12-31`, { zone: 'utc' })
  if (!start.isValid) return { limitGrosze: EXEMPTION_LIMIT_GROSZE, proportional: null }
  const days = Math.round(yearEnd.diff(start, 'days').days) + 1
  const daysInYear = start.daysInYear
  return {
    limitGrosze: Math.floor((EXEMPTION_LIMIT_GROSZE * days) / daysInYear),
    proportional: { since: activityStart, days, daysInYear }
  }
}

export function exemptionLimitState(
  year: string,
  salesGrosze: number,
  activityStart: string | null = null
): ExemptionLimitState {
  const { limitGrosze, proportional } = exemptionLimitFor(year, activityStart)
  const percent = limitGrosze === 0 ? 100 : Math.floor((Math.max(0, salesGrosze) * 100) / limitGrosze)
  const level = salesGrosze >= limitGrosze ? 'reached' : percent >= EXEMPTION_WARNING_PERCENT ? 'warning' : 'ok'
  return { year, salesGrosze, limitGrosze, percent, level, proportional }
}

/** Why an exempt document of this value may not be issued, or null when it stays within the limit. */
export function exemptionLimitBlocker(state: ExemptionLimitState, documentGrosze: number): string | null {
  if (documentGrosze <= 0 || state.salesGrosze + documentGrosze <= state.limitGrosze) return null
  const share =
    state.proportional === null
      ? ''
      : ` (proporcjonalnie do ${state.proportional.days} z ${state.proportional.daysInYear} dni działalności od ${state.proportional.since}, art. 113 ust. 9)`
  return (
    `ta sprzedaż przekroczyłaby limit zwolnienia z VAT ${formatMoney(state.limitGrosze, 'PLN')}${share} w ${state.year} r. ` +
    `(sprzedaż w roku: ${formatMoney(state.salesGrosze, 'PLN')}, ten dokument: ${formatMoney(documentGrosze, 'PLN')}); ` +
    'zwolnienie traci moc już od tej sprzedaży (art. 113 ust. 5 ustawy o VAT) – zarejestruj firmę jako czynnego podatnika VAT, ' +
    'zmień status VAT w USTAWIENIA » Firma i wystaw fakturę z VAT'
  )
}
