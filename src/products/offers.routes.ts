import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { isAllegroApiError, type AllegroClient } from '../allegro/allegro.client.ts'
import { allegroClientForShop } from '../allegro/shop-client.ts'
import { requireAllegroModule } from '../plugins/auth.ts'
import { NotFoundError } from '../shared/errors.ts'
import { checkbox, parseId, text } from '../shared/form.ts'
import {
  ENDS_OFFER_WARNING,
  PUBLICATION_LABELS,
  PUSH_OUTCOME_LABELS,
  endsOffer,
  parseOfferList,
  stockForAllegro,
  type AllegroOfferSummary,
  type ParsedOfferList,
  type PushResult
} from './offers.ts'
import { lastStockPushes } from './offers.queries.ts'
import { pushOfferStocks, SHOP_WIDE_FAILURES } from './offer-stock-push.ts'
import { matchProducts, type MatchedProduct } from './stock.hooks.ts'

const OFFERS_PER_PAGE = 100
const OFFER_ID = /^[0-9A-Za-z-]{1,40}$/
/** Flash at most this many per-offer failures after a bulk push; the rest are on the page. */
const MAX_FAILURE_FLASHES = 5

interface Shop {
  id: number
  name: string
  environment: string
  connection_status: string
}

interface OfferRow {
  offer: AllegroOfferSummary
  product: MatchedProduct | null
  matchedBy: string | null
  offerUrl: string | null
  /** what "Ustaw w Allegro stan z Biurka" would send */
  target: number | null
  endsOffer: boolean
}

interface PageState {
  page: number
  onlyUnmatched: boolean
}

