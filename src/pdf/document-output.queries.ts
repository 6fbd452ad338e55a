// Everything printed on a sales document, loaded as plain data for the PDF, the page and the e-mail.
import type { Queryable } from '../db/database.ts'
import { correctionInfo, type CorrectionInfo } from '../corrections/corrections.queries.ts'
import { amountInWords } from '../shared/amount-in-words.ts'
import { paymentDay, paymentMethodLabel } from '../documents/document.ts'
import {
  DOCUMENT_TYPE_INFO,
  documentTypeLabel,
  isDocumentType,
  isProforma,
  type DocumentType
} from '../shared/document-types.ts'
import {
  compareVatRates,
  isExemptionBasisKind,
  isVatRate,
  type ExemptionBasisKind,
  type VatRate,
  type VatTotal
} from '../shared/vat.ts'
import { receiptOfInvoice, type PartySnapshot, type SellerSnapshot } from '../documents/documents.queries.ts'

export interface OutputLine {
  position: number
  kind: string
  name: string
  unit: string
  quantityMilli: number
  unitPriceGross: number
  vatRate: string
  net: number
  vat: number
  gross: number
}

interface LinkedTransaction {
  id: number
  checkoutFormId: string
  buyerLogin: string
  linkKind: 'issued' | 'linked'
}

/**
 * Everything printed on a sales document, as plain data: the detail page, the PDF and
 * (later) the Allegro invoice upload and KSeF all render from this one object.
 */
export interface DocumentForOutput {
  id: number
  type: DocumentType
  typeLabel: string
  /** the heading: "Faktura", "Faktura pro forma", "Paragon" … */
  title: string
  number: string
  status: 'issued' | 'cancelled'
  cancelledAt: string | null
  issueDate: string
  saleDate: string
  dueDate: string | null
  paymentMethod: string
  paymentMethodLabel: string
  paid: boolean
  paidAt: string | null
  /** the payment's day in Poland (paymentDay), null when unpaid or unknown */
  paidOn: string | null
  currency: string
  exchangeRate: string | null
  exchangeRateTable: string | null
  exchangeRateDate: string | null
  totalVatPln: number
  vatExempt: boolean
  vatExemptionBasis: string | null
  vatExemptionBasisKind: ExemptionBasisKind
  /** "mechanizm podzielonej płatności" (art. 106e ust. 1 pkt 18a), decided at issue */
  splitPayment: boolean
  /** "metoda kasowa" (art. 106e ust. 1 pkt 16) */
  cashAccounting: boolean
  seller: SellerSnapshot
  buyer: PartySnapshot & { foreignTaxId: string | null; contractorId: number | null }
  lines: OutputLine[]
  vatTotals: VatTotal[]
  totals: { net: number; vat: number; gross: number }
  amountInWords: string
  notes: string
  ksefNumber: string | null
  transactions: LinkedTransaction[]
  /** a correction: what it corrects, line by line before and after */
  correction: CorrectionInfo['correction']
  /** an invoice: its corrections, cancelled ones included */
  corrections: CorrectionInfo['corrections']
  /** whether "Wystaw korektę" applies to this document now */
  correctable: boolean
  /** the receipt this invoice was issued to (FP), when there is one */
  receiptNumber?: string | null
  receiptDate?: string | null
}

export async function loadDocumentForOutput(db: Queryable, id: number): Promise<DocumentForOutput> {
  const doc = await db.selectFrom('documents').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
  const [lines, rates, transactions] = await Promise.all([
    db.selectFrom('document_lines').selectAll().where('document_id', '=', id).orderBy('position').execute(),
    db.selectFrom('document_vat_totals').selectAll().where('document_id', '=', id).execute(),
    db
      .selectFrom('document_transactions as dt')
      .innerJoin('transactions as t', 't.id', 'dt.transaction_id')
      .select(['t.id', 't.checkout_form_id', 't.buyer_login', 'dt.link_kind'])
      .where('dt.document_id', '=', id)
      .orderBy('dt.created_at')
      .orderBy('t.id')
      .execute()
  ])
  const type: DocumentType = isDocumentType(doc.type) ? doc.type : 'faktura'
  const corrections = await correctionInfo(db, doc)
  const receipt = await receiptOfInvoice(db, doc.id)
  const storedTotals = rates
    .filter((rate): rate is typeof rate & { vat_rate: VatRate } => isVatRate(rate.vat_rate))
    .map((rate) => ({ vatRate: rate.vat_rate, net: rate.net, vat: rate.vat, gross: rate.gross }))
  return {
    id: doc.id,
    type,
    typeLabel: documentTypeLabel(doc.type),
    title: isDocumentType(doc.type) ? DOCUMENT_TYPE_INFO[doc.type].title : doc.type,
    number: doc.number,
    status: doc.status === 'cancelled' ? 'cancelled' : 'issued',
    cancelledAt: doc.cancelled_at,
    issueDate: doc.issue_date,
    saleDate: doc.sale_date,
    dueDate: doc.due_date,
    paymentMethod: doc.payment_method,
    paymentMethodLabel: paymentMethodLabel(doc.payment_method),
    // pro formas stored as paid before issue 14 still print the full amount due
    paid: doc.paid === 1 && !isProforma(type),
    paidAt: isProforma(type) ? null : doc.paid_at,
    paidOn: doc.paid === 1 && !isProforma(type) ? paymentDay(doc.paid_at) : null,
    currency: doc.currency,
    exchangeRate: doc.exchange_rate,
    exchangeRateTable: doc.exchange_rate_table,
    exchangeRateDate: doc.exchange_rate_date,
    totalVatPln: doc.total_vat_pln,
    vatExempt: doc.vat_exempt === 1,
    vatExemptionBasis: doc.vat_exemption_basis,
    vatExemptionBasisKind: isExemptionBasisKind(doc.vat_exemption_basis_kind) ? doc.vat_exemption_basis_kind : 'ustawa',
    splitPayment: doc.split_payment === 1,
    cashAccounting: doc.cash_accounting === 1,
    seller: {
      name: doc.seller_name,
      nip: doc.seller_nip,
      address: doc.seller_address,
      bankAccount: doc.seller_bank_account
    },
    buyer: {
      name: doc.buyer_name,
      nip: doc.buyer_nip,
      foreignTaxId: doc.buyer_foreign_tax_id,
      street: doc.buyer_street,
      postalCode: doc.buyer_postal_code,
      city: doc.buyer_city,
      countryCode: doc.buyer_country_code,
      contractorId: doc.contractor_id
    },
    lines: lines.map((line) => ({
      position: line.position,
      kind: line.kind,
      name: line.name,
      unit: line.unit,
      quantityMilli: line.quantity_milli,
      unitPriceGross: line.unit_price_gross,
      vatRate: line.vat_rate,
      net: line.net,
      vat: line.vat,
      gross: line.gross
    })),
    vatTotals: storedTotals.sort((a, b) => compareVatRates(a.vatRate, b.vatRate)),
    totals: { net: doc.total_net, vat: doc.total_vat, gross: doc.total_gross },
    amountInWords: amountInWords(doc.total_gross, doc.currency),
    notes: doc.notes,
    ksefNumber: doc.ksef_number,
    transactions: transactions.map((t) => ({
      id: t.id,
      checkoutFormId: t.checkout_form_id,
      buyerLogin: t.buyer_login,
      linkKind: t.link_kind === 'linked' ? 'linked' : 'issued'
    })),
    receiptNumber: receipt?.number ?? null,
    receiptDate: receipt?.issue_date ?? null,
    ...corrections
  }
}
