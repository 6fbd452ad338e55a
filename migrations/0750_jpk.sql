-- JPK files (issue 18): header data of the company, the record of filed periods, stock counts.

-- Header data the JPK files need (USTAWIENIA » Firma): the tax office from the Ministry's
-- dictionary (KodyUrzedowSkarbowych), whether the taxpayer is a natural person (OsobaFizyczna:
-- first name, surname, birth date) or not (OsobaNiefizyczna: the company name), and whether VAT
-- is settled monthly (JPK_V7M) or quarterly (JPK_V7K).
ALTER TABLE company ADD COLUMN tax_office_code TEXT NOT NULL DEFAULT '';
ALTER TABLE company ADD COLUMN taxpayer_kind TEXT NOT NULL DEFAULT 'fizyczna' CHECK (taxpayer_kind IN ('fizyczna', 'niefizyczna'));
ALTER TABLE company ADD COLUMN taxpayer_first_name TEXT NOT NULL DEFAULT '';
ALTER TABLE company ADD COLUMN taxpayer_last_name TEXT NOT NULL DEFAULT '';
ALTER TABLE company ADD COLUMN taxpayer_birth_date TEXT NOT NULL DEFAULT '';
ALTER TABLE company ADD COLUMN vat_period TEXT NOT NULL DEFAULT 'miesiac' CHECK (vat_period IN ('miesiac', 'kwartal'));

-- A file the user says was filed, kept byte for byte. A later file for the same period is a
-- correction (CelZlozenia 2) with its reason.
CREATE TABLE jpk_filings (
  id INTEGER PRIMARY KEY NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('V7M', 'V7K', 'PKPIR', 'EWP')),
  -- '2026-03' for JPK_V7, '2026' for the annual files
  period TEXT NOT NULL,
  purpose INTEGER NOT NULL CHECK (purpose IN (1, 2)),
  reason TEXT NOT NULL DEFAULT '',
  xml BLOB NOT NULL,
  xml_sha256 TEXT NOT NULL,
  -- the declaration's P_51 (tax to pay) and P_62 (surplus carried on), whole złoty; null
  -- when the file has no declaration (V7K, first two months of a quarter; annual files)
  tax_to_pay INTEGER,
  surplus_carried INTEGER,
  filed_at TEXT NOT NULL,
  filed_by INTEGER REFERENCES users (id)
) STRICT;
CREATE INDEX jpk_filings_period ON jpk_filings (kind, period, id);

-- Stock counts (spis z natury) for JPK_PKPIR: the value at the start and at the end of the tax
-- year, and counts made during the year (PKPIRSpis).
CREATE TABLE jpk_stock_counts (
  id INTEGER PRIMARY KEY NOT NULL,
  year INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('poczatek', 'koniec', 'w_ciagu_roku')),
  count_date TEXT NOT NULL,
  value INTEGER NOT NULL CHECK (value >= 0),
  updated_at TEXT NOT NULL,
  updated_by INTEGER REFERENCES users (id)
) STRICT;
CREATE INDEX jpk_stock_counts_year ON jpk_stock_counts (year, kind, count_date);
