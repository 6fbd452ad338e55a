-- #17 costs, second part: purchase invoices entered by hand (paper and foreign invoices that never
-- pass KSeF), their payments with the white-list check, ledger_log rows for purchase bookings,
-- the passenger-car rule and reverse charge in the bookings (what JPK_V7 reads).
--
-- purchase_invoices is rebuilt because a hand-entered invoice has no KSeF number and no KSeF
-- environment (both were NOT NULL). SQLite's rebuild procedure (lang_altertable.html, "making
-- other kinds of table schema changes"): foreign keys off, so the DROP neither cascades into the
-- rates nor the RENAME rewrites the children's REFERENCES, which name "purchase_invoices" again
-- once the new table takes the name; all of it in one transaction. Kysely runs SQLite migrations
-- outside a transaction (SqliteAdapter.supportsTransactionalDdl is false), so the PRAGMA applies.
PRAGMA foreign_keys = OFF;
BEGIN;

CREATE TABLE purchase_invoices_0850 (
  id INTEGER PRIMARY KEY NOT NULL,
  -- 'ksef': downloaded from KSeF (the KSeF number is its deduplication key); 'reczna': entered by hand
  source TEXT NOT NULL DEFAULT 'ksef' CHECK (source IN ('ksef', 'reczna')),
  ksef_number TEXT UNIQUE,
  environment TEXT,
  xml BLOB,
  xml_sha256 TEXT,
  ksef_hash TEXT,
  -- KSeF: the permanent storage timestamp; by hand: when the invoice was entered in Biurko
  permanent_storage_date TEXT NOT NULL,
  -- KSeF: the acquisition timestamp (the day of receipt, art. 106na ust. 3); by hand: the day of
  -- receipt the user gave, midnight Europe/Warsaw as a stored timestamp
  acquisition_date TEXT,
  meta_invoice_number TEXT NOT NULL DEFAULT '',
  meta_seller_nip TEXT NOT NULL DEFAULT '',
  meta_seller_name TEXT,
  meta_gross INTEGER,
  meta_vat_pln INTEGER,
  meta_currency TEXT,
  meta_invoice_type TEXT,
  seller_nip TEXT,
  seller_name TEXT,
  invoice_number TEXT,
  invoice_kind TEXT,
  issue_date TEXT,
  sale_date TEXT,
  currency TEXT,
  net INTEGER,
  vat INTEGER,
  gross INTEGER,
  vat_pln INTEGER,
  needs_review INTEGER NOT NULL DEFAULT 0 CHECK (needs_review IN (0, 1)),
  review_reasons TEXT NOT NULL DEFAULT '',
  downloaded_at TEXT NOT NULL,
  -- by hand only (a KSeF invoice has them in its file): the seller's country (ISO 3166, PL for a
  -- Polish NIP) and address, and the exchange rate: NBP table A of the last business day before
  -- the tax obligation (art. 31a ustawy o VAT), its table number and date
  seller_country TEXT,
  seller_address TEXT,
  exchange_rate TEXT,
  exchange_rate_table TEXT,
  exchange_rate_date TEXT,
  entered_by INTEGER REFERENCES users (id),
  CHECK ((source = 'ksef') = (ksef_number IS NOT NULL)),
  CHECK (source = 'reczna' OR environment IS NOT NULL)
) STRICT;

INSERT INTO purchase_invoices_0850 (id, source, ksef_number, environment, xml, xml_sha256, ksef_hash, permanent_storage_date, acquisition_date,
  meta_invoice_number, meta_seller_nip, meta_seller_name, meta_gross, meta_vat_pln, meta_currency, meta_invoice_type, seller_nip, seller_name,
  invoice_number, invoice_kind, issue_date, sale_date, currency, net, vat, gross, vat_pln, needs_review, review_reasons, downloaded_at)
SELECT id, 'ksef', ksef_number, environment, xml, xml_sha256, ksef_hash, permanent_storage_date, acquisition_date,
  meta_invoice_number, meta_seller_nip, meta_seller_name, meta_gross, meta_vat_pln, meta_currency, meta_invoice_type, seller_nip, seller_name,
  invoice_number, invoice_kind, issue_date, sale_date, currency, net, vat, gross, vat_pln, needs_review, review_reasons, downloaded_at
