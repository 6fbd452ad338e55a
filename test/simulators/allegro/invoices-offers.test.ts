import t from 'tap'
import { ACCEPT, api, apiJson, login, startSim } from './fixtures/sim.ts'

const JSON_TYPE = { 'content-type': ACCEPT }
const PDF = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n')

t.test('invoice upload: metadata, file rules, scan status, limit', async (t) => {
  const s = await startSim(t, { invoiceScanSeconds: 5 })
  const { access_token: token } = await login(s)
  const order = s.simulator.listOrders({ status: 'READY_FOR_PROCESSING' })[0]
  const base = `/order/checkout-forms/${order.id}/invoices`
  const create = async (body: unknown): Promise<{ status: number; body: any }> =>
    await apiJson(s, token, base, { method: 'POST', headers: JSON_TYPE, body: JSON.stringify(body) })
  const put = async (
    invoiceId: string,
    body: Buffer | string,
    type = 'application/pdf'
  ): Promise<{ status: number; body: any }> =>
    await apiJson(s, token, `${base}/${invoiceId}/file`, {
      method: 'PUT',
      headers: { 'content-type': type },
      body: typeof body === 'string' ? body : new Uint8Array(body)
    })

  let res = await create({ file: { name: 'FV_12_03_2026.pdf' }, invoiceNumber: 'FV 12/03/2026' })
  t.equal(res.status, 201)
  t.match(res.body, { id: /^[0-9a-f-]{36}$/ })
  const invoiceId: string = res.body.id

  t.equal((await create({ invoiceNumber: 'FV 1' })).status, 422, 'file.name required')
  t.equal((await create({ file: { name: '' } })).status, 422)
  res = await apiJson(s, token, base, { method: 'POST', headers: JSON_TYPE, body: '{"file": ' })
  t.equal(res.status, 400, 'malformed JSON')
  t.ok(res.body.errors[0].userMessage)
  res = await apiJson(s, token, base, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
  t.equal(res.status, 415, "plain application/json is not Allegro's media type")
  t.equal(res.body.errors[0].code, 'UnsupportedMediaTypeException')
  t.equal(
    (
      await apiJson(s, token, '/order/checkout-forms/00000000-0000-4000-8000-000000000000/invoices', {
        method: 'POST',
        headers: JSON_TYPE,
        body: JSON.stringify({ file: { name: 'a.pdf' } })
      })
    ).status,
    404
  )

  res = await put(invoiceId, Buffer.alloc(0))
  t.equal(res.status, 422)
  t.equal(res.body.errors[0].code, 'EMPTY-ATTACHMENT')
  res = await put(invoiceId, 'To nie jest PDF')
  t.equal(res.status, 422)
  t.equal(res.body.errors[0].code, 'FILE-CONTENT-INVALID')
  res = await put(invoiceId, Buffer.concat([PDF, Buffer.alloc(3 * 1024 * 1024)]))
  t.equal(res.status, 413, 'over 3 MB')
  res = await put(invoiceId, PDF, 'text/plain')
  t.equal(res.status, 415)
  t.same(s.simulator.invoicesOf(order.id)[0].file, null, 'nothing stored yet')
  t.equal(s.simulator.stats.invoiceFilesUploaded, 0)

  res = await put(invoiceId, PDF)
  t.equal(res.status, 200)
  res = await put(invoiceId, PDF)
  t.equal(res.status, 409, 'a second file for the same invoice')
  res = await put('00000000-0000-4000-8000-000000000000', PDF)
  t.equal(res.status, 404)

  const stored = s.simulator.invoicesOf(order.id)
  t.equal(stored.length, 1)
  t.equal(stored[0].invoiceNumber, 'FV 12/03/2026')
  t.same(stored[0].file, PDF, 'exactly the uploaded bytes')
  t.equal(s.simulator.stats.invoiceFilesUploaded, 1, 'exactly one file arrived')

  res = await apiJson(s, token, base)
  t.match(res.body, {
    invoices: [
      {
        id: invoiceId,
        invoiceNumber: 'FV 12/03/2026',
        file: { name: 'FV_12_03_2026.pdf', uploadedAt: String, securityVerification: { status: 'WAITING' } }
      }
    ],
    hasExternalInvoices: false
  })
  s.clock.advance(5000)
  res = await apiJson(s, token, base)
  t.match(res.body.invoices[0].file.securityVerification, { status: 'ACCEPTED', verifiedAt: String })

  for (let i = 1; i < 10; i++) t.equal((await create({ file: { name: `f${i}.pdf` } })).status, 201)
  res = await create({ file: { name: 'f11.pdf' } })
  t.equal(res.status, 422, 'at most 10 invoices per order')
  t.match(res.body.errors[0].userMessage, /10 faktur/)

  const other = await login(s, 'inny_sklep', 'inny1234')
  t.equal((await apiJson(s, other.access_token, base)).status, 404, 'another seller cannot see them')
  const readOnly = await apiJson(s, token, base, {
    method: 'POST',
    headers: { ...JSON_TYPE, accept: 'application/json' },
    body: '{}'
  })
  t.equal(readOnly.status, 406)
})

t.test('invoices can be refused for orders without an invoice request (option)', async (t) => {
  const s = await startSim(t, { rejectInvoiceWithoutRequest: true })
  const { access_token: token } = await login(s)
  const order = s.simulator.listOrders().find((o) => !o.invoice.required)
  if (order === undefined) throw new Error('no order without invoice')
  const res = await apiJson(s, token, `/order/checkout-forms/${order.id}/invoices`, {
    method: 'POST',
    headers: JSON_TYPE,
    body: JSON.stringify({ file: { name: 'p.pdf' } })
  })
  t.equal(res.status, 422)
  t.equal(res.body.errors[0].code, 'ORDER-WITHOUT-INVOICE')
})

t.test('offers: list, filters, stock change', async (t) => {
  const s = await startSim(t)
  const { access_token: token } = await login(s)
  let res = await apiJson(s, token, '/sale/offers')
  t.equal(res.status, 200)
  t.equal(res.body.count, 20, 'default limit 20')
  t.equal(res.body.totalCount, 42)
  t.match(res.body.offers[0], {
    id: /^\d+$/,
    name: String,
    sellingMode: { price: { amount: /^\d+\.\d{2}$/, currency: 'PLN' } },
    stock: { available: Number, sold: Number },
    publication: { status: String }
  })
  const mine = s.simulator.offers.filter((o) => o.sellerId === s.simulator.seller('demo_sklep').id)
  const withSku = mine.find((o) => o.external !== null)
  if (withSku?.external == null) throw new Error('no SKU')
  res = await apiJson(s, token, `/sale/offers?external.id=${encodeURIComponent(withSku.external.id)}`)
  t.same(
    res.body.offers.map((o: any) => o.id),
    [withSku.id]
  )
  t.same(res.body.offers[0].external, { id: withSku.external.id })
  res = await apiJson(
    s,
    token,
    `/sale/offers?external.id=${encodeURIComponent(withSku.external.id)}&external.id=NIE-MA`
  )
  t.equal(res.body.totalCount, 1, 'repeatable external.id')
  res = await apiJson(s, token, '/sale/offers?name=kabel')
  t.ok(
    res.body.offers.length >= 1 && res.body.offers.every((o: any) => /kabel/i.test(o.name)),
    'name search, case-insensitive'
  )
  res = await apiJson(s, token, `/sale/offers?offer.id=${mine[0].id}&offer.id=${mine[1].id}`)
  t.equal(res.body.totalCount, 2)
  res = await apiJson(s, token, '/sale/offers?limit=10&offset=40')
  t.equal(res.body.count, 2)
  res = await apiJson(s, token, '/sale/offers?limit=1000&sort=-sellingMode.price.amount')
  const prices = res.body.offers.map((o: any) => Number(o.sellingMode.price.amount))
  t.same(
    prices,
    [...prices].sort((a, b) => b - a)
  )
  res = await apiJson(s, token, '/sale/offers?publication.status=ENDED&limit=1000')
  t.ok(res.body.offers.every((o: any) => o.publication.status === 'ENDED'))
  t.ok(s.simulator.offers.some((o) => o.external === null) && s.simulator.offers.some((o) => o.taxRate === null))
  for (const [query, status] of [
    ['limit=1001', 422],
    ['limit=0', 422],
    ['offset=10000000', 422],
    ['sort=name', 400]
  ] as const) {
    t.equal((await apiJson(s, token, `/sale/offers?${query}`)).status, status, query)
  }

  const target = mine[3]
  const sold = target.stock.sold
  res = await apiJson(s, token, `/sale/product-offers/${target.id}`, {
    method: 'PATCH',
    headers: JSON_TYPE,
    body: JSON.stringify({ stock: { available: 7 } })
  })
  t.equal(res.status, 200)
  t.match(res.body, { id: target.id, stock: { available: 7, unit: 'UNIT' } })
  t.equal(target.stock.available, 7)
  t.equal(target.stock.sold, sold)
  res = await apiJson(s, token, `/sale/product-offers/${target.id}`)
  t.equal(res.body.stock.available, 7)
  for (const bad of [-1, 1.5, '5', 2_000_000]) {
    res = await apiJson(s, token, `/sale/product-offers/${target.id}`, {
      method: 'PATCH',
      headers: JSON_TYPE,
      body: JSON.stringify({ stock: { available: bad } })
    })
    t.equal(res.status, 422, `available ${String(bad)}`)
  }
  const active = mine.find((o) => o.publication.status === 'ACTIVE' && o !== target)
  if (active === undefined) throw new Error('no active offer')
  await api(s, token, `/sale/product-offers/${active.id}`, {
    method: 'PATCH',
    headers: JSON_TYPE,
    body: JSON.stringify({ stock: { available: 0 } })
  })
  t.equal(active.publication.status, 'ENDED', 'zero stock ends an active offer')
  t.equal((await apiJson(s, token, '/sale/product-offers/999')).status, 404)
  const other = await login(s, 'inny_sklep', 'inny1234')
  t.equal(
    (
      await apiJson(s, other.access_token, `/sale/product-offers/${target.id}`, {
        method: 'PATCH',
        headers: JSON_TYPE,
        body: '{"stock":{"available":1}}'
      })
    ).status,
    403
  )
  t.equal(
    (await apiJson(s, other.access_token, '/sale/offers')).body.totalCount,
    8,
    'the other seller has its own offers'
  )

  // Orders take stock as they arrive.
  const before = mine.reduce((n, o) => n + o.stock.sold, 0)
  s.simulator.addOrders(20, { at: s.clock.now() })
  t.ok(mine.reduce((n, o) => n + o.stock.sold, 0) > before)
})

t.test('scopes: a token without a scope gets 403', async (t) => {
  const s = await startSim(t)
  const res = await fetch(`${s.url}/auth/oauth/device`, {
    method: 'POST',
    headers: {
      authorization: 'Basic ' + Buffer.from('a:b').toString('base64'),
      'content-type': 'application/x-www-form-urlencoded'
    },
    body: 'client_id=a&scope=allegro:api:orders:read'
  })
  const device = await res.json()
  s.simulator.approveDevice(device.user_code, 'demo_sklep', 'demo1234')
  const tokens = await (
    await fetch(
      `${s.url}/auth/oauth/token?grant_type=urn:ietf:params:oauth:grant-type:device_code&device_code=${String(device.device_code)}`,
      {
        method: 'POST',
        headers: { authorization: 'Basic ' + Buffer.from('a:b').toString('base64') }
      }
    )
  ).json()
  t.equal(tokens.scope, 'allegro:api:orders:read')
  t.equal((await api(s, tokens.access_token, '/order/checkout-forms')).status, 200)
  const denied = await apiJson(s, tokens.access_token, '/sale/offers')
  t.equal(denied.status, 403)
  t.equal(denied.body.errors[0].code, 'AccessDenied')
})
