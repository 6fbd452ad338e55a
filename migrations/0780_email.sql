-- E-mail for documents that are not Allegro orders (Allegro forbids e-mailing its buyers and
-- masks their addresses; those documents go through Allegro). One SMTP account for the company,
-- and a log of every message: what went to whom, and whether the server took it.
CREATE TABLE smtp_settings (
  id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
  host TEXT NOT NULL,
  port INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
  -- tls: implicit TLS (usually 465); starttls: upgrade required (usually 587); brak: none (local relays only)
  security TEXT NOT NULL CHECK (security IN ('tls', 'starttls', 'brak')),
  username TEXT NOT NULL DEFAULT '',
  password_enc TEXT,
  from_address TEXT NOT NULL,
  from_name TEXT NOT NULL DEFAULT '',
  subject_template TEXT NOT NULL,
  body_template TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;

CREATE TABLE document_emails (
  id INTEGER PRIMARY KEY NOT NULL,
  document_id INTEGER NOT NULL REFERENCES documents (id),
  to_address TEXT NOT NULL,
  subject TEXT NOT NULL,
  -- wysylanie: handed to the server, no answer yet (a process that dies leaves it, shown as unknown)
  state TEXT NOT NULL CHECK (state IN ('wysylanie', 'wyslany', 'blad')),
  error TEXT,
  message_id TEXT,
  sent_by INTEGER REFERENCES users (id),
  created_at TEXT NOT NULL,
  finished_at TEXT
) STRICT;
CREATE INDEX document_emails_document ON document_emails (document_id, id);
