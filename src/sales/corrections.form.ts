// The "Wystaw korektę" form: one row per invoice line with its quantity and unit gross price after
// the correction, the two shortcuts (zwrot całości, zwrot kosztów dostawy), the reason and date.
import { parseLineQuantity } from './documents.form.ts'
import { quantityInput } from '../shared/quantity.ts'
import { amountInput } from '../shared/money.ts'
import { isIsoDate } from '../shared/dates.ts'
import { asArray, checkbox, parseId, text, Validator, type FormResult } from '../shared/form.ts'
import { parseUserAmount } from '../shared/money.ts'
import {
  isSettlement,
  lineProblem,
  type LineState,
  type RequestedLine,
  type Settlement
} from '../corrections/correction.ts'
import type { CorrectionIssueRequest } from './correction-issuing.ts'

interface CorrectionLineValues {
  lineId: string
  quantity: string
  price: string
}

export interface CorrectionFormValues {
  /** the latest correction the "before" column showed, '' when none */
  basedOn: string
  issueDate: string
  reason: string
  fullReturn: boolean
  refundDelivery: boolean
  /** when the correction is settled (art. 29a): one of SETTLEMENTS, and the day it needs */
  settlement: string
  settlementDate: string
  /** in the order of the invoice's lines */
  lines: CorrectionLineValues[]
}

/** PrzyczynaKorekty in FA(3) is at most 256 characters. */
export const REASON_MAX_LENGTH = 256

/** The form as first shown: every line as it stands now. */
export function initialCorrectionValues(
  lines: readonly LineState[],
  opts: { today: string; basedOn: number | null }
): CorrectionFormValues {
  return {
    basedOn: opts.basedOn === null ? '' : String(opts.basedOn),
    issueDate: opts.today,
    reason: '',
    fullReturn: false,
    refundDelivery: false,
    settlement: 'wystawienie',
    settlementDate: '',
    lines: lines.map((line) => ({
      lineId: String(line.originalLineId),
      quantity: quantityInput(line.quantityMilli),
      price: amountInput(line.unitPriceGross)
    }))
  }
}

/** "0" is a valid quantity after a correction (everything returned); otherwise as on documents. */
function parseQuantityAfter(value: string): number | null {
  if (/^0+(?:[.,]0{1,3})?$/.test(value.replace(/[\s\u00a0]/g, ''))) return 0
  return parseLineQuantity(value)
}

export type CorrectionForm = FormResult<CorrectionFormValues> & {
  request: Omit<CorrectionIssueRequest, 'originalId' | 'userId'> | null
}

/**
 * Reads the form against the invoice's lines as they stand now. Rows are matched by line id, so
 * a tampered or shortened list cannot touch another invoice's lines; a missing row stays as it is.
 * Whether the numbers make a correction (not above the quantity before, something changes) is
 * the domain's call (correction.ts planCorrection).
 */
export function parseCorrectionForm(
  body: unknown,
  ctx: { lines: readonly LineState[]; today: string; originalIssueDate: string }
): CorrectionForm {
  const ids = asArray(body, 'lineId')
  const quantities = asArray(body, 'quantity')
  const prices = asArray(body, 'price')
  const lines: CorrectionLineValues[] = ctx.lines.map((line) => {
    const index = ids.indexOf(String(line.originalLineId))
    if (index === -1)
      return {
        lineId: String(line.originalLineId),
        quantity: quantityInput(line.quantityMilli),
        price: amountInput(line.unitPriceGross)
      }
    return {
      lineId: String(line.originalLineId),
      quantity: (quantities[index] ?? '').trim().slice(0, 30),
      price: (prices[index] ?? '').trim().slice(0, 30)
    }
  })
  const values: CorrectionFormValues = {
    basedOn: text(body, 'basedOn').slice(0, 20),
    issueDate: text(body, 'issueDate').slice(0, 30),
    reason: text(body, 'reason').replace(/\s+/g, ' '),
    fullReturn: checkbox(body, 'fullReturn'),
    refundDelivery: checkbox(body, 'refundDelivery'),
    // a form from before the choice existed settles in the correction's period, as it did then
    settlement: text(body, 'settlement').slice(0, 20) || 'wystawienie',
    settlementDate: text(body, 'settlementDate').slice(0, 30),
    lines
  }

  const v = new Validator()
  if (v.required('reason', values.reason, 'Podaj przyczynę korekty, np. Zwrot towaru.'))
    v.maxLength('reason', values.reason, REASON_MAX_LENGTH)
  if (
    v.required('issueDate', values.issueDate, 'Podaj datę wystawienia korekty.') &&
    v.check(isIsoDate(values.issueDate), 'issueDate', 'Data w formacie RRRR-MM-DD.')
  ) {
    if (v.check(values.issueDate <= ctx.today, 'issueDate', 'Data wystawienia nie może być z przyszłości.')) {
      v.check(
        values.issueDate >= ctx.originalIssueDate,
        'issueDate',
        'Korekta nie może być wcześniejsza niż korygowana faktura.'
      )
    }
  }
  // whether the choice fits a decrease or an increase is the domain's call (correctionSettlement)
  v.check(isSettlement(values.settlement), 'settlement', 'Wybierz, w którym okresie rozliczyć korektę.')
  const needsDate = values.settlement === 'dokumentacja' || values.settlement === 'przyczyna'
  if (needsDate && values.settlementDate !== '')
    v.check(isIsoDate(values.settlementDate), 'settlementDate', 'Data w formacie RRRR-MM-DD.')
  const basedOn = values.basedOn === '' ? null : parseId(values.basedOn)
  if (values.basedOn !== '' && basedOn === null) v.add('form', 'Formularz jest nieaktualny – otwórz go ponownie.')

  const requested = new Map<number, RequestedLine>()
  ctx.lines.forEach((line, i) => {
    // the shortcuts decide these lines; what is typed in them does not matter
    if (values.fullReturn || (values.refundDelivery && line.kind === 'delivery')) return
    const quantityMilli = parseQuantityAfter(values.lines[i].quantity)
    const price = parseUserAmount(values.lines[i].price)
    v.check(quantityMilli !== null, `lines.${i}.quantity`, 'Ilość, np. 1, 0,5 albo 0 (zwrot wszystkiego).')
    v.check(price !== null && price >= 0, `lines.${i}.price`, 'Cena brutto, np. 124,49.')
    if (quantityMilli === null || price === null || price < 0) return
    // checked here too so that all problems show at once; the domain checks again against fresh data
    const problem = lineProblem(line, { quantityMilli, unitPriceGross: price })
    if (problem !== null) v.add(`lines.${i}.${problem.field}`, problem.message)
    requested.set(line.originalLineId, { quantityMilli, unitPriceGross: price })
  })

  const request = v.ok
    ? {
        basedOnCorrectionId: basedOn,
        issueDate: values.issueDate,
        reason: values.reason,
        lines: requested,
        fullReturn: values.fullReturn,
        refundDelivery: values.refundDelivery,
        settlement: values.settlement as Settlement,
        settlementDate: needsDate ? values.settlementDate : ''
      }
    : null
  return { values, errors: v.errors, request }
}
