import formbody from '@fastify/formbody'
import fastifyStatic from '@fastify/static'
import Fastify, { type FastifyError, type FastifyInstance, type FastifyServerOptions } from 'fastify'
import { NoResultError } from 'kysely'
import type { Config } from './config.ts'
import { openDatabase, type Database } from './db/database.ts'
import { migrateToLatest } from './db/migrate.ts'
import { publicDir } from './paths.ts'
import authPlugin, { requireUser } from './plugins/auth.ts'
import databasePlugin, { isDatabaseReachable } from './plugins/database.ts'
import securityPlugin, { addPageSecurityHooks } from './plugins/security.ts'
import sessionPlugin from './plugins/session.ts'
import viewsPlugin from './plugins/views.ts'
import { deriveKey, passwordHasher, type PasswordHasher, type ScryptCost } from './shared/crypto.ts'
import { systemClock, type Clock } from './shared/dates.ts'
import { ConflictError, ForbiddenError, NotFoundError } from './shared/errors.ts'
import authRoutes from './users/auth.routes.ts'
import setupRoutes from './settings/setup.routes.ts'
import settingsRoutes from './settings/settings.routes.ts'
import usersRoutes from './users/users.routes.ts'
import allegroRoutes from './allegro/allegro.routes.ts'
import { mountAllegroSimulator } from './simulators/allegro/mount.ts'
import { mountKsefSimulator } from './simulators/ksef/mount.ts'
import transactionsRoutes from './transactions/transactions.routes.ts'
import documentsRoutes from './sales/documents.routes.ts'
import correctionsRoutes from './sales/corrections.routes.ts'
import contractorsRoutes from './contractors/contractors.routes.ts'
import { listDocuments } from './documents/documents.queries.ts'
import emailRoutes from './email/email.routes.ts'
import productsRoutes from './products/products.routes.ts'
import ledgerRoutes from './ledger/ledger.routes.ts'
import jpkRoutes from './jpk/jpk.routes.ts'
import jpkAnnualRoutes from './jpk/jpk-annual.routes.ts'
import { createJpkSchemaChecker, type JpkSchemaChecker, type JpkValidator } from './jpk/jpk-schema.ts'
import ksefSettingsRoutes from './ksef/settings.routes.ts'
import purchasesRoutes from './purchases/purchases.routes.ts'
import homeRoutes from './dashboard/home.routes.ts'
import { startAutoImport, type AutoImport } from './transactions/import-runner.ts'
import { startAllegroDeliveryWorker, type AllegroDeliveryWorker } from './delivery/allegro-delivery.sender.ts'
import { startKsefWorker, type KsefWorker } from './ksef/ksef-worker.ts'
import { startPurchaseWorker, type PurchaseWorker } from './purchases/purchases.worker.ts'
import backupsRoutes from './backups/backups.routes.ts'
import { startBackupWorker, type BackupService } from './backups/backups.worker.ts'

export interface AppDeps {
  /** An already migrated database (tests); otherwise config.databaseFile is opened and migrated. */
  db?: Database
  now?: Clock
  /** Milliseconds for session expiry; real time unless a test moves it (kept apart from `now`,
   * which tests move by days for business dates). */
  sessionNow?: () => number
  /** The fetch the Allegro and NBP clients use; tests may wrap it. */
  fetch?: typeof fetch
  /** 32+ bytes; derived keys for sessions and encrypted secrets come from it. */
  appSecret: Buffer
  logger?: FastifyServerOptions['logger']
  /** The JPK files' XSD check (xmllint-wasm); tests count or fail its calls. */
  validateJpk?: JpkValidator
  /** scrypt cost of passwords (default SCRYPT_COST); tests pass a cheap one so logins stay fast */
  passwordCost?: ScryptCost
}

/** What feature modules get besides the Fastify instance. */
interface AppContext {
  config: Config
  now: Clock
  fetch: typeof fetch
  secretsKey: Buffer
  sessionNow: () => number
  /** XSD check of JPK files: run on download and filing, remembered for the pages */
  jpkSchema: JpkSchemaChecker
  passwords: PasswordHasher
}

declare module 'fastify' {
  interface FastifyInstance {
    ctx: AppContext
    /** every method + URL the app serves; the security tests walk it instead of a hand-kept list */
    routeTable: Array<{ method: string; url: string }>
    /** the background KSeF sender (null before onReady and after close) */
    ksefWorker: KsefWorker | null
    /** the purchase download (Pobierz z KSeF queues a run on it); null before ready and after close */
    purchaseWorker: PurchaseWorker | null
    /** the daily backup and the page's button (null before onReady and after close) */
    backups: BackupService | null
  }
}

