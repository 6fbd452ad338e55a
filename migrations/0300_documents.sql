-- Sales documents: numbering patterns and the one-document-per-kind rule for transactions.

-- Numbering pattern per document type (USTAWIENIA » NUMERACJA). A type without a row uses the
-- default pattern from src/documents/document.ts, so installing needs no seed rows.
CREATE TABLE document_series (
  id INTEGER PRIMARY KEY NOT NULL,
  type TEXT NOT NULL UNIQUE,
  pattern TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  updated_by INTEGER REFERENCES users (id)
) STRICT;

-- A transaction has at most one active (not cancelled) document of each kind: faktura (with or
-- without VAT), proforma, paragon, inny_przychod. Issuing and linking add the row in the same DB
-- transaction as the document, cancelling and unlinking remove it; the UNIQUE turns a double
-- click, a retry or a second tab into a refusal instead of a second document.
CREATE TABLE transaction_document_kinds (
  id INTEGER PRIMARY KEY NOT NULL,
  transaction_id INTEGER NOT NULL REFERENCES transactions (id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('faktura', 'proforma', 'paragon', 'inny_przychod')),
  document_id INTEGER NOT NULL REFERENCES documents (id),
  UNIQUE (transaction_id, kind)
) STRICT;
CREATE INDEX transaction_document_kinds_document ON transaction_document_kinds (document_id);

-- The documents list filters by type within a range of issue dates.
CREATE INDEX documents_type_issue_date ON documents (type, issue_date DESC, id DESC);
