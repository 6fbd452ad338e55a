// The XML of the JPK files, element by element in schema order. Pure.
import { element, leaf, renderDocument, tokenText, type XmlElement } from '../shared/xml.ts'
import { formatDecimal } from '../shared/money.ts'
import { orderedSalesFields, type Controls, type Declaration, type PurchaseRow, type SalesRow } from './jpk-v7.ts'

const NAMESPACES = {
  V7M: 'http://crd.gov.pl/wzor/2025/12/19/14090/',
  V7K: 'http://crd.gov.pl/wzor/2025/12/19/14089/',
  PKPIR: 'http://jpk.mf.gov.pl/wzor/2024/10/30/10302/',
  EWP: 'http://jpk.mf.gov.pl/wzor/2024/10/30/10301/'
} as const

const ETD_V7 = 'http://crd.gov.pl/xml/schematy/dziedzinowe/mf/2022/09/13/eD/DefinicjeTypy/'
const ETD_2022 = 'http://crd.gov.pl/xml/schematy/dziedzinowe/mf/2022/01/05/eD/DefinicjeTypy/'

const SYSTEM_NAME = 'Biurko'

export interface Taxpayer {
  kind: 'fizyczna' | 'niefizyczna'
  nip: string
  fullName: string
  firstName: string
  lastName: string
  birthDate: string
  email: string
  phone: string
  taxOfficeCode: string
}

/** Why the header cannot be written, in Polish, for USTAWIENIA » Firma. */
export function taxpayerProblems(taxpayer: Taxpayer, emailRequired: boolean): string[] {
  const problems: string[] = []
  if (!/^\d{4}$/.test(taxpayer.taxOfficeCode))
    problems.push('Wybierz urząd skarbowy w USTAWIENIA » Firma (dane do plików JPK).')
  if (taxpayer.kind === 'fizyczna') {
    if (
      tokenText(taxpayer.firstName) === '' ||
      tokenText(taxpayer.lastName) === '' ||
      !/^\d{4}-\d{2}-\d{2}$/.test(taxpayer.birthDate)
    ) {
      problems.push('Uzupełnij imię, nazwisko i datę urodzenia podatnika w USTAWIENIA » Firma (dane do plików JPK).')
    }
  }
  if (emailRequired && !/^\S+@\S+$/.test(taxpayer.email))
    problems.push('Uzupełnij adres e-mail firmy w USTAWIENIA » Firma – JPK_V7 go wymaga.')
  return problems
}

