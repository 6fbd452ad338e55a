// The daily backup: every BACKUP_CHECK_MS the worker looks whether a copy is due (none succeeded
// within BACKUP_INTERVAL_HOURS), so a server restarted every night still gets its copy. The
// button on the page goes through the same worker, so a copy by hand and a scheduled one never
// run at once.
import type { FastifyInstance } from 'fastify'
import { DateTime } from 'luxon'
import { startIntervalWorker, type IntervalWorker } from '../shared/interval-worker.ts'
import { backupDir, isBackupDue, type BackupOrigin } from './backups.ts'
import { runBackup, type CopyOptions } from './backup-run.ts'
import { databaseFileOf, lastAttempts, type BackupRunRow } from './backups.queries.ts'

const BACKUP_CHECK_MS = 15 * 60_000

export interface BackupService {
  /** a copy now (the page's button); waits for a scheduled one already running and returns that */
  runNow: () => Promise<BackupRunRow>
  /** one scheduled check: a copy when due, else null */
  tick: () => Promise<BackupRunRow | null>
  stop: () => Promise<void>
  /** the folder of the copies, '' for an in-memory database */
  dir: () => Promise<string>
}

export function startBackupWorker(
  app: FastifyInstance,
  opts: CopyOptions & { checkMs?: number; afterCopy?: (file: string) => void } = {}
): BackupService {
  const { config } = app.ctx
  const dir = async (): Promise<string> => {
    const file = await databaseFileOf(app.db)
    return file === '' ? '' : backupDir(config.backup.dir, file)
  }
  // one copy at a time, whichever asked: the schedule and the button queue behind each other
  let queue: Promise<unknown> = Promise.resolve()
  const exclusive = async <T>(work: () => Promise<T>): Promise<T> => {
    const result = queue.then(work)
    queue = result.catch(() => undefined)
    return await result
  }
  const backup = async (origin: BackupOrigin): Promise<BackupRunRow> => {
    const row = await runBackup({
      db: app.db,
      now: app.ctx.now,
      dir: await dir(),
      keep: config.backup.keep,
      origin,
      pagesPerStep: opts.pagesPerStep,
      afterCopy: opts.afterCopy
    })
    if (row.status === 'ok') app.log.info({ file: row.file, bytes: row.size_bytes }, 'backup done and verified')
    else app.log.error({ file: row.file, error: row.error }, 'backup failed')
    return row
  }
  const scheduled = async (): Promise<BackupRunRow | null> => {
    if ((await databaseFileOf(app.db)) === '') return null
    const last = await lastAttempts(app.db)
    const millis = (iso: string | null): number | null => (iso === null ? null : DateTime.fromISO(iso).toMillis())
    if (
      !isBackupDue({
        lastOkAt: millis(last.lastOkAt),
        lastAttemptAt: millis(last.lastAttemptAt),
        now: app.ctx.now().toMillis(),
        intervalMs: config.backup.intervalHours * 3_600_000
      })
    )
      return null
    return await backup('schedule')
  }
  const worker: IntervalWorker<BackupRunRow | null> = startIntervalWorker({
    intervalMs: opts.checkMs ?? BACKUP_CHECK_MS,
    run: async () => await exclusive(scheduled),
    idle: null,
    onError: (error) => {
      app.log.error({ err: error }, 'backup run failed')
    }
  })
  return {
    tick: worker.tick,
    dir,
    stop: async () => {
      await worker.stop()
      await queue
    },
    runNow: async () => await exclusive(async () => await backup('manual'))
  }
}
