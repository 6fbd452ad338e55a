import type { FastifyInstance } from 'fastify'
import { dashboardCharts } from './dashboard.ts'
import { attention, salesBetween, shopNames } from './dashboard.queries.ts'
import { connectionOf } from '../ksef/connection.queries.ts'
import { ksefHealth } from '../ksef/ksef-sender.ts'
import { exemptionLimitState } from '../ledger/exemption-limit.ts'
import { exemptSalesOfYear } from '../ledger/ledger.queries.ts'

export default async function homeRoutes(app: FastifyInstance): Promise<void> {
  app.get('/', async (request, reply) => {
    const [transactions, documents, contractors] = await Promise.all([
      app.db
        .selectFrom('transactions')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow(),
      app.db
        .selectFrom('documents')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow(),
      app.db
        .selectFrom('contractors')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ])
    const company = await app.db
      .selectFrom('company')
      .select(['vat_status', 'activity_start_date'])
      .where('id', '=', 1)
      .executeTakeFirstOrThrow()
    const year = String(app.ctx.now().year)
    const exemptionLimit =
      company.vat_status === 'zwolniony'
        ? exemptionLimitState(year, await exemptSalesOfYear(app.db, year), company.activity_start_date)
        : null
    const today = app.ctx.now()
    const [monthRows, yearRows, shops, needs] = await Promise.all([
      salesBetween(app.db, today.startOf('month').toISODate() ?? '', today.endOf('month').toISODate() ?? ''),
      salesBetween(app.db, `${year}-01-01`, `${year}-12-31`),
      shopNames(app.db),
      attention(app.db)
    ])
    return reply.viewAsync('home/index', {
      charts: dashboardCharts(today, monthRows, yearRows, shops),
      attention: needs,
      exemptionLimit,
      title: 'Pulpit',
      counts: {
        transactions: Number(transactions.n),
        documents: Number(documents.n),
        contractors: Number(contractors.n)
      },
      user: request.user,
      ksef: await ksefHealth(app.db),
      ksefConnected: ((await connectionOf(app.db))?.auth_method ?? null) !== null
    })
  })
}
