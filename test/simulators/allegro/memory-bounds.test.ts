import t from 'tap'
import { createAllegroSimulator } from '../../../src/simulators/allegro/simulator.ts'
import { DEVICE_GRANT_GRACE_MS } from '../../../src/simulators/allegro/oauth.ts'

const PDF = (n: number, fill: string): Buffer => Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(n, fill)])

t.test('stored invoice bytes stay under the cap; an evicted file keeps its metadata and scan verdict', async (t) => {
  let nowMs = Date.parse('2026-03-02T10:00:00Z')
  const sim = createAllegroSimulator({
    now: () => new Date(nowMs),
    initialOrders: 0,
    ordersPerHour: 0,
    maxStoredInvoiceBytes: 2500,
    invoiceScanSeconds: 1
  })
  const seller = sim.seller('demo_sklep')
  const [a, b] = sim.addOrders(2, { status: 'READY_FOR_PROCESSING', at: new Date(nowMs - 60_000) })
  const first = sim.createInvoice(seller.id, a.id, 'a.pdf', 'FV 1')
  const second = sim.createInvoice(seller.id, b.id, 'b.pdf', 'FV 2')
  if (!first.ok || !second.ok) throw new Error('metadata rejected')
  const infected = Buffer.concat([PDF(1000, 'x'), Buffer.from('EICAR-STANDARD-ANTIVIRUS-TEST-FILE')])
  t.same(sim.uploadInvoiceFile(seller.id, a.id, first.id, infected), { ok: true })
  t.equal(sim.storedInvoiceBytes, infected.length)
  t.same(sim.uploadInvoiceFile(seller.id, b.id, second.id, PDF(2000, 'y')), { ok: true })
  t.ok(sim.storedInvoiceBytes <= 2500, 'cap holds')
  t.equal(sim.invoicesOf(a.id)[0].file, null, 'oldest bytes dropped')
  t.equal(sim.invoicesOf(b.id)[0].file?.length, 2009, 'newest kept')
  nowMs += 2000
  const resource = sim.invoicesResource(seller.id, a.id) as {
    invoices: Array<{ invoiceNumber: string; file: { securityVerification: { status: string } } }>
  }
  t.equal(resource.invoices[0].invoiceNumber, 'FV 1')
  t.equal(
    resource.invoices[0].file.securityVerification.status,
    'REJECTED',
    'verdict decided at upload survives eviction'
  )
  t.same(
    sim.uploadInvoiceFile(seller.id, a.id, first.id, PDF(10, 'z')),
    { ok: false, reason: 'conflict' },
    'an evicted invoice still has its file'
  )
})

t.test('expired device grants and authorization codes are forgotten', async (t) => {
  let nowMs = Date.parse('2026-03-02T10:00:00Z')
  const sim = createAllegroSimulator({
    now: () => new Date(nowMs),
    initialOrders: 0,
    ordersPerHour: 0,
    deviceCodeTtlSeconds: 60,
    authCodeTtlSeconds: 10
  })
  const grant = sim.createDeviceAuthorization('client', ['allegro:api:orders:read'], 'http://127.0.0.1')
  sim.createAuthorizationCode({
    clientId: 'client',
    redirectUri: 'http://127.0.0.1/cb',
    sellerId: sim.seller('demo_sklep').id,
    scope: [],
    codeChallenge: null,
    codeChallengeMethod: null
  })
  t.same(sim.heldGrants, { deviceGrants: 1, authCodes: 1, refreshUses: 0 })
  nowMs += 61_000
  t.match(
    sim.pollDeviceToken('client', String(grant.device_code)),
    { error: 'expired_token' },
    'within the grace period a late poll hears expired_token'
  )
  nowMs += DEVICE_GRANT_GRACE_MS
  sim.createDeviceAuthorization('client', [], 'http://127.0.0.1')
  t.same(sim.heldGrants, { deviceGrants: 1, authCodes: 0, refreshUses: 0 }, 'only the new grant is held')
  t.match(sim.pollDeviceToken('client', String(grant.device_code)), { error: 'invalid_grant' })
})
