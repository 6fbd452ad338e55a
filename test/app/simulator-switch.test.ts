import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { isLoopbackHost, loadConfig } from '../../src/config.ts'
import { projectRoot } from '../../src/paths.ts'
import { build } from '../helpers/app.ts'

// #16: the simulators answer without a login (ASVS 14.1.3: no demo/test endpoints in
// production); `auto` mounts them only on a loopback listener.
t.test('loopback addresses are recognised, others are not', async (t) => {
  for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', 'LOCALHOST', '::ffff:127.0.0.1'])
    t.ok(isLoopbackHost(host), host)
  for (const host of ['0.0.0.0', '::', '192.168.1.10', '10.0.0.1', 'example.com', '128.0.0.1', ''])
    t.notOk(isLoopbackHost(host), host)
})

t.test('auto is the default: on for a local npm start, off on 0.0.0.0', async (t) => {
  const local = loadConfig({})
  t.equal(local.host, '127.0.0.1')
  t.equal(local.simulator.enabled, true)
  t.equal(local.ksefSimulator.enabled, true)
  t.match(local.simulatorReason, /auto: serwer słucha tylko na adresie lokalnym 127\.0\.0\.1/)
  const open = loadConfig({ HOST: '0.0.0.0' })
  t.equal(open.simulator.enabled, false)
  t.equal(open.ksefSimulator.enabled, false)
  t.match(open.simulatorReason, /wyłączone \(auto: serwer słucha na 0\.0\.0\.0/)
  t.equal(loadConfig({ HOST: '::' }).simulator.enabled, false)
  t.equal(loadConfig({ HOST: '192.168.0.5' }).ksefSimulator.enabled, false)
})

t.test('true and false decide explicitly; other values are refused', async (t) => {
  t.equal(loadConfig({ HOST: '0.0.0.0', SIMULATOR_ENABLED: 'true' }).simulator.enabled, true)
  t.equal(loadConfig({ HOST: '0.0.0.0', SIMULATOR_ENABLED: 'true' }).ksefSimulator.enabled, false)
  t.equal(loadConfig({ SIMULATOR_ENABLED: 'false', KSEF_SIMULATOR_ENABLED: 'false' }).simulator.enabled, false)
  t.equal(loadConfig({ KSEF_SIMULATOR_ENABLED: 'false' }).ksefSimulator.enabled, false)
  t.throws(() => loadConfig({ SIMULATOR_ENABLED: 'yes' }), /SIMULATOR_ENABLED/)
})

t.test('the Docker image switches both simulators off', async (t) => {
  const dockerfile = readFileSync(join(projectRoot, 'Dockerfile'), 'utf8')
  const envLine = dockerfile
    .split('\n')
    .filter((line) => line.startsWith('ENV '))
    .join(' ')
  t.match(envLine, /SIMULATOR_ENABLED=false/)
  t.match(envLine, /KSEF_SIMULATOR_ENABLED=false/)
  t.match(envLine, /HOST=0\.0\.0\.0/)
  const env = Object.fromEntries([...envLine.matchAll(/([A-Z_]+)=(\S+)/g)].map((m) => [m[1], m[2]]))
  const config = loadConfig(env)
  t.equal(config.simulator.enabled, false)
  t.equal(config.ksefSimulator.enabled, false)
})

t.test('a server on 0.0.0.0 with auto serves no simulator route', async (t) => {
  const { app } = await build(t, {
    config: { HOST: '0.0.0.0', SIMULATOR_ENABLED: 'auto', KSEF_SIMULATOR_ENABLED: 'auto' }
  })
  for (const url of ['/symulator-allegro/auth/oauth/device', '/symulator-ksef/v2/security/public-key-certificates']) {
    const res = await app.inject({ method: 'GET', url })
    t.equal(res.statusCode, 404, url)
  }
})

t.test('on loopback with auto the simulators are mounted', async (t) => {
  const { app } = await build(t, {
    config: { HOST: '127.0.0.1', SIMULATOR_ENABLED: 'auto', KSEF_SIMULATOR_ENABLED: 'auto' }
  })
  const res = await app.inject({ method: 'GET', url: '/symulator-ksef/v2/security/public-key-certificates' })
  t.equal(res.statusCode, 200)
})
