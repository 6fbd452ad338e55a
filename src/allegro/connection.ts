import type { BackgroundContext } from '../plugins/context.ts'
import { decryptSecret, encryptSecret } from '../shared/crypto.ts'
import { toStoredTimestamp } from '../shared/dates.ts'
import { createAllegroClient, type TokenStore } from './allegro.client.ts'
import { AllegroApiError, cleanText } from './allegro.errors.ts'
import { allegroUserAgent } from './allegro.http.ts'
import {
  pollDeviceAuthorization,
  requestDeviceAuthorization,
  type AllegroTokens,
  type OAuthDeps
} from './allegro.oauth.ts'
import { resolveAllegroEnvironment, type ResolvedEnvironment } from './shop-client.ts'
import {
  claimDevicePoll,
  findDeviceAuthorization,
  getShop,
  shopsOfAccount,
  updateDeviceAuthorization,
  type AllegroEnvironment,
  type DeviceAuthorizationRow,
  type ShopRow,
  type EncryptedTokens
} from './shops.queries.ts'
import { type Insertable } from 'kysely'
import type { Database } from '../db/database.ts'
import type { AllegroDeviceAuthorizations } from '../db/schema.gen.ts'

// Connecting a shop with the OAuth2 device flow. Nothing here waits or loops: every page view
// of the waiting page advances the flow by at most one call to Allegro, and only once per the
// interval Allegro asked for. Network calls happen outside database transactions.

export type ConnectionStep =
  | { state: 'idle' }
  | {
      state: 'waiting'
      userCode: string
      verificationUri: string
      verificationUriComplete: string
      expiresAt: string
      intervalSeconds: number
      problem: string | null
    }
  | { state: 'connected'; login: string }
  | { state: 'expired' }
  | { state: 'denied' }
  /** a different Allegro account came back: refused, the shop keeps its old account and tokens */
  | { state: 'account_mismatch'; expectedLogin: string; actualLogin: string }
  /** the account already feeds another shop: two shops would import every order twice */
  | { state: 'account_in_use'; login: string; shopName: string }

/** Asks Allegro for a device code; throws AllegroApiError with a Polish userMessage on failure. */
export async function startConnection(app: BackgroundContext, shopId: number): Promise<void> {
  const shop = await getShop(app.db, shopId)
  const env = await resolveAllegroEnvironment(app, shop.environment as AllegroEnvironment)
  const device = await requestDeviceAuthorization(env, oauthDeps(app, env))
  const now = app.ctx.now()
  await startDeviceAuthorization(app.db, {
    shop_id: shopId,
    device_code_enc: encryptSecret(app.ctx.secretsKey, device.deviceCode),
    user_code: device.userCode,
    verification_uri: device.verificationUri,
    verification_uri_complete: device.verificationUriComplete,
    interval_seconds: device.intervalSeconds,
    expires_at: toStoredTimestamp(now.plus({ seconds: device.expiresInSeconds })),
    next_poll_at: toStoredTimestamp(now.plus({ seconds: device.intervalSeconds })),
    created_at: toStoredTimestamp(now)
  })
}

export async function cancelConnection(app: BackgroundContext, shopId: number): Promise<void> {
  await abandonDeviceAuthorization(app.db, shopId)
}

/** Moves the flow on by at most one look at Allegro's token endpoint. */
export async function advanceConnection(app: BackgroundContext, shopId: number): Promise<ConnectionStep> {
  const shop = await getShop(app.db, shopId)
  const row = await findDeviceAuthorization(app.db, shopId)
  if (!row) return { state: 'idle' }
  if (row.access_token_enc !== null) return await finish(app, shop, row)

  const now = app.ctx.now()
  const nowText = toStoredTimestamp(now)
  if (nowText >= row.expires_at) {
    await abandonDeviceAuthorization(app.db, shopId)
    return { state: 'expired' }
  }
  const claimed = await claimDevicePoll(
    app.db,
    shopId,
    nowText,
    toStoredTimestamp(now.plus({ seconds: row.interval_seconds }))
  )
  if (!claimed) return waiting(row, null)

  let env: ResolvedEnvironment
  let result: Awaited<ReturnType<typeof pollDeviceAuthorization>>
  try {
    env = await resolveAllegroEnvironment(app, shop.environment as AllegroEnvironment)
    result = await pollDeviceAuthorization(
      env,
      oauthDeps(app, env),
      decryptSecret(app.ctx.secretsKey, row.device_code_enc)
    )
  } catch (error) {
    if (!(error instanceof AllegroApiError)) throw error
    app.log.warn({ shopId, code: error.code, traceId: error.traceId }, 'allegro device poll failed')
    return waiting(row, error.userMessage)
  }

  switch (result.status) {
    case 'pending':
      return waiting(row, null)
    case 'slow_down': {
      const interval = Math.min(row.interval_seconds + 5, 60)
      await updateDeviceAuthorization(app.db, shopId, {
        interval_seconds: interval,
        next_poll_at: toStoredTimestamp(now.plus({ seconds: interval }))
      })
      return waiting({ ...row, interval_seconds: interval }, null)
    }
    case 'denied':
      await abandonDeviceAuthorization(app.db, shopId)
      return { state: 'denied' }
    case 'expired':
      await abandonDeviceAuthorization(app.db, shopId)
      return { state: 'expired' }
    case 'approved': {
      // the device code is single-use: keep the tokens before anything else can fail
      const sealed = {
        access_token_enc: encryptSecret(app.ctx.secretsKey, result.tokens.accessToken),
        refresh_token_enc: encryptSecret(app.ctx.secretsKey, result.tokens.refreshToken),
        access_token_expires_at: result.tokens.expiresAt.toISOString()
      }
      await updateDeviceAuthorization(app.db, shopId, sealed)
      return await finish(app, shop, { ...row, ...sealed })
    }
  }
}

