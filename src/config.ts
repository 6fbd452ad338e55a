import { isIP } from 'node:net'
import envSchema from 'env-schema'

// The only reader of the environment. Everything else gets a Config.

interface Env {
  HOST: string
  PORT: number
  PUBLIC_URL: string
  DATA_DIR: string
  DATABASE_FILE: string
  BACKUP_DIR: string
  BACKUP_INTERVAL_HOURS: number
  BACKUP_KEEP: number
  APP_SECRET: string
  COOKIE_SECURE: boolean
  TRUST_PROXY: string
  LOG_LEVEL: string
  TEMPLATE_CACHE: boolean
  LOGIN_RATE_LIMIT_MAX: number
  LOGIN_ACCOUNT_RATE_LIMIT_MAX: number
  SESSION_IDLE_MINUTES: number
  SESSION_MAX_HOURS: number
  IMPORT_MIN_INTERVAL_MINUTES: number
  SIMULATOR_ENABLED: SimulatorSwitch
  SIMULATOR_SEED: number
  SIMULATOR_URL: string
  ALLEGRO_CLIENT_ID: string
  ALLEGRO_CLIENT_SECRET: string
  ALLEGRO_SANDBOX_CLIENT_ID: string
  ALLEGRO_SANDBOX_CLIENT_SECRET: string
  ALLEGRO_WEB_URL: string
  ALLEGRO_API_URL: string
  ALLEGRO_SANDBOX_WEB_URL: string
  ALLEGRO_SANDBOX_API_URL: string
  ALLEGRO_TIMEOUT_MS: number
  ALLEGRO_RETRY_BASE_MS: number
  ALLEGRO_IMPORT_MAX_REQUESTS: number
  ALLEGRO_IMPORT_MAX_MINUTES: number
  NBP_API_URL: string
  WHITELIST_API_URL: string
  WHITELIST_TIMEOUT_MS: number
  SMTP_TIMEOUT_MS: number
  KSEF_PRODUCTION_API_URL: string
  KSEF_PRODUCTION_QR_URL: string
  KSEF_DEMO_API_URL: string
  KSEF_DEMO_QR_URL: string
  KSEF_TEST_API_URL: string
  KSEF_TEST_QR_URL: string
  KSEF_SIMULATOR_ENABLED: SimulatorSwitch
  KSEF_SIMULATOR_API_URL: string
  KSEF_SIMULATOR_QR_URL: string
  KSEF_TIMEOUT_MS: number
  KSEF_RETRY_BASE_MS: number
  KSEF_WORKER_INTERVAL_MS: number
  KSEF_PURCHASES_INTERVAL_MS: number
}

