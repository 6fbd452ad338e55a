/** The simulator's offers: every seller's catalogue, listing with Allegro's filters, stock changes. */
import { parseMinor } from './random.ts'
import type { OfferQuery } from './simulator.ts'
import type { SimOffer } from './types.ts'

export class OfferCatalogue {
  /** Live objects: tests may read and adjust stock. */
  readonly all: SimOffer[] = []
  readonly #byId = new Map<string, SimOffer>()

  add(offer: SimOffer): void {
    this.all.push(offer)
    this.#byId.set(offer.id, offer)
  }

  query(sellerId: string, q: OfferQuery): { offers: SimOffer[]; count: number; totalCount: number } {
    const needle = q.name?.toLocaleLowerCase('pl')
    const matching = this.all.filter((o) => {
      if (o.sellerId !== sellerId) return false
      if (q.ids !== undefined && !q.ids.includes(o.id)) return false
      if (needle !== undefined && !o.name.toLocaleLowerCase('pl').includes(needle)) return false
      if (q.externalIds !== undefined && (o.external === null || !q.externalIds.includes(o.external.id))) return false
      if (q.statuses !== undefined && !q.statuses.includes(o.publication.status)) return false
      const price = parseMinor(o.price.amount) ?? 0
      if (q.priceGte !== undefined && price < q.priceGte) return false
      if (q.priceLte !== undefined && price > q.priceLte) return false
      return true
    })
    // Default: newest first, i.e. the reverse of creation order.
    matching.reverse()
    if (q.sort !== undefined) {
      const desc = q.sort.startsWith('-')
      const field = desc ? q.sort.slice(1) : q.sort
      const key = (o: SimOffer): number =>
        field === 'sellingMode.price.amount'
          ? (parseMinor(o.price.amount) ?? 0)
          : field === 'stock.sold'
            ? o.stock.sold
            : o.stock.available
      matching.sort((a, b) => (desc ? key(b) - key(a) : key(a) - key(b)))
    }
    const page = matching.slice(q.offset, q.offset + q.limit)
    return { offers: page, count: page.length, totalCount: matching.length }
  }

  find(offerId: string): SimOffer | undefined {
    return this.#byId.get(offerId)
  }

  setStock(offer: SimOffer, available: number, now: Date): void {
    offer.stock.available = available
    // Allegro ends an active offer whose stock drops to zero.
    if (available === 0 && offer.publication.status === 'ACTIVE') {
      offer.publication.status = 'ENDED'
      offer.publication.endedAt = now.toISOString()
    }
  }
}
