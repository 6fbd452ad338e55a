import type { FastifyInstance, FastifyReply } from 'fastify'
import { requireAdministration, requirePermission } from '../plugins/auth.ts'
import { getCompany, updateCompany } from '../settings/company.queries.ts'
import { encryptSecret } from '../shared/crypto.ts'
import { toStoredTimestamp } from '../shared/dates.ts'
import { NotFoundError } from '../shared/errors.ts'
import { checkbox, parseId, type FieldErrors } from '../shared/form.ts'
import { AllegroApiError } from './allegro.errors.ts'
import { advanceConnection, cancelConnection, startConnection, removeShop } from './connection.ts'
import { ALLEGRO_DEFAULT_URLS, allegroClientForShop, isSimulatorAvailable } from './shop-client.ts'
import {
  APP_ENVIRONMENTS,
  BUYER_DATA_SOURCES,
  BUYER_DATA_SOURCE_LABELS,
  ENVIRONMENT_LABELS,
  MIN_AUTO_IMPORT_MINUTES,
  emptyShopValues,
  parseAppForm,
  parseShopForm,
  shopToValues,
  type AppValues,
  type ShopValues
} from './shops.form.ts'
import {
  ENVIRONMENTS,
  deleteAllegroApp,
  findAllegroApp,
  findDeviceAuthorization,
  getShop,
  insertShop,
  listDeviceAuthorizationShopIds,
  listShops,
  shopNameTaken,
  updateShop,
  upsertAllegroApp,
  type AllegroEnvironment,
  type AppEnvironment,
  type ShopRow
} from './shops.queries.ts'

const BASE = '/ustawienia/integracje/allegro'

/** Polish URL segment ↔ environment of an Allegro app. */
const APP_SLUGS: Record<AppEnvironment, string> = { production: 'produkcja', sandbox: 'sandbox' }

const STATUS_VIEW = {
  not_connected: { label: 'niepołączony', badge: '' },
  connecting: { label: 'czeka na potwierdzenie w Allegro', badge: 'warn' },
  connected: { label: 'połączony', badge: 'ok' },
  reconnect_required: { label: 'wymaga ponownego połączenia', badge: 'err' }
} as const

type AppFormState = Partial<Record<AppEnvironment, { values: AppValues; errors: FieldErrors }>>

function shopIdFrom(params: unknown): number {
  const id = parseId((params as Record<string, unknown>).id)
  if (id === null) throw new NotFoundError('Nie ma takiego sklepu Allegro.')
  return id
}

/** A shop that was ever connected keeps its environment: its account and tokens live there. */
function lockedEnvironment(shop: ShopRow): AllegroEnvironment | null {
  return shop.allegro_user_id !== null || shop.access_token_enc !== null
    ? (shop.environment as AllegroEnvironment)
    : null
}

