import type { FastifyInstance } from 'fastify'
import { requirePermission } from '../plugins/auth.ts'

export default async function allegroRoutes (app: FastifyInstance): Promise<void> {
  app.addHook('preHandler', requirePermission('allegro'))
  app.get('/ustawienia/integracje', async (_request, reply) => reply.redirect('/ustawienia/integracje/allegro', 303))
  app.get('/ustawienia/integracje/allegro', async (_request, reply) => {
    return reply.viewAsync('home/placeholder', { title: 'Ustawienia » Integracje » Allegro', message: 'Tu włączysz moduł Allegro i dodasz swoje sklepy.' })
  })
}