/** Generation time as the schemas want it: UTC, whole seconds. */
function generatedAt(iso: string): string {
  return new Date(iso).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

const text = (name: string, value: string, max: number) => leaf(name, [...tokenText(value)].slice(0, max).join(''))
const amount = (name: string, grosze: number) => leaf(name, formatDecimal(grosze))

function subject(taxpayer: Taxpayer, emailRequired: boolean, extra: XmlElement[] = []): XmlElement {
  const phone = tokenText(taxpayer.phone)
  const contact = [
    taxpayer.email !== '' || emailRequired ? text('Email', taxpayer.email, 255) : null,
    phone !== '' && [...phone].length <= 16 ? leaf('Telefon', phone) : null
  ]
  const person =
    taxpayer.kind === 'fizyczna'
      ? element(
          'OsobaFizyczna',
          leaf('etd:NIP', taxpayer.nip),
          text('etd:ImiePierwsze', taxpayer.firstName, 30),
          text('etd:Nazwisko', taxpayer.lastName, 81),
          leaf('etd:DataUrodzenia', taxpayer.birthDate),
          contact
        )
      : element('OsobaNiefizyczna', leaf('NIP', taxpayer.nip), text('PelnaNazwa', taxpayer.fullName, 240), contact)
  return { name: 'Podmiot1', attributes: { rola: 'Podatnik' }, children: [person, ...extra] }
}

function markerElement(marker: SalesRow['marker']): XmlElement {
  return marker.kind === 'NrKSeF' ? leaf('NrKSeF', marker.number) : leaf(marker.kind, 1)
}

function counterparty(
  row: { countryCode: string | null; counterpartyId: string; counterpartyName: string },
  idName: string,
  nameName: string
): XmlElement[] {
  return [
    ...(row.countryCode ? [leaf('KodKrajuNadaniaTIN', row.countryCode)] : []),
    text(idName, row.counterpartyId, 50),
    text(nameName, row.counterpartyName, 512)
  ]
}

export interface V7File {
  variant: 'V7M' | 'V7K'
  purpose: 1 | 2
  generatedAt: string
  year: number
  month: number
  taxpayer: Taxpayer
  /** null for V7K files of the first two months of a quarter */
  declaration: Declaration | null
  quarter: number | null
  correctionReason: string | null
  sales: SalesRow[]
  purchases: PurchaseRow[]
  controls: Controls
}

/** Declaration fields in schema order; pairs go together, zero singles are left out. */
const DECLARATION_ORDER: Array<string | [string, string]> = [
  'P_10',
  'P_11',
  'P_13',
  ['P_15', 'P_16'],
  ['P_17', 'P_18'],
  ['P_19', 'P_20'],
  'P_21',
  'P_22',
  'P_37!',
  'P_38!',
  'P_39',
  ['P_40', 'P_41'],
  ['P_42', 'P_43'],
  'P_48!',
  'P_51!',
  'P_53'
]

function declarationFields(fields: Record<string, number>): XmlElement[] {
  const out: XmlElement[] = []
  for (const entry of DECLARATION_ORDER) {
    if (Array.isArray(entry)) {
      const [a, b] = entry
      if ((fields[a] ?? 0) !== 0 || (fields[b] ?? 0) !== 0) out.push(leaf(a, fields[a] ?? 0), leaf(b, fields[b] ?? 0))
    } else {
      const always = entry.endsWith('!')
      const name = entry.replace('!', '')
      if (always || (fields[name] ?? 0) !== 0) out.push(leaf(name, fields[name] ?? 0))
    }
  }
  return out
}

/** P_54, its term, and P_59–P_61 when part of it is credited (the schema's sequence after P_53). */
function refundFields(declaration: Declaration): XmlElement[] {
  const refund = declaration.refund
  if (!refund) return []
  return [
    leaf('P_54', refund.amount),
    leaf(refund.term, 1),
    ...(refund.offset
      ? [leaf('P_59', 1), leaf('P_60', refund.offset.amount), text('P_61', refund.offset.liability, 240)]
      : [])
  ]
}

export function v7Xml(file: V7File): string {
  const monthly = file.variant === 'V7M'
  const header = element(
    'Naglowek',
    {
      name: 'KodFormularza',
      attributes: { kodSystemowy: `JPK_${file.variant} (3)`, wersjaSchemy: '1-0E' },
      text: 'JPK_VAT'
    },
    leaf('WariantFormularza', 3),
    leaf('DataWytworzeniaJPK', generatedAt(file.generatedAt)),
    leaf('NazwaSystemu', SYSTEM_NAME),
    { name: 'CelZlozenia', attributes: { poz: 'P_7' }, text: String(file.purpose) },
    leaf('KodUrzedu', file.taxpayer.taxOfficeCode),
    leaf('Rok', file.year),
    leaf('Miesiac', file.month)
  )

  const declaration =
    file.declaration &&
    element(
      'Deklaracja',
      element(
        'Naglowek',
        {
          name: 'KodFormularzaDekl',
          attributes: {
            kodSystemowy: monthly ? 'VAT-7 (23)' : 'VAT-7K (17)',
            kodPodatku: 'VAT',
            rodzajZobowiazania: 'Z',
            wersjaSchemy: '1-0E'
          },
          text: monthly ? 'VAT-7' : 'VAT-7K'
        },
        leaf('WariantFormularzaDekl', monthly ? 23 : 17),
        !monthly && file.quarter !== null ? leaf('Kwartal', file.quarter) : null
      ),
      element(
        'PozycjeSzczegolowe',
        declarationFields(file.declaration.fields),
        refundFields(file.declaration),
        (file.declaration.fields.P_62 ?? 0) !== 0 ? leaf('P_62', file.declaration.fields.P_62) : null,
        file.purpose === 2 && file.correctionReason
          ? leaf('P_ORDZU', [...file.correctionReason.trim()].slice(0, 3500).join(''))
          : null
      ),
      leaf('Pouczenia', 1)
    )

  const sales = file.sales.map((row) =>
    element(
      'SprzedazWiersz',
      leaf('LpSprzedazy', row.lp),
      counterparty(row, 'NrKontrahenta', 'NazwaKontrahenta'),
      text('DowodSprzedazy', row.documentNumber, 256),
      leaf('DataWystawienia', row.issueDate),
      row.saleDate ? leaf('DataSprzedazy', row.saleDate) : null,
      markerElement(row.marker),
      row.documentMark ? leaf('TypDokumentu', row.documentMark) : null,
      row.gtu.map((code) => leaf(code, 1)),
      row.procedures.map((mark) => leaf(mark, 1)),
      orderedSalesFields(row.fields).map(([name, value]) => amount(name, value))
    )
  )

  const purchases = file.purchases.map((row) =>
    element(
      'ZakupWiersz',
      leaf('LpZakupu', row.lp),
      counterparty(row, 'NrDostawcy', 'NazwaDostawcy'),
      text('DowodZakupu', row.documentNumber, 256),
      leaf('DataZakupu', row.purchaseDate),
      row.receivedDate ? leaf('DataWplywu', row.receivedDate) : null,
      markerElement(row.marker),
      ['K_40', 'K_41', 'K_42', 'K_43']
        .filter((name) => name in row.fields)
        .map((name) => amount(name, row.fields[name]))
    )
  )

  const records = element(
    'Ewidencja',
    sales,
    element(
      'SprzedazCtrl',
      leaf('LiczbaWierszySprzedazy', file.controls.salesCount),
      amount('PodatekNalezny', file.controls.outputVat)
    ),
    purchases,
    element(
      'ZakupCtrl',
      leaf('LiczbaWierszyZakupow', file.controls.purchaseCount),
      amount('PodatekNaliczony', file.controls.inputVat)
    )
  )

  const root: XmlElement = {
    name: 'JPK',
    attributes: { xmlns: NAMESPACES[file.variant], 'xmlns:etd': ETD_V7 },
    children: [header, subject(file.taxpayer, true), ...(declaration ? [declaration] : []), records]
  }
  return renderDocument(root)
}

// ---------- annual files ----------

interface AnnualHeader {
  purpose: 1 | 2
  generatedAt: string
  year: number
  taxpayer: Taxpayer
  /** Podmiot1/Kasowy_PIT: the taxpayer settles PIT by the cash method (company setting) */
  pitCashMethod: boolean
}

const kasowyPit = (h: AnnualHeader): XmlElement[] => (h.pitCashMethod ? [leaf('Kasowy_PIT', 1)] : [])

function annualHeader(code: 'JPK_PKPIR' | 'JPK_EWP', system: string, variant: number, h: AnnualHeader): XmlElement {
  return element(
    'Naglowek',
    { name: 'KodFormularza', attributes: { kodSystemowy: system, wersjaSchemy: '1-0' }, text: code },
    leaf('WariantFormularza', variant),
    leaf('CelZlozenia', h.purpose),
    leaf('DataWytworzeniaJPK', generatedAt(h.generatedAt)),
    leaf('DataOd', `${h.year}-01-01`),
    leaf('DataDo', `${h.year}-12-31`),
    leaf('KodUrzedu', h.taxpayer.taxOfficeCode)
  )
}

export interface PkpirRow {
  lp: number
  eventDate: string
  documentNumber: string
  ksefNumber: string | null
  countryCode: string | null
  taxId: string | null
  name: string
  address: string
  description: string
  /** K_7 … K_15 in grosze, only the columns the row has */
  columns: Record<string, number>
  remarks: string
}

export interface PkpirFile extends AnnualHeader {
  stockStart: number
  stockEnd: number
  costs: number
  income: number
  counts: Array<{ date: string; value: number }>
  rows: PkpirRow[]
  revenueTotal: number
}

const PKPIR_COLUMNS = ['K_7', 'K_8', 'K_9', 'K_10', 'K_11', 'K_12', 'K_13', 'K_14', 'K_15']

export function pkpirXml(file: PkpirFile): string {
  const rows = file.rows.map((row) =>
    element(
      'PKPIRWiersz',
      leaf('K_1', row.lp),
      leaf('K_2', row.eventDate),
      text('K_3A', row.documentNumber, 256),
      row.ksefNumber ? leaf('K_3B', row.ksefNumber) : null,
      row.taxId && row.countryCode ? leaf('K_4A', row.countryCode) : null,
      row.taxId ? text('K_4B', row.taxId, 50) : null,
      text('K_5A', row.name, 256),
      text('K_5B', row.address, 256),
      text('K_6', row.description, 256),
      PKPIR_COLUMNS.filter((c) => c in row.columns).map((c) => amount(c, row.columns[c])),
      tokenText(row.remarks) !== '' ? text('K_17', row.remarks, 256) : null
    )
  )
  const root: XmlElement = {
    name: 'JPK',
    attributes: { xmlns: NAMESPACES.PKPIR, 'xmlns:etd': ETD_2022 },
    children: [
      annualHeader('JPK_PKPIR', 'JPK_PKPIR (3)', 3, file),
      subject(file.taxpayer, false, kasowyPit(file)),
      element(
        'PKPIRInfo',
        amount('P_1', file.stockStart),
        amount('P_2', file.stockEnd),
        amount('P_3', file.costs),
        amount('P_4', file.income)
      ),
      ...file.counts.map((c) => element('PKPIRSpis', leaf('P_5A', c.date), amount('P_5B', c.value))),
      ...rows,
      element('PKPIRCtrl', leaf('LiczbaWierszy', file.rows.length), amount('SumaPrzychodow', file.revenueTotal))
    ]
  }
  return renderDocument(root)
}

export interface EwpRow {
  lp: number
  entryDate: string
  revenueDate: string
  documentNumber: string
  ksefNumber: string | null
  countryCode: string | null
  taxId: string | null
  amount: number
  /** the schema's rate text: '3', '8.5', '12.5' … */
  rate: string
  remarks: string
}

export interface EwpFile extends AnnualHeader {
  rows: EwpRow[]
  revenueTotal: number
}

export function ewpXml(file: EwpFile): string {
  const rows = file.rows.map((row) =>
    element(
      'EWPWiersz',
      leaf('K_1', row.lp),
      leaf('K_2', row.entryDate),
      leaf('K_3', row.revenueDate),
      text('K_4', row.documentNumber, 256),
      row.ksefNumber ? leaf('K_5', row.ksefNumber) : null,
      row.taxId && row.countryCode ? leaf('K_6', row.countryCode) : null,
      row.taxId ? text('K_7', row.taxId, 50) : null,
      amount('K_8', row.amount),
      leaf('K_9', row.rate),
      tokenText(row.remarks) !== '' ? text('K_10', row.remarks, 256) : null
    )
  )
  const root: XmlElement = {
    name: 'JPK',
    attributes: { xmlns: NAMESPACES.EWP, 'xmlns:etd': ETD_2022 },
    children: [
      annualHeader('JPK_EWP', 'JPK_EWP (4)', 4, file),
      subject(file.taxpayer, false, kasowyPit(file)),
      ...rows,
      element('EWPCtrl', leaf('LiczbaWierszy', file.rows.length), amount('SumaPrzychodow', file.revenueTotal))
    ]
  }
  return renderDocument(root)
}

// ---------- a filed JPK_V7 against today's registers ----------

const UNESCAPE: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&apos;': "'" }
const unescapeXml = (s: string) => s.replace(/&(?:amp|lt|gt|quot|apos);/g, (e) => UNESCAPE[e])

/** The text of the first element of that name in the file (our own files: no prefixes, no attributes on these). */
function leafText(xml: string, name: string): string | null {
  const m = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)
  return m ? unescapeXml(m[1]) : null
}

