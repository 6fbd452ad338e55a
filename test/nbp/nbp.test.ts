import t from 'tap'
import {
  convertToPln,
  createNbpClient,
  easterSunday,
  isPolishBusinessDay,
  NBP_MAX_DAYS_BACK,
  NbpError,
  previousBusinessDay
} from '../../src/nbp/nbp.ts'
import { startNbpStandIn, type StandInRates } from '../../src/nbp/nbp-stand-in.ts'

t.test('Easter and the movable holidays', async (t) => {
  t.equal(easterSunday(2024), '2024-03-31')
  t.equal(easterSunday(2025), '2025-04-20')
  t.equal(easterSunday(2026), '2026-04-05')
  t.equal(easterSunday(2027), '2027-03-28')
  t.notOk(isPolishBusinessDay('2026-04-06'), 'Easter Monday 2026')
  t.notOk(isPolishBusinessDay('2026-06-04'), 'Corpus Christi 2026 (Easter + 60)')
  t.ok(isPolishBusinessDay('2026-04-03'), 'Good Friday is a working day')
  t.notOk(isPolishBusinessDay('2025-12-24'), 'Christmas Eve is a holiday since 2025')
  t.ok(isPolishBusinessDay('2024-12-24'), 'but it was a working day in 2024')
  t.notOk(isPolishBusinessDay('2026-01-06'), 'Epiphany')
  t.notOk(isPolishBusinessDay('2026-11-11'), 'Independence Day')
  t.notOk(isPolishBusinessDay('2026-01-17'), 'Saturday')
})

t.test('the table of the last business day before the sale', async (t) => {
  t.equal(previousBusinessDay('2026-01-19'), '2026-01-16', 'sale on Monday → Friday')
  t.equal(previousBusinessDay('2026-01-18'), '2026-01-16', 'sale on Sunday → Friday')
  t.equal(previousBusinessDay('2026-01-21'), '2026-01-20', 'an ordinary Wednesday → Tuesday')
  t.equal(previousBusinessDay('2026-01-02'), '2025-12-31', 'after New Year’s Day, across the year end')
  t.equal(previousBusinessDay('2026-04-07'), '2026-04-03', 'after Easter Monday → the Friday before Easter')
  t.equal(previousBusinessDay('2026-06-05'), '2026-06-03', 'after Corpus Christi')
  t.equal(previousBusinessDay('2025-12-29'), '2025-12-23', 'Christmas Eve, Christmas and a weekend')
  t.equal(previousBusinessDay('2026-05-04'), '2026-04-30', '1 May (Friday), weekend with 3 May')
  t.throws(() => previousBusinessDay('2026-02-30'), NbpError)
  t.throws(() => previousBusinessDay('19.01.2026'), NbpError)
})

t.test('conversion to PLN in integer arithmetic, half up to the grosz', async (t) => {
  t.equal(convertToPln(10000, '4.2103'), 42103, '100.00 EUR at 4.2103')
  t.equal(convertToPln(1, '4.2103'), 4, '0.01 × 4.2103 = 0.042103 → 0.04')
  t.equal(convertToPln(1, '0.5'), 1, 'exactly half a grosz goes up')
  t.equal(convertToPln(1, '0.4999'), 0)
  t.equal(convertToPln(-1, '0.5'), -1, 'half away from zero for corrections')
  t.equal(convertToPln(-12345, '0.1734'), -2141, '−123.45 CZK: −21.40623 → −21.41')
  t.equal(convertToPln(12345, '0.1734'), 2141)
  t.equal(convertToPln(2500, '0.1720'), 430, 'VAT of 25.00 CZK: 4.30 zł exactly')
  t.equal(convertToPln(199900, '0.010905'), 2180, '1 999 HUF at 0.010905 = 21.799… zł')
  // a float product would go wrong here: 1.005 × 100 is 100.49999…
  t.equal(convertToPln(100, '1.005'), 101, '1.00 at 1.005 = 1.005 → 1.01')
  t.equal(convertToPln(0, '4.2103'), 0)
  t.equal(
    convertToPln(9007199254740, '4.2103'),
    37923011022232,
    'large amounts stay exact: 90 071 992 547.40 × 4.2103 = 379 230 110 222.318 22'
  )
  t.throws(() => convertToPln(100, '4,2103'), NbpError, 'comma is not a rate')
  t.throws(() => convertToPln(100, '0'), NbpError, 'zero is not a rate')
  t.throws(() => convertToPln(100, '4.1234567'), NbpError, 'more than 6 decimals')
  t.throws(() => convertToPln(1.5, '4.2'), RangeError, 'amounts are integers')
})