export default async function allegroRoutes(app: FastifyInstance): Promise<void> {
  app.addHook('preHandler', requirePermission('allegro'))
  // every route here is a company-wide setting: apps, shops, the module switch
  app.addHook('preHandler', requireAdministration)

  const now = (): string => toStoredTimestamp(app.ctx.now())

  function offeredEnvironments(): AllegroEnvironment[] {
    return ENVIRONMENTS.filter((env) => env !== 'simulator' || isSimulatorAvailable(app))
  }

  function environmentOptions(): Array<{ value: string; label: string }> {
    return offeredEnvironments().map((value) => ({ value, label: ENVIRONMENT_LABELS[value] }))
  }

  /** The web and API address a shop's calls go to, when the configuration moved them off Allegro's own. */
  function serversOf(environment: string): { webUrl: string; apiUrl: string } | null {
    if (environment !== 'production' && environment !== 'sandbox') return null
    const urls = app.ctx.config.allegro[environment]
    const webUrl = urls.webUrl.replace(/\/+$/, '')
    const apiUrl = urls.apiUrl.replace(/\/+$/, '')
    const usual = ALLEGRO_DEFAULT_URLS[environment]
    return webUrl === usual.webUrl && apiUrl === usual.apiUrl ? null : { webUrl, apiUrl }
  }

  async function renderSettings(reply: FastifyReply, status: number, appForms: AppFormState = {}): Promise<unknown> {
    const company = await getCompany(app.db)
    const connecting = new Set(await listDeviceAuthorizationShopIds(app.db))
    const shops = (await listShops(app.db)).map((shop) => {
      const view = STATUS_VIEW[shop.connection_status as keyof typeof STATUS_VIEW] ?? STATUS_VIEW.not_connected
      return {
        id: shop.id,
        name: shop.name,
        environment: ENVIRONMENT_LABELS[shop.environment as AllegroEnvironment] ?? shop.environment,
        servers: serversOf(shop.environment),
        status: shop.connection_status,
        statusLabel: view.label,
        badge: view.badge,
        login: shop.allegro_login,
        userId: shop.allegro_user_id,
        tokenExpiresAt: shop.access_token_enc !== null ? shop.access_token_expires_at : null,
        lastSuccessAt: shop.last_success_at,
        lastError: shop.last_error,
        lastErrorAt: shop.last_error_at,
        waitingForApproval: connecting.has(shop.id),
        buyerDataSource:
          BUYER_DATA_SOURCE_LABELS[shop.buyer_data_source as keyof typeof BUYER_DATA_SOURCE_LABELS] ??
          shop.buyer_data_source,
        backfillDays: shop.backfill_days,
        autoImportMinutes: shop.auto_import_minutes
      }
    })
    const apps = []
    for (const environment of APP_ENVIRONMENTS) {
      const configured = app.ctx.config.allegro[environment]
      const saved = await findAllegroApp(app.db, environment)
      const form = appForms[environment]
      apps.push({
        environment,
        slug: APP_SLUGS[environment],
        label: ENVIRONMENT_LABELS[environment],
        fromConfig: configured.clientId !== '' && configured.clientSecret !== '',
        configClientId: configured.clientId,
        saved: saved !== undefined,
        registerUrl:
          environment === 'production'
            ? 'https://apps.developer.allegro.pl'
            : 'https://apps.developer.allegro.pl.allegrosandbox.pl',
        values: form?.values ?? { clientId: saved?.client_id ?? '', appName: saved?.app_name ?? 'Biurko' },
        errors: form?.errors ?? {}
      })
    }
    return await reply.code(status).viewAsync('allegro/settings', {
      title: 'Ustawienia » Integracje » Allegro',
      allegroEnabled: company.allegro_enabled === 1,
      autoClose: company.allegro_auto_close === 1,
      shops,
      apps,
      simulatorAvailable: isSimulatorAvailable(app)
    })
  }

  function renderShopForm(
    reply: FastifyReply,
    status: number,
    data: { shop: ShopRow | null; values: ShopValues; errors: FieldErrors }
  ): Promise<unknown> {
    const locked = data.shop === null ? null : lockedEnvironment(data.shop)
    return reply.code(status).viewAsync('allegro/shop-form', {
      title: data.shop === null ? 'Dodaj sklep Allegro' : `Sklep ${data.shop.name}`,
      shopId: data.shop?.id ?? null,
      values: data.values,
      errors: data.errors,
      environmentLocked: locked !== null,
      environmentLabel: locked === null ? '' : ENVIRONMENT_LABELS[locked],
      environments: environmentOptions(),
      buyerDataSources: BUYER_DATA_SOURCES.map((value) => ({ value, label: BUYER_DATA_SOURCE_LABELS[value] })),
      minAutoImportMinutes: MIN_AUTO_IMPORT_MINUTES
    })
  }

  app.get('/ustawienia/integracje', async (_request, reply) => reply.redirect(BASE, 303))

  app.get(BASE, async (_request, reply) => await renderSettings(reply, 200))

  app.post(`${BASE}/modul`, async (request, reply) => {
    const enabled = checkbox(request.body, 'allegroEnabled')
    await updateCompany(
      app.db,
      { allegro_enabled: enabled ? 1 : 0, allegro_auto_close: checkbox(request.body, 'allegroAutoClose') ? 1 : 0 },
      now()
    )
    reply.flash(
      'success',
      enabled
        ? 'Zapisano ustawienia modułu Allegro.'
        : 'Moduł Allegro jest wyłączony – zakładka PRZYCHODY » ALLEGRO jest ukryta.'
    )
    return reply.redirect(BASE, 303)
  })

  // --- Allegro app credentials (production, sandbox) ---------------------------------------

  function appEnvironmentFrom(params: unknown): AppEnvironment {
    const slug = (params as Record<string, unknown>).environment
    const environment = APP_ENVIRONMENTS.find((env) => APP_SLUGS[env] === slug)
    if (environment === undefined) throw new NotFoundError('Nie ma takiego środowiska Allegro.')
    return environment
  }

  app.post(`${BASE}/aplikacje/:environment`, async (request, reply) => {
    const environment = appEnvironmentFrom(request.params)
    const saved = await findAllegroApp(app.db, environment)
    const form = parseAppForm(request.body, { hasSavedSecret: saved !== undefined })
    if (Object.keys(form.errors).length > 0) {
      return await renderSettings(reply, 422, { [environment]: { values: form.values, errors: form.errors } })
    }
    await upsertAllegroApp(
      app.db,
      {
        environment,
        client_id: form.values.clientId,
        client_secret_enc: form.clientSecret === '' ? null : encryptSecret(app.ctx.secretsKey, form.clientSecret),
        app_name: form.values.appName
      },
      now()
    )
    reply.flash('success', `Zapisano dane aplikacji dla środowiska ${ENVIRONMENT_LABELS[environment]}.`)
    return reply.redirect(`${BASE}#aplikacja-${APP_SLUGS[environment]}`, 303)
  })

  app.post(`${BASE}/aplikacje/:environment/usuniecie`, async (request, reply) => {
    const environment = appEnvironmentFrom(request.params)
    await deleteAllegroApp(app.db, environment)
    reply.flash('success', `Usunięto zapisane dane aplikacji dla środowiska ${ENVIRONMENT_LABELS[environment]}.`)
    return reply.redirect(BASE, 303)
  })

  // --- shops -------------------------------------------------------------------------------

  app.get(`${BASE}/sklepy/nowy`, async (_request, reply) => {
    const environment = isSimulatorAvailable(app) ? 'simulator' : 'production'
    return await renderShopForm(reply, 200, { shop: null, values: emptyShopValues(environment), errors: {} })
  })

  app.post(`${BASE}/sklepy`, async (request, reply) => {
    const form = parseShopForm(request.body, { environments: offeredEnvironments(), lockedEnvironment: null })
    if (form.columns !== null && (await shopNameTaken(app.db, form.columns.name, null)))
      form.errors.name = 'Sklep o tej nazwie już jest w Biurku.'
    if (form.columns === null || Object.keys(form.errors).length > 0) {
      return await renderShopForm(reply, 422, { shop: null, values: form.values, errors: form.errors })
    }
    const at = now()
    await insertShop(app.db, { ...form.columns, created_at: at, updated_at: at })
    reply.flash('success', `Dodano sklep ${form.columns.name}. Teraz połącz go z kontem Allegro.`)
    return reply.redirect(BASE, 303)
  })

  app.get(`${BASE}/sklepy/:id`, async (request, reply) => {
    const shop = await getShop(app.db, shopIdFrom(request.params))
    return await renderShopForm(reply, 200, { shop, values: shopToValues(shop), errors: {} })
  })

  app.post(`${BASE}/sklepy/:id`, async (request, reply) => {
    const shop = await getShop(app.db, shopIdFrom(request.params))
    const form = parseShopForm(request.body, {
      environments: [...new Set([...offeredEnvironments(), shop.environment as AllegroEnvironment])],
      lockedEnvironment: lockedEnvironment(shop)
    })
    if (form.columns !== null && (await shopNameTaken(app.db, form.columns.name, shop.id)))
      form.errors.name = 'Sklep o tej nazwie już jest w Biurku.'
    if (form.columns === null || Object.keys(form.errors).length > 0) {
      return await renderShopForm(reply, 422, { shop, values: form.values, errors: form.errors })
    }
    await updateShop(app.db, shop.id, { ...form.columns, updated_at: now() })
    reply.flash('success', `Zapisano sklep ${form.columns.name}.`)
    return reply.redirect(BASE, 303)
  })

  app.post(`${BASE}/sklepy/:id/usuniecie`, async (request, reply) => {
    const shop = await getShop(app.db, shopIdFrom(request.params))
    await removeShop(app.db, shop.id, now())
    reply.flash(
      'success',
      `Usunięto sklep ${shop.name}. Pobrane z niego transakcje i wystawione dokumenty zostają w Biurku.`
    )
    return reply.redirect(BASE, 303)
  })

  app.post(`${BASE}/sklepy/:id/sprawdzenie`, async (request, reply) => {
    const shop = await getShop(app.db, shopIdFrom(request.params))
    try {
      const client = await allegroClientForShop(app, shop.id)
      const me = await client.getMe()
      reply.flash(
        'success',
        `Połączenie ze sklepem ${shop.name} działa (konto Allegro: ${typeof me.login === 'string' ? me.login : '?'}).`
      )
    } catch (error) {
      if (!(error instanceof AllegroApiError)) throw error
      reply.flash('error', `Sklep ${shop.name}: ${error.userMessage}`)
    }
    return reply.redirect(BASE, 303)
  })

  // --- connecting (OAuth2 device flow) -----------------------------------------------------

  app.get(`${BASE}/sklepy/:id/polaczenie`, async (request, reply) => {
    const shop = await getShop(app.db, shopIdFrom(request.params))
    const step = await advanceConnection(app, shop.id)
    const self = `${BASE}/sklepy/${shop.id}/polaczenie`
    switch (step.state) {
      case 'connected':
        reply.flash('success', `Połączono z kontem ${step.login}.`)
        return reply.redirect(BASE, 303)
      case 'expired':
        reply.flash('error', 'Kod połączenia wygasł albo został już wykorzystany. Zacznij łączenie od nowa.')
        return reply.redirect(self, 303)
      case 'denied':
        reply.flash('error', 'Połączenie zostało odrzucone na stronie Allegro. Możesz spróbować ponownie.')
        return reply.redirect(self, 303)
      case 'account_mismatch':
        reply.flash(
          'error',
          `Zalogowano się w Allegro na konto ${step.actualLogin}, a ten sklep jest połączony z kontem ${step.expectedLogin}. ` +
            `Połączenia nie zmieniono. Aby pobierać transakcje z konta ${step.actualLogin}, dodaj je jako nowy sklep.`
        )
        return reply.redirect(BASE, 303)
      case 'account_in_use':
        reply.flash(
          'error',
          `Konto Allegro ${step.login} jest już połączone ze sklepem „${step.shopName}”. ` +
            'Jedno konto może zasilać tylko jeden sklep w Biurku – inaczej każda transakcja zostałaby pobrana dwa razy.'
        )
        return reply.redirect(BASE, 303)
      case 'waiting':
        return await reply.viewAsync('allegro/waiting', {
          title: `Łączenie sklepu ${shop.name} z Allegro`,
          shop: { id: shop.id, name: shop.name },
          step,
          refreshSeconds: Math.max(step.intervalSeconds, 2)
        })
      case 'idle':
        return await reply.viewAsync('allegro/connect', {
          title: `Połącz sklep ${shop.name} z Allegro`,
          shop: {
            id: shop.id,
            name: shop.name,
            login: shop.allegro_login,
            status: shop.connection_status,
            environment: ENVIRONMENT_LABELS[shop.environment as AllegroEnvironment] ?? shop.environment,
            isSimulator: shop.environment === 'simulator'
          }
        })
    }
  })

  app.post(`${BASE}/sklepy/:id/polaczenie`, async (request, reply) => {
    const shop = await getShop(app.db, shopIdFrom(request.params))
    try {
      await startConnection(app, shop.id)
    } catch (error) {
      if (!(error instanceof AllegroApiError)) throw error
      request.log.warn(
        { shopId: shop.id, code: error.code, traceId: error.traceId },
        'allegro device authorisation failed to start'
      )
      reply.flash('error', error.userMessage)
      return reply.redirect(
        error.kind === 'not_configured' ? `${BASE}#aplikacje` : `${BASE}/sklepy/${shop.id}/polaczenie`,
        303
      )
    }
    return reply.redirect(`${BASE}/sklepy/${shop.id}/polaczenie`, 303)
  })

  app.post(`${BASE}/sklepy/:id/polaczenie/anulowanie`, async (request, reply) => {
    const shop = await getShop(app.db, shopIdFrom(request.params))
    const pending = await findDeviceAuthorization(app.db, shop.id)
    await cancelConnection(app, shop.id)
    if (pending) reply.flash('info', `Przerwano łączenie sklepu ${shop.name}.`)
    return reply.redirect(BASE, 303)
  })
}