/** What the user typed for a filed file: P_39 and the refund, read back from its declaration part. */
export function filedV7Options(xml: string): { carried: number | null; refund: Declaration['refund'] } {
  const decl = /<PozycjeSzczegolowe>([\s\S]*?)<\/PozycjeSzczegolowe>/.exec(xml)?.[1]
  if (!decl) return { carried: null, refund: null }
  const num = (name: string) => {
    const v = leafText(decl, name)
    return v === null ? null : Number(v)
  }
  const amount = num('P_54')
  const term = (['P_540', 'P_55', 'P_56', 'P_560', 'P_58'] as const).find((t) => num(t) === 1)
  const offset = num('P_60')
  return {
    carried: num('P_39') ?? 0,
    refund:
      amount !== null && term
        ? { amount, term, offset: offset !== null ? { amount: offset, liability: leafText(decl, 'P_61') ?? '' } : null }
        : null
  }
}

/** The file without what changes on every build or is the filing's own: generation time, purpose, reason. */
function comparable(xml: string): string {
  return xml
    .replace(/\s*<DataWytworzeniaJPK>[^<]*<\/DataWytworzeniaJPK>/, '')
    .replace(/\s*<CelZlozenia[^>]*>[^<]*<\/CelZlozenia>/, '')
    .replace(/\s*<P_ORDZU>[^<]*<\/P_ORDZU>/, '')
}

