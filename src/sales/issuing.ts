// Issuing sales documents: from Allegro transactions (Wystaw) and by hand. Each document is
// written in one short DB transaction together with its number, lines, contractor, link to the
// transaction, stock movement, booking and the transaction's auto-close, so it either exists
// completely or not at all.
import type { DateTime } from 'luxon'
import type { Database, Queryable, Trx } from '../db/database.ts'
import { upsertContractor, type ContractorData } from '../contractors/contractors.queries.ts'
import { correctionCancelBlocker } from '../corrections/corrections.queries.ts'
import { autoBookIssuedDocument, whyDocumentCannotBeCancelled } from '../ledger/ledger.hooks.ts'
import {
  applyStockForIssuedDocument,
  matchProducts,
  reverseStockForCancelledDocument,
  StockBlockedError
} from '../products/stock.hooks.ts'
import { toStoredTimestamp } from '../shared/dates.ts'
import { parseCheckoutForm } from '../transactions/checkout-form.ts'
import { changeTransactionStatus } from '../transactions/status.queries.ts'
import { buyerFromOrder, draftLinesFromOrder, paymentOf, saleDateOf } from '../documents/allegro-document.ts'
import { PAYMENT_METHODS, type PaymentMethod } from '../documents/document.ts'
import {
  activeDocumentOfKind,
  attachToTransaction,
  insertDocument,
  markCancelled,
  receiptAfterInvoiceProblem,
  receiptInvoiceBlocker,
  sellerSnapshot,
  type NewDocument,
  type NewDocumentLine
} from '../documents/documents.queries.ts'
import {
  fetchRates,
  NO_RATES,
  type DocumentExchangeRate,
  type RateLookup,
  type RateSource
} from '../documents/exchange-rates.ts'
import { cancelQueuedDelivery, queueAutomaticDelivery } from '../delivery/allegro-delivery.queries.ts'
import { ksefSubmissionCancelBlocker } from '../ksef/ksef-panel.ts'
import { canIssue, documentKind, isProforma, type DocumentType } from '../shared/document-types.ts'
import {
  isExemptionBasisKind,
  isVatRate,
  lineGross,
  type ExemptionBasisKind,
  type VatRate,
  DEFAULT_EXEMPTION_BASIS
} from '../shared/vat.ts'
import { isUniqueViolation } from '../db/database.ts'

/** Days to pay an unpaid document when nothing else says. */
export const DEFAULT_PAYMENT_DAYS = 7

export type SkipReason =
  | { code: 'not_found' }
  | { code: 'cancelled' }
  | { code: 'not_filled_in' }
  | { code: 'wrong_type' }
  | { code: 'already'; documentId: number; number: string }
  | { code: 'mismatch'; linesTotal: number; totalToPay: number; currency: string }
  | { code: 'invalid_order'; problem: string }
  | { code: 'invalid_buyer'; problem: string }
  | { code: 'refused'; problem: string }
  | { code: 'no_rate'; currency: string; saleDate: string; problem: string }

type IssueWarning = 'unpaid'

export type IssueOutcome =
  | { transactionId: number; status: 'issued'; documentId: number; number: string; warnings: IssueWarning[] }
  | { transactionId: number; status: 'skipped'; reason: SkipReason }

/** Thrown inside the DB transaction to roll back whatever was written and report the reason. */
class Skip extends Error {
  readonly reason: SkipReason
  constructor(reason: SkipReason) {
    super(reason.code)
    this.reason = reason
  }
}

