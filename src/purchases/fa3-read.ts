// Reading a received FA(3) file (a purchase invoice from KSeF). Pure: bytes in, a description and
// a list of problems out. The file is untrusted: it may not be UTF-8, not XML, not FA(3), or say
// things that do not add up; nothing here throws for its sake, and every text read from it is
// returned as plain text (the pages escape it).
//
// Where the amounts are (schemat_FA(3)_v1-0E.xsd, Fa): P_13_x the net (or value) per rate, P_14_x
// its VAT, P_14_xW the VAT in PLN when the invoice is in a foreign currency (art. 106e ust. 11
// ustawy o VAT: the tax is stated in złoty), P_15 the amount due.
import { DOMParser } from '@xmldom/xmldom'
import { isIsoDate } from '../shared/dates.ts'
import { formatDecimal } from '../shared/money.ts'
import { isValidNip } from '../shared/nip.ts'

const FA3_NAMESPACE = 'http://crd.gov.pl/wzor/2025/06/25/13775/'

/** An amount beyond this (100 mln zł) on a small shop's purchase invoice is not plausible. */
export const PLAUSIBLE_MAX = 10_000_000_000

/** The per-rate fields in the schema's order: [net field, VAT field, VAT in PLN field, rate label, percent]. */
const RATE_FIELDS: Array<[string, string | null, string | null, string, number | null]> = [
  ['P_13_1', 'P_14_1', 'P_14_1W', '23', 23],
  ['P_13_2', 'P_14_2', 'P_14_2W', '8', 8],
  ['P_13_3', 'P_14_3', 'P_14_3W', '5', 5],
  ['P_13_4', 'P_14_4', 'P_14_4W', '4', 4],
  ['P_13_5', 'P_14_5', null, 'oss', null],
  ['P_13_6_1', null, null, '0 KR', null],
  ['P_13_6_2', null, null, '0 WDT', null],
  ['P_13_6_3', null, null, '0 EX', null],
  ['P_13_7', null, null, 'zw', null],
  ['P_13_8', null, null, 'np I', null],
  ['P_13_9', null, null, 'np II', null],
  ['P_13_10', null, null, 'oo', null],
  ['P_13_11', null, null, 'marża', null]
]

const PAYMENT_FORMS: Record<string, string> = {
  1: 'gotówka',
  2: 'karta',
  3: 'bon',
  4: 'czek',
  5: 'kredyt',
  6: 'przelew',
  7: 'płatność mobilna'
}

export const INVOICE_KINDS: Record<string, string> = {
  VAT: 'Faktura',
  KOR: 'Faktura korygująca',
  ZAL: 'Faktura zaliczkowa',
  ROZ: 'Faktura rozliczeniowa',
  UPR: 'Faktura uproszczona',
  KOR_ZAL: 'Korekta faktury zaliczkowej',
  KOR_ROZ: 'Korekta faktury rozliczeniowej'
}

export interface PurchaseRate {
  rate: string
  net: number
  vat: number
  vatPln: number
}

interface PurchaseLine {
  number: string
  name: string
  unit: string
  /** as written in the file (decimal text), for display */
  quantity: string
  unitPrice: string
  /** true: the unit price and value are gross (P_9B/P_11A) */
  gross: boolean
  value: number | null
  rate: string
  before: boolean
}

interface PurchasePayment {
  paid: boolean
  paidOn: string | null
  dueDates: string[]
  form: string | null
  accounts: Array<{ number: string; bank: string | null }>
}

interface PurchaseCorrection {
  reason: string | null
  originals: Array<{ number: string; issueDate: string | null; ksefNumber: string | null }>
}

export interface ParsedPurchase {
  sellerNip: string | null
  sellerName: string | null
  sellerAddress: string | null
  buyerNip: string | null
  buyerName: string | null
  number: string | null
  kind: string | null
  issueDate: string | null
  saleDate: string | null
  currency: string
  /** KursWaluty of the lines (the rate the tax was computed at) when they all carry the same one */
  exchangeRate: string | null
  rates: PurchaseRate[]
  net: number
  vat: number
  vatPln: number | null
  gross: number | null
  lines: PurchaseLine[]
  payment: PurchasePayment | null
  splitPayment: boolean
  correction: PurchaseCorrection | null
}

export type ReadResult = { ok: true; invoice: ParsedPurchase; problems: string[] } | { ok: false; problems: string[] }

