import { sql, type Insertable, type Selectable } from 'kysely'
import type { Queryable } from '../db/database.ts'
import type { AllegroApps, AllegroDeviceAuthorizations, AllegroShops } from '../db/schema.gen.ts'

export type ShopRow = Selectable<AllegroShops>
export type AllegroAppRow = Selectable<AllegroApps>
export type DeviceAuthorizationRow = Selectable<AllegroDeviceAuthorizations>

export const ENVIRONMENTS = ['production', 'sandbox', 'simulator'] as const
export type AllegroEnvironment = (typeof ENVIRONMENTS)[number]
export type AppEnvironment = Exclude<AllegroEnvironment, 'simulator'>

/** Shops that were not removed, oldest first. */
export async function listShops(db: Queryable): Promise<ShopRow[]> {
  return await db.selectFrom('allegro_shops').selectAll().where('removed_at', 'is', null).orderBy('id').execute()
}

/** A shop that was not removed; throws NoResultError (→ 404) otherwise. */
export async function getShop(db: Queryable, id: number): Promise<ShopRow> {
  return await db
    .selectFrom('allegro_shops')
    .selectAll()
    .where('id', '=', id)
    .where('removed_at', 'is', null)
    .executeTakeFirstOrThrow()
}

export async function findShop(db: Queryable, id: number): Promise<ShopRow | undefined> {
  return await db
    .selectFrom('allegro_shops')
    .selectAll()
    .where('id', '=', id)
    .where('removed_at', 'is', null)
    .executeTakeFirst()
}

export async function shopNameTaken(db: Queryable, name: string, exceptId: number | null): Promise<boolean> {
  let query = db
    .selectFrom('allegro_shops')
    .select('id')
    .where('removed_at', 'is', null)
    .where(sql<boolean>`lower(name) = lower(${name})`)
  if (exceptId !== null) query = query.where('id', '!=', exceptId)
  return (await query.executeTakeFirst()) !== undefined
}

export async function insertShop(db: Queryable, values: Insertable<AllegroShops>): Promise<number> {
  const row = await db.insertInto('allegro_shops').values(values).returning('id').executeTakeFirstOrThrow()
  return row.id
}

export async function updateShop(
  db: Queryable,
  id: number,
  changes: Partial<Omit<ShopRow, 'id' | 'created_at'>>
): Promise<void> {
  await db.updateTable('allegro_shops').set(changes).where('id', '=', id).execute()
}

// --- tokens -------------------------------------------------------------------------------

export interface EncryptedTokens {
  access_token_enc: string
  refresh_token_enc: string
  access_token_expires_at: string
}

/** One UPDATE, so the rotated refresh token and its access token never part ways. */
export async function saveShopTokens(
  db: Queryable,
  shopId: number,
  tokens: EncryptedTokens,
  now: string
): Promise<void> {
  await db
    .updateTable('allegro_shops')
    .set({
      ...tokens,
      connection_status: 'connected',
      updated_at: now
    })
    .where('id', '=', shopId)
    .where('removed_at', 'is', null)
    .execute()
}

export async function markShopReconnectRequired(
  db: Queryable,
  shopId: number,
  message: string,
  now: string
): Promise<void> {
  await db
    .updateTable('allegro_shops')
    .set({
      connection_status: 'reconnect_required',
      access_token_enc: null,
      refresh_token_enc: null,
      access_token_expires_at: null,
      last_error: message,
      last_error_at: now,
      updated_at: now
    })
    .where('id', '=', shopId)
    .execute()
}

export async function recordShopSuccess(db: Queryable, shopId: number, now: string): Promise<void> {
  await db
    .updateTable('allegro_shops')
    .set({ last_success_at: now, last_error: null, last_error_at: null })
    .where('id', '=', shopId)
    .execute()
}

export async function recordShopError(db: Queryable, shopId: number, message: string, now: string): Promise<void> {
  await db
    .updateTable('allegro_shops')
    .set({ last_error: message, last_error_at: now })
    .where('id', '=', shopId)
    .execute()
}

// --- Allegro apps (client credentials) -------------------------------------------------------

export async function findAllegroApp(db: Queryable, environment: AppEnvironment): Promise<AllegroAppRow | undefined> {
  return await db.selectFrom('allegro_apps').selectAll().where('environment', '=', environment).executeTakeFirst()
}

export async function upsertAllegroApp(
  db: Queryable,
  values: { environment: AppEnvironment; client_id: string; client_secret_enc: string | null; app_name: string },
  now: string
): Promise<void> {
  const existing = await findAllegroApp(db, values.environment)
  if (existing) {
    await db
      .updateTable('allegro_apps')
      .set({
        client_id: values.client_id,
        app_name: values.app_name,
        ...(values.client_secret_enc !== null ? { client_secret_enc: values.client_secret_enc } : {}),
        updated_at: now
      })
      .where('id', '=', existing.id)
      .execute()
    return
  }
  if (values.client_secret_enc === null) throw new Error('a new Allegro app needs its client secret')
  await db
    .insertInto('allegro_apps')
    .values({ ...values, client_secret_enc: values.client_secret_enc, created_at: now, updated_at: now })
    .execute()
}

export async function deleteAllegroApp(db: Queryable, environment: AppEnvironment): Promise<void> {
  await db.deleteFrom('allegro_apps').where('environment', '=', environment).execute()
}

// --- device flow ---------------------------------------------------------------------------

export async function findDeviceAuthorization(
  db: Queryable,
  shopId: number
): Promise<DeviceAuthorizationRow | undefined> {
  return await db
    .selectFrom('allegro_device_authorizations')
    .selectAll()
    .where('shop_id', '=', shopId)
    .executeTakeFirst()
}

export async function listDeviceAuthorizationShopIds(db: Queryable): Promise<number[]> {
  return (await db.selectFrom('allegro_device_authorizations').select('shop_id').execute()).map((r) => r.shop_id)
}

/**
 * Claims the right to ask the token endpoint now: true for exactly one caller per interval,
 * however many tabs reload the waiting page at once.
 */
export async function claimDevicePoll(
  db: Queryable,
  shopId: number,
  now: string,
  nextPollAt: string
): Promise<boolean> {
  const result = await db
    .updateTable('allegro_device_authorizations')
    .set({ next_poll_at: nextPollAt })
    .where('shop_id', '=', shopId)
    .where('next_poll_at', '<=', now)
    .where('access_token_enc', 'is', null)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

export async function updateDeviceAuthorization(
  db: Queryable,
  shopId: number,
  changes: Partial<Omit<DeviceAuthorizationRow, 'id' | 'shop_id'>>
): Promise<void> {
  await db.updateTable('allegro_device_authorizations').set(changes).where('shop_id', '=', shopId).execute()
}

/** The flow succeeded: tokens and account move to the shop, the authorisation is gone. */
/** Other shops (removed ones too) connected to the same Allegro account in the same environment. */
export async function shopsOfAccount(
  db: Queryable,
  environment: string,
  allegroUserId: string,
  exceptShopId: number
): Promise<Array<{ id: number; name: string; removed_at: string | null }>> {
  return await db
    .selectFrom('allegro_shops')
    .select(['id', 'name', 'removed_at'])
    .where('environment', '=', environment)
    .where('allegro_user_id', '=', allegroUserId)
    .where('id', '!=', exceptShopId)
    .orderBy('id')
    .execute()
}
