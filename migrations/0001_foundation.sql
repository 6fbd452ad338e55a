-- The company this installation keeps books for: exactly one row, id 1.
CREATE TABLE company (
  id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
  name TEXT NOT NULL,
  nip TEXT NOT NULL,
  street TEXT NOT NULL,
  postal_code TEXT NOT NULL,
  city TEXT NOT NULL,
  country_code TEXT NOT NULL DEFAULT 'PL',
  bank_account TEXT NOT NULL DEFAULT '',
  email TEXT NOT NULL DEFAULT '',
  phone TEXT NOT NULL DEFAULT '',
  vat_status TEXT NOT NULL CHECK (vat_status IN ('czynny', 'zwolniony')),
  vat_exemption_basis TEXT NOT NULL DEFAULT '',
  default_vat_rate TEXT NOT NULL DEFAULT '23',
  tax_form TEXT NOT NULL CHECK (tax_form IN ('kpir', 'ryczalt')),
  -- basis points: 850 means 8.5 %
  ryczalt_rate_bp INTEGER,
  package TEXT NOT NULL CHECK (package IN ('ksiegowosc', 'ksiegowosc_magazyn')),
  allegro_enabled INTEGER NOT NULL DEFAULT 1,
  allegro_auto_close INTEGER NOT NULL DEFAULT 0,
  auto_book INTEGER NOT NULL DEFAULT 1,
  block_negative_stock INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;

CREATE TABLE users (
  id INTEGER PRIMARY KEY NOT NULL,
  login TEXT NOT NULL COLLATE NOCASE UNIQUE,
  name TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('owner', 'user')),
  perm_allegro INTEGER NOT NULL DEFAULT 0,
  perm_magazyn INTEGER NOT NULL DEFAULT 0,
  perm_ksiegowosc INTEGER NOT NULL DEFAULT 0,
  disabled INTEGER NOT NULL DEFAULT 0,
  -- bumped on password change or disabling, so older session cookies stop working
  session_version INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;
