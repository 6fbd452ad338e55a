// Reads the QR codes a person would scan off a PDF: every page rasterised by pdftoppm (poppler)
// and each code decoded with jsQR.
import { execFile } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import jsQRModule from 'jsqr'
import { PNG } from 'pngjs'

const run = promisify(execFile)
// jsqr is CommonJS whose types declare an ES default export: under nodenext the callable is `.default`
const jsQR = jsQRModule.default

export interface FoundCode {
  page: number
  data: string
  /** top-left corner in pixels */ x: number
  y: number
  width: number
  height: number
}

/** Rasterises each page (PNG at `dpi`); pages in order. Fails plainly when pdftoppm is missing. */
async function rasterisePdf(pdf: Buffer, dpi = 200): Promise<PNG[]> {
  const dir = await mkdtemp(join(tmpdir(), 'biurko-qr-'))
  try {
    await writeFile(join(dir, 'doc.pdf'), pdf)
    try {
      await run('pdftoppm', ['-r', String(dpi), '-png', join(dir, 'doc.pdf'), join(dir, 'page')])
    } catch (error) {
      throw new Error(
        `pdftoppm could not rasterise the PDF (apt-get install poppler-utils): ${(error as Error).message}`
      )
    }
    const files = (await readdir(dir)).filter((name) => name.startsWith('page') && name.endsWith('.png')).sort()
    return await Promise.all(files.map(async (name) => PNG.sync.read(await readFile(join(dir, name)))))
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

const CELL = 4
const MARGIN = 16

/**
 * Frames each square cluster of dark pixels on the page (as a phone frames one code at a time)
 * and decodes it; jsQR alone reads only one symbol per image and may miss both when two sit side
 * by side.
 */
function decodeQrCodes(image: PNG, page = 1): FoundCode[] {
  const columns = Math.ceil(image.width / CELL)
  const rows = Math.ceil(image.height / CELL)
  const dark = new Uint8Array(columns * rows)
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const i = (y * image.width + x) * 4
      if (image.data[i] + image.data[i + 1] + image.data[i + 2] < 3 * 128)
        dark[Math.floor(y / CELL) * columns + Math.floor(x / CELL)] = 1
    }
  }
  const seen = new Uint8Array(columns * rows)
  const found: FoundCode[] = []
  for (let start = 0; start < dark.length; start++) {
    if (dark[start] === 0 || seen[start] === 1) continue
    let minX = columns
    let minY = rows
    let maxX = 0
    let maxY = 0
    const queue = [start]
    seen[start] = 1
    while (queue.length > 0) {
      const cell = queue.pop() as number
      const cx = cell % columns
      const cy = Math.floor(cell / columns)
      minX = Math.min(minX, cx)
      maxX = Math.max(maxX, cx)
      minY = Math.min(minY, cy)
      maxY = Math.max(maxY, cy)
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const nx = cx + dx
          const ny = cy + dy
          if (nx < 0 || ny < 0 || nx >= columns || ny >= rows) continue
          const next = ny * columns + nx
          if (dark[next] === 1 && seen[next] === 0) {
            seen[next] = 1
            queue.push(next)
          }
        }
      }
    }
    const box = { x: minX * CELL, y: minY * CELL, width: (maxX - minX + 1) * CELL, height: (maxY - minY + 1) * CELL }
    if (box.width < 42 || box.height < 42 || box.width / box.height < 0.8 || box.width / box.height > 1.25) continue
    const width = box.width + 2 * MARGIN
    const height = box.height + 2 * MARGIN
    const crop = new Uint8ClampedArray(width * height * 4).fill(255)
    for (let y = 0; y < box.height && box.y + y < image.height; y++) {
      for (let x = 0; x < box.width && box.x + x < image.width; x++) {
        const from = ((box.y + y) * image.width + box.x + x) * 4
        crop.set(image.data.subarray(from, from + 4), ((y + MARGIN) * width + x + MARGIN) * 4)
      }
    }
    const code = jsQR(crop, width, height, { inversionAttempts: 'dontInvert' })
    if (code !== null) found.push({ page, data: code.data, ...box })
  }
  return found
}

/** Every QR code on every page, left to right within a page. */
export async function qrCodesInPdf(pdf: Buffer, dpi = 200): Promise<FoundCode[]> {
  const pages = await rasterisePdf(pdf, dpi)
  return pages.flatMap((image, index) => decodeQrCodes(image, index + 1).sort((a, b) => a.x - b.x))
}
