// Purchase invoices the built-in KSeF simulator holds for a buyer (Podmiot2): what a shop owner
// receives in KSeF every month. Seeded per buyer NIP on the first query of its context, with
// permanent-storage dates in the days before that moment, so a first download finds them all.
//
// The set covers what the receiving side must cope with: Allegro's monthly fee invoice, a normal
// supplier with 23 % and 8 % lines, a correction of that supplier's invoice, one in EUR, a
// hostile one (markup in every text, absurd amounts that do not add up) and one whose stored
// file is not XML at all. The real KSeF validates every file against the FA(3) schema, so the
// last one cannot happen there; it is here because the receiving side must never trust that.
import { DateTime } from 'luxon'
import { buildFa3Xml, type Fa3Invoice, type Fa3Line, type Fa3Rate } from '../../ksef/fa3.ts'

const ZONE = 'Europe/Warsaw'

/** What the metadata query reports about an invoice (InvoiceMetadata of open-api.json). */
export interface PurchaseMeta {
  invoiceNumber: string
  issueDate: string
  sellerNip: string
  sellerName: string | null
  buyerNip: string
  buyerName: string | null
  /** in the invoice currency, minor units */
  net: number
  gross: number
  /** "Łączna kwota VAT wyrażona w PLN" */
  vatPln: number
  currency: string
  /** InvoiceType: Vat, Kor, … */
  invoiceType: string
}

export interface SeedPurchase {
  /** a stable key within the set, so a correction can name the invoice it corrects */
  key: string
  meta: PurchaseMeta
  /** the file as the simulator serves it */
  content: Buffer
  /** when KSeF stored it: milliseconds before the seeding moment */
  ageMs: number
  /** key of the invoice this one corrects (its KSeF number goes into the file) */
  corrects?: string
}

export const ALLEGRO_NIP = '5252674798'
export const SUPPLIER_NIP = '7789458078'
export const EUR_SELLER_NIP = '9513021578'
export const HOSTILE_NIP = '5253681932'
export const BROKEN_NIP = '6760364260'

const DAY = 86_400_000

function line(name: string, unit: string, quantityMilli: number, unitPriceGross: number, rate: Fa3Rate): Fa3Line {
  const gross = Math.round((unitPriceGross * quantityMilli) / 1000)
  const percent = rate === '23' ? 23 : rate === '8' ? 8 : rate === '5' ? 5 : 0
  // VAT from gross, rounded half up (art. 106e ust. 7–8 / the app's own method)
  const vat = Math.floor((gross * percent * 2 + (100 + percent)) / (2 * (100 + percent)))
  return { name, unit, quantityMilli, unitPriceGross, net: gross - vat, vat, gross, rate, code: null }
}

function totals(lines: Fa3Line[], before: Fa3Line[] = []): Pick<Fa3Invoice, 'rateTotals' | 'totalGross'> {
  const byRate = new Map<Fa3Rate, { net: number; vat: number; gross: number }>()
  for (const [sign, list] of [
    [1, lines],
    [-1, before]
  ] as const) {
    for (const l of list) {
      const t = byRate.get(l.rate) ?? { net: 0, vat: 0, gross: 0 }
      t.net += sign * l.net
      t.vat += sign * l.vat
      t.gross += sign * l.gross
      byRate.set(l.rate, t)
    }
  }
  const rateTotals = [...byRate].map(([rate, t]) => ({ rate, ...t }))
  return { rateTotals, totalGross: rateTotals.reduce((s, t) => s + t.gross, 0) }
}

function metaOf(invoice: Fa3Invoice, buyerNip: string, vatPln?: number): PurchaseMeta {
  const vat = invoice.rateTotals.reduce((s, t) => s + t.vat, 0)
  return {
    invoiceNumber: invoice.number,
    issueDate: invoice.issueDate,
    sellerNip: invoice.seller.nip,
    sellerName: invoice.seller.name,
    buyerNip,
    buyerName: invoice.buyer.name,
    net: invoice.rateTotals.reduce((s, t) => s + t.net, 0),
    gross: invoice.totalGross,
    vatPln: vatPln ?? vat,
    currency: invoice.currency,
    invoiceType: invoice.correction !== null ? 'Kor' : 'Vat'
  }
}

