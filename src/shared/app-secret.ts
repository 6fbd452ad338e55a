import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ensurePrivateDir } from './private-files.ts'

/**
 * The key behind sessions and encrypted secrets: from config when set, otherwise a random key
 * kept in the data folder (readable only by the server's user) so it survives restarts.
 */
export function loadOrCreateAppSecret(configured: string, dataDir: string): Buffer {
  if (configured !== '') return Buffer.from(configured, 'hex')
  ensurePrivateDir(dataDir)
  const file = join(dataDir, 'secret.key')
  if (existsSync(file)) {
    const hex = readFileSync(file, 'utf8').trim()
    if (!/^[0-9a-f]{64}$/i.test(hex)) throw new Error(`${file} is not a 64-character hex key`)
    return Buffer.from(hex, 'hex')
  }
  const key = randomBytes(32)
  writeFileSync(file, key.toString('hex') + '\n', { mode: 0o600, flag: 'wx' })
  chmodSync(file, 0o600)
  return key
}
