import type { FastifyInstance } from 'fastify'
import { requireAllegroModule } from '../plugins/auth.ts'

export default async function transactionsRoutes (app: FastifyInstance): Promise<void> {
  app.addHook('preHandler', requireAllegroModule)
  app.get('/przychody/allegro', async (_request, reply) => {
    return reply.viewAsync('home/placeholder', { title: 'Przychody » Allegro', message: 'Tu pojawią się transakcje pobrane z Allegro.' })
  })
}
