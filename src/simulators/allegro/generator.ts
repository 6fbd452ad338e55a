/**
 * Seeded generator of realistic Polish Allegro data: buyers, offers and checkout forms, plus
 * each order's "plan" (when it gets filled in, paid, shipped, cancelled). The simulator replays
 * the plan against its clock, so orders change as time passes, the same way for the same seed.
 */
import {
  asciiFold,
  BRAND_WORDS,
  CATALOGUE,
  CITIES,
  CZ_CITIES,
  CZ_DELIVERY_METHODS,
  CZ_FEMALE_FIRST_NAMES,
  CZ_LAST_NAMES,
  CZ_MALE_FIRST_NAMES,
  CZ_STREETS,
  FEMALE_FIRST_NAMES,
  feminineSurname,
  HOSTILE,
  HOSTILE_LONG_NAME,
  LAST_NAMES,
  LOGIN_WORDS,
  MALE_FIRST_NAMES,
  MESSAGES_TO_SELLER,
  MOBILE_PREFIXES,
  NIP_OFFICE_CODES,
  PICKUP_DESCRIPTIONS,
  PL_COD_DELIVERY_METHODS,
  PL_DELIVERY_METHODS,
  SERVICES,
  SHOP_NICKNAMES,
  STREETS
} from './generator-data.ts'
import type { DeliveryMethodDef } from './generator-data.ts'
import { formatMinor, parseMinor, Rng, rngFor } from './random.ts'
import type {
  AdditionalService,
  CheckoutForm,
  CheckoutFormStatus,
  Delivery,
  Invoice,
  InvoiceCompany,
  LineItem,
  MarketplaceId,
  OrderEventType,
  PaymentType,
  SimOffer
} from './types.ts'

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

// ---------------------------------------------------------------------------------------------
// Tax identifiers

const NIP_WEIGHTS = [6, 5, 7, 2, 3, 4, 5, 6, 7]

export function isValidNipChecksum(nip: string): boolean {
  if (!/^\d{10}$/.test(nip)) return false
  let sum = 0
  for (let i = 0; i < 9; i++) sum += NIP_WEIGHTS[i] * Number(nip[i])
  const check = sum % 11
  return check !== 10 && check === Number(nip[9])
}

export function generateNip(rng: Rng): string {
  for (;;) {
    const body = rng.pick(NIP_OFFICE_CODES) + rng.digits(6)
    let sum = 0
    for (let i = 0; i < 9; i++) sum += NIP_WEIGHTS[i] * Number(body[i])
    const check = sum % 11
    // A remainder of 10 has no check digit: such numbers are never issued.
    if (check !== 10) return body + String(check)
  }
}

/** Czech IČO: 8 digits, mod-11 check digit. */
export function generateCzIco(rng: Rng): string {
  const body = String(rng.int(1, 9)) + rng.digits(6)
  let sum = 0
  for (let i = 0; i < 7; i++) sum += Number(body[i]) * (8 - i)
  const r = sum % 11
  const check = r === 0 ? 1 : r === 1 ? 0 : 11 - r
  return body + String(check)
}

// ---------------------------------------------------------------------------------------------
// Buyers

export interface BuyerProfile {
  id: string
  login: string
  email: string
  guest: boolean
  firstName: string
  lastName: string
  phoneNumber: string
  language: string
  country: 'PL' | 'CZ'
  address: { street: string; city: string; postCode: string; countryCode: string }
  /** Pickup-point prefix of the buyer's city (InPost style, e.g. "KRA"). */
  cityCode: string
  company: {
    name: string
    ids: InvoiceCompany['ids']
    vatPayerStatus: InvoiceCompany['vatPayerStatus']
    address: { street: string; city: string; zipCode: string; countryCode: string }
  } | null
  smart: boolean
}

/** Uniqueness registries: Allegro ids, logins and NIPs never repeat across different people. */
export interface Registries {
  buyerIds: Set<string>
  logins: Set<string>
  nips: Set<string>
}

export function createRegistries(): Registries {
  return { buyerIds: new Set(), logins: new Set(), nips: new Set() }
}

function postcode(base: number, span: number, rng: Rng): string {
  const n = base + rng.int(0, span)
  const s = String(n).padStart(5, '0')
  return `${s.slice(0, 2)}-${s.slice(2)}`
}

