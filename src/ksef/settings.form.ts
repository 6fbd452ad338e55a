// USTAWIENIA » INTEGRACJE » KSeF: the form, checked before anything is stored. A certificate
// must be a readable X.509 certificate, valid now, with an RSA private key that matches it
// (opened with its passphrase here, stored re-sealed without it) and, when it names a NIP, the
// NIP of the context. Secrets never go back to the page: empty secret fields keep what is stored.
import { X509Certificate, type KeyObject } from 'node:crypto'
import type { DateTime } from 'luxon'
import type { KsefEnvironment } from '../config.ts'
import { checkbox, text, Validator, type FieldErrors } from '../shared/form.ts'
import { isValidNip, normalizeNip } from '../shared/nip.ts'
import { formatDate } from '../shared/dates.ts'
import { readPrivateKey } from './client/xades.ts'

export const KSEF_ENVIRONMENTS: readonly KsefEnvironment[] = ['produkcja', 'demo', 'test', 'symulator']
const AUTH_METHODS = ['token', 'certyfikat'] as const

export interface SettingsValues {
  environment: string
  contextNip: string
  authMethod: string
  autoSend: boolean
}

interface CheckedCertificate {
  certificatePem: string
  /** unencrypted PKCS#8 PEM, to be sealed with the app's secrets key */
  privateKeyPem: string
  validTo: string
}

export interface ParsedSettings {
  values: SettingsValues
  errors: FieldErrors
  token: string | null
  certificate: CheckedCertificate | null
  offline: CheckedCertificate | null
}

export interface StoredSecrets {
  hasToken: boolean
  hasCertificate: boolean
  authMethod: string | null
}

const MAX_PEM = 20_000

/** The NIP a KSeF certificate names in its subject (organizationIdentifier VATPL-…, or NIP-…), if any. */
function certificateNip(cert: X509Certificate): string | null {
  const match = /(?:VATPL-|NIP-|2\.5\.4\.97=VATPL-)(\d{10})/.exec(cert.subject)
  return match ? match[1]! : null
}

function checkCertificate(
  v: Validator,
  field: string,
  keyField: string,
  certificatePem: string,
  keyPem: string,
  passphrase: string,
  nip: string,
  now: DateTime
): CheckedCertificate | null {
  if (certificatePem.length > MAX_PEM) {
    v.add(field, 'Plik certyfikatu jest za duży.')
    return null
  }
  if (keyPem.length > MAX_PEM) {
    v.add(keyField, 'Plik klucza jest za duży.')
    return null
  }
  if (keyPem === '') {
    v.add(keyField, 'Wgraj klucz prywatny certyfikatu (plik .key lub .pem).')
    return null
  }
  let cert: X509Certificate
  try {
    cert = new X509Certificate(certificatePem)
  } catch {
    v.add(field, 'To nie jest certyfikat X.509 w formacie PEM (-----BEGIN CERTIFICATE-----).')
    return null
  }
  const at = now.toJSDate()
  if (new Date(cert.validTo) < at) {
    v.add(
      field,
      `Certyfikat wygasł ${formatDate(new Date(cert.validTo).toISOString().slice(0, 10))} – pobierz nowy w aplikacji KSeF.`
    )
    return null
  }
  if (new Date(cert.validFrom) > at) {
    v.add(field, `Certyfikat jest ważny dopiero od ${formatDate(new Date(cert.validFrom).toISOString().slice(0, 10))}.`)
    return null
  }
  const named = certificateNip(cert)
  if (named !== null && nip !== '' && named !== nip) {
    v.add(field, `Ten certyfikat wystawiono dla NIP ${named}, a połączenie działa w kontekście NIP ${nip}.`)
    return null
  }
  let key: KeyObject
  try {
    key = readPrivateKey(keyPem, passphrase)
  } catch {
    v.add(
      keyField,
      passphrase === ''
        ? 'Nie udało się odczytać klucza prywatnego – jeśli jest zaszyfrowany, podaj jego hasło.'
        : 'Nie udało się odczytać klucza prywatnego – sprawdź hasło.'
    )
    return null
  }
  if (key.asymmetricKeyType !== 'rsa') {
    v.add(keyField, 'Obsługiwane są klucze RSA – ten klucz jest innego typu.')
    return null
  }
  if (!cert.checkPrivateKey(key)) {
    v.add(keyField, 'Ten klucz prywatny nie pasuje do certyfikatu.')
    return null
  }
  return {
    certificatePem: cert.toString(),
    privateKeyPem: key.export({ type: 'pkcs8', format: 'pem' }).toString(),
    validTo: new Date(cert.validTo).toISOString()
  }
}