interface El {
  localName: string | null
  namespaceURI: string | null
  textContent: string | null
  childNodes: ArrayLike<unknown>
}

function children(parent: El | undefined, name: string): El[] {
  if (parent === undefined) return []
  const out: El[] = []
  for (let i = 0; i < parent.childNodes.length; i++) {
    const node = parent.childNodes[i] as El & { nodeType: number }
    if (node.nodeType === 1 && node.localName === name && node.namespaceURI === FA3_NAMESPACE) out.push(node)
  }
  return out
}

function child(parent: El | undefined, name: string): El | undefined {
  return children(parent, name)[0]
}

/** The text of a nested element, trimmed, control characters out, at most `max` characters. */
function textAt(parent: El | undefined, path: string[], max = 512): string | null {
  let node = parent
  for (const name of path) node = child(node, name)
  if (node === undefined) return null

  const value = (node.textContent ?? '').replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '').trim()
  return value === '' ? null : [...value].slice(0, max).join('')
}

const AMOUNT = /^(-)?(\d{1,18})(?:\.(\d{1,2}))?$/

/** TKwotowy to minor units; undefined when missing, null when it is not an amount, 'huge' beyond what we hold. */
function minor(text: string | null): number | null | undefined | 'huge' {
  if (text === null) return undefined
  const m = AMOUNT.exec(text)
  if (m === null) return null
  const value = BigInt(m[2]) * 100n + BigInt((m[3] ?? '').padEnd(2, '0'))
  if (value > BigInt(PLAUSIBLE_MAX) * 1000n) return 'huge'
  return m[1] === '-' ? -Number(value) : Number(value)
}

function decode(bytes: Buffer): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes)
  } catch {
    return null
  }
}

