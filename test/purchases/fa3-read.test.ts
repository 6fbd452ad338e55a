// Reading received FA(3) files: what is read, and every way a file is flagged for review.
import t from 'tap'
import { readPurchaseFile } from '../../src/purchases/fa3-read.ts'
import { fa3SchemaErrors } from '../../src/purchases/fa3-schema.ts'
import { preparePurchase } from '../../src/purchases/purchases.ts'
import type { InvoiceMetadata } from '../../src/ksef/client/ksef.client.ts'
import { extraPurchase, purchaseSeeds } from '../../src/simulators/ksef/purchases.ts'

const NOW = Date.parse('2026-11-16T09:00:00Z')
const BUYER = '5261040828'
const good = extraPurchase(BUYER, 1, NOW).content

function meta(over: Partial<InvoiceMetadata> = {}): InvoiceMetadata {
  return {
    ksefNumber: '7789458078-20261116-0123456789AB-00',
    invoiceNumber: 'KX/2026/D/0001',
    issueDate: '2026-11-16',
    acquisitionDate: null,
    permanentStorageDate: '2026-11-16T09:00:00.000Z',
    sellerNip: '7789458078',
    sellerName: null,
    buyerIdentifierType: 'Nip',
    buyerIdentifier: BUYER,
    net: null,
    gross: null,
    vatPln: null,
    currency: 'PLN',
    invoiceType: 'Vat',
    invoiceHash: null,
    ...over
  }
}

t.test('a good file reads whole and raises nothing', async (t) => {
  const read = readPurchaseFile(good)
  t.ok(read.ok)
  if (!read.ok) return
  t.same(read.problems, [])
  t.equal(read.invoice.sellerNip, '7789458078')
  t.equal(read.invoice.buyerNip, BUYER)
  t.equal(read.invoice.gross, 14_760)
  t.same(read.invoice.rates, [{ rate: '23', net: 12_000, vat: 2_760, vatPln: 2_760 }])
  t.same(await fa3SchemaErrors([good.toString('utf8')]), [[]], 'valid against the FA(3) XSD')
  t.same(preparePurchase(meta(), { kind: 'file', bytes: good, hash: null }, BUYER, []).reviewReasons, [])
})

t.test('untrusted files are flagged, never thrown on', async (t) => {
  const cases: Array<[string, Buffer, RegExp]> = [
    ['not UTF-8', Buffer.from([0x3c, 0x61, 0xff, 0x3e]), /UTF-8/],
    [
      'a DTD with an entity',
      Buffer.from('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'),
      /DOCTYPE/
    ],
    ['another root', Buffer.from('<html><script>alert(1)</script></html>'), /FA\(3\)/],
    ['cut off', good.subarray(0, good.length - 40), /XML/],
    ['empty', Buffer.alloc(0), /XML/]
  ]
  for (const [name, bytes, why] of cases) {
    const read = readPurchaseFile(bytes)
    t.notOk(read.ok, name)
    t.match(read.problems.join(' '), why, name)
  }
  const text = good.toString('utf8')
  const unbalanced = Buffer.from(text.replace('<P_15>147.60</P_15>', '<P_15>999.99</P_15>'))
  t.match(
    (readPurchaseFile(unbalanced) as { problems: string[] }).problems.join(' '),
    /P_15/,
    'totals that do not add up'
  )
  const wrongVat = Buffer.from(
    text
      .replace('<P_14_1>27.60</P_14_1>', '<P_14_1>1.00</P_14_1>')
      .replace('<P_15>147.60</P_15>', '<P_15>121.00</P_15>')
  )
  t.match(
    (readPurchaseFile(wrongVat) as { problems: string[] }).problems.join(' '),
    /VAT stawki 23/,
    'VAT that is not 23 % of the net'
  )
  const badNip = Buffer.from(text.replace('<NIP>7789458078</NIP>', '<NIP>1234567890</NIP>'))
  t.match((readPurchaseFile(badNip) as { problems: string[] }).problems.join(' '), /NIP sprzedawcy/)
  // well-formed to a lenient parser, but not to the schema
  const noNumber = text.replace(/<P_2>[^<]*<\/P_2>/, '')
  const [errors] = await fa3SchemaErrors([noNumber])
  t.ok(errors.length > 0, 'the XSD refuses a file without P_2')
  const prepared = preparePurchase(meta(), { kind: 'file', bytes: Buffer.from(noNumber), hash: null }, BUYER, errors)
  t.match(prepared.reviewReasons.join(' '), /schematem FA\(3\)/)
  t.match(
    preparePurchase(meta(), { kind: 'file', bytes: good, hash: null }, '5252674798', []).reviewReasons.join(' '),
    /Nabywcą na fakturze nie jest ta firma/
  )
  t.match(
    preparePurchase(
      meta({ invoiceHash: 'A'.repeat(43) + '=' }),
      { kind: 'file', bytes: good, hash: null },
      BUYER,
      []
    ).reviewReasons.join(' '),
    /Skrót SHA-256/
  )
  t.match(
    preparePurchase(meta({ gross: 1 }), { kind: 'file', bytes: good, hash: null }, BUYER, []).reviewReasons.join(' '),
    /różnią się od pliku faktury: kwota brutto/
  )
  const missing = preparePurchase(
    meta(),
    { kind: 'missing', reason: 'KSeF nie wydał pliku faktury (błąd 400).' },
    BUYER,
    null
  )
  t.equal(missing.xml, null)
  t.same(missing.reviewReasons, ['KSeF nie wydał pliku faktury (błąd 400).'])
})

t.test('the seeds: all but the hostile and the broken read without a problem', async (t) => {
  const seeds = purchaseSeeds(BUYER, NOW, () => null)
  const flagged = seeds
    .filter((s) => {
      const r = readPurchaseFile(s.content)
      return !r.ok || r.problems.length > 0
    })
    .map((s) => s.key)
  t.same(flagged, ['hostile', 'broken'])
  const schema = await fa3SchemaErrors(seeds.filter((s) => s.key !== 'broken').map((s) => s.content.toString('utf8')))
  t.ok(
    schema.every((e) => e.length === 0),
    'the served files (but the broken one) are valid FA(3), as KSeF would require'
  )
})