const RATES: StandInRates = {
  CZK: {
    '2026-01-16': { no: '011/A/NBP/2026', mid: '0.1734' },
    '2025-12-31': { no: '252/A/NBP/2025', mid: '0.1741' },
    '2026-04-03': { no: '066/A/NBP/2026', mid: '0.1720' }
  },
  EUR: {
    '2026-01-16': { no: '011/A/NBP/2026', mid: '4.2100' }
  }
}

t.test('the client against the local NBP stand-in over HTTP', async (t) => {
  const standIn = await startNbpStandIn(RATES)
  t.teardown(standIn.close)
  const client = createNbpClient({ baseUrl: standIn.baseUrl, fetch: globalThis.fetch, timeoutMs: 5000 })

  t.test('a day with a table', async (t) => {
    standIn.requests.length = 0
    const rate = await client.getMidRate('CZK', '2026-01-16')
    t.same(rate, { currency: 'CZK', mid: '0.1734', tableNo: '011/A/NBP/2026', effectiveDate: '2026-01-16' })
    t.same(standIn.requests, ['/api/exchangerates/rates/a/czk/2026-01-16/'])
  })

  t.test('the published text is kept, trailing zero included', async (t) => {
    const rate = await client.getMidRate('eur', '2026-01-16')
    t.equal(rate.mid, '4.2100')
    t.equal(rate.currency, 'EUR')
  })

  t.test('a 404 (no table that day) steps back a day at a time', async (t) => {
    standIn.requests.length = 0
    // 2026-01-19 is a Monday without a table in the fixture: Sun and Sat have none either
    const rate = await client.getMidRate('CZK', '2026-01-19')
    t.equal(rate.effectiveDate, '2026-01-16')
    t.equal(rate.tableNo, '011/A/NBP/2026')
    t.same(standIn.requests, [
      '/api/exchangerates/rates/a/czk/2026-01-19/',
      '/api/exchangerates/rates/a/czk/2026-01-18/',
      '/api/exchangerates/rates/a/czk/2026-01-17/',
      '/api/exchangerates/rates/a/czk/2026-01-16/'
    ])
  })

  t.test('the rate for a sale date is the previous business day’s table', async (t) => {
    standIn.requests.length = 0
    t.equal(
      (await client.getRateForSaleDate('CZK', '2026-01-19')).effectiveDate,
      '2026-01-16',
      'sale on Monday → Friday'
    )
    t.equal((await client.getRateForSaleDate('CZK', '2026-01-02')).mid, '0.1741', 'sale on 2 January → 31 December')
    t.equal(
      (await client.getRateForSaleDate('CZK', '2026-04-07')).tableNo,
      '066/A/NBP/2026',
      'after Easter Monday → Friday before Easter'
    )
    t.same(
      standIn.requests,
      [
        '/api/exchangerates/rates/a/czk/2026-01-16/',
        '/api/exchangerates/rates/a/czk/2025-12-31/',
        '/api/exchangerates/rates/a/czk/2026-04-03/'
      ],
      'no request for weekends and holidays'
    )
  })

  t.test('the search back is bounded', async (t) => {
    standIn.requests.length = 0
    await t.rejects(client.getMidRate('HUF', '2026-01-16'), {
      name: 'NbpError',
      message: /NBP nie opublikował kursu HUF w tabeli A w ciągu 10 dni przed 2026-01-16/
    })
    t.equal(standIn.requests.length, NBP_MAX_DAYS_BACK + 1, 'the asked day and ten days before it')
    t.equal(standIn.requests.at(-1), '/api/exchangerates/rates/a/huf/2026-01-06/')
  })

  t.test('server errors become a clear Polish message', async (t) => {
    standIn.failWith(500)
    t.teardown(() => standIn.failWith(null))
    await t.rejects(client.getMidRate('CZK', '2026-01-16'), {
      name: 'NbpError',
      message: /odpowiedział błędem \(HTTP 500\)/
    })
  })

  t.test('PLN and malformed codes are refused before any request', async (t) => {
    standIn.requests.length = 0
    await t.rejects(client.getMidRate('PLN', '2026-01-16'), NbpError)
    await t.rejects(client.getMidRate('C Z', '2026-01-16'), NbpError)
    await t.rejects(client.getMidRate('CZK', '16.01.2026'), NbpError)
    t.same(standIn.requests, [])
  })
})

