/**
 * Runs the Allegro simulator on its own port:
 *   tsx src/simulators/allegro/main.ts --port 4010 --seed 7 --orders-per-hour 60 --control-routes
 */
import { parseArgs } from 'node:util'
import { startStandaloneSimulator } from './simulator.ts'

const HELP = `Symulator Allegro – lokalny zamiennik API Allegro

Opcje:
  --port <n>              port (domyślnie 4010; 0 = dowolny wolny)
  --host <adres>          adres nasłuchu (domyślnie 127.0.0.1)
  --prefix <ścieżka>      prefiks adresów, np. /symulator-allegro (domyślnie brak)
  --seed <n>              ziarno generatora danych (domyślnie 1)
  --epoch <data ISO>      początek symulacji; ta sama data i ziarno = ta sama historia
  --initial-orders <n>    zamówienia z ostatnich 30 dni (domyślnie 300)
  --orders-per-hour <n>   nowe zamówienia na godzinę (domyślnie 6)
  --secret <tekst>        klucz podpisu tokenów (domyślnie losowy przy każdym starcie)
  --app-url <adres>       adres aplikacji, do której strona autoryzacji może wrócić
                          (redirect_uri), np. http://localhost:3000; można powtórzyć;
                          domyślnie tylko adresy lokalne (127.0.0.1, localhost)
  --control-routes        włącza /__sim/* (wstrzykiwanie błędów i zamówień przez HTTP)
  --help                  ta pomoc
`

function num(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name}: expected a non-negative number, got "${value}"`)
  return n
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      prefix: { type: 'string' },
      seed: { type: 'string' },
      epoch: { type: 'string' },
      'initial-orders': { type: 'string' },
      'orders-per-hour': { type: 'string' },
      secret: { type: 'string' },
      'app-url': { type: 'string', multiple: true },
      'control-routes': { type: 'boolean' },
      help: { type: 'boolean' }
    }
  })
  if (values.help === true) {
    process.stdout.write(HELP)
    return
  }
  const epoch = values.epoch === undefined ? undefined : new Date(values.epoch)
  if (epoch !== undefined && Number.isNaN(epoch.getTime()))
    throw new Error(`--epoch: not a date: "${values.epoch ?? ''}"`)
  const server = await startStandaloneSimulator({
    port: num(values.port, 'port') ?? 4010,
    host: values.host ?? '127.0.0.1',
    prefix: values.prefix,
    seed: num(values.seed, 'seed'),
    epoch,
    initialOrders: num(values['initial-orders'], 'initial-orders'),
    ordersPerHour: num(values['orders-per-hour'], 'orders-per-hour'),
    secret: values.secret,
    redirectOrigins: values['app-url'],
    controlRoutes: values['control-routes'] === true,
    logger: false
  })
  process.stdout.write(`Symulator Allegro działa.
  Adres OAuth (zamiast https://allegro.pl):      ${server.url}
  Adres API (zamiast https://api.allegro.pl):    ${server.apiUrl}
  Konto demonstracyjne:                          demo_sklep / demo1234
  Ziarno: ${server.simulator.seed}, początek symulacji: ${server.simulator.epoch.toISOString()}
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
