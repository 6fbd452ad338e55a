// "12 nowych, 3 zaktualizowane": the result of an import as the list page and flash show it.
import type { ImportCounts } from './import.ts'

/** Polish plural: 1 → one, 2–4 (but not 12–14) → few, otherwise many. */
export function plural(n: number, one: string, few: string, many: string): string {
  if (n === 1) return one
  const lastDigit = n % 10
  const lastTwo = n % 100
  if (lastDigit >= 2 && lastDigit <= 4 && (lastTwo < 12 || lastTwo > 14)) return few
  return many
}

export function summariseImport(counts: ImportCounts): string {
  const parts = [
    `${counts.new} ${plural(counts.new, 'nowa', 'nowe', 'nowych')}`,
    `${counts.updated} ${plural(counts.updated, 'zaktualizowana', 'zaktualizowane', 'zaktualizowanych')}`
  ]
  if (counts.deleted > 0)
    parts.push(
      `${counts.deleted} ${plural(counts.deleted, 'pominięta', 'pominięte', 'pominiętych')} (usunięte wcześniej)`
    )
  if (counts.invalid > 0)
    parts.push(`${counts.invalid} ${plural(counts.invalid, 'odrzucona', 'odrzucone', 'odrzuconych')} (błędne dane)`)
  const events = counts.skippedEvents ?? 0
  if (events > 0)
    parts.push(
      `${events} ${plural(events, 'zdarzenie pominięte', 'zdarzenia pominięte', 'zdarzeń pominiętych')} (niepełne dane)`
    )
  return parts.join(', ')
}
