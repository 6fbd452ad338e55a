// The PDF of a document as the user gets it: downloaded, or attached to an e-mail. One place, so
// both carry the same bytes and the same file name.
import type { Queryable } from '../db/database.ts'
import { renderDocumentPdf } from './document-pdf.ts'
import { loadDocumentForOutput, type DocumentForOutput } from './documents.queries.ts'

export interface DocumentPdfFile {
  doc: DocumentForOutput
  pdf: Buffer
  /** e.g. "FV_1_11_2026.pdf" (letters kept), and the same in ASCII for old mail and HTTP clients */
  fileName: string
  asciiName: string
}

export async function documentPdfFile (db: Queryable, documentId: number): Promise<DocumentPdfFile> {
  const doc = await loadDocumentForOutput(db, documentId)
  const pdf = await renderDocumentPdf(doc)
  const fileName = `${doc.number.replace(/[^\p{L}\p{N}_-]+/gu, '_')}.pdf`
  const asciiName = fileName.normalize('NFD').replace(/[^\x20-\x7e]/g, '')
  return { doc, pdf, fileName, asciiName }
}
