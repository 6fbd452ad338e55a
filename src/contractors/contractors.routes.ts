import type { FastifyInstance } from 'fastify'

export default async function contractorsRoutes (app: FastifyInstance): Promise<void> {
  app.get('/kontrahenci', async (_request, reply) => {
    return reply.viewAsync('home/placeholder', { title: 'Kontrahenci', message: 'Tu pojawią się Twoi kontrahenci, także kupujący z Allegro.' })
  })
}