async function issueInTransaction(
  trx: Trx,
  transactionId: number,
  type: DocumentType,
  userId: number,
  now: DateTime,
  rateFor: RateLookup
): Promise<IssueOutcome> {
  const at = toStoredTimestamp(now)
  const company = await sellerSnapshot(trx)
  if (!canIssue(type, company.vatPayer)) throw new Skip({ code: 'wrong_type' })
  const transaction = await trx
    .selectFrom('transactions as t')
    .innerJoin('allegro_shops as s', 's.id', 't.shop_id')
    .select([
      't.id',
      't.shop_id',
      't.allegro_status',
      't.local_status',
      't.raw_json',
      's.buyer_data_source',
      's.auto_send_documents'
    ])
    .where('t.id', '=', transactionId)
    .executeTakeFirst()
  if (!transaction) throw new Skip({ code: 'not_found' })
  // a cancelled order was not sold; Allegro's cancellation and the local Anuluj both count
  if (transaction.allegro_status === 'CANCELLED' || transaction.local_status === 'anulowana')
    throw new Skip({ code: 'cancelled' })
  // BOUGHT: the buyer has not completed Allegro's checkout form and may still change the delivery
  // and invoice data (NIP, address), so a document now could name the wrong buyer (art. 106e ust. 1 pkt 3-5)
  if (transaction.allegro_status === 'BOUGHT') throw new Skip({ code: 'not_filled_in' })
  const kind = documentKind(type)
  const existing = await activeDocumentOfKind(trx, transactionId, kind)
  if (existing) throw new Skip({ code: 'already', documentId: existing.id, number: existing.number })
  const invoiced = kind === 'paragon' ? await activeDocumentOfKind(trx, transactionId, 'faktura') : undefined
  if (invoiced) throw new Skip({ code: 'refused', problem: receiptAfterInvoiceProblem(invoiced.number) })

  let json: unknown
  try {
    json = JSON.parse(transaction.raw_json)
  } catch {
    throw new Skip({ code: 'invalid_order', problem: 'zapisane dane zamówienia nie są poprawnym JSON-em' })
  }
  const parsed = parseCheckoutForm(json)
  if (!parsed.ok) throw new Skip({ code: 'invalid_order', problem: parsed.error })
  const order = parsed.form
  const saleDate = saleDateOf(order)
  let exchangeRate: DocumentExchangeRate | null = null
  if (order.currency !== 'PLN') {
    const found = rateFor(order.currency, saleDate)
    if (!found.ok) throw new Skip({ code: 'no_rate', currency: order.currency, saleDate, problem: found.problem })
    exchangeRate = found.rate
  }

  const vatExempt = !company.vatPayer
  const defaultRate: VatRate = isVatRate(company.defaultVatRate) ? company.defaultVatRate : '23'
  const products = await matchProducts(
    trx,
    order.lineItems.map((item) => ({ name: item.offerName, sku: item.externalId }))
  )
  const drafts = draftLinesFromOrder(order, { vatExempt, defaultRate, products })
  const linesTotal = drafts.reduce((sum, line) => sum + line.gross, 0)
  if (linesTotal !== order.totalToPay)
    throw new Skip({ code: 'mismatch', linesTotal, totalToPay: order.totalToPay, currency: order.currency })

  const buyer = buyerFromOrder(order, transaction.buyer_data_source === 'account_owner' ? 'account_owner' : 'delivery')
  if (!buyer.ok) throw new Skip({ code: 'invalid_buyer', problem: buyer.problem })
  const receipt = kind === 'faktura' ? await activeDocumentOfKind(trx, transactionId, 'paragon') : undefined
  if (receipt) {
    const receiptRow = await trx
      .selectFrom('documents')
      .select(['number', 'buyer_nip'])
      .where('id', '=', receipt.id)
      .executeTakeFirstOrThrow()
    const why = receiptInvoiceBlocker(receiptRow, buyer.buyer.nip)
    if (why !== null) throw new Skip({ code: 'refused', problem: why })
  }
  const contractorId = await upsertContractor(trx, buyer.buyer, at)

  const items = await trx
    .selectFrom('transaction_items')
    .select(['id', 'line_item_id'])
    .where('transaction_id', '=', transactionId)
    .execute()
  const itemIds = new Map(items.map((item) => [item.line_item_id, item.id]))
  const issueDate = now.toISODate()!
  const payment = paymentOf(order)
  const dueDate = payment.paid
    ? issueDate
    : (order.invoice.dueDate ?? now.plus({ days: DEFAULT_PAYMENT_DAYS }).toISODate()!)
  const lines: NewDocumentLine[] = drafts.map((line) => ({
    kind: line.kind,
    name: line.name,
    sku: line.sku,
    offerId: line.offerId,
    transactionItemId: line.lineItemId === null ? null : (itemIds.get(line.lineItemId) ?? null),
    productId: line.productId,
    unit: line.unit,
    quantityMilli: line.quantityMilli,
    unitPriceGross: line.unitPriceGross,
    vatRate: line.vatRate,
    gross: line.gross
  }))

  const stored = await insertDocument(trx, {
    type,
    issueDate,
    saleDate,
    dueDate,
    paymentMethod: payment.method,
    paid: payment.paid,
    paidAt: payment.paidAt,
    currency: order.currency,
    exchangeRate,
    vatExempt,
    vatExemptionBasis: vatExempt ? company.exemptionBasis || DEFAULT_EXEMPTION_BASIS : null,
    seller: company,
    cashAccounting: company.cashAccounting,
    issuedToReceipt: receipt !== undefined,
    contractorId,
    buyer: buyer.buyer,
    lines,
    notes: `Zamówienie Allegro ${order.id}`,
    shopId: transaction.shop_id,
    createdBy: userId,
    createdAt: at
  })
  if (!stored.ok) throw new Skip({ code: 'refused', problem: stored.problem })
  await attachToTransaction(trx, { documentId: stored.id, transactionId, kind, linkKind: 'issued', at })
  await applyStockForIssuedDocument(trx, stored.id)
  await autoBookIssuedDocument(trx, stored.id)
  if (transaction.auto_send_documents === 1) await queueAutomaticDelivery(trx, { documentId: stored.id, type, at })
  if (company.autoClose && !isProforma(type)) {
    await changeTransactionStatus(trx, { transactionId, to: 'zamknieta', manual: false, userId, at })
  }
  // cash on delivery is paid on receipt and a pro forma asks for payment: neither is a surprise
  const warnings: IssueWarning[] = !payment.paid && !isProforma(type) && payment.method !== 'pobranie' ? ['unpaid'] : []
  return { transactionId, status: 'issued', documentId: stored.id, number: stored.number, warnings }
}

