/**
 * Web host: what the buyer sees of an order on Allegro ("Moje zakupy"), reduced to the invoices
 * the seller attached, so a person trying Biurko on the simulator can open the PDF that
 * "Wyślij do Allegro" delivered. The order's UUID is the only key, as on a link Allegro mails.
 */
import type { FastifyInstance } from 'fastify'
import { html, UUID_RE } from './http.ts'
import { buyerOrderPage, errorPage } from './pages.ts'
import type { AllegroSimulator } from './simulator.ts'

export function registerBuyerRoutes(app: FastifyInstance, sim: AllegroSimulator): void {
  app.get('/moje-zakupy/:orderId', async (request, reply) => {
    const { orderId } = request.params as { orderId: string }
    if (!UUID_RE.test(orderId)) return html(reply, 404, errorPage('Nie ma takiego zamówienia.'))
    return html(reply, 200, buyerOrderPage(orderId, sim.invoicesOf(orderId)))
  })

  app.get('/moje-zakupy/:orderId/faktury/:invoiceId', async (request, reply) => {
    const { orderId, invoiceId } = request.params as { orderId: string; invoiceId: string }
    const invoice = UUID_RE.test(orderId) ? sim.invoicesOf(orderId).find((i) => i.id === invoiceId) : undefined
    if (invoice === undefined || invoice.file === null)
      return html(reply, 404, errorPage('Nie ma takiej faktury albo jej plik nie został jeszcze przesłany.'))
    return reply
      .code(200)
      .type('application/pdf')
      .header('Cache-Control', 'no-store')
      .header('Content-Disposition', 'attachment; filename="faktura.pdf"')
      .send(invoice.file)
  })
}
