import { type FormResult, Validator, checkbox, text } from '../shared/form.ts'
import { isGtuCode } from '../shared/tax-codes.ts'
import { parseUserAmount } from '../shared/money.ts'
import { MAX_NAME_LENGTH, MAX_REASON_LENGTH, MAX_SKU_LENGTH, UNITS, grossFromNet, netFromGross } from './product.ts'
import type { ProductData, StockCorrection } from './products.queries.ts'
import { VAT_RATES } from '../shared/vat.ts'
import { parseQuantity } from '../shared/quantity.ts'

const PRICE_BASES = ['brutto', 'netto'] as const

/** What the product form shows, as typed. */
export interface ProductValues {
  name: string
  sku: string
  unit: string
  vatRate: string
  priceBasis: string
  price: string
  initialStock: string
  /** goods or services of annex 15 (split payment, art. 108a ust. 1a) */
  annex15: boolean
  /** '' or GTU_01…GTU_13 */
  gtu: string
  /** excluded from the subjective VAT exemption whatever the turnover (art. 113 ust. 13) */
  exemptionExcluded: boolean
}

/** Largest price we accept: 10 million zł keeps price × quantity far inside safe integers. */
const MAX_PRICE_MINOR = 10_000_000_00
/** Largest stock quantity: a billion units in thousandths. */
const MAX_QUANTITY_MILLI = 1_000_000_000_000

export function parseProductForm(
  body: unknown,
  opts: { isNew: boolean }
): FormResult<ProductValues> & { data: ProductData | null; initialStockMilli: number } {
  const values: ProductValues = {
    name: text(body, 'name'),
    sku: text(body, 'sku'),
    unit: text(body, 'unit') || 'szt.',
    vatRate: text(body, 'vatRate'),
    priceBasis: text(body, 'priceBasis') || 'brutto',
    price: text(body, 'price'),
    initialStock: opts.isNew ? text(body, 'initialStock') : '',
    annex15: checkbox(body, 'annex15'),
    gtu: text(body, 'gtu'),
    exemptionExcluded: checkbox(body, 'exemptionExcluded')
  }
  const v = new Validator()
  if (v.required('name', values.name, 'Podaj nazwę produktu.')) v.maxLength('name', values.name, MAX_NAME_LENGTH)
  if (values.sku !== '') {
    v.maxLength('sku', values.sku, MAX_SKU_LENGTH)
    // Allegro's sygnatura is one line; control characters would never match an offer anyway.
    v.check(!/\p{Cc}/u.test(values.sku), 'sku', 'Sygnatura nie może zawierać znaków sterujących.')
  }
  v.oneOf('unit', values.unit, UNITS, 'Wybierz jednostkę z listy.')
  const rateOk = v.oneOf('vatRate', values.vatRate, VAT_RATES, 'Wybierz stawkę VAT: 23, 8, 5, 0 % albo zw.')
  const basisOk = v.oneOf('priceBasis', values.priceBasis, PRICE_BASES, 'Wybierz, czy cena jest netto czy brutto.')

  if (values.gtu !== '') v.check(isGtuCode(values.gtu), 'gtu', 'Wybierz kod GTU z listy albo „brak”.')

  let price: number | null = null
  if (v.required('price', values.price, 'Podaj cenę (może być 0).')) {
    price = values.price.length <= 20 ? parseUserAmount(values.price) : null
    if (v.check(price !== null, 'price', 'Cena w złotych, np. 49,99 (najwyżej dwa miejsca po przecinku).')) {
      v.check(price! >= 0, 'price', 'Cena nie może być ujemna.')
      v.check(price! <= MAX_PRICE_MINOR, 'price', 'Cena jest zbyt wysoka.')
    }
  }

  let initialStockMilli = 0
  if (opts.isNew && values.initialStock !== '') {
    const parsed = values.initialStock.length <= 20 ? parseQuantity(values.initialStock) : null
    if (
      v.check(parsed !== null, 'initialStock', 'Ilość liczbą, np. 10 albo 1,5 (najwyżej trzy miejsca po przecinku).')
    ) {
      v.check(parsed! >= 0, 'initialStock', 'Stan początkowy nie może być ujemny.')
      v.check(parsed! <= MAX_QUANTITY_MILLI, 'initialStock', 'Ilość jest zbyt duża.')
      initialStockMilli = parsed!
    }
  }

  if (!v.ok || price === null || !rateOk || !basisOk) return { values, errors: v.errors, data: null, initialStockMilli }
  const priceGross = values.priceBasis === 'brutto' ? price : grossFromNet(price, values.vatRate)
  const priceNet = values.priceBasis === 'netto' ? price : netFromGross(price, values.vatRate)
  return {
    values,
    errors: v.errors,
    data: {
      name: values.name,
      sku: values.sku === '' ? null : values.sku,
      unit: values.unit,
      vatRate: values.vatRate,
      priceNet,
      priceGross,
      annex15: values.annex15,
      gtu: values.gtu,
      exemptionExcluded: values.exemptionExcluded
    },
    initialStockMilli
  }
}

const CORRECTION_KINDS = ['przyjecie', 'korekta'] as const

export interface CorrectionValues {
  kind: string
  quantity: string
  reason: string
}

export function parseStockCorrection(
  body: unknown
): FormResult<CorrectionValues> & { correction: StockCorrection | null } {
  const values: CorrectionValues = {
    kind: text(body, 'kind'),
    quantity: text(body, 'quantity'),
    reason: text(body, 'reason')
  }
  const v = new Validator()
  const kindOk = v.oneOf('kind', values.kind, CORRECTION_KINDS, 'Wybierz przyjęcie albo korektę inwentaryzacyjną.')
  const quantity = values.quantity.length <= 20 ? parseQuantity(values.quantity) : null
  if (v.required('quantity', values.quantity, 'Podaj ilość.')) {
    if (v.check(quantity !== null, 'quantity', 'Ilość liczbą, np. 10 albo 1,5 (najwyżej trzy miejsca po przecinku).')) {
      v.check(Math.abs(quantity!) <= MAX_QUANTITY_MILLI, 'quantity', 'Ilość jest zbyt duża.')
      if (values.kind === 'przyjecie') v.check(quantity! > 0, 'quantity', 'Przyjmowana ilość musi być większa od zera.')
      if (values.kind === 'korekta') v.check(quantity! >= 0, 'quantity', 'Stan po spisie nie może być ujemny.')
    }
  }
  v.maxLength('reason', values.reason, MAX_REASON_LENGTH)
  if (values.kind === 'korekta') v.required('reason', values.reason, 'Podaj powód korekty (np. spis z natury 31.12).')
  if (!v.ok || !kindOk || quantity === null) return { values, errors: v.errors, correction: null }
  const correction: StockCorrection =
    values.kind === 'przyjecie'
      ? { kind: 'przyjecie', quantityMilli: quantity, reason: values.reason }
      : { kind: 'korekta', countedMilli: quantity, reason: values.reason }
  return { values, errors: v.errors, correction }
}
