// JPK_V7M(3) / JPK_V7K(3): the VAT register rows and the VAT-7(23) / VAT-7K(17) declaration,
// computed from the ledger's VAT sales register. Pure: no Fastify, no Kysely.
// Rules: reference/jpk/README.md (KSeF markers), reference/polish-invoicing.md §8.
import { divideRoundHalfUp } from '../shared/money.ts'
import { GTU_CODES as SHARED_GTU_CODES } from '../shared/tax-codes.ts'

export type VatPeriod = 'miesiac' | 'kwartal'

// ---------- KSeF markers ----------

interface KsefFacts {
  documentType: string
  /** documents.ksef_number, or the number KSeF gave the submission */
  ksefNumber: string | null
  /** ksef_submissions.state, null when the document was never queued for KSeF */
  submissionState: string | null
  /** ksef_submissions.offline_mode */
  offlineMode: string | null
}

type KsefMarker = { kind: 'NrKSeF'; number: string } | { kind: 'OFF' | 'BFK' | 'DI' }

export interface RowProblem {
  /** an error stops the download; a warning is shown next to the row */
  level: 'error' | 'warning'
  message: string
}

/** Documents other than invoices (JPK DI): receipts (RO rows) and internal documents (WEW). */
const NON_INVOICE_TYPES: readonly string[] = ['paragon', 'inny_przychod']

/**
 * The marker a row carries on the day of filing (reference/jpk/README.md, MF explanations 2026):
 * the KSeF number whenever there is one; DI for documents other than invoices; OFF only for an
 * invoice of a declared KSeF failure (art. 106nf ust. 1) still without a number; an offline24
 * invoice without a number yet is DI and the JPK must be corrected once it has one; an invoice
 * of a total failure (art. 106nh: never sent to KSeF) or one never queued for KSeF is BFK.
 */
function ksefMarker(facts: KsefFacts): { marker: KsefMarker; problem: RowProblem | null } {
  if (facts.ksefNumber) return { marker: { kind: 'NrKSeF', number: facts.ksefNumber }, problem: null }
  if (NON_INVOICE_TYPES.includes(facts.documentType)) return { marker: { kind: 'DI' }, problem: null }
  if (facts.submissionState === 'offline' || facts.offlineMode !== null) {
    if (facts.offlineMode === 'awaria') return { marker: { kind: 'OFF' }, problem: null }
    if (facts.offlineMode === 'awaria_calkowita') return { marker: { kind: 'BFK' }, problem: null }
    return {
      marker: { kind: 'DI' },
      problem: {
        level: 'warning',
        message: 'Faktura offline bez numeru KSeF – oznaczona DI; po nadaniu numeru trzeba złożyć korektę JPK.'
      }
    }
  }
  if (facts.submissionState !== null && facts.submissionState !== 'przyjeta') {
    return {
      marker: { kind: 'BFK' },
      problem: {
        level: 'error',
        message:
          'Faktura wysłana do KSeF nie ma jeszcze numeru KSeF (nie została przyjęta) – wyjaśnij to przed złożeniem JPK.'
      }
    }
  }
  return {
    marker: { kind: 'BFK' },
    problem: {
      level: 'warning',
      message:
        'Brak numeru KSeF – oznaczona BFK (faktura wystawiona poza KSeF). Jeśli jest w KSeF, wpisz jej numer na stronie dokumentu.'
    }
  }
}

// ---------- rows ----------

/** Register rate → the row's fields (net, tax). np: supplies outside the country (K_11). */
const RATE_FIELDS: Record<string, { net: string; vat?: string }> = {
  zw: { net: 'K_10' },
  np: { net: 'K_11' },
  0: { net: 'K_13' },
  5: { net: 'K_15', vat: 'K_16' },
  8: { net: 'K_17', vat: 'K_18' },
  23: { net: 'K_19', vat: 'K_20' }
}

/** Field order of SprzedazWiersz amounts in the schema. */
const SALES_AMOUNT_ORDER = ['K_10', 'K_11', 'K_13', 'K_15', 'K_16', 'K_17', 'K_18', 'K_19', 'K_20']

