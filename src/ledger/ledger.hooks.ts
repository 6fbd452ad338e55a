import type { Trx } from '../db/database.ts'

// What issuing and cancelling a sales document asks of the ledger feature.
// Owned by the ledger feature; the documents feature only calls these.

/** Called inside the issuing transaction: books the document when the company books automatically. */
export async function autoBookIssuedDocument (_trx: Trx, _documentId: number): Promise<void> {
  // implemented by the ledger feature
}

/** A booked document cannot be cancelled; returns the Polish reason, or null when cancelling is allowed. */
export async function whyDocumentCannotBeCancelled (_trx: Trx, _documentId: number): Promise<string | null> {
  return null
}