function waiting(row: DeviceAuthorizationRow, problem: string | null): ConnectionStep {
  return {
    state: 'waiting',
    userCode: row.user_code,
    verificationUri: row.verification_uri,
    verificationUriComplete: row.verification_uri_complete,
    expiresAt: row.expires_at,
    intervalSeconds: row.interval_seconds,
    problem
  }
}

/** Tokens are in hand: learn whose account it is, then connect (or refuse a different account). */
async function finish(app: BackgroundContext, shop: ShopRow, row: DeviceAuthorizationRow): Promise<ConnectionStep> {
  const key = app.ctx.secretsKey
  let tokens: AllegroTokens | null = {
    accessToken: decryptSecret(key, row.access_token_enc!),
    refreshToken: decryptSecret(key, row.refresh_token_enc!),
    expiresAt: new Date(row.access_token_expires_at!)
  }
  // the grant is not the shop's yet, so its tokens stay in memory until the account is known
  const pending: TokenStore = {
    key: `device:${shop.id}`,
    load: async () => tokens,
    save: async (next) => {
      tokens = next
    },
    markReconnectRequired: async () => {
      tokens = null
    }
  }
  let me: { id: string; login: string }
  try {
    const env = await resolveAllegroEnvironment(app, shop.environment as AllegroEnvironment)
    const client = createAllegroClient({
      ...env,
      fetch: app.ctx.fetch,
      tokens: pending,
      timeoutMs: app.ctx.config.allegro.timeoutMs,
      userAgent: allegroUserAgent(env.appName),
      log: app.log.child({ shopId: shop.id }),
      maxRetries: 1,
      now: () => app.ctx.now().toJSDate()
    })
    me = readAccount(await client.getMe())
  } catch (error) {
    if (!(error instanceof AllegroApiError)) throw error
    if (tokens === null) {
      await abandonDeviceAuthorization(app.db, shop.id)
      return { state: 'expired' }
    }
    app.log.warn(
      { shopId: shop.id, code: error.code, traceId: error.traceId },
      'allegro /me after device approval failed'
    )
    return waiting(row, `Połączenie zatwierdzone, ale nie udało się pobrać danych konta: ${error.userMessage}`)
  }
  if (tokens === null) {
    await abandonDeviceAuthorization(app.db, shop.id)
    return { state: 'expired' }
  }

  if (shop.allegro_user_id !== null && shop.allegro_user_id !== me.id) {
    await abandonDeviceAuthorization(app.db, shop.id)
    app.log.warn({ shopId: shop.id }, 'allegro reconnect returned a different account, refused')
    return {
      state: 'account_mismatch',
      expectedLogin: shop.allegro_login ?? shop.allegro_user_id,
      actualLogin: me.login
    }
  }

  const sameAccount = await shopsOfAccount(app.db, shop.environment, me.id, shop.id)
  const active = sameAccount.find((other) => other.removed_at === null)
  if (active) {
    await abandonDeviceAuthorization(app.db, shop.id)
    app.log.warn(
      { shopId: shop.id, otherShopId: active.id },
      'allegro account already connected to another shop, refused'
    )
    return { state: 'account_in_use', login: me.login, shopName: active.name }
  }

  // A removed shop of the same account hands over its transactions and deletions, so re-adding
  // a shop neither imports its orders twice nor brings deleted transactions back.
  await completeDeviceAuthorization(
    app.db,
    shop.id,
    sameAccount.map((other) => other.id),
    {
      access_token_enc: encryptSecret(key, tokens.accessToken),
      refresh_token_enc: encryptSecret(key, tokens.refreshToken),
      access_token_expires_at: tokens.expiresAt.toISOString(),
      allegro_user_id: me.id,
      allegro_login: me.login
    },
    toStoredTimestamp(app.ctx.now())
  )
  app.log.info({ shopId: shop.id }, 'allegro shop connected')
  return { state: 'connected', login: me.login }
}

