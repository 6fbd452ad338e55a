// The KSeF block at the foot of an invoice's PDF: KOD I (and for an offline invoice KOD II) as
// vector QR symbols with their labels (kody-qr.md: the KSeF number or OFFLINE; CERTYFIKAT), each
// also a link, and a few words for the buyer. Drawn with the document's fonts ('regular', 'bold').
import { qrMatrix, type KsefCodes, type OfflineMode, type QrCode } from '../ksef/qr.ts'

const GREY = '#555555'
const LINE = '#bbbbbb'
/** the symbol's side; KOD II of an RSA key (≈ 470 characters, 73 modules) still gets 1.2 pt a module */
const SYMBOL = 88
/** the cell of one code: wide enough for a KSeF number (35 characters) under the symbol */
const CELL = 156
const LABEL_SIZE = 7.5
const QUIET_MODULES = 4
/** room around a symbol: at least its quiet zone (4 modules of any symbol a link needs, version 5+) */
const PAD = 10

const OFFLINE_MODE_TEXT: Record<OfflineMode, string> = {
  offline24: 'w trybie offline24',
  awaria: 'w trybie awaryjnym (awaria KSeF)',
  awaria_calkowita: 'w czasie awarii całkowitej KSeF'
}

interface Box {
  x: number
  width: number
  bottom: number
}

/** Height the block needs, so the caller can start a new page instead of splitting it. */
export function ksefCodesHeight(codes: KsefCodes): number {
  return codes.invoice === null ? 40 : 22 + SYMBOL + 2 * PAD + LABEL_SIZE + 40
}

function drawSymbol(pdf: PDFKit.PDFDocument, code: QrCode, x: number, y: number): void {
  const matrix = qrMatrix(code.url)
  const module = SYMBOL / matrix.size
  // the quiet zone (ISO/IEC 18004: 4 modules) stays white whatever surrounds the block
  const quiet = QUIET_MODULES * module
  pdf.rect(x - quiet, y - quiet, SYMBOL + 2 * quiet, SYMBOL + 2 * quiet).fill('white')
  for (let row = 0; row < matrix.size; row++) {
    let column = 0
    while (column < matrix.size) {
      if (!matrix.dark(row, column)) {
        column++
        continue
      }
      const start = column
      while (column < matrix.size && matrix.dark(row, column)) column++
      // a hair of overlap, so rasterisers leave no light seams between neighbouring runs
      pdf.rect(x + start * module, y + row * module, (column - start) * module + 0.05, module + 0.05)
    }
  }
  pdf.fill('black')
  pdf.link(x, y, SYMBOL, SYMBOL, code.url)
}

function drawCode(pdf: PDFKit.PDFDocument, code: QrCode, cellX: number, top: number): void {
  const x = cellX + (CELL - SYMBOL) / 2
  drawSymbol(pdf, code, x, top + PAD)
  pdf.font('bold')
  // a KSeF number (35 characters) must stay on one line under its code
  let size = LABEL_SIZE
  while (size > 5 && pdf.fontSize(size).widthOfString(code.label) > CELL - 4) size -= 0.25
  pdf
    .fontSize(size)
    .fillColor('black')
    .text(code.label, cellX, top + SYMBOL + PAD + 2, { width: CELL, align: 'center', lineBreak: false })
}

function drawMissingCertificate(pdf: PDFKit.PDFDocument, cellX: number, top: number): void {
  const x = cellX + (CELL - SYMBOL) / 2
  const y = top + PAD
  pdf.save().dash(3, { space: 2 }).rect(x, y, SYMBOL, SYMBOL).lineWidth(0.7).strokeColor(GREY).stroke().restore()
  pdf
    .font('regular')
    .fontSize(7.5)
    .fillColor(GREY)
    .text('KOD II\nniedostępny', x, y + SYMBOL / 2 - 10, { width: SYMBOL, align: 'center' })
}

/** Draws the block at pdf.y (the caller made room with ksefCodesHeight) and leaves pdf.y under it. */
export function drawKsefCodes(pdf: PDFKit.PDFDocument, codes: KsefCodes, box: Box): void {
  const top = pdf.y + 6
  pdf
    .font('bold')
    .fontSize(8.5)
    .fillColor(GREY)
    .text('KRAJOWY SYSTEM E-FAKTUR (KSeF)', box.x, top, { width: box.width })
  pdf
    .moveTo(box.x, pdf.y + 1)
    .lineTo(box.x + box.width, pdf.y + 1)
    .strokeColor(LINE)
    .lineWidth(0.5)
    .stroke()
  const codesTop = pdf.y + 2

  if (codes.invoice === null) {
    // a declared total failure: the invoice is outside KSeF for good (tryby-offline.md)
    pdf
      .font('regular')
      .fontSize(8.5)
      .fillColor('black')
      .text(
        'Faktura wystawiona w czasie ogłoszonej awarii całkowitej KSeF – bez kodów QR; nie jest przesyłana do KSeF.',
        box.x,
        codesTop + 4,
        { width: box.width }
      )
    pdf.y = Math.max(pdf.y, codesTop + 18)
    return
  }

  const offline = codes.offlineMode !== null
  drawCode(pdf, codes.invoice, box.x, codesTop)
  let textX = box.x + CELL + 8
  if (offline) {
    if (codes.certificate !== null) drawCode(pdf, codes.certificate, box.x + CELL, codesTop)
    else drawMissingCertificate(pdf, box.x + CELL, codesTop)
    textX = box.x + 2 * CELL + 8
  }
  const textWidth = box.x + box.width - textX
  const paragraphs: string[] = []
  if (offline && codes.offlineMode !== null) {
    paragraphs.push(
      codes.ksefNumber === null
        ? `Faktura wystawiona ${OFFLINE_MODE_TEXT[codes.offlineMode]}; numer KSeF otrzyma po przesłaniu do KSeF.`
        : `Faktura wystawiona ${OFFLINE_MODE_TEXT[codes.offlineMode]} i przesłana do KSeF.`
    )
  } else if (codes.ksefNumber === null) {
    paragraphs.push('Faktura czeka na nadanie numeru KSeF.')
  }
  paragraphs.push(
    offline
      ? 'KOD I (po lewej): sprawdzenie faktury w KSeF i pobranie jej pliku. KOD II (CERTYFIKAT): potwierdzenie wystawcy certyfikatem KSeF.'
      : 'Zeskanuj kod QR, aby sprawdzić fakturę w KSeF i pobrać jej plik.'
  )
  if (offline && codes.certificate === null) {
    paragraphs.push(
      'KOD II nie został dołączony: wystawca nie ma ważnego certyfikatu KSeF typu Offline. Fakturę sprawdzisz KODEM I po jej przesłaniu do KSeF.'
    )
  }
  pdf
    .font('regular')
    .fontSize(8)
    .fillColor('black')
    .text(paragraphs.join('\n'), textX, codesTop + 2, { width: textWidth, paragraphGap: 3 })
  pdf
    .font('regular')
    .fontSize(6.5)
    .fillColor(GREY)
    .text(codes.invoice.url, textX, pdf.y + 2, { width: textWidth, link: codes.invoice.url })
  pdf.fillColor('black')
  pdf.y = Math.max(pdf.y, codesTop + SYMBOL + PAD + 2 + LABEL_SIZE + 6)
}
