-- Two-factor login (TOTP, RFC 6238; ASVS 2.8). The secret is sealed with the app's secrets key
-- (AES-256-GCM, "v1:…"), never stored in clear. A secret with totp_enabled = 0 is an enrolment
-- not yet confirmed with a code. totp_last_step is the time step of the last accepted code, so
-- the same code (or an older one) is refused a second time (RFC 6238 §5.2).
ALTER TABLE users ADD COLUMN totp_secret_enc TEXT;
ALTER TABLE users ADD COLUMN totp_enabled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN totp_last_step INTEGER;

-- Recovery codes (ASVS 2.6 look-up secrets): only a salted SHA-256 of each, usable once.
CREATE TABLE user_recovery_codes (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  salt TEXT NOT NULL,
  code_hash TEXT NOT NULL,
  used_at TEXT
) STRICT;

CREATE INDEX user_recovery_codes_user ON user_recovery_codes (user_id);

-- A session opened by the password alone for a user with TOTP on: it opens no page until the
-- code is given (then the session is replaced by a full one).
ALTER TABLE user_sessions ADD COLUMN pending_totp INTEGER NOT NULL DEFAULT 0;

-- The owner's switch: every user must have two-factor login on before using the app.
ALTER TABLE company ADD COLUMN require_totp INTEGER NOT NULL DEFAULT 0;
