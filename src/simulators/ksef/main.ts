/**
 * Runs the KSeF simulator on its own port:
 *   tsx src/simulators/ksef/main.ts --port 4020 --control-routes --no-rate-limits
 */
import { parseArgs } from 'node:util'
import { startStandaloneKsefSimulator } from './standalone.ts'

const HELP = `Symulator KSeF – lokalny zamiennik API KSeF 2.0 (stan w pamięci, znika po zatrzymaniu)

Opcje:
  --port <n>                port (domyślnie 4020; 0 = dowolny wolny)
  --host <adres>            adres nasłuchu (domyślnie 127.0.0.1)
  --prefix <ścieżka>        prefiks adresów (domyślnie /symulator-ksef)
  --processing-delay <ms>   jak długo uwierzytelnienie, faktura i sesja są „w toku” (domyślnie 0)
  --no-rate-limits          bez limitów żądań KSeF (np. do testów wydajności)
  --control-routes          włącza /demo/faults i /demo/rate-limits (wstrzykiwanie błędów przez HTTP)
  --help                    ta pomoc
`

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      prefix: { type: 'string' },
      'processing-delay': { type: 'string' },
      'no-rate-limits': { type: 'boolean' },
      'control-routes': { type: 'boolean' },
      help: { type: 'boolean' }
    }
  })
  if (values.help === true) {
    process.stdout.write(HELP)
    return
  }
  const num = (value: string | undefined, name: string): number | undefined => {
    if (value === undefined) return undefined
    const n = Number(value)
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${name}: expected a non-negative integer, got "${value}"`)
    return n
  }
  const server = await startStandaloneKsefSimulator({
    port: num(values.port, 'port') ?? 4020,
    host: values.host ?? '127.0.0.1',
    prefix: values.prefix,
    processingDelayMs: num(values['processing-delay'], 'processing-delay'),
    rateLimits: values['no-rate-limits'] !== true,
    controlRoutes: values['control-routes'] === true
  })
  process.stdout.write(`Symulator KSeF działa (stan w pamięci).
  Adres API (zamiast https://api.ksef.mf.gov.pl/v2):   ${server.apiUrl}
  Weryfikacja QR (zamiast https://qr.ksef.mf.gov.pl):  ${server.url}/qr
  Token KSeF dla firmy:       POST ${server.url}/demo/tokens {"nip": "…"}
  Certyfikat KSeF dla firmy:  POST ${server.url}/demo/certificates {"nip": "…", "passphrase": "…"}
`)
  const stop = (): void => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1)
    )
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(1)
})