const rowsOf = (xml: string, row: string, key: string) => {
  const out = new Map<string, string>()
  for (const m of xml.matchAll(new RegExp(`<${row}>([\\s\\S]*?)</${row}>`, 'g'))) {
    const id = leafText(m[1], key) ?? ''
    // the Lp. follows the row's place; a row that only moved is not a change
    out.set(out.has(id) ? `${id} (${out.size})` : id, m[1].replace(/<Lp\w+>\d+<\/Lp\w+>/, ''))
  }
  return out
}

const declarationOf = (xml: string) => {
  const decl = /<PozycjeSzczegolowe>([\s\S]*?)<\/PozycjeSzczegolowe>/.exec(xml)?.[1] ?? ''
  const out = new Map<string, string>()
  for (const m of decl.matchAll(/<(P_\d+)>([^<]*)<\/P_\d+>/g)) out.set(m[1], unescapeXml(m[2]))
  return out
}

/**
 * How the file built today differs from the filed one, in Polish; empty when only the
 * generation time, purpose and reason would differ. Rows are matched by document number.
 */
export function v7Differences(filed: string, current: string): string[] {
  if (comparable(filed) === comparable(current)) return []
  const out: string[] = []
  for (const [row, key, what] of [
    ['SprzedazWiersz', 'DowodSprzedazy', 'sprzedaży'],
    ['ZakupWiersz', 'DowodZakupu', 'zakupu']
  ] as const) {
    const before = rowsOf(filed, row, key)
    const after = rowsOf(current, row, key)
    for (const [id, content] of after) {
      if (!before.has(id)) out.push(`${id}: nowy wiersz ewidencji ${what}`)
      else if (before.get(id) !== content) out.push(`${id}: zmieniony wiersz ewidencji ${what}`)
    }
    for (const id of before.keys()) if (!after.has(id)) out.push(`${id}: wiersza ewidencji ${what} już nie ma`)
  }
  const before = declarationOf(filed)
  const after = declarationOf(current)
  for (const name of [...new Set([...before.keys(), ...after.keys()])].sort(
    (a, b) => Number(a.slice(2)) - Number(b.slice(2))
  )) {
    if (before.get(name) !== after.get(name))
      out.push(`${name}: ${before.get(name) ?? 'brak'} → ${after.get(name) ?? 'brak'}`)
  }
  if (out.length === 0) out.push('Zmieniły się dane nagłówka lub podatnika.')
  return out
}