FROM purchase_invoices;

DROP TABLE purchase_invoices;
ALTER TABLE purchase_invoices_0850 RENAME TO purchase_invoices;

CREATE INDEX purchase_invoices_issue_date ON purchase_invoices (issue_date);
-- a hand entry must not repeat an invoice already stored (from KSeF or by hand): seller + number
CREATE INDEX purchase_invoices_seller_number ON purchase_invoices (seller_nip, invoice_number);

-- Payments of a purchase invoice. The white-list check (art. 96b ustawy o VAT) is stored as it
-- was on the payment day: an invoice of 15 000 zł gross or more paid to an account not on the
-- seller's list excludes the cost (art. 22p ust. 1 pkt 2 ustawy o PIT) and makes the buyer jointly
-- liable for the seller's VAT (art. 117ba Ordynacji podatkowej), unless ZAW-NR is filed within
-- 7 days (art. 117bb, art. 22p ust. 4).
CREATE TABLE purchase_payments (
  id INTEGER PRIMARY KEY NOT NULL,
  purchase_invoice_id INTEGER NOT NULL REFERENCES purchase_invoices (id),
  paid_on TEXT NOT NULL,
  -- minor units of the invoice's currency
  amount INTEGER NOT NULL CHECK (amount > 0),
  -- 'przelew', 'gotowka', 'karta', 'inna'
  method TEXT NOT NULL CHECK (method IN ('przelew', 'gotowka', 'karta', 'inna')),
  -- normalised account number (26 digits or an IBAN); '' for cash/card
  account TEXT NOT NULL DEFAULT '',
  split_payment INTEGER NOT NULL DEFAULT 0 CHECK (split_payment IN (0, 1)),
  -- 'na_liscie', 'poza_lista', 'brak_podmiotu' (the NIP not in the register), 'nie_sprawdzono'
  -- (the register did not answer), 'nie_dotyczy' (below 15 000 zł, cash, split payment)
  whitelist_status TEXT NOT NULL CHECK (whitelist_status IN ('na_liscie', 'poza_lista', 'brak_podmiotu', 'nie_sprawdzono', 'nie_dotyczy')),
  whitelist_request_id TEXT NOT NULL DEFAULT '',
  warning TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL,
  created_by INTEGER REFERENCES users (id)
) STRICT;
CREATE INDEX purchase_payments_invoice ON purchase_payments (purchase_invoice_id, paid_on);

-- ledger_log covers purchase bookings too: register 'kpir' and/or 'vat_zakup' rows
ALTER TABLE ledger_log ADD COLUMN purchase_invoice_id INTEGER REFERENCES purchase_invoices (id);
CREATE INDEX ledger_log_purchase ON ledger_log (purchase_invoice_id, id);

-- The passenger-car rule (art. 86a ust. 1 ustawy o VAT: 50 % of the input VAT; art. 23 ust. 1
-- pkt 46a ustawy o PIT: 75 % of the expense, the VAT not deducted included, is a cost)
ALTER TABLE purchase_bookings ADD COLUMN car_mixed_use INTEGER NOT NULL DEFAULT 0 CHECK (car_mixed_use IN (0, 1));
-- Reverse charge: the buyer's own output VAT on the purchase (JPK_V7 K_31/K_32 for domestic
-- art. 17 ust. 1 pkt 7 and 8; K_27/K_28 import of services; K_29/K_30 import of services under
-- art. 28b; K_23/K_24 intra-Community acquisition). output_kind NULL: no self-assessment.
ALTER TABLE purchase_bookings ADD COLUMN output_kind TEXT CHECK (output_kind IN ('krajowe_oo', 'import_uslug', 'import_uslug_28b', 'wnt'));
ALTER TABLE purchase_bookings ADD COLUMN output_net INTEGER NOT NULL DEFAULT 0;
ALTER TABLE purchase_bookings ADD COLUMN output_vat INTEGER NOT NULL DEFAULT 0;

COMMIT;
PRAGMA foreign_keys = ON;
