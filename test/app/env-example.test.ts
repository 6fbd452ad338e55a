import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { loadConfig } from '../../src/config.ts'
import { projectRoot } from '../../src/paths.ts'

// .env.example is the configuration's documentation: every variable the config reads is in it,
// and the file as written loads.
t.test('.env.example documents every variable and loads as it is', async (t) => {
  const text = readFileSync(join(projectRoot, '.env.example'), 'utf8')
  const documented = new Map<string, string>()
  for (const line of text.split('\n')) {
    const match = /^([A-Z_]+)=(.*)$/.exec(line)
    if (match) documented.set(match[1], match[2])
  }
  const source = readFileSync(join(projectRoot, 'src/config.ts'), 'utf8')
  const read = [...source.matchAll(/^\s+([A-Z][A-Z_]+): \{ type:/gm)].map((m) => m[1])
  t.ok(read.length > 10)
  for (const name of read) t.ok(documented.has(name), `${name} is in .env.example`)
  const env = Object.fromEntries([...documented].filter(([, value]) => value !== ''))
  const config = loadConfig(env)
  t.equal(config.port, 3000)
  t.equal(config.allegro.production.apiUrl, 'https://api.allegro.pl')
})

t.test('a bad environment is refused with every problem named', async (t) => {
  t.throws(() => loadConfig({ PORT: 'abc' }), /PORT/)
  t.throws(() => loadConfig({ APP_SECRET: 'short' }), /APP_SECRET/)
})
