// The printable sales document as an A4 PDF. DejaVu Sans carries the Polish letters; the
// layout follows the detail page: parties, lines, totals per rate, amount in words, payment.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import PDFDocument from 'pdfkit'
import { formatDate } from '../shared/dates.ts'
import { formatAmount, formatMoney } from '../shared/money.ts'
import { formatBankAccount, formatNip } from '../shared/nip.ts'
import { supplyDateShown, SUPPLY_DATE_LABEL } from '../documents/document.ts'
import type { DateTime } from 'luxon'
import type { Database } from '../db/database.ts'
import { loadDocumentForOutput, type DocumentForOutput, type OutputLine } from './document-output.queries.ts'
import { exchangeRateNote } from '../documents/exchange-rates.ts'
import { drawCorrectionLines, drawCorrectionReference } from './correction-pdf.ts'
import { isFa3DocumentType } from '../ksef/fa3-documents.ts'
import type { KsefCodes } from '../ksef/qr.ts'
import { ksefCodesForDocument, type DocumentKsefCodes, type QrDeps } from '../ksef/qr.queries.ts'
import { drawKsefCodes, ksefCodesHeight } from './ksef-codes.ts'
import { exemptionBasisText, vatRateLabel } from '../shared/vat.ts'

const require = createRequire(import.meta.url)
// Parsing DejaVu (thousands of glyphs) took about 55 of each document's 70 ms while pdfkit got the
// file path, and a Buffer alone does not avoid it: the fonts are parsed once here and the parsed
// fonts serve every document (each document still embeds its own subset). pdfkit 0.20 accepts a
// fontkit font in registerFont although its type declarations list only paths and buffers.
// fontkit is pdfkit's own dependency; this is the module pdfkit itself imports.
const fontkit = (await import(import.meta.resolve('fontkit'))) as { create: (buffer: Buffer) => unknown }
const loadFont = (file: string): PDFKit.Mixins.PDFFontSource =>
  fontkit.create(readFileSync(require.resolve(file))) as PDFKit.Mixins.PDFFontSource
const FONT_REGULAR = loadFont('dejavu-fonts-ttf/ttf/DejaVuSans.ttf')
const FONT_BOLD = loadFont('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf')

const MARGIN = 40
const PAGE_BOTTOM = 841.89 - MARGIN
const WIDTH = 595.28 - 2 * MARGIN
const GREY = '#555555'
const LINE = '#bbbbbb'

interface Column {
  title: string
  width: number
  align: 'left' | 'right'
  value: (line: OutputLine) => string
}

function quantity(milli: number): string {
  return milli % 1000 === 0 ? String(milli / 1000) : (milli / 1000).toFixed(3).replace(/0+$/, '').replace('.', ',')
}

function columnsFor(doc: DocumentForOutput): Column[] {
  const common: Column[] = [
    { title: 'Lp.', width: 24, align: 'right', value: (line) => String(line.position) },
    { title: 'Nazwa towaru lub usługi', width: 0, align: 'left', value: (line) => line.name },
    { title: 'Ilość', width: 42, align: 'right', value: (line) => quantity(line.quantityMilli) },
    { title: 'J.m.', width: 30, align: 'left', value: (line) => line.unit }
  ]
  const columns: Column[] = doc.vatExempt
    ? [
        ...common,
        { title: 'Cena', width: 66, align: 'right', value: (line) => formatAmount(line.unitPriceGross) },
        { title: 'Wartość', width: 72, align: 'right', value: (line) => formatAmount(line.gross) }
      ]
    : // VAT is computed from the gross sum per rate (art. 106e ust. 7–8, FA(3) P_9B/P_11A): a line
      // carries its unit gross price and gross value only, and the net and VAT exist per rate in
      // the summary below, so the lines can never disagree with it by a grosz
      [
        ...common,
        { title: 'Cena jedn. brutto', width: 70, align: 'right', value: (line) => formatAmount(line.unitPriceGross) },
        { title: 'Stawka VAT', width: 44, align: 'right', value: (line) => vatRateLabel(line.vatRate) },
        { title: 'Wartość brutto', width: 76, align: 'right', value: (line) => formatAmount(line.gross) }
      ]
  const fixed = columns.reduce((sum, column) => sum + column.width, 0)
  columns[1].width = WIDTH - fixed
  return columns
}

function partyLines(
  party: { name: string; street: string; postalCode: string; city: string; countryCode: string },
  extra: string[]
): string[] {
  const place = [party.postalCode, party.city].filter((part) => part !== '').join(' ')
  return [
    party.name || 'brak danych nabywcy',
    party.street,
    place,
    party.countryCode !== 'PL' ? party.countryCode : '',
    ...extra
  ].filter((line) => line !== '')
}

