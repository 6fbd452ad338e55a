// The parts of a faktura korygująca's PDF that an invoice does not have: what it corrects and
// why, and each corrected line before, after and the difference. Drawn into the document PDF
// (document-pdf.ts) with its fonts ('regular', 'bold') and layout.
import { vatRateLabel } from '../shared/vat.ts'
import { type DocumentForOutput } from './document-output.queries.ts'
import { formatDate } from '../shared/dates.ts'
import { formatAmount } from '../shared/money.ts'
import type { LineFigures } from '../corrections/correction.ts'
import type { CorrectionForOutput } from '../corrections/corrections.queries.ts'

const GREY = '#555555'
const LINE = '#bbbbbb'
const STATE_LABELS = ['Przed korektą', 'Po korekcie', 'Różnica'] as const

interface Box {
  x: number
  width: number
  /** the lowest y a row may reach before a new page */
  bottom: number
}

interface Column {
  title: string
  width: number
  value: (figures: LineFigures, vatRate: string) => string
}

function quantity(milli: number): string {
  const text =
    Math.abs(milli) % 1000 === 0
      ? String(Math.abs(milli) / 1000)
      : (Math.abs(milli) / 1000).toFixed(3).replace(/0+$/, '').replace('.', ',')
  return `${milli < 0 ? '-' : ''}${text}`
}

/** "Do faktury FV 1/11/2026 z dnia 16.11.2026", its KSeF number and the reason, under the heading. */
export function drawCorrectionReference(pdf: PDFKit.PDFDocument, correction: CorrectionForOutput, box: Box): void {
  const lines = [
    `Korygowana faktura: ${correction.original.number} z dnia ${formatDate(correction.original.issueDate)}, data sprzedaży ${formatDate(correction.original.saleDate)}`,
    ...(correction.original.ksefNumber ? [`Numer KSeF faktury korygowanej: ${correction.original.ksefNumber}`] : []),
    `Przyczyna korekty: ${correction.reason}`
  ]
  pdf.moveDown(0.3)
  pdf.font('regular').fontSize(9.5).fillColor('black').text(lines.join('\n'), box.x, pdf.y, { width: box.width })
}

/** Each corrected line: its name across the table, then before, after and the difference. */
export function drawCorrectionLines(pdf: PDFKit.PDFDocument, doc: DocumentForOutput, box: Box): void {
  const correction = doc.correction
  if (!correction) return
  const money = (pick: (f: LineFigures) => number) => (f: LineFigures) => formatAmount(pick(f))
  const columns: Column[] = [
    { title: '', width: 0, value: () => '' },
    { title: 'Ilość', width: 44, value: (f) => quantity(f.quantityMilli) },
    ...(doc.vatExempt
      ? [
          { title: 'Cena', width: 70, value: money((f) => f.unitPriceGross) },
          { title: 'Wartość', width: 76, value: money((f) => f.gross) }
        ]
      : [
          { title: 'Cena brutto', width: 62, value: money((f) => f.unitPriceGross) },
          { title: 'VAT', width: 34, value: (_f: LineFigures, rate: string) => vatRateLabel(rate) },
          { title: 'Netto', width: 62, value: money((f) => f.net) },
          { title: 'Kwota VAT', width: 58, value: money((f) => f.vat) },
          { title: 'Brutto', width: 64, value: money((f) => f.gross) }
        ])
  ]
  columns[0].width = box.width - columns.reduce((sum, column) => sum + column.width, 0)

  const header = (): void => {
    const top = pdf.y
    pdf.rect(box.x, top, box.width, 16).fill('#eef1f6')
    pdf.font('bold').fontSize(7.5).fillColor('black')
    let x = box.x
    for (const [i, column] of columns.entries()) {
      pdf.text(i === 0 ? 'Lp. / nazwa towaru lub usługi' : column.title, x + 3, top + 4, {
        width: column.width - 6,
        align: i === 0 ? 'left' : 'right'
      })
      x += column.width
    }
    pdf.y = top + 16
  }
  const room = (needed: number): void => {
    if (pdf.y + needed <= box.bottom - 40) return
    pdf.addPage()
    pdf.y = pdf.page.margins.top
    header()
  }

  header()
  for (const row of correction.rows) {
    const name = `${row.position}. ${row.name} (${row.unit})`
    pdf.font('bold').fontSize(8.5)
    const nameHeight = pdf.heightOfString(name, { width: box.width - 6 }) + 5
    room(nameHeight + 3 * 14)
    pdf.fillColor('black').text(name, box.x + 3, pdf.y + 3, { width: box.width - 6 })
    pdf.y += 1
    const figures = [row.before, row.after, row.difference]
    figures.forEach((f, i) => {
      const top = pdf.y
      const isDifference = i === 2
      pdf
        .font(isDifference ? 'bold' : 'regular')
        .fontSize(8.5)
        .fillColor(isDifference ? 'black' : GREY)
      let x = box.x
      for (const [c, column] of columns.entries()) {
        const value = c === 0 ? STATE_LABELS[i] : column.value(f, row.vatRate)
        pdf.text(value, x + 3 + (c === 0 ? 12 : 0), top + 2, {
          width: column.width - 6 - (c === 0 ? 12 : 0),
          align: c === 0 ? 'left' : 'right'
        })
        x += column.width
      }
      pdf.y = top + 14
    })
    pdf
      .moveTo(box.x, pdf.y + 1)
      .lineTo(box.x + box.width, pdf.y + 1)
      .strokeColor(LINE)
      .lineWidth(0.5)
      .stroke()
    pdf.y += 3
  }
  pdf.moveDown(0.5)
  pdf
    .font('regular')
    .fontSize(8.5)
    .fillColor(GREY)
    .text('Kwoty poniżej to różnica: o tyle korekta zmienia wartość faktury w każdej stawce.', box.x, pdf.y, {
      width: box.width
    })
  pdf.fillColor('black')
}