/**
 * The seed set for one buyer. `ksefNumberOf(key)` gives the KSeF number already assigned to an
 * earlier seed (for the correction); seeds come oldest first.
 */
export function purchaseSeeds(
  buyerNip: string,
  nowMs: number,
  ksefNumberOf: (key: string) => string | null
): SeedPurchase[] {
  const now = DateTime.fromMillis(nowMs, { zone: ZONE })
  const day = (daysAgo: number): string => now.minus({ days: daysAgo }).toISODate()!
  const generatedAt = now.minus({ days: 30 })
  const buyer = {
    id: { kind: 'nip' as const, nip: buyerNip },
    name: 'Nabywca (firma demonstracyjna)',
    address: { countryCode: 'PL', line1: 'ul. Prosta 1', line2: '00-001 Warszawa' }
  }
  const base = {
    place: null,
    exchangeRate: null,
    sellerVatExempt: false,
    exemptionBasis: null,
    cashAccounting: false,
    splitPayment: false,
    correction: null,
    currency: 'PLN'
  }
  const build = (invoice: Fa3Invoice): Buffer =>
    Buffer.from(buildFa3Xml(invoice, { generatedAt, systemInfo: 'Biurko' }), 'utf8')
  const previousMonth = now.minus({ months: 1 })
  const seeds: SeedPurchase[] = []

  // 1. Allegro's monthly fee invoice for the previous month
  const allegroLines = [
    line(
      `Opłaty za sprzedaż – prowizje od transakcji (${previousMonth.toFormat('MM.yyyy')})`,
      'usł.',
      1000,
      123_000,
      '23'
    ),
    line(`Opłaty za wyróżnienia i promowanie ofert (${previousMonth.toFormat('MM.yyyy')})`, 'usł.', 1000, 18_450, '23'),
    line('Opłata za Allegro Ads', 'usł.', 1000, 6_150, '23')
  ]
  const allegro: Fa3Invoice = {
    ...base,
    number: `FA/${previousMonth.toFormat('yyyy/MM')}/0047113`,
    issueDate: day(12),
    saleDate: previousMonth.endOf('month').toISODate()!,
    seller: {
      nip: ALLEGRO_NIP,
      name: 'Allegro sp. z o.o.',
      address: { countryCode: 'PL', line1: 'ul. Grunwaldzka 182', line2: '60-166 Poznań' }
    },
    buyer,
    lines: allegroLines,
    ...totals(allegroLines),
    payment: { paidOn: day(12), dueDate: null, form: 6, otherForm: null, bankAccount: null }
  }
  seeds.push({ key: 'allegro', meta: metaOf(allegro, buyerNip), content: build(allegro), ageMs: 11 * DAY })

  // 2. a supplier of packaging with 23 % and 8 % lines, to be paid by transfer
  const supplierLines = [
    line('Karton klapowy 300x200x150 mm', 'szt.', 500_000, 123, '23'),
    line('Taśma pakowa brązowa 48 mm x 66 m', 'szt.', 36_000, 738, '23'),
    line('Kawa ziarnista 1 kg (dla pracowników)', 'szt.', 2_000, 5_940, '8')
  ]
  const supplier: Fa3Invoice = {
    ...base,
    number: `KX/${now.toFormat('yyyy')}/${day(9).slice(5, 7)}/0318`,
    issueDate: day(9),
    saleDate: day(9),
    seller: {
      nip: SUPPLIER_NIP,
      name: 'Kartonex Hurtownia Opakowań sp. z o.o.',
      address: { countryCode: 'PL', line1: 'ul. Magazynowa 7', line2: '61-001 Poznań' }
    },
    buyer,
    lines: supplierLines,
    ...totals(supplierLines),
    payment: { paidOn: null, dueDate: day(-5), form: 6, otherForm: null, bankAccount: '78102055610000123456789012' }
  }
  seeds.push({ key: 'supplier', meta: metaOf(supplier, buyerNip), content: build(supplier), ageMs: 8 * DAY })

  // 3. the supplier's correction: 100 cartons returned (the row before and after)
  const cartonsBefore = [supplierLines[0]]
  const cartonsAfter = [line('Karton klapowy 300x200x150 mm', 'szt.', 400_000, 123, '23')]
  const correction: Fa3Invoice = {
    ...base,
    number: `KX/KOR/${now.toFormat('yyyy')}/0021`,
    issueDate: day(5),
    saleDate: day(9),
    seller: supplier.seller,
    buyer,
    lines: cartonsAfter,
    ...totals(cartonsAfter, cartonsBefore),
    payment: null,
    correction: {
      reason: 'Zwrot 100 szt. kartonów (uszkodzone w transporcie)',
      effect: 2,
      originalNumber: supplier.number,
      originalIssueDate: supplier.issueDate,
      originalKsefNumber: ksefNumberOf('supplier'),
      linesBefore: cartonsBefore,
      originalExchangeRate: null
    }
  }
  seeds.push({
    key: 'correction',
    meta: metaOf(correction, buyerNip),
    content: build(correction),
    ageMs: 4 * DAY,
    corrects: 'supplier'
  })

  // 4. a forwarding service invoiced in EUR (VAT converted to PLN at the NBP mid rate, P_14_1W)
  const eurLines = [line('Spedycja paczek do Niemiec i Czech (pakiet miesięczny)', 'usł.', 1000, 24_600, '23')]
  const eur: Fa3Invoice = {
    ...base,
    currency: 'EUR',
    exchangeRate: { mid: '4.2500', tableNo: '220/A/NBP/2026', effectiveDate: day(8) },
    number: `EXP/${now.toFormat('yyyy')}/7781`,
    issueDate: day(7),
    saleDate: day(7),
    seller: {
      nip: EUR_SELLER_NIP,
      name: 'EuroParcel Logistics sp. z o.o.',
      address: { countryCode: 'PL', line1: 'ul. Graniczna 2', line2: '59-900 Zgorzelec' }
    },
    buyer,
    lines: eurLines,
    ...totals(eurLines),
    payment: { paidOn: null, dueDate: day(-7), form: 6, otherForm: null, bankAccount: '69114020040000398765432101' }
  }
  // 46.00 EUR VAT × 4.2500 = 195.50 PLN
  seeds.push({
    key: 'eur',
    meta: metaOf(eur, buyerNip, Math.round(eur.rateTotals[0].vat * 4.25)),
    content: build(eur),
    ageMs: 6 * DAY
  })

  // 5. hostile: markup everywhere, and amounts that are absurd and do not add up
  const hostileLines = [
    line('"><img src=x onerror=alert(1)> Usługa <script>alert("wiersz")</script>', '<b>szt</b>', 1000, 12_300, '23')
  ]
  const hostileInvoice: Fa3Invoice = {
    ...base,
    number: '<script>alert("numer")</script>',
    issueDate: day(3),
    saleDate: day(3),
    seller: {
      nip: HOSTILE_NIP,
      name: '<script>alert("sprzedawca")</script> Podejrzana Firma & Syn',
      address: {
        countryCode: 'PL',
        line1: '<iframe src="javascript:alert(1)"></iframe>',
        line2: '00-000 <b>Nigdzie</b>'
      }
    },
    buyer,
    lines: hostileLines,
    ...totals(hostileLines),
    payment: { paidOn: null, dueDate: day(-1), form: 6, otherForm: null, bankAccount: '35249010440000000012345678' }
  }
  const hostileXml = buildFa3Xml(hostileInvoice, { generatedAt, systemInfo: 'Biurko' })
    // still schema-shaped (TKwotowy allows 18 digits), but absurd: a trillion złoty that matches nothing
    .replace(/<P_15>[^<]*<\/P_15>/, '<P_15>999999999999999.99</P_15>')
    .replace(/<P_11A>[^<]*<\/P_11A>/, '<P_11A>-88888888888.88</P_11A>')
  seeds.push({
    key: 'hostile',
    meta: { ...metaOf(hostileInvoice, buyerNip), gross: 99_999_999_999_99 },
    content: Buffer.from(hostileXml, 'utf8'),
    ageMs: 2 * DAY
  })

  // 6. a stored file that is not XML: cut off half-way, with a byte that is not UTF-8
  const broken = Buffer.concat([
    Buffer.from(
      `<?xml version="1.0" encoding="UTF-8"?>\n<Faktura xmlns="http://crd.gov.pl/wzor/2025/06/25/13775/"><Naglowek><KodFormularza kodSystemowy="FA (3)" wersjaSchemy="1-0E">FA</KodFormularza></Naglowek><Podmiot1><DaneIdentyfikacyjne><NIP>${BROKEN_NIP}</NIP><Nazwa>Uszkodzony Plik sp. z o.o. `,
      'utf8'
    ),
    Buffer.from([0xff, 0xfe]),
    Buffer.from('</Nazwa><Fa><P_2>USZK/1/2026</P_2><P_15>100.0', 'utf8')
  ])
  seeds.push({
    key: 'broken',
    meta: {
      invoiceNumber: 'USZK/1/2026',
      issueDate: day(2),
      sellerNip: BROKEN_NIP,
      sellerName: 'Uszkodzony Plik sp. z o.o.',
      buyerNip,
      buyerName: null,
      net: 8_130,
      gross: 10_000,
      vatPln: 1_870,
      currency: 'PLN',
      invoiceType: 'Vat'
    },
    content: broken,
    ageMs: 1 * DAY
  })
  return seeds
}