/** Parses the file and lists what is wrong with it (empty: it reads and adds up). */
export function readPurchaseFile(bytes: Buffer): ReadResult {
  const text = decode(bytes)
  if (text === null) return { ok: false, problems: ['Plik nie jest poprawnym tekstem UTF-8.'] }
  // FA(3) never has a DTD; one here could only be an attempt to expand entities
  if (/<!DOCTYPE|<!ENTITY/i.test(text))
    return {
      ok: false,
      problems: ['Plik zawiera deklarację DOCTYPE/ENTITY – niedozwoloną w FA(3); nie został odczytany.']
    }
  const errors: string[] = []
  const report = (message: unknown): void => {
    errors.push(String(message).split('\n')[0].slice(0, 200))
  }
  let doc: { documentElement: El | null } | undefined
  try {
    doc = new DOMParser({ errorHandler: { warning: () => {}, error: report, fatalError: report } }).parseFromString(
      text,
      'text/xml'
    ) as unknown as { documentElement: El | null }
  } catch (error) {
    report(error instanceof Error ? error.message : error)
  }
  if (doc === undefined || errors.length > 0 || doc.documentElement === null) {
    return {
      ok: false,
      problems: [`Plik nie jest poprawnym dokumentem XML${errors.length > 0 ? ` (${errors[0]})` : ''}.`]
    }
  }
  const root = doc.documentElement
  if (root.localName !== 'Faktura' || root.namespaceURI !== FA3_NAMESPACE) {
    return {
      ok: false,
      problems: ['Plik nie jest fakturą w strukturze FA(3) (inny element główny albo przestrzeń nazw).']
    }
  }
  const problems: string[] = []
  const p1 = child(root, 'Podmiot1')
  const p2 = child(root, 'Podmiot2')
  const fa = child(root, 'Fa')
  const currency = textAt(fa, ['KodWaluty'], 3) ?? 'PLN'
  if (!/^[A-Z]{3}$/.test(currency)) problems.push('Nieprawidłowy kod waluty.')

  let huge = false
  const amountAt = (parent: El | undefined, name: string, label: string): number | undefined => {
    const value = minor(textAt(parent, [name], 40))
    if (value === null) {
      problems.push(`Kwota ${label} (${name}) nie jest poprawną kwotą.`)
      return undefined
    }
    if (value === 'huge') {
      huge = true
      return undefined
    }
    return value
  }

  const rates: PurchaseRate[] = []
  for (const [netField, vatField, plnField, rate] of RATE_FIELDS) {
    const net = amountAt(fa, netField, `netto stawki ${rate}`)
    const vat = vatField === null ? undefined : amountAt(fa, vatField, `VAT stawki ${rate}`)
    const pln = plnField === null ? undefined : amountAt(fa, plnField, `VAT w złotych stawki ${rate}`)
    if (net === undefined && vat === undefined) continue
    const vatValue = vat ?? 0
    if (currency !== 'PLN' && vatValue !== 0 && pln === undefined)
      problems.push(`Faktura w walucie ${currency} nie podaje VAT stawki ${rate} w złotych (${plnField ?? 'P_14_xW'}).`)
    rates.push({ rate, net: net ?? 0, vat: vatValue, vatPln: currency === 'PLN' ? vatValue : (pln ?? 0) })
  }
  const gross = amountAt(fa, 'P_15', 'należności ogółem')
  const net = rates.reduce((s, r) => s + r.net, 0)
  const vat = rates.reduce((s, r) => s + r.vat, 0)
  const vatPln = rates.reduce((s, r) => s + r.vatPln, 0)

  const lines: PurchaseLine[] = children(fa, 'FaWiersz')
    .slice(0, 2000)
    .map((row, i) => {
      const grossPrice = textAt(row, ['P_9B'], 40)
      const grossValue = textAt(row, ['P_11A'], 40)
      const read = minor(grossValue ?? textAt(row, ['P_11'], 40))
      if (read === null) problems.push(`Wartość w wierszu ${i + 1} nie jest poprawną kwotą.`)
      if (read === 'huge') huge = true
      const value = read === 'huge' ? null : read
      return {
        number: textAt(row, ['NrWierszaFa'], 20) ?? String(i + 1),
        name: textAt(row, ['P_7']) ?? '',
        unit: textAt(row, ['P_8A'], 50) ?? '',
        quantity: textAt(row, ['P_8B'], 40) ?? '',
        unitPrice: grossPrice ?? textAt(row, ['P_9A'], 40) ?? '',
        gross: grossPrice !== null || grossValue !== null,
        value: value ?? null,
        rate: textAt(row, ['P_12'], 10) ?? '',
        before: textAt(row, ['StanPrzed'], 2) === '1'
      }
    })

  // a foreign-currency invoice carries its rate per line (KursWaluty); booking needs one rate
  const lineRates = new Set(
    children(fa, 'FaWiersz')
      .slice(0, 2000)
      .filter((row) => textAt(row, ['StanPrzed'], 2) !== '1')
      .map((row) => textAt(row, ['KursWaluty'], 20))
      .filter((r): r is string => r !== null)
  )
  const exchangeRate = currency !== 'PLN' && lineRates.size === 1 ? [...lineRates][0] : null

  const platnosc = child(fa, 'Platnosc')
  const payment: PurchasePayment | null =
    platnosc === undefined
      ? null
      : {
          paid: textAt(platnosc, ['Zaplacono'], 2) === '1',
          paidOn: textAt(platnosc, ['DataZaplaty'], 10),
          dueDates: children(platnosc, 'TerminPlatnosci')
            .map((t) => textAt(t, ['Termin'], 10))
            .filter((d): d is string => d !== null)
            .slice(0, 10),
          form:
            PAYMENT_FORMS[textAt(platnosc, ['FormaPlatnosci'], 2) ?? ''] ?? textAt(platnosc, ['OpisPlatnosci'], 256),
          accounts: children(platnosc, 'RachunekBankowy')
            .slice(0, 10)
            .map((r) => ({ number: textAt(r, ['NrRB'], 34) ?? '', bank: textAt(r, ['NazwaBanku'], 256) }))
        }

  const kind = textAt(fa, ['RodzajFaktury'], 10)
  const correction: PurchaseCorrection | null =
    kind !== null && kind.startsWith('KOR')
      ? {
          reason: textAt(fa, ['PrzyczynaKorekty'], 256),
          originals: children(fa, 'DaneFaKorygowanej')
            .slice(0, 50)
            .map((d) => ({
              number: textAt(d, ['NrFaKorygowanej'], 256) ?? '',
              issueDate: textAt(d, ['DataWystFaKorygowanej'], 10),
              ksefNumber: textAt(d, ['NrKSeFFaKorygowanej'], 36)
            }))
        }
      : null

  const address = (party: El | undefined): string | null => {
    const a = child(party, 'Adres')
    const parts = [textAt(a, ['AdresL1']), textAt(a, ['AdresL2'])].filter((p): p is string => p !== null)
    return parts.length === 0 ? null : parts.join(', ')
  }
  const invoice: ParsedPurchase = {
    sellerNip: textAt(p1, ['DaneIdentyfikacyjne', 'NIP'], 10),
    sellerName: textAt(p1, ['DaneIdentyfikacyjne', 'Nazwa']),
    sellerAddress: address(p1),
    buyerNip: textAt(p2, ['DaneIdentyfikacyjne', 'NIP'], 10),
    buyerName: textAt(p2, ['DaneIdentyfikacyjne', 'Nazwa']),
    number: textAt(fa, ['P_2'], 256),
    kind,
    issueDate: textAt(fa, ['P_1'], 10),
    saleDate: textAt(fa, ['P_6'], 10),
    currency,
    exchangeRate,
    rates,
    net,
    vat,
    vatPln: currency === 'PLN' || rates.every((r) => r.vat === 0 || r.vatPln !== 0) ? vatPln : null,
    gross: gross ?? null,
    lines,
    payment,
    splitPayment: textAt(fa, ['Adnotacje', 'P_18A'], 2) === '1',
    correction
  }
  if (huge) problems.push('Kwoty na fakturze są nieprawdopodobnie wysokie (ponad 100 mln zł).')
  if (gross === undefined && child(fa, 'P_15') === undefined) problems.push('Brak kwoty należności ogółem (P_15).')
  for (const p of plausibilityProblems(invoice)) if (!problems.includes(p)) problems.push(p)
  return { ok: true, invoice, problems }
}