export interface IssueDeps {
  /** the exchange rates for orders not in PLN, fetched beforehand (see exchange-rates.ts) */
  rateFor?: RateLookup
}

/**
 * Issues one document of the type for the transaction (S8–S11), or says why not. Idempotent:
 * a transaction never gets a second active document of the same kind, however many requests
 * arrive at once. Unpaid orders may be issued (with a warning); cancelled ones may not; orders
 * in another currency only with their exchange rate.
 */
export async function issueForTransaction(
  db: Database,
  request: { transactionId: number; type: DocumentType; userId: number },
  now: DateTime,
  deps: IssueDeps = {}
): Promise<IssueOutcome> {
  const rateFor = deps.rateFor ?? NO_RATES
  try {
    return await db
      .transaction()
      .execute((trx) => issueInTransaction(trx, request.transactionId, request.type, request.userId, now, rateFor))
  } catch (error) {
    if (error instanceof Skip) return { transactionId: request.transactionId, status: 'skipped', reason: error.reason }
    if (error instanceof StockBlockedError)
      return {
        transactionId: request.transactionId,
        status: 'skipped',
        reason: { code: 'refused', problem: error.message }
      }
    if (isUniqueViolation(error)) {
      // only reachable if another writer got in between; its document is the one that counts
      const existing = await activeDocumentOfKind(db, request.transactionId, documentKind(request.type))
      if (existing)
        return {
          transactionId: request.transactionId,
          status: 'skipped',
          reason: { code: 'already', documentId: existing.id, number: existing.number }
        }
    }
    throw error
  }
}

