/** Control routes (/__sim/…) for tests and demos: stats, fault injection, orders, token revocation. */
import type { FastifyInstance } from 'fastify'
import type { AddOrdersOptions, AllegroSimulator } from './simulator.ts'
import type { CheckoutFormStatus } from './types.ts'

export function registerControlRoutes(app: FastifyInstance, sim: AllegroSimulator): void {
  app.get('/__sim/stats', async () => sim.stats)
  app.get('/__sim/faults', async () => ({ armed: sim.faults.list(), history: sim.faults.history }))
  app.post('/__sim/faults', async (request, reply) => {
    const specs: unknown[] = Array.isArray(request.body) ? request.body : [request.body]
    try {
      const added = specs.map((s) => sim.faults.add(s as Parameters<typeof sim.faults.add>[0]))
      return reply.code(201).send({ faults: added.map((f) => f.id) })
    } catch (error) {
      return reply.code(400).send({ error: 'invalid_fault', error_description: (error as Error).message })
    }
  })
  app.delete('/__sim/faults', async (_request, reply) => {
    sim.faults.clear()
    return reply.code(204).send()
  })
  app.post('/__sim/orders', async (request, reply) => {
    const body = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as Record<
      string,
      unknown
    >
    const count = body.count ?? 1
    if (!Number.isInteger(count) || (count as number) < 0 || (count as number) > 100_000) {
      return reply.code(400).send({ error: 'invalid_request', error_description: 'count must be an integer 0..100000' })
    }
    const date = (v: unknown): Date | undefined => (typeof v === 'string' ? new Date(v) : undefined)
    try {
      const added = sim.addOrders(count as number, {
        seller: body.seller as string | undefined,
        hostile: body.hostile === true,
        status: body.status as CheckoutFormStatus | undefined,
        invoice: body.invoice as AddOrdersOptions['invoice'],
        payment: body.payment as AddOrdersOptions['payment'],
        marketplace: body.marketplace as AddOrdersOptions['marketplace'],
        lineItems: body.lineItems as number | undefined,
        at: date(body.at),
        from: date(body.from),
        to: date(body.to)
      })
      return reply.code(201).send({ count: added.length, ids: added.map((o) => o.id) })
    } catch (error) {
      return reply.code(400).send({ error: 'invalid_request', error_description: (error as Error).message })
    }
  })
  app.post('/__sim/expire-access-tokens', async (_request, reply) => {
    sim.expireAccessTokens()
    return reply.code(204).send()
  })
  app.post('/__sim/revoke-tokens', async (request, reply) => {
    const login = (request.body as { login?: unknown } | undefined)?.login
    try {
      sim.revokeTokens(typeof login === 'string' ? login : '')
    } catch (error) {
      return reply.code(400).send({ error: 'invalid_request', error_description: (error as Error).message })
    }
    return reply.code(204).send()
  })
}