const schema = {
  type: 'object',
  required: [],
  properties: {
    HOST: { type: 'string', default: '127.0.0.1' },
    PORT: { type: 'integer', default: 3000, minimum: 0, maximum: 65535 },
    PUBLIC_URL: { type: 'string', default: '' },
    DATA_DIR: { type: 'string', default: 'data' },
    DATABASE_FILE: { type: 'string', default: '' },
    BACKUP_DIR: { type: 'string', default: '' },
    BACKUP_INTERVAL_HOURS: { type: 'integer', default: 24, minimum: 0, maximum: 720 },
    BACKUP_KEEP: { type: 'integer', default: 30, minimum: 1, maximum: 10000 },
    APP_SECRET: { type: 'string', default: '', pattern: '^([0-9a-fA-F]{64})?$' },
    COOKIE_SECURE: { type: 'boolean', default: false },
    TRUST_PROXY: { type: 'string', default: '' },
    LOG_LEVEL: {
      type: 'string',
      default: 'info',
      enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']
    },
    TEMPLATE_CACHE: { type: 'boolean', default: true },
    LOGIN_RATE_LIMIT_MAX: { type: 'integer', default: 10, minimum: 1 },
    LOGIN_ACCOUNT_RATE_LIMIT_MAX: { type: 'integer', default: 10, minimum: 1 },
    SESSION_IDLE_MINUTES: { type: 'integer', default: 30, minimum: 1, maximum: 1440 },
    SESSION_MAX_HOURS: { type: 'integer', default: 12, minimum: 1, maximum: 168 },
    IMPORT_MIN_INTERVAL_MINUTES: { type: 'integer', default: 10, minimum: 0, maximum: 1440 },
    SIMULATOR_ENABLED: { type: 'string', default: 'auto', enum: ['auto', 'true', 'false'] },
    SIMULATOR_SEED: { type: 'integer', default: 2026 },
    SIMULATOR_URL: { type: 'string', default: '', pattern: '^(https?://.+)?$' },
    ALLEGRO_CLIENT_ID: { type: 'string', default: '' },
    ALLEGRO_CLIENT_SECRET: { type: 'string', default: '' },
    ALLEGRO_SANDBOX_CLIENT_ID: { type: 'string', default: '' },
    ALLEGRO_SANDBOX_CLIENT_SECRET: { type: 'string', default: '' },
    ALLEGRO_WEB_URL: { type: 'string', default: 'https://allegro.pl' },
    ALLEGRO_API_URL: { type: 'string', default: 'https://api.allegro.pl' },
    ALLEGRO_SANDBOX_WEB_URL: { type: 'string', default: 'https://allegro.pl.allegrosandbox.pl' },
    ALLEGRO_SANDBOX_API_URL: { type: 'string', default: 'https://api.allegro.pl.allegrosandbox.pl' },
    ALLEGRO_TIMEOUT_MS: { type: 'integer', default: 15000, minimum: 100 },
    ALLEGRO_RETRY_BASE_MS: { type: 'integer', default: 500, minimum: 1, maximum: 10000 },
    ALLEGRO_IMPORT_MAX_REQUESTS: { type: 'integer', default: 20000, minimum: 10, maximum: 1000000 },
    ALLEGRO_IMPORT_MAX_MINUTES: { type: 'integer', default: 30, minimum: 1, maximum: 1440 },
    NBP_API_URL: { type: 'string', default: 'https://api.nbp.pl/api' },
    WHITELIST_API_URL: { type: 'string', default: 'https://wl-api.mf.gov.pl', pattern: '^https?://.+' },
    WHITELIST_TIMEOUT_MS: { type: 'integer', default: 10000, minimum: 100 },
    SMTP_TIMEOUT_MS: { type: 'integer', default: 20000, minimum: 100 },
    KSEF_PRODUCTION_API_URL: { type: 'string', default: 'https://api.ksef.mf.gov.pl/v2' },
    KSEF_PRODUCTION_QR_URL: { type: 'string', default: 'https://qr.ksef.mf.gov.pl' },
    KSEF_DEMO_API_URL: { type: 'string', default: 'https://api-demo.ksef.mf.gov.pl/v2' },
    KSEF_DEMO_QR_URL: { type: 'string', default: 'https://qr-demo.ksef.mf.gov.pl' },
    KSEF_TEST_API_URL: { type: 'string', default: 'https://api-test.ksef.mf.gov.pl/v2' },
    KSEF_TEST_QR_URL: { type: 'string', default: 'https://qr-test.ksef.mf.gov.pl' },
    KSEF_SIMULATOR_ENABLED: { type: 'string', default: 'auto', enum: ['auto', 'true', 'false'] },
    KSEF_SIMULATOR_API_URL: { type: 'string', default: '', pattern: '^(https?://.+)?$' },
    KSEF_SIMULATOR_QR_URL: { type: 'string', default: '', pattern: '^(https?://.+)?$' },
    KSEF_TIMEOUT_MS: { type: 'integer', default: 30000, minimum: 100 },
    KSEF_RETRY_BASE_MS: { type: 'integer', default: 1000, minimum: 1, maximum: 60000 },
    KSEF_WORKER_INTERVAL_MS: { type: 'integer', default: 15000, minimum: 100 },
    KSEF_PURCHASES_INTERVAL_MS: { type: 'integer', default: 1800000, minimum: 1000 }
  }
} as const

interface AllegroEnvironmentConfig {
  webUrl: string
  apiUrl: string
  clientId: string
  clientSecret: string
}

