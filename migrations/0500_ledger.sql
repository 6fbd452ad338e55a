-- Ledger: sales documents booked into the company's book (KPiR or the ryczałt revenue record)
-- and, for VAT payers, the VAT sales register. Amounts are PLN grosze as booked, so a register
-- never changes when exchange rates or company settings change later.

-- One row per document per register. entry_number is the Lp.: consecutive within the register
-- and year, in event-date order. Booking into the middle of a year shifts the later numbers up,
-- unbooking shifts them down; both only touch open months (closing is a prefix of the year).
CREATE TABLE ledger_entries (
  id INTEGER PRIMARY KEY NOT NULL,
  register TEXT NOT NULL CHECK (register IN ('kpir', 'ryczalt', 'vat')),
  document_id INTEGER NOT NULL REFERENCES documents (id),
  year INTEGER NOT NULL,
  -- '2026-11', the month of event_date
  month TEXT NOT NULL,
  -- data zdarzenia gospodarczego / data uzyskania przychodu
  event_date TEXT NOT NULL,
  entry_number INTEGER NOT NULL CHECK (entry_number > 0),
  document_type TEXT NOT NULL,
  document_number TEXT NOT NULL,
  issue_date TEXT NOT NULL,
  sale_date TEXT NOT NULL,
  ksef_number TEXT,
  counterparty_tax_id TEXT NOT NULL DEFAULT '',
  counterparty_name TEXT NOT NULL DEFAULT '',
  counterparty_address TEXT NOT NULL DEFAULT '',
  description TEXT NOT NULL,
  -- VAT register document type marks (JPK_V7 TypDokumentu); FP rows are excluded from the totals
  document_mark TEXT CHECK (document_mark IN ('RO', 'WEW', 'FP')),
  -- KPiR col. 9 (wartość sprzedanych towarów i usług) and col. 10 (pozostałe przychody);
  -- ryczałt: the total over the rates; VAT register: the total net
  revenue_sales INTEGER NOT NULL DEFAULT 0,
  revenue_other INTEGER NOT NULL DEFAULT 0,
  total_vat INTEGER NOT NULL DEFAULT 0,
  remarks TEXT NOT NULL DEFAULT '',
  booked_at TEXT NOT NULL,
  booked_by INTEGER REFERENCES users (id),
  UNIQUE (register, document_id),
  UNIQUE (register, year, entry_number)
) STRICT;
CREATE INDEX ledger_entries_month ON ledger_entries (register, month, entry_number);
CREATE INDEX ledger_entries_document ON ledger_entries (document_id);

-- Amounts of an entry by rate: ryczałt rate in basis points ('300' = 3 %) with the revenue in
-- net; VAT rate ('23', '8', '5', '0', 'zw', 'np') with net and VAT.
CREATE TABLE ledger_entry_amounts (
  id INTEGER PRIMARY KEY NOT NULL,
  entry_id INTEGER NOT NULL REFERENCES ledger_entries (id) ON DELETE CASCADE,
  rate TEXT NOT NULL,
  net INTEGER NOT NULL,
  vat INTEGER NOT NULL DEFAULT 0,
  UNIQUE (entry_id, rate)
) STRICT;

-- Closed months refuse booking, unbooking and cancelling documents. Closing a month closes the
-- earlier months of its year too, so the closed months of a year are always January..N.
CREATE TABLE ledger_closed_months (
  id INTEGER PRIMARY KEY NOT NULL,
  month TEXT NOT NULL UNIQUE,
  closed_at TEXT NOT NULL,
  closed_by INTEGER REFERENCES users (id)
) STRICT;

-- Ryczałt rate chosen for one document line instead of the company's rate.
CREATE TABLE ledger_ryczalt_line_rates (
  id INTEGER PRIMARY KEY NOT NULL,
  document_line_id INTEGER NOT NULL UNIQUE REFERENCES document_lines (id),
  rate_bp INTEGER NOT NULL CHECK (rate_bp IN (1700, 1500, 1400, 1250, 1200, 1000, 850, 550, 300, 200)),
  updated_at TEXT NOT NULL,
  updated_by INTEGER REFERENCES users (id)
) STRICT;

-- What happened in the ledger and who did it; entries themselves are deleted on unbooking.
CREATE TABLE ledger_log (
  id INTEGER PRIMARY KEY NOT NULL,
  action TEXT NOT NULL CHECK (action IN ('booked', 'unbooked', 'month_closed', 'month_reopened')),
  register TEXT,
  document_id INTEGER REFERENCES documents (id),
  document_number TEXT,
  month TEXT NOT NULL,
  entry_number INTEGER,
  user_id INTEGER REFERENCES users (id),
  created_at TEXT NOT NULL
) STRICT;
CREATE INDEX ledger_log_document ON ledger_log (document_id, id);