function readAccount(body: unknown): { id: string; login: string } {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>
  const id = typeof b.id === 'string' || typeof b.id === 'number' ? String(b.id) : ''
  const login = cleanText(b.login) ?? ''
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(id) || login === '' || [...login].length > 100) {
    throw new AllegroApiError({
      kind: 'malformed',
      status: 200,
      code: 'MALFORMED_ME',
      userMessage: 'Allegro zwróciło niepełne dane konta.'
    })
  }
  return { id, login }
}

function oauthDeps(app: BackgroundContext, env: ResolvedEnvironment): OAuthDeps {
  return {
    fetch: app.ctx.fetch,
    timeoutMs: app.ctx.config.allegro.timeoutMs,
    now: () => app.ctx.now().toJSDate(),
    userAgent: allegroUserAgent(env.appName)
  }
}

/**
 * Removal keeps the row (imported transactions and documents point at it) but forgets the
 * tokens, so a removed shop can never reach Allegro again.
 */
export async function removeShop(db: Database, id: number, now: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('allegro_device_authorizations').where('shop_id', '=', id).execute()
    await trx
      .updateTable('allegro_shops')
      .set({
        removed_at: now,
        updated_at: now,
        access_token_enc: null,
        refresh_token_enc: null,
        access_token_expires_at: null,
        connection_status: 'not_connected'
      })
      .where('id', '=', id)
      .where('removed_at', 'is', null)
      .execute()
  })
}
/** Replaces any earlier authorisation of the shop; a new shop shows "connecting" meanwhile. */
async function startDeviceAuthorization(
  db: Database,
  values: Omit<Insertable<AllegroDeviceAuthorizations>, 'id'>
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('allegro_device_authorizations').where('shop_id', '=', values.shop_id).execute()
    await trx.insertInto('allegro_device_authorizations').values(values).execute()
    await trx
      .updateTable('allegro_shops')
      .set({ connection_status: 'connecting' })
      .where('id', '=', values.shop_id)
      .where('connection_status', '=', 'not_connected')
      .execute()
  })
}
/** Ends the flow without a connection; a shop that was only "connecting" goes back to not connected. */
async function abandonDeviceAuthorization(db: Database, shopId: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('allegro_device_authorizations').where('shop_id', '=', shopId).execute()
    await trx
      .updateTable('allegro_shops')
      .set({ connection_status: 'not_connected' })
      .where('id', '=', shopId)
      .where('connection_status', '=', 'connecting')
      .execute()
  })
}
async function completeDeviceAuthorization(
  db: Database,
  shopId: number,
  adoptFromShopIds: number[],
  values: EncryptedTokens & { allegro_user_id: string; allegro_login: string },
  now: string
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    if (adoptFromShopIds.length > 0) {
      await trx.updateTable('transactions').set({ shop_id: shopId }).where('shop_id', 'in', adoptFromShopIds).execute()
      await trx
        .updateTable('transaction_tombstones')
        .set({ shop_id: shopId })
        .where('shop_id', 'in', adoptFromShopIds)
        .execute()
      await trx.updateTable('documents').set({ shop_id: shopId }).where('shop_id', 'in', adoptFromShopIds).execute()
      await trx
        .updateTable('document_allegro_deliveries')
        .set({ shop_id: shopId })
        .where('shop_id', 'in', adoptFromShopIds)
        .execute()
      // the removed shops stay as records but no longer claim the account
      await trx
        .updateTable('allegro_shops')
        .set({ allegro_user_id: null, updated_at: now })
        .where('id', 'in', adoptFromShopIds)
        .execute()
    }
    await trx.deleteFrom('allegro_device_authorizations').where('shop_id', '=', shopId).execute()
    await trx
      .updateTable('allegro_shops')
      .set({
        ...values,
        connection_status: 'connected',
        last_success_at: now,
        last_error: null,
        last_error_at: null,
        updated_at: now
      })
      .where('id', '=', shopId)
      .execute()
  })
}
