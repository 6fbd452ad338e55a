// What a purchase invoice becomes in the books: the KPiR cost entry and the VAT purchase register
// row. Pure: no Fastify, no Kysely. Amounts are PLN grosze.
// Rules: reference/polish-invoicing.md §8 (KPiR 2026 columns 12–16), ustawa o VAT art. 86.
import { DateTime } from 'luxon'
import { addMonths, monthLabel, monthOf, toPln } from '../ledger/ledger.ts'
import { isValidMidRate } from '../nbp/nbp.ts'
import { ZONE } from '../shared/dates.ts'
import { divideRoundHalfUp } from '../shared/money.ts'
import type { FieldErrors } from '../shared/form.ts'
import type { ParsedPurchase } from './fa3-read.ts'

/** KPiR 2026 cost columns (Dz.U. 2025 poz. 1299; the +2 shift of the 2019 layout), col. 16 is their sum. */
export const KPIR_COST_COLUMNS = {
  12: 'zakup towarów handlowych i materiałów',
  13: 'koszty uboczne zakupu',
  14: 'wynagrodzenia w gotówce i w naturze',
  15: 'pozostałe wydatki'
} as const
export type KpirCostColumn = '12' | '13' | '14' | '15'
export const KPIR_COST_COLUMN_KEYS: readonly KpirCostColumn[] = ['12', '13', '14', '15']
/** The form's choice for a purchase that is no KPiR cost (e.g. a fixed asset: depreciation is). */
export const NO_KPIR_COLUMN = 'brak'

export const VAT_KINDS = {
  pozostale: 'pozostałe nabycia towarów i usług',
  srodki_trwale: 'nabycie środków trwałych'
} as const
export type VatKind = keyof typeof VAT_KINDS

const DEFAULT_DESCRIPTIONS: Record<KpirCostColumn, string> = {
  12: 'Zakup towarów i materiałów',
  13: 'Koszty uboczne zakupu',
  14: 'Wynagrodzenia',
  15: 'Pozostałe wydatki'
}

/**
 * Self-assessment (the buyer settles the VAT): the invoice's amounts at these FA(3) rate codes are
 * taxed by the buyer at his own rate, as output VAT (JPK_V7 fields below) and, when he deducts it,
 * as input VAT of the same amount (art. 86 ust. 2 pkt 4 ustawy o VAT):
 *  - krajowe_oo: domestic reverse charge, art. 17 ust. 1 pkt 7 and 8 (P_13_10 'oo') → K_31/K_32;
 *  - import_uslug_28b: services from abroad taxed where the buyer is (art. 28b; the foreign
 *    seller's invoice has no Polish VAT, 'np I' here, 'np II' in FA(3)) → K_29/K_30;
 *  - wnt: intra-Community acquisition of goods (art. 9; the seller's 0 % WDT) → K_23/K_24.
 */
export const SELF_ASSESSMENT = {
  krajowe_oo: { label: 'odwrotne obciążenie (art. 17 ust. 1 pkt 7 i 8)', rates: ['oo'], jpk: ['K_31', 'K_32'] },
  import_uslug_28b: { label: 'import usług (art. 28b)', rates: ['np I', 'np II'], jpk: ['K_29', 'K_30'] },
  wnt: { label: 'wewnątrzwspólnotowe nabycie towarów', rates: ['0 WDT'], jpk: ['K_23', 'K_24'] }
} as const
export type SelfAssessmentKind = keyof typeof SELF_ASSESSMENT
/** The rates the buyer may apply to what he self-assesses. */
export const SELF_ASSESSMENT_RATES = ['23', '8', '5'] as const
const SELF_ASSESSED_RATES = ['oo']

export interface BookingCompany {
  vatPayer: boolean
  taxForm: 'kpir' | 'ryczalt'
}

export interface BookableInvoice {
  id: number
  /** null: entered by hand, never in KSeF */
  ksefNumber: string | null
  needsReview: boolean
  /** the stored file as read now; null when it could not be read */
  parsed: ParsedPurchase | null
  /** purchase_invoice_rates: per rate, minor units of the invoice currency and VAT in PLN */
  rates: Array<{ rate: string; net: number; vat: number; vatPln: number }>
  /** when KSeF gave it to us (acquisitionDate; permanent storage when missing), stored ISO timestamp */
  receivedAt: string
}