/**
 * Renders the document; the Buffer is a complete PDF file. `ksef`: the verification codes of an
 * invoice or correction that goes to KSeF (never printed on other documents).
 */
export async function renderDocumentPdf(doc: DocumentForOutput, ksef: KsefCodes | null = null): Promise<Buffer> {
  const pdf = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    info: { Title: `${doc.title} ${doc.number}`, Author: doc.seller.name, Subject: doc.typeLabel, Creator: 'Biurko' },
    lang: 'pl-PL'
  })
  const chunks: Buffer[] = []
  pdf.on('data', (chunk: Buffer) => chunks.push(chunk))
  const finished = new Promise<Buffer>((resolve, reject) => {
    pdf.on('end', () => resolve(Buffer.concat(chunks)))
    pdf.on('error', reject)
  })
  pdf.registerFont('regular', FONT_REGULAR)
  pdf.registerFont('bold', FONT_BOLD)

  // heading
  pdf
    .font('bold')
    .fontSize(17)
    .fillColor('black')
    .text(`${doc.title} nr ${doc.number}`, MARGIN, MARGIN, { width: WIDTH * 0.6 })
  const afterTitle = pdf.y
  pdf.font('regular').fontSize(9)
  const supplyDate = supplyDateShown(doc)
  const dates = [
    `Data wystawienia: ${formatDate(doc.issueDate)}`,
    ...(supplyDate !== null ? [`${SUPPLY_DATE_LABEL}: ${formatDate(supplyDate)}`] : [])
  ]
  pdf.text(dates.join('\n'), MARGIN + WIDTH * 0.6, MARGIN + 2, { width: WIDTH * 0.4, align: 'right' })
  pdf.y = Math.max(afterTitle, pdf.y) + 6
  if (doc.type === 'proforma' || doc.type === 'proforma_bez_vat') {
    pdf
      .font('regular')
      .fontSize(8.5)
      .fillColor(GREY)
      .text('PRO FORMA – dokument nie jest fakturą VAT, nie stanowi podstawy do odliczenia podatku.', MARGIN, pdf.y, {
        width: WIDTH
      })
  } else if (doc.receiptNumber) {
    // the invoice names the receipt of the same sale, which already counted it (art. 109 ust. 3d, JPK FP)
    pdf
      .font('regular')
      .fontSize(8.5)
      .fillColor(GREY)
      .text(
        `Faktura do paragonu ${doc.receiptNumber}${doc.receiptDate ? ` z dnia ${formatDate(doc.receiptDate)}` : ''}.`,
        MARGIN,
        pdf.y,
        { width: WIDTH }
      )
  } else if (doc.type === 'paragon') {
    pdf
      .font('regular')
      .fontSize(8.5)
      .fillColor(GREY)
      .text('Dowód sprzedaży (paragon niefiskalny).', MARGIN, pdf.y, { width: WIDTH })
  }
  // art. 106e ust. 1 pkt 18a: the notation, in these words, on an invoice over 15 000 zł with annex 15 goods
  if (doc.cashAccounting)
    pdf
      .font('bold')
      .fontSize(10)
      .fillColor('black')
      .text('metoda kasowa', MARGIN, pdf.y + 2, { width: WIDTH })
  if (doc.splitPayment)
    pdf
      .font('bold')
      .fontSize(10)
      .fillColor('black')
      .text('mechanizm podzielonej płatności', MARGIN, pdf.y + 2, { width: WIDTH })
  if (doc.correction) drawCorrectionReference(pdf, doc.correction, { x: MARGIN, width: WIDTH, bottom: PAGE_BOTTOM })
  if (doc.status === 'cancelled') {
    pdf.moveDown(0.4)
    const y = pdf.y
    pdf.rect(MARGIN, y, WIDTH, 22).fillAndStroke('#fbeaea', '#b3261e')
    pdf
      .font('bold')
      .fontSize(11)
      .fillColor('#b3261e')
      .text(
        `DOKUMENT ANULOWANY${doc.cancelledAt ? ` (${formatDate(doc.cancelledAt.slice(0, 10))})` : ''}`,
        MARGIN,
        y + 5,
        { width: WIDTH, align: 'center' }
      )
    pdf.y = y + 26
  }
  pdf.fillColor('black').moveDown(0.8)

  // seller and buyer
  const partiesTop = pdf.y
  const half = (WIDTH - 20) / 2
  const sellerExtra = [`NIP: ${formatNip(doc.seller.nip)}`]
  if (doc.seller.bankAccount !== '') sellerExtra.push(`Nr rachunku: ${formatBankAccount(doc.seller.bankAccount)}`)
  const buyerExtra: string[] = []
  if (doc.buyer.nip) buyerExtra.push(`NIP: ${formatNip(doc.buyer.nip)}`)
  if (doc.buyer.foreignTaxId) buyerExtra.push(`Nr identyfikacyjny: ${doc.buyer.foreignTaxId}`)
  const sellerAddress = {
    name: doc.seller.name,
    street: doc.seller.address,
    postalCode: '',
    city: '',
    countryCode: 'PL'
  }
  const blocks: Array<[string, string[], number]> = [
    ['Sprzedawca', partyLines(sellerAddress, sellerExtra), MARGIN],
    ['Nabywca', partyLines(doc.buyer, buyerExtra), MARGIN + half + 20]
  ]
  let partiesBottom = partiesTop
  for (const [title, lines, x] of blocks) {
    pdf.font('bold').fontSize(8.5).fillColor(GREY).text(title.toUpperCase(), x, partiesTop, { width: half })
    pdf
      .moveTo(x, pdf.y + 1)
      .lineTo(x + half, pdf.y + 1)
      .strokeColor(LINE)
      .stroke()
    pdf.moveDown(0.3)
    pdf.font('bold').fontSize(10).fillColor('black').text(lines[0], x, pdf.y, { width: half })
    pdf.font('regular').fontSize(9.5).text(lines.slice(1).join('\n'), x, pdf.y, { width: half })
    partiesBottom = Math.max(partiesBottom, pdf.y)
  }
  pdf.y = partiesBottom + 16

  // lines
  const columns = columnsFor(doc)
  const drawHeader = (): void => {
    const top = pdf.y
    pdf.font('bold').fontSize(7.5).fillColor('black')
    const height =
      Math.max(...columns.map((column) => pdf.heightOfString(column.title, { width: column.width - 6 }))) + 6
    pdf.rect(MARGIN, top, WIDTH, height).fill('#eef1f6')
    pdf.fillColor('black')
    let x = MARGIN
    for (const column of columns) {
      pdf.text(column.title, x + 3, top + 3, { width: column.width - 6, align: column.align })
      x += column.width
    }
    pdf.y = top + height
  }
  // a correction shows its lines before and after instead
  if (doc.correction) drawCorrectionLines(pdf, doc, { x: MARGIN, width: WIDTH, bottom: PAGE_BOTTOM })
  else drawHeader()
  pdf.font('regular').fontSize(8.5)
  for (const line of doc.correction ? [] : doc.lines) {
    const height =
      Math.max(...columns.map((column) => pdf.heightOfString(column.value(line), { width: column.width - 6 }))) + 6
    if (pdf.y + height > PAGE_BOTTOM - 40) {
      pdf.addPage()
      pdf.y = MARGIN
      drawHeader()
      pdf.font('regular').fontSize(8.5)
    }
    const top = pdf.y
    let x = MARGIN
    for (const column of columns) {
      pdf.fillColor('black').text(column.value(line), x + 3, top + 3, { width: column.width - 6, align: column.align })
      x += column.width
    }
    pdf
      .moveTo(MARGIN, top + height)
      .lineTo(MARGIN + WIDTH, top + height)
      .strokeColor(LINE)
      .lineWidth(0.5)
      .stroke()
    pdf.y = top + height
  }

  // totals per rate
  const totalsWidth = 300
  const totalsX = MARGIN + WIDTH - totalsWidth
  const ensureRoom = (needed: number): void => {
    if (pdf.y + needed > PAGE_BOTTOM) {
      pdf.addPage()
      pdf.y = MARGIN
    }
  }
  pdf.y += 12
  if (!doc.vatExempt) {
    ensureRoom(20 + 14 * (doc.vatTotals.length + 1))
    // wide enough for "Stawka VAT" on one line: the row height is fixed
    const cells = [66, 78, 74, 82]
    const row = (values: string[], bold: boolean): void => {
      const top = pdf.y
      pdf
        .font(bold ? 'bold' : 'regular')
        .fontSize(8.5)
        .fillColor('black')
      let x = totalsX
      values.forEach((value, i) => {
        pdf.text(value, x + 3, top + 3, { width: cells[i] - 6, align: i === 0 ? 'left' : 'right' })
        x += cells[i]
      })
      pdf.y = top + 15
      pdf
        .moveTo(totalsX, pdf.y)
        .lineTo(totalsX + totalsWidth, pdf.y)
        .strokeColor(LINE)
        .lineWidth(0.5)
        .stroke()
    }
    row(['Stawka VAT', 'Wartość netto', 'Kwota VAT', 'Wartość brutto'], true)
    for (const rate of doc.vatTotals)
      row([vatRateLabel(rate.vatRate), formatAmount(rate.net), formatAmount(rate.vat), formatAmount(rate.gross)], false)
    row(['Razem', formatAmount(doc.totals.net), formatAmount(doc.totals.vat), formatAmount(doc.totals.gross)], true)
    pdf.y += 10
  }

  ensureRoom(140)
  const toPay = doc.paid ? 0 : doc.totals.gross
  const settlement = doc.correction?.settlement
  const totalText = settlement
    ? `${settlement.label}: ${formatMoney(settlement.amount, doc.currency)}`
    : `Razem do zapłaty: ${formatMoney(toPay, doc.currency)}`
  pdf.font('bold').fontSize(12).fillColor('black').text(totalText, MARGIN, pdf.y, { width: WIDTH, align: 'right' })
  if (doc.paid)
    pdf
      .font('regular')
      .fontSize(9.5)
      .text(`Wartość dokumentu: ${formatMoney(doc.totals.gross, doc.currency)} – zapłacono`, MARGIN, pdf.y, {
        width: WIDTH,
        align: 'right'
      })
  pdf
    .font('regular')
    .fontSize(9.5)
    .text(`Słownie: ${settlement?.words ?? doc.amountInWords}`, MARGIN, pdf.y + 2, { width: WIDTH, align: 'right' })
  const rateNote = exchangeRateNote(doc)
  if (rateNote !== null)
    pdf.fontSize(8.5).fillColor(GREY).text(rateNote, MARGIN, pdf.y, { width: WIDTH, align: 'right' })
  pdf.moveDown(1)

  // payment and notes
  const details: Array<[string, string]> = [['Sposób płatności', doc.paymentMethodLabel]]
  if (doc.paid) details.push(['Zapłacono', doc.paidOn !== null ? formatDate(doc.paidOn) : 'tak'])
  else if (doc.dueDate) details.push(['Termin płatności', formatDate(doc.dueDate)])
  // a correction that lowers the amount is refunded: nothing to transfer to the seller
  if (doc.seller.bankAccount !== '' && !doc.paid && !(doc.correction && doc.totals.gross <= 0))
    details.push(['Numer rachunku', formatBankAccount(doc.seller.bankAccount)])
  // a VAT payer's exempt lines carry their basis too (art. 106e ust. 1 pkt 19)
  if (doc.vatExemptionBasis)
    details.push(['Podstawa zwolnienia z VAT', exemptionBasisText(doc.vatExemptionBasis, doc.vatExemptionBasisKind)])
  if (doc.ksefNumber) details.push(['Numer KSeF', doc.ksefNumber])
  if (doc.notes !== '') details.push(['Uwagi', doc.notes])
  for (const [label, value] of details) {
    ensureRoom(16)
    const top = pdf.y
    pdf.font('regular').fontSize(9).fillColor(GREY).text(`${label}:`, MARGIN, top, { width: 150 })
    pdf
      .font('regular')
      .fontSize(9)
      .fillColor('black')
      .text(value, MARGIN + 150, top, { width: WIDTH - 150 })
    pdf.y = Math.max(pdf.y, top + 12) + 2
  }

  if (ksef !== null && isFa3DocumentType(doc.type)) {
    pdf.y += 8
    ensureRoom(ksefCodesHeight(ksef))
    drawKsefCodes(pdf, ksef, { x: MARGIN, width: WIDTH, bottom: PAGE_BOTTOM })
  }

  pdf.end()
  return await finished
}

/**
 * The PDF of a stored document as it goes out (download, Allegro): an invoice or correction that
 * goes to KSeF has its FA(3) file fixed first, so its KOD I carries the hash of the file that is
 * or will be sent. `ksef` says what was printed, or why no codes could be.
 */
export async function renderStoredDocumentPdf(
  db: Database,
  deps: QrDeps,
  documentId: number,
  now: DateTime
): Promise<{ doc: DocumentForOutput; pdf: Buffer; ksef: DocumentKsefCodes }> {
  const ksef = await ksefCodesForDocument(db, deps, documentId, now)
  const doc = await loadDocumentForOutput(db, documentId)
  return { doc, pdf: await renderDocumentPdf(doc, ksef.kind === 'codes' ? ksef.codes : null), ksef }
}
