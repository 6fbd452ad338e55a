// The Zapłata form of a purchase invoice: values kept for a 422, the payment or Polish errors.
import { isIsoDate } from '../shared/dates.ts'
import { checkbox, text, Validator, type FieldErrors } from '../shared/form.ts'
import { formatAmount, parseUserAmount } from '../shared/money.ts'
import { isValidBankAccount, normalizeBankAccount } from '../shared/nip.ts'
import { PAYMENT_METHODS, type PaymentMethod } from './payments.ts'

export interface PaymentInput {
  paidOn: string
  amount: number
  method: PaymentMethod
  account: string
  splitPayment: boolean
}

function paymentValues(body: unknown): Record<string, string> {
  return {
    zaplata_data: text(body, 'zaplata_data'),
    zaplata_kwota: text(body, 'zaplata_kwota'),
    sposob: text(body, 'sposob'),
    rachunek: text(body, 'rachunek'),
    mpp: checkbox(body, 'mpp') ? '1' : ''
  }
}

/** `remaining`: what is still to pay, minor units of the invoice currency. */
export function parsePaymentForm(
  body: unknown,
  opts: { today: string; issueDate: string | null; remaining: number; currency: string }
): { values: Record<string, string>; payment: PaymentInput | null; errors: FieldErrors } {
  const values = paymentValues(body)
  const v = new Validator()
  if (
    v.required('zaplata_data', values.zaplata_data, 'Podaj datę zapłaty (RRRR-MM-DD).') &&
    v.check(
      isIsoDate(values.zaplata_data) && values.zaplata_data >= '2000-01-01',
      'zaplata_data',
      'Podaj prawidłową datę w formacie RRRR-MM-DD, np. 2026-11-16.'
    )
  ) {
    v.check(
      values.zaplata_data <= opts.today,
      'zaplata_data',
      'Data zapłaty nie może być późniejsza niż dziś – zapisz zapłatę, gdy zlecisz przelew.'
    )
  }
  const amount = parseUserAmount(values.zaplata_kwota)
  if (
    v.required('zaplata_kwota', values.zaplata_kwota, 'Podaj kwotę zapłaty.') &&
    v.check(
      amount !== null && amount > 0,
      'zaplata_kwota',
      'Kwota: liczba większa od zera, z najwyżej dwoma miejscami po przecinku.'
    )
  ) {
    v.check(
      amount! <= opts.remaining,
      'zaplata_kwota',
      `Kwota przekracza pozostałą do zapłaty: ${formatAmount(opts.remaining)} ${opts.currency}.`
    )
  }
  v.oneOf('sposob', values.sposob, Object.keys(PAYMENT_METHODS) as PaymentMethod[], 'Wybierz sposób zapłaty.')
  const account = normalizeBankAccount(values.rachunek)
  if (values.sposob === 'przelew') {
    if (v.required('rachunek', values.rachunek, 'Podaj rachunek, na który zlecono przelew.'))
      v.check(
        isValidBankAccount(account),
        'rachunek',
        'Numer rachunku jest nieprawidłowy (26 cyfr albo IBAN, błędna suma kontrolna).'
      )
  }
  if (!v.ok) return { values, payment: null, errors: v.errors }
  return {
    values,
    errors: {},
    payment: {
      paidOn: values.zaplata_data,
      amount: amount!,
      method: values.sposob as PaymentMethod,
      account: values.sposob === 'przelew' ? account : '',
      splitPayment: values.mpp === '1' && values.sposob === 'przelew'
    }
  }
}
