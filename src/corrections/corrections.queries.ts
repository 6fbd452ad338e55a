// Reading corrections: where an invoice's lines stand after its corrections, what a correction
// changed (for its page, PDF and FA(3) file), the goods it returns, and what blocks cancelling.
// Read-only and free of the documents feature's modules, so they can all call it.
import type { Selectable } from 'kysely'
import type { Queryable } from '../db/database.ts'
import { formatDate } from '../shared/dates.ts'
import { monthLabel } from '../ledger/ledger.ts'
import type { DocumentLines, Documents } from '../db/schema.gen.ts'
import { isVatRate, splitGross, type VatRate, type VatTotal } from '../shared/vat.ts'
import { amountInWords } from '../shared/amount-in-words.ts'
import {
  figuresDifference,
  isCorrectable,
  lineFigures,
  settlementLabel,
  type BeforeAfterRow,
  type LineState
} from './correction.ts'
import { documentTypeLabel } from '../shared/document-types.ts'

export interface CorrectionSummary {
  id: number
  number: string
  issueDate: string
  status: string
  totalGross: number
  currency: string
  reason: string
}

/** The issued corrections of an invoice, oldest first; cancelled ones are not part of its state. */
async function activeCorrections(
  db: Queryable,
  originalId: number
): Promise<Array<{ correctionId: number; documentId: number; number: string }>> {
  const rows = await db
    .selectFrom('corrections as c')
    .innerJoin('documents as d', 'd.id', 'c.document_id')
    .select(['c.id as correctionId', 'd.id as documentId', 'd.number'])
    .where('c.original_document_id', '=', originalId)
    .where('d.status', '=', 'issued')
    .orderBy('c.id')
    .execute()
  return rows
}

function asKind(kind: string): LineState['kind'] {
  return kind === 'service' || kind === 'delivery' ? kind : 'item'
}

export interface InvoiceState {
  lines: LineState[]
  /** per rate: the invoice's totals plus every issued correction's differences */
  declared: VatTotal[]
  latestCorrectionId: number | null
}

/** Every line of the invoice as the issued corrections left it, and the per-rate totals stated so far. */
export async function invoiceState(db: Queryable, originalId: number): Promise<InvoiceState> {
  const [originalLines, corrected, corrections] = await Promise.all([
    db
      .selectFrom('document_lines')
      .selectAll()
      .where('document_id', '=', originalId)
      .orderBy('position')
      .orderBy('id')
      .execute(),
    db
      .selectFrom('correction_lines as cl')
      .innerJoin('corrections as c', 'c.id', 'cl.correction_id')
      .innerJoin('documents as d', 'd.id', 'c.document_id')
      .innerJoin('document_lines as after', 'after.id', 'cl.document_line_id')
      .select(['cl.original_line_id', 'after.quantity_milli', 'after.unit_price_gross', 'after.gross'])
      .where('c.original_document_id', '=', originalId)
      .where('d.status', '=', 'issued')
      .orderBy('c.id')
      .execute(),
    activeCorrections(db, originalId)
  ])
  const latest = new Map(corrected.map((row) => [row.original_line_id, row]))
  const lines: LineState[] = originalLines.map((line) => {
    const now = latest.get(line.id)
    return {
      originalLineId: line.id,
      position: line.position,
      kind: asKind(line.kind),
      name: line.name,
      unit: line.unit,
      vatRate: isVatRate(line.vat_rate) ? line.vat_rate : 'zw',
      quantityMilli: now?.quantity_milli ?? line.quantity_milli,
      unitPriceGross: now?.unit_price_gross ?? line.unit_price_gross,
      gross: now?.gross ?? line.gross
    }
  })
  const documentIds = [originalId, ...corrections.map((c) => c.documentId)]
  const totals = await db
    .selectFrom('document_vat_totals')
    .select([
      'vat_rate',
      (eb) => eb.fn.sum<number>('net').as('net'),
      (eb) => eb.fn.sum<number>('vat').as('vat'),
      (eb) => eb.fn.sum<number>('gross').as('gross')
    ])
    .where('document_id', 'in', documentIds)
    .groupBy('vat_rate')
    .execute()
  const declared = totals
    .filter((row): row is typeof row & { vat_rate: VatRate } => isVatRate(row.vat_rate))
    .map((row) => ({ vatRate: row.vat_rate, net: Number(row.net), vat: Number(row.vat), gross: Number(row.gross) }))
  return { lines, declared, latestCorrectionId: corrections.at(-1)?.correctionId ?? null }
}

// For the document's page and PDF -------------------------------------------------------------

