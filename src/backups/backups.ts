// Backups: the rules that need no disk or database (names, when one is due, what retention
// removes), so they can be tested by themselves.
import { dirname, join, resolve } from 'node:path'
import type { DateTime } from 'luxon'

export type BackupOrigin = 'schedule' | 'manual' | 'script'
export type BackupStatus = 'running' | 'ok' | 'failed'

export const BACKUP_ORIGIN_LABELS: Record<BackupOrigin, string> = {
  schedule: 'automatyczna',
  manual: 'na żądanie',
  script: 'npm run backup'
}

/** The folder of the copies: BACKUP_DIR, or "backups" beside the database file. */
export function backupDir(configured: string, databaseFile: string): string {
  return resolve(configured !== '' ? configured : join(dirname(databaseFile), 'backups'))
}

/** biurko-20261208-031500-17.sqlite: sorts by time; the run's id keeps two copies in one second apart. */
export function backupFileName(at: DateTime, runId: number): string {
  return `biurko-${at.toFormat('yyyyLLdd-HHmmss')}-${runId}.sqlite`
}

/**
 * A scheduled copy is due when no copy succeeded within the interval. After a failed attempt the
 * next one waits an hour (or the interval, if shorter), so a broken disk is retried the same day
 * without a copy attempt every few minutes.
 */
export function isBackupDue(opts: {
  lastOkAt: number | null
  lastAttemptAt: number | null
  now: number
  intervalMs: number
}): boolean {
  if (opts.intervalMs <= 0) return false
  if (opts.lastOkAt !== null && opts.now - opts.lastOkAt < opts.intervalMs) return false
  const retryMs = Math.min(opts.intervalMs, 3_600_000)
  return opts.lastAttemptAt === null || opts.now - opts.lastAttemptAt >= retryMs
}

export interface RetainedCopy {
  id: number
  status: BackupStatus
  fileDeleted: boolean
}

/**
 * The checked copies retention deletes: every good copy but the newest `keep` (at least one, so
 * the last good copy is never deleted). Copies still running are not touched; failed copies are
 * not backups and their files are removed when their check fails.
 */
export function copiesToDelete(copies: RetainedCopy[], keep: number): number[] {
  const good = copies.filter((copy) => copy.status === 'ok' && !copy.fileDeleted).sort((a, b) => b.id - a.id)
  return good.slice(Math.max(1, keep)).map((copy) => copy.id)
}

/** 1 234 567 bytes → "1,2 MB" (the page shows the size of each copy). */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  const units = ['kB', 'MB', 'GB', 'TB']
  let value = bytes / 1024
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${value.toFixed(1).replace('.', ',')} ${units[unit]}`
}
