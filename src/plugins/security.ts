import csrf from '@fastify/csrf-protection'
import helmet from '@fastify/helmet'
import rateLimit from '@fastify/rate-limit'
import fp from 'fastify-plugin'

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/** Paths whose POSTs are not our forms: the built-in simulators speak Allegro's and KSeF's APIs. */
export const CSRF_EXEMPT_PREFIXES = ['/symulator-allegro/', '/symulator-ksef/']

export default fp<{ cookieSecure: boolean }>(async (app, opts) => {
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
    errorResponseBuilder: (_request, context) => Object.assign(new Error(`Rate limit exceeded, retry in ${context.after}`), { statusCode: 429 })
  })

  await app.register(csrf, { sessionPlugin: '@fastify/secure-session' })

  // Pages and downloads carry tax records and buyers' personal data: no browser or proxy may keep
  // a copy (ASVS 8.2.1). Only the static assets are cacheable; the simulators speak their own API.
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.url.startsWith('/public/') || request.url.startsWith('/symulator-')) return payload
    const current = reply.getHeader('cache-control')
    if (typeof current !== 'string' || !current.includes('no-store')) reply.header('cache-control', 'no-store')
    return payload
  })

  // The token travels in the form body, so the check runs after parsing.
  app.addHook('preHandler', (request, reply, done) => {
    if (SAFE_METHODS.has(request.method)) return done()
    if (CSRF_EXEMPT_PREFIXES.some((prefix) => request.url.startsWith(prefix))) return done()
    app.csrfProtection(request, reply, done)
  })
}, { name: 'security', dependencies: ['session'] })
