import type { FastifyServerOptions } from 'fastify'

/** Paths pino blanks out: cookies, credentials and anything token- or secret-shaped. */
const REDACT_PATHS = [
  'req.headers.cookie',
  'req.headers.authorization',
  'res.headers["set-cookie"]',
  '*.password',
  '*.access_token',
  '*.refresh_token',
  '*.accessToken',
  '*.refreshToken',
  '*.client_secret',
  '*.clientSecret',
  '*.device_code',
  '*.deviceCode',
  'headers.authorization',
  'headers.Authorization'
]

export function loggerOptions(level: string): FastifyServerOptions['logger'] {
  return { level, redact: { paths: REDACT_PATHS, censor: '[ukryte]' } }
}
