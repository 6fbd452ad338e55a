// The one record of a document's KSeF state (ksef_submissions, migration 0720) and the exact
// FA(3) file it carries. The file is the invoice: once fixed, its bytes are never rebuilt, so the
// QR code (KOD I), the UPO and every download refer to the same SHA-256.
import type { Selectable } from 'kysely'
import type { DateTime } from 'luxon'
import type { Database, Queryable } from '../db/database.ts'
import type { KsefSubmissions } from '../db/schema.gen.ts'
import { toStoredTimestamp } from '../shared/dates.ts'
import { sha256Base64 } from './client/ksef-crypto.ts'
import { fa3ForDocument } from './ksef-export.ts'

export type SubmissionState = 'do_wyslania' | 'wysylanie' | 'przyjeta' | 'odrzucona' | 'offline' | 'blad'
type OfflineMode = 'offline24' | 'awaria' | 'awaria_calkowita'

export interface InvoiceFile {
  documentId: number
  xml: Uint8Array
  sha256Base64: string
  size: number
  generatedAt: string
  state: SubmissionState
  ksefNumber: string | null
  offlineMode: OfflineMode | null
  offlineDeadline: string | null
}

export type SubmissionRow = Selectable<KsefSubmissions>

// faktury/weryfikacja-faktury.md: 1 MB without attachments (FA(3) from Biurko has none)
const MAX_INVOICE_BYTES = 1_000_000

// faktury/weryfikacja-faktury.md (enforced by production since 16 July 2026): XML 1.0 characters
// only, and none of the W3C "discouraged" ones: controls, U+7F–U+84, U+86–U+9F, U+FDD0–U+FDEF
// and the last two code points of every plane; unpaired surrogates are not characters at all.

const FORBIDDEN =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u0084\u0086-\u009F\uFDD0-\uFDEF\uFEFF\uFFFE\uFFFF]|[\uD83F\uD87F\uD8BF\uD8FF\uD93F\uD97F\uD9BF\uD9FF\uDA3F\uDA7F\uDABF\uDAFF\uDB3F\uDB7F\uDBBF\uDBFF][\uDFFE\uDFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/**
 * Why these bytes cannot go to KSeF as an invoice file (Polish), or [] when they can: UTF-8
 * without a BOM, well-formed UTF-8, no forbidden characters, within the size limit.
 */
export function invoiceFileProblems(bytes: Uint8Array): string[] {
  const problems: string[] = []
  if (bytes.byteLength >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf)
    problems.push('Plik faktury zaczyna się znacznikiem BOM – KSeF przyjmuje tylko UTF-8 bez BOM.')
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes)
  } catch {
    return [...problems, 'Plik faktury nie jest poprawnie zakodowany w UTF-8.']
  }
  const forbidden = FORBIDDEN.exec(text)
  if (forbidden) {
    const code = forbidden[0].codePointAt(0) ?? 0
    problems.push(
      `Plik faktury zawiera znak niedozwolony w KSeF (U+${code.toString(16).toUpperCase().padStart(4, '0')}) – usuń go z danych faktury (nazwy, adresu lub opisu pozycji).`
    )
  }
  if (bytes.byteLength > MAX_INVOICE_BYTES)
    problems.push(`Plik faktury ma ${bytes.byteLength} bajtów – KSeF przyjmuje najwyżej ${MAX_INVOICE_BYTES} bajtów.`)
  return problems
}

function toInvoiceFile(row: SubmissionRow): InvoiceFile {
  const xml = row.xml as unknown as Uint8Array
  return {
    documentId: row.document_id,
    xml: new Uint8Array(xml.buffer, xml.byteOffset, xml.byteLength),
    sha256Base64: row.xml_sha256,
    size: row.xml_size,
    generatedAt: row.generated_at,
    state: row.state as SubmissionState,
    ksefNumber: row.ksef_number,
    offlineMode: row.offline_mode as OfflineMode | null,
    offlineDeadline: row.offline_deadline
  }
}

export async function submissionOf(db: Queryable, documentId: number): Promise<SubmissionRow | undefined> {
  return await db.selectFrom('ksef_submissions').selectAll().where('document_id', '=', documentId).executeTakeFirst()
}

export async function invoiceFileOf(db: Queryable, documentId: number): Promise<InvoiceFile | undefined> {
  const row = await submissionOf(db, documentId)
  return row === undefined ? undefined : toInvoiceFile(row)
}

async function currentEnvironment(db: Queryable): Promise<string> {
  const connection = await db.selectFrom('ksef_connection').select('environment').where('id', '=', 1).executeTakeFirst()
  return connection?.environment ?? 'produkcja'
}

