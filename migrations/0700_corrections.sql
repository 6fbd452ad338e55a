-- Faktury korygujące (art. 106j ustawy o VAT). A correction is a document of type 'korekta' whose
-- corrects_document_id is the original invoice, also for a second or third correction (FA(3)
-- DaneFaKorygowanej always names the original). Its document_lines hold the corrected lines as
-- they stand AFTER it, its document_vat_totals and totals the DIFFERENCES (the contract of
-- src/ksef/fa3-documents.ts and of the ledger). These tables keep what each line was BEFORE it.

CREATE TABLE corrections (
  id INTEGER PRIMARY KEY NOT NULL,
  document_id INTEGER NOT NULL UNIQUE REFERENCES documents (id),
  original_document_id INTEGER NOT NULL REFERENCES documents (id),
  -- the correction whose "after" was this one's "before"; null for the first one
  follows_correction_id INTEGER REFERENCES corrections (id),
  -- PrzyczynaKorekty, e.g. "Zwrot towaru"
  reason TEXT NOT NULL,
  created_at TEXT NOT NULL
) STRICT;
CREATE INDEX corrections_original ON corrections (original_document_id, id);

CREATE TABLE correction_lines (
  id INTEGER PRIMARY KEY NOT NULL,
  correction_id INTEGER NOT NULL REFERENCES corrections (id),
  -- the correction's own line: the state after it
  document_line_id INTEGER NOT NULL UNIQUE REFERENCES document_lines (id),
  -- the original invoice's line, the same one through every later correction
  original_line_id INTEGER NOT NULL REFERENCES document_lines (id),
  quantity_before_milli INTEGER NOT NULL CHECK (quantity_before_milli >= 0),
  unit_price_gross_before INTEGER NOT NULL CHECK (unit_price_gross_before >= 0),
  gross_before INTEGER NOT NULL,
  UNIQUE (correction_id, original_line_id)
) STRICT;
CREATE INDEX correction_lines_original_line ON correction_lines (original_line_id);
