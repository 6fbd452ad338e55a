// The Zaksięguj form of a purchase invoice: the raw values (kept for a 422 re-render) and the
// choice they make, or the first problem per field in Polish.
import { parseMonth } from '../ledger/ledger.ts'
import { isIsoDate } from '../shared/dates.ts'
import { checkbox, text, Validator, type FieldErrors } from '../shared/form.ts'
import {
  KPIR_COST_COLUMN_KEYS,
  NO_KPIR_COLUMN,
  SELF_ASSESSMENT,
  SELF_ASSESSMENT_RATES,
  VAT_KINDS,
  type SelfAssessmentKind,
  type BookingChoice,
  type KpirCostColumn,
  type VatKind
} from './booking.ts'

const BOOKING_FIELDS = [
  'kolumna',
  'data',
  'odliczenie',
  'okres',
  'rodzaj',
  'opis',
  'zapamietaj',
  'potwierdzenie',
  'samochod',
  'samonaliczenie',
  'stawka_nabywcy'
] as const

function bookingValues(body: unknown): Record<string, string> {
  const values: Record<string, string> = {}
  for (const name of BOOKING_FIELDS) values[name] = text(body, name)
  values.zapamietaj = checkbox(body, 'zapamietaj') ? '1' : ''
  values.potwierdzenie = checkbox(body, 'potwierdzenie') ? '1' : ''
  values.samochod = checkbox(body, 'samochod') ? '1' : ''
  return values
}

export function parseBookingForm(
  body: unknown,
  taxForm: 'kpir' | 'ryczalt'
): { values: Record<string, string>; choice: BookingChoice | null; errors: FieldErrors } {
  const values = bookingValues(body)
  const v = new Validator()
  let kpirColumn: KpirCostColumn | null = null
  // 'brak': not a cost of the KPiR (a fixed asset reaches it through depreciation, a private purchase never)
  if (
    taxForm === 'kpir' &&
    v.required('kolumna', values.kolumna, 'Wybierz kolumnę KPiR, w której ująć wydatek.') &&
    v.oneOf(
      'kolumna',
      values.kolumna,
      [...KPIR_COST_COLUMN_KEYS, NO_KPIR_COLUMN],
      'Wybierz jedną z kolumn 12–15 KPiR albo „nie księguj w KPiR”.'
    )
  ) {
    kpirColumn = values.kolumna === NO_KPIR_COLUMN ? null : (values.kolumna as KpirCostColumn)
  }
  if (v.required('data', values.data, 'Podaj datę zaksięgowania (RRRR-MM-DD).')) {
    v.check(
      isIsoDate(values.data) && values.data >= '2000-01-01' && values.data <= '2099-12-31',
      'data',
      'Podaj prawidłową datę w formacie RRRR-MM-DD, np. 2026-11-16.'
    )
  }
  v.oneOf('odliczenie', values.odliczenie, ['tak', 'nie'], 'Wybierz, czy odliczasz VAT z tej faktury.')
  const deductVat = values.odliczenie === 'tak'
  let vatMonth: string | null = null
  if (deductVat && v.required('okres', values.okres, 'Podaj okres odliczenia VAT (RRRR-MM).')) {
    vatMonth = parseMonth(values.okres)
    v.check(vatMonth !== null, 'okres', 'Podaj okres odliczenia w formacie RRRR-MM, np. 2026-11.')
  }
  const kinds = Object.keys(VAT_KINDS) as VatKind[]
  v.oneOf('rodzaj', values.rodzaj, kinds, 'Wybierz: pozostałe nabycia albo środki trwałe.')
  v.maxLength('opis', values.opis, 200)
  let selfAssessment: BookingChoice['selfAssessment'] = null
  if (
    values.samonaliczenie !== '' &&
    v.oneOf(
      'samonaliczenie',
      values.samonaliczenie,
      Object.keys(SELF_ASSESSMENT) as SelfAssessmentKind[],
      'Wybierz rodzaj samonaliczenia VAT albo „brak”.'
    ) &&
    v.oneOf(
      'stawka_nabywcy',
      values.stawka_nabywcy,
      SELF_ASSESSMENT_RATES,
      'Wybierz stawkę VAT, którą naliczasz: 23, 8 albo 5 %.'
    )
  ) {
    selfAssessment = { kind: values.samonaliczenie as SelfAssessmentKind, percent: Number(values.stawka_nabywcy) }
  }
  if (!v.ok) return { values, choice: null, errors: v.errors }
  return {
    values,
    errors: {},
    choice: {
      kpirColumn,
      eventDate: values.data,
      deductVat,
      vatMonth,
      vatKind: values.rodzaj as VatKind,
      description: values.opis,
      remember: values.zapamietaj === '1',
      confirmReview: values.potwierdzenie === '1',
      carMixedUse: values.samochod === '1',
      selfAssessment
    }
  }
}
