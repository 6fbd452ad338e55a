import { existsSync } from 'node:fs'
import { basename } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { requireAdministration } from '../plugins/auth.ts'
import { BACKUP_ORIGIN_LABELS, formatSize } from './backups.ts'
import { BackupUnavailableError } from './backup-run.ts'
import { lastGoodRun, recentRuns, type BackupRunRow } from './backups.queries.ts'

const PAGE = '/ustawienia/kopie-zapasowe'

function view(row: BackupRunRow) {
  return {
    id: row.id,
    startedAt: row.started_at,
    origin: BACKUP_ORIGIN_LABELS[row.origin],
    fileName: basename(row.file),
    size: row.size_bytes === null ? '' : formatSize(row.size_bytes),
    status: row.status,
    error: row.error ?? '',
    fileDeleted: row.file_deleted_at !== null
  }
}

// Company-wide like the other settings: the owner, or a user with "Administracja".
export default async function backupsRoutes(app: FastifyInstance): Promise<void> {
  app.addHook('preHandler', requireAdministration)

  app.get(PAGE, async (_request, reply) => {
    const good = await lastGoodRun(app.db)
    const { backup } = app.ctx.config
    return reply.viewAsync('settings/backups', {
      title: 'Ustawienia » Kopie zapasowe',
      dir: (await app.backups?.dir()) ?? '',
      intervalHours: backup.intervalHours,
      keep: backup.keep,
      // a checked copy whose file someone removed by hand is no backup any more
      lastGood: good === undefined ? null : { ...view(good), missing: !existsSync(good.file) },
      runs: (await recentRuns(app.db)).map(view)
    })
  })

  app.post(PAGE, async (_request, reply) => {
    if (app.backups === null) throw new Error('backup service not started')
    try {
      const run = await app.backups.runNow()
      if (run.status === 'ok')
        reply.flash(
          'success',
          `Kopia zapasowa wykonana i sprawdzona: ${basename(run.file)} (${formatSize(run.size_bytes ?? 0)}).`
        )
      else reply.flash('error', `Kopia zapasowa nie powiodła się: ${run.error ?? ''}`)
    } catch (error) {
      if (!(error instanceof BackupUnavailableError)) throw error
      reply.flash('error', error.message)
    }
    return reply.redirect(PAGE, 303)
  })
}