function fakeFetch(answer: (url: string, init?: RequestInit) => Promise<Response>): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) =>
    await answer(String(input), init)) as typeof fetch
}

t.test('timeouts and network failures', async (t) => {
  // like a server that never answers; the interval stands for the open socket, which keeps the
  // process alive (AbortSignal.timeout's own timer does not)
  const hanging = fakeFetch(
    async (_url, init) =>
      await new Promise<Response>((_resolve, reject) => {
        const socket = setInterval(() => {}, 1000)
        init?.signal?.addEventListener('abort', () => {
          clearInterval(socket)
          reject(init.signal!.reason)
        })
      })
  )
  const slow = createNbpClient({ baseUrl: 'http://nbp.invalid/api', fetch: hanging, timeoutMs: 20 })
  await t.rejects(slow.getMidRate('EUR', '2026-01-16'), {
    name: 'NbpError',
    message: /nie odpowiedział w ciągu 0,02 s/
  })

  const offline = createNbpClient({
    baseUrl: 'http://nbp.invalid/api',
    fetch: fakeFetch(async () => {
      throw new TypeError('fetch failed')
    }),
    timeoutMs: 1000
  })
  await t.rejects(offline.getMidRate('EUR', '2026-01-16'), {
    name: 'NbpError',
    message: /Nie udało się połączyć z serwisem kursów NBP/
  })
})

t.test('untrusted answers are checked', async (t) => {
  const answering = (body: string) =>
    createNbpClient({
      baseUrl: 'http://nbp.invalid/api/',
      fetch: fakeFetch(
        async () => new Response(body, { status: 200, headers: { 'content-type': 'application/json' } })
      ),
      timeoutMs: 1000
    })
  const good =
    '{"table":"A","currency":"euro","code":"EUR","rates":[{"no":"011/A/NBP/2026","effectiveDate":"2026-01-16","mid":4.2103}]}'
  t.equal((await answering(good).getMidRate('EUR', '2026-01-16')).mid, '4.2103', 'the well-formed answer passes')
  const bad = {
    'not JSON': '<html>',
    'another currency': good.replace('"EUR"', '"USD"'),
    'mid as a string': good.replace('4.2103', '"4.2103"'),
    'negative mid': good.replace('4.2103', '-4.2103'),
    'table from after the asked day': good.replace('2026-01-16', '2026-01-17'),
    'odd table number': good.replace('011/A/NBP/2026', '<b>'),
    'no rates': '{"table":"A","code":"EUR","rates":[]}',
    'too many decimals': good.replace('4.2103', '4.2103001')
  }
  for (const [what, body] of Object.entries(bad)) {
    await t.rejects(
      answering(body).getMidRate('EUR', '2026-01-16'),
      { name: 'NbpError', message: /nieoczekiwaną odpowiedź/ },
      what
    )
  }
})