export interface BookingChoice {
  kpirColumn: KpirCostColumn | null
  eventDate: string
  deductVat: boolean
  vatMonth: string | null
  vatKind: VatKind
  description: string
  remember: boolean
  confirmReview: boolean
  /** a passenger car used also privately: 50 % of the VAT, 75 % of the expense */
  carMixedUse: boolean
  /** the buyer's own VAT on the purchase (reverse charge) and the rate he applies; null: none */
  selfAssessment?: { kind: SelfAssessmentKind; percent: number } | null
}

export interface BookingDraft {
  purchaseInvoiceId: number
  kpirColumn: KpirCostColumn | null
  eventDate: string
  year: number
  month: string
  costAmount: number
  vatDeducted: boolean
  vatMonth: string | null
  vatKind: VatKind
  totalNet: number
  totalVat: number
  deductibleVat: number
  receivedDate: string
  documentNumber: string
  issueDate: string
  ksefNumber: string | null
  counterpartyTaxId: string
  counterpartyName: string
  counterpartyAddress: string
  description: string
  remarks: string
  reviewConfirmed: boolean
  carMixedUse: boolean
  /** JPK_V7: the output side of a self-assessed purchase (see SELF_ASSESSMENT) */
  output: { kind: SelfAssessmentKind; net: number; vat: number } | null
  amounts: Array<{ rate: string; net: number; vat: number; deductibleVat: number }>
}

export type BookingPlan = { ok: true; draft: BookingDraft } | { ok: false; errors: FieldErrors }

/** The day of receipt: for a KSeF invoice the day KSeF assigned it to us (art. 106na ust. 3), in Poland's time. */
export function receivedDateOf(receivedAt: string): string {
  return DateTime.fromISO(receivedAt, { zone: 'utc' }).setZone(ZONE).toISODate() ?? receivedAt.slice(0, 10)
}

/**
 * The months in which the VAT of the invoice may be deducted. Art. 86 ust. 10: in the period the
 * tax obligation arose at the seller (the delivery, P_6, or the issue date when there is none;
 * an advance invoice: its issue), ust. 10b pkt 1: not earlier than the period the invoice was
 * received, ust. 11: or in one of the three following periods. A correction lowering the tax
 * (art. 86 ust. 19a) lowers it in the period it was received, and only then.
 */
export function deductionWindow(
  parsed: Pick<ParsedPurchase, 'issueDate' | 'saleDate' | 'kind'>,
  receivedDate: string,
  totalVat: number
): { from: string; to: string } {
  const received = monthOf(receivedDate)
  if (totalVat < 0) return { from: received, to: received }
  const obligationDate =
    (parsed.kind === 'ZAL' || parsed.kind === 'KOR_ZAL' ? null : parsed.saleDate) ?? parsed.issueDate ?? receivedDate
  const obligation = monthOf(obligationDate)
  const from = obligation > received ? obligation : received
  return { from, to: addMonths(from, 3) }
}

function counterpartyOf(
  parsed: ParsedPurchase
): Pick<BookingDraft, 'counterpartyTaxId' | 'counterpartyName' | 'counterpartyAddress'> {
  return {
    counterpartyTaxId: parsed.sellerNip ?? '',
    counterpartyName: parsed.sellerName ?? '',
    counterpartyAddress: parsed.sellerAddress ?? ''
  }
}

/**
 * The booking of one invoice under the user's choice, or what is wrong with the choice (form
 * field → Polish message). KPiR takes the net for a VAT payer deducting the tax and the gross
 * otherwise (the VAT not deducted is part of the cost); a ryczałt company has no costs.
 */
