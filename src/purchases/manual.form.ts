// The form of a purchase invoice entered by hand: raw values (kept for a 422 re-render) and the
// invoice they make, or the first problem per field in Polish. The exchange rate is not looked up
// here: the route asks NBP (no network I/O in a parser), then calls completeManual.
import { isValidMidRate } from '../nbp/nbp.ts'
import { isIsoDate } from '../shared/dates.ts'
import { text, Validator, type FieldErrors } from '../shared/form.ts'
import { formatAmount, parseUserAmount } from '../shared/money.ts'
import { isValidNip, normalizeNip } from '../shared/nip.ts'
import { PLAUSIBLE_MAX } from './fa3-read.ts'
import { MANUAL_RATES, ratesInPln, vatOf, type ManualInvoice } from './manual.ts'

const MANUAL_FIELDS = [
  'kraj',
  'nip',
  'nazwa',
  'adres',
  'numer',
  'data_wystawienia',
  'data_sprzedazy',
  'data_otrzymania',
  'waluta',
  'kurs',
  ...MANUAL_RATES.flatMap((r) => (r.percent === null ? [`netto_${r.field}`] : [`netto_${r.field}`, `vat_${r.field}`]))
] as const

export function manualValues(body: unknown): Record<string, string> {
  const values: Record<string, string> = {}
  for (const name of MANUAL_FIELDS) values[name] = text(body, name)
  values.kraj = (values.kraj || 'PL').toUpperCase()
  values.waluta = (values.waluta || 'PLN').toUpperCase()
  return values
}

export function emptyManualValues(today: string): Record<string, string> {
  return { ...manualValues({}), data_wystawienia: today, data_otrzymania: today }
}

const validDate = (value: string) => isIsoDate(value) && value >= '2000-01-01' && value <= '2099-12-31'
const DATE_MESSAGE = 'Podaj prawidłową datę w formacie RRRR-MM-DD, np. 2026-11-16.'

export type ManualDraft = Omit<ManualInvoice, 'exchangeRate' | 'exchangeRateTable' | 'exchangeRateDate' | 'rates'> & {
  /** the rate the user typed (from the invoice), or null: look up NBP's */
  typedRate: string | null
  rates: Array<{ rate: string; net: number; vat: number }>
}

