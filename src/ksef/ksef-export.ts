// FA(3) files of issued invoices: one document, or every invoice of a month in a zip. Once an
// invoice's file is fixed for KSeF (submissions.queries.ts) its stored bytes are what is served.
import type { DateTime } from 'luxon'
import { correctedRowsForFa3 } from '../corrections/corrections.queries.ts'
import type { Database, Queryable } from '../db/database.ts'
import { receiptOfInvoice } from '../documents/documents.queries.ts'
import { FA3_DOCUMENT_TYPES, fa3InvoiceFromDocumentRows, isFa3DocumentType } from './fa3-documents.ts'
import { buildFa3Xml, Fa3Error } from './fa3.ts'
import { buildFa3Zip, fa3FileName, type Fa3File } from './fa3-zip.ts'
import { isValidKsefNumber, normalizeKsefNumber } from './ksef-number.ts'
import { formatDate } from '../shared/dates.ts'
import { normalizeNip } from '../shared/nip.ts'

export type Fa3Export = { ok: true; fileName: string; xml: string } | { ok: false; number: string; problems: string[] }

const SYSTEM_INFO = 'Biurko'

/** The FA(3) XML of a stored invoice, or every reason it cannot be made (Polish). */
export async function fa3ForDocument(db: Queryable, documentId: number, generatedAt: DateTime): Promise<Fa3Export> {
  const document = await db.selectFrom('documents').selectAll().where('id', '=', documentId).executeTakeFirstOrThrow()
  const [lines, vatTotals] = await Promise.all([
    db.selectFrom('document_lines').selectAll().where('document_id', '=', documentId).execute(),
    db.selectFrom('document_vat_totals').selectAll().where('document_id', '=', documentId).execute()
  ])
  // a correction also needs the invoice it corrects and its lines as they stood before it
  const corrected = document.type === 'korekta' ? await correctedRowsForFa3(db, documentId) : null
  const receipt = document.type === 'korekta' ? undefined : await receiptOfInvoice(db, documentId)
  try {
    const xml = buildFa3Xml(
      fa3InvoiceFromDocumentRows(document, lines, vatTotals, corrected ?? undefined, receipt !== undefined),
      { generatedAt, systemInfo: SYSTEM_INFO }
    )
    return { ok: true, fileName: fa3FileName(document.number), xml }
  } catch (error) {
    if (error instanceof Fa3Error) return { ok: false, number: document.number, problems: error.problems }
    throw error
  }
}

/**
 * What a download serves: the stored file once it is fixed for KSeF (ksef_submissions, the exact
 * bytes sent, whose hash the QR code carries), otherwise a fresh FA(3) made now.
 */
export async function fa3FileForDocument(db: Queryable, documentId: number, generatedAt: DateTime): Promise<Fa3Export> {
  const stored = await db
    .selectFrom('ksef_submissions as s')
    .innerJoin('documents as d', 'd.id', 's.document_id')
    .select(['s.xml', 'd.number'])
    .where('s.document_id', '=', documentId)
    .executeTakeFirst()
  if (stored !== undefined) {
    const bytes = stored.xml as unknown as Uint8Array
    return {
      ok: true,
      fileName: fa3FileName(stored.number),
      xml: new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes)
    }
  }
  return await fa3ForDocument(db, documentId, generatedAt)
}

export interface MonthExport {
  /** the zip, null when the month has no invoices at all */
  zip: Uint8Array | null
  exported: number
  skipped: Array<{ number: string; problems: string[] }>
}

const SKIPPED_FILE_NAME = 'POMINIETE.txt'

/**
 * Every issued (not cancelled) invoice with an issue date in the month, one XML each; invoices
 * that cannot be expressed are left out and listed with their reasons in POMINIETE.txt.
 */
