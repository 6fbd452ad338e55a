-- Allegro connection: the seller-registered Allegro app per environment, the device-flow
-- authorisations in progress, and when the shop's last error happened.

-- Client credentials entered in USTAWIENIA » INTEGRACJE » ALLEGRO (config values, when set, win).
CREATE TABLE allegro_apps (
  id INTEGER PRIMARY KEY NOT NULL,
  environment TEXT NOT NULL UNIQUE CHECK (environment IN ('production', 'sandbox')),
  client_id TEXT NOT NULL,
  -- AES-256-GCM ciphertext (shared/crypto.ts)
  client_secret_enc TEXT NOT NULL,
  -- the name registered at apps.developer.allegro.pl; Allegro wants it in the User-Agent
  app_name TEXT NOT NULL DEFAULT 'Biurko',
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;

-- One OAuth2 device-flow authorisation per shop while the seller confirms it on Allegro's page.
-- Tokens land here first (encrypted) when the account behind them is not yet known, so a
-- failed /me call never loses a single-use device grant.
CREATE TABLE allegro_device_authorizations (
  id INTEGER PRIMARY KEY NOT NULL,
  shop_id INTEGER NOT NULL UNIQUE REFERENCES allegro_shops (id),
  device_code_enc TEXT NOT NULL,
  user_code TEXT NOT NULL,
  verification_uri TEXT NOT NULL,
  verification_uri_complete TEXT NOT NULL,
  interval_seconds INTEGER NOT NULL,
  expires_at TEXT NOT NULL,
  -- the token endpoint is asked at most once per interval, whoever reloads the page
  next_poll_at TEXT NOT NULL,
  access_token_enc TEXT,
  refresh_token_enc TEXT,
  access_token_expires_at TEXT,
  created_at TEXT NOT NULL
) STRICT;

ALTER TABLE allegro_shops ADD COLUMN last_error_at TEXT;
