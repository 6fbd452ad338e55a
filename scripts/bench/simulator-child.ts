// The Allegro simulator for the benchmark, in its own process (forked by processes.ts with an
// IPC channel): argv = number of orders in the last 30 days, seed. It logs the API requests it
// serves so the download-only run can fetch exactly the pages the import fetched.
import { startStandaloneSimulator } from '../../src/simulators/allegro/simulator.ts'

export type SimulatorRequest = { type: 'take-requests' }
export type SimulatorReply = { type: 'ready'; url: string; apiUrl: string } | { type: 'requests'; requests: string[] }

const orders = Number(process.argv[2])
const seed = Number(process.argv[3])

const sim = await startStandaloneSimulator({
  seed,
  initialOrders: orders,
  // no new orders while the benchmark runs: the import and the download see the same set
  ordersPerHour: 0,
  // the device flow's polling interval, in seconds: the benchmark should not wait 5 of them
  deviceInterval: 1,
  logger: false
})

let requests: string[] = []
// a second 'request' listener only observes; Fastify's own handler answers
sim.app.server.on('request', (request: { method?: string; url?: string }) => {
  if (request.url?.startsWith('/api/') === true) requests.push(`${request.method ?? ''} ${request.url}`)
})

process.on('message', (message: SimulatorRequest) => {
  if (message.type === 'take-requests') {
    const reply: SimulatorReply = { type: 'requests', requests }
    requests = []
    process.send?.(reply)
  }
})

// the benchmark died without stopping us: do not linger as an orphan holding a port
process.once('disconnect', () => {
  process.exit(0)
})
process.once('SIGTERM', () => {
  sim.close().then(
    () => process.exit(0),
    () => process.exit(1)
  )
})

// materialise the generated orders now, not during the first request of the import
sim.simulator.listOrders({ seller: 'demo_sklep' })
const ready: SimulatorReply = { type: 'ready', url: sim.url, apiUrl: sim.apiUrl }
process.send?.(ready)
