// The processes the benchmark runs: the Biurko server as `node dist/src/server.js` (the way
// `npm start` runs it) and the Allegro simulator in a child of its own, so neither shares an
// event loop with the load generator.
import { fork, spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { SimulatorReply, SimulatorRequest } from './simulator-child.ts'

export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => {
        resolve(port)
      })
    })
  })
}

/** Kibibytes from /proc/<pid>/status: VmRSS now, VmHWM the peak since the process started. */
export function memoryOf(pid: number): { rssKb: number; peakKb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN)
  return { rssKb: field('VmRSS'), peakKb: field('VmHWM') }
}

export interface ServerProcess {
  url: string
  pid: number
  databaseFile: string
  /** from spawn to the first 200 on /healthz */
  startupMs: number
  stop: () => Promise<void>
}

export async function startServer(opts: {
  distDir: string
  dataDir: string
  simulatorUrl: string
}): Promise<ServerProcess> {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const started = performance.now()
  const child = spawn(process.execPath, [join(opts.distDir, 'src', 'server.js')], {
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: url,
      DATA_DIR: opts.dataDir,
      DATABASE_FILE: '',
      APP_SECRET: '',
      LOG_LEVEL: 'warn',
      SIMULATOR_ENABLED: 'false',
      SIMULATOR_URL: opts.simulatorUrl
    },
    stdio: ['ignore', 'inherit', 'inherit']
  })
  const exited = exitOf(child)
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode} before answering /healthz`)
    try {
      const response = await fetch(`${url}/healthz`)
      await response.arrayBuffer()
      if (response.status === 200) break
    } catch {
      // not listening yet
    }
    await sleep(5)
  }
  const startupMs = performance.now() - started
  return {
    url,
    pid: child.pid!,
    databaseFile: join(opts.dataDir, 'biurko.sqlite'),
    startupMs,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM')
      await exited
    }
  }
}

function exitOf(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => {
      resolve()
    })
  })
}

export interface SimulatorProcess {
  url: string
  apiUrl: string
  pid: number
  /** the API requests served since the last call, in arrival order ("GET /api/order/…?…") */
  takeRequests: () => Promise<string[]>
  stop: () => Promise<void>
}

export async function startSimulator(opts: {
  distDir: string
  orders: number
  seed: number
}): Promise<SimulatorProcess> {
  const child = fork(
    join(opts.distDir, 'scripts', 'bench', 'simulator-child.js'),
    [String(opts.orders), String(opts.seed)],
    {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc']
    }
  )
  const exited = exitOf(child)
  const pending: Array<(reply: SimulatorReply) => void> = []
  const ready = new Promise<{ url: string; apiUrl: string }>((resolve, reject) => {
    child.once('exit', (code) => {
      reject(new Error(`the simulator exited with ${code}`))
    })
    child.on('message', (reply: SimulatorReply) => {
      if (reply.type === 'ready') resolve(reply)
      else pending.shift()?.(reply)
    })
  })
  const ask = async (request: SimulatorRequest): Promise<SimulatorReply> => {
    const answer = new Promise<SimulatorReply>((resolve) => {
      pending.push(resolve)
    })
    child.send(request)
    return await answer
  }
  const { url, apiUrl } = await ready
  return {
    url,
    apiUrl,
    pid: child.pid!,
    takeRequests: async () => {
      const reply = await ask({ type: 'take-requests' })
      return reply.type === 'requests' ? reply.requests : []
    },
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM')
      await exited
    }
  }
}