/** The currencies and sale dates of the orders among these transactions that are not in PLN. */
export async function foreignSales(
  db: Queryable,
  transactionIds: number[]
): Promise<Array<{ transactionId: number; currency: string; saleDate: string }>> {
  const sales: Array<{ transactionId: number; currency: string; saleDate: string }> = []
  for (let i = 0; i < transactionIds.length; i += 500) {
    const rows = await db
      .selectFrom('transactions')
      .select(['id', 'raw_json'])
      .where('id', 'in', transactionIds.slice(i, i + 500))
      .where('currency', '!=', 'PLN')
      .execute()
    for (const row of rows) {
      let json: unknown
      try {
        json = JSON.parse(row.raw_json)
      } catch {
        continue // issuing reports the broken order itself
      }
      const parsed = parseCheckoutForm(json)
      if (parsed.ok && parsed.form.currency !== 'PLN')
        sales.push({ transactionId: row.id, currency: parsed.form.currency, saleDate: saleDateOf(parsed.form) })
    }
  }
  return sales
}

/**
 * One document per selected transaction, each in its own DB transaction, in the order given.
 * The NBP rates the foreign orders need are fetched first, once per currency and table day.
 */
export async function issueForTransactions(
  db: Database,
  request: { transactionIds: number[]; type: DocumentType; userId: number },
  now: DateTime,
  deps: { nbp?: RateSource } = {}
): Promise<IssueOutcome[]> {
  const foreign = await foreignSales(db, request.transactionIds)
  const rateFor = foreign.length > 0 && deps.nbp !== undefined ? await fetchRates(deps.nbp, foreign) : NO_RATES
  const outcomes: IssueOutcome[] = []
  for (const transactionId of request.transactionIds) {
    outcomes.push(
      await issueForTransaction(db, { transactionId, type: request.type, userId: request.userId }, now, { rateFor })
    )
  }
  return outcomes
}

/**
 * Who the order's documents are made out to, as Wystaw would (buyerFromOrder with the shop's buyer
 * rule), for comparing a document linked by hand: the names it may carry and the NIP.
 */
export async function transactionBuyer(
  db: Queryable,
  transactionId: number
): Promise<{ buyerNames: string[]; buyerNip: string | null }> {
  const row = await db
    .selectFrom('transactions as t')
    .innerJoin('allegro_shops as s', 's.id', 't.shop_id')
    .select(['t.raw_json', 't.buyer_name', 't.buyer_company', 's.buyer_data_source'])
    .where('t.id', '=', transactionId)
    .executeTakeFirstOrThrow()
  const names = [row.buyer_name, row.buyer_company ?? '']
  let json: unknown
  try {
    json = JSON.parse(row.raw_json)
  } catch {
    return { buyerNames: names, buyerNip: null }
  }
  const parsed = parseCheckoutForm(json)
  if (!parsed.ok) return { buyerNames: names, buyerNip: null }
  const buyer = buyerFromOrder(parsed.form, row.buyer_data_source === 'account_owner' ? 'account_owner' : 'delivery')
  if (!buyer.ok) return { buyerNames: names, buyerNip: null }
  return { buyerNames: [buyer.buyer.name, ...names], buyerNip: buyer.buyer.nip }
}

// By hand -----------------------------------------------------------------------------------

export interface ManualLine {
  name: string
  unit: string
  quantityMilli: number
  unitPriceGross: number
  vatRate: VatRate
}

export interface ManualDocumentRequest {
  type: DocumentType
  /** an existing contractor, or the buyer typed in (added to KONTRAHENCI), or neither (receipts) */
  contractorId: number | null
  buyer: ContractorData | null
  issueDate: string
  saleDate: string
  dueDate: string | null
  paymentMethod: PaymentMethod
  paid: boolean
  notes: string
  /** a VAT payer's exempt lines: the legal basis (required then) and its kind */
  exemptionBasis?: string | null
  exemptionBasisKind?: ExemptionBasisKind
  lines: ManualLine[]
  userId: number
  /** the pro forma this invoice is issued from */
  proformaDocumentId?: number
}

export type ManualOutcome = { ok: true; documentId: number; number: string } | { ok: false; problem: string }

