import fp from 'fastify-plugin'
import { sql } from 'kysely'
import type { Database } from '../db/database.ts'

declare module 'fastify' {
  interface FastifyInstance {
    db: Database
  }
}

export default fp<{ db: Database; closeOnShutdown: boolean }>(
  async (app, opts) => {
    app.decorate('db', opts.db)
    if (opts.closeOnShutdown)
      app.addHook('onClose', async () => {
        await opts.db.destroy()
      })
  },
  { name: 'database' }
)

export async function isDatabaseReachable(db: Database): Promise<boolean> {
  try {
    await sql`select 1`.execute(db)
    return true
  } catch {
    return false
  }
}
