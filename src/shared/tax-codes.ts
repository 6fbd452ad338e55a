// Tax codes shared by documents, products, KSeF and JPK. GTU: the goods and services groups of
// § 10 ust. 3 of the JPK_V7 regulation (Dz.U. 2019 poz. 1988), carried per line in FA(3)
// FaWiersz/GTU and in JPK_V7 SprzedazWiersz.

export const GTU_CODES = [
  'GTU_01',
  'GTU_02',
  'GTU_03',
  'GTU_04',
  'GTU_05',
  'GTU_06',
  'GTU_07',
  'GTU_08',
  'GTU_09',
  'GTU_10',
  'GTU_11',
  'GTU_12',
  'GTU_13'
] as const
export type GtuCode = (typeof GTU_CODES)[number]

export const GTU_LABELS: Record<GtuCode, string> = {
  GTU_01: 'napoje alkoholowe',
  GTU_02: 'paliwa (art. 103 ust. 5aa)',
  GTU_03: 'oleje opałowe i smarowe',
  GTU_04: 'wyroby tytoniowe, susz, płyn do e-papierosów',
  GTU_05: 'odpady z poz. 79–91 załącznika nr 15',
  GTU_06: 'urządzenia elektroniczne z poz. 7–9, 59–63, 65, 66, 69, 94–96 załącznika nr 15',
  GTU_07: 'pojazdy i części samochodowe (CN 8701–8708)',
  GTU_08: 'metale szlachetne i nieszlachetne z załącznika nr 12 i 15',
  GTU_09: 'leki i wyroby medyczne (art. 37av ustawy Prawo farmaceutyczne)',
  GTU_10: 'budynki, budowle i grunty',
  GTU_11: 'uprawnienia do emisji gazów cieplarnianych',
  GTU_12: 'usługi niematerialne (doradcze, prawne, marketingowe, zarządcze…)',
  GTU_13: 'usługi transportowe i magazynowe (PKWiU 49.4, 52.1)'
}

export function isGtuCode(value: string): value is GtuCode {
  return (GTU_CODES as readonly string[]).includes(value)
}

/**
 * Split payment threshold (art. 108a ust. 1a ustawy o VAT): the notation is mandatory when the
 * invoice's total due *exceeds* 15 000 zł (or its equivalent) and it covers annex 15 goods or
 * services for a taxpayer. 15 000,00 zł itself does not exceed it.
 */
export const SPLIT_PAYMENT_THRESHOLD_GROSZE = 1_500_000

/** Ryczałt rates in force in 2026, in basis points. */
export const RYCZALT_RATES_BP = [1700, 1500, 1400, 1250, 1200, 1000, 850, 550, 300, 200] as const

export function ryczaltRateLabel(bp: number): string {
  return (bp / 100).toLocaleString('pl-PL') + ' %'
}
