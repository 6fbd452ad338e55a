/**
 * The simulator's OAuth state: device grants, authorization codes, token serials, revocations.
 * Tokens are signed, not stored, so only grants and first refresh uses take memory; expired
 * device grants and authorization codes are dropped (see #sweep) so a public instance stays bounded.
 */
import { createHash, randomBytes, randomInt, randomUUID } from 'node:crypto'
import { signToken, verifyToken } from './tokens.ts'
import type { TokenClaims } from './tokens.ts'
import type { SimSeller } from './types.ts'
import type { DeviceAuthorizationInfo, OAuthError, SimulatorStats, TokenResponse } from './simulator.ts'

export interface DeviceGrant {
  deviceCode: string
  userCode: string
  clientId: string
  scope: string[]
  createdAtMs: number
  expiresAtMs: number
  interval: number
  lastPollMs: number | null
  status: 'pending' | 'approved' | 'denied' | 'used'
  sellerId: string | null
}

export interface AuthCodeGrant {
  clientId: string
  redirectUri: string
  sellerId: string
  scope: string[]
  expiresAtMs: number
  codeChallenge: string | null
  codeChallengeMethod: string | null
}

const USER_CODE_LETTERS = 'ABCDEFGHJKLMNPQRSTUVWXYZ'
const USER_CODE_DIGITS = '23456789'

function randomUserCode(): string {
  const part = (alphabet: string): string => {
    let s = ''
    for (let i = 0; i < 3; i++) s += alphabet[randomInt(alphabet.length)]
    return s
  }
  return `${part(USER_CODE_LETTERS)}-${part(USER_CODE_DIGITS)}-${part(USER_CODE_LETTERS)}`
}

/** "abc 123xyz" → "ABC-123-XYZ"; users retype codes loosely. */
function normalizeUserCode(input: string): string {
  const raw = input.toUpperCase().replace(/[^A-Z0-9]/g, '')
  if (raw.length !== 9) return raw
  return `${raw.slice(0, 3)}-${raw.slice(3, 6)}-${raw.slice(6)}`
}

/** How long an expired device grant is still remembered. */
export const DEVICE_GRANT_GRACE_MS = 15 * 60 * 1000

/** Device grants held at most at once. */
export const MAX_DEVICE_GRANTS = 10_000
/** Authorization codes held at most at once (each lives authCodeTtlSeconds, but a flood is faster). */
const MAX_AUTH_CODES = 10_000

interface OAuthOptions {
  accessTokenTtlSeconds: number
  refreshTokenTtlSeconds: number
  refreshTokenGraceSeconds: number
  deviceInterval: number
  deviceCodeTtlSeconds: number
  authCodeTtlSeconds: number
}

export interface OAuthDeps {
  nowMs: () => number
  secret: string
  opts: OAuthOptions
  stats: () => SimulatorStats
  sellers: readonly SimSeller[]
  publicBaseUrl: string | undefined
}

export class OAuthServer {
  readonly #deps: OAuthDeps
  #lastSerial = 0
  #accessExpiredUpTo = 0
  readonly #revokedUpTo = new Map<string, number>()
  /** jti → first use and the token's own expiry (after which the entry is useless). */
  readonly #refreshFirstUse = new Map<string, { atMs: number; expMs: number }>()
  #lastSweepMs = -Infinity
  readonly #deviceGrants = new Map<string, DeviceGrant>()
  readonly #authCodes = new Map<string, AuthCodeGrant>()

  constructor(deps: OAuthDeps) {
    this.#deps = deps
  }

