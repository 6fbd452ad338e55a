// Powiąż: documents issued elsewhere linked to an Allegro transaction, and unlinked again.
import { sql } from 'kysely'
import type { Queryable, Trx } from '../db/database.ts'
import { caseVariants, likePattern } from '../contractors/contractors.queries.ts'
import { documentKind, isDocumentType } from '../shared/document-types.ts'
import { activeDocumentOfKind, attachToTransaction, receiptAfterInvoiceProblem, receiptInvoiceBlocker } from './documents.queries.ts'

export interface LinkCandidate {
  id: number
  type: string
  number: string
  issue_date: string
  buyer_name: string
  buyer_nip: string | null
  total_gross: number
  currency: string
}

/**
 * Issued documents a transaction could be linked to: by number, buyer or NIP, and/or by the
 * gross amount; with no criteria, the ones whose amount equals the transaction's.
 */
export async function searchLinkCandidates (db: Queryable, transaction: { id: number, total_to_pay: number }, criteria: { q: string, amount: number | null, ids?: number[] }): Promise<LinkCandidate[]> {
  let query = db.selectFrom('documents as d')
    .select(['d.id', 'd.type', 'd.number', 'd.issue_date', 'd.buyer_name', 'd.buyer_nip', 'd.total_gross', 'd.currency'])
    .where('d.status', '=', 'issued')
    .where((eb) => eb.not(eb.exists(eb.selectFrom('document_transactions as dt').select('dt.document_id').whereRef('dt.document_id', '=', 'd.id').where('dt.transaction_id', '=', transaction.id))))
  if (criteria.ids !== undefined) return await query.where('d.id', 'in', criteria.ids.length > 0 ? criteria.ids : [0]).orderBy('d.issue_date', 'desc').orderBy('d.id', 'desc').limit(100).execute()
  const amount = criteria.q === '' && criteria.amount === null ? transaction.total_to_pay : criteria.amount
  if (amount !== null) query = query.where('d.total_gross', '=', amount)
  if (criteria.q !== '') {
    const digits = criteria.q.replace(/[\s-]/g, '')
    query = query.where((eb) => eb.or([
      ...caseVariants(criteria.q).flatMap((variant) => [
        sql<boolean>`${sql.ref('d.number')} like ${likePattern(variant)} escape '\\'`,
        sql<boolean>`${sql.ref('d.buyer_name')} like ${likePattern(variant)} escape '\\'`
      ]),
      ...(/^\d{3,10}$/.test(digits) ? [eb('d.buyer_nip', 'like', `%${digits}%`)] : [])
    ]))
  }
  return await query.orderBy('d.issue_date', 'desc').orderBy('d.id', 'desc').limit(50).execute()
}

export type LinkOutcome = { documentId: number, number: string, ok: true } | { documentId: number, number: string, ok: false, problem: string }

/** Links existing documents to a transaction, each refused when the transaction already has one of its kind. */
export async function linkDocuments (trx: Trx, transactionId: number, documentIds: number[], at: string): Promise<LinkOutcome[]> {
  const outcomes: LinkOutcome[] = []
  for (const documentId of documentIds) {
    const doc = await trx.selectFrom('documents').select(['id', 'type', 'number', 'status', 'buyer_nip']).where('id', '=', documentId).executeTakeFirst()
    if (!doc || !isDocumentType(doc.type)) {
      outcomes.push({ documentId, number: `#${documentId}`, ok: false, problem: 'nie ma takiego dokumentu' })
      continue
    }
    if (doc.status !== 'issued') {
      outcomes.push({ documentId, number: doc.number, ok: false, problem: 'dokument jest anulowany' })
      continue
    }
    const already = await trx.selectFrom('document_transactions').select('document_id').where('document_id', '=', doc.id).where('transaction_id', '=', transactionId).executeTakeFirst()
    if (already) {
      outcomes.push({ documentId, number: doc.number, ok: false, problem: 'jest już powiązany z tą transakcją' })
      continue
    }
    const kind = documentKind(doc.type)
    const sameKind = await activeDocumentOfKind(trx, transactionId, kind)
    if (sameKind) {
      outcomes.push({ documentId, number: doc.number, ok: false, problem: `transakcja ma już dokument tego rodzaju (${sameKind.number})` })
      continue
    }
    // an invoice and a receipt of one sale: the receipt must come first (documents are numbered
    // and stored in the order they are issued, so the lower id is the earlier one)
    const invoice = kind === 'paragon' ? await activeDocumentOfKind(trx, transactionId, 'faktura') : kind === 'faktura' ? { id: doc.id, number: doc.number } : undefined
    const receipt = kind === 'faktura' ? await activeDocumentOfKind(trx, transactionId, 'paragon') : kind === 'paragon' ? { id: doc.id, number: doc.number } : undefined
    if (invoice !== undefined && receipt !== undefined && receipt.id > invoice.id) {
      outcomes.push({ documentId, number: doc.number, ok: false, problem: receiptAfterInvoiceProblem(invoice.number) })
      continue
    }
    // linking makes the invoice one to the transaction's receipt (FP): the same rule as issuing
    if (invoice !== undefined && receipt !== undefined) {
      const receiptRow = await trx.selectFrom('documents').select(['number', 'buyer_nip']).where('id', '=', receipt.id).executeTakeFirstOrThrow()
      const invoiceRow = await trx.selectFrom('documents').select('buyer_nip').where('id', '=', invoice.id).executeTakeFirstOrThrow()
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
export async function unlinkDocument (trx: Trx, transactionId: number, documentId: number): Promise<'unlinked' | 'issued_here' | 'not_linked'> {
  const link = await trx.selectFrom('document_transactions').select('link_kind').where('document_id', '=', documentId).where('transaction_id', '=', transactionId).executeTakeFirst()
  if (!link) return 'not_linked'
  if (link.link_kind !== 'linked') return 'issued_here'
  await trx.deleteFrom('document_transactions').where('document_id', '=', documentId).where('transaction_id', '=', transactionId).execute()
  await trx.deleteFrom('transaction_document_kinds').where('document_id', '=', documentId).where('transaction_id', '=', transactionId).execute()
  return 'unlinked'
}
