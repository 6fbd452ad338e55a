// The baseline of the import figure: the same Allegro requests the import made, sent by the app's
// own AllegroClient over the same loopback HTTP, with nothing written anywhere. The import walks
// its date windows one page after another and fetches single orders four at a time; so does this.
import { createAllegroClient, type AllegroClient, type AllegroTokens } from '../../src/allegro/allegro.client.ts'
import { allegroUserAgent } from '../../src/allegro/allegro.http.ts'
import { pollDeviceAuthorization, requestDeviceAuthorization } from '../../src/allegro/allegro.oauth.ts'
import { SIMULATOR_CLIENT_ID } from '../../src/allegro/shop-client.ts'

const SINGLE_FORM = /^\/order\/checkout-forms\/[^/?]+$/
/** as FETCH_CONCURRENCY in src/transactions/import.ts */
const SINGLE_FORM_CONCURRENCY = 4

/** Connects to the simulator as the seller, through its confirmation page (login and password). */
export async function connectSeller(webUrl: string, login: string, password: string): Promise<AllegroTokens> {
  const oauth = { webUrl, clientId: SIMULATOR_CLIENT_ID, clientSecret: SIMULATOR_CLIENT_ID }
  const deps = { fetch: globalThis.fetch, timeoutMs: 10_000, now: () => new Date() }
  const device = await requestDeviceAuthorization(oauth, deps)
  await approveDevice(webUrl, device.userCode, login, password)
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, device.intervalSeconds * 1000 + 50))
    const result = await pollDeviceAuthorization(oauth, deps, device.deviceCode)
    if (result.status === 'approved') return result.tokens
    if (result.status !== 'pending' && result.status !== 'slow_down')
      throw new Error(`device flow ended with ${result.status}`)
  }
}

/** What the seller does on Allegro's page: types the code, login and password. */
export async function approveDevice(webUrl: string, userCode: string, login: string, password: string): Promise<void> {
  const response = await fetch(`${webUrl}/skojarz-aplikacje`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ code: userCode, login, password }).toString()
  })
  await response.arrayBuffer()
  if (response.status !== 200) throw new Error(`approving the device code failed: ${response.status}`)
}

export function benchClient(apiUrl: string, webUrl: string, tokens: AllegroTokens): AllegroClient {
  return createAllegroClient({
    apiUrl,
    webUrl,
    clientId: SIMULATOR_CLIENT_ID,
    clientSecret: SIMULATOR_CLIENT_ID,
    fetch: globalThis.fetch,
    tokens: {
      key: 'benchmark',
      load: async () => tokens,
      save: async () => {},
      markReconnectRequired: async () => {}
    },
    timeoutMs: 15_000,
    userAgent: allegroUserAgent('Biurko'),
    now: () => new Date()
  })
}

interface ApiCall {
  path: string
  query: Record<string, string>
}

/** "GET /api/order/checkout-forms?offset=100&…" as logged by the simulator → path and query. */
export function parseLoggedRequest(line: string): ApiCall | null {
  const match = /^GET \/api(\/[^?]*)(?:\?(.*))?$/.exec(line)
  if (!match) return null
  return { path: match[1], query: Object.fromEntries(new URLSearchParams(match[2] ?? '')) }
}

/** Sends the calls in order; runs of single-order GETs go four at a time, like the import. */
export async function replay(client: AllegroClient, calls: ApiCall[]): Promise<{ ms: number; forms: number }> {
  let forms = 0
  const get = async (call: ApiCall): Promise<void> => {
    const body = await client.request<{ checkoutForms?: unknown[] }>('GET', call.path, { query: call.query })
    if (SINGLE_FORM.test(call.path)) forms++
    else forms += body.checkoutForms?.length ?? 0
  }
  const started = performance.now()
  for (let i = 0; i < calls.length;) {
    if (!SINGLE_FORM.test(calls[i].path)) {
      await get(calls[i++])
      continue
    }
    const run: ApiCall[] = []
    while (i < calls.length && SINGLE_FORM.test(calls[i].path)) run.push(calls[i++])
    let next = 0
    const worker = async (): Promise<void> => {
      while (next < run.length) await get(run[next++])
    }
    await Promise.all(Array.from({ length: Math.min(SINGLE_FORM_CONCURRENCY, run.length) }, worker))
  }
  return { ms: performance.now() - started, forms }
}
