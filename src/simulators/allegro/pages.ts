/**
 * The simulator's few HTML pages. Plain semantic HTML: the host app's CSP forbids inline
 * scripts and styles, and the pages must work without any asset. Inside the app they take its
 * stylesheet (/public/css/app.css, same origin) so they look like the rest, with a banner that
 * says it is a simulator; run on its own, the link finds nothing and the plain HTML remains.
 */
import { escapeHtml } from '../shared/html.ts'

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="pl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="/public/css/app.css">
</head>
<body class="simulator">
<header class="sim-banner">
<p><span class="sim-mark">Symulator</span> <strong>Symulator Allegro</strong> — to nie jest prawdziwe Allegro, tylko wbudowany symulator z danymi
demonstracyjnymi. Pozwala wypróbować Biurko bez konta Allegro.</p>
</header>
<main class="content sim-page">
<div class="card medium">
${body}
</div>
</main>
</body>
</html>
`
}

const DEMO_ACCOUNT = `<section aria-labelledby="demo-account">
<h2 id="demo-account">Konto demonstracyjne</h2>
<p>Login: <kbd>demo_sklep</kbd>, hasło: <kbd>demo1234</kbd></p>
</section>`

function errorBlock(error: string | undefined): string {
  return error === undefined ? '' : `<p role="alert"><strong>${escapeHtml(error)}</strong></p>\n`
}

export interface DevicePageState {
  code: string
  login: string
  error?: string
}

export function devicePage(state: DevicePageState): string {
  return layout(
    'Powiąż aplikację z kontem – Symulator Allegro',
    `<h1>Powiąż aplikację z kontem Allegro</h1>
<p>Aplikacja prosi o dostęp do zamówień i ofert Twojego konta. Sprawdź, czy kod poniżej jest taki sam
jak kod wyświetlony w Biurku, a potem zaloguj się, aby zezwolić na dostęp.</p>
${errorBlock(state.error)}<form method="post" action="skojarz-aplikacje">
<p><label for="code">Kod</label><br>
<input id="code" name="code" value="${escapeHtml(state.code)}" required autocomplete="off" autocapitalize="characters" spellcheck="false"></p>
<p><label for="login">Login</label><br>
<input id="login" name="login" value="${escapeHtml(state.login)}" required autocomplete="username"></p>
<p><label for="password">Hasło</label><br>
<input id="password" name="password" type="password" required autocomplete="current-password"></p>
<p><button type="submit" name="decision" value="approve">Zezwól i powiąż</button>
<button type="submit" name="decision" value="deny" formnovalidate>Odmów dostępu</button></p>
</form>
${DEMO_ACCOUNT}`
  )
}

export function deviceApprovedPage(login: string): string {
  return layout(
    'Aplikacja powiązana – Symulator Allegro',
    `<h1>Gotowe</h1>
<p role="status">Aplikacja została powiązana z kontem ${escapeHtml(login)}. Możesz wrócić do Biurka.</p>`
  )
}

export function deviceDeniedPage(): string {
  return layout(
    'Odmowa dostępu – Symulator Allegro',
    `<h1>Odmówiono dostępu</h1>
<p role="status">Aplikacja nie otrzymała dostępu do konta. Możesz zamknąć tę stronę i wrócić do Biurka.</p>`
  )
}

export interface AuthorizePageState {
  params: Record<string, string>
  login: string
  error?: string
}

/** Authorization-code flow login; the OAuth parameters travel as hidden fields. */
export function authorizePage(state: AuthorizePageState): string {
  const hidden = Object.entries(state.params)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('\n')
  return layout(
    'Zaloguj się – Symulator Allegro',
    `<h1>Zaloguj się, aby powiązać aplikację</h1>
<p>Aplikacja <kbd>${escapeHtml(state.params.client_id ?? '')}</kbd> prosi o dostęp do zamówień i ofert Twojego konta.</p>
${errorBlock(state.error)}<form method="post" action="authorize">
${hidden}
<p><label for="login">Login</label><br>
<input id="login" name="login" value="${escapeHtml(state.login)}" required autocomplete="username"></p>
<p><label for="password">Hasło</label><br>
<input id="password" name="password" type="password" required autocomplete="current-password"></p>
<p><button type="submit" name="decision" value="approve">Zaloguj i zezwól</button>
<button type="submit" name="decision" value="deny" formnovalidate>Odmów dostępu</button></p>
</form>
${DEMO_ACCOUNT}`
  )
}

export function errorPage(message: string): string {
  return layout(
    'Nie możemy wyświetlić strony – Symulator Allegro',
    `<h1>Nie możemy wyświetlić strony</h1>
<p role="alert">${escapeHtml(message)}</p>`
  )
}

export function indexPage(webBase: string): string {
  return layout(
    'Symulator Allegro',
    `<h1>Symulator Allegro</h1>
<p>Adres usług OAuth (jak <kbd>https://allegro.pl</kbd>): <kbd>${escapeHtml(webBase)}</kbd></p>
<p>Adres REST API (jak <kbd>https://api.allegro.pl</kbd>): <kbd>${escapeHtml(webBase)}/api</kbd></p>
<p><a href="${escapeHtml(webBase)}/skojarz-aplikacje">Powiąż aplikację kodem</a></p>
${DEMO_ACCOUNT}`
  )
}

export function buyerOrderPage(
  orderId: string,
  invoices: Array<{
    id: string
    invoiceNumber: string | null
    fileName: string
    uploadedAt: string | null
    file: Buffer | null
  }>
): string {
  const rows = invoices.map(
    (i) =>
      `<li>${escapeHtml(i.invoiceNumber ?? i.fileName)}: ${
        i.file === null
          ? 'plik jeszcze nie przesłany'
          : `<a href="${escapeHtml(orderId)}/faktury/${escapeHtml(i.id)}">pobierz PDF</a> (przesłano ${escapeHtml(i.uploadedAt ?? '')})`
      }</li>`
  )
  return layout(
    'Moje zakupy – Symulator Allegro',
    `<h1>Zamówienie ${escapeHtml(orderId)}</h1>
<h2>Faktury od sprzedającego</h2>
${rows.length === 0 ? '<p>Sprzedający nie dodał jeszcze faktury.</p>' : `<ul>\n${rows.join('\n')}\n</ul>`}`
  )
}
