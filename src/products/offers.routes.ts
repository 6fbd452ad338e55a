import type { FastifyInstance } from 'fastify'
import { isAllegroApiError } from '../allegro/allegro.client.ts'
import { allegroClientForShop } from '../allegro/shop-client.ts'
import { requireAllegroModule } from '../plugins/auth.ts'
import { NotFoundError } from '../shared/errors.ts'
import { parseId } from '../shared/form.ts'
import { PUBLICATION_LABELS, parseOfferList, type ParsedOfferList } from './offers.ts'
import { matchProducts } from './stock.hooks.ts'

const OFFERS_PER_PAGE = 100

/** Allegro offers of a shop next to the products they match, to see which offers move no stock. */
export default async function offersRoutes (app: FastifyInstance, opts: { base: string, section: string }): Promise<void> {
  const { base, section } = opts

  app.get(`${base}/oferty-allegro`, { preHandler: requireAllegroModule }, async (request, reply) => {
    const query = request.query as Record<string, unknown>
    const shops = await app.db.selectFrom('allegro_shops').select(['id', 'name', 'environment', 'connection_status'])
      .where('removed_at', 'is', null).orderBy('name').execute()
    const shopId = parseId(typeof query.sklep === 'string' ? query.sklep : '')
    if (shopId === null) {
      if (shops.length === 1) return reply.redirect(`${base}/oferty-allegro?sklep=${shops[0].id}`, 303)
      return reply.viewAsync('products/offers', { title: 'Oferty Allegro', section, base, shops, shop: null, rows: [], onlyUnmatched: false, error: null, page: 1, pages: 1, query: {}, skipped: 0, labels: PUBLICATION_LABELS })
    }
    const shop = shops.find((s) => s.id === shopId)
    if (!shop) throw new NotFoundError('Nie ma takiego sklepu Allegro.')
    const page = typeof query.strona === 'string' && /^\d{1,5}$/.test(query.strona) ? Math.max(1, Number(query.strona)) : 1

    // Allegro first, with no database transaction open; matching products comes after.
    let list: ParsedOfferList = { offers: [], skipped: 0, totalCount: 0 }
    let error: string | null = null
    try {
      const client = await allegroClientForShop(app, shop.id)
      list = parseOfferList(await client.listOffers({ limit: OFFERS_PER_PAGE, offset: (page - 1) * OFFERS_PER_PAGE }))
    } catch (failure) {
      if (!isAllegroApiError(failure)) throw failure
      request.log.warn({ shopId: shop.id, code: failure.code, status: failure.status }, 'listing Allegro offers failed')
      error = `Nie udało się pobrać ofert z Allegro: ${failure.userMessage}`
    }

    const products = await matchProducts(app.db, list.offers.map((offer) => ({ name: offer.name, sku: offer.sku })))
    const offerBase = shop.environment === 'production' || shop.environment === 'sandbox' ? app.ctx.config.allegro[shop.environment].webUrl.replace(/\/+$/, '') : null
    const rows = list.offers.map((offer, index) => {
      const product = products[index]
      return {
        offer,
        product,
        matchedBy: product === null ? null : offer.sku !== null && product.sku === offer.sku ? 'po sygnaturze' : 'po nazwie',
        offerUrl: offerBase === null ? null : `${offerBase}/oferta/${encodeURIComponent(offer.id)}`
      }
    })
    const total = list.totalCount ?? list.offers.length
    const onlyUnmatched = query.tylko === 'bez-produktu'
    return reply.code(error === null ? 200 : 502).viewAsync('products/offers', {
      title: `Oferty Allegro: ${shop.name}`,
      section,
      base,
      shops,
      shop,
      rows: onlyUnmatched ? rows.filter((row) => row.product === null) : rows,
      onlyUnmatched,
      error,
      skipped: list.skipped,
      unmatched: rows.filter((row) => row.product === null).length,
      page,
      pages: Math.max(1, Math.ceil(total / OFFERS_PER_PAGE)),
      query: { sklep: shop.id, tylko: onlyUnmatched ? 'bez-produktu' : '' },
      labels: PUBLICATION_LABELS
    })
  })
}