export interface Config {
  host: string
  port: number
  /** Where users reach the app; the built-in simulator's URLs are derived from it. */
  publicUrl: string
  dataDir: string
  databaseFile: string
  /**
   * Automatic online backups (USTAWIENIA » Kopie zapasowe): `dir` '' means a backups folder
   * beside the database file; every `intervalHours` (0: only by hand), the newest `keep` checked
   * copies are kept.
   */
  backup: { dir: string; intervalHours: number; keep: number }
  /** 64 hex characters, or '' to use (or create) the key file in dataDir. */
  appSecret: string
  cookieSecure: boolean
  /** addresses (or CIDR ranges, or proxy-addr's loopback/linklocal/uniquelocal) of the reverse
   * proxies whose X-Forwarded-For is believed; false: none, the peer address is the client */
  trustProxy: false | string[]
  logLevel: string
  templateCache: boolean
  /** failed password checks allowed in 15 minutes per client address, and per account */
  loginRateLimitMax: number
  loginAccountRateLimitMax: number
  /** a session ends after this long without a request, and this long after login at the latest */
  session: { idleMs: number; absoluteMs: number }
  /**
   * Least time between the starts of two imports of one shop (POBIERZ NOWE TRANSAKCJE).
   * The seed's rule is 10; lower only for tests and demos that cannot wait.
   */
  importMinIntervalMinutes: number
  /**
   * The built-in Allegro simulator. `url` is where the server reaches it (web base, API at
   * `${url}/api`); '' means the one mounted in this process at /symulator-allegro.
   */
  simulator: { enabled: boolean; seed: number; url: string }
  /** The built-in KSeF simulator, mounted at /symulator-ksef (API /v2, QR pages /qr) when enabled. */
  ksefSimulator: { enabled: boolean }
  /** why the simulators are (not) mounted, for the start-up log line */
  simulatorReason: string
  allegro: {
    production: AllegroEnvironmentConfig
    sandbox: AllegroEnvironmentConfig
    timeoutMs: number
    /** first backoff step between retries (after a 429: four times this), doubling per attempt */
    retryBaseMs: number
    /** bounds of one import: calls to Allegro and minutes; past either it stops, progress kept */
    importMaxRequests: number
    importMaxMinutes: number
  }
  nbpApiUrl: string
  /** The Ministry's VAT white list (Wykaz podatników VAT), for filling a contractor from a NIP. */
  whiteList: { apiUrl: string; timeoutMs: number }
  /** each step of an SMTP conversation (connect, greeting, every command) may take this long */
  smtpTimeoutMs: number
  /**
   * KSeF 2.0 per environment (ksef_connection.environment): API base and QR verification base.
   * The simulator's '' means the one mounted in this process at /symulator-ksef.
   */
  ksef: {
    environments: Record<KsefEnvironment, { apiUrl: string; qrUrl: string }>
    timeoutMs: number
    /** first backoff step between retries, doubling per attempt */
    retryBaseMs: number
    /** how often the background sender looks for invoices due */
    workerIntervalMs: number
    /** how often purchase invoices are downloaded by themselves (the metadata query allows 20 an hour) */
    purchasesIntervalMs: number
  }
}

type SimulatorSwitch = 'auto' | 'true' | 'false'

/**
 * The simulators answer without a login and keep state in memory, so they are demo tools, not
 * production endpoints (ASVS 14.1.3 / 14.3: no test features in production). `auto` mounts them
 * only when the server listens on a loopback address — a local `npm start` shows the whole flow,
 * while a server listening on 0.0.0.0 (the Docker image) or a public address does not expose
 * them. `true`/`false` decide explicitly.
 */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
  if (h === 'localhost' || h.endsWith('.localhost')) return true
  if (h === '::1' || h === '0:0:0:0:0:0:0:1') return true
  if (isIP(h) === 4) return h.startsWith('127.')
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h)
  return mapped !== null && mapped[1].startsWith('127.')
}

function resolveSimulatorSwitch(value: SimulatorSwitch, host: string): { enabled: boolean; reason: string } {
  if (value === 'true') return { enabled: true, reason: 'włączone (ustawione na true)' }
  if (value === 'false') return { enabled: false, reason: 'wyłączone (ustawione na false)' }
  return isLoopbackHost(host)
    ? { enabled: true, reason: `włączone (auto: serwer słucha tylko na adresie lokalnym ${host})` }
    : {
        enabled: false,
        reason: `wyłączone (auto: serwer słucha na ${host}, nie tylko lokalnie; ustaw true, aby włączyć)`
      }
}

export type KsefEnvironment = 'produkcja' | 'demo' | 'test' | 'symulator'

const PROXY_KEYWORDS = new Set(['loopback', 'linklocal', 'uniquelocal'])

/**
 * Only named proxies are trusted: `true` (trust whatever X-Forwarded-For says) would let anyone
 * pick their own address and walk past the per-address login limit, so it is refused.
 */
