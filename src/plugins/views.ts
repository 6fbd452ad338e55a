import view from '@fastify/view'
import { Eta } from 'eta'
import fp from 'fastify-plugin'
import { formatDate, formatDateTime, formatDateTimeSeconds } from '../shared/dates.ts'
import { formatAmount, formatDecimal, formatMoney } from '../shared/money.ts'
import { formatBankAccount, formatNip } from '../shared/nip.ts'
import { viewsDir } from '../paths.ts'
import type { Flash } from './session.ts'
import type { CurrentUser, NavCompany } from './auth.ts'

interface PageLocals {
  user: CurrentUser | null
  company: NavCompany | null
  csrfToken: string
  flash: Flash[]
  path: string
}

declare module 'fastify' {
  interface FastifyReply {
    locals: PageLocals
  }
}

/** Formatting helpers every template reaches as `it.fmt`. */
const templateHelpers = {
  money: formatMoney,
  amount: formatAmount,
  decimal: formatDecimal,
  date: formatDate,
  dateTime: formatDateTime,
  dateTimeSeconds: formatDateTimeSeconds,
  nip: formatNip,
  bankAccount: formatBankAccount,
  quantity: (milli: number) =>
    milli % 1000 === 0 ? String(milli / 1000) : (milli / 1000).toFixed(3).replace(/0+$/, '').replace('.', ','),
  /** builds a query string from the current filters with some values replaced */
  query: (base: Record<string, unknown>, changes: Record<string, unknown> = {}) => {
    const params = new URLSearchParams()
    for (const [key, value] of Object.entries({ ...base, ...changes })) {
      if (value !== undefined && value !== null && value !== '') params.set(key, String(value))
    }
    const text = params.toString()
    return text ? `?${text}` : ''
  }
}

// One engine per process: with TEMPLATE_CACHE its compiled templates (keyed by file) serve every
// app the process builds. The server builds one; a test file builds dozens, and each compiled
// the same templates again.
const eta = new Eta({ autoEscape: true, autoTrim: false })

export default fp<{ cache: boolean }>(
  async (app, opts) => {
    await app.register(view, {
      engine: { eta },
      root: viewsDir,
      production: opts.cache,
      defaultContext: { fmt: templateHelpers }
    })

    app.addHook('onRequest', async (request, reply) => {
      reply.locals = { user: null, company: null, csrfToken: '', flash: [], path: request.url.split('?')[0] }
    })
  },
  { name: 'views' }
)
