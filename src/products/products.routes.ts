import type { FastifyInstance } from 'fastify'
import { requirePermission } from '../plugins/auth.ts'

export default async function productsRoutes (app: FastifyInstance): Promise<void> {
  app.get('/przychody/produkty', async (_request, reply) => {
    return reply.viewAsync('home/placeholder', { title: 'Przychody » Produkty', message: 'Tu pojawią się Twoje produkty i ich stany.' })
  })
  await app.register(async (warehouse) => {
    warehouse.addHook('preHandler', requirePermission('magazyn'))
    warehouse.get('/magazyn/produkty', async (_request, reply) => {
      return reply.viewAsync('home/placeholder', { title: 'Magazyn » Produkty', message: 'Tu pojawią się produkty w magazynie i ich stany.' })
    })
    warehouse.get('/magazyn/wz', async (_request, reply) => {
      return reply.viewAsync('home/placeholder', { title: 'Magazyn » Wydania (WZ)', message: 'Tu pojawią się dokumenty WZ tworzone przy sprzedaży.' })
    })
  })
}
