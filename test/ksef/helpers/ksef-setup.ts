// A KSeF connection row as the settings page stores it, and sender deps for tests.
import type { Built } from '../../helpers/app.ts'
import { encryptSecret } from '../../../src/shared/crypto.ts'
import { toStoredTimestamp } from '../../../src/shared/dates.ts'
import { KsefRateLimiter, KSEF_LIMITS, type LimitGroup } from '../../../src/ksef/client/rate-limiter.ts'
import type { KsefDeps } from '../../../src/ksef/ksef-sender.ts'

export async function insertConnection(
  built: Built,
  opts: {
    environment?: 'test' | 'symulator' | 'demo' | 'produkcja'
    token?: string
    certificatePem?: string
    privateKeyPem?: string
    contextNip?: string
  }
): Promise<void> {
  const key = built.app.ctx.secretsKey
  const at = toStoredTimestamp(built.clock())
  await built.db
    .insertInto('ksef_connection')
    .values({
      id: 1,
      environment: opts.environment ?? 'test',
      auth_method: opts.token !== undefined ? 'token' : 'certyfikat',
      token_enc: opts.token !== undefined ? encryptSecret(key, opts.token) : null,
      certificate_pem: opts.certificatePem ?? null,
      private_key_enc: opts.privateKeyPem !== undefined ? encryptSecret(key, opts.privateKeyPem) : null,
      context_nip: opts.contextNip ?? null,
      created_at: at,
      updated_at: at
    })
    .execute()
}

/** Limits far above what a test does, so no test waits on the real ones unless it means to. */
export function roomyLimiter(): KsefRateLimiter {
  const limits = Object.fromEntries(
    Object.keys(KSEF_LIMITS).map((g) => [g, [10_000, 100_000, 1_000_000]])
  ) as unknown as Record<LimitGroup, [number, number, number]>
  return new KsefRateLimiter(limits)
}

export function senderDeps(built: Built, overrides: Partial<KsefDeps> = {}): KsefDeps {
  return {
    db: built.db,
    config: built.app.ctx.config.ksef,
    secretsKey: built.app.ctx.secretsKey,
    now: built.clock,
    fetch: globalThis.fetch,
    simulatorUrl: () => 'http://127.0.0.1:9/symulator-ksef/v2',
    sleep: async () => {},
    limiter: roomyLimiter(),
    ...overrides
  }
}
