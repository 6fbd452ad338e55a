// The company's KSeF connection (ksef_connection, one row) and the Ministry's public keys cache
// (ksef_public_keys). Secrets are AES-256-GCM sealed with the app's secrets key; nothing here
// logs them or returns them to a page.
import type { Selectable } from 'kysely'
import type { Queryable } from '../db/database.ts'
import type { KsefConnection } from '../db/schema.gen.ts'
import type { KsefEnvironment } from '../config.ts'
import { decryptSecret, encryptSecret } from '../shared/crypto.ts'
import { normalizeNip } from '../shared/nip.ts'

export type ConnectionRow = Selectable<KsefConnection>

export const ENVIRONMENT_LABELS: Record<KsefEnvironment, string> = {
  produkcja: 'produkcyjne (api.ksef.mf.gov.pl)',
  demo: 'demo (api-demo.ksef.mf.gov.pl)',
  test: 'testowe (api-test.ksef.mf.gov.pl)',
  symulator: 'wbudowany symulator KSeF'
}

export async function connectionOf(db: Queryable): Promise<ConnectionRow | undefined> {
  return await db.selectFrom('ksef_connection').selectAll().where('id', '=', 1).executeTakeFirst()
}

export type Credentials =
  { method: 'token'; token: string } | { method: 'certyfikat'; certificatePem: string; privateKeyPem: string }

/** The decrypted means of authentication, or null when the settings lack them. */
export function credentialsOf(key: Buffer, row: ConnectionRow): Credentials | null {
  if (row.auth_method === 'token')
    return row.token_enc === null ? null : { method: 'token', token: decryptSecret(key, row.token_enc) }
  if (row.certificate_pem === null || row.private_key_enc === null) return null
  return {
    method: 'certyfikat',
    certificatePem: row.certificate_pem,
    privateKeyPem: decryptSecret(key, row.private_key_enc)
  }
}

/** The NIP the session works for: the connection's own when set, otherwise the company's. */
export async function contextNipOf(db: Queryable, row: ConnectionRow): Promise<string> {
  if (row.context_nip !== null && row.context_nip !== '') return normalizeNip(row.context_nip)
  const company = await db.selectFrom('company').select('nip').where('id', '=', 1).executeTakeFirst()
  return normalizeNip(company?.nip ?? '')
}

export interface CachedTokens {
  accessToken: string | null
  accessExpiresAt: string | null
  refreshToken: string | null
  refreshExpiresAt: string | null
}

export function cachedTokensOf(key: Buffer, row: ConnectionRow): CachedTokens {
  const open = (sealed: string | null): string | null => {
    if (sealed === null) return null
    try {
      return decryptSecret(key, sealed)
    } catch {
      return null
    }
  }
  return {
    accessToken: open(row.access_token_enc),
    accessExpiresAt: row.access_token_expires_at,
    refreshToken: open(row.refresh_token_enc),
    refreshExpiresAt: row.refresh_token_expires_at
  }
}

export async function storeTokens(
  db: Queryable,
  key: Buffer,
  tokens: { accessToken: string; accessExpiresAt: string; refreshToken?: string; refreshExpiresAt?: string | null },
  at: string
): Promise<void> {
  await db
    .updateTable('ksef_connection')
    .set({
      access_token_enc: encryptSecret(key, tokens.accessToken),
      access_token_expires_at: tokens.accessExpiresAt,
      ...(tokens.refreshToken !== undefined
        ? {
            refresh_token_enc: encryptSecret(key, tokens.refreshToken),
            refresh_token_expires_at: tokens.refreshExpiresAt ?? null
          }
        : {}),
      updated_at: at
    })
    .where('id', '=', 1)
    .execute()
}

export async function forgetTokens(db: Queryable, at: string): Promise<void> {
  await db
    .updateTable('ksef_connection')
    .set({
      access_token_enc: null,
      access_token_expires_at: null,
      refresh_token_enc: null,
      refresh_token_expires_at: null,
      updated_at: at
    })
    .where('id', '=', 1)
    .execute()
}

export async function recordConnectionSuccess(db: Queryable, at: string): Promise<void> {
  await db
    .updateTable('ksef_connection')
    .set({ last_success_at: at, last_error: null, last_error_at: null, updated_at: at })
    .where('id', '=', 1)
    .execute()
}

export async function recordConnectionError(db: Queryable, message: string, at: string): Promise<void> {
  await db
    .updateTable('ksef_connection')
    .set({ last_error: message.slice(0, 1000), last_error_at: at, updated_at: at })
    .where('id', '=', 1)
    .execute()
}

// The Ministry's public keys ----------------------------------------------------------------------

export type KeyUsage = 'KsefTokenEncryption' | 'SymmetricKeyEncryption'

export interface PublicKey {
  certificateDerBase64: string
  publicKeyId: string | null
  validTo: string
}

/** A cached key valid at `at` for this use (the newest one), or undefined. */
export async function cachedPublicKey(
  db: Queryable,
  environment: string,
  usage: KeyUsage,
  at: string
): Promise<PublicKey | undefined> {
  const row = await db
    .selectFrom('ksef_public_keys')
    .select(['certificate_der_base64', 'public_key_id', 'valid_to'])
    .where('environment', '=', environment)
    .where('usage', '=', usage)
    .where('valid_from', '<=', at)
    .where('valid_to', '>', at)
    .orderBy('valid_from', 'desc')
    .executeTakeFirst()
  return row === undefined
    ? undefined
    : { certificateDerBase64: row.certificate_der_base64, publicKeyId: row.public_key_id, validTo: row.valid_to }
}

/** Drops the environment's cached keys: KSeF said one of them was withdrawn (21470). */
export async function forgetPublicKeys(db: Queryable, environment: string): Promise<void> {
  await db.deleteFrom('ksef_public_keys').where('environment', '=', environment).execute()
}

export async function storePublicKeys(
  db: Queryable,
  environment: string,
  keys: ReadonlyArray<{
    certificate: string
    publicKeyId: string | null
    usage: KeyUsage
    validFrom: string
    validTo: string
  }>,
  at: string
): Promise<void> {
  for (const key of keys) {
    await db
      .insertInto('ksef_public_keys')
      .values({
        environment,
        usage: key.usage,
        certificate_der_base64: key.certificate,
        public_key_id: key.publicKeyId,
        valid_from: key.validFrom,
        valid_to: key.validTo,
        fetched_at: at
      })
      .onConflict((oc) =>
        oc.columns(['environment', 'usage', 'valid_from']).doUpdateSet({
          certificate_der_base64: key.certificate,
          public_key_id: key.publicKeyId,
          valid_to: key.validTo,
          fetched_at: at
        })
      )
      .execute()
  }
}
