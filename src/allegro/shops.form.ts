import { type FormResult, Validator, checkbox, text } from '../shared/form.ts'
import { type AllegroEnvironment, type AppEnvironment, type ShopRow } from './shops.queries.ts'

export const ENVIRONMENT_LABELS: Record<AllegroEnvironment, string> = {
  production: 'Allegro',
  sandbox: 'Allegro Sandbox (testowe)',
  simulator: 'Symulator Allegro (wbudowany)'
}

export const BUYER_DATA_SOURCES = ['delivery', 'account_owner'] as const
export const BUYER_DATA_SOURCE_LABELS: Record<(typeof BUYER_DATA_SOURCES)[number], string> = {
  delivery: 'Dane dostawy',
  account_owner: 'Dane właściciela konta'
}

const DEFAULT_BACKFILL_DAYS = 30
/** Allegro guarantees only the last 12 months of orders. */
const MAX_BACKFILL_DAYS = 365
/** The seed's rule: new transactions at most every 10 minutes. */
export const MIN_AUTO_IMPORT_MINUTES = 10
const MAX_AUTO_IMPORT_MINUTES = 24 * 60

export interface ShopValues {
  name: string
  environment: string
  buyerDataSource: string
  backfillDays: string
  autoImport: boolean
  autoImportMinutes: string
  autoSendDocuments: boolean
}

export interface ShopColumns {
  name: string
  environment: AllegroEnvironment
  buyer_data_source: (typeof BUYER_DATA_SOURCES)[number]
  backfill_days: number
  auto_import_minutes: number | null
  auto_send_documents: number
}

export function emptyShopValues(environment: AllegroEnvironment): ShopValues {
  return {
    name: '',
    environment,
    buyerDataSource: 'delivery',
    backfillDays: String(DEFAULT_BACKFILL_DAYS),
    autoImport: false,
    autoImportMinutes: '60',
    autoSendDocuments: false
  }
}

export function shopToValues(shop: ShopRow): ShopValues {
  return {
    name: shop.name,
    environment: shop.environment,
    buyerDataSource: shop.buyer_data_source,
    backfillDays: String(shop.backfill_days),
    autoImport: shop.auto_import_minutes !== null,
    autoImportMinutes: String(shop.auto_import_minutes ?? 60),
    autoSendDocuments: shop.auto_send_documents === 1
  }
}

/**
 * `environments` are the ones offered right now (the simulator only when it is on);
 * `lockedEnvironment` is set once a shop has been connected: its tokens belong to that one.
 */
export function parseShopForm(
  body: unknown,
  opts: { environments: readonly AllegroEnvironment[]; lockedEnvironment: AllegroEnvironment | null }
): FormResult<ShopValues> & { columns: ShopColumns | null } {
  const values: ShopValues = {
    name: text(body, 'name'),
    environment: opts.lockedEnvironment ?? text(body, 'environment'),
    buyerDataSource: text(body, 'buyerDataSource'),
    backfillDays: text(body, 'backfillDays'),
    autoImport: checkbox(body, 'autoImport'),
    autoImportMinutes: text(body, 'autoImportMinutes'),
    autoSendDocuments: checkbox(body, 'autoSendDocuments')
  }
  const v = new Validator()
  if (v.required('name', values.name, 'Podaj nazwę sklepu.')) v.maxLength('name', values.name, 100)
  if (opts.lockedEnvironment === null)
    v.oneOf('environment', values.environment, opts.environments, 'Wybierz środowisko Allegro.')
  v.oneOf('buyerDataSource', values.buyerDataSource, BUYER_DATA_SOURCES, 'Wybierz, skąd brać dane kupującego.')
  const backfill = wholeNumber(values.backfillDays)
  v.check(
    backfill !== null && backfill >= 0 && backfill <= MAX_BACKFILL_DAYS,
    'backfillDays',
    `Podaj liczbę dni od 0 do ${MAX_BACKFILL_DAYS}.`
  )
  let autoMinutes: number | null = null
  if (values.autoImport) {
    autoMinutes = wholeNumber(values.autoImportMinutes)
    v.check(
      autoMinutes !== null && autoMinutes >= MIN_AUTO_IMPORT_MINUTES && autoMinutes <= MAX_AUTO_IMPORT_MINUTES,
      'autoImportMinutes',
      `Automatyczny import najczęściej co ${MIN_AUTO_IMPORT_MINUTES} minut, najrzadziej co ${MAX_AUTO_IMPORT_MINUTES} minut (raz na dobę).`
    )
  }
  if (!v.ok) return { values, errors: v.errors, columns: null }
  return {
    values,
    errors: {},
    columns: {
      name: values.name,
      environment: values.environment as AllegroEnvironment,
      buyer_data_source: values.buyerDataSource as ShopColumns['buyer_data_source'],
      backfill_days: backfill!,
      auto_import_minutes: autoMinutes,
      auto_send_documents: values.autoSendDocuments ? 1 : 0
    }
  }
}

function wholeNumber(value: string): number | null {
  return /^\d{1,6}$/.test(value) ? Number(value) : null
}

// --- Allegro app credentials -----------------------------------------------------------------

export interface AppValues {
  clientId: string
  appName: string
}

export const APP_ENVIRONMENTS = ['production', 'sandbox'] as const satisfies readonly AppEnvironment[]

export function parseAppForm(
  body: unknown,
  opts: { hasSavedSecret: boolean }
): FormResult<AppValues> & { clientSecret: string } {
  const values: AppValues = { clientId: text(body, 'clientId'), appName: text(body, 'appName') || 'Biurko' }
  const clientSecret = text(body, 'clientSecret')
  const v = new Validator()
  if (v.required('clientId', values.clientId, 'Podaj Client ID aplikacji.')) {
    v.check(
      /^[A-Za-z0-9_-]{8,200}$/.test(values.clientId),
      'clientId',
      'Client ID to 8–200 znaków: litery, cyfry, myślnik lub podkreślnik (skopiuj go z apps.developer.allegro.pl).'
    )
  }
  if (clientSecret === '') {
    v.check(opts.hasSavedSecret, 'clientSecret', 'Podaj Client Secret aplikacji.')
  } else {
    v.check(
      /^[\x21-\x7e]{8,500}$/.test(clientSecret),
      'clientSecret',
      'Client Secret to 8–500 znaków bez spacji i polskich liter (skopiuj go z apps.developer.allegro.pl).'
    )
  }
  v.check(
    /^[A-Za-z0-9 ._-]{1,60}$/.test(values.appName),
    'appName',
    'Nazwa aplikacji: do 60 znaków, litery bez polskich znaków, cyfry, spacja, kropka, myślnik.'
  )
  return { values, errors: v.errors, clientSecret }
}