/** One more ordinary purchase invoice (a new delivery from the packaging supplier), number `n`. */
export function extraPurchase(buyerNip: string, n: number, nowMs: number): { meta: PurchaseMeta; content: Buffer } {
  const now = DateTime.fromMillis(nowMs, { zone: ZONE })
  const lines = [line(`Folia bąbelkowa 50 cm x 100 m (dostawa ${n})`, 'rol.', 2000 + (n % 5) * 1000, 4_920, '23')]
  const invoice: Fa3Invoice = {
    place: null,
    exchangeRate: null,
    sellerVatExempt: false,
    exemptionBasis: null,
    cashAccounting: false,
    splitPayment: false,
    correction: null,
    currency: 'PLN',
    number: `KX/${now.toFormat('yyyy')}/D/${String(n).padStart(4, '0')}`,
    issueDate: now.toISODate()!,
    saleDate: now.toISODate()!,
    seller: {
      nip: SUPPLIER_NIP,
      name: 'Kartonex Hurtownia Opakowań sp. z o.o.',
      address: { countryCode: 'PL', line1: 'ul. Magazynowa 7', line2: '61-001 Poznań' }
    },
    buyer: {
      id: { kind: 'nip', nip: buyerNip },
      name: 'Nabywca (firma demonstracyjna)',
      address: { countryCode: 'PL', line1: 'ul. Prosta 1', line2: '00-001 Warszawa' }
    },
    lines,
    ...totals(lines),
    payment: {
      paidOn: null,
      dueDate: now.plus({ days: 14 }).toISODate()!,
      form: 6,
      otherForm: null,
      bankAccount: '78102055610000123456789012'
    }
  }
  const content = Buffer.from(
    buildFa3Xml(invoice, { generatedAt: now.minus({ minutes: 5 }), systemInfo: 'Biurko' }),
    'utf8'
  )
  return { meta: metaOf(invoice, buyerNip), content }
}