function houseNumber(rng: Rng): string {
  const n = String(
    rng.weighted([
      [rng.int(1, 30), 6],
      [rng.int(31, 180), 3]
    ] as const)
  )
  const letter = rng.chance(0.08) ? rng.pick(['a', 'b', 'c', 'A', 'B']) : ''
  const flat = rng.chance(0.45) ? `/${rng.int(1, 120)}` : ''
  return n + letter + flat
}

function plStreet(rng: Rng): string {
  const prefix = rng.chance(0.12) ? 'ul. ' : ''
  return `${prefix}${rng.pick(STREETS)} ${houseNumber(rng)}`
}

function plPhone(rng: Rng): string {
  const number = rng.pick(MOBILE_PREFIXES) + rng.digits(6)
  return rng.chance(0.85) ? `+48${number}` : `${number.slice(0, 3)} ${number.slice(3, 6)} ${number.slice(6)}`
}

function uniqueId(rng: Rng, reg: Registries): string {
  for (;;) {
    const id = String(rng.int(10_000_000, 199_999_999))
    if (!reg.buyerIds.has(id)) {
      reg.buyerIds.add(id)
      return id
    }
  }
}

function uniqueLogin(candidate: string, rng: Rng, reg: Registries): string {
  let login = candidate
  while (reg.logins.has(login)) login = candidate + String(rng.int(1, 9999))
  reg.logins.add(login)
  return login
}

function loginFor(first: string, last: string, rng: Rng): string {
  const f = asciiFold(first)
  const l = asciiFold(last)
  switch (rng.int(0, 5)) {
    case 0:
      return `${f}_${l}`
    case 1:
      return `${l}${rng.int(60, 99)}`
    case 2:
      return `${f}.${l}${rng.int(1, 99)}`
    case 3:
      return `${rng.pick(LOGIN_WORDS)}${rng.int(1970, 2008)}`
    case 4:
      return `${f[0]}${l}`
    default:
      return `${rng.pick(LOGIN_WORDS)}_${l}`
  }
}

function companyName(rng: Rng, first: string, last: string): string {
  const other = rng.pick(LAST_NAMES)
  switch (rng.int(0, 11)) {
    case 0:
      return `${last} sp. z o.o.`
    case 1:
      return `${last}-${other} sp. j.`
    case 2:
      return `PHU ${rng.pick(BRAND_WORDS)} ${first} ${last}`
    case 3:
      return `Usługi Remontowe ${first} ${last}`
    case 4:
      return `Warsztat Samochodowy ${last}`
    case 5:
      return `Sklep Spożywczy "${rng.pick(SHOP_NICKNAMES)}" ${first} ${last}`
    case 6:
      return `Firma Handlowa ${rng.pick(BRAND_WORDS)} ${first} ${last}`
    case 7:
      return `${rng.pick(BRAND_WORDS)} S.A.`
    case 8:
      return `Kancelaria Rachunkowa ${first} ${last}`
    case 9:
      return `Gabinet Stomatologiczny lek. dent. ${first} ${last}`
    case 10:
      return `${last} i Wspólnicy sp.k.`
    default:
      return `Przedszkole Niepubliczne "${rng.pick(SHOP_NICKNAMES)}"`
  }
}

function uniqueNip(rng: Rng, reg: Registries): string {
  for (;;) {
    const nip = generateNip(rng)
    if (!reg.nips.has(nip)) {
      reg.nips.add(nip)
      return nip
    }
  }
}