/** A document for a sale outside Allegro: a contractor and lines typed by hand. */
export async function issueManualDocument(
  db: Database,
  request: ManualDocumentRequest,
  now: DateTime
): Promise<ManualOutcome> {
  const at = toStoredTimestamp(now)
  try {
    return await db.transaction().execute(async (trx): Promise<ManualOutcome> => {
      const company = await sellerSnapshot(trx)
      if (!canIssue(request.type, company.vatPayer))
        return { ok: false, problem: 'Ten rodzaj dokumentu nie pasuje do statusu VAT firmy.' }
      let contractorId: number | null = null
      let buyer: NewDocument['buyer'] = {
        name: '',
        nip: null,
        foreignTaxId: null,
        street: '',
        postalCode: '',
        city: '',
        countryCode: 'PL'
      }
      if (request.contractorId !== null) {
        const contractor = await trx
          .selectFrom('contractors')
          .selectAll()
          .where('id', '=', request.contractorId)
          .executeTakeFirst()
        if (!contractor) return { ok: false, problem: 'Wybrany kontrahent już nie istnieje.' }
        contractorId = contractor.id
        buyer = {
          name: contractor.name,
          nip: contractor.nip,
          foreignTaxId: contractor.foreign_tax_id,
          street: contractor.street,
          postalCode: contractor.postal_code,
          city: contractor.city,
          countryCode: contractor.country_code
        }
      } else if (request.buyer !== null) {
        contractorId = await upsertContractor(trx, request.buyer, at)
        buyer = { ...request.buyer }
      }
      const vatExempt = !company.vatPayer
      const stored = await insertDocument(trx, {
        type: request.type,
        issueDate: request.issueDate,
        saleDate: request.saleDate,
        dueDate: request.dueDate,
        paymentMethod: request.paymentMethod,
        paid: request.paid,
        paidAt: request.paid ? at : null,
        // documents by hand are in złoty only: the form has no currency or exchange rate
        currency: 'PLN',
        exchangeRate: null,
        vatExempt,
        vatExemptionBasis: vatExempt
          ? company.exemptionBasis || DEFAULT_EXEMPTION_BASIS
          : (request.exemptionBasis ?? null),
        vatExemptionBasisKind: vatExempt ? 'ustawa' : (request.exemptionBasisKind ?? 'ustawa'),
        seller: company,
        cashAccounting: company.cashAccounting,
        contractorId,
        buyer,
        lines: request.lines.map((line) => ({
          kind: 'item',
          name: line.name,
          sku: null,
          offerId: null,
          transactionItemId: null,
          productId: null,
          unit: line.unit,
          quantityMilli: line.quantityMilli,
          unitPriceGross: line.unitPriceGross,
          vatRate: vatExempt ? 'zw' : line.vatRate,
          gross: lineGross(line.quantityMilli, line.unitPriceGross)
        })),
        notes: request.notes,
        shopId: null,
        proformaDocumentId: request.proformaDocumentId,
        createdBy: request.userId,
        createdAt: at
      })
      if (!stored.ok) throw new Skip({ code: 'refused', problem: `Nie wystawiono dokumentu: ${stored.problem}.` })
      await applyStockForIssuedDocument(trx, stored.id)
      await autoBookIssuedDocument(trx, stored.id)
      return { ok: true, documentId: stored.id, number: stored.number }
    })
  } catch (error) {
    if (error instanceof StockBlockedError) return { ok: false, problem: error.message }
    if (error instanceof Skip && error.reason.code === 'refused') return { ok: false, problem: error.reason.problem }
    throw error
  }
}

// Cancelling ------------------------------------------------------------------------------

export type CancelOutcome = { ok: true; number: string } | { ok: false; problem: string }

/** An invoice KSeF has accepted can only be corrected, never cancelled (MF-H2 §1.6.2). */
function ksefCancelBlocker(doc: { number: string; ksef_number: string | null }): string | null {
  return doc.ksef_number === null
    ? null
    : `Faktura ${doc.number} ma numer KSeF ${doc.ksef_number} – faktury przyjętej w KSeF nie można anulować, można ją tylko skorygować.`
}

