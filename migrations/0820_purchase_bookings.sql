-- Booking purchase invoices: the KPiR cost entry (columns 12–15 of the 2026 layout) and the VAT
-- purchase register row (deductible VAT, its period, fixed assets vs other purchases). One row per
-- invoice: what was booked, in PLN grosze as booked, so the books never change when a file is
-- re-read or a rule changes later.
CREATE TABLE purchase_bookings (
  id INTEGER PRIMARY KEY NOT NULL,
  purchase_invoice_id INTEGER NOT NULL UNIQUE REFERENCES purchase_invoices (id),
  -- KPiR column of the cost: 12 zakup towarów handlowych i materiałów, 13 koszty uboczne zakupu,
  -- 14 wynagrodzenia, 15 pozostałe wydatki; NULL when the company keeps no KPiR (ryczałt)
  kpir_column TEXT CHECK (kpir_column IN ('12', '13', '14', '15')),
  -- the booking date (data zdarzenia gospodarczego) and its year and month
  event_date TEXT NOT NULL,
  year INTEGER NOT NULL,
  month TEXT NOT NULL,
  -- KPiR Lp.: one sequence with the revenue entries of ledger_entries (register 'kpir') of the year
  entry_number INTEGER CHECK (entry_number > 0),
  -- the amount in kpir_column: net, plus the VAT not deducted (gross for a VAT-exempt company)
  cost_amount INTEGER NOT NULL DEFAULT 0,
  -- VAT purchase register: deducted or not, in which month (art. 86 ust. 10, 10b pkt 1, 11)
  vat_deducted INTEGER NOT NULL CHECK (vat_deducted IN (0, 1)),
  vat_month TEXT,
  -- JPK_V7: K_40/K_41 (środki trwałe) or K_42/K_43 (pozostałe nabycia)
  vat_kind TEXT NOT NULL DEFAULT 'pozostale' CHECK (vat_kind IN ('pozostale', 'srodki_trwale')),
  total_net INTEGER NOT NULL,
  total_vat INTEGER NOT NULL,
  deductible_vat INTEGER NOT NULL DEFAULT 0,
  -- the day the invoice was received (KSeF acquisition date, Europe/Warsaw)
  received_date TEXT NOT NULL,
  document_number TEXT NOT NULL,
  issue_date TEXT NOT NULL,
  ksef_number TEXT,
  counterparty_tax_id TEXT NOT NULL DEFAULT '',
  counterparty_name TEXT NOT NULL DEFAULT '',
  counterparty_address TEXT NOT NULL DEFAULT '',
  description TEXT NOT NULL,
  remarks TEXT NOT NULL DEFAULT '',
  -- 1: the invoice was flagged for review and the user confirmed it before booking
  review_confirmed INTEGER NOT NULL DEFAULT 0 CHECK (review_confirmed IN (0, 1)),
  booked_at TEXT NOT NULL,
  booked_by INTEGER REFERENCES users (id),
  CHECK ((vat_deducted = 1) = (vat_month IS NOT NULL)),
  CHECK ((kpir_column IS NULL) = (entry_number IS NULL)),
  UNIQUE (year, entry_number)
) STRICT;
CREATE INDEX purchase_bookings_month ON purchase_bookings (month, entry_number);
CREATE INDEX purchase_bookings_vat_month ON purchase_bookings (vat_month);

-- Per VAT rate, PLN grosze: net, VAT on the invoice, and the VAT deducted.
CREATE TABLE purchase_booking_amounts (
  id INTEGER PRIMARY KEY NOT NULL,
  booking_id INTEGER NOT NULL REFERENCES purchase_bookings (id) ON DELETE CASCADE,
  rate TEXT NOT NULL,
  net INTEGER NOT NULL,
  vat INTEGER NOT NULL,
  deductible_vat INTEGER NOT NULL,
  UNIQUE (booking_id, rate)
) STRICT;

-- The last choice per seller: the next invoice from that NIP opens with it prefilled.
CREATE TABLE purchase_seller_rules (
  seller_nip TEXT PRIMARY KEY NOT NULL,
  kpir_column TEXT CHECK (kpir_column IN ('12', '13', '14', '15')),
  vat_deducted INTEGER NOT NULL CHECK (vat_deducted IN (0, 1)),
  vat_kind TEXT NOT NULL CHECK (vat_kind IN ('pozostale', 'srodki_trwale')),
  description TEXT NOT NULL DEFAULT '',
  updated_at TEXT NOT NULL,
  updated_by INTEGER REFERENCES users (id)
) STRICT;
