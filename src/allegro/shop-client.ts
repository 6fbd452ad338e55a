import type { AddressInfo } from 'node:net'
import type { BackgroundContext } from '../plugins/context.ts'
import { decryptSecret, encryptSecret } from '../shared/crypto.ts'
import { toStoredTimestamp } from '../shared/dates.ts'
import { NotFoundError } from '../shared/errors.ts'
import {
  createAllegroClient,
  type AllegroClient,
  type AllegroClientOptions,
  type TokenStore
} from './allegro.client.ts'
import { AllegroApiError, AllegroAuthError, NOT_CONFIGURED_MESSAGE, RECONNECT_MESSAGE } from './allegro.errors.ts'
import { allegroUserAgent, type AllegroLogger } from './allegro.http.ts'
import type { AllegroTokens } from './allegro.oauth.ts'
import {
  findAllegroApp,
  findShop,
  markShopReconnectRequired,
  recordShopError,
  recordShopSuccess,
  saveShopTokens,
  type AllegroEnvironment,
  type AppEnvironment
} from './shops.queries.ts'

/** Where the built-in simulator is mounted in this app. */
export const SIMULATOR_PREFIX = '/symulator-allegro'
/** The simulator accepts any client; this one names us in its logs. */
export const SIMULATOR_CLIENT_ID = 'biurko-symulator'

export interface ResolvedEnvironment {
  environment: AllegroEnvironment
  /** OAuth ("web") host as the server reaches it */
  webUrl: string
  apiUrl: string
  clientId: string
  clientSecret: string
  /** the app name registered at Allegro, for the User-Agent */
  appName: string
  source: 'config' | 'settings' | 'simulator'
}

export function isSimulatorAvailable(app: BackgroundContext): boolean {
  return app.ctx.config.simulator.enabled || app.ctx.config.simulator.url !== ''
}

/**
 * Base URL of the simulator for server-side calls: SIMULATOR_URL when set, otherwise this very
 * process (its listening address, so no proxy or public hostname is involved), otherwise PUBLIC_URL.
 */
function simulatorServerUrl(app: BackgroundContext): string {
  const config = app.ctx.config
  if (config.simulator.url !== '') return config.simulator.url
  const address = app.server.listening ? app.server.address() : null
  if (address !== null && typeof address === 'object') {
    const { address: host, port, family } = address as AddressInfo
    const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host
    const literal = family === 'IPv6' && reachable.includes(':') ? `[${reachable}]` : reachable
    return `http://${literal}:${port}${SIMULATOR_PREFIX}`
  }
  return config.publicUrl + SIMULATOR_PREFIX
}

/** Client credentials for production/sandbox: config wins, then the ones saved in settings. */
async function appCredentials(
  app: BackgroundContext,
  environment: AppEnvironment
): Promise<{ clientId: string; clientSecret: string; appName: string; source: 'config' | 'settings' } | null> {
  const configured = app.ctx.config.allegro[environment]
  if (configured.clientId !== '' && configured.clientSecret !== '') {
    return { clientId: configured.clientId, clientSecret: configured.clientSecret, appName: 'Biurko', source: 'config' }
  }
  const saved = await findAllegroApp(app.db, environment)
  if (!saved) return null
  return {
    clientId: saved.client_id,
    clientSecret: decryptSecret(app.ctx.secretsKey, saved.client_secret_enc),
    appName: saved.app_name,
    source: 'settings'
  }
}

/** Allegro's own addresses (the defaults of ALLEGRO_*_URL in src/config.ts). */
export const ALLEGRO_DEFAULT_URLS = {
  production: { webUrl: 'https://allegro.pl', apiUrl: 'https://api.allegro.pl' },
  sandbox: { webUrl: 'https://allegro.pl.allegrosandbox.pl', apiUrl: 'https://api.allegro.pl.allegrosandbox.pl' }
} as const

export async function resolveAllegroEnvironment(
  app: BackgroundContext,
  environment: AllegroEnvironment
): Promise<ResolvedEnvironment> {
  if (environment === 'simulator') {
    if (!isSimulatorAvailable(app)) {
      throw new AllegroApiError({
        kind: 'not_configured',
        status: null,
        code: 'SIMULATOR_DISABLED',
        userMessage: 'Wbudowany symulator Allegro jest wyłączony (SIMULATOR_ENABLED=false).'
      })
    }
    const base = simulatorServerUrl(app)
    return {
      environment,
      webUrl: base,
      apiUrl: `${base}/api`,
      clientId: SIMULATOR_CLIENT_ID,
      clientSecret: SIMULATOR_CLIENT_ID,
      appName: 'Biurko',
      source: 'simulator'
    }
  }
  const credentials = await appCredentials(app, environment)
  if (credentials === null) {
    throw new AllegroApiError({
      kind: 'not_configured',
      status: null,
      code: 'NOT_CONFIGURED',
      userMessage: NOT_CONFIGURED_MESSAGE
    })
  }
  const urls = app.ctx.config.allegro[environment]
  const webUrl = urls.webUrl.replace(/\/+$/, '')
  return { environment, webUrl, apiUrl: urls.apiUrl.replace(/\/+$/, ''), ...credentials }
}

