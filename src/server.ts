import { existsSync } from 'node:fs'
import { dirname } from 'node:path'
import closeWithGrace from 'close-with-grace'
import { buildApp } from './app.ts'
import { loadConfig } from './config.ts'
import { loadOrCreateAppSecret } from './shared/app-secret.ts'
import { loggerOptions } from './logger.ts'
import { ensurePrivateDir } from './shared/private-files.ts'

const config = loadConfig()
ensurePrivateDir(config.dataDir)
// a database outside the data folder: its folder is the admin's, created (0700) only when missing
if (!existsSync(dirname(config.databaseFile))) ensurePrivateDir(dirname(config.databaseFile))

const app = await buildApp(config, {
  appSecret: loadOrCreateAppSecret(config.appSecret, config.dataDir),
  logger: loggerOptions(config.logLevel)
})

closeWithGrace({ delay: 10_000 }, async ({ err }) => {
  if (err) app.log.error({ err }, 'shutting down after an error')
  await app.close()
})

await app.listen({ host: config.host, port: config.port })
app.log.info(`Biurko działa: ${config.publicUrl}`)