function makeBuyer(rng: Rng, reg: Registries, country: 'PL' | 'CZ', companyShare = 0.22): BuyerProfile {
  const female = rng.chance(0.5)
  let first: string
  let last: string
  let address: BuyerProfile['address']
  let cityCode: string
  if (country === 'CZ') {
    first = female ? rng.pick(CZ_FEMALE_FIRST_NAMES) : rng.pick(CZ_MALE_FIRST_NAMES)
    const pair = rng.pick(CZ_LAST_NAMES)
    last = female ? pair[1] : pair[0]
    const [city, zip] = rng.pick(CZ_CITIES)
    address = { street: `${rng.pick(CZ_STREETS)} ${rng.int(1, 90)}`, city, postCode: zip, countryCode: 'CZ' }
    cityCode = 'CZE'
  } else {
    first = female ? rng.pick(FEMALE_FIRST_NAMES) : rng.pick(MALE_FIRST_NAMES)
    const base = rng.pick(LAST_NAMES)
    last = female ? feminineSurname(base) : base
    const [city, pc, span, code] = rng.pick(CITIES)
    address = { street: plStreet(rng), city, postCode: postcode(pc, span, rng), countryCode: 'PL' }
    cityCode = code
  }
  const id = uniqueId(rng, reg)
  const guest = rng.chance(0.05)
  const login = guest ? `Client:${id}` : uniqueLogin(loginFor(first, last, rng), rng, reg)
  let company: BuyerProfile['company'] = null
  if (rng.chance(companyShare)) {
    const sameAddress = rng.chance(0.5)
    const companyAddress = sameAddress
      ? { street: address.street, city: address.city, zipCode: address.postCode, countryCode: address.countryCode }
      : country === 'CZ'
        ? {
            street: `${rng.pick(CZ_STREETS)} ${rng.int(1, 90)}`,
            city: address.city,
            zipCode: address.postCode,
            countryCode: 'CZ'
          }
        : (() => {
            const [city, pc, span] = rng.pick(CITIES)
            return { street: plStreet(rng), city, zipCode: postcode(pc, span, rng), countryCode: 'PL' }
          })()
    if (country === 'CZ') {
      const ico = generateCzIco(rng)
      company = {
        name: `${last} s.r.o.`,
        ids: [
          { type: 'CZ_ICO', value: ico },
          { type: 'CZ_DIC', value: `CZ${ico}` }
        ],
        vatPayerStatus: 'ACTIVE',
        address: companyAddress
      }
    } else {
      const nip = uniqueNip(rng, reg)
      company = {
        name: companyName(rng, first, last),
        ids: [{ type: 'PL_NIP', value: nip }],
        vatPayerStatus: rng.weighted([
          ['ACTIVE', 85],
          ['NON_ACTIVE', 12],
          ['NOT_APPLICABLE', 3]
        ] as const),
        address: companyAddress
      }
    }
  }
  return {
    id,
    login,
    email: `${rng.alnum(10)}+${rng.alnum(6)}@allegromail.pl`,
    guest,
    firstName: first,
    lastName: last,
    phoneNumber:
      country === 'CZ' ? `+420${rng.pick(['601', '602', '603', '720', '731', '777'])}${rng.digits(6)}` : plPhone(rng),
    language: country === 'CZ' ? 'cs-CZ' : 'pl-PL',
    country,
    address,
    cityCode,
    company,
    smart: rng.chance(0.35)
  }
}

function makeHostileBuyer(rng: Rng, reg: Registries): BuyerProfile {
  const buyer = makeBuyer(rng, reg, 'PL', 1)
  buyer.firstName = HOSTILE.script
  buyer.lastName = `${HOSTILE.quotes} ${HOSTILE.emoji}`
  buyer.login = uniqueLogin(`"><b>lobuz</b>${rng.int(1, 99999)}`, rng, reg)
  buyer.address = { ...buyer.address, street: `${HOSTILE.svg} ${HOSTILE.sql}`, city: HOSTILE.rtl }
  if (buyer.company !== null) {
    buyer.company = {
      ...buyer.company,
      name: `${HOSTILE.formula} ${HOSTILE.rtl} ${HOSTILE.img}`,
      address: { ...buyer.company.address, street: HOSTILE.quotes }
    }
  }
  return buyer
}

export function createBuyerPool(seed: number, sellerId: string, size: number, reg: Registries): BuyerProfile[] {
  const pool: BuyerProfile[] = []
  // Regulars are likelier to be businesses than one-off buyers.
  for (let i = 0; i < size; i++) pool.push(makeBuyer(rngFor(seed, 'buyer', sellerId, i), reg, 'PL', 0.35))
  return pool
}

// ---------------------------------------------------------------------------------------------
// Offers

const SERVICE_BY_KIND = new Map(SERVICES.map(([kind, name, unitMinor]) => [kind, { name, unitMinor }]))

