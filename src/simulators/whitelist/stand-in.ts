// A local stand-in for wl-api.mf.gov.pl (the VAT white list), for tests and runs without network:
// the same URL, JSON shape and error answers as the Ministry's API (its OpenAPI 1.6.0), with the
// subjects it is given and faults to inject.
import Fastify from 'fastify'

export interface StandInSubject {
  name: string
  nip: string
  statusVat: 'Czynny' | 'Zwolniony' | 'Niezarejestrowany'
  workingAddress?: string | null
  residenceAddress?: string | null
  accountNumbers?: string[]
}

/** what the stand-in answers instead of the register, until cleared with null */
export type WhiteListFault =
  { kind: 'status'; status: number } | { kind: 'hang' } | { kind: 'malformed' } | { kind: 'body'; body: unknown }

export interface WhiteListStandIn {
  /** pass as WHITELIST_API_URL, e.g. 'http://127.0.0.1:40123' */
  baseUrl: string
  /** the paths and queries asked for, in order */
  requests: string[]
  fault: (fault: WhiteListFault | null) => void
  close: () => Promise<void>
}

export async function startWhiteListStandIn(subjects: StandInSubject[]): Promise<WhiteListStandIn> {
  const app = Fastify({ logger: false })
  const requests: string[] = []
  let fault: WhiteListFault | null = null
  const hanging = new Set<() => void>()

  app.get<{ Params: { nip: string }; Querystring: { date?: string } }>(
    '/api/search/nip/:nip',
    async (request, reply) => {
      requests.push(request.url)
      const requestDateTime = '07-12-2026 10:00:00'
      if (fault?.kind === 'status')
        return await reply.code(fault.status).send({ code: 'WL-100', message: 'Wystąpił nieoczekiwany błąd serwera.' })
      if (fault?.kind === 'hang')
        return await new Promise<void>((resolve) => {
          hanging.add(resolve)
        })
      if (fault?.kind === 'malformed') return await reply.type('application/json').send('{"result": {"subject": ')
      if (fault?.kind === 'body') return await reply.send(fault.body)
      const { nip } = request.params
      // the Ministry's own codes and wording for a bad parameter
      if (!/^\d{10}$/.test(nip))
        return await reply
          .code(400)
          .send({ code: 'WL-113', message: "Pole 'NIP' ma nieprawidłową długość. Wymagane 10 znaków (xxxxxxxxxx)." })
      if (request.query.date === undefined || !/^\d{4}-\d{2}-\d{2}$/.test(request.query.date))
        return await reply.code(400).send({ code: 'WL-101', message: "Pole 'data' nie może być puste." })
      const subject = subjects.find((s) => s.nip === nip)
      return await reply.send({
        result: {
          subject:
            subject === undefined
              ? null
              : {
                  authorizedClerks: [],
                  regon: null,
                  workingAddress: null,
                  residenceAddress: null,
                  accountNumbers: [],
                  hasVirtualAccounts: false,
                  krs: null,
                  partners: [],
                  representatives: [],
                  pesel: null,
                  registrationLegalDate: '2018-02-21',
                  ...subject
                },
          requestId: `sim-${requests.length}`,
          requestDateTime
        }
      })
    }
  )

  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('the white-list stand-in has no TCP address')
  return {
    baseUrl: `http://127.0.0.1:${address.port}`,
    requests,
    fault: (next) => {
      fault = next
    },
    close: async () => {
      for (const release of hanging) release()
      await app.close()
    }
  }
}
