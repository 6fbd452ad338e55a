/**
 * JWT-shaped tokens signed with HMAC-SHA256. Signing (instead of a token table) keeps tokens
 * valid across a restart of the process, as long as the host passes the same secret.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'

export interface TokenClaims {
  typ: 'access' | 'refresh'
  /** Allegro puts the seller's numeric user id here. */
  user_name: string
  client_id: string
  scope: string[]
  /** Seconds since the epoch (JWT NumericDate). */
  iat: number
  exp: number
  jti: string
  /** Issue serial: lets "expire everything issued so far" work without a token table. */
  sn: number
  allegro_api: true
  iss: string
}

const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url')

function sign(data: string, secret: string): string {
  return createHmac('sha256', secret).update(data).digest('base64url')
}

export function signToken(claims: TokenClaims, secret: string): string {
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url')
  const data = `${HEADER}.${payload}`
  return `${data}.${sign(data, secret)}`
}

/** Checks signature and shape only; expiry and revocation are the caller's business. */
export function verifyToken(token: string, secret: string): TokenClaims | null {
  if (token.length > 4096) return null
  const parts = token.split('.')
  if (parts.length !== 3 || parts[0] !== HEADER) return null
  const expected = Buffer.from(sign(`${parts[0]}.${parts[1]}`, secret))
  const actual = Buffer.from(parts[2])
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return null
  let claims: unknown
  try {
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'))
  } catch {
    return null
  }
  if (typeof claims !== 'object' || claims === null) return null
  const c = claims as Partial<TokenClaims>
  if (
    (c.typ !== 'access' && c.typ !== 'refresh') ||
    typeof c.user_name !== 'string' ||
    typeof c.client_id !== 'string' ||
    typeof c.exp !== 'number' ||
    typeof c.sn !== 'number' ||
    typeof c.jti !== 'string' ||
    !Array.isArray(c.scope)
  )
    return null
  return c as TokenClaims
}