export function parseManualForm(
  body: unknown,
  today: string
): { values: Record<string, string>; draft: ManualDraft | null; errors: FieldErrors } {
  const values = manualValues(body)
  const v = new Validator()
  const country = values.kraj
  v.check(/^[A-Z]{2}$/.test(country), 'kraj', 'Kod kraju sprzedawcy: dwie litery, np. PL, IE, DE.')
  let sellerNip = ''
  if (country === 'PL') {
    sellerNip = normalizeNip(values.nip)
    if (v.required('nip', values.nip, 'Podaj NIP sprzedawcy.'))
      v.check(isValidNip(sellerNip), 'nip', 'NIP jest nieprawidłowy (błędna cyfra kontrolna albo nie 10 cyfr).')
  } else {
    sellerNip = values.nip.replace(/[\s-]/g, '').toUpperCase()
    if (v.required('nip', values.nip, 'Podaj numer identyfikacji podatkowej sprzedawcy (np. numer VAT UE).')) {
      v.check(
        /^[A-Z0-9]{2,20}$/.test(sellerNip),
        'nip',
        'Numer podatkowy sprzedawcy: 2–20 liter i cyfr, np. IE9825613N.'
      )
    }
  }
  if (v.required('nazwa', values.nazwa, 'Podaj nazwę sprzedawcy.')) v.maxLength('nazwa', values.nazwa, 250)
  v.maxLength('adres', values.adres, 300)
  if (v.required('numer', values.numer, 'Podaj numer faktury.')) v.maxLength('numer', values.numer, 256)
  if (v.required('data_wystawienia', values.data_wystawienia, 'Podaj datę wystawienia.'))
    v.check(validDate(values.data_wystawienia), 'data_wystawienia', DATE_MESSAGE)
  if (values.data_sprzedazy !== '') v.check(validDate(values.data_sprzedazy), 'data_sprzedazy', DATE_MESSAGE)
  if (
    v.required('data_otrzymania', values.data_otrzymania, 'Podaj datę otrzymania faktury.') &&
    v.check(validDate(values.data_otrzymania), 'data_otrzymania', DATE_MESSAGE)
  ) {
    v.check(values.data_otrzymania <= today, 'data_otrzymania', 'Data otrzymania nie może być późniejsza niż dziś.')
    if (validDate(values.data_wystawienia))
      v.check(
        values.data_otrzymania >= values.data_wystawienia,
        'data_otrzymania',
        'Faktury nie można otrzymać przed jej wystawieniem.'
      )
  }
  const currency = values.waluta
  v.check(/^[A-Z]{3}$/.test(currency), 'waluta', 'Waluta: trzyliterowy kod, np. PLN, EUR, USD.')
  let typedRate: string | null = null
  if (currency !== 'PLN' && values.kurs !== '') {
    typedRate = values.kurs.replace(',', '.')
    v.check(
      isValidMidRate(typedRate),
      'kurs',
      'Kurs: liczba dodatnia z najwyżej 6 miejscami po przecinku, np. 4,2500 – albo zostaw puste, aby pobrać kurs NBP.'
    )
  }

  const rates: ManualDraft['rates'] = []
  for (const r of MANUAL_RATES) {
    const netText = values[`netto_${r.field}`]
    const vatText = r.percent === null ? '' : values[`vat_${r.field}`]
    if (netText === '' && vatText === '') continue
    const net = parseUserAmount(netText)
    if (
      !v.check(
        net !== null && Math.abs(net) <= PLAUSIBLE_MAX,
        `netto_${r.field}`,
        'Kwota netto: liczba z najwyżej dwoma miejscami po przecinku, np. 1200,00.'
      )
    )
      continue
    if (r.percent === null) {
      rates.push({ rate: r.code, net: net!, vat: 0 })
      continue
    }
    const expected = vatOf(net!, r.percent)
    // an empty VAT field takes the computed amount; a typed one must be it, to the grosz
    const vat = vatText === '' ? expected : parseUserAmount(vatText)
    if (
      !v.check(vat !== null, `vat_${r.field}`, 'Kwota VAT: liczba z najwyżej dwoma miejscami po przecinku, np. 276,00.')
    )
      continue
    if (
      !v.check(
        vat === expected,
        `vat_${r.field}`,
        `VAT ${r.label} od ${formatAmount(net!)} to ${formatAmount(expected)} – sprawdź kwoty na fakturze.`
      )
    )
      continue
    rates.push({ rate: r.code, net: net!, vat: vat! })
  }
  if (v.ok && rates.length === 0) v.add('netto_23', 'Podaj kwotę netto przynajmniej dla jednej stawki VAT.')
  if (v.ok && rates.every((r) => r.net === 0 && r.vat === 0))
    v.add('netto_23', 'Faktura na 0,00 zł nie jest kosztem – sprawdź kwoty.')
  if (!v.ok) return { values, draft: null, errors: v.errors }
  return {
    values,
    errors: {},
    draft: {
      sellerCountry: country,
      sellerNip,
      sellerName: values.nazwa,
      sellerAddress: values.adres,
      number: values.numer,
      issueDate: values.data_wystawienia,
      saleDate: values.data_sprzedazy === '' ? null : values.data_sprzedazy,
      receivedDate: values.data_otrzymania,
      currency,
      typedRate,
      rates
    }
  }
}

/** The invoice once its rate is known (null for PLN): VAT converted to złoty per rate. */
export function completeManual(
  draft: ManualDraft,
  rate: { mid: string; tableNo: string | null; effectiveDate: string | null } | null
): ManualInvoice {
  const { typedRate: _typed, ...rest } = draft
  return {
    ...rest,
    exchangeRate: rate?.mid ?? null,
    exchangeRateTable: rate?.tableNo ?? null,
    exchangeRateDate: rate?.effectiveDate ?? null,
    rates: ratesInPln(draft.rates, rate?.mid ?? null)
  }
}
