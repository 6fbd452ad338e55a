import type { FastifyInstance, FastifyRequest } from 'fastify'
import { requireAllegroModule } from '../plugins/auth.ts'
import { DELIVERY_STATE_BADGES, DELIVERY_STATE_LABELS, isDeliveryState } from './allegro-delivery.ts'
import { listDeliveries, shopsWithAutoSend } from './allegro-delivery.queries.ts'
import { refreshDeliveryStatus, sendDocumentToAllegro } from './allegro-delivery.sender.ts'
import { documentTypeLabel } from '../shared/document-types.ts'
import { idParam } from '../shared/params.ts'

const OVERVIEW = '/przychody/dokumenty/wysylka-allegro'

const documentId = (request: FastifyRequest): number => idParam(request, 'Nie ma takiego dokumentu.')

/** Wyślij do Allegro, Odśwież status, and the page of all deliveries with the per-shop setting. */
export default async function allegroDeliveryRoutes(app: FastifyInstance): Promise<void> {
  app.addHook('preHandler', requireAllegroModule)

  app.post('/przychody/dokumenty/:id/allegro', async (request, reply) => {
    const id = documentId(request)
    const outcome = await sendDocumentToAllegro(app, id, { trigger: 'manual' })
    switch (outcome.kind) {
      case 'sent':
      case 'already':
        reply.flash('success', outcome.message)
        break
      case 'busy':
        reply.flash('info', outcome.message)
        break
      case 'refused':
        reply.flash('error', outcome.message)
        break
      case 'failed':
        reply.flash(
          'error',
          outcome.retryAt === null
            ? `Nie wysłano dokumentu do Allegro: ${outcome.message}`
            : `Nie wysłano dokumentu do Allegro: ${outcome.message} Biurko spróbuje ponownie samo.`
        )
        break
    }
    return reply.redirect(`/przychody/dokumenty/${id}`, 303)
  })

  app.post('/przychody/dokumenty/:id/allegro/status', async (request, reply) => {
    const id = documentId(request)
    const outcome = await refreshDeliveryStatus(app, id)
    if (outcome.kind === 'checked')
      reply.flash(outcome.state === 'odrzucono' || outcome.state === 'blad' ? 'error' : 'success', outcome.message)
    else if (outcome.kind === 'busy') reply.flash('info', outcome.message)
    else reply.flash('error', outcome.message)
    return reply.redirect(`/przychody/dokumenty/${id}`, 303)
  })

  app.get(OVERVIEW, async (_request, reply) => {
    const [shops, deliveries] = await Promise.all([shopsWithAutoSend(app.db), listDeliveries(app.db, 200)])
    return reply.viewAsync('documents/allegro-deliveries', {
      title: 'Wysyłka dokumentów do Allegro',
      shops,
      deliveries: deliveries.map((row) => {
        const state = isDeliveryState(row.state) ? row.state : 'blad'
        return {
          ...row,
          typeLabel: documentTypeLabel(row.type),
          stateLabel: DELIVERY_STATE_LABELS[state],
          badge: DELIVERY_STATE_BADGES[state]
        }
      })
    })
  })
}
