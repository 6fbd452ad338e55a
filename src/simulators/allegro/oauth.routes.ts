/** The web host: OAuth device and authorization-code flows, the device approval page. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { authorizePage, deviceApprovedPage, deviceDeniedPage, devicePage, errorPage } from './pages.ts'
import type { AllegroSimulator, OAuthError, TokenResponse } from './simulator.ts'
import { DEFAULT_SCOPES } from './types.ts'
import { first, html, oauthError, params, parseBasic, unauthorizedClient, type Query } from './http.ts'

export function registerOAuthRoutes(
  app: FastifyInstance,
  sim: AllegroSimulator,
  webBase: (request: FastifyRequest) => string
): void {
  app.post('/auth/oauth/device', async (request, reply) => {
    const basic = parseBasic(request.headers.authorization)
    if (basic === null) return unauthorizedClient(reply)
    const p = params(request)
    const clientId = p.client_id
    if (clientId === undefined || clientId === '') {
      return oauthError(reply, 400, { error: 'invalid_request', error_description: 'Missing client_id parameter' })
    }
    if (clientId !== basic.clientId) {
      return oauthError(reply, 400, {
        error: 'invalid_client',
        error_description: 'client_id does not match the authenticated client'
      })
    }
    const scope = p.scope !== undefined && p.scope.trim() !== '' ? p.scope.trim().split(/\s+/) : [...DEFAULT_SCOPES]
    return reply
      .code(200)
      .type('application/json')
      .header('Cache-Control', 'no-store')
      .send(sim.createDeviceAuthorization(clientId, scope, webBase(request)))
  })

  app.post('/auth/oauth/token', async (request, reply) => {
    const p = params(request)
    const basic = parseBasic(request.headers.authorization)
    // PKCE public clients may identify themselves with client_id alone.
    const publicPkce =
      basic === null &&
      p.grant_type === 'authorization_code' &&
      p.code_verifier !== undefined &&
      p.client_id !== undefined
    if (basic === null && !publicPkce) return unauthorizedClient(reply)
    const clientId = basic?.clientId ?? p.client_id
    let result: TokenResponse | OAuthError
    switch (p.grant_type) {
      case 'urn:ietf:params:oauth:grant-type:device_code':
        if (p.device_code === undefined)
          return oauthError(reply, 400, {
            error: 'invalid_request',
            error_description: 'Missing device_code parameter'
          })
        result = sim.pollDeviceToken(clientId, p.device_code)
        break
      case 'refresh_token':
        if (p.refresh_token === undefined)
          return oauthError(reply, 400, {
            error: 'invalid_request',
            error_description: 'Missing refresh_token parameter'
          })
        result = sim.refreshTokens(clientId, p.refresh_token)
        break
      case 'authorization_code':
        if (p.code === undefined)
          return oauthError(reply, 400, { error: 'invalid_request', error_description: 'Missing code parameter' })
        result = sim.exchangeAuthorizationCode(clientId, p.code, p.redirect_uri, p.code_verifier)
        break
      case undefined:
        return oauthError(reply, 400, { error: 'invalid_request', error_description: 'Missing grant_type parameter' })
      default:
        return oauthError(reply, 400, {
          error: 'unsupported_grant_type',
          error_description: `Unsupported grant type: ${p.grant_type}`
        })
    }
    if ('error' in result) return oauthError(reply, 400, result)
    return reply
      .code(200)
      .type('application/json')
      .header('Cache-Control', 'no-store')
      .header('Pragma', 'no-cache')
      .send(result)
  })

  const AUTHORIZE_PARAMS = [
    'response_type',
    'client_id',
    'redirect_uri',
    'state',
    'scope',
    'code_challenge',
    'code_challenge_method',
    'prompt'
  ]

  /**
   * Where the authorization page may send the browser back (with a code, or with access_denied):
   * only the app itself (the simulator's redirectOrigins; by default loopback addresses), never a
   * page the client names, so the simulator is no open redirect and hands no code to a stranger.
   */
  function isAllowedRedirect(sim: AllegroSimulator, redirect: URL): boolean {
    if (redirect.username !== '' || redirect.password !== '') return false
    if (sim.redirectOrigins !== null) return sim.redirectOrigins.has(redirect.origin)
    const host = redirect.hostname.replace(/^\[|\]$/g, '')
    return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)
  }

  function authorizeParams(
    sim: AllegroSimulator,
    p: Record<string, string>
  ): { ok: true; params: Record<string, string> } | { ok: false; message: string } {
    const out: Record<string, string> = {}
    for (const name of AUTHORIZE_PARAMS) if (p[name] !== undefined) out[name] = p[name]
    if (out.response_type !== 'code')
      return { ok: false, message: 'Nieobsługiwany parametr response_type (oczekiwano "code").' }
    if (out.client_id === undefined || out.client_id === '') return { ok: false, message: 'Brak parametru client_id.' }
    let redirect: URL
    try {
      redirect = new URL(out.redirect_uri ?? '')
    } catch {
      return { ok: false, message: 'Nieprawidłowy adres powrotu (redirect_uri).' }
    }
    if (redirect.protocol !== 'http:' && redirect.protocol !== 'https:') {
      return { ok: false, message: 'Nieprawidłowy adres powrotu (redirect_uri).' }
    }
    if (!isAllowedRedirect(sim, redirect)) {
      return {
        ok: false,
        message: 'Adres powrotu (redirect_uri) musi prowadzić do aplikacji, która korzysta z symulatora.'
      }
    }
    if (
      out.code_challenge_method !== undefined &&
      out.code_challenge_method !== 'S256' &&
      out.code_challenge_method !== 'plain'
    ) {
      return { ok: false, message: 'Nieobsługiwana metoda code_challenge_method.' }
    }
    return { ok: true, params: out }
  }

  app.get('/auth/oauth/authorize', async (request, reply) => {
    const checked = authorizeParams(sim, params(request))
    if (!checked.ok) return html(reply, 400, errorPage(checked.message))
    return html(reply, 200, authorizePage({ params: checked.params, login: '' }))
  })

  app.post('/auth/oauth/authorize', async (request, reply) => {
    const p = params(request)
    const checked = authorizeParams(sim, p)
    if (!checked.ok) return html(reply, 400, errorPage(checked.message))
    const q = checked.params
    const back = new URL(q.redirect_uri)
    if (p.decision === 'deny') {
      back.searchParams.set('error', 'access_denied')
      if (q.state !== undefined) back.searchParams.set('state', q.state)
      return reply.redirect(back.toString(), 303)
    }
    const login = (p.login ?? '').trim()
    if (login === '' || (p.password ?? '') === '') {
      return html(reply, 422, authorizePage({ params: q, login, error: 'Podaj login i hasło.' }))
    }
    const seller = sim.findSeller(login, p.password)
    if (seller === undefined) {
      return html(reply, 422, authorizePage({ params: q, login, error: 'Nieprawidłowy login lub hasło.' }))
    }
    const code = sim.createAuthorizationCode({
      clientId: q.client_id,
      redirectUri: q.redirect_uri,
      sellerId: seller.id,
      scope: q.scope !== undefined && q.scope.trim() !== '' ? q.scope.trim().split(/\s+/) : [...DEFAULT_SCOPES],
      codeChallenge: q.code_challenge ?? null,
      codeChallengeMethod: q.code_challenge === undefined ? null : (q.code_challenge_method ?? 'plain')
    })
    back.searchParams.set('code', code)
    if (q.state !== undefined) back.searchParams.set('state', q.state)
    return reply.redirect(back.toString(), 303)
  })

  app.get('/skojarz-aplikacje', async (request, reply) => {
    const code = first((request.query as Query).code) ?? ''
    return html(reply, 200, devicePage({ code, login: '' }))
  })

  const DEVICE_ERRORS = {
    unknown_code: 'Nie znaleziono takiego kodu. Sprawdź kod wyświetlony w Biurku i spróbuj ponownie.',
    expired: 'Ten kod wygasł. Wróć do Biurka i rozpocznij powiązanie konta od nowa.',
    used: 'Ten kod został już wykorzystany. Wróć do Biurka.',
    bad_credentials: 'Nieprawidłowy login lub hasło.'
  } as const

  app.post('/skojarz-aplikacje', async (request, reply) => {
    const body = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as Record<
      string,
      unknown
    >
    const str = (v: unknown): string => (typeof v === 'string' ? v : '')
    const code = str(body.code).trim()
    const login = str(body.login).trim()
    const password = str(body.password)
    const again = (error: string): FastifyReply => html(reply, 422, devicePage({ code, login, error }))
    if (code === '') return again('Wpisz kod wyświetlony w Biurku.')
    if (body.decision === 'deny') {
      return sim.rejectDevice(code) ? html(reply, 200, deviceDeniedPage()) : again(DEVICE_ERRORS.unknown_code)
    }
    if (login === '' || password === '') return again('Podaj login i hasło.')
    const result = sim.confirmDevice(code, login, password)
    if (!result.ok) return again(DEVICE_ERRORS[result.reason])
    return html(reply, 200, deviceApprovedPage(result.seller.login))
  })
}