export function buildCatalogue(seed: number, sellerId: string, size: number, startedAt: Date): SimOffer[] {
  const offers: SimOffer[] = []
  const usedIds = new Set<string>()
  for (let i = 0; i < size; i++) {
    const rng = rngFor(seed, 'offer', sellerId, i)
    const [name, priceMinor, taxRate, sku, popularity, serviceKinds] = CATALOGUE[i % CATALOGUE.length]
    let id = `1${rng.int(2, 7)}${rng.digits(9)}`
    while (usedIds.has(id)) id = `1${rng.int(2, 7)}${rng.digits(9)}`
    usedIds.add(id)
    const status = rng.weighted([
      ['ACTIVE', 90],
      ['ENDED', 6],
      ['INACTIVE', 4]
    ] as const)
    const started = new Date(startedAt.getTime() - rng.int(30, 400) * DAY).toISOString()
    offers.push({
      id,
      sellerId,
      name,
      categoryId: String(rng.int(1000, 320000)),
      external: sku === null ? null : { id: sku },
      price: { amount: formatMinor(priceMinor), currency: 'PLN' },
      taxRate,
      stock: { available: status === 'ENDED' ? 0 : rng.int(15, 600), sold: rng.int(0, 300) },
      publication: {
        status,
        startedAt: status === 'INACTIVE' ? null : started,
        endedAt: status === 'ENDED' ? new Date(startedAt.getTime() - rng.int(1, 20) * DAY).toISOString() : null
      },
      popularity,
      services: serviceKinds.map((kind) => {
        const def = SERVICE_BY_KIND.get(kind)
        if (def === undefined) throw new Error(`unknown service ${kind}`)
        return { definitionId: rngFor('service', kind).uuid(), name: def.name, unitMinor: def.unitMinor }
      })
    })
  }
  return offers
}

/** Offers with names that break naive rendering; added to a seller's catalogue on first use. */
export function buildHostileOffers(seed: number, sellerId: string, startedAt: Date): SimOffer[] {
  const names = [
    HOSTILE_LONG_NAME,
    `${HOSTILE.script} ${HOSTILE.emoji} ${HOSTILE.rtl}`,
    `${HOSTILE.quotes} ${HOSTILE.formula}`
  ]
  return names.map((name, i) => {
    const rng = rngFor(seed, 'hostile-offer', sellerId, i)
    return {
      id: `19${rng.digits(9)}`,
      sellerId,
      name,
      categoryId: '666',
      external: i === 1 ? { id: `${HOSTILE.svg}` } : null,
      price: { amount: formatMinor(4242), currency: 'PLN' },
      taxRate: '23.00',
      stock: { available: 100, sold: 0 },
      publication: { status: 'ACTIVE', startedAt: startedAt.toISOString(), endedAt: null },
      popularity: 0,
      services: []
    }
  })
}

// ---------------------------------------------------------------------------------------------
// Orders

export type PlanStepKind = 'bought' | 'filledIn' | 'paid' | 'buyerCancelled' | 'autoCancelled' | 'sent' | 'codSettled'

export interface PlanStep {
  at: number
  kind: PlanStepKind
}

export interface OrderSpec {
  boughtAtMs: number
  sellerId: string
  hostile?: boolean
  marketplace?: MarketplaceId
  invoice?: 'company' | 'person' | 'none'
  payment?: 'ONLINE' | 'CASH_ON_DELIVERY'
  /** Forces the final status; every plan step then happens at boughtAt. */
  status?: CheckoutFormStatus
  lineItems?: number
}

export interface GeneratorContext {
  offers: SimOffer[]
  hostileOffers: () => SimOffer[]
  buyerPool: BuyerProfile[]
  registries: Registries
}

export interface GeneratedOrder {
  /** The form as it looks right after purchase (status BOUGHT). */
  form: CheckoutForm
  plan: PlanStep[]
}

function toCzk(plnMinor: number): number {
  return Math.max(100, Math.round((plnMinor * 6) / 100) * 100)
}

function pickOffers(rng: Rng, offers: SimOffer[], count: number): SimOffer[] {
  const weighted = offers.filter((o) => o.popularity > 0).map((o) => [o, o.popularity] as const)
  const chosen: SimOffer[] = []
  for (let guard = 0; chosen.length < count && guard < count * 20; guard++) {
    const o = rng.weighted(weighted)
    if (!chosen.includes(o)) chosen.push(o)
  }
  return chosen
}

const methodIds = new Map<string, string>()

