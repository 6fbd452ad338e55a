// `npm run simulator:ksef` (src/simulators/ksef/main.ts) as a real process on its own port.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import t from 'tap'

const MAIN = fileURLToPath(new URL('../../../src/simulators/ksef/main.ts', import.meta.url))

t.test('the standalone simulator starts, answers, and stops on SIGTERM', async (t) => {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', MAIN, '--port', '0', '--no-rate-limits', '--control-routes'],
    { stdio: ['ignore', 'pipe', 'pipe'] }
  )
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL')
  })
  let out = ''
  const apiUrl = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8')
      const m = /Adres API.*?:\s+(http:\/\/\S+)/.exec(out)
      if (m !== null) resolve(m[1])
    })
    child.once('exit', (code) => {
      reject(new Error(`exited with ${String(code)}: ${out}`))
    })
    // a bound, not a timing check: a simulator that never says where it listens fails the test
    setTimeout(() => {
      reject(new Error(`no address printed: ${out}`))
    }, 60_000).unref()
  })
  t.match(apiUrl, /^http:\/\/127\.0\.0\.1:\d+\/symulator-ksef\/v2$/)
  const keys = await fetch(`${apiUrl}/security/public-key-certificates`)
  t.equal(keys.status, 200)
  t.equal(((await keys.json()) as unknown[]).length, 2)
  const faults = await fetch(apiUrl.replace(/\/v2$/, '/demo/faults'))
  t.equal(faults.status, 200, '--control-routes')
  child.kill('SIGTERM')
  const [code] = (await once(child, 'exit')) as [number | null]
  t.equal(code, 0)
})