export interface SalesRowInput {
  entryNumber: number
  documentId: number
  documentType: string
  documentNumber: string
  issueDate: string
  saleDate: string
  documentMark: 'RO' | 'WEW' | 'FP' | null
  buyerNip: string | null
  buyerForeignTaxId: string | null
  buyerCountryCode: string
  buyerName: string
  /** by register rate, grosze */
  amounts: Record<string, { net: number; vat: number }>
  ksef: KsefFacts
  /** GTU_01…GTU_13 of the row: the lines' products, or set by hand on the JPK page */
  gtu: string[]
  /** procedure marks (TP from a related-party buyer, WSTO_EE… set by hand) */
  procedures: string[]
}

export interface SalesRow {
  lp: number
  entryNumber: number
  documentId: number
  countryCode: string | null
  counterpartyId: string
  counterpartyName: string
  documentNumber: string
  issueDate: string
  saleDate: string | null
  marker: KsefMarker
  documentMark: 'RO' | 'WEW' | 'FP' | null
  gtu: string[]
  procedures: string[]
  /** K_ field → grosze, only fields the row has */
  fields: Record<string, number>
  problems: RowProblem[]
}

/** A purchase row: a purchase invoice booked with its VAT deducted in the period (purchase_bookings). */
export interface PurchaseRowInput {
  supplierNip: string | null
  supplierForeignTaxId: string | null
  supplierCountryCode: string
  supplierName: string
  documentNumber: string
  purchaseDate: string
  receivedDate: string | null
  ksef: KsefFacts
  /** K_40/K_41 for fixed assets, K_42/K_43 for other purchases */
  kind: 'srodki_trwale' | 'pozostale'
  net: number
  deductibleVat: number
}

export interface PurchaseRow {
  lp: number
  countryCode: string | null
  counterpartyId: string
  counterpartyName: string
  documentNumber: string
  purchaseDate: string
  receivedDate: string | null
  marker: KsefMarker
  fields: Record<string, number>
  problems: RowProblem[]
}

export const GTU_CODES: readonly string[] = SHARED_GTU_CODES
/**
 * The procedure marks of SprzedazWiersz in JPK_V7M(3)/V7K(3), in schema order. MPP is not among them (dropped from
 * JPK_V7 in 2022).
 */
export const PROCEDURE_MARKS = [
  'WSTO_EE',
  'IED',
  'TP',
  'TT_WNT',
  'TT_D',
  'MR_T',
  'MR_UZ',
  'I_42',
  'I_63',
  'B_SPV',
  'B_SPV_DOSTAWA',
  'B_MPV_PROWIZJA'
]

/** What each mark means, for the marks page (rozporządzenie MF w sprawie JPK_V7, § 10 ust. 4). */
export const PROCEDURE_LABELS: Record<string, string> = {
  WSTO_EE: 'wewnątrzwspólnotowa sprzedaż towarów na odległość i usługi dla konsumentów w UE (OSS)',
  IED: 'dostawa przez podatnika ułatwiającego ją przez interfejs elektroniczny (art. 7a)',
  TP: 'powiązania między nabywcą a sprzedawcą (art. 32 ust. 2 pkt 1)',
  TT_WNT: 'WNT w transakcji trójstronnej – drugi w kolejności podatnik',
  TT_D: 'dostawa poza krajem w transakcji trójstronnej – drugi w kolejności podatnik',
  MR_T: 'usługi turystyki opodatkowane marżą (art. 119)',
  MR_UZ: 'towary używane, dzieła sztuki, antyki – marża (art. 120)',
  I_42: 'WDT po imporcie w procedurze celnej 42',
  I_63: 'WDT po imporcie w procedurze celnej 63',
  B_SPV: 'transfer bonu jednego przeznaczenia we własnym imieniu (art. 8a ust. 1)',
  B_SPV_DOSTAWA: 'dostawa objęta bonem jednego przeznaczenia dla emitenta bonu (art. 8a ust. 4)',
  B_MPV_PROWIZJA: 'pośrednictwo w obrocie bonami różnego przeznaczenia (art. 8b ust. 2)'
}

/**
 * The buyer as JPK wants it: a Polish NIP as digits; a foreign tax number without its country
 * prefix and with the country code; BRAK when the buyer has no tax number (consumers, receipts).
 */
