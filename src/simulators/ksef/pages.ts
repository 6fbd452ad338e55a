/**
 * The simulator's QR verification page (KOD I of kody-qr.md): what qr.ksef.mf.gov.pl shows after
 * a scan, reduced to the answer that matters — was an invoice with exactly this file accepted.
 * Plain HTML without scripts or styles (the host app's CSP forbids inline ones).
 */
import { escapeHtml } from '../allegro/pages.ts'

function layout (title: string, body: string): string {
  return `<!doctype html>
<html lang="pl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
</head>
<body>
<header>
<p><strong>Symulator KSeF</strong> — to nie jest Krajowy System e-Faktur Ministerstwa Finansów, tylko
wbudowany symulator. Faktury przyjęte przez symulator nie istnieją w prawdziwym KSeF.</p>
</header>
<main>
${body}
</main>
</body>
</html>
`
}

export interface QrInvoice { ksefNumber: string, invoiceNumber: string | null, sellerNip: string, buyerNip: string | null, issueDate: string, acquisitionDate: string }

export function qrInvoicePage (asked: { nip: string, date: string, hash: string }, found: QrInvoice | null): string {
  const askedRows = `<dl>
<dt>NIP sprzedawcy</dt><dd>${escapeHtml(asked.nip)}</dd>
<dt>Data wystawienia</dt><dd>${escapeHtml(asked.date)}</dd>
<dt>Skrót pliku faktury (SHA-256)</dt><dd><code>${escapeHtml(asked.hash)}</code></dd>
</dl>`
  if (found === null) {
    return layout('Faktura nie została znaleziona – Symulator KSeF', `<h1>Faktura nie została znaleziona</h1>
<p data-result="not-found">W symulatorze KSeF nie ma przyjętej faktury o tych danych. Faktura mogła nie zostać jeszcze
wysłana, mogła zostać odrzucona albo jej plik różni się od pliku przesłanego do KSeF.</p>
${askedRows}`)
  }
  return layout(`Faktura ${found.ksefNumber} – Symulator KSeF`, `<h1>Faktura znajduje się w KSeF</h1>
<p data-result="found">Faktura o tym skrócie pliku została przyjęta przez symulator KSeF.</p>
<dl>
<dt>Numer KSeF</dt><dd data-ksef-number>${escapeHtml(found.ksefNumber)}</dd>
<dt>Numer faktury</dt><dd>${escapeHtml(found.invoiceNumber ?? '')}</dd>
<dt>NIP sprzedawcy</dt><dd>${escapeHtml(found.sellerNip)}</dd>
<dt>NIP nabywcy</dt><dd>${escapeHtml(found.buyerNip ?? 'brak')}</dd>
<dt>Data wystawienia</dt><dd>${escapeHtml(found.issueDate)}</dd>
<dt>Data nadania numeru KSeF</dt><dd>${escapeHtml(found.acquisitionDate)}</dd>
<dt>Skrót pliku faktury (SHA-256)</dt><dd><code>${escapeHtml(asked.hash)}</code></dd>
</dl>`)
}