/** What does not add up in a file that did parse. Sentences in Polish. */
function plausibilityProblems(invoice: ParsedPurchase): string[] {
  const problems: string[] = []
  if (invoice.sellerNip === null || !isValidNip(invoice.sellerNip))
    problems.push('NIP sprzedawcy jest nieprawidłowy albo go brak.')
  if (invoice.sellerName === null) problems.push('Brak nazwy sprzedawcy.')
  if (invoice.number === null) problems.push('Brak numeru faktury (P_2).')
  if (invoice.issueDate === null || !isIsoDate(invoice.issueDate))
    problems.push('Brak poprawnej daty wystawienia (P_1).')
  if (invoice.saleDate !== null && !isIsoDate(invoice.saleDate)) problems.push('Data sprzedaży (P_6) jest niepoprawna.')
  if (invoice.kind === null || !(invoice.kind in INVOICE_KINDS))
    problems.push('Nieznany rodzaj faktury (RodzajFaktury).')
  const amounts = [
    invoice.gross ?? 0,
    ...invoice.rates.flatMap((r) => [r.net, r.vat, r.vatPln]),
    ...invoice.lines.map((l) => l.value ?? 0)
  ]
  if (amounts.some((a) => Math.abs(a) > PLAUSIBLE_MAX))
    problems.push('Kwoty na fakturze są nieprawdopodobnie wysokie (ponad 100 mln zł).')
  // P_15 is the sum of the per-rate net and VAT (for a correction: of the differences)
  if (invoice.gross !== null && invoice.rates.length > 0 && invoice.net + invoice.vat !== invoice.gross) {
    problems.push('Suma netto i VAT według stawek nie równa się kwocie należności ogółem (P_15).')
  }
  for (const r of invoice.rates) {
    const percent = RATE_FIELDS.find((f) => f[3] === r.rate)?.[4] ?? null
    if (percent === null || r.rate === '4') continue
    const linesInRate = invoice.lines.filter(
      (l) => l.rate === r.rate || (r.rate === '23' && l.rate === '22') || (r.rate === '8' && l.rate === '7')
    ).length
    // VAT per line or per rate, rounded to the grosz: a grosz per line of difference at most
    const tolerance = Math.max(1, linesInRate)
    const expected = Math.round((r.net * percent) / 100)
    const expectedAlt =
      percent === 23 ? Math.round((r.net * 22) / 100) : percent === 8 ? Math.round((r.net * 7) / 100) : expected
    if (Math.abs(r.vat - expected) > tolerance && Math.abs(r.vat - expectedAlt) > tolerance)
      problems.push(
        `VAT stawki ${r.rate} (${formatDecimal(r.vat)}) nie odpowiada kwocie netto ${formatDecimal(r.net)}.`
      )
  }
  return problems
}