function counterpartyId(
  nip: string | null,
  foreignTaxId: string | null,
  countryCode: string
): { countryCode: string | null; id: string } {
  const polish = nip?.replace(/\D/g, '') ?? ''
  if (polish !== '') return { countryCode: null, id: polish }
  const foreign = (foreignTaxId ?? '').replace(/[\s.-]/g, '').toUpperCase()
  if (foreign !== '') {
    const country = countryCode.toUpperCase()
    // Greece is EL in VAT numbers; the schema's country codes exclude GR for the TIN country
    const prefix = country === 'GR' ? 'EL' : country
    const id = foreign.startsWith(prefix) ? foreign.slice(prefix.length) : foreign
    return { countryCode: /^[A-Z]{2}$/.test(prefix) ? prefix : null, id: id === '' ? foreign : id }
  }
  return { countryCode: null, id: 'BRAK' }
}

export function buildSalesRows(inputs: SalesRowInput[]): SalesRow[] {
  return inputs.map((input, index) => {
    const problems: RowProblem[] = []
    const { marker, problem } = ksefMarker(input.ksef)
    if (problem) problems.push(problem)
    const fields: Record<string, number> = {}
    for (const [rate, amount] of Object.entries(input.amounts)) {
      const target = RATE_FIELDS[rate]
      if (!target) {
        problems.push({ level: 'error', message: `Stawka „${rate}” nie ma pola w JPK_V7.` })
        continue
      }
      fields[target.net] = (fields[target.net] ?? 0) + amount.net
      if (target.vat) fields[target.vat] = (fields[target.vat] ?? 0) + amount.vat
    }
    // the schema's pairs: a net field without its tax field (or the reverse) is invalid
    for (const target of Object.values(RATE_FIELDS)) {
      if (target.vat && (target.net in fields || target.vat in fields)) {
        fields[target.net] ??= 0
        fields[target.vat] ??= 0
      }
    }
    const buyer = NON_INVOICE_TYPES.includes(input.documentType)
      ? { countryCode: null, id: 'BRAK' }
      : counterpartyId(input.buyerNip, input.buyerForeignTaxId, input.buyerCountryCode)
    const name =
      NON_INVOICE_TYPES.includes(input.documentType) || input.buyerName.trim() === '' ? 'BRAK' : input.buyerName
    return {
      lp: index + 1,
      entryNumber: input.entryNumber,
      documentId: input.documentId,
      countryCode: buyer.countryCode,
      counterpartyId: buyer.id,
      counterpartyName: name,
      documentNumber: input.documentNumber,
      issueDate: input.issueDate,
      // only when it differs from the issue date (schema: otherwise empty)
      saleDate: input.saleDate !== input.issueDate ? input.saleDate : null,
      marker,
      documentMark: input.documentMark,
      gtu: GTU_CODES.filter((code) => input.gtu.includes(code)),
      procedures: PROCEDURE_MARKS.filter((mark) => input.procedures.includes(mark)),
      fields,
      problems
    }
  })
}

export function buildPurchaseRows(inputs: PurchaseRowInput[]): PurchaseRow[] {
  return inputs.map((input, index) => {
    const { marker, problem } = ksefMarker(input.ksef)
    const supplier = counterpartyId(input.supplierNip, input.supplierForeignTaxId, input.supplierCountryCode)
    const [net, vat] = input.kind === 'srodki_trwale' ? ['K_40', 'K_41'] : ['K_42', 'K_43']
    return {
      lp: index + 1,
      countryCode: supplier.countryCode,
      counterpartyId: supplier.id,
      counterpartyName: input.supplierName.trim() === '' ? 'BRAK' : input.supplierName,
      documentNumber: input.documentNumber,
      purchaseDate: input.purchaseDate,
      receivedDate: input.receivedDate,
      marker,
      fields: { [net]: input.net, [vat]: input.deductibleVat },
      problems: problem ? [problem] : []
    }
  })
}

export function orderedSalesFields(fields: Record<string, number>): Array<[string, number]> {
  return SALES_AMOUNT_ORDER.filter((name) => name in fields).map((name) => [name, fields[name]])
}

