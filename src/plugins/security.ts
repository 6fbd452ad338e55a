import csrf from '@fastify/csrf-protection'
import helmet from '@fastify/helmet'
import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

export default fp<{ cookieSecure: boolean }>(
  async (app, opts) => {
    await app.register(helmet, {
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          scriptSrcAttr: ["'none'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          fontSrc: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          objectSrc: ["'none'"],
          baseUri: ["'self'"],
          ...(opts.cookieSecure ? { upgradeInsecureRequests: [] } : {})
        }
      },
      hsts: opts.cookieSecure,
      referrerPolicy: { policy: 'same-origin' }
    })

    await app.register(rateLimit, {
      global: false,
      // an Error (not the default plain object) so the app's error handler renders the Polish page
      errorResponseBuilder: (_request, context) =>
        Object.assign(new Error(`Rate limit exceeded, retry in ${context.after}`), { statusCode: 429 })
    })

    await app.register(csrf, { sessionPlugin: '@fastify/secure-session' })
  },
  { name: 'security', dependencies: ['session'] }
)

/**
 * The hooks of the site's own pages, added to the scope that holds them (src/app.ts), so the
 * static files and the simulators, registered outside it, never pass through them.
 */
export function addPageSecurityHooks(site: FastifyInstance): void {
  // Pages and downloads carry tax records and buyers' personal data: no browser or proxy may keep
  // a copy (ASVS 8.2.1). The static assets, outside this scope, stay cacheable.
  site.addHook('onSend', async (_request, reply, payload) => {
    const current = reply.getHeader('cache-control')
    if (typeof current !== 'string' || !current.includes('no-store')) reply.header('cache-control', 'no-store')
    return payload
  })

  // The token travels in the form body, so the check runs after parsing.
  site.addHook('preHandler', (request, reply, done) => {
    if (SAFE_METHODS.has(request.method)) return done()
    site.csrfProtection(request, reply, done)
  })
}