/**
 * An invoice the buyer already received through Allegro is in circulation: it is corrected
 * (art. 106j), never cancelled. Pro formas and receipts have no correction and keep the warning.
 */
async function deliveredCancelBlocker(
  db: Queryable,
  doc: { id: number; number: string; type: string }
): Promise<string | null> {
  if (doc.type !== 'faktura' && doc.type !== 'faktura_bez_vat') return null
  const sent = await db
    .selectFrom('document_allegro_deliveries')
    .select('id')
    .where('document_id', '=', doc.id)
    .where('allegro_invoice_id', 'is not', null)
    .executeTakeFirst()
  return sent === undefined
    ? null
    : `Faktura ${doc.number} została wysłana do Allegro i kupujący ją otrzymał – faktury doręczonej nabywcy nie anuluje się, tylko koryguje. Wystaw korektę.`
}

type CancelCandidate = { id: number; number: string; type: string; ksef_number: string | null }

/** Why the document cannot be cancelled now (the first reason that applies), or null. */
async function cancelBlocker(trx: Trx, doc: CancelCandidate): Promise<string | null> {
  return (
    ksefCancelBlocker(doc) ??
    (await deliveredCancelBlocker(trx, doc)) ??
    (await ksefSubmissionCancelBlocker(trx, doc.id)) ??
    (await correctionCancelBlocker(trx, doc.id)) ??
    (await whyDocumentCannotBeCancelled(trx, doc.id))
  )
}

/** The same question for the cancel page, before the user confirms: cancelDocument asks it again. */
export async function cancelBlockerOf(db: Database, doc: CancelCandidate): Promise<string | null> {
  return await db.transaction().execute(async (trx) => await cancelBlocker(trx, doc))
}

/**
 * Cancels a document that is not booked yet: its number stays used and shows as cancelled,
 * its stock goes back, and its transactions may get a new document of the same kind.
 */
export async function cancelDocument(
  db: Database,
  request: { documentId: number; userId: number },
  now: DateTime
): Promise<CancelOutcome> {
  const at = toStoredTimestamp(now)
  return await db.transaction().execute(async (trx): Promise<CancelOutcome> => {
    const doc = await trx
      .selectFrom('documents')
      .select(['id', 'number', 'type', 'status', 'ksef_number'])
      .where('id', '=', request.documentId)
      .executeTakeFirstOrThrow()
    if (doc.status === 'cancelled') return { ok: false, problem: `Dokument ${doc.number} jest już anulowany.` }
    const why = await cancelBlocker(trx, doc)
    if (why !== null) return { ok: false, problem: why }
    await markCancelled(trx, doc.id, request.userId, at)
    await reverseStockForCancelledDocument(trx, doc.id)
    await cancelQueuedDelivery(trx, doc.id, at)
    return { ok: true, number: doc.number }
  })
}

// From a pro forma ------------------------------------------------------------------------

export type FromProformaOutcome = { ok: true; documentId: number; number: string } | { ok: false; problem: string }

/**
 * "Wystaw fakturę do pro formy": the invoice of the pro forma's sale. A pro forma of an Allegro
 * order issues the order's invoice (its current data, one per order as always); a pro forma by
 * hand gives an invoice with its buyer and lines, issued today, once.
 */
