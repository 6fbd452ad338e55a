// The client's own request budget, checked against the official description rather than against
// our simulator: for every operation open-api.json gives x-rate-limits, the group our limiter
// counts it in may allow at most what KSeF allows, in each of the three windows. A group shared
// by several endpoints is stricter still, since their requests draw on one budget.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { KSEF_LIMITS, limitGroup } from '../../src/ksef/client/rate-limiter.ts'

const spec = JSON.parse(
  readFileSync(fileURLToPath(new URL('../../vendor/ksef-api/open-api.json', import.meta.url)), 'utf8')
) as {
  paths: Record<
    string,
    Record<string, { 'x-rate-limits'?: { perSecond?: number; perMinute?: number; perHour?: number } }>
  >
}

const SAMPLE: Record<string, string> = {
  referenceNumber: '20250625-SO-2C3E6C8000-B675CF5D68-07',
  invoiceReferenceNumber: '20250625-EE-319D7EE000-B67F415CDC-2C',
  ksefNumber: '5265877635-20250826-0100001AF629-AF'
}

t.test('every documented limit is at least what the client allows itself', async (t) => {
  let checked = 0
  for (const [template, operations] of Object.entries(spec.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const documented = operation['x-rate-limits']
      if (documented === undefined) continue
      const path = template.replace(/\{(\w+)\}/g, (_, name: string) => SAMPLE[name] ?? 'X1')
      const group = limitGroup(method.toUpperCase(), path)
      const [perSecond, perMinute, perHour] = KSEF_LIMITS[group]
      const label = `${method.toUpperCase()} ${template} (${group})`
      t.ok(perSecond <= (documented.perSecond ?? Infinity), `${label}: ${perSecond}/s`)
      t.ok(perMinute <= (documented.perMinute ?? Infinity), `${label}: ${perMinute}/min`)
      t.ok(perHour <= (documented.perHour ?? Infinity), `${label}: ${perHour}/h`)
      checked++
    }
  }
  // the description has limits on some 60 operations; far fewer means the file was not read right
  t.ok(checked > 50, `${checked} operations checked`)
})

t.test('the list of a session’s invoices has its own, tighter budget than the other session reads', async (t) => {
  t.equal(limitGroup('GET', `/sessions/${SAMPLE.referenceNumber}/invoices`), 'sessionInvoiceList')
  t.equal(limitGroup('GET', `/sessions/${SAMPLE.referenceNumber}/invoices/failed`), 'sessionInvoiceList')
  t.equal(
    limitGroup('GET', `/sessions/${SAMPLE.referenceNumber}/invoices/${SAMPLE.invoiceReferenceNumber}`),
    'invoiceStatus'
  )
  t.equal(limitGroup('GET', `/sessions/${SAMPLE.referenceNumber}`), 'sessionsOther')
  t.equal(limitGroup('GET', '/sessions'), 'sessionList')
})