export async function buildApp(config: Config, deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: deps.logger ?? false,
    trustProxy: config.trustProxy,
    bodyLimit: 1024 * 1024,
    routerOptions: { ignoreTrailingSlash: true }
  })

  const routeTable: Array<{ method: string; url: string }> = []
  app.decorate('routeTable', routeTable)
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routeTable.push({ method, url: route.url })
  })

  let db = deps.db
  if (!db) {
    const opened = openDatabase(config.databaseFile)
    await migrateToLatest(opened.db, opened.sqlite)
    db = opened.db
  }

  app.decorate('ctx', {
    config,
    now: deps.now ?? systemClock,
    fetch: deps.fetch ?? globalThis.fetch,
    secretsKey: deriveKey(deps.appSecret, 'secrets'),
    sessionNow: deps.sessionNow ?? Date.now,
    jpkSchema: createJpkSchemaChecker(deps.validateJpk),
    passwords: passwordHasher(deps.passwordCost)
  })

  await app.register(formbody, { bodyLimit: 1024 * 1024 })
  await app.register(sessionPlugin, { key: deriveKey(deps.appSecret, 'session'), secure: config.cookieSecure })
  await app.register(securityPlugin, { cookieSecure: config.cookieSecure })
  await app.register(viewsPlugin, { cache: config.templateCache })
  await app.register(fastifyStatic, { root: publicDir, prefix: '/public/', maxAge: '1h' })
  await app.register(databasePlugin, { db, closeOnShutdown: !deps.db })
  await mountAllegroSimulator(app, config, { appSecret: deps.appSecret, now: app.ctx.now })
  await mountKsefSimulator(app, config, { appSecret: deps.appSecret, now: app.ctx.now })
  // one line at start says whether the login-free demo endpoints are exposed, and why (ASVS 14.1.3)
  app.log.info(
    { allegroSimulator: config.simulator.enabled, ksefSimulator: config.ksefSimulator.enabled },
    `Symulatory: ${config.simulatorReason}`
  )

  // set before any route module registers, so every scope inherits it
  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    if (error instanceof NotFoundError || error instanceof NoResultError) {
      return reply.code(404).viewAsync('errors/not-found', {
        title: 'Nie znaleziono',
        message: error instanceof NotFoundError ? error.message : 'Nie znaleziono takiej strony ani rekordu.'
      })
    }
    if (error instanceof ForbiddenError) {
      return reply.code(403).viewAsync('errors/forbidden', { title: 'Brak dostępu', message: error.message })
    }
    if (error instanceof ConflictError) {
      return reply.code(409).viewAsync('errors/error', { title: 'Konflikt', message: error.message })
    }
    if (error.code === 'FST_CSRF_INVALID_TOKEN' || error.code === 'FST_CSRF_MISSING_SECRET') {
      return reply.code(403).viewAsync('errors/form-expired', { title: 'Formularz wygasł' })
    }
    if (error.statusCode === 429) {
      return reply.code(429).viewAsync('errors/error', {
        title: 'Zbyt wiele prób',
        message: 'Zbyt wiele prób w krótkim czasie. Odczekaj chwilę i spróbuj ponownie.'
      })
    }
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      return reply.code(error.statusCode).viewAsync('errors/error', {
        title: 'Nieprawidłowe żądanie',
        message: 'Serwer nie mógł przetworzyć tego żądania. Sprawdź dane i spróbuj ponownie.'
      })
    }
    request.log.error({ err: error, method: request.method, url: request.url }, 'request failed')
    return reply.code(500).viewAsync('errors/server-error', { title: 'Błąd serwera' })
  })

  app.setNotFoundHandler({ preHandler: app.rateLimit({ max: 60, timeWindow: 60_000 }) }, async (_request, reply) => {
    return reply.code(404).viewAsync('errors/not-found', { title: 'Nie znaleziono', message: 'Nie ma takiej strony.' })
  })

  // The site's own pages: CSRF, no caching, the logged-in user, the form token and flash
  // messages. The static files and the simulators above are outside this scope.
  await app.register(async (site) => {
    addPageSecurityHooks(site)
    await site.register(authPlugin)
    site.addHook('preHandler', async (request, reply) => {
      reply.locals.csrfToken = reply.generateCsrf()
      reply.locals.flash = request.takeFlash()
    })

    site.get('/healthz', async (_request, reply) => {
      const ok = await isDatabaseReachable(app.db)
      return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'database unreachable' })
    })

    await site.register(setupRoutes)
    await site.register(authRoutes)
    await site.register(pageRoutes)
  })

  /** Everything behind the login. */
  async function pageRoutes(pages: FastifyInstance): Promise<void> {
    pages.addHook('preHandler', requireUser)
    await pages.register(homeRoutes)
    await pages.register(settingsRoutes)
    await pages.register(usersRoutes)
    await pages.register(allegroRoutes)
    await pages.register(transactionsRoutes)
    await pages.register(documentsRoutes)
    await pages.register(correctionsRoutes)
    await pages.register(contractorsRoutes, {
      documentsOf: async (db, contractorId, page) =>
        await listDocuments(db, { type: '', month: '', contractorId, q: '', page })
    })
    await pages.register(emailRoutes)
    await pages.register(productsRoutes)
    await pages.register(ledgerRoutes)
    await pages.register(jpkRoutes)
    await pages.register(jpkAnnualRoutes)
    await pages.register(ksefSettingsRoutes)
    await pages.register(purchasesRoutes)
    await pages.register(backupsRoutes)
  }

  let autoImport: AutoImport | null = null
  app.addHook('onReady', async () => {
    autoImport = startAutoImport(app)
  })
  app.addHook('onClose', async () => {
    await autoImport?.stop()
  })
  let deliveries: AllegroDeliveryWorker | null = null
  app.addHook('onReady', async () => {
    deliveries = startAllegroDeliveryWorker(app)
  })
  app.addHook('preClose', async () => {
    await deliveries?.stop()
  })
  app.decorate('ksefWorker', null)
  app.addHook('onReady', async () => {
    app.ksefWorker = startKsefWorker(app)
  })
  app.addHook('preClose', async () => {
    await app.ksefWorker?.stop()
    app.ksefWorker = null
  })
  app.decorate('purchaseWorker', null)
  app.addHook('onReady', async () => {
    app.purchaseWorker = startPurchaseWorker(app)
  })
  app.addHook('preClose', async () => {
    await app.purchaseWorker?.stop()
    app.purchaseWorker = null
  })
  app.decorate('backups', null)
  app.addHook('onReady', async () => {
    app.backups = startBackupWorker(app)
  })
  app.addHook('preClose', async () => {
    await app.backups?.stop()
    app.backups = null
  })

  return app
}
