// A local stand-in for api.nbp.pl (table A rates for one day), for tests and end-to-end runs
// without network: same URL shape and JSON as NBP, 404 for a day without a table.
import Fastify from 'fastify'

export interface StandInRate {
  /** table number, e.g. '012/A/NBP/2026' */
  no: string
  /** the rate as text, sent verbatim into the JSON (so '4.2100' stays '4.2100') */
  mid: string
}

/** currency code → date (YYYY-MM-DD) → that day's table A entry */
export type StandInRates = Record<string, Record<string, StandInRate>>

export interface NbpStandIn {
  /** pass as NbpClientOptions.baseUrl, e.g. 'http://127.0.0.1:40123/api' */
  baseUrl: string
  /** the paths asked for, in order, e.g. '/api/exchangerates/rates/a/czk/2026-01-19/' */
  requests: string[]
  /** answer every request with this HTTP status (null: normal answers again) */
  failWith: (status: number | null) => void
  close: () => Promise<void>
}

const CURRENCY_NAMES: Record<string, string> = {
  EUR: 'euro',
  CZK: 'korona czeska',
  HUF: 'forint (Węgry)',
  USD: 'dolar amerykański'
}

export async function startNbpStandIn(rates: StandInRates): Promise<NbpStandIn> {
  const app = Fastify({ logger: false, routerOptions: { ignoreTrailingSlash: true } })
  const requests: string[] = []
  let failure: number | null = null

  app.get<{ Params: { table: string; code: string; date: string } }>(
    '/api/exchangerates/rates/:table/:code/:date',
    async (request, reply) => {
      requests.push(request.url.split('?')[0])
      if (failure !== null)
        return await reply.code(failure).type('text/plain; charset=utf-8').send(`${failure} Błąd serwera`)
      const code = request.params.code.toUpperCase()
      const entry = request.params.table.toLowerCase() === 'a' ? rates[code]?.[request.params.date] : undefined
      // NBP's own wording for a day without a table
      if (!entry)
        return await reply.code(404).type('text/plain; charset=utf-8').send('404 NotFound - Not Found - Brak danych')
      const body =
        `{"table":"A","currency":${JSON.stringify(CURRENCY_NAMES[code] ?? code.toLowerCase())},"code":${JSON.stringify(code)},` +
        `"rates":[{"no":${JSON.stringify(entry.no)},"effectiveDate":${JSON.stringify(request.params.date)},"mid":${entry.mid}}]}`
      return await reply.type('application/json; charset=utf-8').send(body)
    }
  )

  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('the NBP stand-in has no TCP address')
  return {
    baseUrl: `http://127.0.0.1:${address.port}/api`,
    requests,
    failWith: (status) => {
      failure = status
    },
    close: async () => {
      await app.close()
    }
  }
}
