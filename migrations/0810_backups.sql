-- USTAWIENIA » Kopie zapasowe: every backup run, scheduled, by hand or by `npm run backup`, with
-- the check of its copy. The run is recorded before the copy starts, so a run that never finished
-- (the server stopped mid-copy) shows as one.
CREATE TABLE backup_runs (
  id INTEGER PRIMARY KEY NOT NULL,
  -- schedule: the daily worker; manual: the button on the page; script: npm run backup
  origin TEXT NOT NULL CHECK (origin IN ('schedule', 'manual', 'script')),
  started_at TEXT NOT NULL,
  finished_at TEXT,
  -- absolute path of the copy
  file TEXT NOT NULL,
  size_bytes INTEGER,
  -- running until the copy is checked; ok: PRAGMA integrity_check said ok and the copy has the
  -- migrations; failed: error says why (a failed copy's file is removed at once)
  status TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'ok', 'failed')),
  error TEXT,
  -- when retention (BACKUP_KEEP) or the failed check removed the file
  file_deleted_at TEXT
) STRICT;
CREATE INDEX backup_runs_status ON backup_runs (status, id);

-- Tax records are kept five years (art. 86 § 1 Ordynacji podatkowej, art. 112 ustawy o VAT):
-- a sales document is cancelled (status), never deleted, and neither are its lines, VAT totals
-- or correction records. No code path deletes them; these make the database refuse it too.
CREATE TRIGGER documents_no_delete BEFORE DELETE ON documents
BEGIN SELECT RAISE(ABORT, 'documents are never deleted: cancel them (status = cancelled)'); END;
CREATE TRIGGER document_lines_no_delete BEFORE DELETE ON document_lines
BEGIN SELECT RAISE(ABORT, 'document lines are never deleted'); END;
CREATE TRIGGER document_vat_totals_no_delete BEFORE DELETE ON document_vat_totals
BEGIN SELECT RAISE(ABORT, 'document VAT totals are never deleted'); END;
CREATE TRIGGER corrections_no_delete BEFORE DELETE ON corrections
BEGIN SELECT RAISE(ABORT, 'corrections are never deleted'); END;
CREATE TRIGGER correction_lines_no_delete BEFORE DELETE ON correction_lines
BEGIN SELECT RAISE(ABORT, 'correction lines are never deleted'); END;
