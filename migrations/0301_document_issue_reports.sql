-- What a bulk Wystaw did, per transaction, for the result page it redirects to: issued numbers,
-- and the skipped transactions with their reasons (which can be long, so not in the URL).
-- Only the user who issued sees a report; reports older than a week are removed on the next issue.
CREATE TABLE document_issue_reports (
  id INTEGER PRIMARY KEY NOT NULL,
  user_id INTEGER NOT NULL REFERENCES users (id),
  document_type TEXT NOT NULL,
  outcomes_json TEXT NOT NULL,
  created_at TEXT NOT NULL
) STRICT;
CREATE INDEX document_issue_reports_created_at ON document_issue_reports (created_at);
