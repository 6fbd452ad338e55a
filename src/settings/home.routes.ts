import type { FastifyInstance } from 'fastify'
import { ksefHealth } from '../ksef/ksef-sender.ts'

export default async function homeRoutes (app: FastifyInstance): Promise<void> {
  app.get('/', async (request, reply) => {
    const [transactions, documents, contractors] = await Promise.all([
      app.db.selectFrom('transactions').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
      app.db.selectFrom('documents').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
      app.db.selectFrom('contractors').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
    ])
    return reply.viewAsync('home/index', {
      title: 'Pulpit',
      counts: { transactions: Number(transactions.n), documents: Number(documents.n), contractors: Number(contractors.n) },
      user: request.user,
      ksef: await ksefHealth(app.db)
    })
  })
}
