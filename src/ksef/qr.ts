// KSeF verification codes on the visualisation of an invoice (reference/ksef-api/kody-qr.md):
// KOD I (invoice: seller NIP, P_1, SHA-256 of the exact file) labelled with the KSeF number or
// OFFLINE, and for offline invoices KOD II (issuer's certificate) signed with the private key of
// an Offline-type KSeF certificate, labelled CERTYFIKAT. Pure: no database, no network.
import {
  constants,
  createHash,
  createPrivateKey,
  createPublicKey,
  sign,
  X509Certificate,
  type KeyObject
} from 'node:crypto'
import { DOMParser } from '@xmldom/xmldom'
import QRCode from 'qrcode'
import type { Config, KsefEnvironment } from '../config.ts'
import { isIsoDate } from '../shared/dates.ts'
import { isValidNip, normalizeNip } from '../shared/nip.ts'
import { FA3_NAMESPACE } from './fa3.ts'

/** Under KOD I while the invoice has no KSeF number yet (offline, or online waiting for it). */
const OFFLINE_LABEL = 'OFFLINE'
/** Under KOD II. */
const CERTIFICATE_LABEL = 'CERTYFIKAT'

/** Where the built-in simulator answers the QR links when KSEF_SIMULATOR_QR_URL is not set. */
const SIMULATOR_QR_PATH = '/symulator-ksef/qr'

export type OfflineMode = 'offline24' | 'awaria' | 'awaria_calkowita'

/** The QR verification base of an environment, without a trailing slash. */
export function qrBaseUrl(config: Pick<Config, 'publicUrl' | 'ksef'>, environment: KsefEnvironment): string {
  const configured = config.ksef.environments[environment].qrUrl.replace(/\/+$/, '')
  if (configured !== '') return configured
  if (environment === 'symulator') return `${config.publicUrl.replace(/\/+$/, '')}${SIMULATOR_QR_PATH}`
  throw new Error(`No KSeF QR URL configured for the environment ${environment}`)
}

export function base64ToBase64Url(base64: string): string {
  return base64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

export function sha256Base64Url(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('base64url')
}

const BASE64URL_SHA256 = /^[A-Za-z0-9_-]{43}$/

/** P_1 (RRRR-MM-DD in the file) as the link wants it: DD-MM-RRRR. */
export function qrIssueDate(isoDate: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate)
  if (!match) throw new Error(`Not an ISO date: ${isoDate}`)
  return `${match[3]}-${match[2]}-${match[1]}`
}

function checkedNip(nip: string): string {
  const normalized = normalizeNip(nip)
  if (!isValidNip(normalized)) throw new Error(`Not a valid NIP: ${nip}`)
  return normalized
}

function checkedHash(invoiceHash: string): string {
  if (!BASE64URL_SHA256.test(invoiceHash))
    throw new Error('The invoice hash must be a SHA-256 in Base64URL (43 characters)')
  return invoiceHash
}

export interface InvoiceLinkInput {
  qrBaseUrl: string
  sellerNip: string
  /** P_1 of the file, RRRR-MM-DD */
  issueDate: string
  /** SHA-256 of the exact file, Base64URL */
  invoiceHash: string
}

/** KOD I: `{base}/invoice/{NIP sprzedawcy}/{P_1 DD-MM-RRRR}/{SHA-256 Base64URL}`. */
export function invoiceVerificationUrl(input: InvoiceLinkInput): string {
  return `${input.qrBaseUrl.replace(/\/+$/, '')}/invoice/${checkedNip(input.sellerNip)}/${qrIssueDate(input.issueDate)}/${checkedHash(input.invoiceHash)}`
}

/** The facts of KOD I read from the file itself, so the link cannot disagree with it. */
export interface InvoiceFileFacts {
  sellerNip: string
  issueDate: string
}