export interface CorrectionForOutput {
  reason: string
  original: {
    id: number
    type: string
    typeLabel: string
    number: string
    issueDate: string
    saleDate: string
    ksefNumber: string | null
  }
  rows: BeforeAfterRow[]
  /** the difference as the buyer sees it: "Do zwrotu 124,49 zł" */
  settlement: { label: string; amount: number; words: string }
  /** when it is settled (art. 29a): FA(3) TypKorekty and the month it is booked in; null before issue 14 */
  period: { effect: 1 | 2 | 3; month: string; text: string } | null
}

export interface CorrectionInfo {
  /** for a correction: what it corrects and how */
  correction: CorrectionForOutput | null
  /** for an invoice: its corrections, cancelled ones included */
  corrections: CorrectionSummary[]
  /** whether a correction may be issued for this document now */
  correctable: boolean
}

export async function correctionInfo(
  db: Queryable,
  doc: Pick<Selectable<Documents>, 'id' | 'type' | 'status' | 'total_gross' | 'currency'>
): Promise<CorrectionInfo> {
  if (doc.type === 'korekta')
    return { correction: await correctionForOutput(db, doc), corrections: [], correctable: false }
  if (!isCorrectable({ type: doc.type, status: 'issued' }))
    return { correction: null, corrections: [], correctable: false }
  return { correction: null, corrections: await correctionsOfInvoice(db, doc.id), correctable: isCorrectable(doc) }
}

export async function correctionsOfInvoice(db: Queryable, originalId: number): Promise<CorrectionSummary[]> {
  const rows = await db
    .selectFrom('corrections as c')
    .innerJoin('documents as d', 'd.id', 'c.document_id')
    .select(['d.id', 'd.number', 'd.issue_date', 'd.status', 'd.total_gross', 'd.currency', 'c.reason'])
    .where('c.original_document_id', '=', originalId)
    .orderBy('c.id')
    .execute()
  return rows.map((row) => ({
    id: row.id,
    number: row.number,
    issueDate: row.issue_date,
    status: row.status,
    totalGross: row.total_gross,
    currency: row.currency,
    reason: row.reason
  }))
}

async function correctionForOutput(
  db: Queryable,
  doc: Pick<Selectable<Documents>, 'id' | 'total_gross' | 'currency'>
): Promise<CorrectionForOutput | null> {
  const correction = await db
    .selectFrom('corrections as c')
    .innerJoin('documents as o', 'o.id', 'c.original_document_id')
    .innerJoin('documents as k', 'k.id', 'c.document_id')
    .select([
      'c.id',
      'c.reason',
      'c.effect',
      'c.settlement',
      'k.settlement_date',
      'o.id as original_id',
      'o.type',
      'o.number',
      'o.issue_date',
      'o.sale_date',
      'o.ksef_number'
    ])
    .where('c.document_id', '=', doc.id)
    .executeTakeFirst()
  if (!correction) return null
  const lines = await db
    .selectFrom('correction_lines as cl')
    .innerJoin('document_lines as after', 'after.id', 'cl.document_line_id')
    .innerJoin('document_lines as ol', 'ol.id', 'cl.original_line_id')
    // numbered as on the corrected invoice, so each row is easy to find there
    .select([
      'ol.position',
      'after.name',
      'after.unit',
      'after.vat_rate',
      'after.quantity_milli',
      'after.unit_price_gross',
      'after.gross',
      'cl.quantity_before_milli',
      'cl.unit_price_gross_before',
      'cl.gross_before'
    ])
    .where('cl.correction_id', '=', correction.id)
    .orderBy('after.position')
    .execute()
  const rows = lines.map((line): BeforeAfterRow => {
    const rate: VatRate = isVatRate(line.vat_rate) ? line.vat_rate : 'zw'
    const before = lineFigures(line.quantity_before_milli, line.unit_price_gross_before, line.gross_before, rate)
    const after = lineFigures(line.quantity_milli, line.unit_price_gross, line.gross, rate)
    return {
      position: line.position,
      name: line.name,
      unit: line.unit,
      vatRate: line.vat_rate,
      before,
      after,
      difference: figuresDifference(before, after)
    }
  })
  const amount = Math.abs(doc.total_gross)
  return {
    reason: correction.reason,
    original: {
      id: correction.original_id,
      type: correction.type,
      typeLabel: documentTypeLabel(correction.type),
      number: correction.number,
      issueDate: correction.issue_date,
      saleDate: correction.sale_date,
      ksefNumber: correction.ksef_number
    },
    rows,
    settlement: { label: settlementLabel(doc.total_gross), amount, words: amountInWords(amount, doc.currency) },
    period: settlementPeriod(correction.effect, correction.settlement, correction.settlement_date)
  }
}

