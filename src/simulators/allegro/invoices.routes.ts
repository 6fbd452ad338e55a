/** API host: invoices attached to an order (metadata, then the PDF file). */
import type { FastifyInstance } from 'fastify'
import type { ApiContext } from './http.ts'
import { TOO_LARGE, UUID_RE, allegroError, validationError } from './http.ts'

export function registerInvoiceRoutes(
  api: FastifyInstance,
  { sim, authOf, ok, orderNotFound, malformedId }: ApiContext
): void {
  api.get(
    '/order/checkout-forms/:id/invoices',
    { config: { scope: 'allegro:api:orders:read' } },
    async (request, reply) => {
      const { id } = request.params as { id: string }
      if (!UUID_RE.test(id)) return malformedId(reply)
      const resource = sim.invoicesResource(authOf(request).seller.id, id)
      return resource === undefined ? orderNotFound(reply, id) : ok(reply, resource)
    }
  )

  api.post(
    '/order/checkout-forms/:id/invoices',
    { config: { scope: 'allegro:api:orders:write' } },
    async (request, reply) => {
      const { id } = request.params as { id: string }
      if (!UUID_RE.test(id)) return malformedId(reply)
      const body = request.body as { file?: { name?: unknown }; invoiceNumber?: unknown } | undefined
      const name =
        typeof body === 'object' && body !== null && typeof body.file === 'object' && body.file !== null
          ? body.file.name
          : undefined
      if (typeof name !== 'string' || name.trim() === '' || name.length > 255) {
        return validationError(
          reply,
          422,
          'file.name',
          'file.name is required (1-255 characters)',
          'Podaj nazwę pliku faktury.'
        )
      }
      const number = body?.invoiceNumber
      if (number !== undefined && number !== null && (typeof number !== 'string' || number.length > 100)) {
        return validationError(
          reply,
          422,
          'invoiceNumber',
          'invoiceNumber must be a string of at most 100 characters',
          'Nieprawidłowy numer faktury.'
        )
      }
      const result = sim.createInvoice(authOf(request).seller.id, id, name, typeof number === 'string' ? number : null)
      if (result.ok) return ok(reply, { id: result.id }, 201)
      if (result.reason === 'not_found') return orderNotFound(reply, id)
      if (result.reason === 'limit') {
        return allegroError(
          reply,
          422,
          'INVOICES-LIMIT-EXCEEDED',
          'An order can have at most 10 invoices',
          'Do zamówienia można dodać najwyżej 10 faktur.'
        )
      }
      return allegroError(
        reply,
        422,
        'ORDER-WITHOUT-INVOICE',
        'The buyer did not request an invoice for this order',
        'Kupujący nie prosił o fakturę do tego zamówienia.'
      )
    }
  )

  api.put(
    '/order/checkout-forms/:id/invoices/:invoiceId/file',
    { config: { scope: 'allegro:api:orders:write' } },
    async (request, reply) => {
      const { id, invoiceId } = request.params as { id: string; invoiceId: string }
      if (!UUID_RE.test(id)) return malformedId(reply)
      if (request.body === TOO_LARGE) {
        return allegroError(
          reply,
          413,
          'PayloadTooLargeException',
          'Invoice file larger than 3 MB',
          'Plik faktury jest za duży (maksymalnie 3 MB).'
        )
      }
      const file = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0)
      const result = sim.uploadInvoiceFile(authOf(request).seller.id, id, invoiceId, file)
      if (result.ok) return reply.code(200).send()
      switch (result.reason) {
        case 'order_not_found':
          return orderNotFound(reply, id)
        case 'invoice_not_found':
          return allegroError(
            reply,
            404,
            'InvoiceNotFoundException',
            `Invoice ${invoiceId} not found`,
            'Nie znaleziono faktury.'
          )
        case 'conflict':
          return allegroError(
            reply,
            409,
            'INVOICE-FILE-ALREADY-UPLOADED',
            'This invoice already has a file',
            'Ta faktura ma już przesłany plik.'
          )
        case 'too_large':
          return allegroError(
            reply,
            413,
            'PayloadTooLargeException',
            'Invoice file larger than 3 MB',
            'Plik faktury jest za duży (maksymalnie 3 MB).'
          )
        case 'empty':
          return allegroError(reply, 422, 'EMPTY-ATTACHMENT', 'The file is empty', 'Przesłany plik jest pusty.')
        case 'not_pdf':
          return allegroError(
            reply,
            422,
            'FILE-CONTENT-INVALID',
            'The file is not a PDF document',
            'Przesłany plik nie jest dokumentem PDF.'
          )
      }
    }
  )
}