/** Errors that say something about the connection itself (not about one order or offer). */
function isConnectionProblem(error: AllegroApiError): boolean {
  if (error.kind !== 'http') return true
  const status = error.status ?? 0
  return status === 401 || status === 403 || status === 406 || status === 429 || status >= 500
}

/** Records a successful call at most once a minute, but always right after an error. */
const SUCCESS_RECORD_INTERVAL_MS = 60_000

/** The shop's tokens in allegro_shops, AES-256-GCM encrypted with the app's secrets key. */
function shopTokenStore(app: BackgroundContext, shopId: number): TokenStore {
  const key = app.ctx.secretsKey
  const now = (): string => toStoredTimestamp(app.ctx.now())
  let lastErrorSeen = false
  let lastSuccessRecordedAt = 0

  return {
    key: `shop:${shopId}`,
    async load(): Promise<AllegroTokens | null> {
      const shop = await findShop(app.db, shopId)
      if (!shop)
        throw new AllegroApiError({
          kind: 'not_connected',
          status: null,
          code: 'SHOP_REMOVED',
          userMessage: 'Ten sklep został usunięty z Biurka.'
        })
      lastErrorSeen = shop.last_error !== null
      if (shop.connection_status === 'reconnect_required')
        throw new AllegroAuthError({ status: null, code: 'RECONNECT_REQUIRED', userMessage: RECONNECT_MESSAGE })
      if (shop.access_token_enc === null || shop.refresh_token_enc === null || shop.access_token_expires_at === null)
        return null
      try {
        return {
          accessToken: decryptSecret(key, shop.access_token_enc),
          refreshToken: decryptSecret(key, shop.refresh_token_enc),
          expiresAt: new Date(shop.access_token_expires_at)
        }
      } catch {
        // a changed APP_SECRET makes the stored tokens unreadable; only a new connection helps
        const message =
          'Nie można odczytać zapisanych tokenów Allegro (zmieniono klucz aplikacji?) – połącz sklep ponownie.'
        await markShopReconnectRequired(app.db, shopId, message, now())
        throw new AllegroAuthError({ status: null, code: 'UNREADABLE_TOKENS', userMessage: message })
      }
    },
    async save(tokens: AllegroTokens): Promise<void> {
      await saveShopTokens(
        app.db,
        shopId,
        {
          access_token_enc: encryptSecret(key, tokens.accessToken),
          refresh_token_enc: encryptSecret(key, tokens.refreshToken),
          access_token_expires_at: tokens.expiresAt.toISOString()
        },
        now()
      )
    },
    async markReconnectRequired(message: string): Promise<void> {
      await markShopReconnectRequired(app.db, shopId, message, now())
    },
    async recordSuccess(): Promise<void> {
      const at = app.ctx.now().toMillis()
      if (!lastErrorSeen && at - lastSuccessRecordedAt < SUCCESS_RECORD_INTERVAL_MS) return
      lastSuccessRecordedAt = at
      lastErrorSeen = false
      await recordShopSuccess(app.db, shopId, now())
    },
    async recordFailure(error: AllegroApiError): Promise<void> {
      if (error.kind === 'reconnect_required' || !isConnectionProblem(error)) return
      lastErrorSeen = true
      await recordShopError(app.db, shopId, error.userMessage, now())
    }
  }
}

export interface ShopClientOverrides {
  sleep?: AllegroClientOptions['sleep']
  random?: AllegroClientOptions['random']
  maxRetries?: number
  maxRetryWaitMs?: number
  retryBaseMs?: number
  log?: AllegroLogger
}

/**
 * The REST client for one shop: base URLs from its environment, its tokens from the database,
 * health (last success, last error) recorded on the shop. Throws NotFoundError for a missing or
 * removed shop and AllegroApiError ('not_configured') when the environment lacks credentials.
 */
export async function allegroClientForShop(
  app: BackgroundContext,
  shopId: number,
  overrides: ShopClientOverrides = {}
): Promise<AllegroClient> {
  const shop = await findShop(app.db, shopId)
  if (!shop) throw new NotFoundError('Nie ma takiego sklepu Allegro.')
  const env = await resolveAllegroEnvironment(app, shop.environment as AllegroEnvironment)
  return createAllegroClient({
    apiUrl: env.apiUrl,
    webUrl: env.webUrl,
    clientId: env.clientId,
    clientSecret: env.clientSecret,
    fetch: app.ctx.fetch,
    tokens: shopTokenStore(app, shopId),
    timeoutMs: app.ctx.config.allegro.timeoutMs,
    userAgent: allegroUserAgent(env.appName),
    log: overrides.log ?? app.log.child({ shopId }),
    sleep: overrides.sleep,
    random: overrides.random,
    maxRetries: overrides.maxRetries,
    maxRetryWaitMs: overrides.maxRetryWaitMs,
    retryBaseMs: overrides.retryBaseMs ?? app.ctx.config.allegro.retryBaseMs,
    now: () => app.ctx.now().toJSDate()
  })
}
