// The PDF of a document as the user gets it: downloaded, or attached to an e-mail. One place, so
// both carry the same bytes (with the KSeF codes of the stored FA(3) file) and the same name.
import type { DateTime } from 'luxon'
import type { Database } from '../db/database.ts'
import type { QrDeps } from '../ksef/qr.queries.ts'
import { renderStoredDocumentPdf } from './document-pdf.ts'
import { type DocumentForOutput } from './document-output.queries.ts'

export interface DocumentPdfFile {
  doc: DocumentForOutput
  pdf: Buffer
  /** e.g. "FV_1_11_2026.pdf" (letters kept), and the same in ASCII for old mail and HTTP clients */
  fileName: string
  asciiName: string
}

export async function documentPdfFile(
  db: Database,
  deps: QrDeps & { now: () => DateTime },
  documentId: number
): Promise<DocumentPdfFile> {
  const { doc, pdf } = await renderStoredDocumentPdf(db, deps, documentId, deps.now())
  const fileName = `${doc.number.replace(/[^\p{L}\p{N}_-]+/gu, '_')}.pdf`
  const asciiName = fileName.normalize('NFD').replace(/[^\x20-\x7e]/g, '')
  return { doc, pdf, fileName, asciiName }
}
