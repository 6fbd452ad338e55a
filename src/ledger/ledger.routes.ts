import type { FastifyInstance } from 'fastify'
import { requirePermission } from '../plugins/auth.ts'

export default async function ledgerRoutes (app: FastifyInstance): Promise<void> {
  app.addHook('preHandler', requirePermission('ksiegowosc'))
  app.get('/ksiegowosc', async (_request, reply) => {
    return reply.viewAsync('home/placeholder', { title: 'Księgowość', message: 'Tu pojawią się zaksięgowane dokumenty sprzedaży: KPiR lub ewidencja przychodów i rejestr VAT.' })
  })
}
