// USTAWIENIA » INTEGRACJE » KSeF (the owner or the administration permission): the connection, the connection test and
// the health panel. Secrets are sealed with the app's secrets key, never rendered, never logged.
import type { FastifyInstance, FastifyReply } from 'fastify'
import type { KsefEnvironment } from '../config.ts'
import { requireAdministration } from '../plugins/auth.ts'
import { encryptSecret } from '../shared/crypto.ts'
import { toStoredTimestamp } from '../shared/dates.ts'
import type { FieldErrors } from '../shared/form.ts'
import { connectionOf, ENVIRONMENT_LABELS, type ConnectionRow } from './connection.queries.ts'
import { saveKsefConnection } from './connection-settings.ts'
import { ksefHealth, testKsefConnection } from './ksef-sender.ts'
import { KSEF_SIMULATOR_PREFIX, ksefDepsOf } from './ksef-worker.ts'
import { KSEF_ENVIRONMENTS, parseSettingsForm, type SettingsValues } from './settings.form.ts'

const KSEF_SETTINGS_PATH = '/ustawienia/integracje/ksef'

export default async function ksefSettingsRoutes(app: FastifyInstance): Promise<void> {
  app.addHook('preHandler', requireAdministration)

  async function companyNip(): Promise<string> {
    return (await app.db.selectFrom('company').select('nip').where('id', '=', 1).executeTakeFirst())?.nip ?? ''
  }

  /** The simulator's token page, for the owner who connects the built-in simulator by hand. */
  async function simulatorTokenUrl(): Promise<string | null> {
    const standalone = app.ctx.config.ksef.environments.symulator.apiUrl
    const base =
      standalone !== '' ? standalone.replace(/\/v2$/, '') : app.ksefSimulator !== null ? KSEF_SIMULATOR_PREFIX : null
    if (base === null) return null
    const nip = (await companyNip()).replace(/\D/g, '')
    return `${base}/demo/token${nip === '' ? '' : `?nip=${nip}`}`
  }

  function valuesOf(row: ConnectionRow | undefined): SettingsValues {
    return {
      environment: row?.environment ?? 'symulator',
      contextNip: row?.context_nip ?? '',
      authMethod: row?.auth_method ?? 'token',
      autoSend: row === undefined ? true : row.auth_method !== null && row.auto_send === 1
    }
  }

  async function render(
    reply: FastifyReply,
    status: number,
    form?: { values: SettingsValues; errors: FieldErrors }
  ): Promise<unknown> {
    const row = await connectionOf(app.db)
    return await reply.code(status).viewAsync('ksef/settings', {
      title: 'Ustawienia » Integracje » KSeF',
      base: KSEF_SETTINGS_PATH,
      values: form?.values ?? valuesOf(row),
      errors: form?.errors ?? {},
      environments: KSEF_ENVIRONMENTS.map((value) => ({ value, label: ENVIRONMENT_LABELS[value] })),
      companyNip: await companyNip(),
      simulatorTokenUrl: await simulatorTokenUrl(),
      connection:
        row === undefined
          ? null
          : {
              environment: ENVIRONMENT_LABELS[row.environment as KsefEnvironment] ?? row.environment,
              authMethod: row.auth_method,
              hasToken: row.token_enc !== null,
              hasCertificate: row.certificate_pem !== null && row.private_key_enc !== null,
              hasOfflineCertificate: row.offline_certificate_pem !== null && row.offline_private_key_enc !== null,
              certificateExpiresAt: row.certificate_expires_at,
              accessTokenExpiresAt: row.access_token_enc !== null ? row.access_token_expires_at : null,
              refreshTokenExpiresAt: row.refresh_token_enc !== null ? row.refresh_token_expires_at : null,
              lastSuccessAt: row.last_success_at,
              lastError: row.last_error,
              lastErrorAt: row.last_error_at
            },
      health: await ksefHealth(app.db)
    })
  }

  app.get(KSEF_SETTINGS_PATH, async (_request, reply) => await render(reply, 200))

  app.post(KSEF_SETTINGS_PATH, async (request, reply) => {
    const row = await connectionOf(app.db)
    const now = app.ctx.now()
    const parsed = parseSettingsForm(
      request.body,
      {
        hasToken: row?.token_enc != null,
        hasCertificate: row?.certificate_pem != null && row.private_key_enc !== null,
        authMethod: row?.auth_method ?? null
      },
      await companyNip(),
      now
    )
    if (Object.keys(parsed.errors).length > 0)
      return await render(reply, 422, { values: parsed.values, errors: parsed.errors })
    const at = toStoredTimestamp(now)
    const key = app.ctx.secretsKey
    const values = parsed.values
    const secrets = {
      ...(parsed.token !== null ? { token_enc: encryptSecret(key, parsed.token) } : {}),
      ...(parsed.certificate !== null
        ? {
            certificate_pem: parsed.certificate.certificatePem,
            private_key_enc: encryptSecret(key, parsed.certificate.privateKeyPem),
            certificate_expires_at: parsed.certificate.validTo
          }
        : {}),
      ...(parsed.offline !== null
        ? {
            offline_certificate_pem: parsed.offline.certificatePem,
            offline_private_key_enc: encryptSecret(key, parsed.offline.privateKeyPem)
          }
        : {})
    }
    const columns = {
      environment: values.environment,
      auth_method: values.authMethod,
      context_nip: values.contextNip === '' ? null : values.contextNip.replace(/\D/g, ''),
      auto_send: values.autoSend ? 1 : 0,
      ...secrets,
      updated_at: at
    }
    // other credentials or another environment: the cached tokens belong to the old ones
    const credentialsChanged =
      row === undefined ||
      row.environment !== values.environment ||
      row.auth_method !== values.authMethod ||
      parsed.token !== null ||
      parsed.certificate !== null ||
      (row.context_nip ?? '') !== (columns.context_nip ?? '')
    await saveKsefConnection(app.db, columns, { credentialsChanged, at })
    reply.flash('success', 'Zapisano ustawienia połączenia z KSeF. Sprawdź je przyciskiem „Testuj połączenie”.')
    return reply.redirect(KSEF_SETTINGS_PATH, 303)
  })

  app.post(`${KSEF_SETTINGS_PATH}/test`, async (_request, reply) => {
    const result = await testKsefConnection(ksefDepsOf(app))
    reply.flash(result.ok ? 'success' : 'error', result.message)
    return reply.redirect(KSEF_SETTINGS_PATH, 303)
  })
}
