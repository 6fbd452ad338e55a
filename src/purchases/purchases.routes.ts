// KOSZTY » Faktury zakupowe: the purchase invoices received from KSeF, one page per invoice, the
// file as received, and Pobierz z KSeF. The księgowość module's permission, like the registers.
import type { FastifyInstance } from 'fastify'
import { ENVIRONMENT_LABELS, connectionOf, contextNipOf } from '../ksef/connection.queries.ts'
import { ksefDepsOf } from '../ksef/ksef-worker.ts'
import { requirePermission } from '../plugins/auth.ts'
import { NotFoundError } from '../shared/errors.ts'
import { parseId, text } from '../shared/form.ts'
import { INVOICE_KINDS, readPurchaseFile } from './fa3-read.ts'
import { listPurchases, purchaseById, syncStateOf } from './purchases.queries.ts'
import { downloadPurchases } from './purchases.sync.ts'

const RATE_LABELS: Record<string, string> = { oss: 'OSS', oo: 'odwrotne obciążenie', marża: 'marża' }
const rateLabel = (rate: string): string => RATE_LABELS[rate] ?? (/^\d+$/.test(rate) ? `${rate} %` : rate)
const kindLabel = (kind: string | null): string => (kind !== null ? INVOICE_KINDS[kind] ?? kind : '—')

export default async function purchasesRoutes (app: FastifyInstance): Promise<void> {
  app.addHook('preHandler', requirePermission('ksiegowosc'))

  app.get('/koszty/faktury-zakupowe', async (request, reply) => {
    const review = text(request.query, 'do-sprawdzenia') === '1'
    const page = Math.min(Math.max(Number.parseInt(text(request.query, 'strona'), 10) || 1, 1), 100_000)
    const list = await listPurchases(app.db, { review, page })
    const connection = await connectionOf(app.db)
    const sync = connection === undefined ? undefined : await syncStateOf(app.db, connection.environment, await contextNipOf(app.db, connection))
    return await reply.viewAsync('purchases/index', {
      title: 'Faktury zakupowe',
      ...list,
      page,
      review,
      query: { 'do-sprawdzenia': review ? '1' : '' },
      connection: connection === undefined ? null : { environment: ENVIRONMENT_LABELS[connection.environment as keyof typeof ENVIRONMENT_LABELS] ?? connection.environment },
      sync: sync ?? null,
      kindLabel
    })
  })

  app.post('/koszty/faktury-zakupowe/pobierz', async (request, reply) => {
    const result = await downloadPurchases(ksefDepsOf(app))
    reply.flash(result.ok ? 'success' : 'error', result.message)
    return reply.redirect('/koszty/faktury-zakupowe', 303)
  })

  const load = async (raw: unknown) => {
    const id = parseId(raw)
    const found = id === null ? undefined : await purchaseById(app.db, id)
    if (found === undefined) throw new NotFoundError('Nie ma takiej faktury zakupowej.')
    return found
  }

  app.get<{ Params: { id: string } }>('/koszty/faktury-zakupowe/:id', async (request, reply) => {
    const { row, rates } = await load(request.params.id)
    // the page reads the stored file itself: what is shown is what was received
    const read = row.xml === null ? null : readPurchaseFile(row.xml)
    return await reply.viewAsync('purchases/show', {
      title: `Faktura zakupowa ${row.invoice_number ?? row.meta_invoice_number}`.slice(0, 120),
      row,
      rates,
      invoice: read?.ok === true ? read.invoice : null,
      reasons: row.review_reasons === '' ? [] : row.review_reasons.split('\n'),
      rateLabel,
      kindLabel
    })
  })

  app.get<{ Params: { id: string } }>('/koszty/faktury-zakupowe/:id/plik', async (request, reply) => {
    const { row } = await load(request.params.id)
    if (row.xml === null) throw new NotFoundError('KSeF nie wydał pliku tej faktury.')
    // the bytes as received, never rendered by the browser (an untrusted XML could carry script)
    return await reply
      .header('content-type', 'application/octet-stream')
      .header('content-disposition', `attachment; filename="${row.ksef_number.replace(/[^0-9A-Za-z-]/g, '')}.xml"`)
      .header('x-content-type-options', 'nosniff')
      .send(row.xml)
  })
}
