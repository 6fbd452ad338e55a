/**
 * The simulator's QR verification pages (KOD I and KOD II of kody-qr.md): what qr.ksef.mf.gov.pl shows after
 * a scan, reduced to the answer that matters — was an invoice with exactly this file accepted.
 * Plain HTML without scripts or styles (the host app's CSP forbids inline ones).
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
<p><span class="sim-mark">Symulator</span> <strong>Symulator KSeF</strong> — to nie jest Krajowy System e-Faktur Ministerstwa Finansów, tylko
wbudowany symulator. Faktury przyjęte przez symulator nie istnieją w prawdziwym KSeF.</p>
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

export interface QrInvoice {
  ksefNumber: string
  invoiceNumber: string | null
  sellerNip: string
  buyerNip: string | null
  issueDate: string
  acquisitionDate: string
}

export function qrInvoicePage(asked: { nip: string; date: string; hash: string }, found: QrInvoice | null): string {
  const askedRows = `<dl>
<dt>NIP sprzedawcy</dt><dd>${escapeHtml(asked.nip)}</dd>
<dt>Data wystawienia</dt><dd>${escapeHtml(asked.date)}</dd>
<dt>Skrót pliku faktury (SHA-256)</dt><dd><code>${escapeHtml(asked.hash)}</code></dd>
</dl>`
  if (found === null) {
    return layout(
      'Faktura nie została znaleziona – Symulator KSeF',
      `<h1>Faktura nie została znaleziona</h1>
<p data-result="not-found">W symulatorze KSeF nie ma przyjętej faktury o tych danych. Faktura mogła nie zostać jeszcze
wysłana, mogła zostać odrzucona albo jej plik różni się od pliku przesłanego do KSeF.</p>
${askedRows}`
    )
  }
  return layout(
    `Faktura ${found.ksefNumber} – Symulator KSeF`,
    `<h1>Faktura znajduje się w KSeF</h1>
<p data-result="found">Faktura o tym skrócie pliku została przyjęta przez symulator KSeF.</p>
<dl>
<dt>Numer KSeF</dt><dd data-ksef-number>${escapeHtml(found.ksefNumber)}</dd>
<dt>Numer faktury</dt><dd>${escapeHtml(found.invoiceNumber ?? '')}</dd>
<dt>NIP sprzedawcy</dt><dd>${escapeHtml(found.sellerNip)}</dd>
<dt>NIP nabywcy</dt><dd>${escapeHtml(found.buyerNip ?? 'brak')}</dd>
<dt>Data wystawienia</dt><dd>${escapeHtml(found.issueDate)}</dd>
<dt>Data nadania numeru KSeF</dt><dd>${escapeHtml(found.acquisitionDate)}</dd>
<dt>Skrót pliku faktury (SHA-256)</dt><dd><code>${escapeHtml(asked.hash)}</code></dd>
</dl>`
  )
}

export interface QrCertificateCheck {
  valid: boolean
  problems: string[]
  certificate: { serialNumber: string; subject: string; validTo: string } | null
  invoice: QrInvoice | null
}

export function qrCertificatePage(
  asked: { contextType: string; contextValue: string; sellerNip: string; serial: string; hash: string },
  check: QrCertificateCheck
): string {
  const rows = `<dl>
<dt>Kontekst</dt><dd>${escapeHtml(asked.contextType)} ${escapeHtml(asked.contextValue)}</dd>
<dt>NIP sprzedawcy</dt><dd>${escapeHtml(asked.sellerNip)}</dd>
<dt>Numer seryjny certyfikatu</dt><dd>${escapeHtml(asked.serial)}</dd>
${check.certificate === null ? '' : `<dt>Certyfikat</dt><dd>${escapeHtml(check.certificate.subject)}, ważny do ${escapeHtml(check.certificate.validTo)}</dd>`}
<dt>Skrót pliku faktury (SHA-256)</dt><dd><code>${escapeHtml(asked.hash)}</code></dd>
<dt>Faktura w KSeF</dt><dd>${check.invoice === null ? 'jeszcze nie przesłana (albo inny plik)' : `tak, numer KSeF <span data-ksef-number>${escapeHtml(check.invoice.ksefNumber)}</span>`}</dd>
</dl>`
  if (check.valid) {
    return layout(
      'Wystawca potwierdzony – Symulator KSeF',
      `<h1>Wystawca faktury potwierdzony</h1>
<p data-result="valid">Link podpisano kluczem ważnego certyfikatu KSeF typu Offline podmiotu uprawnionego do wystawienia tej faktury.</p>
${rows}`
    )
  }
  return layout(
    'Wystawca niepotwierdzony – Symulator KSeF',
    `<h1>Nie udało się potwierdzić wystawcy</h1>
<p data-result="invalid">Weryfikacja certyfikatu wystawcy nie powiodła się:</p>
<ul>
${check.problems.map((p) => `<li>${escapeHtml(p)}</li>`).join('\n')}
</ul>
${rows}`
  )
}

/**
 * What the taxpayer's KSeF application (Aplikacja Podatnika KSeF) offers for a token: here one
 * form, so that a new installation on the built-in simulator can be connected by hand, as a real
 * one is with a token generated in KSeF. The token is shown once and never stored by the page.
 */
export function ksefTokenPage(
  form: { nip: string; error: string | null },
  issued: { token: string; referenceNumber: string } | null
): string {
  const formHtml = `<form method="post" action="token">
<p><label for="nip">NIP firmy</label><br>
<input id="nip" name="nip" inputmode="numeric" autocomplete="off" maxlength="13" value="${escapeHtml(form.nip)}"${form.error === null ? '' : ' aria-invalid="true" aria-describedby="nip-error"'}></p>
${form.error === null ? '' : `<p id="nip-error" role="alert">${escapeHtml(form.error)}</p>`}
<p><button type="submit">Wygeneruj token KSeF</button></p>
</form>`
  if (issued === null) {
    return layout(
      'Token KSeF – Symulator KSeF',
      `<h1>Token KSeF</h1>
<p>W prawdziwym KSeF token generuje się w Aplikacji Podatnika KSeF. Tutaj symulator wygeneruje token
dla podanego NIP; wklej go w Biurku w Ustawienia » Integracje » KSeF (uwierzytelnienie „Token KSeF”).</p>
${formHtml}`
    )
  }
  return layout(
    'Token KSeF wygenerowany – Symulator KSeF',
    `<h1>Token KSeF wygenerowany</h1>
<p role="status">Skopiuj token teraz – symulator nie pokaże go ponownie.</p>
<dl>
<dt>NIP</dt><dd>${escapeHtml(form.nip)}</dd>
<dt>Numer referencyjny</dt><dd>${escapeHtml(issued.referenceNumber)}</dd>
<dt><label for="token">Token</label></dt><dd><textarea id="token" readonly rows="6" cols="34" spellcheck="false">${escapeHtml(issued.token)}</textarea></dd>
</dl>
<p>Wklej go w Biurku: Ustawienia » Integracje » KSeF, środowisko „wbudowany symulator”, uwierzytelnienie „Token KSeF”.</p>`
  )
}
