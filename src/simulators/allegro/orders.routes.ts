/** API host: the seller (/me), order events and checkout forms. */
import type { FastifyInstance } from 'fastify'
import type { CheckoutFormQuery } from './simulator.ts'
import { CHECKOUT_FORM_STATUSES, ORDER_EVENT_TYPES } from './types.ts'
import type { CheckoutFormStatus } from './types.ts'
import type { ApiContext } from './http.ts'
import { CHECKOUT_FORM_SORTS, UUID_RE, dateParam, first, intParam, list, validationError, type Query } from './http.ts'

export function registerOrderRoutes(
  api: FastifyInstance,
  { sim, authOf, ok, orderNotFound, malformedId }: ApiContext
): void {
  api.get('/me', { config: { scope: 'allegro:api:profile:read' } }, async (request, reply) => {
    const { seller } = authOf(request)
    return ok(reply, {
      id: seller.id,
      login: seller.login,
      firstName: seller.firstName,
      lastName: seller.lastName,
      email: seller.email,
      baseMarketplace: { id: 'allegro-pl' },
      company: { name: seller.companyName, taxId: seller.nip }
    })
  })

  api.get('/order/event-stats', { config: { scope: 'allegro:api:orders:read' } }, async (request, reply) => {
    return ok(reply, { latestEvent: sim.latestEvent(authOf(request).seller.id) })
  })

  api.get('/order/events', { config: { scope: 'allegro:api:orders:read' } }, async (request, reply) => {
    const q = request.query as Query
    const limit = intParam(first(q.limit), 100)
    if (!limit.ok)
      return validationError(
        reply,
        400,
        'limit',
        'limit must be an integer',
        'Parametr limit musi być liczbą całkowitą.'
      )
    if (limit.value < 1 || limit.value > 1000) {
      return validationError(
        reply,
        422,
        'limit',
        'limit must be between 1 and 1000',
        'Parametr limit musi mieścić się w zakresie 1–1000.'
      )
    }
    const fromRaw = first(q.from)
    let from: number | undefined
    if (fromRaw !== undefined && fromRaw !== '') {
      if (!/^\d{1,16}$/.test(fromRaw))
        return validationError(
          reply,
          400,
          'from',
          'from must be an event id',
          'Parametr from musi być identyfikatorem zdarzenia.'
        )
      from = Number(fromRaw)
    }
    const types = list(q.type)
    if (types !== undefined && types.some((t) => !(ORDER_EVENT_TYPES as readonly string[]).includes(t))) {
      return validationError(reply, 400, 'type', 'Unknown event type', 'Nieznany typ zdarzenia.')
    }
    return ok(reply, { events: sim.queryEvents(authOf(request).seller.id, from, limit.value, types) })
  })

  api.get('/order/checkout-forms', { config: { scope: 'allegro:api:orders:read' } }, async (request, reply) => {
    const q = request.query as Query
    const limit = intParam(first(q.limit), 100)
    const offset = intParam(first(q.offset), 0)
    if (!limit.ok)
      return validationError(
        reply,
        400,
        'limit',
        'limit must be an integer',
        'Parametr limit musi być liczbą całkowitą.'
      )
    if (!offset.ok)
      return validationError(
        reply,
        400,
        'offset',
        'offset must be an integer',
        'Parametr offset musi być liczbą całkowitą.'
      )
    if (limit.value < 1 || limit.value > 100) {
      return validationError(
        reply,
        422,
        'limit',
        'limit must be between 1 and 100',
        'Parametr limit musi mieścić się w zakresie 1–100.'
      )
    }
    if (offset.value < 0)
      return validationError(
        reply,
        422,
        'offset',
        'offset must not be negative',
        'Parametr offset nie może być ujemny.'
      )
    if (offset.value + limit.value > 10000) {
      return validationError(
        reply,
        422,
        'offset',
        'The sum of offset and limit must not exceed 10000',
        'Suma parametrów offset i limit nie może przekraczać 10 000. Zawęź zakres dat.'
      )
    }
    const query: CheckoutFormQuery = { sort: '-lineItems.boughtAt', offset: offset.value, limit: limit.value }
    const sort = first(q.sort)
    if (sort !== undefined) {
      if (!(CHECKOUT_FORM_SORTS as readonly string[]).includes(sort)) {
        return validationError(reply, 400, 'sort', `Unsupported sort: ${sort}`, 'Nieobsługiwany sposób sortowania.')
      }
      query.sort = sort as CheckoutFormQuery['sort']
    }
    const status = first(q.status)
    if (status !== undefined) {
      if (!(CHECKOUT_FORM_STATUSES as readonly string[]).includes(status)) {
        return validationError(reply, 400, 'status', `Unknown status: ${status}`, 'Nieznany status zamówienia.')
      }
      query.status = status as CheckoutFormStatus
    }
    const dates: [string, 'boughtAtGte' | 'boughtAtLte' | 'updatedAtGte' | 'updatedAtLte'][] = [
      ['lineItems.boughtAt.gte', 'boughtAtGte'],
      ['lineItems.boughtAt.lte', 'boughtAtLte'],
      ['updatedAt.gte', 'updatedAtGte'],
      ['updatedAt.lte', 'updatedAtLte']
    ]
    for (const [name, key] of dates) {
      const value = dateParam(first(q[name]))
      if (value === null) {
        return validationError(
          reply,
          400,
          name,
          `${name} must be an ISO 8601 date-time`,
          `Parametr ${name} musi być datą w formacie ISO 8601.`
        )
      }
      if (value !== undefined) query[key] = value
    }
    query.buyerLogin = first(q['buyer.login'])
    query.marketplaceId = first(q['marketplace.id'])
    query.paymentId = first(q['payment.id'])
    query.deliveryMethodId = first(q['delivery.method.id'])
    query.fulfillmentStatus = first(q['fulfillment.status'])
    return ok(reply, sim.queryCheckoutForms(authOf(request).seller.id, query))
  })

  api.get('/order/checkout-forms/:id', { config: { scope: 'allegro:api:orders:read' } }, async (request, reply) => {
    const { id } = request.params as { id: string }
    if (!UUID_RE.test(id)) return malformedId(reply)
    const form = sim.getCheckoutForm(authOf(request).seller.id, id)
    return form === undefined ? orderNotFound(reply, id) : ok(reply, form)
  })
}