export function planPurchaseBooking(
  invoice: BookableInvoice,
  choice: BookingChoice,
  company: BookingCompany
): BookingPlan {
  const parsed = invoice.parsed
  if (parsed === null)
    return {
      ok: false,
      errors: {
        faktura:
          'Pliku tej faktury nie udało się odczytać – nie można jej zaksięgować. Poproś sprzedawcę o poprawną fakturę.'
      }
    }
  const errors: FieldErrors = {}
  if (invoice.needsReview && !choice.confirmReview)
    errors.potwierdzenie =
      'Faktura jest oznaczona „do sprawdzenia” – potwierdź, że ją sprawdziłeś, zanim ją zaksięgujesz.'
  if (invoice.rates.length === 0) errors.faktura = 'Faktura nie ma kwot według stawek VAT – nie można jej zaksięgować.'
  const self = choice.selfAssessment ?? null
  const selfRates: readonly string[] = self === null ? [] : SELF_ASSESSMENT[self.kind].rates
  if (self === null && invoice.rates.some((r) => SELF_ASSESSED_RATES.includes(r.rate))) {
    errors.samonaliczenie =
      'Faktura z odwrotnym obciążeniem (P_13_10, VAT rozlicza nabywca) – wybierz „odwrotne obciążenie” i stawkę, którą naliczasz.'
  }
  if (self !== null && !invoice.rates.some((r) => selfRates.includes(r.rate))) {
    errors.samonaliczenie = `Faktura nie ma kwot, od których nalicza się VAT jako ${SELF_ASSESSMENT[self.kind].label} (stawka ${selfRates.join(' / ')}).`
  }
  // the buyer's output and input VAT go into the same period (art. 86 ust. 10b pkt 2 lit. b and pkt 3), so both need it
  if (self !== null && company.vatPayer && !choice.deductVat)
    errors.odliczenie =
      'Przy samonaliczeniu VAT należny i naliczony ujmuje się w tym samym okresie – wybierz odliczenie VAT i jego okres.'
  if (self !== null && !company.vatPayer)
    errors.samonaliczenie = 'Firma nie jest czynnym podatnikiem VAT – Biurko nie rozlicza u niej VAT nabywcy.'

  let convert = (minor: number) => minor
  if (parsed.currency !== 'PLN') {
    if (parsed.exchangeRate === null || !isValidMidRate(parsed.exchangeRate)) {
      errors.faktura = `Faktura w walucie ${parsed.currency} nie podaje jednego kursu waluty (KursWaluty) – nie można przeliczyć jej na złote.`
    } else {
      const rate = parsed.exchangeRate
      convert = (minor) => toPln(minor, rate)
    }
  }

  if (!company.vatPayer && choice.deductVat)
    errors.odliczenie = 'Firma nie jest czynnym podatnikiem VAT – nie odlicza podatku naliczonego.'

  const receivedDate = receivedDateOf(invoice.receivedAt)
  const totalVat = invoice.rates.reduce((s, r) => s + r.vatPln, 0)
  const vatMonth = company.vatPayer && choice.deductVat ? choice.vatMonth : null
  if (company.vatPayer && choice.deductVat) {
    const window = deductionWindow(parsed, receivedDate, totalVat)
    if (choice.vatMonth === null) {
      errors.okres = 'Podaj okres odliczenia VAT (RRRR-MM).'
    } else if (choice.vatMonth < window.from) {
      errors.okres =
        totalVat < 0
          ? `Korektę zmniejszającą VAT ujmuje się w okresie jej otrzymania: ${monthLabel(window.from)} (art. 86 ust. 19a ustawy o VAT).`
          : `VAT można odliczyć najwcześniej za ${monthLabel(window.from)} – okres otrzymania faktury (${receivedDate}) i powstania obowiązku u sprzedawcy (art. 86 ust. 10 i 10b pkt 1 ustawy o VAT).`
    } else if (choice.vatMonth > window.to) {
      errors.okres =
        totalVat < 0
          ? `Korektę zmniejszającą VAT ujmuje się w okresie jej otrzymania: ${monthLabel(window.from)} (art. 86 ust. 19a ustawy o VAT).`
          : `VAT można odliczyć najpóźniej za ${monthLabel(window.to)} (art. 86 ust. 11: jeden z trzech następnych okresów); później – tylko korektą deklaracji za ${monthLabel(window.from)}.`
    }
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors }

  const deducting = vatMonth !== null
  const deductible = (vat: number) => (!deducting ? 0 : choice.carMixedUse ? carDeductibleVat(vat) : vat)
  // a self-assessed rate: the buyer's VAT on the net in PLN, rounded half up; deductible like any input VAT
  const amounts = invoice.rates.map((r) => {
    const net = convert(r.net)
    const vat = self !== null && selfRates.includes(r.rate) ? divideRoundHalfUp(net * self.percent, 100) : r.vatPln
    return { rate: r.rate, net, vat, deductibleVat: deductible(vat) }
  })
  const outputAmounts = amounts.filter((a) => selfRates.includes(a.rate))
  const output =
    self === null
      ? null
      : {
          kind: self.kind,
          net: outputAmounts.reduce((s, a) => s + a.net, 0),
          vat: outputAmounts.reduce((s, a) => s + a.vat, 0)
        }
  const totalNet = amounts.reduce((s, a) => s + a.net, 0)
  const deductibleVat = amounts.reduce((s, a) => s + a.deductibleVat, 0)
  const kpirColumn = company.taxForm === 'kpir' ? choice.kpirColumn : null
  const bookedVat = amounts.reduce((s, a) => s + a.vat, 0)
  // the expense is the net and the VAT not deducted (art. 23 ust. 1 pkt 43 lit. a ustawy o PIT)
  const expense = totalNet + (bookedVat - deductibleVat)
  const remarks: string[] = []
  if (parsed.currency !== 'PLN' && parsed.exchangeRate !== null)
    remarks.push(`${parsed.currency}, kurs ${parsed.exchangeRate.replace('.', ',')}`)
  if (parsed.correction !== null) {
    const originals = parsed.correction.originals.map((o) => o.number).filter((n) => n !== '')
    remarks.push(originals.length > 0 ? `Korekta faktury ${originals.join(', ')}` : 'Faktura korygująca')
  }
  if (company.vatPayer && !deducting && bookedVat !== 0 && kpirColumn !== null)
    remarks.push('VAT nieodliczony – w koszcie')
  if (output !== null) remarks.push(`${SELF_ASSESSMENT[output.kind].label}: VAT należny ${self!.percent} %`)
  if (choice.carMixedUse)
    remarks.push(
      `samochód osobowy: ${deducting ? '50 % VAT (art. 86a ust. 1 VAT), ' : ''}75 % wydatku (art. 23 ust. 1 pkt 46a PIT)`
    )
  const description =
    choice.description.trim() !== ''
      ? choice.description.trim()
      : kpirColumn !== null
        ? DEFAULT_DESCRIPTIONS[kpirColumn]
        : 'Zakup'

  return {
    ok: true,
    draft: {
      purchaseInvoiceId: invoice.id,
      kpirColumn,
      eventDate: choice.eventDate,
      year: Number(choice.eventDate.slice(0, 4)),
      month: monthOf(choice.eventDate),
      costAmount: kpirColumn === null ? 0 : choice.carMixedUse ? carCost(expense) : expense,
      vatDeducted: deducting,
      vatMonth,
      vatKind: choice.vatKind,
      totalNet,
      totalVat: bookedVat,
      deductibleVat,
      receivedDate,
      documentNumber: parsed.number ?? '',
      issueDate: parsed.issueDate ?? receivedDate,
      ksefNumber: invoice.ksefNumber,
      ...counterpartyOf(parsed),
      description,
      remarks: remarks.join('; '),
      reviewConfirmed: invoice.needsReview,
      carMixedUse: choice.carMixedUse,
      output,
      amounts
    }
  }
}