  #nowMs(): number {
    return this.#deps.nowMs()
  }

  /** Grants held now (device grants, authorization codes, remembered refresh uses). */
  get heldGrants(): { deviceGrants: number; authCodes: number; refreshUses: number } {
    return {
      deviceGrants: this.#deviceGrants.size,
      authCodes: this.#authCodes.size,
      refreshUses: this.#refreshFirstUse.size
    }
  }

  /**
   * Drops what can no longer matter, at most once a minute: device grants past their expiry
   * plus DEVICE_GRANT_GRACE_MS (so a late poll still hears expired_token, not invalid_grant),
   * expired authorization codes and first uses of refresh tokens that expired themselves.
   */
  #sweep(): void {
    const nowMs = this.#nowMs()
    if (nowMs - this.#lastSweepMs < 60_000) return
    this.#lastSweepMs = nowMs
    for (const [code, grant] of this.#deviceGrants)
      if (nowMs >= grant.expiresAtMs + DEVICE_GRANT_GRACE_MS) this.#deviceGrants.delete(code)
    for (const [code, grant] of this.#authCodes) if (nowMs >= grant.expiresAtMs) this.#authCodes.delete(code)
    for (const [jti, use] of this.#refreshFirstUse) if (nowMs >= use.expMs) this.#refreshFirstUse.delete(jti)
  }

  seller(login: string): SimSeller {
    const seller = this.#deps.sellers.find((s) => s.login === login)
    if (seller === undefined) throw new Error(`unknown seller login ${login}`)
    return seller
  }

  /** Invalidates every access and refresh token issued to the seller so far. */
  revokeTokens(sellerLogin: string): void {
    const seller = this.seller(sellerLogin)
    this.#revokedUpTo.set(seller.id, this.#serialCutoff())
  }

  /** Makes every access token issued so far expired (refresh tokens stay valid). */
  expireAccessTokens(): void {
    this.#accessExpiredUpTo = this.#serialCutoff()
  }

  deviceAuthorizations(): DeviceAuthorizationInfo[] {
    return [...this.#deviceGrants.values()].map((g) => ({
      userCode: g.userCode,
      clientId: g.clientId,
      status: g.status,
      sellerLogin: g.sellerId === null ? null : (this.#sellerById(g.sellerId)?.login ?? null),
      createdAt: new Date(g.createdAtMs).toISOString(),
      expiresAt: new Date(g.expiresAtMs).toISOString()
    }))
  }

  /** Approves a device code as the confirmation page would; throws with a reason on failure. */
  approveDevice(userCode: string, login: string, password: string): SimSeller {
    const result = this.confirmDevice(userCode, login, password)
    if (!result.ok) throw new Error(`approveDevice: ${result.reason}`)
    return result.seller
  }

  denyDevice(userCode: string): void {
    const grant = this.#grantByUserCode(userCode)
    if (grant === undefined || grant.status !== 'pending') throw new Error('denyDevice: unknown_code')
    grant.status = 'denied'
  }

  findSeller(login: string, password: string): SimSeller | undefined {
    return this.#deps.sellers.find((s) => s.login === login && s.password === password)
  }

  #sellerById(id: string): SimSeller | undefined {
    return this.#deps.sellers.find((s) => s.id === id)
  }

  sellerById(id: string): SimSeller | undefined {
    return this.#sellerById(id)
  }

  #serialCutoff(): number {
    // Also covers tokens a previous process issued at or before this moment.
    const cutoff = Math.max(this.#lastSerial, this.#nowMs() * 1000 + 999)
    this.#lastSerial = cutoff
    return cutoff
  }

  #issueTokens(sellerId: string, clientId: string, scope: string[]): TokenResponse {
    const nowMs = this.#nowMs()
    const sn = Math.max(this.#lastSerial + 1, nowMs * 1000)
    this.#lastSerial = sn
    const iat = Math.floor(nowMs / 1000)
    const jti = randomUUID()
    const iss = 'https://symulator.allegro.invalid'
    const access: TokenClaims = {
      typ: 'access',
      user_name: sellerId,
      client_id: clientId,
      scope,
      iat,
      exp: iat + this.#deps.opts.accessTokenTtlSeconds,
      jti,
      sn,
      allegro_api: true,
      iss
    }
    const refresh: TokenClaims = {
      ...access,
      typ: 'refresh',
      exp: iat + this.#deps.opts.refreshTokenTtlSeconds,
      jti: randomUUID()
    }
    this.#deps.stats().accessTokensIssued++
    return {
      access_token: signToken(access, this.#deps.secret),
      token_type: 'bearer',
      refresh_token: signToken(refresh, this.#deps.secret),
      expires_in: this.#deps.opts.accessTokenTtlSeconds,
      scope: scope.join(' '),
      allegro_api: true,
      iss,
      jti
    }
  }

  authenticate(
    token: string
  ): { ok: true; seller: SimSeller; clientId: string; scope: string[] } | { ok: false; description: string } {
    const claims = verifyToken(token, this.#deps.secret)
    if (claims === null || claims.typ !== 'access') return { ok: false, description: 'Invalid access token' }
    const seller = this.#sellerById(claims.user_name)
    if (seller === undefined) return { ok: false, description: 'Invalid access token' }
    if (this.#nowMs() >= claims.exp * 1000 || claims.sn <= this.#accessExpiredUpTo) {
      return { ok: false, description: `Access token expired: ${token.slice(-12)}` }
    }
    if (claims.sn <= (this.#revokedUpTo.get(seller.id) ?? 0)) return { ok: false, description: 'Access token revoked' }
    return { ok: true, seller, clientId: claims.client_id, scope: claims.scope }
  }

  createDeviceAuthorization(clientId: string, scope: string[], webBaseUrl: string): Record<string, string | number> {
    const nowMs = this.#nowMs()
    let userCode = randomUserCode()
    while (this.#grantByUserCode(userCode) !== undefined) userCode = randomUserCode()
    const grant: DeviceGrant = {
      deviceCode: randomBytes(24).toString('base64url'),
      userCode,
      clientId,
      scope,
      createdAtMs: nowMs,
      expiresAtMs: nowMs + this.#deps.opts.deviceCodeTtlSeconds * 1000,
      interval: this.#deps.opts.deviceInterval,
      lastPollMs: null,
      status: 'pending',
      sellerId: null
    }
    this.#sweep()
    // A flood inside one expiry window: the oldest grant goes (Map keeps insertion order).
    if (this.#deviceGrants.size >= MAX_DEVICE_GRANTS)
      this.#deviceGrants.delete(this.#deviceGrants.keys().next().value as string)
    this.#deviceGrants.set(grant.deviceCode, grant)
    this.#deps.stats().deviceCodesIssued++
    const verificationUri = `${this.#deps.publicBaseUrl ?? webBaseUrl}/skojarz-aplikacje`
    return {
      device_code: grant.deviceCode,
      expires_in: this.#deps.opts.deviceCodeTtlSeconds,
      user_code: userCode,
      interval: grant.interval,
      verification_uri: verificationUri,
      verification_uri_complete: `${verificationUri}?code=${encodeURIComponent(userCode)}`
    }
  }

  #grantByUserCode(userCode: string): DeviceGrant | undefined {
    const code = normalizeUserCode(userCode)
    for (const grant of this.#deviceGrants.values()) if (grant.userCode === code) return grant
    return undefined
  }

  /** The confirmation page's logic. */
  confirmDevice(
    userCode: string,
    login: string,
    password: string
  ): { ok: true; seller: SimSeller } | { ok: false; reason: 'unknown_code' | 'expired' | 'used' | 'bad_credentials' } {
    const grant = this.#grantByUserCode(userCode)
    if (grant === undefined) return { ok: false, reason: 'unknown_code' }
    if (this.#nowMs() >= grant.expiresAtMs) return { ok: false, reason: 'expired' }
    if (grant.status !== 'pending') return { ok: false, reason: 'used' }
    const seller = this.findSeller(login, password)
    if (seller === undefined) return { ok: false, reason: 'bad_credentials' }
    grant.status = 'approved'
    grant.sellerId = seller.id
    return { ok: true, seller }
  }

  /** Denial from the page: only needs a valid pending code. */
  rejectDevice(userCode: string): boolean {
    const grant = this.#grantByUserCode(userCode)
    if (grant === undefined || grant.status !== 'pending' || this.#nowMs() >= grant.expiresAtMs) return false
    grant.status = 'denied'
    return true
  }

  pollDeviceToken(clientId: string, deviceCode: string): TokenResponse | OAuthError {
    const grant = this.#deviceGrants.get(deviceCode)
    const nowMs = this.#nowMs()
    if (grant === undefined || grant.clientId !== clientId) {
      return { error: 'invalid_grant', error_description: 'Invalid device code' }
    }
    if (grant.status === 'used') return { error: 'invalid_grant', error_description: 'Device code already used' }
    if (nowMs >= grant.expiresAtMs) return { error: 'expired_token', error_description: 'Device code expired' }
    if (grant.status === 'denied') return { error: 'access_denied', error_description: 'User denied access' }
    if (grant.status === 'approved' && grant.sellerId !== null) {
      grant.status = 'used'
      return this.#issueTokens(grant.sellerId, grant.clientId, grant.scope)
    }
    if (grant.lastPollMs !== null && nowMs - grant.lastPollMs < grant.interval * 1000) {
      grant.lastPollMs = nowMs
      // RFC 8628 §3.5: every slow_down adds 5 seconds to the interval.
      grant.interval += 5
      return { error: 'slow_down', error_description: 'Polling too frequently' }
    }
    grant.lastPollMs = nowMs
    return { error: 'authorization_pending', error_description: 'Authorization pending' }
  }

  refreshTokens(clientId: string, refreshToken: string): TokenResponse | OAuthError {
    this.#deps.stats().tokenRefreshAttempts++
    const invalid = (why: string): OAuthError => ({
      error: 'invalid_grant',
      error_description: `Invalid refresh token (${why})`
    })
    const claims = verifyToken(refreshToken, this.#deps.secret)
    if (claims === null || claims.typ !== 'refresh') return invalid('malformed')
    if (claims.client_id !== clientId) return invalid('client mismatch')
    const seller = this.#sellerById(claims.user_name)
    if (seller === undefined) return invalid('unknown user')
    const nowMs = this.#nowMs()
    if (nowMs >= claims.exp * 1000) return invalid('expired')
    if (claims.sn <= (this.#revokedUpTo.get(seller.id) ?? 0)) return invalid('revoked')
    const firstUse = this.#refreshFirstUse.get(claims.jti)?.atMs
    if (firstUse !== undefined && nowMs - firstUse > this.#deps.opts.refreshTokenGraceSeconds * 1000)
      return invalid('already used')
    if (firstUse === undefined) {
      this.#sweep()
      this.#refreshFirstUse.set(claims.jti, { atMs: nowMs, expMs: claims.exp * 1000 })
    }
    this.#deps.stats().tokenRefreshes++
    return this.#issueTokens(seller.id, clientId, claims.scope)
  }

  createAuthorizationCode(grant: Omit<AuthCodeGrant, 'expiresAtMs'>): string {
    this.#sweep()
    const code = randomBytes(24).toString('base64url')
    if (this.#authCodes.size >= MAX_AUTH_CODES) this.#authCodes.delete(this.#authCodes.keys().next().value as string)
    this.#authCodes.set(code, { ...grant, expiresAtMs: this.#nowMs() + this.#deps.opts.authCodeTtlSeconds * 1000 })
    return code
  }

  exchangeAuthorizationCode(
    clientId: string,
    code: string,
    redirectUri: string | undefined,
    codeVerifier: string | undefined
  ): TokenResponse | OAuthError {
    const grant = this.#authCodes.get(code)
    const invalid: OAuthError = {
      error: 'invalid_grant',
      error_description: `Invalid authorization code: ${code.slice(0, 8)}`
    }
    if (grant === undefined) return invalid
    // Single use, even when the exchange fails.
    this.#authCodes.delete(code)
    if (grant.clientId !== clientId || this.#nowMs() >= grant.expiresAtMs) return invalid
    if (redirectUri !== grant.redirectUri) return { error: 'invalid_grant', error_description: 'Redirect URI mismatch' }
    if (grant.codeChallenge !== null) {
      if (codeVerifier === undefined || codeVerifier.length < 43 || codeVerifier.length > 128) {
        return { error: 'invalid_grant', error_description: 'Invalid code verifier' }
      }
      const computed =
        grant.codeChallengeMethod === 'S256'
          ? createHash('sha256').update(codeVerifier).digest('base64url')
          : codeVerifier
      if (computed !== grant.codeChallenge)
        return { error: 'invalid_grant', error_description: 'Invalid code verifier' }
    }
    return this.#issueTokens(grant.sellerId, clientId, grant.scope)
  }
}
