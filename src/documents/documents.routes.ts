import type { FastifyInstance } from 'fastify'

export default async function documentsRoutes (app: FastifyInstance): Promise<void> {
  app.get('/przychody/dokumenty', async (_request, reply) => {
    return reply.viewAsync('home/placeholder', { title: 'Przychody » Dokumenty sprzedaży', message: 'Tu pojawią się wystawione faktury, paragony i inne dokumenty sprzedaży.' })
  })
}
