// Issuing a faktura korygująca: one short DB transaction that reads where the invoice stands,
// numbers the correction in its own series (KOR n/mm/yyyy), stores it with the lines before and
// after, links it to the invoice's Allegro transactions, returns goods to stock and books it.
import { DateTime } from 'luxon'
import type { Database, Trx } from '../db/database.ts'
import { queueAutomaticDelivery } from '../delivery/allegro-delivery.queries.ts'
import { attachToTransaction, insertDocument, type NewDocumentLine } from '../documents/documents.queries.ts'
import { isExemptionBasisKind } from '../shared/vat.ts'
import { DEFAULT_PAYMENT_DAYS } from './issuing.ts'
import { autoBookIssuedDocument } from '../ledger/ledger.hooks.ts'
import { applyStockForIssuedDocument } from '../products/stock.hooks.ts'
import { toStoredTimestamp, ZONE } from '../shared/dates.ts'
import { eventDate } from '../ledger/ledger.ts'
import {
  correctionDirection,
  correctionSettlement,
  isCorrectable,
  planCorrection,
  type RequestedLine,
  type Settlement
} from '../corrections/correction.ts'
import { invoiceState } from '../corrections/corrections.queries.ts'

export interface CorrectionIssueRequest {
  originalId: number
  /** the latest issued correction the form showed as "before" (null: none); a newer one refuses the form */
  basedOnCorrectionId: number | null
  issueDate: string
  reason: string
  /** after-values per original line id */
  lines: ReadonlyMap<number, RequestedLine>
  fullReturn: boolean
  refundDelivery: boolean
  /** when it is settled (art. 29a); the day `dokumentacja` and `przyczyna` need, '' otherwise */
  settlement?: Settlement
  settlementDate?: string
  userId: number
}

export type CorrectionOutcome =
  | { ok: true; documentId: number; number: string }
  /** `stale`: another correction of the invoice was issued after the form was opened */
  | { ok: false; errors: Record<string, string>; stale: boolean }

function refused(errors: Record<string, string>, stale = false): CorrectionOutcome {
  return { ok: false, errors, stale }
}