export function parseTrustProxy(value: string): false | string[] {
  const trimmed = value.trim()
  if (trimmed === '' || trimmed === 'false') return false
  const entries = trimmed
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
  for (const entry of entries) {
    const [address, bits, extra] = entry.split('/')
    const ok =
      PROXY_KEYWORDS.has(entry) ||
      (isIP(address) !== 0 &&
        extra === undefined &&
        (bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (isIP(address) === 4 ? 32 : 128))))
    if (!ok)
      throw new Error(
        `TRUST_PROXY: "${entry}" is not an address, a CIDR range or loopback/linklocal/uniquelocal; list the proxies' addresses, comma-separated (true is not accepted)`
      )
  }
  return entries
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const e = envSchema<Env>({ schema, data: env, dotenv: false, env: false })
  const dataDir = e.DATA_DIR
  const allegroSim = resolveSimulatorSwitch(e.SIMULATOR_ENABLED, e.HOST)
  const ksefSim = resolveSimulatorSwitch(e.KSEF_SIMULATOR_ENABLED, e.HOST)
  return {
    host: e.HOST,
    port: e.PORT,
    publicUrl: (e.PUBLIC_URL || `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    dataDir,
    databaseFile: e.DATABASE_FILE || `${dataDir}/biurko.sqlite`,
    backup: { dir: e.BACKUP_DIR, intervalHours: e.BACKUP_INTERVAL_HOURS, keep: e.BACKUP_KEEP },
    appSecret: e.APP_SECRET,
    cookieSecure: e.COOKIE_SECURE,
    trustProxy: parseTrustProxy(e.TRUST_PROXY),
    logLevel: e.LOG_LEVEL,
    templateCache: e.TEMPLATE_CACHE,
    loginRateLimitMax: e.LOGIN_RATE_LIMIT_MAX,
    loginAccountRateLimitMax: e.LOGIN_ACCOUNT_RATE_LIMIT_MAX,
    session: { idleMs: e.SESSION_IDLE_MINUTES * 60_000, absoluteMs: e.SESSION_MAX_HOURS * 3_600_000 },
    importMinIntervalMinutes: e.IMPORT_MIN_INTERVAL_MINUTES,
    simulator: { enabled: allegroSim.enabled, seed: e.SIMULATOR_SEED, url: e.SIMULATOR_URL.replace(/\/+$/, '') },
    ksefSimulator: { enabled: ksefSim.enabled },
    simulatorReason: `symulator Allegro: ${allegroSim.reason}; symulator KSeF: ${ksefSim.reason}`,
    allegro: {
      production: {
        webUrl: e.ALLEGRO_WEB_URL,
        apiUrl: e.ALLEGRO_API_URL,
        clientId: e.ALLEGRO_CLIENT_ID,
        clientSecret: e.ALLEGRO_CLIENT_SECRET
      },
      sandbox: {
        webUrl: e.ALLEGRO_SANDBOX_WEB_URL,
        apiUrl: e.ALLEGRO_SANDBOX_API_URL,
        clientId: e.ALLEGRO_SANDBOX_CLIENT_ID,
        clientSecret: e.ALLEGRO_SANDBOX_CLIENT_SECRET
      },
      timeoutMs: e.ALLEGRO_TIMEOUT_MS,
      retryBaseMs: e.ALLEGRO_RETRY_BASE_MS,
      importMaxRequests: e.ALLEGRO_IMPORT_MAX_REQUESTS,
      importMaxMinutes: e.ALLEGRO_IMPORT_MAX_MINUTES
    },
    nbpApiUrl: e.NBP_API_URL.replace(/\/+$/, ''),
    whiteList: { apiUrl: e.WHITELIST_API_URL.replace(/\/+$/, ''), timeoutMs: e.WHITELIST_TIMEOUT_MS },
    smtpTimeoutMs: e.SMTP_TIMEOUT_MS,
    ksef: {
      environments: {
        produkcja: { apiUrl: trimSlash(e.KSEF_PRODUCTION_API_URL), qrUrl: trimSlash(e.KSEF_PRODUCTION_QR_URL) },
        demo: { apiUrl: trimSlash(e.KSEF_DEMO_API_URL), qrUrl: trimSlash(e.KSEF_DEMO_QR_URL) },
        test: { apiUrl: trimSlash(e.KSEF_TEST_API_URL), qrUrl: trimSlash(e.KSEF_TEST_QR_URL) },
        symulator: { apiUrl: trimSlash(e.KSEF_SIMULATOR_API_URL), qrUrl: trimSlash(e.KSEF_SIMULATOR_QR_URL) }
      },
      timeoutMs: e.KSEF_TIMEOUT_MS,
      retryBaseMs: e.KSEF_RETRY_BASE_MS,
      workerIntervalMs: e.KSEF_WORKER_INTERVAL_MS,
      purchasesIntervalMs: e.KSEF_PURCHASES_INTERVAL_MS
    }
  }
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '')
}