/** Allegro offers of a shop next to the products they match; sets an offer's stock from its product's. */
export default async function offersRoutes(
  app: FastifyInstance,
  opts: { base: string; section: string }
): Promise<void> {
  const { base, section } = opts
  const listShops = async (): Promise<Shop[]> =>
    await app.db
      .selectFrom('allegro_shops')
      .select(['id', 'name', 'environment', 'connection_status'])
      .where('removed_at', 'is', null)
      .orderBy('name')
      .execute()
  const pageUrl = (shopId: number, state: PageState): string => {
    const params = new URLSearchParams({ sklep: String(shopId) })
    if (state.page > 1) params.set('strona', String(state.page))
    if (state.onlyUnmatched) params.set('tylko', 'bez-produktu')
    return `${base}/oferty-allegro?${params.toString()}`
  }

  /** Allegro first, with no database transaction open; matching products comes after. */
  async function fetchOffers(
    request: FastifyRequest,
    shop: Shop,
    query: Record<string, string | number | ReadonlyArray<string>>
  ): Promise<{ list: ParsedOfferList; error: string | null; upstreamFailed: boolean; client: AllegroClient | null }> {
    try {
      const client = await allegroClientForShop(app, shop.id)
      return { list: parseOfferList(await client.listOffers(query)), error: null, upstreamFailed: false, client }
    } catch (failure) {
      if (!isAllegroApiError(failure)) throw failure
      request.log.warn({ shopId: shop.id, code: failure.code, status: failure.status }, 'listing Allegro offers failed')
      // a shop that is not connected is a state of ours, not a failure of Allegro's
      return {
        list: { offers: [], skipped: 0, totalCount: 0 },
        error: `Nie udało się pobrać ofert z Allegro: ${failure.userMessage}`,
        upstreamFailed: !SHOP_WIDE_FAILURES.has(failure.kind),
        client: null
      }
    }
  }

  async function toRows(shop: Shop, offers: AllegroOfferSummary[]): Promise<OfferRow[]> {
    const products = await matchProducts(
      app.db,
      offers.map((offer) => ({ name: offer.name, sku: offer.sku }))
    )
    const offerBase =
      shop.environment === 'production' || shop.environment === 'sandbox'
        ? app.ctx.config.allegro[shop.environment].webUrl.replace(/\/+$/, '')
        : null
    return offers.map((offer, index) => {
      const product = products[index]
      const target = product === null ? null : stockForAllegro(product.stockMilli)
      return {
        offer,
        product,
        matchedBy:
          product === null ? null : offer.sku !== null && product.sku === offer.sku ? 'po sygnaturze' : 'po nazwie',
        offerUrl: offerBase === null ? null : `${offerBase}/oferta/${encodeURIComponent(offer.id)}`,
        target,
        endsOffer: target !== null && endsOffer(offer, target)
      }
    })
  }

  async function renderPage(
    request: FastifyRequest,
    reply: FastifyReply,
    shops: Shop[],
    shop: Shop,
    state: PageState,
    pushError: { message: string; offerId: string | null } | null = null
  ): Promise<unknown> {
    const { list, error, upstreamFailed } = await fetchOffers(request, shop, {
      limit: OFFERS_PER_PAGE,
      offset: (state.page - 1) * OFFERS_PER_PAGE
    })
    const rows = await toRows(shop, list.offers)
    const pushes = await lastStockPushes(
      app.db,
      shop.id,
      rows.filter((row) => row.product !== null).map((row) => row.offer.id)
    )
    const total = list.totalCount ?? list.offers.length
    const matched = rows.filter((row) => row.product !== null)
    return await reply.code(pushError !== null ? 422 : upstreamFailed ? 502 : 200).viewAsync('products/offers', {
      title: `Oferty Allegro: ${shop.name}`,
      section,
      base,
      shops,
      shop,
      rows: state.onlyUnmatched ? rows.filter((row) => row.product === null) : rows,
      onlyUnmatched: state.onlyUnmatched,
      error,
      pushError,
      pushes,
      matchedCount: matched.length,
      endingCount: matched.filter((row) => row.endsOffer).length,
      skipped: list.skipped,
      unmatched: rows.length - matched.length,
      page: state.page,
      pages: Math.max(1, Math.ceil(total / OFFERS_PER_PAGE)),
      query: { sklep: shop.id, tylko: state.onlyUnmatched ? 'bez-produktu' : '' },
      labels: PUBLICATION_LABELS,
      outcomeLabels: PUSH_OUTCOME_LABELS,
      endsWarning: ENDS_OFFER_WARNING
    })
  }

  function pageState(source: Record<string, unknown>): PageState {
    const page = text(source, 'strona')
    return {
      page: /^\d{1,5}$/.test(page) ? Math.max(1, Number(page)) : 1,
      onlyUnmatched: text(source, 'tylko') === 'bez-produktu'
    }
  }

  app.get(`${base}/oferty-allegro`, { preHandler: requireAllegroModule }, async (request, reply) => {
    const query = request.query as Record<string, unknown>
    const shops = await listShops()
    const shopId = parseId(text(query, 'sklep'))
    if (shopId === null) {
      if (shops.length === 1) return reply.redirect(`${base}/oferty-allegro?sklep=${shops[0].id}`, 303)
      return reply.viewAsync('products/offers', {
        title: 'Oferty Allegro',
        section,
        base,
        shops,
        shop: null,
        rows: [],
        onlyUnmatched: false,
        error: null,
        page: 1,
        pages: 1,
        query: {},
        skipped: 0,
        labels: PUBLICATION_LABELS
      })
    }
    const shop = shops.find((s) => s.id === shopId)
    if (!shop) throw new NotFoundError('Nie ma takiego sklepu Allegro.')
    return await renderPage(request, reply, shops, shop, pageState(query))
  })

  // "Ustaw w Allegro stan z Biurka": one offer (oferta=<id>) or every matched offer on the page.
  // Offers and products are read again here rather than trusted from the form, so what is sent
  // is the product's stock at the moment of the click.
  app.post(`${base}/oferty-allegro/stan`, { preHandler: requireAllegroModule }, async (request, reply) => {
    const body = request.body
    const shops = await listShops()
    const shop = shops.find((s) => s.id === parseId(text(body, 'sklep')))
    if (!shop) throw new NotFoundError('Nie ma takiego sklepu Allegro.')
    const state = pageState(body as Record<string, unknown>)
    const offerField = text(body, 'oferta')
    const confirmed = checkbox(body, 'potwierdzam')
    const back = pageUrl(shop.id, state)
    if (offerField !== '' && !OFFER_ID.test(offerField)) {
      return await renderPage(request, reply, shops, shop, state, {
        message: 'Nieprawidłowy numer oferty.',
        offerId: null
      })
    }
    const single = offerField === '' ? null : offerField

    const { list, error, client } = await fetchOffers(
      request,
      shop,
      single === null
        ? { limit: OFFERS_PER_PAGE, offset: (state.page - 1) * OFFERS_PER_PAGE }
        : { 'offer.id': [single], limit: 1 }
    )
    if (error !== null || client === null) {
      reply.flash('error', `${error ?? ''} Stanów nie zmieniono.`)
      return reply.redirect(back, 303)
    }
    const rows = (await toRows(shop, list.offers)).filter((row) => single === null || row.offer.id === single)
    if (single !== null && rows.length === 0) {
      return await renderPage(request, reply, shops, shop, state, {
        message: 'Allegro nie zwróciło tej oferty – mogła zostać usunięta. Stanu nie zmieniono.',
        offerId: single
      })
    }
    const targets = rows.filter(
      (row): row is OfferRow & { product: MatchedProduct; target: number } =>
        row.product !== null && row.target !== null
    )
    if (single !== null && targets.length === 0) {
      return await renderPage(request, reply, shops, shop, state, {
        message: 'Ta oferta nie jest dopasowana do żadnego produktu w Biurku – nie ma skąd wziąć stanu.',
        offerId: single
      })
    }
    if (targets.length === 0) {
      reply.flash('info', 'Na tej stronie nie ma ofert dopasowanych do produktów – nic nie wysłano do Allegro.')
      return reply.redirect(back, 303)
    }
    const ending = targets.filter((row) => row.endsOffer)
    if (ending.length > 0 && !confirmed) {
      const names =
        ending
          .slice(0, 3)
          .map((row) => `„${row.offer.name}”`)
          .join(', ') + (ending.length > 3 ? ` i ${ending.length - 3} innych` : '')
      return await renderPage(request, reply, shops, shop, state, {
        message: `${ENDS_OFFER_WARNING}: ${names}. Zaznacz potwierdzenie, jeśli tak ma być. Nic nie wysłano do Allegro.`,
        offerId: single
      })
    }

    const results = await pushOfferStocks({ db: app.db, log: request.log, now: app.ctx.now }, client, {
      shopId: shop.id,
      targets,
      userId: request.user?.id ?? null
    })

    flashResults(reply, results, single !== null)
    const notTried = targets.length - results.length
    if (notTried > 0)
      reply.flash('warning', `Pozostałych ofert (${notTried}) nie zmieniono – najpierw usuń przyczynę błędu.`)
    return reply.redirect(back, 303)
  })
}

