-- KOSZTY » Faktury zakupowe: purchase invoices received through KSeF (the company as Podmiot2).
-- A received file is untrusted: its bytes are kept exactly as KSeF sent them, what could be read
-- from it is kept beside them, and anything that does not parse or fails a plausibility check
-- is flagged for review (never booked automatically).

CREATE TABLE purchase_invoices (
  id INTEGER PRIMARY KEY NOT NULL,
  -- each invoice once: the KSeF number is the deduplication key of the incremental download
  ksef_number TEXT NOT NULL UNIQUE,
  environment TEXT NOT NULL,
  -- the file as received (NULL only when KSeF would not give it: see review_reasons) and its
  -- SHA-256 (Base64), and what KSeF said the hash is (metadata invoiceHash / x-ms-meta-hash)
  xml BLOB,
  xml_sha256 TEXT,
  ksef_hash TEXT,
  -- from the metadata query (InvoiceMetadata), as KSeF listed it
  permanent_storage_date TEXT NOT NULL,
  acquisition_date TEXT,
  meta_invoice_number TEXT NOT NULL DEFAULT '',
  meta_seller_nip TEXT NOT NULL DEFAULT '',
  meta_seller_name TEXT,
  meta_gross INTEGER,
  meta_vat_pln INTEGER,
  meta_currency TEXT,
  meta_invoice_type TEXT,
  -- parsed from the FA(3) file (NULL when it could not be read); money in minor units of the
  -- invoice currency, vat_pln in grosze (P_14_xW for a foreign currency)
  seller_nip TEXT,
  seller_name TEXT,
  invoice_number TEXT,
  -- VAT, KOR, ZAL, ROZ, UPR, KOR_ZAL, KOR_ROZ (RodzajFaktury)
  invoice_kind TEXT,
  issue_date TEXT,
  sale_date TEXT,
  currency TEXT,
  net INTEGER,
  vat INTEGER,
  gross INTEGER,
  vat_pln INTEGER,
  -- 1: something did not parse or add up; review_reasons lists why, one sentence a line
  needs_review INTEGER NOT NULL DEFAULT 0 CHECK (needs_review IN (0, 1)),
  review_reasons TEXT NOT NULL DEFAULT '',
  downloaded_at TEXT NOT NULL
) STRICT;

CREATE INDEX purchase_invoices_issue_date ON purchase_invoices (issue_date);

-- Per VAT rate (P_13_x / P_14_x), as the file states them: the base of booking.
CREATE TABLE purchase_invoice_rates (
  id INTEGER PRIMARY KEY NOT NULL,
  purchase_invoice_id INTEGER NOT NULL REFERENCES purchase_invoices (id) ON DELETE CASCADE,
  -- 23, 22, 8, 7, 5, 4, 3, 0 KR, 0 WDT, 0 EX, zw, oo, np I, np II (P_12 codes)
  rate TEXT NOT NULL,
  net INTEGER NOT NULL,
  vat INTEGER NOT NULL,
  vat_pln INTEGER NOT NULL,
  UNIQUE (purchase_invoice_id, rate)
) STRICT;

-- The high-water mark of the incremental download (pobieranie-faktur/hwm.md), per company (the
-- NIP context) and KSeF environment: the next download starts at continue_from. It moves in the
-- same transaction as the invoices it covers.
CREATE TABLE purchase_sync (
  environment TEXT NOT NULL,
  context_nip TEXT NOT NULL,
  continue_from TEXT NOT NULL,
  last_run_at TEXT,
  last_result TEXT,
  last_error TEXT,
  -- a run in progress holds this until it ends (or the claim lapses after a crash)
  claimed_until TEXT,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (environment, context_nip)
) STRICT;
