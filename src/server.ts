import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import closeWithGrace from 'close-with-grace'
import { buildApp } from './app.ts'
import { loadConfig } from './config.ts'
import { loadOrCreateAppSecret } from './shared/app-secret.ts'
import { loggerOptions } from './logger.ts'

const config = loadConfig()
mkdirSync(config.dataDir, { recursive: true })
mkdirSync(dirname(config.databaseFile), { recursive: true })

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