function flashResults(
  reply: FastifyReply,
  results: Array<{ row: OfferRow; result: PushResult }>,
  single: boolean
): void {
  if (single) {
    const { row, result } = results[0]
    const kind =
      result.outcome === 'done'
        ? 'success'
        : result.outcome === 'accepted'
          ? 'info'
          : result.outcome === 'conflict'
            ? 'warning'
            : 'error'
    reply.flash(kind, `Oferta „${row.offer.name}”: ${result.message}`)
    return
  }
  const done = results.filter((r) => r.result.outcome === 'done').length
  const accepted = results.filter((r) => r.result.outcome === 'accepted').length
  const problems = results.filter((r) => r.result.outcome !== 'done' && r.result.outcome !== 'accepted')
  if (done > 0) reply.flash('success', `Ustawiono w Allegro stany ofert: ${done}.`)
  if (accepted > 0)
    reply.flash(
      'info',
      `Allegro przyjęło i jeszcze przetwarza zmiany stanu ofert: ${accepted} – odśwież stronę za chwilę.`
    )
  for (const { row, result } of problems.slice(0, MAX_FAILURE_FLASHES)) {
    reply.flash(result.outcome === 'conflict' ? 'warning' : 'error', `Oferta „${row.offer.name}”: ${result.message}`)
  }
  if (problems.length > MAX_FAILURE_FLASHES)
    reply.flash(
      'error',
      `I jeszcze ${problems.length - MAX_FAILURE_FLASHES} ofert z błędem – szczegóły w kolumnie „Ostatnie ustawienie”.`
    )
}
