/** API host: the seller's offers and setting an offer's stock. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { parseMinor } from './random.ts'
import type { OfferQuery } from './simulator.ts'
import type { SimOffer } from './types.ts'
import type { ApiContext } from './http.ts'
import { OFFER_SORTS, allegroError, first, intParam, list, validationError, type Query } from './http.ts'

export function registerOfferRoutes(api: FastifyInstance, { sim, authOf, ok }: ApiContext): void {
  api.get('/sale/offers', { config: { scope: 'allegro:api:sale:offers:read' } }, async (request, reply) => {
    const q = request.query as Query
    const limit = intParam(first(q.limit), 20)
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
    if (limit.value < 1 || limit.value > 1000) {
      return validationError(
        reply,
        422,
        'limit',
        'limit must be between 1 and 1000',
        'Parametr limit musi mieścić się w zakresie 1–1000.'
      )
    }
    if (offset.value < 0 || offset.value > 9_999_999) {
      return validationError(
        reply,
        422,
        'offset',
        'offset must be between 0 and 9999999',
        'Nieprawidłowa wartość parametru offset.'
      )
    }
    const query: OfferQuery = { offset: offset.value, limit: limit.value }
    query.ids = list(q['offer.id']) ?? list(q['offer.id[]'])
    query.externalIds = list(q['external.id']) ?? list(q['external.id[]'])
    if (
      query.externalIds !== undefined &&
      (query.externalIds.length > 100 || query.externalIds.some((v) => v.length > 100))
    ) {
      return validationError(
        reply,
        422,
        'external.id',
        'At most 100 external.id values of at most 100 characters',
        'Można podać najwyżej 100 sygnatur, każdą do 100 znaków.'
      )
    }
    query.statuses = list(q['publication.status']) ?? list(q['publication.status[]'])
    query.name = first(q.name)
    for (const [name, key] of [
      ['sellingMode.price.amount.gte', 'priceGte'],
      ['sellingMode.price.amount.lte', 'priceLte']
    ] as const) {
      const raw = first(q[name])
      if (raw === undefined) continue
      const minor = parseMinor(raw)
      if (minor === null)
        return validationError(reply, 400, name, `${name} must be a decimal amount`, 'Nieprawidłowa kwota.')
      query[key] = minor
    }
    const sort = first(q.sort)
    if (sort !== undefined) {
      if (!OFFER_SORTS.includes(sort.replace(/^-/, '')))
        return validationError(reply, 400, 'sort', `Unsupported sort: ${sort}`, 'Nieobsługiwany sposób sortowania.')
      query.sort = sort
    }
    const result = sim.queryOffers(authOf(request).seller.id, query)
    return ok(reply, { offers: result.offers.map(renderOffer), count: result.count, totalCount: result.totalCount })
  })

  const offerFor = (request: FastifyRequest, reply: FastifyReply): SimOffer | FastifyReply => {
    const { offerId } = request.params as { offerId: string }
    const offer = /^\d{1,20}$/.test(offerId) ? sim.findOffer(offerId) : undefined
    if (offer === undefined)
      return allegroError(reply, 404, 'NotFoundException', `Offer ${offerId} not found`, 'Nie znaleziono oferty.')
    if (offer.sellerId !== authOf(request).seller.id) {
      return allegroError(
        reply,
        403,
        'AccessDenied',
        'You are not the owner of this offer',
        'To nie jest Twoja oferta.'
      )
    }
    return offer
  }

  api.get(
    '/sale/product-offers/:offerId',
    { config: { scope: 'allegro:api:sale:offers:read' } },
    async (request, reply) => {
      const offer = offerFor(request, reply)
      return 'sellerId' in offer ? ok(reply, renderProductOffer(offer)) : offer
    }
  )

  api.patch(
    '/sale/product-offers/:offerId',
    { config: { scope: 'allegro:api:sale:offers:write' } },
    async (request, reply) => {
      const offer = offerFor(request, reply)
      if (!('sellerId' in offer)) return offer
      const body = request.body as { stock?: { available?: unknown } } | undefined
      const available =
        typeof body === 'object' && body !== null && typeof body.stock === 'object' && body.stock !== null
          ? body.stock.available
          : undefined
      if (available !== undefined) {
        if (!Number.isInteger(available) || (available as number) < 0 || (available as number) > 1_000_000) {
          return validationError(
            reply,
            422,
            'stock.available',
            'stock.available must be an integer 0..1000000',
            'Liczba sztuk musi być liczbą całkowitą od 0 do 1 000 000.'
          )
        }
        sim.setOfferStock(offer, available as number)
      }
      return ok(reply, renderProductOffer(offer))
    }
  )
}

function renderOffer(offer: SimOffer): Record<string, unknown> {
  return {
    id: offer.id,
    name: offer.name,
    category: { id: offer.categoryId },
    primaryImage: null,
    sellingMode: {
      format: 'BUY_NOW',
      price: { ...offer.price },
      minimalPrice: null,
      startingPrice: null,
      priceAutomation: null
    },
    saleInfo: { currentPrice: null, biddersCount: 0 },
    stock: { available: offer.stock.available, sold: offer.stock.sold },
    stats: { watchersCount: 0, visitsCount: 0 },
    publication: {
      status: offer.publication.status,
      startingAt: null,
      startedAt: offer.publication.startedAt,
      endingAt: null,
      endedAt: offer.publication.endedAt,
      marketplaces: { base: { id: 'allegro-pl' }, additional: [] }
    },
    afterSalesServices: null,
    additionalServices: null,
    external: offer.external === null ? null : { id: offer.external.id },
    delivery: { shippingRates: null },
    b2b: { buyableOnlyByBusiness: false },
    fundraisingCampaign: null,
    isFulfillment: false,
    additionalMarketplaces: {}
  }
}

function renderProductOffer(offer: SimOffer): Record<string, unknown> {
  return {
    id: offer.id,
    name: offer.name,
    category: { id: offer.categoryId },
    external: offer.external === null ? null : { id: offer.external.id },
    sellingMode: { format: 'BUY_NOW', price: { ...offer.price } },
    stock: { available: offer.stock.available, unit: 'UNIT' },
    publication: { status: offer.publication.status },
    taxSettings:
      offer.taxRate === null
        ? null
        : { rates: [{ rate: offer.taxRate, countryCode: 'PL' }], subject: 'GOODS', exemption: null }
  }
}
