// "Słownie" on sales documents: the whole units in Polish words, the minor units as NN/100,
// e.g. "sto dwadzieścia trzy złote 45/100".

const UNITS = ['', 'jeden', 'dwa', 'trzy', 'cztery', 'pięć', 'sześć', 'siedem', 'osiem', 'dziewięć']
const TEENS = [
  'dziesięć',
  'jedenaście',
  'dwanaście',
  'trzynaście',
  'czternaście',
  'piętnaście',
  'szesnaście',
  'siedemnaście',
  'osiemnaście',
  'dziewiętnaście'
]
const TENS = [
  '',
  '',
  'dwadzieścia',
  'trzydzieści',
  'czterdzieści',
  'pięćdziesiąt',
  'sześćdziesiąt',
  'siedemdziesiąt',
  'osiemdziesiąt',
  'dziewięćdziesiąt'
]
const HUNDREDS = [
  '',
  'sto',
  'dwieście',
  'trzysta',
  'czterysta',
  'pięćset',
  'sześćset',
  'siedemset',
  'osiemset',
  'dziewięćset'
]

/** Singular (1), few (2–4 except 12–14) and many (everything else). */
type Forms = readonly [one: string, few: string, many: string]

const GROUPS: readonly Forms[] = [
  ['tysiąc', 'tysiące', 'tysięcy'],
  ['milion', 'miliony', 'milionów'],
  ['miliard', 'miliardy', 'miliardów']
]

interface CurrencyWords {
  forms: Forms
  feminine: boolean
}

const CURRENCIES: Record<string, CurrencyWords> = {
  PLN: { forms: ['złoty', 'złote', 'złotych'], feminine: false },
  EUR: { forms: ['euro', 'euro', 'euro'], feminine: false },
  CZK: { forms: ['korona czeska', 'korony czeskie', 'koron czeskich'], feminine: true },
  HUF: { forms: ['forint', 'forinty', 'forintów'], feminine: false }
}

function pluralForm(n: number, forms: Forms): string {
  if (n === 1) return forms[0]
  const lastTwo = n % 100
  const last = n % 10
  if (last >= 2 && last <= 4 && (lastTwo < 12 || lastTwo > 14)) return forms[1]
  return forms[2]
}

/** 1..999 in words; a feminine noun after it takes "dwie" instead of "dwa". */
function hundredsInWords(n: number, feminine: boolean): string[] {
  const words: string[] = []
  const hundreds = Math.floor(n / 100)
  const rest = n % 100
  if (hundreds > 0) words.push(HUNDREDS[hundreds])
  if (rest >= 10 && rest < 20) {
    words.push(TEENS[rest - 10])
  } else {
    if (rest >= 20) words.push(TENS[Math.floor(rest / 10)])
    const unit = rest % 10
    if (unit > 0) words.push(feminine && unit === 2 ? 'dwie' : UNITS[unit])
  }
  return words
}

/** A whole number in Polish words: 0 → "zero", 1200 → "tysiąc dwieście". */
export function numberInWords(value: number, opts: { feminine?: boolean } = {}): string {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError('a non-negative safe integer is required')
  if (value === 0) return 'zero'
  const feminine = opts.feminine ?? false
  const words: string[] = []
  const groups: number[] = []
  for (let rest = value; rest > 0; rest = Math.floor(rest / 1000)) groups.push(rest % 1000)
  if (groups.length > GROUPS.length + 1) throw new RangeError('number too large')
  for (let i = groups.length - 1; i >= 1; i--) {
    const group = groups[i]
    if (group === 0) continue
    // "tysiąc", not "jeden tysiąc"; the larger groups keep the numeral ("jeden milion")
    if (!(group === 1 && i === 1)) words.push(...hundredsInWords(group, false))
    words.push(pluralForm(group, GROUPS[i - 1]))
  }
  if (groups[0] > 0) {
    words.push(...(value === 1 && feminine ? ['jedna'] : hundredsInWords(groups[0], feminine)))
  }
  return words.join(' ')
}

/** Minor units (grosze) and an ISO currency → "sto dwadzieścia trzy złote 45/100". */
export function amountInWords(minor: number, currency = 'PLN'): string {
  if (!Number.isSafeInteger(minor)) throw new RangeError('amount must be an integer number of minor units')
  const abs = Math.abs(minor)
  const whole = Math.floor(abs / 100)
  const fraction = String(abs % 100).padStart(2, '0')
  const words = CURRENCIES[currency]
  const sign = minor < 0 ? 'minus ' : ''
  if (!words) return `${sign}${numberInWords(whole)} ${currency} ${fraction}/100`
  return `${sign}${numberInWords(whole, { feminine: words.feminine })} ${pluralForm(whole, words.forms)} ${fraction}/100`
}
