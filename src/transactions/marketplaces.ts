// Links to offers on the Allegro site where the order was placed (reference §7, §9): allegro.pl
// accepts /oferta/{id}; the foreign storefronts use their own words for "offer".
const OFFER_PATHS: Record<string, string> = {
  'allegro-pl': 'https://allegro.pl/oferta/',
  'allegro-cz': 'https://allegro.cz/nabidka/',
  'allegro-business-cz': 'https://business.allegro.cz/nabidka/',
  'allegro-sk': 'https://allegro.sk/ponuka/',
  'allegro-hu': 'https://allegro.hu/termek/'
}

const MARKETPLACE_NAMES: Record<string, string> = {
  'allegro-pl': 'allegro.pl',
  'allegro-cz': 'allegro.cz',
  'allegro-business-cz': 'business.allegro.cz',
  'allegro-sk': 'allegro.sk',
  'allegro-hu': 'allegro.hu'
}

/** The offer's page; null for an id that is not a plain number (never build a link from junk). */
export function offerUrl(marketplaceId: string, offerId: string | null): string | null {
  if (offerId === null || !/^\d{1,20}$/.test(offerId)) return null
  return (OFFER_PATHS[marketplaceId] ?? OFFER_PATHS['allegro-pl']) + offerId
}

export function marketplaceName(marketplaceId: string): string {
  return MARKETPLACE_NAMES[marketplaceId] ?? marketplaceId
}
