-- Server-side sessions: the cookie carries a random token, the database keeps its SHA-256.
-- Logging out, a password change or disabling the user deletes the rows, so a copied cookie
-- stops working at once (ASVS 3.3.1, 3.3.3).
CREATE TABLE user_sessions (
  token_hash TEXT PRIMARY KEY NOT NULL,
  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  -- milliseconds since the epoch: compared with the session clock on every request
  created_ms INTEGER NOT NULL,
  last_seen_ms INTEGER NOT NULL
) STRICT;

CREATE INDEX user_sessions_user ON user_sessions (user_id);