export function invoiceFileFacts(xml: Uint8Array): InvoiceFileFacts {
  const text = new TextDecoder('utf-8', { fatal: true }).decode(xml)
  const dom = new DOMParser({
    errorHandler: {
      error: (message: string) => {
        throw new Error(`FA(3) file is not well-formed XML: ${message}`)
      },
      fatalError: (message: string) => {
        throw new Error(`FA(3) file is not well-formed XML: ${message}`)
      }
    }
  }).parseFromString(text, 'text/xml')
  const root = dom.documentElement
  if (root === null || root.namespaceURI !== FA3_NAMESPACE || root.localName !== 'Faktura')
    throw new Error('Not an FA(3) file')
  const only = (parent: Element, name: string): Element => {
    const node = parent.getElementsByTagNameNS(FA3_NAMESPACE, name).item(0)
    if (node === null) throw new Error(`FA(3) file has no ${name}`)
    return node
  }
  const nip = (only(only(only(root, 'Podmiot1'), 'DaneIdentyfikacyjne'), 'NIP').textContent ?? '').trim()
  const issueDate = (only(only(root, 'Fa'), 'P_1').textContent ?? '').trim()
  if (!isIsoDate(issueDate)) throw new Error(`FA(3) file has P_1 that is not a date: ${issueDate}`)
  return { sellerNip: checkedNip(nip), issueDate }
}

// KOD II ---------------------------------------------------------------------------------------

/** ContextIdentifier types the link allows (kody-qr.md, "Generowanie linku"). */
type ContextIdentifierType = 'Nip' | 'InternalId' | 'NipVatUe' | 'PeppolId'

/** An Offline-type KSeF certificate with its private key, ready to sign KOD II. */
export interface OfflineSigner {
  /** hexadecimal, as KSeF lists it */
  serialNumber: string
  keyType: 'rsa' | 'ec'
  privateKey: KeyObject
  validTo: Date
}

export type OfflineSignerResult = { ok: true; signer: OfflineSigner } | { ok: false; problem: string }

/**
 * Checks the certificate and key the user stored for KOD II and returns a Polish reason when they
 * cannot be used: an Authentication-type certificate (keyUsage Digital Signature instead of
 * Non-Repudiation, certyfikaty-KSeF.md) may not sign KOD II; the key must be RSA of at least
 * 2048 bits or EC on P-256 and belong to the certificate; the certificate must be valid at `at`.
 */
export function loadOfflineSigner(certificatePem: string, privateKeyPem: string, at: Date): OfflineSignerResult {
  let certificate: X509Certificate
  try {
    certificate = new X509Certificate(certificatePem)
  } catch {
    return { ok: false, problem: 'Zapisany certyfikat KSeF typu Offline nie jest poprawnym certyfikatem X.509 (PEM).' }
  }
  let privateKey: KeyObject
  try {
    privateKey = createPrivateKey(privateKeyPem)
  } catch {
    return {
      ok: false,
      problem:
        'Zapisany klucz prywatny certyfikatu KSeF typu Offline nie daje się odczytać (oczekiwany klucz PEM bez hasła).'
    }
  }
  const usage = keyUsageOf(certificate)
  if (usage === null || !usage.nonRepudiation) {
    return {
      ok: false,
      problem:
        usage?.digitalSignature === true
          ? 'Zapisany certyfikat jest certyfikatem KSeF typu Uwierzytelnianie (Authentication) – KODU II nie wolno nim podpisywać. Potrzebny jest osobny certyfikat KSeF typu Offline.'
          : 'Zapisany certyfikat nie jest certyfikatem KSeF typu Offline (brak użycia klucza Non-Repudiation).'
    }
  }
  const publicKey = certificate.publicKey
  const keyType = publicKey.asymmetricKeyType
  const details = publicKey.asymmetricKeyDetails ?? {}
  if (keyType === 'rsa') {
    if ((details.modulusLength ?? 0) < 2048)
      return {
        ok: false,
        problem: 'Klucz RSA certyfikatu KSeF typu Offline jest za krótki – wymagane jest co najmniej 2048 bitów.'
      }
  } else if (keyType === 'ec') {
    if (details.namedCurve !== 'prime256v1')
      return { ok: false, problem: 'Klucz EC certyfikatu KSeF typu Offline musi używać krzywej P-256 (secp256r1).' }
  } else {
    return {
      ok: false,
      problem: 'Certyfikat KSeF typu Offline musi mieć klucz RSA (co najmniej 2048 bitów) albo EC P-256.'
    }
  }
  const derived = createPublicKey(privateKey).export({ type: 'spki', format: 'der' })
  if (!derived.equals(publicKey.export({ type: 'spki', format: 'der' }))) {
    return { ok: false, problem: 'Zapisany klucz prywatny nie pasuje do certyfikatu KSeF typu Offline.' }
  }
  const validFrom = new Date(certificate.validFrom)
  const validTo = new Date(certificate.validTo)
  if (at < validFrom)
    return {
      ok: false,
      problem: `Certyfikat KSeF typu Offline jest ważny dopiero od ${validFrom.toISOString().slice(0, 10)}.`
    }
  if (at > validTo)
    return {
      ok: false,
      problem: `Certyfikat KSeF typu Offline wygasł ${validTo.toISOString().slice(0, 10)} – pobierz nowy w KSeF i zapisz go w ustawieniach.`
    }
  return { ok: true, signer: { serialNumber: certificate.serialNumber.toUpperCase(), keyType, privateKey, validTo } }
}