// ---------- control sums ----------

export interface Controls {
  salesCount: number
  /** K_16 + K_18 + K_20 of rows other than FP, grosze */
  outputVat: number
  purchaseCount: number
  /** K_41 + K_43, grosze */
  inputVat: number
}

const OUTPUT_TAX_FIELDS = ['K_16', 'K_18', 'K_20']

export function controls(sales: SalesRow[], purchases: PurchaseRow[]): Controls {
  return {
    salesCount: sales.length,
    // FP rows (an invoice to a receipt) stay out: their tax is in the RO row already
    outputVat: sales
      .filter((r) => r.documentMark !== 'FP')
      .reduce((acc, r) => acc + OUTPUT_TAX_FIELDS.reduce((s, f) => s + (r.fields[f] ?? 0), 0), 0),
    purchaseCount: purchases.length,
    inputVat: purchases.reduce((acc, r) => acc + (r.fields.K_41 ?? 0) + (r.fields.K_43 ?? 0), 0)
  }
}

// ---------- declaration ----------

/** Grosze → whole złoty: below 50 gr dropped, 50 gr and more up (Ordynacja podatkowa art. 63 § 1). */
function toWholeZloty(grosze: number): number {
  return divideRoundHalfUp(grosze, 100)
}

export interface Declaration {
  /** P_ field → whole złoty; every field the declaration part carries */
  fields: Record<string, number>
  /** P_54…P_61, when part of the surplus is to be refunded */
  refund: Refund | null
}

/**
 * The refund terms of VAT-7(23) / VAT-7K(17), one of them with P_54 (the schema's choice):
 * P_540 15 days, P_55 25 days to the VAT account, P_56 25 days (art. 87 ust. 6), P_560 40 days,
 * P_58 180 days.
 */
export const REFUND_TERMS = ['P_540', 'P_55', 'P_56', 'P_560', 'P_58'] as const
type RefundTerm = (typeof REFUND_TERMS)[number]

export interface Refund {
  /** P_54, whole złoty, > 0 */
  amount: number
  term: RefundTerm
  /** P_59–P_61: part of the refund credited against future tax liabilities (art. 76 § 1, 76b § 1 OP) */
  offset: { amount: number; liability: string } | null
}

/** Sums of the rows' K_ fields over the declaration's period (FP rows excluded), grosze. */
export function sumFields(sales: SalesRow[], purchases: PurchaseRow[]): Record<string, number> {
  const sums: Record<string, number> = {}
  for (const row of sales) {
    if (row.documentMark === 'FP') continue
    for (const [name, value] of Object.entries(row.fields)) sums[name] = (sums[name] ?? 0) + value
  }
  for (const row of purchases) {
    for (const [name, value] of Object.entries(row.fields)) sums[name] = (sums[name] ?? 0) + value
  }
  return sums
}

/**
 * The declaration part (P_10…P_62) from the period's sums in grosze: each P_ field is its K_
 * sum rounded to whole złoty; totals add up the rounded fields as the form does. A surplus
 * (P_53) is carried to the next period (P_62) less the part to be refunded (P_54): the schema's
 * note "od kwoty wykazanej w P_53 należy odjąć kwotę z P_54". The refund is checked first
 * (refundErrors); here it is taken as valid.
 */
export function computeDeclaration(
  sums: Record<string, number>,
  carriedSurplus: number,
  refund: Refund | null = null
): Declaration {
  const r = (field: string) => toWholeZloty(sums[field] ?? 0)
  const f: Record<string, number> = {
    P_10: r('K_10'),
    P_11: r('K_11'),
    P_13: r('K_13'),
    P_15: r('K_15'),
    P_16: r('K_16'),
    P_17: r('K_17'),
    P_18: r('K_18'),
    P_19: r('K_19'),
    P_20: r('K_20'),
    P_21: r('K_21'),
    P_22: r('K_22'),
    P_40: r('K_40'),
    P_41: r('K_41'),
    P_42: r('K_42'),
    P_43: r('K_43')
  }
  f.P_37 = f.P_10 + f.P_11 + f.P_13 + f.P_15 + f.P_17 + f.P_19 + f.P_21 + f.P_22
  f.P_38 = f.P_16 + f.P_18 + f.P_20
  f.P_39 = carriedSurplus
  f.P_48 = f.P_39 + f.P_41 + f.P_43
  f.P_51 = f.P_38 > f.P_48 ? f.P_38 - f.P_48 : 0
  f.P_53 = f.P_48 > f.P_38 ? f.P_48 - f.P_38 : 0
  if (refund) {
    f.P_54 = refund.amount
    f[refund.term] = 1
    if (refund.offset) {
      f.P_59 = 1
      f.P_60 = refund.offset.amount
    }
  }
  f.P_62 = f.P_53 - (refund?.amount ?? 0)
  return { fields: f, refund }
}