async function issueInTransaction(
  trx: Trx,
  request: CorrectionIssueRequest,
  now: DateTime
): Promise<CorrectionOutcome> {
  const at = toStoredTimestamp(now)
  const original = await trx
    .selectFrom('documents')
    .selectAll()
    .where('id', '=', request.originalId)
    .executeTakeFirstOrThrow()
  if (!isCorrectable(original)) {
    return refused({
      form:
        original.status === 'cancelled'
          ? `Faktura ${original.number} jest anulowana – anulowanej faktury się nie koryguje.`
          : `Dokument ${original.number} nie jest fakturą – korektę wystawia się tylko do faktury.`
    })
  }
  const state = await invoiceState(trx, original.id)
  if (state.latestCorrectionId !== request.basedOnCorrectionId) {
    return refused(
      {
        form: `W międzyczasie wystawiono inną korektę faktury ${original.number}. Sprawdź stan „przed korektą” poniżej i wystaw korektę ponownie.`
      },
      true
    )
  }
  if (request.issueDate < original.issue_date)
    return refused({ issueDate: `Korekta nie może być wcześniejsza niż faktura (${original.issue_date}).` })
  let exchangeRate = null
  if (original.currency !== 'PLN') {
    // art. 31a ust. 2a: a correction of the base is converted at the rate of the original invoice
    if (original.exchange_rate === null || original.exchange_rate_date === null)
      return refused({ form: `Faktura ${original.number} nie ma zapisanego kursu waluty – nie można jej skorygować.` })
    exchangeRate = {
      mid: original.exchange_rate,
      tableNo: original.exchange_rate_table,
      effectiveDate: original.exchange_rate_date
    }
  }

  const planned = planCorrection(state.lines, state.declared, request)
  if (!planned.ok) return refused(planned.errors)
  const { plan } = planned
  const settlement = request.settlement ?? 'wystawienie'
  const settled = correctionSettlement(correctionDirection(plan.totals), {
    settlement,
    date: request.settlementDate ?? '',
    issueDate: request.issueDate,
    originalDate: eventDate({ type: original.type, issueDate: original.issue_date, saleDate: original.sale_date }),
    today: now.setZone(ZONE).toISODate()!
  })
  if (!settled.ok) return refused({ [settled.field]: settled.message })

  const originalLines = new Map(
    (await trx.selectFrom('document_lines').selectAll().where('document_id', '=', original.id).execute()).map(
      (line) => [line.id, line]
    )
  )
  const lines: NewDocumentLine[] = plan.lines.map(({ before, after }) => {
    const source = originalLines.get(before.originalLineId)!
    return {
      kind: before.kind,
      name: before.name,
      sku: source.sku,
      offerId: source.offer_id,
      transactionItemId: source.transaction_item_id,
      productId: source.product_id,
      unit: before.unit,
      quantityMilli: after.quantityMilli,
      unitPriceGross: after.unitPriceGross,
      vatRate: before.vatRate,
      gross: after.gross
    }
  })
  const stored = await insertDocument(trx, {
    type: 'korekta',
    issueDate: request.issueDate,
    // the correction refers to the original supply (art. 106j ust. 2 pkt 2, FA(3) P_6)
    saleDate: original.sale_date,
    // a lower amount is refunded, a higher one is due like an invoice
    dueDate:
      plan.totals.gross > 0
        ? DateTime.fromISO(request.issueDate, { zone: ZONE }).plus({ days: DEFAULT_PAYMENT_DAYS }).toISODate()!
        : null,
    paymentMethod: original.payment_method,
    paid: false,
    paidAt: null,
    currency: original.currency,
    exchangeRate,
    vatExempt: original.vat_exempt === 1,
    vatExemptionBasis: original.vat_exemption_basis,
    cashAccounting: original.cash_accounting === 1,
    vatExemptionBasisKind: isExemptionBasisKind(original.vat_exemption_basis_kind)
      ? original.vat_exemption_basis_kind
      : 'ustawa',
    seller: {
      name: original.seller_name,
      nip: original.seller_nip,
      address: original.seller_address,
      bankAccount: original.seller_bank_account
    },
    contractorId: original.contractor_id,
    buyer: {
      name: original.buyer_name,
      nip: original.buyer_nip,
      foreignTaxId: original.buyer_foreign_tax_id,
      street: original.buyer_street,
      postalCode: original.buyer_postal_code,
      city: original.buyer_city,
      countryCode: original.buyer_country_code
    },
    lines,
    vatTotals: plan.differences,
    correctsDocumentId: original.id,
    settlementDate: settled.date,
    notes: '',
    shopId: original.shop_id,
    createdBy: request.userId,
    createdAt: at
  })
  if (!stored.ok) return refused({ form: `Nie wystawiono korekty: ${stored.problem}.` })

  const correction = await trx
    .insertInto('corrections')
    .values({
      document_id: stored.id,
      original_document_id: original.id,
      follows_correction_id: state.latestCorrectionId,
      reason: request.reason,
      effect: settled.effect,
      settlement,
      created_at: at
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  const storedLines = await trx
    .selectFrom('document_lines')
    .select(['id', 'position'])
    .where('document_id', '=', stored.id)
    .orderBy('position')
    .execute()
  for (const [index, line] of storedLines.entries()) {
    const { before } = plan.lines[index]
    await trx
      .insertInto('correction_lines')
      .values({
        correction_id: correction.id,
        document_line_id: line.id,
        original_line_id: before.originalLineId,
        quantity_before_milli: before.quantityMilli,
        unit_price_gross_before: before.unitPriceGross,
        gross_before: before.gross
      })
      .execute()
  }

  // the correction belongs to the invoice's orders: shown there and sent to Allegro like the invoice
  const transactions = await trx
    .selectFrom('document_transactions as dt')
    .innerJoin('transactions as t', 't.id', 'dt.transaction_id')
    .innerJoin('allegro_shops as s', 's.id', 't.shop_id')
    .select(['dt.transaction_id', 's.auto_send_documents'])
    .where('dt.document_id', '=', original.id)
    .orderBy('dt.created_at')
    .orderBy('dt.transaction_id')
    .execute()
  for (const link of transactions) {
    await attachToTransaction(trx, {
      documentId: stored.id,
      transactionId: link.transaction_id,
      kind: 'korekta',
      linkKind: 'issued',
      at
    })
  }
  await applyStockForIssuedDocument(trx, stored.id)
  await autoBookIssuedDocument(trx, stored.id)
  if (transactions.some((link) => link.auto_send_documents === 1))
    await queueAutomaticDelivery(trx, { documentId: stored.id, type: 'korekta', at })
  return { ok: true, documentId: stored.id, number: stored.number }
}

/**
 * Issues a correction of an invoice (faktura or faktura bez VAT) in one DB transaction, or says
 * why not (field errors in Polish). A double click or a second tab cannot issue the same change
 * twice: the form names the correction it was based on, and a newer one refuses it.
 */
export async function issueCorrection(
  db: Database,
  request: CorrectionIssueRequest,
  now: DateTime
): Promise<CorrectionOutcome> {
  return await db.transaction().execute((trx) => issueInTransaction(trx, request, now))
}