export interface CertificateLinkInput {
  qrBaseUrl: string
  contextType: ContextIdentifierType
  contextValue: string
  sellerNip: string
  /** SHA-256 of the exact file, Base64URL */
  invoiceHash: string
  signer: OfflineSigner
}

/** What KOD II's signature covers: the link without its scheme and without a trailing slash. */
export function signedPartOf(url: string): string {
  return url.replace(/^https?:\/\//, '').replace(/\/+$/, '')
}

/**
 * KOD II: `{base}/certificate/{typ kontekstu}/{kontekst}/{NIP sprzedawcy}/{nr seryjny}/{SHA-256}/{podpis}`,
 * the signature over the link without `https://` in Base64URL: RSASSA-PSS (SHA-256, MGF1 SHA-256,
 * 32-byte salt) or ECDSA P-256 SHA-256 in IEEE P1363 form (r || s), the recommended one.
 */
export function certificateVerificationUrl(input: CertificateLinkInput): string {
  if (!/^[A-Za-z0-9._-]+$/.test(input.contextValue))
    throw new Error('Context identifier has characters a link path cannot carry')
  const unsigned = [
    `${input.qrBaseUrl.replace(/\/+$/, '')}/certificate`,
    input.contextType,
    input.contextValue,
    checkedNip(input.sellerNip),
    input.signer.serialNumber,
    checkedHash(input.invoiceHash)
  ].join('/')
  const data = Buffer.from(signedPartOf(unsigned), 'utf8')
  const signature =
    input.signer.keyType === 'rsa'
      ? sign('sha256', data, { key: input.signer.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 })
      : sign('sha256', data, { key: input.signer.privateKey, dsaEncoding: 'ieee-p1363' })
  return `${unsigned}/${signature.toString('base64url')}`
}

// The codes of one document -------------------------------------------------------------------

export interface QrCode {
  url: string
  label: string
}

export interface KsefCodes {
  /** KOD I; null only in a declared total failure, when invoices carry no codes */
  invoice: QrCode | null
  /** KOD II of an offline invoice, when an Offline certificate could sign it */
  certificate: QrCode | null
  /** why an offline invoice has no KOD II (Polish, for the shop owner) */
  certificateProblem: string | null
  offlineMode: OfflineMode | null
  ksefNumber: string | null
}

export interface KsefCodesInput {
  qrBaseUrl: string
  /** the exact file and its SHA-256 (Base64 as stored) */
  xml: Uint8Array
  sha256Base64: string
  ksefNumber: string | null
  offlineMode: OfflineMode | null
  /** the NIP context the company works in (ksef_connection): the company's own NIP; null: the seller's */
  contextNip: string | null
  /** the Offline certificate check; null when none is stored */
  offlineSigner: OfflineSignerResult | null
}

export const NO_OFFLINE_CERTIFICATE =
  'Faktura jest wystawiona offline, a w USTAWIENIA » INTEGRACJE » KSeF nie zapisano certyfikatu KSeF typu Offline, więc jej PDF nie ma KODU II (CERTYFIKAT), który potwierdza wystawcę. Zapisz tam certyfikat typu Offline z kluczem prywatnym i pobierz PDF ponownie – do tego czasu nie przekazuj go nabywcy, albo poczekaj na numer KSeF.'

/** Why an offline invoice gets no KOD II with this certificate check (Polish), or null when it does. */
export function certificateProblemOf(signer: OfflineSignerResult | null): string | null {
  if (signer === null) return NO_OFFLINE_CERTIFICATE
  if (!signer.ok)
    return `${signer.problem} Dlatego PDF tej faktury offline nie ma KODU II (CERTYFIKAT), który potwierdza wystawcę – popraw certyfikat w USTAWIENIA » INTEGRACJE » KSeF i pobierz PDF ponownie.`
  return null
}

export function ksefCodes(input: KsefCodesInput): KsefCodes {
  const facts = invoiceFileFacts(input.xml)
  const invoiceHash = sha256Base64Url(input.xml)
  if (base64ToBase64Url(input.sha256Base64) !== invoiceHash)
    throw new Error('The stored SHA-256 does not match the stored file')
  const base = { offlineMode: input.offlineMode, ksefNumber: input.ksefNumber }
  // a declared total failure (awaria całkowita): invoices are not sent and carry no QR codes (tryby-offline.md)
  if (input.offlineMode === 'awaria_calkowita')
    return { ...base, invoice: null, certificate: null, certificateProblem: null }
  const invoice = {
    url: invoiceVerificationUrl({
      qrBaseUrl: input.qrBaseUrl,
      sellerNip: facts.sellerNip,
      issueDate: facts.issueDate,
      invoiceHash
    }),
    label: input.ksefNumber ?? OFFLINE_LABEL
  }
  if (input.offlineMode === null) return { ...base, invoice, certificate: null, certificateProblem: null }
  if (input.offlineSigner === null || !input.offlineSigner.ok)
    return { ...base, invoice, certificate: null, certificateProblem: certificateProblemOf(input.offlineSigner) }
  const url = certificateVerificationUrl({
    qrBaseUrl: input.qrBaseUrl,
    contextType: 'Nip',
    contextValue: checkedNip(input.contextNip ?? facts.sellerNip),
    sellerNip: facts.sellerNip,
    invoiceHash,
    signer: input.offlineSigner.signer
  })
  return { ...base, invoice, certificate: { url, label: CERTIFICATE_LABEL }, certificateProblem: null }
}

// QR symbols ------------------------------------------------------------------------------------

/** The modules of a QR symbol (ISO/IEC 18004), row by row; true is dark. */
export interface QrMatrix {
  size: number
  dark: (row: number, column: number) => boolean
}

export function qrMatrix(text: string): QrMatrix {
  // M recovers about 15 % of a smudged print and keeps KOD II (≈ 450 characters) small enough
  const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' })
  return { size: modules.size, dark: (row, column) => modules.get(row, column) === 1 }
}

// X.509 keyUsage (RFC 5280 4.2.1.3) -----------------------------------------------------------

interface Der {
  tag: number
  start: number
  end: number
}

function readDer(bytes: Buffer, offset: number): Der {
  const tag = bytes[offset]
  let length = bytes[offset + 1]
  let start = offset + 2
  if (length & 0x80) {
    const count = length & 0x7f
    if (count === 0 || count > 4) throw new Error('Unsupported DER length')
    length = 0
    for (let i = 0; i < count; i++) length = length * 256 + bytes[start + i]
    start += count
  }
  if (tag === undefined || start + length > bytes.length) throw new Error('Truncated DER')
  return { tag, start, end: start + length }
}

function children(bytes: Buffer, parent: Der): Der[] {
  const out: Der[] = []
  for (let at = parent.start; at < parent.end;) {
    const child = readDer(bytes, at)
    out.push(child)
    at = child.end
  }
  return out
}

const KEY_USAGE_OID = Buffer.from([0x55, 0x1d, 0x0f])

/** digitalSignature (bit 0) and nonRepudiation (bit 1) of the keyUsage extension; null without one. */
function keyUsageOf(certificate: X509Certificate): { digitalSignature: boolean; nonRepudiation: boolean } | null {
  const der = certificate.raw
  try {
    const tbs = children(der, readDer(der, 0))[0]
    const extensionsWrapper = children(der, tbs).find((part) => part.tag === 0xa3)
    if (!extensionsWrapper) return null
    const [extensions] = children(der, extensionsWrapper)
    for (const extension of children(der, extensions)) {
      const parts = children(der, extension)
      const oid = parts[0]
      if (oid.tag !== 0x06 || !der.subarray(oid.start, oid.end).equals(KEY_USAGE_OID)) continue
      const value = parts[parts.length - 1]
      const bits = readDer(der, value.start)
      if (bits.tag !== 0x03 || bits.end - bits.start < 2) return { digitalSignature: false, nonRepudiation: false }
      const first = der[bits.start + 1]
      return { digitalSignature: (first & 0x80) !== 0, nonRepudiation: (first & 0x40) !== 0 }
    }
    return null
  } catch {
    return null
  }
}
