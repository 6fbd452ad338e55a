-- Core tables shared by the Allegro, transactions, documents, products and ledger features.
-- Money is integer minor units (grosze for PLN) in the column's currency; quantities are
-- thousandths (quantity_milli 1000 = 1 szt.) so that kg and m can be sold too.

CREATE TABLE allegro_shops (
  id INTEGER PRIMARY KEY NOT NULL,
  name TEXT NOT NULL,
  environment TEXT NOT NULL CHECK (environment IN ('production', 'sandbox', 'simulator')),
  buyer_data_source TEXT NOT NULL DEFAULT 'delivery' CHECK (buyer_data_source IN ('delivery', 'account_owner')),
  backfill_days INTEGER NOT NULL DEFAULT 30,
  auto_import_minutes INTEGER,
  allegro_user_id TEXT,
  allegro_login TEXT,
  connection_status TEXT NOT NULL DEFAULT 'not_connected'
    CHECK (connection_status IN ('not_connected', 'connecting', 'connected', 'reconnect_required')),
  -- AES-256-GCM ciphertexts (see shared/crypto.ts); never plain tokens
  access_token_enc TEXT,
  refresh_token_enc TEXT,
  access_token_expires_at TEXT,
  last_success_at TEXT,
  last_error TEXT,
  removed_at TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;

CREATE TABLE transactions (
  id INTEGER PRIMARY KEY NOT NULL,
  shop_id INTEGER NOT NULL REFERENCES allegro_shops (id),
  checkout_form_id TEXT NOT NULL,
  revision TEXT NOT NULL,
  allegro_status TEXT NOT NULL,
  fulfillment_status TEXT,
  marketplace_id TEXT NOT NULL DEFAULT 'allegro-pl',
  currency TEXT NOT NULL DEFAULT 'PLN',
  total_to_pay INTEGER NOT NULL,
  delivery_cost INTEGER NOT NULL DEFAULT 0,
  paid_amount INTEGER,
  payment_type TEXT,
  payment_provider TEXT,
  payment_finished_at TEXT,
  bought_at TEXT NOT NULL,
  allegro_updated_at TEXT,
  buyer_id TEXT NOT NULL,
  buyer_login TEXT NOT NULL,
  buyer_email TEXT,
  buyer_name TEXT NOT NULL DEFAULT '',
  buyer_company TEXT,
  invoice_required INTEGER NOT NULL DEFAULT 0,
  message_to_seller TEXT,
  delivery_method TEXT,
  item_count INTEGER NOT NULL DEFAULT 0,
  first_offer_id TEXT,
  first_offer_name TEXT,
  -- lower-cased buyer, login, names, offer names and number, for the list's text search
  search_text TEXT NOT NULL DEFAULT '',
  local_status TEXT NOT NULL DEFAULT 'nowa' CHECK (local_status IN ('nowa', 'oplacona', 'zamknieta', 'anulowana')),
  status_manual INTEGER NOT NULL DEFAULT 0,
  raw_json TEXT NOT NULL,
  imported_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (shop_id, checkout_form_id)
) STRICT;
CREATE INDEX transactions_bought_at ON transactions (bought_at DESC, id DESC);
CREATE INDEX transactions_shop_bought_at ON transactions (shop_id, bought_at DESC);
CREATE INDEX transactions_status ON transactions (local_status, bought_at DESC);

CREATE TABLE transaction_items (
  id INTEGER PRIMARY KEY NOT NULL,
  transaction_id INTEGER NOT NULL REFERENCES transactions (id) ON DELETE CASCADE,
  line_item_id TEXT NOT NULL,
  position INTEGER NOT NULL,
  offer_id TEXT NOT NULL,
  offer_name TEXT NOT NULL,
  external_id TEXT,
  quantity INTEGER NOT NULL,
  unit_price INTEGER NOT NULL,
  original_unit_price INTEGER NOT NULL,
  -- Allegro's tax.rate as sent ('23.00'), null when the offer had none
  tax_rate TEXT,
  bought_at TEXT,
  UNIQUE (transaction_id, line_item_id)
) STRICT;
CREATE INDEX transaction_items_offer ON transaction_items (offer_id);

-- A deleted transaction never comes back: imports skip ids found here.
CREATE TABLE transaction_tombstones (
  shop_id INTEGER NOT NULL REFERENCES allegro_shops (id),
  checkout_form_id TEXT NOT NULL,
  deleted_at TEXT NOT NULL,
  deleted_by INTEGER REFERENCES users (id),
  PRIMARY KEY (shop_id, checkout_form_id)
) STRICT;

CREATE TABLE transaction_status_changes (
  id INTEGER PRIMARY KEY NOT NULL,
  transaction_id INTEGER NOT NULL REFERENCES transactions (id) ON DELETE CASCADE,
  from_status TEXT NOT NULL,
  to_status TEXT NOT NULL,
  manual INTEGER NOT NULL,
  user_id INTEGER REFERENCES users (id),
  created_at TEXT NOT NULL
) STRICT;

CREATE TABLE contractors (
  id INTEGER PRIMARY KEY NOT NULL,
  name TEXT NOT NULL,
  is_company INTEGER NOT NULL DEFAULT 0,
  -- NIP (10 digits, no dashes) for Polish companies
  nip TEXT,
  -- other tax ids (EU VAT, foreign) as given, with their Allegro type
  foreign_tax_id TEXT,
  foreign_tax_id_type TEXT,
  street TEXT NOT NULL DEFAULT '',
  postal_code TEXT NOT NULL DEFAULT '',
  city TEXT NOT NULL DEFAULT '',
  country_code TEXT NOT NULL DEFAULT 'PL',
  email TEXT NOT NULL DEFAULT '',
  phone TEXT NOT NULL DEFAULT '',
  allegro_buyer_id TEXT,
  allegro_login TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX contractors_nip ON contractors (nip);
CREATE INDEX contractors_allegro_buyer ON contractors (allegro_buyer_id);
CREATE INDEX contractors_allegro_login ON contractors (allegro_login);

CREATE TABLE products (
  id INTEGER PRIMARY KEY NOT NULL,
  name TEXT NOT NULL,
  sku TEXT,
  unit TEXT NOT NULL DEFAULT 'szt.',
  vat_rate TEXT NOT NULL DEFAULT '23',
  price_net INTEGER NOT NULL DEFAULT 0,
  price_gross INTEGER NOT NULL DEFAULT 0,
  stock_milli INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX products_name ON products (name);
CREATE UNIQUE INDEX products_sku ON products (sku) WHERE sku IS NOT NULL;

-- Sales documents. type: faktura, faktura_bez_vat, proforma, proforma_bez_vat, paragon,
-- inny_przychod (and later korekta). Buyer and seller data are copied as issued.
CREATE TABLE documents (
  id INTEGER PRIMARY KEY NOT NULL,
  type TEXT NOT NULL,
  number TEXT NOT NULL,
  -- numbering series: type and month ('2026-11'); seq is 1, 2, 3 … without gaps
  period TEXT NOT NULL,
  seq INTEGER NOT NULL,
  status TEXT NOT NULL DEFAULT 'issued' CHECK (status IN ('issued', 'cancelled')),
  issue_date TEXT NOT NULL,
  sale_date TEXT NOT NULL,
  due_date TEXT,
  payment_method TEXT NOT NULL,
  paid INTEGER NOT NULL DEFAULT 0,
  paid_at TEXT,
  currency TEXT NOT NULL DEFAULT 'PLN',
  -- NBP table A mid rate as a decimal string ('4.2345'), for documents not in PLN
  exchange_rate TEXT,
  exchange_rate_table TEXT,
  exchange_rate_date TEXT,
  vat_exempt INTEGER NOT NULL DEFAULT 0,
  vat_exemption_basis TEXT,
  seller_name TEXT NOT NULL,
  seller_nip TEXT NOT NULL,
  seller_address TEXT NOT NULL,
  seller_bank_account TEXT NOT NULL DEFAULT '',
  contractor_id INTEGER REFERENCES contractors (id),
  buyer_name TEXT NOT NULL,
  buyer_nip TEXT,
  buyer_foreign_tax_id TEXT,
  buyer_street TEXT NOT NULL DEFAULT '',
  buyer_postal_code TEXT NOT NULL DEFAULT '',
  buyer_city TEXT NOT NULL DEFAULT '',
  buyer_country_code TEXT NOT NULL DEFAULT 'PL',
  total_net INTEGER NOT NULL,
  total_vat INTEGER NOT NULL,
  total_gross INTEGER NOT NULL,
  -- VAT in PLN grosze (equal to total_vat for PLN documents)
  total_vat_pln INTEGER NOT NULL,
  notes TEXT NOT NULL DEFAULT '',
  ksef_number TEXT,
  shop_id INTEGER REFERENCES allegro_shops (id),
  corrects_document_id INTEGER REFERENCES documents (id),
  created_by INTEGER REFERENCES users (id),
  created_at TEXT NOT NULL,
  cancelled_at TEXT,
  cancelled_by INTEGER REFERENCES users (id),
  UNIQUE (type, period, seq),
  UNIQUE (type, number)
) STRICT;
CREATE INDEX documents_issue_date ON documents (issue_date DESC, id DESC);
CREATE INDEX documents_contractor ON documents (contractor_id);

CREATE TABLE document_lines (
  id INTEGER PRIMARY KEY NOT NULL,
  document_id INTEGER NOT NULL REFERENCES documents (id),
  position INTEGER NOT NULL,
  kind TEXT NOT NULL DEFAULT 'item' CHECK (kind IN ('item', 'service', 'delivery')),
  name TEXT NOT NULL,
  sku TEXT,
  offer_id TEXT,
  transaction_item_id INTEGER REFERENCES transaction_items (id) ON DELETE SET NULL,
  product_id INTEGER REFERENCES products (id),
  unit TEXT NOT NULL DEFAULT 'szt.',
  quantity_milli INTEGER NOT NULL,
  unit_price_gross INTEGER NOT NULL,
  -- '23', '8', '5', '0', 'zw', 'np'
  vat_rate TEXT NOT NULL,
  net INTEGER NOT NULL,
  vat INTEGER NOT NULL,
  gross INTEGER NOT NULL
) STRICT;
CREATE INDEX document_lines_document ON document_lines (document_id, position);

-- Totals per VAT rate as printed on the document (VAT computed per rate from the gross sum).
CREATE TABLE document_vat_totals (
  document_id INTEGER NOT NULL REFERENCES documents (id),
  vat_rate TEXT NOT NULL,
  net INTEGER NOT NULL,
  vat INTEGER NOT NULL,
  gross INTEGER NOT NULL,
  PRIMARY KEY (document_id, vat_rate)
) STRICT;

-- Which documents belong to which transactions: issued from it, or linked by hand (S12).
CREATE TABLE document_transactions (
  document_id INTEGER NOT NULL REFERENCES documents (id),
  transaction_id INTEGER NOT NULL REFERENCES transactions (id) ON DELETE CASCADE,
  link_kind TEXT NOT NULL CHECK (link_kind IN ('issued', 'linked')),
  created_at TEXT NOT NULL,
  PRIMARY KEY (document_id, transaction_id)
) STRICT;
CREATE INDEX document_transactions_transaction ON document_transactions (transaction_id);
