-- Issue 14: "Wystaw fakturę do pro formy" — the invoice remembers the pro forma it was issued
-- from, so a pro forma gets at most one active invoice.
ALTER TABLE documents ADD COLUMN proforma_document_id INTEGER REFERENCES documents (id);
