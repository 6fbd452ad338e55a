// Powiąż: linking a document issued elsewhere to an Allegro transaction, and unlinking it, each in one transaction.
import type { LinkOutcome } from './linking.queries.ts'
import type { Database, Trx } from '../db/database.ts'
import { documentKind, isDocumentType } from '../shared/document-types.ts'
import {
  activeDocumentOfKind,
  attachToTransaction,
  receiptAfterInvoiceProblem,
  receiptInvoiceBlocker
} from './documents.queries.ts'

/** Links existing documents to a transaction, each refused when the transaction already has one of its kind. */
export async function linkDocuments(
  db: Database,
  transactionId: number,
  documentIds: number[],
  at: string
): Promise<LinkOutcome[]> {
  return await db.transaction().execute(async (trx) => await linkInTransaction(trx, transactionId, documentIds, at))
}

async function linkInTransaction(
  trx: Trx,
  transactionId: number,
  documentIds: number[],
  at: string
): Promise<LinkOutcome[]> {
  const outcomes: LinkOutcome[] = []
  for (const documentId of documentIds) {
    const doc = await trx
      .selectFrom('documents')
      .select(['id', 'type', 'number', 'status', 'buyer_nip'])
      .where('id', '=', documentId)
      .executeTakeFirst()
    if (!doc || !isDocumentType(doc.type)) {
      outcomes.push({ documentId, number: `#${documentId}`, ok: false, problem: 'nie ma takiego dokumentu' })
      continue
    }
    if (doc.status !== 'issued') {
      outcomes.push({ documentId, number: doc.number, ok: false, problem: 'dokument jest anulowany' })
      continue
    }
    const already = await trx
      .selectFrom('document_transactions')
      .select('document_id')
      .where('document_id', '=', doc.id)
      .where('transaction_id', '=', transactionId)
      .executeTakeFirst()
    if (already) {
      outcomes.push({ documentId, number: doc.number, ok: false, problem: 'jest już powiązany z tą transakcją' })
      continue
    }
    const kind = documentKind(doc.type)
    const sameKind = await activeDocumentOfKind(trx, transactionId, kind)
    if (sameKind) {
      outcomes.push({
        documentId,
        number: doc.number,
        ok: false,
        problem: `transakcja ma już dokument tego rodzaju (${sameKind.number})`
      })
      continue
    }
    // an invoice and a receipt of one sale: the receipt must come first (documents are numbered
    // and stored in the order they are issued, so the lower id is the earlier one)
    const invoice =
      kind === 'paragon'
        ? await activeDocumentOfKind(trx, transactionId, 'faktura')
        : kind === 'faktura'
          ? { id: doc.id, number: doc.number }
          : undefined
    const receipt =
      kind === 'faktura'
        ? await activeDocumentOfKind(trx, transactionId, 'paragon')
        : kind === 'paragon'
          ? { id: doc.id, number: doc.number }
          : undefined
    if (invoice !== undefined && receipt !== undefined && receipt.id > invoice.id) {
      outcomes.push({ documentId, number: doc.number, ok: false, problem: receiptAfterInvoiceProblem(invoice.number) })
      continue
    }
    // linking makes the invoice one to the transaction's receipt (FP): the same rule as issuing
    if (invoice !== undefined && receipt !== undefined) {
      const receiptRow = await trx
        .selectFrom('documents')
        .select(['number', 'buyer_nip'])
        .where('id', '=', receipt.id)
        .executeTakeFirstOrThrow()
      const invoiceRow = await trx
        .selectFrom('documents')
        .select('buyer_nip')
        .where('id', '=', invoice.id)
        .executeTakeFirstOrThrow()
      const why = receiptInvoiceBlocker(receiptRow, invoiceRow.buyer_nip)
      if (why !== null) {
        outcomes.push({ documentId, number: doc.number, ok: false, problem: why })
        continue
      }
    }
    await attachToTransaction(trx, { documentId: doc.id, transactionId, kind, linkKind: 'linked', at })
    outcomes.push({ documentId, number: doc.number, ok: true })
  }
  return outcomes
}
/** Removes a link made by hand; a document issued from the transaction stays with it. */
export async function unlinkDocument(
  db: Database,
  transactionId: number,
  documentId: number
): Promise<'unlinked' | 'issued_here' | 'not_linked'> {
  return await db.transaction().execute(async (trx) => await unlinkInTransaction(trx, transactionId, documentId))
}

async function unlinkInTransaction(
  trx: Trx,
  transactionId: number,
  documentId: number
): Promise<'unlinked' | 'issued_here' | 'not_linked'> {
  const link = await trx
    .selectFrom('document_transactions')
    .select('link_kind')
    .where('document_id', '=', documentId)
    .where('transaction_id', '=', transactionId)
    .executeTakeFirst()
  if (!link) return 'not_linked'
  if (link.link_kind !== 'linked') return 'issued_here'
  await trx
    .deleteFrom('document_transactions')
    .where('document_id', '=', documentId)
    .where('transaction_id', '=', transactionId)
    .execute()
  await trx
    .deleteFrom('transaction_document_kinds')
    .where('document_id', '=', documentId)
    .where('transaction_id', '=', transactionId)
    .execute()
  return 'unlinked'
}
