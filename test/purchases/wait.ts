// Pobierz z KSeF queues the download on the background worker: tests wait for that run to end
// (the sync row's last run moves), not start another one.
import type { Database } from '../../src/db/database.ts'

export async function downloadFinished(
  db: Database,
  since: string | null = null,
  timeoutMs = 120_000
): Promise<{ last_result: string | null; last_error: string | null }> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const row = await db
      .selectFrom('purchase_sync')
      .select(['last_run_at', 'last_result', 'last_error', 'claimed_until'])
      .executeTakeFirst()
    if (row !== undefined && row.last_run_at !== null && row.last_run_at !== since && row.claimed_until === null)
      return row
    if (Date.now() > deadline) throw new Error('the background download did not finish')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