/**
 * A passenger car (samochód osobowy) not used only in the business:
 *  - art. 86a ust. 1 pkt 1 ustawy o VAT: the deductible input tax is 50 % of the tax on the
 *    invoice (on the purchase, lease and use of the car: fuel, repairs, insurance has no VAT);
 *    100 % only for a car used exclusively in the business and reported on VAT-26 (ust. 3, 12);
 *  - art. 23 ust. 1 pkt 46a ustawy o PIT: the expenses of using such a car are not a cost in the
 *    part above 75 %; the VAT not deducted is part of the expense (art. 23 ust. 1 pkt 43 lit. a).
 * Both rounded half up to the grosz, per rate for the VAT.
 */
export function carDeductibleVat(vat: number): number {
  return divideRoundHalfUp(vat * 50, 100)
}

export function carCost(expense: number): number {
  return divideRoundHalfUp(expense * 75, 100)
}

export interface SellerRule {
  kpirColumn: KpirCostColumn | null
  vatDeducted: boolean
  vatKind: VatKind
  description: string
}

/** What the form opens with: the seller's rule when there is one, else the plain defaults. */
export function prefill(
  parsed: Pick<ParsedPurchase, 'issueDate' | 'saleDate' | 'kind'> | null,
  receivedAt: string,
  totalVat: number,
  company: BookingCompany,
  rule: SellerRule | null
): Record<string, string> {
  const receivedDate = receivedDateOf(receivedAt)
  const window = parsed === null ? { from: monthOf(receivedDate) } : deductionWindow(parsed, receivedDate, totalVat)
  return {
    kolumna: company.taxForm === 'kpir' && rule !== null ? (rule.kpirColumn ?? NO_KPIR_COLUMN) : '',
    data: parsed?.issueDate ?? receivedDate,
    odliczenie: company.vatPayer && (rule?.vatDeducted ?? true) ? 'tak' : 'nie',
    okres: window.from,
    rodzaj: rule?.vatKind ?? 'pozostale',
    opis: rule?.description ?? '',
    zapamietaj: '1'
  }
}