export async function fa3MonthZip(db: Queryable, month: string, generatedAt: DateTime): Promise<MonthExport> {
  const documents = await db
    .selectFrom('documents')
    .select(['id'])
    .where('type', 'in', [...FA3_DOCUMENT_TYPES])
    .where('status', '=', 'issued')
    .where('issue_date', '>=', `${month}-01`)
    .where('issue_date', '<=', `${month}-31`)
    .orderBy('issue_date')
    .orderBy('type')
    .orderBy('seq')
    .orderBy('id')
    .execute()
  const files: Fa3File[] = []
  const skipped: MonthExport['skipped'] = []
  for (const { id } of documents) {
    const result = await fa3FileForDocument(db, id, generatedAt)
    if (result.ok) files.push({ name: result.fileName, xml: result.xml })
    else skipped.push({ number: result.number, problems: result.problems })
  }
  if (files.length === 0 && skipped.length === 0) return { zip: null, exported: 0, skipped }
  const entries =
    skipped.length > 0 ? [...files, { name: SKIPPED_FILE_NAME, xml: skippedReport(month, skipped) }] : files
  return { zip: buildFa3Zip(entries, { modifiedAt: generatedAt }), exported: files.length, skipped }
}

function skippedReport(month: string, skipped: MonthExport['skipped']): string {
  const lines = [`Eksport KSeF (FA(3)) za ${month}: faktury pominięte w tym pliku ZIP`, '']
  for (const entry of skipped) {
    lines.push(`${entry.number}:`)
    for (const problem of entry.problems) lines.push(`  - ${problem}`)
    lines.push('')
  }
  lines.push('Popraw dane i pobierz eksport ponownie albo wystaw te faktury w KSeF inaczej.')
  return lines.join('\r\n') + '\r\n'
}

// The KSeF number of an invoice ----------------------------------------------------------------

/**
 * The number KSeF gave the invoice, as typed (spaces allowed); returns the normalised number or
 * a Polish reason. It must be a valid KSeF number of this seller (its NIP comes first) and
 * cannot be dated before the invoice was issued.
 */
export function checkKsefNumber(
  typed: string,
  document: { seller_nip: string; issue_date: string }
): { ok: true; number: string } | { ok: false; problem: string } {
  const number = normalizeKsefNumber(typed)
  if (number === '') return { ok: false, problem: 'Podaj numer KSeF faktury.' }
  if (!isValidKsefNumber(number))
    return {
      ok: false,
      problem:
        'To nie jest poprawny numer KSeF (35 znaków: NIP-RRRRMMDD-12 znaków-suma kontrolna). Skopiuj go z potwierdzenia (UPO) albo z aplikacji KSeF.'
    }
  const sellerNip = normalizeNip(document.seller_nip)
  if (!number.startsWith(`${sellerNip}-`))
    return { ok: false, problem: `Numer KSeF faktury sprzedaży zaczyna się od NIP sprzedawcy (${sellerNip}).` }
  const accepted = `${number.slice(11, 15)}-${number.slice(15, 17)}-${number.slice(17, 19)}`
  if (accepted < document.issue_date)
    return {
      ok: false,
      problem: `Data w numerze KSeF (${formatDate(accepted)}) jest wcześniejsza niż data wystawienia faktury (${formatDate(document.issue_date)}).`
    }
  return { ok: true, number }
}

export function canHoldKsefNumber(type: string): boolean {
  return isFa3DocumentType(type)
}

/**
 * A KSeF number entered by hand (an invoice sent outside Biurko) goes on the document and its KPiR
 * entry together; false when the document was cancelled in the meantime.
 */
export async function recordKsefNumber(db: Database, documentId: number, ksefNumber: string): Promise<boolean> {
  return await db.transaction().execute(async (trx) => {
    const result = await trx
      .updateTable('documents')
      .set({ ksef_number: ksefNumber })
      .where('id', '=', documentId)
      .where('status', '=', 'issued')
      .executeTakeFirst()
    if (Number(result.numUpdatedRows) === 0) return false
    // the KPiR has a KSeF column; a document is usually booked before its KSeF number is known
    await trx
      .updateTable('ledger_entries')
      .set({ ksef_number: ksefNumber })
      .where('document_id', '=', documentId)
      .execute()
    return true
  })
}
