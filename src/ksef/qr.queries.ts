// The KSeF codes of one stored document: its exact file fixed first (submissions.queries.ts), so
// the hash on paper is the hash of the file that is or will be sent; the QR host of the
// environment that file is for; for an offline invoice the Offline certificate the user stored in
// USTAWIENIA » INTEGRACJE » KSeF (ksef_connection, migration 0720; the key encrypted at rest).
import type { DateTime } from 'luxon'
import type { Config, KsefEnvironment } from '../config.ts'
import type { Database } from '../db/database.ts'
import { decryptSecret } from '../shared/crypto.ts'
import { isFa3DocumentType } from './fa3-documents.ts'
import {
  certificateProblemOf,
  ksefCodes,
  loadOfflineSigner,
  qrBaseUrl,
  type KsefCodes,
  type OfflineSignerResult
} from './qr.ts'
import { fixInvoiceFile, invoiceFileOf, submissionOf, type InvoiceFile } from './submissions.queries.ts'

export interface QrDeps {
  config: Pick<Config, 'publicUrl' | 'ksef'>
  secretsKey: Buffer
}

export type DocumentKsefCodes =
  /** not a document KSeF takes (paragon, pro forma…), or cancelled: nothing to print */
  | { kind: 'none' }
  | { kind: 'codes'; codes: KsefCodes; file: InvoiceFile }
  /** a KSeF document without codes, and why (Polish, for the shop owner) */
  | { kind: 'missing'; problems: string[] }

// KSeF 2.0 takes invoices from 1 February 2026 (obligatory from then for the largest taxpayers,
// from 1 April 2026 for the rest, ustawa z 5 sierpnia 2025 r.): an earlier invoice reprinted now is
// not in it, so it gets no code and no file is fixed for it.
const KSEF_FIRST_DAY = '2026-02-01'

const ENVIRONMENTS: readonly string[] = ['produkcja', 'demo', 'test', 'symulator'] satisfies KsefEnvironment[]

const HAND_TYPED_NUMBER =
  'Numer KSeF tej faktury wpisano ręcznie, a Biurko nie ma pliku, który trafił do KSeF – bez tego pliku nie da się wyliczyć jego skrótu, więc PDF nie ma kodu QR KSeF. Kod QR tej faktury pokaże aplikacja, z której ją wysłano.'

async function offlineSignerOf(db: Database, deps: QrDeps, at: Date): Promise<OfflineSignerResult | null> {
  const connection = await db
    .selectFrom('ksef_connection')
    .select(['offline_certificate_pem', 'offline_private_key_enc'])
    .where('id', '=', 1)
    .executeTakeFirst()
  const certificatePem = connection?.offline_certificate_pem ?? null
  const sealedKey = connection?.offline_private_key_enc ?? null
  if (certificatePem === null && sealedKey === null) return null
  if (certificatePem === null || sealedKey === null) {
    return {
      ok: false,
      problem:
        'W ustawieniach KSeF zapisano tylko część certyfikatu KSeF typu Offline (brak certyfikatu albo klucza prywatnego) – zapisz je ponownie razem.'
    }
  }
  let privateKeyPem: string
  try {
    privateKeyPem = decryptSecret(deps.secretsKey, sealedKey)
  } catch {
    return {
      ok: false,
      problem:
        'Klucza prywatnego certyfikatu KSeF typu Offline nie da się odszyfrować (zmienił się klucz aplikacji?) – zapisz certyfikat w ustawieniach KSeF ponownie.'
    }
  }
  return loadOfflineSigner(certificatePem, privateKeyPem, at)
}

/**
 * Fixes the document's FA(3) file (on first use) and builds its codes. A document with a KSeF
 * number typed in by hand and no stored file gets none: its file's hash is unknown, and a code
 * over a newly made file would point at an invoice KSeF does not have.
 */
export async function ksefCodesForDocument(
  db: Database,
  deps: QrDeps,
  documentId: number,
  now: DateTime
): Promise<DocumentKsefCodes> {
  const document = await db
    .selectFrom('documents')
    .select(['type', 'status', 'ksef_number', 'issue_date'])
    .where('id', '=', documentId)
    .executeTakeFirst()
  if (
    document === undefined ||
    !isFa3DocumentType(document.type) ||
    document.status === 'cancelled' ||
    document.issue_date < KSEF_FIRST_DAY
  )
    return { kind: 'none' }
  if (document.ksef_number !== null && (await submissionOf(db, documentId)) === undefined)
    return { kind: 'missing', problems: [HAND_TYPED_NUMBER] }
  const fixed = await fixInvoiceFile(db, documentId, now)
  if (!fixed.ok) return { kind: 'missing', problems: fixed.problems }
  const file = fixed.file
  const submission = await submissionOf(db, documentId)
  const environment = submission?.environment ?? 'produkcja'
  if (!ENVIRONMENTS.includes(environment))
    throw new Error(`ksef_submissions.environment of document ${documentId} is ${environment}`)
  const company = await db.selectFrom('company').select('nip').where('id', '=', 1).executeTakeFirst()
  const needsSigner = file.offlineMode !== null && file.offlineMode !== 'awaria_calkowita'
  const codes = ksefCodes({
    qrBaseUrl: qrBaseUrl(deps.config, environment as KsefEnvironment),
    xml: file.xml,
    sha256Base64: file.sha256Base64,
    ksefNumber: file.ksefNumber ?? document.ksef_number,
    offlineMode: file.offlineMode,
    contextNip: company?.nip ?? null,
    offlineSigner: needsSigner ? await offlineSignerOf(db, deps, now.toJSDate()) : null
  })
  return { kind: 'codes', codes, file }
}

/**
 * What the shop owner must know about the codes on this document's PDF before handing it to the
 * buyer (Polish), or null: an offline invoice still without a KSeF number whose KOD II cannot be
 * signed (no Offline certificate, or an unusable one), or a hand-typed KSeF number without the
 * sent file. Reads only: the document page never fixes a file.
 */
export async function ksefPrintNotice(
  db: Database,
  deps: QrDeps,
  documentId: number,
  now: DateTime
): Promise<string | null> {
  const document = await db
    .selectFrom('documents')
    .select(['type', 'status', 'ksef_number', 'issue_date'])
    .where('id', '=', documentId)
    .executeTakeFirst()
  if (
    document === undefined ||
    !isFa3DocumentType(document.type) ||
    document.status === 'cancelled' ||
    document.issue_date < KSEF_FIRST_DAY
  )
    return null
  const file = await invoiceFileOf(db, documentId)
  if (file === undefined) return document.ksef_number !== null ? HAND_TYPED_NUMBER : null
  if (file.offlineMode === null || file.offlineMode === 'awaria_calkowita' || file.ksefNumber !== null) return null
  return certificateProblemOf(await offlineSignerOf(db, deps, now.toJSDate()))
}