/** Delivery method ids are global constants at Allegro, the same for every seller. */
function methodId(name: string): string {
  let id = methodIds.get(name)
  if (id === undefined) methodIds.set(name, (id = rngFor('delivery-method', name).uuid()))
  return id
}

function pickupPoint(rng: Rng, kind: 'inpost' | 'onebox', buyer: BuyerProfile): Delivery['pickupPoint'] {
  const [city, pc, span] = CITIES.find((c) => c[3] === buyer.cityCode) ?? CITIES[0]
  const id =
    kind === 'inpost'
      ? `${buyer.cityCode}${String(rng.int(1, 99)).padStart(2, '0')}${String.fromCharCode(65 + rng.int(0, 25))}`
      : `AOB${rng.digits(5)}`
  return {
    id,
    name: kind === 'inpost' ? `Paczkomat ${id}` : `Allegro One Box ${id}`,
    description: rng.pick(PICKUP_DESCRIPTIONS),
    address: {
      street: `${rng.pick(STREETS)} ${rng.int(1, 120)}`,
      zipCode: postcode(pc, span, rng),
      city,
      countryCode: 'PL'
    }
  }
}

function planFor(rng: Rng, t0: number, payment: PaymentType, forced: CheckoutFormStatus | undefined): PlanStep[] {
  const steps: PlanStep[] = [{ at: t0, kind: 'bought' }]
  if (forced !== undefined) {
    if (forced === 'BOUGHT') return steps
    steps.push({ at: t0, kind: 'filledIn' })
    if (forced === 'READY_FOR_PROCESSING') steps.push({ at: t0, kind: 'paid' })
    if (forced === 'CANCELLED') steps.push({ at: t0, kind: 'buyerCancelled' })
    return steps
  }
  const cod = payment === 'CASH_ON_DELIVERY'
  const filled = t0 + rng.int(0, 3 * MINUTE)
  const r = rng.next()
  if (r < 0.03) {
    if (rng.chance(0.5)) steps.push({ at: t0 + rng.int(4, 7) * DAY, kind: 'autoCancelled' })
    return steps
  }
  steps.push({ at: filled, kind: 'filledIn' })
  if (r < 0.07) {
    if (cod) return steps
    if (rng.chance(0.5)) steps.push({ at: filled + rng.int(5, 8) * DAY, kind: 'autoCancelled' })
    return steps
  }
  if (r < 0.14) {
    if (rng.chance(0.5)) steps.push({ at: cod ? filled : filled + rng.int(20_000, 15 * MINUTE), kind: 'paid' })
    steps.push({ at: filled + rng.int(10 * MINUTE, 2 * DAY), kind: 'buyerCancelled' })
    return steps
  }
  const late = !cod && r < 0.19
  const paid = cod ? filled : late ? filled + rng.int(2 * HOUR, 3 * DAY) : filled + rng.int(20_000, 15 * MINUTE)
  steps.push({ at: paid, kind: 'paid' })
  if (rng.chance(cod ? 0.8 : 0.7)) {
    const sent = paid + rng.int(4 * HOUR, 2 * DAY)
    steps.push({ at: sent, kind: 'sent' })
    if (cod) steps.push({ at: sent + rng.int(1, 4) * DAY, kind: 'codSettled' })
  }
  return steps
}