/**
 * Why the refund asked for does not fit the declaration, in Polish, per form field. The rules of
 * VAT-7(23) and its schema: P_54 only out of a surplus (P_53 > 0) and at most P_53; with exactly
 * one term (P_540/P_55/P_56/P_560/P_58); P_59 with P_60 > 0 and P_61; P_60 at most P_54.
 */
export function refundErrors(
  p53: number | null,
  refund: { amount: number | null; term: string; offset: number | null; liability: string }
): Record<string, string> {
  const errors: Record<string, string> = {}
  const asked = refund.amount !== null && refund.amount > 0
  if (p53 === null) {
    if (asked || refund.term !== '' || refund.offset !== null)
      errors.zwrot =
        'Zwrot nadwyżki wpisuje się w deklaracji – ten plik JPK_V7K (pierwszy lub drugi miesiąc kwartału) jej nie ma.'
    return errors
  }
  if (asked && p53 === 0)
    errors.zwrot = 'W tym okresie nie ma nadwyżki podatku naliczonego nad należnym (P_53 = 0) – nie ma czego zwrócić.'
  else if (asked && refund.amount! > p53)
    errors.zwrot = `Kwota zwrotu (P_54) nie może być wyższa niż nadwyżka podatku naliczonego nad należnym (P_53 = ${p53} zł).`
  if (asked && refund.term === '') errors.terminZwrotu = 'Wybierz termin zwrotu (P_540, P_55, P_56, P_560 albo P_58).'
  if (!asked && refund.term !== '') errors.zwrot = 'Podaj kwotę zwrotu (P_54) albo nie wybieraj terminu zwrotu.'
  if (refund.term !== '' && !(REFUND_TERMS as readonly string[]).includes(refund.term))
    errors.terminZwrotu = 'Wybierz termin zwrotu z listy.'
  if (refund.offset !== null) {
    if (!asked)
      errors.zaliczenie =
        'Zaliczyć na poczet przyszłych zobowiązań można tylko część zwrotu – najpierw podaj kwotę zwrotu (P_54).'
    else if (refund.offset === 0)
      errors.zaliczenie =
        'Kwota zaliczenia (P_60) musi być większa od zera – zostaw pole puste, jeśli nic nie zaliczasz.'
    else if (refund.offset > refund.amount!)
      errors.zaliczenie = `Kwota zaliczenia (P_60) nie może być wyższa niż kwota zwrotu (P_54 = ${refund.amount} zł).`
    if (refund.liability.trim() === '')
      errors.zaliczenieNa =
        'Podaj rodzaj przyszłego zobowiązania podatkowego (P_61), np. „podatek dochodowy od osób fizycznych”.'
  } else if (refund.liability.trim() !== '') {
    errors.zaliczenie = 'Podaj kwotę zaliczenia (P_60) albo usuń rodzaj zobowiązania (P_61).'
  }
  return errors
}

/** Which declaration a month's file carries: V7M every month; V7K the quarter's, in its last month. */
export function declarationMonths(month: string, period: VatPeriod): string[] | null {
  if (period === 'miesiac') return [month]
  const [year, m] = month.split('-').map(Number)
  if (m % 3 !== 0) return null
  return [m - 2, m - 1, m].map((n) => `${year}-${String(n).padStart(2, '0')}`)
}

export function quarterOf(month: string): number {
  return Math.ceil(Number(month.slice(5, 7)) / 3)
}