export async function issueInvoiceFromProforma(
  db: Database,
  request: { proformaId: number; userId: number },
  now: DateTime,
  deps: { nbp?: RateSource } = {}
): Promise<FromProformaOutcome> {
  const proforma = await db
    .selectFrom('documents')
    .selectAll()
    .where('id', '=', request.proformaId)
    .executeTakeFirstOrThrow()
  if (!isDocumentTypeProforma(proforma.type))
    return { ok: false, problem: `Dokument ${proforma.number} nie jest pro formą.` }
  if (proforma.status !== 'issued')
    return { ok: false, problem: `Pro forma ${proforma.number} jest anulowana – nie wystawia się do niej faktury.` }
  const type: DocumentType = proforma.type === 'proforma_bez_vat' ? 'faktura_bez_vat' : 'faktura'
  const link = await db
    .selectFrom('document_transactions')
    .select('transaction_id')
    .where('document_id', '=', proforma.id)
    .orderBy('transaction_id')
    .executeTakeFirst()
  if (link) {
    const [outcome] = await issueForTransactions(
      db,
      { transactionIds: [link.transaction_id], type, userId: request.userId },
      now,
      deps
    )
    if (outcome.status === 'issued') return { ok: true, documentId: outcome.documentId, number: outcome.number }
    return {
      ok: false,
      problem:
        outcome.reason.code === 'already'
          ? `Do tego zamówienia wystawiono już fakturę ${outcome.reason.number}.`
          : `Nie wystawiono faktury do pro formy ${proforma.number} (${outcome.reason.code === 'refused' || outcome.reason.code === 'invalid_order' || outcome.reason.code === 'invalid_buyer' || outcome.reason.code === 'no_rate' ? outcome.reason.problem : outcome.reason.code}).`
    }
  }
  const existing = await db
    .selectFrom('documents')
    .select('number')
    .where('proforma_document_id', '=', proforma.id)
    .where('status', '=', 'issued')
    .executeTakeFirst()
  if (existing)
    return { ok: false, problem: `Do pro formy ${proforma.number} wystawiono już fakturę ${existing.number}.` }
  if (proforma.currency !== 'PLN')
    return { ok: false, problem: 'Pro forma w walucie obcej bez zamówienia Allegro – wystaw fakturę ręcznie.' }
  const lines = await db
    .selectFrom('document_lines')
    .selectAll()
    .where('document_id', '=', proforma.id)
    .orderBy('position')
    .execute()
  const issueDate = now.toISODate()!
  const outcome = await issueManualDocument(
    db,
    {
      type,
      contractorId: null,
      buyer:
        proforma.buyer_name === ''
          ? null
          : {
              name: proforma.buyer_name,
              isCompany: proforma.buyer_nip !== null,
              nip: proforma.buyer_nip,
              foreignTaxId: proforma.buyer_foreign_tax_id,
              foreignTaxIdType: null,
              street: proforma.buyer_street,
              postalCode: proforma.buyer_postal_code,
              city: proforma.buyer_city,
              countryCode: proforma.buyer_country_code,
              email: '',
              allegroBuyerId: null,
              allegroLogin: null
            },
      issueDate,
      // the supply is documented now; the pro forma's planned date is no sale date (art. 19a)
      saleDate: issueDate,
      dueDate:
        proforma.due_date !== null && proforma.due_date >= issueDate
          ? proforma.due_date
          : now.plus({ days: DEFAULT_PAYMENT_DAYS }).toISODate()!,
      paymentMethod: isPaymentMethod(proforma.payment_method) ? proforma.payment_method : 'przelew',
      paid: false,
      notes: `Do pro formy ${proforma.number}.${proforma.notes !== '' ? ' ' + proforma.notes : ''}`.slice(0, 1000),
      exemptionBasis: proforma.vat_exempt === 1 ? null : proforma.vat_exemption_basis,
      exemptionBasisKind: isExemptionBasisKind(proforma.vat_exemption_basis_kind)
        ? proforma.vat_exemption_basis_kind
        : 'ustawa',
      lines: lines.map((line) => ({
        name: line.name,
        unit: line.unit,
        quantityMilli: line.quantity_milli,
        unitPriceGross: line.unit_price_gross,
        vatRate: isVatRate(line.vat_rate) ? line.vat_rate : '23'
      })),
      userId: request.userId,
      proformaDocumentId: proforma.id
    },
    now
  )
  return outcome
}

function isDocumentTypeProforma(type: string): boolean {
  return type === 'proforma' || type === 'proforma_bez_vat'
}

function isPaymentMethod(value: string): value is PaymentMethod {
  return (PAYMENT_METHODS as readonly string[]).includes(value)
}
