import { DateTime, Settings } from 'luxon'

Settings.defaultZone = 'Europe/Warsaw'
Settings.defaultLocale = 'pl'
Settings.throwOnInvalid = true

declare module 'luxon' {
  interface TSSettings {
    throwOnInvalid: true
  }
}

export const ZONE = 'Europe/Warsaw'

/** The one source of "now" in the app; tests pass a fixed clock to buildApp. */
export type Clock = () => DateTime

export const systemClock: Clock = () => DateTime.now().setZone(ZONE)

export function fixedClock(iso: string): Clock & { set: (iso: string) => void; advance: (ms: number) => void } {
  let current = DateTime.fromISO(iso, { zone: ZONE })
  const clock = (() => current) as Clock & { set: (iso: string) => void; advance: (ms: number) => void }
  clock.set = (next) => {
    current = DateTime.fromISO(next, { zone: ZONE })
  }
  clock.advance = (ms) => {
    current = current.plus({ milliseconds: ms })
  }
  return clock
}

/** Timestamps are stored as ISO UTC text with milliseconds. */
export function toStoredTimestamp(time: DateTime): string {
  return time.toUTC().toISO()
}

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return ''
  return DateTime.fromISO(iso, { zone: ZONE }).setZone(ZONE).toFormat('dd.MM.yyyy HH:mm')
}

export function formatDateTimeSeconds(iso: string | null | undefined): string {
  if (!iso) return ''
  return DateTime.fromISO(iso, { zone: ZONE }).setZone(ZONE).toFormat('dd.MM.yyyy HH:mm:ss')
}

export function formatDate(isoDate: string | null | undefined): string {
  if (!isoDate) return ''
  return DateTime.fromISO(isoDate, { zone: ZONE }).toFormat('dd.MM.yyyy')
}

// Luxon's zone arithmetic (Intl) is most of a check's cost, and the KSeF sender checks the date
// in every KSeF number it reads (thousands a run); the answer for a day never changes.
const isoDateVerdicts = new Map<string, boolean>()

export function isIsoDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false
  let verdict = isoDateVerdicts.get(text)
  if (verdict === undefined) {
    try {
      DateTime.fromISO(text, { zone: ZONE })
      verdict = true
    } catch {
      verdict = false
    }
    // bounded: form input reaches this too, and a stranger could send any number of dates
    if (isoDateVerdicts.size >= 10_000) isoDateVerdicts.clear()
    isoDateVerdicts.set(text, verdict)
  }
  return verdict
}