export function parseSettingsForm(
  body: unknown,
  stored: StoredSecrets,
  companyNip: string,
  now: DateTime
): ParsedSettings {
  const v = new Validator()
  const values: SettingsValues = {
    environment: text(body, 'environment'),
    contextNip: text(body, 'contextNip').slice(0, 20),
    authMethod: text(body, 'authMethod'),
    autoSend: checkbox(body, 'autoSend')
  }
  v.oneOf('environment', values.environment, KSEF_ENVIRONMENTS, 'Wybierz środowisko KSeF.')
  const nipText = normalizeNip(values.contextNip)
  if (nipText !== '') v.check(isValidNip(nipText), 'contextNip', 'To nie jest poprawny NIP (10 cyfr z sumą kontrolną).')
  const nip = nipText !== '' ? nipText : normalizeNip(companyNip)
  if (nipText === '' && !isValidNip(nip))
    v.add('contextNip', 'Podaj NIP, w którego imieniu wystawiasz faktury (w danych firmy brak poprawnego NIP).')
  v.oneOf('authMethod', values.authMethod, AUTH_METHODS, 'Wybierz sposób uwierzytelnienia.')

  let token: string | null = null
  let certificate: CheckedCertificate | null = null
  if (values.authMethod === 'token') {
    const typed = text(body, 'token')
    if (typed !== '') {
      if (typed.length > 1000 || /[\s\u0000-\u001F\u007F]/.test(typed))
        v.add(
          'token',
          'Token KSeF to jeden ciąg znaków bez spacji (najwyżej 1000 znaków) – skopiuj go z aplikacji KSeF.'
        )
      else token = typed
    } else if (!(stored.hasToken && stored.authMethod === 'token')) {
      v.add('token', 'Wklej token KSeF wygenerowany w aplikacji KSeF (uprawnienie do wystawiania faktur).')
    }
  } else if (values.authMethod === 'certyfikat') {
    const certPem = text(body, 'certificatePem')
    const keyPem = text(body, 'privateKeyPem')
    if (certPem !== '' || keyPem !== '') {
      certificate = checkCertificate(
        v,
        'certificatePem',
        'privateKeyPem',
        certPem,
        keyPem,
        text(body, 'passphrase'),
        nip,
        now
      )
    } else if (!(stored.hasCertificate && stored.authMethod === 'certyfikat')) {
      v.add('certificatePem', 'Wgraj certyfikat KSeF (typ: uwierzytelnianie) i jego klucz prywatny.')
    }
  }
  let offline: CheckedCertificate | null = null
  const offlinePem = text(body, 'offlineCertificatePem')
  const offlineKey = text(body, 'offlinePrivateKeyPem')
  if (offlinePem !== '' || offlineKey !== '') {
    if (offlinePem === '') v.add('offlineCertificatePem', 'Wgraj certyfikat Offline razem z jego kluczem.')
    else
      offline = checkCertificate(
        v,
        'offlineCertificatePem',
        'offlinePrivateKeyPem',
        offlinePem,
        offlineKey,
        text(body, 'offlinePassphrase'),
        nip,
        now
      )
  }
  return { values, errors: v.errors, token, certificate, offline }
}
