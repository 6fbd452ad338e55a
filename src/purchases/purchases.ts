// Purchase invoices received from KSeF: from what KSeF listed (metadata) and the file it gave, the
// row that is stored. Pure: no I/O. Untrusted input throughout; every doubt becomes a review
// reason (a sentence in Polish), and a flagged invoice is never booked automatically.
import { createHash } from 'node:crypto'
import type { InvoiceMetadata } from '../ksef/client/ksef.client.ts'
import { formatAmount } from '../shared/money.ts'
import { readPurchaseFile, type ParsedPurchase, type PurchaseRate } from './fa3-read.ts'

export type FileOutcome = { kind: 'file'; bytes: Buffer; hash: string | null } | { kind: 'missing'; reason: string }

export interface PreparedPurchase {
  ksefNumber: string
  permanentStorageDate: string
  acquisitionDate: string | null
  meta: InvoiceMetadata
  xml: Buffer | null
  xmlSha256: string | null
  ksefHash: string | null
  parsed: ParsedPurchase | null
  rates: PurchaseRate[]
  reviewReasons: string[]
}

function sha256Base64(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('base64')
}

/** The row to store for one listed invoice; `schemaErrors` from the FA(3) XSD check (null: not checked). */
export function preparePurchase(
  meta: InvoiceMetadata,
  file: FileOutcome,
  companyNip: string,
  schemaErrors: string[] | null
): PreparedPurchase {
  const reasons: string[] = []
  let parsed: ParsedPurchase | null = null
  let xml: Buffer | null = null
  let digest: string | null = null
  const ksefHash = meta.invoiceHash ?? (file.kind === 'file' ? file.hash : null)
  if (file.kind === 'missing') {
    reasons.push(file.reason)
  } else {
    xml = file.bytes
    digest = sha256Base64(file.bytes)
    const claimed = [meta.invoiceHash, file.hash].filter((h): h is string => h !== null)
    if (claimed.some((h) => h !== digest))
      reasons.push(
        'Skrót SHA-256 pobranego pliku nie zgadza się ze skrótem podanym przez KSeF – plik mógł zostać uszkodzony.'
      )
    const read = readPurchaseFile(file.bytes)
    reasons.push(...read.problems)
    if (read.ok) {
      parsed = read.invoice
      if (schemaErrors !== null && schemaErrors.length > 0)
        reasons.push(`Plik nie przechodzi kontroli ze schematem FA(3): ${schemaErrors[0]}`)
      if (parsed.buyerNip !== companyNip)
        reasons.push(`Nabywcą na fakturze nie jest ta firma (NIP nabywcy: ${parsed.buyerNip ?? 'brak'}).`)
      const differences: string[] = []
      if (meta.sellerNip !== '' && parsed.sellerNip !== meta.sellerNip) differences.push('NIP sprzedawcy')
      if (meta.invoiceNumber !== '' && parsed.number !== meta.invoiceNumber) differences.push('numer faktury')
      if (meta.gross !== null && parsed.gross !== null && meta.gross !== parsed.gross)
        differences.push(`kwota brutto (KSeF: ${formatAmount(meta.gross)})`)
      if (differences.length > 0)
        reasons.push(`Dane z listy KSeF różnią się od pliku faktury: ${differences.join(', ')}.`)
    }
  }
  return {
    ksefNumber: meta.ksefNumber,
    permanentStorageDate: meta.permanentStorageDate,
    acquisitionDate: meta.acquisitionDate,
    meta,
    xml,
    xmlSha256: digest,
    ksefHash,
    parsed,
    rates: parsed?.rates ?? [],
    reviewReasons: [...new Set(reasons)]
  }
}