export function generateOrder(ctx: GeneratorContext, rng: Rng, spec: OrderSpec): GeneratedOrder {
  const t0 = spec.boughtAtMs
  const boughtAt = new Date(t0).toISOString()
  const hostile = spec.hostile === true
  const marketplace: MarketplaceId =
    spec.marketplace ?? (hostile ? 'allegro-pl' : rng.chance(0.05) ? 'allegro-cz' : 'allegro-pl')
  const cz = marketplace === 'allegro-cz'
  const currency = cz ? 'CZK' : 'PLN'
  const money = (plnMinor: number): number => (cz ? toCzk(plnMinor) : plnMinor)

  let buyer: BuyerProfile
  if (hostile) buyer = makeHostileBuyer(rng, ctx.registries)
  else if (cz) buyer = makeBuyer(rng, ctx.registries, 'CZ', 0.15)
  else if (ctx.buyerPool.length > 0 && rng.chance(0.35)) buyer = rng.pick(ctx.buyerPool)
  else buyer = makeBuyer(rng, ctx.registries, 'PL')

  const paymentType: PaymentType = cz ? 'ONLINE' : (spec.payment ?? (rng.chance(0.18) ? 'CASH_ON_DELIVERY' : 'ONLINE'))
  const cod = paymentType === 'CASH_ON_DELIVERY'

  // Cart
  const lineCount =
    spec.lineItems ??
    rng.weighted([
      [1, 60],
      [2, 22],
      [3, 11],
      [4, 7]
    ] as const)
  let chosen = pickOffers(rng, ctx.offers, lineCount)
  if (hostile) {
    const bad = ctx.hostileOffers()
    chosen = [bad[0], bad[1], bad[2], ...chosen].slice(0, Math.max(3, lineCount))
  }
  let goodsMinor = 0
  let servicesMinor = 0
  const lineItems: LineItem[] = chosen.map((offer) => {
    const quantity = rng.weighted([
      [1, 80],
      [2, 10],
      [3, 5],
      [rng.int(4, 12), 5]
    ] as const)
    const original = money(parseMinor(offer.price.amount) ?? 0)
    let price = original
    const discounts: { type: string }[] = []
    if (rng.chance(0.1) && original >= 500) {
      price = original - Math.round((original * rng.int(5, 20)) / 100)
      discounts.push({ type: rng.pick(['UNIT_PERCENTAGE_DISCOUNT', 'COUPON', 'CAMPAIGN']) })
    }
    const services: AdditionalService[] = []
    if (offer.services.length > 0 && rng.chance(0.25)) {
      const s = rng.pick(offer.services)
      // Allegro reports the service price as a total over all units (reference §3).
      const total = money(s.unitMinor) * quantity
      services.push({
        definitionId: s.definitionId,
        name: s.name,
        price: { amount: formatMinor(total), currency },
        quantity
      })
      servicesMinor += total
    }
    goodsMinor += price * quantity
    return {
      id: rng.uuid(),
      offer: { id: offer.id, name: offer.name, external: offer.external === null ? null : { id: offer.external.id } },
      quantity,
      originalPrice: { amount: formatMinor(original), currency },
      price: { amount: formatMinor(price), currency },
      reconciliation: null,
      selectedAdditionalServices: services,
      vouchers: [],
      // Allegro fills tax only for the destination country and only when the seller set it.
      tax:
        cz || offer.taxRate === null
          ? { rate: null, subject: null, exemption: null }
          : { rate: offer.taxRate, subject: 'GOODS', exemption: null },
      boughtAt,
      discounts
    }
  })

  // Delivery
  const methodTable = cz ? CZ_DELIVERY_METHODS : cod ? PL_COD_DELIVERY_METHODS : PL_DELIVERY_METHODS
  const method: DeliveryMethodDef = rng.weighted(methodTable)
  const smart = !cz && method.smart && buyer.smart && goodsMinor >= 4500
  const costMinor = smart || method.personal ? 0 : method.costMinor
  const otherRecipient = !hostile && rng.chance(0.12)
  const recipient = otherRecipient ? makeBuyer(rng, createRegistries(), buyer.country, 0) : buyer
  const delivery: Delivery = {
    address: {
      firstName: recipient.firstName,
      lastName: recipient.lastName,
      companyName: buyer.company !== null && rng.chance(0.3) ? buyer.company.name : null,
      street: recipient.address.street,
      city: recipient.address.city,
      zipCode: recipient.address.postCode,
      countryCode: recipient.address.countryCode,
      phoneNumber: recipient.phoneNumber,
      modifiedAt: null
    },
    method: { id: methodId(method.name), name: method.name },
    pickupPoint: method.pickup === null || buyer.country !== 'PL' ? null : pickupPoint(rng, method.pickup, buyer),
    cost: { amount: formatMinor(costMinor), currency },
    time: method.personal
      ? null
      : {
          from: new Date(t0 + DAY).toISOString(),
          to: new Date(t0 + 3 * DAY).toISOString(),
          dispatch: { from: boughtAt, to: new Date(t0 + DAY).toISOString() }
        },
    smart,
    cancellation: null,
    calculatedNumberOfPackages: 1
  }

  // Invoice
  const invoiceKind =
    spec.invoice ?? (buyer.company !== null && rng.chance(0.85) ? 'company' : rng.chance(0.08) ? 'person' : 'none')
  let invoice: Invoice
  if (invoiceKind === 'company') {
    const company = buyer.company ?? makeBuyer(rng, ctx.registries, buyer.country, 1).company
    if (company === null) throw new Error('company buyer without company')
    const nip = company.ids.find((i) => i.type === 'PL_NIP')?.value ?? null
    invoice = {
      required: true,
      address: {
        ...company.address,
        company: {
          name: company.name,
          ids: company.ids,
          vatPayerStatus: company.vatPayerStatus,
          taxId: nip ?? company.ids[0].value
        },
        naturalPerson: null
      },
      dueDate: null,
      features: []
    }
  } else if (invoiceKind === 'person') {
    invoice = {
      required: true,
      address: {
        street: buyer.address.street,
        city: buyer.address.city,
        zipCode: buyer.address.postCode,
        countryCode: buyer.address.countryCode,
        company: null,
        naturalPerson: { firstName: buyer.firstName, lastName: buyer.lastName }
      },
      dueDate: null,
      features: []
    }
  } else {
    invoice = { required: false, address: null, dueDate: null, features: [] }
  }

  const totalMinor = goodsMinor + servicesMinor + costMinor
  let message: string | null = null
  if (hostile) message = `${HOSTILE.img} ${HOSTILE.emoji}\n${HOSTILE.rtl} ${HOSTILE.sql} ${HOSTILE.quotes}`
  else if (rng.chance(0.15)) message = rng.pick(MESSAGES_TO_SELLER)

  const form: CheckoutForm = {
    id: rng.uuid(),
    messageToSeller: message,
    buyer: {
      id: buyer.id,
      email: buyer.email,
      login: buyer.login,
      firstName: buyer.firstName,
      lastName: buyer.lastName,
      companyName: buyer.company !== null && rng.chance(0.6) ? buyer.company.name : null,
      guest: buyer.guest,
      personalIdentity: null,
      phoneNumber: buyer.phoneNumber,
      preferences: { language: buyer.language },
      address: { ...buyer.address }
    },
    payment: {
      id: rng.uuid(),
      type: paymentType,
      provider: cod ? 'OFFLINE' : cz ? 'PAYU' : rng.chance(0.55) ? 'P24' : 'PAYU',
      finishedAt: null,
      paidAmount: null,
      reconciliation: null,
      features: !cod && rng.chance(0.04) ? ['ALLEGRO_PAY'] : []
    },
    status: 'BOUGHT',
    fulfillment: { status: 'NEW', shipmentSummary: { lineItemsSent: 'NONE' }, provider: { id: 'SELLER' } },
    delivery,
    invoice,
    lineItems,
    surcharges: [],
    note: null,
    marketplace: { id: marketplace },
    summary: { totalToPay: { amount: formatMinor(totalMinor), currency } },
    updatedAt: boughtAt,
    revision: ''
  }
  return { form, plan: planFor(rng, t0, paymentType, spec.status) }
}

