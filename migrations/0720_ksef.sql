-- KSeF 2.0 (reference/ksef-api): the company's connection and, per sales document, the exact
-- FA(3) file sent and what KSeF answered. The file is the invoice: its bytes are fixed at the
-- first send and never rebuilt, so the QR code (KOD I), the UPO and every download refer to them.

-- USTAWIENIA » INTEGRACJE » KSeF: one row (the company is the NIP context).
CREATE TABLE ksef_connection (
  id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
  -- produkcja | demo | test | symulator
  environment TEXT NOT NULL CHECK (environment IN ('produkcja', 'demo', 'test', 'symulator')),
  -- token: a KSeF token; certyfikat: XAdES signature with a KSeF certificate and its key
  auth_method TEXT NOT NULL CHECK (auth_method IN ('token', 'certyfikat')),
  -- all secrets AES-256-GCM encrypted with the app's secrets key (shared/crypto.ts)
  token_enc TEXT,
  certificate_pem TEXT,
  private_key_enc TEXT,
  -- an Offline-type KSeF certificate and key for KOD II of offline invoices (kody-qr.md)
  offline_certificate_pem TEXT,
  offline_private_key_enc TEXT,
  -- send automatically after issuing
  auto_send INTEGER NOT NULL DEFAULT 1,
  -- cached session credentials (encrypted) with their expiry read from the JWT's exp
  access_token_enc TEXT,
  access_token_expires_at TEXT,
  refresh_token_enc TEXT,
  refresh_token_expires_at TEXT,
  certificate_expires_at TEXT,
  last_success_at TEXT,
  last_error TEXT,
  last_error_at TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;

-- The Ministry's public keys from /security/public-key-certificates, kept until validTo.
CREATE TABLE ksef_public_keys (
  environment TEXT NOT NULL,
  usage TEXT NOT NULL CHECK (usage IN ('KsefTokenEncryption', 'SymmetricKeyEncryption')),
  certificate_der_base64 TEXT NOT NULL,
  valid_from TEXT NOT NULL,
  valid_to TEXT NOT NULL,
  fetched_at TEXT NOT NULL,
  PRIMARY KEY (environment, usage, valid_from)
) STRICT;

-- One submission per sales document that goes to KSeF.
CREATE TABLE ksef_submissions (
  id INTEGER PRIMARY KEY NOT NULL,
  document_id INTEGER NOT NULL UNIQUE REFERENCES documents (id),
  -- do_wyslania: waiting for the sender; wysylanie: sent, status not final yet (session and
  -- invoice references kept, so a restart polls instead of sending again); przyjeta: KSeF
  -- number assigned; odrzucona: KSeF refused the file (450 and similar): never issued in KSeF,
  -- may be fixed and sent again under the same number; offline: issued offline, to be sent by
  -- offline_deadline; blad: not sent, will not be retried by itself
  state TEXT NOT NULL CHECK (state IN ('do_wyslania', 'wysylanie', 'przyjeta', 'odrzucona', 'offline', 'blad')),
  -- the exact FA(3) file (UTF-8, no BOM) and its SHA-256 (Base64) fixed at the first send
  xml BLOB NOT NULL,
  xml_sha256 TEXT NOT NULL,
  xml_size INTEGER NOT NULL,
  generated_at TEXT NOT NULL,
  -- offline24 / outage: the invoice was issued offline (KOD I labelled OFFLINE + KOD II)
  offline_mode TEXT CHECK (offline_mode IN ('offline24', 'awaria', 'awaria_calkowita')),
  offline_deadline TEXT,
  environment TEXT NOT NULL,
  session_reference TEXT,
  invoice_reference TEXT,
  ksef_number TEXT UNIQUE,
  accepted_at TEXT,
  upo_xml TEXT,
  status_code INTEGER,
  status_description TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  next_attempt_at TEXT,
  -- one sender at a time per document; lapses by itself if a process dies mid-send
  claimed_until TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX ksef_submissions_due ON ksef_submissions (state, next_attempt_at);
