/**
 * Invoices attached to orders (metadata, then the PDF) and the simulator's budget for their
 * bytes. A public demo instance must not grow without bound, so past `maxBytes` the oldest
 * stored files lose their bytes (their metadata, size and scan verdict stay, so Allegro's view
 * of the order does not change); only what tests read back (`invoicesOf().file`) is null then.
 */
import { randomUUID } from 'node:crypto'
import { MAX_INVOICE_FILE_BYTES, MAX_INVOICES_PER_ORDER } from './types.ts'
import type { SimInvoice } from './types.ts'

/** Default cap of all stored invoice files together. */
export const DEFAULT_MAX_STORED_INVOICE_BYTES = 64 * 1024 * 1024

export interface StoredInvoice {
  id: string
  invoiceNumber: string | null
  fileName: string
  createdAtMs: number
  uploadedAtMs: number | null
  /** The PDF; null before upload and after its bytes were evicted (see `uploaded`). */
  file: Buffer | null
  uploaded: boolean
  /** Verdict of the simulated virus scan, decided at upload (bytes may be evicted later). */
  infected: boolean
}

export type UploadFailure = 'invoice_not_found' | 'conflict' | 'empty' | 'too_large' | 'not_pdf'

export class InvoiceStore {
  readonly #maxBytes: number
  readonly #scanMs: number
  #bytes = 0
  /** Invoices whose bytes are held, oldest upload first. */
  #held: StoredInvoice[] = []

  constructor(opts: { maxBytes: number; scanSeconds: number }) {
    this.#maxBytes = opts.maxBytes
    this.#scanMs = opts.scanSeconds * 1000
  }

  /** Bytes of invoice files held now (never above the cap). */
  get storedBytes(): number {
    return this.#bytes
  }

  create(
    list: StoredInvoice[],
    fileName: string,
    invoiceNumber: string | null,
    nowMs: number
  ): { ok: true; id: string } | { ok: false; reason: 'limit' } {
    if (list.length >= MAX_INVOICES_PER_ORDER) return { ok: false, reason: 'limit' }
    const id = randomUUID()
    list.push({
      id,
      invoiceNumber,
      fileName,
      createdAtMs: nowMs,
      uploadedAtMs: null,
      file: null,
      uploaded: false,
      infected: false
    })
    return { ok: true, id }
  }

  upload(
    list: StoredInvoice[],
    invoiceId: string,
    file: Buffer,
    nowMs: number
  ): { ok: true } | { ok: false; reason: UploadFailure } {
    const invoice = list.find((i) => i.id === invoiceId)
    if (invoice === undefined) return { ok: false, reason: 'invoice_not_found' }
    if (invoice.uploaded) return { ok: false, reason: 'conflict' }
    if (file.length === 0) return { ok: false, reason: 'empty' }
    if (file.length > MAX_INVOICE_FILE_BYTES) return { ok: false, reason: 'too_large' }
    if (file.subarray(0, 4).toString('latin1') !== '%PDF') return { ok: false, reason: 'not_pdf' }
    invoice.file = Buffer.from(file)
    invoice.uploaded = true
    // The EICAR test string lets tests exercise a rejected scan.
    invoice.infected = file.includes('EICAR-STANDARD-ANTIVIRUS-TEST-FILE')
    invoice.uploadedAtMs = nowMs
    this.#hold(invoice)
    return { ok: true }
  }

  /** Forgets the bytes of invoices of orders dropped from history. */
  release(list: StoredInvoice[]): void {
    let any = false
    for (const inv of list) {
      if (inv.file === null) continue
      this.#bytes -= inv.file.length
      inv.file = null
      any = true
    }
    if (any) this.#held = this.#held.filter((inv) => inv.file !== null)
  }

  #hold(invoice: StoredInvoice): void {
    this.#held.push(invoice)
    this.#bytes += invoice.file?.length ?? 0
    let drop = 0
    while (this.#bytes > this.#maxBytes && drop < this.#held.length) {
      const oldest = this.#held[drop++]
      this.#bytes -= oldest.file?.length ?? 0
      oldest.file = null
    }
    if (drop > 0) this.#held = this.#held.slice(drop)
  }

  view(list: StoredInvoice[]): SimInvoice[] {
    return list.map((inv) => ({
      id: inv.id,
      invoiceNumber: inv.invoiceNumber,
      fileName: inv.fileName,
      createdAt: new Date(inv.createdAtMs).toISOString(),
      uploadedAt: inv.uploadedAtMs === null ? null : new Date(inv.uploadedAtMs).toISOString(),
      file: inv.file
    }))
  }

  /** The GET …/invoices resource as Allegro renders it. */
  resource(list: StoredInvoice[], nowMs: number): Record<string, unknown> {
    return {
      invoices: list.map((inv) => {
        let securityVerification: { status: string; verifiedAt: string | null } | null = null
        if (inv.uploaded && inv.uploadedAtMs !== null) {
          const done = nowMs - inv.uploadedAtMs >= this.#scanMs
          securityVerification = done
            ? {
                status: inv.infected ? 'REJECTED' : 'ACCEPTED',
                verifiedAt: new Date(inv.uploadedAtMs + this.#scanMs).toISOString()
              }
            : { status: 'WAITING', verifiedAt: null }
        }
        return {
          id: inv.id,
          invoiceNumber: inv.invoiceNumber,
          createdAt: new Date(inv.createdAtMs).toISOString(),
          file: {
            name: inv.fileName,
            uploadedAt: inv.uploadedAtMs === null ? null : new Date(inv.uploadedAtMs).toISOString(),
            securityVerification,
            verification: { status: 'NOT_APPLICABLE', details: [] }
          }
        }
      }),
      links: [],
      hasExternalInvoices: false,
      orderMode: 'REGULAR'
    }
  }
}