/** Applies one plan step to a form; returns the event it produces (null: a silent change). */
export function applyPlanStep(form: CheckoutForm, kind: PlanStepKind, atMs: number): OrderEventType | null {
  const at = new Date(atMs).toISOString()
  switch (kind) {
    case 'bought':
      return 'BOUGHT'
    case 'filledIn':
      form.status = 'FILLED_IN'
      return 'FILLED_IN'
    case 'paid':
      form.status = 'READY_FOR_PROCESSING'
      // Cash on delivery is "ready" without money: it arrives with the parcel.
      if (form.payment.type !== 'CASH_ON_DELIVERY') {
        form.payment.finishedAt = at
        form.payment.paidAmount = { ...form.summary.totalToPay }
      }
      return 'READY_FOR_PROCESSING'
    case 'buyerCancelled':
      form.status = 'CANCELLED'
      form.fulfillment.status = 'CANCELLED'
      return 'BUYER_CANCELLED'
    case 'autoCancelled':
      form.status = 'CANCELLED'
      form.fulfillment.status = 'CANCELLED'
      return 'AUTO_CANCELLED'
    case 'sent':
      form.fulfillment.status = 'SENT'
      form.fulfillment.shipmentSummary.lineItemsSent = 'ALL'
      return 'FULFILLMENT_STATUS_CHANGED'
    case 'codSettled':
      form.payment.finishedAt = at
      form.payment.paidAmount = { ...form.summary.totalToPay }
      return null
  }
}
