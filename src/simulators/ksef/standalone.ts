// The KSeF simulator on its own Fastify server (npm run simulator:ksef, and the tests).
import Fastify from 'fastify'
import ksefSimulatorPlugin from './plugin.ts'
import { KsefSimulator, type KsefSimulatorOptions } from './simulator.ts'

export interface StandaloneOptions extends Omit<KsefSimulatorOptions, 'publicBaseUrl'> {
  port?: number
  host?: string
  prefix?: string
  controlRoutes?: boolean
}

export interface StandaloneKsefSimulator {
  simulator: KsefSimulator
  /** e.g. http://127.0.0.1:4020/symulator-ksef */
  url: string
  /** `${url}/v2`, what a client uses instead of https://api.ksef.mf.gov.pl/v2 */
  apiUrl: string
  close: () => Promise<void>
}

export async function startStandaloneKsefSimulator(opts: StandaloneOptions = {}): Promise<StandaloneKsefSimulator> {
  const prefix = (opts.prefix ?? '/symulator-ksef').replace(/\/+$/, '')
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 })
  const host = opts.host ?? '127.0.0.1'
  // the public URL is known once the port is; the simulator reads it lazily for UPO links
  const holder: { url: string } = { url: '' }
  const simulator = await KsefSimulator.create({ ...opts, publicBaseUrl: undefined })
  await app.register(ksefSimulatorPlugin, { prefix, simulator, controlRoutes: opts.controlRoutes })
  await app.listen({ port: opts.port ?? 4020, host })
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : (opts.port ?? 4020)
  holder.url = `http://${host}:${port}${prefix}`
  simulator.setPublicBaseUrl(holder.url)
  return {
    simulator,
    url: holder.url,
    apiUrl: `${holder.url}/v2`,
    close: async () => {
      await app.close()
    }
  }
}