const EFFECT_TEXT: Record<1 | 2 | 3, string> = {
  1: 'w okresie faktury pierwotnej',
  2: 'w okresie wystawienia korekty',
  3: 'w innym okresie'
}

function settlementPeriod(
  effect: number | null,
  settlement: string | null,
  date: string | null
): CorrectionForOutput['period'] {
  if ((effect !== 1 && effect !== 2 && effect !== 3) || date === null) return null
  const month = date.slice(0, 7)
  const why =
    settlement === 'dokumentacja'
      ? `, po uzyskaniu dokumentacji uzgodnienia z nabywcą ${formatDate(date)} (art. 29a ust. 13)`
      : settlement === 'przyczyna'
        ? `, gdy powstała przyczyna zwiększenia ${formatDate(date)} (art. 29a ust. 17)`
        : settlement === 'pierwotny'
          ? ' – przyczyna istniała w chwili sprzedaży (art. 29a ust. 17)'
          : settlement === 'wystawienie'
            ? ' (art. 29a ust. 13)'
            : ''
  return { effect, month, text: `${EFFECT_TEXT[effect]}: ${monthLabel(month)}${why}` }
}

// For FA(3) ------------------------------------------------------------------------------------

/**
 * What src/ksef/fa3-documents.ts needs besides the correction's own rows: the original invoice
 * and the corrected lines as they stood before this correction (the original line with the
 * before-values). Null when the document has no correction record.
 */
export async function correctedRowsForFa3(
  db: Queryable,
  correctionDocumentId: number
): Promise<{
  original: Selectable<Documents>
  linesBefore: Array<Selectable<DocumentLines>>
  reason: string
  effect: 1 | 2 | 3 | null
} | null> {
  const correction = await db
    .selectFrom('corrections')
    .selectAll()
    .where('document_id', '=', correctionDocumentId)
    .executeTakeFirst()
  if (!correction) return null
  const [original, rows] = await Promise.all([
    db.selectFrom('documents').selectAll().where('id', '=', correction.original_document_id).executeTakeFirstOrThrow(),
    db
      .selectFrom('correction_lines as cl')
      .innerJoin('document_lines as after', 'after.id', 'cl.document_line_id')
      .innerJoin('document_lines as ol', 'ol.id', 'cl.original_line_id')
      .selectAll('ol')
      .select([
        'after.position as after_position',
        'cl.quantity_before_milli',
        'cl.unit_price_gross_before',
        'cl.gross_before'
      ])
      .where('cl.correction_id', '=', correction.id)
      .orderBy('after.position')
      .execute()
  ])
  const linesBefore = rows.map(
    ({
      after_position: position,
      quantity_before_milli: quantity,
      unit_price_gross_before: price,
      gross_before: gross,
      ...line
    }) => {
      const amounts = isVatRate(line.vat_rate) ? splitGross(gross, line.vat_rate) : { net: gross, vat: 0, gross }
      return {
        ...line,
        position,
        quantity_milli: quantity,
        unit_price_gross: price,
        net: amounts.net,
        vat: amounts.vat,
        gross
      }
    }
  )
  // TypKorekty as decided at issue; corrections from before it was recorded carry none (it is optional)
  const effect =
    correction.effect === 1 || correction.effect === 2 || correction.effect === 3 ? correction.effect : null
  return { original, linesBefore, reason: correction.reason, effect }
}

// Cancelling -----------------------------------------------------------------------------------

/**
 * Corrections build on each other, so only the latest issued correction of an invoice may be
 * cancelled, and an invoice only once none of its corrections is issued. Null when allowed.
 */
export async function correctionCancelBlocker(db: Queryable, documentId: number): Promise<string | null> {
  const doc = await db.selectFrom('documents').select(['id', 'type']).where('id', '=', documentId).executeTakeFirst()
  if (!doc) return null
  if (doc.type === 'korekta') {
    const own = await db
      .selectFrom('corrections')
      .select(['id', 'original_document_id'])
      .where('document_id', '=', documentId)
      .executeTakeFirst()
    if (!own) return null
    const later = (await activeCorrections(db, own.original_document_id)).filter((c) => c.correctionId > own.id)
    if (later.length === 0) return null
    return `Po tej korekcie wystawiono kolejną (${later.map((c) => c.number).join(', ')}) – najpierw anuluj późniejszą korektę.`
  }
  const issued = await activeCorrections(db, documentId)
  if (issued.length === 0) return null
  return `Faktura ma wystawione korekty (${issued.map((c) => c.number).join(', ')}) – anuluj najpierw korekty albo skoryguj fakturę kolejną korektą.`
}
