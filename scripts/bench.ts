// npm run bench: Biurko's figures measured in one run on this machine (docs/benchmarks.md).
//
// The server runs as `node dist/src/server.js` on an empty temporary data directory, talking to
// an Allegro simulator in a second child process over loopback. The benchmark drives it like a
// browser would (first-run setup, login, DODAJ SKLEP, the device flow with login and password on
// the simulator's page, POBIERZ NOWE TRANSAKCJE, Wystaw, PDF) and reads the database file only
// to check results and to add the bulk rows of the list benchmark.
//
// It prints a table and, as its last line, one JSON object with every figure. Absolute numbers
// move with the load on the machine; the ratios are measured within the same run and mean more.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, tmpdir, totalmem } from 'node:os'
import { dirname, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import SQLite from 'better-sqlite3'
import { DateTime } from 'luxon'
import { projectRoot } from '../src/paths.ts'
import { toStoredTimestamp, ZONE } from '../src/shared/dates.ts'
import { Browser } from './bench/browser.ts'
import { benchClient, connectSeller, approveDevice, parseLoggedRequest, replay } from './bench/download.ts'
import { median, sequentialLatency, throughput, type Latency, type Throughput } from './bench/load.ts'
import { memoryOf, startServer, startSimulator } from './bench/processes.ts'
import { seedTransactions } from './bench/seed.ts'

const ORDERS = 10_000
const TRANSACTIONS = 100_000
const DOCUMENTS = 1_000
const ISSUE_CHUNK = 200
const SEQUENTIAL_REQUESTS = 200
const LOAD_CONNECTIONS = 10
const LOAD_SECONDS = 3
const LOAD_ROUNDS = 3
const DOWNLOAD_ROUNDS = 3
const SIMULATOR_SEED = 2026

const SHOPS = '/ustawienia/integracje/allegro'
const LIST = '/przychody/allegro'
const OWNER = { login: 'wlasciciel', password: 'benchmark-haslo-1' }

/** dist/scripts/bench.js → dist */
const distDir = dirname(dirname(fileURLToPath(import.meta.url)))

function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`)
}

function round(value: number, digits = 1): number {
  const factor = 10 ** digits
  return Math.round(value * factor) / factor
}

function machine(): Record<string, string | number> {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: round(totalmem() / 2 ** 30, 1),
    node: process.version,
    platform: `${process.platform} ${process.arch}`
  }
}

// --- the browser's part -----------------------------------------------------------------------

async function setUpCompany(browser: Browser): Promise<void> {
  await browser.submit('/konfiguracja', '/konfiguracja', {
    login: OWNER.login,
    ownerName: 'Jan Benchmarkowy',
    password: OWNER.password,
    passwordRepeat: OWNER.password,
    name: 'Sklep Benchmarkowy Sp. z o.o.',
    nip: '526-104-08-28',
    street: 'ul. Prosta 1',
    postalCode: '00-001',
    city: 'Warszawa',
    bankAccount: '',
    email: '',
    phone: '',
    vatStatus: 'czynny',
    vatExemptionBasis: '',
    defaultVatRate: '23',
    taxForm: 'kpir',
    ryczaltRate: '',
    package: 'ksiegowosc'
  })
}

async function logIn(baseUrl: string): Promise<Browser> {
  const browser = new Browser(baseUrl)
  const answer = await browser.submit('/logowanie', '/logowanie', { login: OWNER.login, password: OWNER.password })
  if (answer.location !== '/') throw new Error(`login went to ${answer.location ?? 'nowhere'}`)
  return browser
}

async function addAndConnectShop(browser: Browser, db: SQLite.Database, simulatorUrl: string): Promise<number> {
  await browser.submit(`${SHOPS}/sklepy/nowy`, `${SHOPS}/sklepy`, {
    name: 'Sklep Demo',
    environment: 'simulator',
    buyerDataSource: 'delivery',
    // the simulator spreads its orders over the 30 days before it started
    backfillDays: '31'
  })
  const shop = db.prepare('SELECT id FROM allegro_shops WHERE name = ?').get('Sklep Demo') as { id: number }
  const page = `${SHOPS}/sklepy/${shop.id}/polaczenie`
  await browser.submit(page, page, {})
  const waiting = await browser.get(page)
  const userCode = /class="device-code"><strong>([A-Z0-9-]+)<\/strong>/.exec(waiting.body)?.[1]
  if (userCode === undefined) throw new Error('the connection page shows no code to confirm')
  await approveDevice(simulatorUrl, userCode, 'demo_sklep', 'demo1234')
  for (let attempt = 0; attempt < 20; attempt++) {
    await sleep(600)
    const answer = await browser.get(page)
    if (answer.status === 303 && answer.location === SHOPS) return shop.id
  }
  throw new Error('the shop did not get connected')
}

// --- measurements ------------------------------------------------------------------------------

interface ImportFigures {
  orders: number
  seconds: number
  wallSeconds: number
  downloadSeconds: number
  downloadRounds: number[]
  ratio: number
  requests: number
}

async function measureImport(
  browser: Browser,
  db: SQLite.Database,
  sim: Awaited<ReturnType<typeof startSimulator>>,
  shopId: number
): Promise<ImportFigures> {
  await sim.takeRequests()
  const started = performance.now()
  const clicked = await browser.post(`${LIST}/pobierz`, { back: LIST })
  if (clicked.status !== 303) throw new Error(`POBIERZ NOWE TRANSAKCJE: ${clicked.status}`)
  const state = db.prepare(
    'SELECT last_started_at, last_finished_at, last_error FROM transaction_imports WHERE shop_id = ?'
  )
  type ImportState = { last_started_at: string; last_finished_at: string | null; last_error: string | null }
  let row = state.get(shopId) as ImportState | undefined
  while (row?.last_finished_at == null) {
    await sleep(20)
    row = state.get(shopId) as ImportState | undefined
  }
  const wallSeconds = (performance.now() - started) / 1000
  if (row.last_error !== null) throw new Error(`the import reported: ${row.last_error}`)
  const stored = (db.prepare('SELECT count(*) AS count FROM transactions').get() as { count: number }).count
  if (stored !== ORDERS) throw new Error(`the import stored ${stored} transactions, the simulator has ${ORDERS}`)
  // the server's own clock: from claiming the import to recording its end
  const seconds = (Date.parse(row.last_finished_at) - Date.parse(row.last_started_at)) / 1000

  const calls = (await sim.takeRequests()).map(parseLoggedRequest).filter((call) => call !== null)
  log(
    `import: ${stored} orders in ${seconds.toFixed(2)} s, ${calls.length} API requests; downloading the same pages ${DOWNLOAD_ROUNDS}×`
  )
  const client = benchClient(sim.apiUrl, sim.url, await connectSeller(sim.url, 'demo_sklep', 'demo1234'))
  const rounds: number[] = []
  for (let i = 0; i < DOWNLOAD_ROUNDS; i++) {
    const run = await replay(client, calls)
    if (run.forms < ORDERS) throw new Error(`the download got ${run.forms} orders, expected ${ORDERS}`)
    rounds.push(run.ms / 1000)
  }
  const downloadSeconds = median(rounds)
  return {
    orders: stored,
    seconds,
    wallSeconds,
    downloadSeconds,
    downloadRounds: rounds,
    ratio: seconds / downloadSeconds,
    requests: calls.length
  }
}

interface PageFigures {
  label: string
  path: string
  matches: number | null
  sequential: Latency
  load: Throughput
  /** medians over the rounds */
  loadRounds: Throughput[]
}

function searchWord(db: SQLite.Database): string {
  // the commonest offer's longest word: a search a shop owner would type, with many matches
  const offer = db
    .prepare(
      `SELECT first_offer_name AS name FROM transactions WHERE first_offer_name IS NOT NULL
    GROUP BY first_offer_name ORDER BY count(*) DESC LIMIT 1`
    )
    .get() as { name: string }
  const words = offer.name
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word.length >= 4)
  return words.sort((a, b) => b.length - a.length)[0] ?? offer.name.toLowerCase()
}

function buyerLogin(db: SQLite.Database): string {
  // the newest order's buyer: looking one person up, a search with few matches
  return (
    db.prepare('SELECT buyer_login AS login FROM transactions ORDER BY bought_at DESC, id DESC LIMIT 1').get() as {
      login: string
    }
  ).login
}

function rowsOnPage(html: string): number {
  return html.match(/name="transactionIds" value="\d+"/g)?.length ?? 0
}

async function measurePages(
  browser: Browser,
  db: SQLite.Database
): Promise<{ pages: PageFigures[]; search: string; login: string; filter: string }> {
  const search = searchWord(db)
  const login = buyerLogin(db)
  const matching = (word: string): number =>
    (
      db
        .prepare('SELECT count(*) AS count FROM transactions_search WHERE transactions_search MATCH ?')
        .get(`"${word}"`) as { count: number }
    ).count
  const today = DateTime.now().setZone(ZONE).startOf('day')
  const from = today.minus({ days: 120 })
  const to = today.minus({ days: 90 })
  const filter = `status=oplacona&od=${from.toISODate()}&do=${to.toISODate()}`
  const count = (where: string, ...params: unknown[]): number =>
    (db.prepare(`SELECT count(*) AS count FROM transactions WHERE ${where}`).get(...params) as { count: number }).count
  const targets = [
    { label: '/healthz', path: '/healthz', matches: null },
    { label: 'lista', path: LIST, matches: count('1') },
    { label: `szukaj „${search}”`, path: `${LIST}?szukaj=${encodeURIComponent(search)}`, matches: matching(search) },
    { label: `szukaj „${login}”`, path: `${LIST}?szukaj=${encodeURIComponent(login)}`, matches: matching(login) },
    {
      label: 'status + daty',
      path: `${LIST}?${filter}`,
      // the list's own bounds: local days, the end day included
      matches: count(
        'local_status = ? AND bought_at >= ? AND bought_at < ?',
        'oplacona',
        toStoredTimestamp(from),
        toStoredTimestamp(to.plus({ days: 1 }))
      )
    }
  ]
  const cookie = browser.cookieHeader()
  for (const target of targets.slice(1)) {
    const page = await browser.get(target.path)
    if (page.status !== 200) throw new Error(`GET ${target.path}: ${page.status}`)
    const rows = rowsOnPage(page.body)
    if (rows !== Math.min(50, target.matches ?? 0))
      throw new Error(`GET ${target.path}: ${rows} rows on the page, expected ${Math.min(50, target.matches ?? 0)}`)
  }

  const sequential = new Map<string, Latency>()
  for (const target of targets) {
    await sequentialLatency(browser.baseUrl + target.path, cookie, 20)
    sequential.set(target.path, await sequentialLatency(browser.baseUrl + target.path, cookie, SEQUENTIAL_REQUESTS))
    log(`${target.label}: median ${sequential.get(target.path)!.medianMs.toFixed(2)} ms one at a time`)
  }
  // rounds interleave the URLs, so a burst of load from elsewhere on the machine hits all of them
  const loads = new Map<string, Throughput[]>(targets.map((target) => [target.path, []]))
  for (let r = 0; r < LOAD_ROUNDS; r++) {
    for (const target of targets) {
      const result = await throughput(browser.baseUrl + target.path, cookie, LOAD_CONNECTIONS, LOAD_SECONDS)
      loads.get(target.path)!.push(result)
      log(
        `round ${r + 1}, ${target.label}: ${result.requestsPerSecond.toFixed(0)} req/s with ${LOAD_CONNECTIONS} connections`
      )
    }
  }
  const pages = targets.map((target) => {
    const rounds = loads.get(target.path)!
    return {
      ...target,
      sequential: sequential.get(target.path)!,
      load: {
        requestsPerSecond: median(rounds.map((x) => x.requestsPerSecond)),
        medianMs: median(rounds.map((x) => x.medianMs)),
        p99Ms: median(rounds.map((x) => x.p99Ms)),
        requests: rounds.reduce((sum, x) => sum + x.requests, 0)
      },
      loadRounds: rounds
    }
  })
  return { pages, search, login, filter }
}

interface IssueFigures {
  documents: number
  seconds: number
  perSecond: number
  pdfBytes: number
}

/** Wystaw (Faktura) for transactions in chunks of the form's limit; with PDF, each document's PDF is downloaded too. */
async function measureIssuing(
  browser: Browser,
  db: SQLite.Database,
  candidates: number[],
  withPdf: boolean
): Promise<IssueFigures> {
  const documentCount = db.prepare('SELECT count(*) AS count FROM documents')
  const newDocuments = db.prepare('SELECT id FROM documents WHERE id > ? ORDER BY id')
  const before = (documentCount.get() as { count: number }).count
  let lastId = (db.prepare('SELECT coalesce(max(id), 0) AS id FROM documents').get() as { id: number }).id
  let issued = 0
  let elapsed = 0
  let pdfBytes = 0
  await browser.get(LIST)
  while (issued < DOCUMENTS) {
    const chunk = candidates.splice(0, Math.min(ISSUE_CHUNK, DOCUMENTS - issued))
    if (chunk.length === 0) throw new Error(`ran out of transactions to issue for after ${issued} documents`)
    const started = performance.now()
    const answer = await browser.post('/przychody/dokumenty/wystaw', {
      type: 'faktura',
      transactionIds: chunk.map(String),
      powrot: LIST
    })
    if (answer.status !== 303 || answer.location?.startsWith('/przychody/dokumenty/wynik/') !== true)
      throw new Error(`Wystaw: ${answer.status} → ${answer.location ?? ''}`)
    let fresh: number[] = []
    if (withPdf) {
      fresh = (newDocuments.all(lastId) as Array<{ id: number }>).map((row) => row.id)
      for (const id of fresh) {
        const response = await fetch(`${browser.baseUrl}/przychody/dokumenty/${id}/pdf`, {
          headers: { cookie: browser.cookieHeader() }
        })
        const pdf = Buffer.from(await response.arrayBuffer())
        if (response.status !== 200 || pdf.subarray(0, 5).toString('latin1') !== '%PDF-')
          throw new Error(`PDF of document ${id}: ${response.status}`)
        pdfBytes += pdf.length
      }
    }
    elapsed += performance.now() - started
    if (!withPdf) fresh = (newDocuments.all(lastId) as Array<{ id: number }>).map((row) => row.id)
    issued += fresh.length
    lastId = fresh.at(-1) ?? lastId
  }
  const after = (documentCount.get() as { count: number }).count
  if (after - before !== issued) throw new Error(`documents table grew by ${after - before}, issued ${issued}`)
  return { documents: issued, seconds: elapsed / 1000, perSecond: issued / (elapsed / 1000), pdfBytes }
}

// --- the run -----------------------------------------------------------------------------------

function table(rows: Array<[string, string, string]>): string {
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((row) => row[i].length)))
  return rows
    .map((row, index) => {
      const line = `${row[0].padEnd(widths[0])}  ${row[1].padStart(widths[1])}  ${row[2]}`
      return index === 0 ? `${line}\n${'-'.repeat(widths[0] + widths[1] + widths[2] + 4)}` : line
    })
    .join('\n')
}

async function main(): Promise<void> {
  const runStarted = performance.now()
  const dataDir = mkdtempSync(join(tmpdir(), 'biurko-bench-'))
  log(`simulator with ${ORDERS} orders…`)
  const simStarted = performance.now()
  const sim = await startSimulator({ distDir, orders: ORDERS, seed: SIMULATOR_SEED })
  const simulatorStartSeconds = (performance.now() - simStarted) / 1000
  let server: Awaited<ReturnType<typeof startServer>> | null = null
  let db: SQLite.Database | null = null
  let samplePeak = 0
  let sampler: NodeJS.Timeout | null = null
  try {
    server = await startServer({ distDir, dataDir, simulatorUrl: sim.url })
    log(`server up in ${server.startupMs.toFixed(0)} ms (pid ${server.pid})`)
    const serverPid = server.pid
    sampler = setInterval(() => {
      samplePeak = Math.max(samplePeak, memoryOf(serverPid).rssKb)
    }, 100)
    const rss: Record<string, number> = { afterStart: memoryOf(serverPid).rssKb }

    await setUpCompany(new Browser(server.url))
    const browser = await logIn(server.url)
    db = new SQLite(server.databaseFile, { fileMustExist: true })
    db.pragma('busy_timeout = 10000')
    const shopId = await addAndConnectShop(browser, db, sim.url)

    log('import…')
    const imported = await measureImport(browser, db, sim, shopId)
    const lastImportedId = (db.prepare('SELECT max(id) AS id FROM transactions').get() as { id: number }).id
    rss.afterImport = memoryOf(serverPid).rssKb

    log(`seeding up to ${TRANSACTIONS} transactions…`)
    const seeded = seedTransactions(server.databaseFile, TRANSACTIONS)
    log(`seeded ${seeded.copied} rows in ${(seeded.ms / 1000).toFixed(1)} s`)
    const lists = await measurePages(browser, db)
    rss.afterLists = memoryOf(serverPid).rssKb

    // imported orders in złoty that can get an invoice: foreign ones would ask NBP for a rate first,
    // and BOUGHT ones (checkout form not completed) are refused
    const candidates = (
      db
        .prepare(
          `SELECT id FROM transactions WHERE currency = 'PLN' AND allegro_status NOT IN ('CANCELLED', 'BOUGHT')
      AND local_status != 'anulowana' AND id <= ? ORDER BY id`
        )
        .all(lastImportedId) as Array<{ id: number }>
    ).map((row) => row.id)
    log(`issuing ${DOCUMENTS} invoices…`)
    const plain = await measureIssuing(browser, db, candidates, false)
    log(`issuing ${DOCUMENTS} invoices with their PDFs…`)
    const withPdf = await measureIssuing(browser, db, candidates, true)
    rss.afterIssuing = memoryOf(serverPid).rssKb

    clearInterval(sampler)
    sampler = null

    // sending to KSeF: its own process from the sources (scripts/bench/ksef-send.ts says how)
    log(`sending ${DOCUMENTS} invoices to the KSeF simulator, limits off and real…`)
    const ksefOut = execFileSync(
      process.execPath,
      ['--import', 'tsx', 'scripts/bench/ksef-send.ts', String(DOCUMENTS)],
      { cwd: projectRoot, maxBuffer: 16 * 1024 * 1024 }
    ).toString('utf8')
    const ksef = JSON.parse(ksefOut.trim().split('\n').at(-1) ?? '{}') as {
      limitsOff: { invoices: number; wallSeconds: number; perSecond: number; tooMany: number; accepted: number }
      realLimits: {
        invoices: number
        wallSeconds: number
        ksefHours: number
        perHourOfKsefTime: number
        wallPerSecond: number
        tooMany: number
        accepted: number
      }
    }
    const memory = memoryOf(serverPid)
    const peakMiB = Math.max(memory.peakKb, samplePeak) / 1024
    const healthz = lists.pages[0]

    const figures = {
      date: new Date().toISOString(),
      machine: machine(),
      startup: { ms: round(server.startupMs, 0), emptyDataDir: true },
      import: {
        orders: imported.orders,
        apiRequests: imported.requests,
        seconds: round(imported.seconds, 2),
        wallSeconds: round(imported.wallSeconds, 2),
        downloadSeconds: round(imported.downloadSeconds, 2),
        downloadRounds: imported.downloadRounds.map((x) => round(x, 2)),
        ratioToDownload: round(imported.ratio, 2),
        ordersPerSecond: round(imported.orders / imported.seconds, 0)
      },
      list: {
        transactions: seeded.total,
        seedSeconds: round(seeded.ms / 1000, 1),
        connections: LOAD_CONNECTIONS,
        search: lists.search,
        buyerSearch: lists.login,
        filter: lists.filter,
        pages: Object.fromEntries(
          lists.pages.map((page) => [
            page.path,
            {
              matches: page.matches,
              sequentialMedianMs: round(page.sequential.medianMs, 2),
              sequentialP99Ms: round(page.sequential.p99Ms, 2),
              requestsPerSecond: round(page.load.requestsPerSecond, 0),
              loadMedianMs: round(page.load.medianMs, 1),
              loadP99Ms: round(page.load.p99Ms, 1),
              medianLatencyRatioToHealthz: round(page.sequential.medianMs / healthz.sequential.medianMs, 1),
              throughputRatioToHealthz: round(healthz.load.requestsPerSecond / page.load.requestsPerSecond, 1)
            }
          ])
        )
      },
      issuing: {
        documents: plain.documents,
        perSecond: round(plain.perSecond, 1),
        seconds: round(plain.seconds, 1),
        withPdfPerSecond: round(withPdf.perSecond, 1),
        withPdfSeconds: round(withPdf.seconds, 1),
        averagePdfKiB: round(withPdf.pdfBytes / withPdf.documents / 1024, 1)
      },
      ksef: {
        invoices: ksef.limitsOff.invoices,
        limitsOffPerSecond: round(ksef.limitsOff.perSecond, 1),
        limitsOffSeconds: round(ksef.limitsOff.wallSeconds, 1),
        realLimitsKsefHours: round(ksef.realLimits.ksefHours, 2),
        realLimitsPerHour: round(ksef.realLimits.perHourOfKsefTime, 0),
        realLimitsWallSeconds: round(ksef.realLimits.wallSeconds, 1),
        tooMany: ksef.limitsOff.tooMany + ksef.realLimits.tooMany,
        accepted: [ksef.limitsOff.accepted, ksef.realLimits.accepted]
      },
      memory: {
        peakRssMiB: round(peakMiB, 0),
        rssMiB: Object.fromEntries(Object.entries(rss).map(([phase, kb]) => [phase, round(kb / 1024, 0)]))
      },
      simulatorStartSeconds: round(simulatorStartSeconds, 1),
      totalSeconds: round((performance.now() - runStarted) / 1000, 0)
    }

    const rows: Array<[string, string, string]> = [['Pomiar', 'Wynik', 'Uwagi']]
    rows.push(['Start serwera (do 200 na /healthz)', `${figures.startup.ms} ms`, 'pusty katalog danych, z migracjami'])
    rows.push([
      `Import ${imported.orders} zamówień`,
      `${figures.import.seconds} s`,
      `${figures.import.ordersPerSecond} zamówień/s, ${imported.requests} zapytań do API`
    ])
    rows.push([
      'Samo pobranie tych samych stron',
      `${figures.import.downloadSeconds} s`,
      `mediana z ${DOWNLOAD_ROUNDS} przebiegów`
    ])
    rows.push(['Import ÷ samo pobranie', `${figures.import.ratioToDownload}`, 'cel ≤ 1,5'])
    for (const page of lists.pages) {
      const f = figures.list.pages[page.path]
      const note =
        page.path === '/healthz'
          ? 'trywialna ścieżka (odniesienie)'
          : `${page.matches} pasujących; ×${f.medianLatencyRatioToHealthz} opóźnienia, ×${f.throughputRatioToHealthz} przepustowości /healthz`
      rows.push([`${page.label}: mediana / p99 (po kolei)`, `${f.sequentialMedianMs} / ${f.sequentialP99Ms} ms`, note])
      rows.push([
        `${page.label}: ${LOAD_CONNECTIONS} połączeń`,
        `${f.requestsPerSecond} req/s`,
        `mediana ${f.loadMedianMs} ms, p99 ${f.loadP99Ms} ms`
      ])
    }
    rows.push([
      `Wystawienie ${plain.documents} faktur`,
      `${figures.issuing.perSecond} dok./s`,
      `${figures.issuing.seconds} s, partie po ${ISSUE_CHUNK}`
    ])
    rows.push([
      `Wystawienie ${withPdf.documents} faktur z PDF`,
      `${figures.issuing.withPdfPerSecond} dok./s`,
      `${figures.issuing.withPdfSeconds} s, PDF śr. ${figures.issuing.averagePdfKiB} KiB`
    ])
    rows.push([
      `Wysyłka ${figures.ksef.invoices} faktur do symulatora KSeF, bez limitów`,
      `${figures.ksef.limitsOffPerSecond} fakt./s`,
      `${figures.ksef.limitsOffSeconds} s; przyjęte ${ksef.limitsOff.accepted}`
    ])
    rows.push([
      `Ta sama wysyłka z limitami KSeF (30/min, 180/h)`,
      `${figures.ksef.realLimitsPerHour} fakt./h czasu KSeF`,
      `${figures.ksef.realLimitsKsefHours} h czasu KSeF, ${figures.ksef.realLimitsWallSeconds} s naszej pracy; 429: ${figures.ksef.tooMany}; przyjęte ${ksef.realLimits.accepted}`
    ])
    rows.push([
      'Szczytowe RSS serwera',
      `${figures.memory.peakRssMiB} MiB`,
      `VmHWM; po starcie ${figures.memory.rssMiB.afterStart} MiB`
    ])

    process.stdout.write(
      `\nBiurko – benchmark (${figures.date}; ${figures.machine.cores} rdzenie, ${figures.machine.cpu}, Node ${process.version})\n`
    )
    process.stdout.write(
      `${seeded.total} transakcji w bazie; wyszukiwanie słowa z nazw ofert „${lists.search}” i loginu kupującego „${lists.login}”; filtr ${lists.filter}\n\n`
    )
    process.stdout.write(table(rows) + '\n\n')
    process.stdout.write(JSON.stringify(figures) + '\n')
  } finally {
    if (sampler !== null) clearInterval(sampler)
    db?.close()
    await server?.stop()
    await sim.stop()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`[bench] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  process.exitCode = 1
})