/**
 * The exact FA(3) file of an invoice: generated and stored on the first call (one row per
 * document, UNIQUE), the stored bytes ever after. A new row waits in 'do_wyslania' with no
 * next_attempt_at: fixed, but not queued for sending until someone asks (queueSubmission).
 */
export async function fixInvoiceFile(
  db: Database,
  documentId: number,
  now: DateTime
): Promise<{ ok: true; file: InvoiceFile } | { ok: false; problems: string[] }> {
  const existing = await invoiceFileOf(db, documentId)
  if (existing !== undefined) return { ok: true, file: existing }
  const waiting = await correctedInvoiceWaiting(db, documentId)
  if (waiting !== null) return { ok: false, problems: [waiting] }
  const made = await fa3ForDocument(db, documentId, now)
  if (!made.ok) return { ok: false, problems: made.problems }
  const bytes = new TextEncoder().encode(made.xml)
  const problems = invoiceFileProblems(bytes)
  if (problems.length > 0) return { ok: false, problems }
  const stamp = toStoredTimestamp(now)
  const environment = await currentEnvironment(db)
  // two first calls at once (two tabs, the worker): the UNIQUE document_id keeps the first file
  await db
    .insertInto('ksef_submissions')
    .values({
      document_id: documentId,
      state: 'do_wyslania',
      xml: Buffer.from(bytes),
      xml_sha256: sha256Base64(bytes),
      xml_size: bytes.byteLength,
      generated_at: stamp,
      environment,
      created_at: stamp,
      updated_at: stamp
    })
    .onConflict((oc) => oc.column('document_id').doNothing())
    .execute()
  const stored = await invoiceFileOf(db, documentId)
  if (stored === undefined) throw new Error(`ksef_submissions row for document ${documentId} vanished`)
  return { ok: true, file: stored }
}

/**
 * A correction's file names the corrected invoice by its KSeF number (DaneFaKorygowanej/NrKSeF),
 * so while that invoice is on its way to KSeF the correction cannot be fixed yet. An invoice that
 * never went to KSeF (issued before it, or outside it) is corrected without one (NrKSeFN).
 */
export async function correctedInvoiceWaiting(db: Queryable, documentId: number): Promise<string | null> {
  const row = await db
    .selectFrom('documents as d')
    .innerJoin('documents as o', 'o.id', 'd.corrects_document_id')
    .leftJoin('ksef_submissions as s', 's.document_id', 'o.id')
    .select(['d.type', 'o.number', 'o.ksef_number', 's.state'])
    .where('d.id', '=', documentId)
    .executeTakeFirst()
  if (
    row === undefined ||
    row.type !== 'korekta' ||
    row.ksef_number !== null ||
    row.state === null ||
    row.state === undefined
  )
    return null
  return `Korekta trafi do KSeF dopiero, gdy faktura korygowana ${row.number} otrzyma numer KSeF.`
}

/**
 * A rejected invoice was never issued in KSeF, so after the user fixes its data its file is made
 * anew (same invoice number, new bytes and hash). Only from 'odrzucona' or 'blad' without a KSeF
 * number; in any other state the stored file stays.
 */
export async function refixRejectedFile(
  db: Database,
  documentId: number,
  now: DateTime
): Promise<{ ok: true; file: InvoiceFile } | { ok: false; problems: string[] }> {
  const row = await submissionOf(db, documentId)
  if (row === undefined) return await fixInvoiceFile(db, documentId, now)
  if (!(row.state === 'odrzucona' || row.state === 'blad') || row.ksef_number !== null)
    return { ok: true, file: toInvoiceFile(row) }
  const made = await fa3ForDocument(db, documentId, now)
  if (!made.ok) return { ok: false, problems: made.problems }
  const bytes = new TextEncoder().encode(made.xml)
  const problems = invoiceFileProblems(bytes)
  if (problems.length > 0) return { ok: false, problems }
  const stamp = toStoredTimestamp(now)
  await db
    .updateTable('ksef_submissions')
    .set({
      state: 'do_wyslania',
      xml: Buffer.from(bytes),
      xml_sha256: sha256Base64(bytes),
      xml_size: bytes.byteLength,
      generated_at: stamp,
      session_reference: null,
      invoice_reference: null,
      status_code: null,
      status_description: null,
      last_error: null,
      next_attempt_at: null,
      claimed_until: null,
      updated_at: stamp
    })
    .where('document_id', '=', documentId)
    .where('state', '=', row.state)
    .where('updated_at', '=', row.updated_at)
    .where('ksef_number', 'is', null)
    .execute()
  const stored = await invoiceFileOf(db, documentId)
  if (stored === undefined) throw new Error(`ksef_submissions row for document ${documentId} vanished`)
  return { ok: true, file: stored }
}
