-- Products, their stock movements and warehouse issue documents (WZ).

-- The seed matches a sale to a product by its exact name, so two products must never share one
-- (case-sensitive: SQLite's default BINARY collation).
DROP INDEX products_name;
CREATE UNIQUE INDEX products_name ON products (name);

-- Every change of a product's stock, with the stock it left behind. products.stock_milli is the
-- running total; this table is its history and never loses a row.
CREATE TABLE stock_movements (
  id INTEGER PRIMARY KEY NOT NULL,
  product_id INTEGER NOT NULL REFERENCES products (id),
  kind TEXT NOT NULL CHECK (kind IN ('initial', 'przyjecie', 'korekta', 'sprzedaz', 'anulowanie', 'zwrot')),
  -- signed thousandths: a sale is negative, a delivery or a return positive
  quantity_milli INTEGER NOT NULL,
  stock_after_milli INTEGER NOT NULL,
  document_id INTEGER REFERENCES documents (id),
  document_line_id INTEGER REFERENCES document_lines (id),
  transaction_item_id INTEGER REFERENCES transaction_items (id) ON DELETE SET NULL,
  -- set on a sale or return movement once a cancellation has put the stock back
  reversed INTEGER NOT NULL DEFAULT 0 CHECK (reversed IN (0, 1)),
  -- the 'anulowanie' movement points at the movement it undoes
  reverses_movement_id INTEGER REFERENCES stock_movements (id),
  reason TEXT NOT NULL DEFAULT '',
  user_id INTEGER REFERENCES users (id),
  created_at TEXT NOT NULL
) STRICT;
CREATE INDEX stock_movements_product ON stock_movements (product_id, id DESC);
CREATE INDEX stock_movements_document ON stock_movements (document_id);
-- A document line moves stock at most once.
CREATE UNIQUE INDEX stock_movements_line ON stock_movements (document_line_id) WHERE document_line_id IS NOT NULL AND kind IN ('sprzedaz', 'zwrot');
-- An Allegro transaction item is sold from stock once, whichever documents were issued for it.
CREATE UNIQUE INDEX stock_movements_open_item_sale ON stock_movements (transaction_item_id) WHERE kind = 'sprzedaz' AND reversed = 0 AND transaction_item_id IS NOT NULL;
CREATE UNIQUE INDEX stock_movements_reversal ON stock_movements (reverses_movement_id) WHERE reverses_movement_id IS NOT NULL;

-- Warehouse issue documents, only in the package with a warehouse. Numbered WZ n/mm/yyyy,
-- gap-free per month; a cancelled WZ keeps its number.
CREATE TABLE wz_documents (
  id INTEGER PRIMARY KEY NOT NULL,
  number TEXT NOT NULL UNIQUE,
  -- numbering series: month ('2026-11'); seq 1, 2, 3 … without gaps
  period TEXT NOT NULL,
  seq INTEGER NOT NULL,
  document_id INTEGER NOT NULL REFERENCES documents (id),
  status TEXT NOT NULL DEFAULT 'issued' CHECK (status IN ('issued', 'cancelled')),
  issue_date TEXT NOT NULL,
  created_by INTEGER REFERENCES users (id),
  created_at TEXT NOT NULL,
  cancelled_at TEXT,
  UNIQUE (period, seq)
) STRICT;
CREATE INDEX wz_documents_document ON wz_documents (document_id);
CREATE INDEX wz_documents_issue_date ON wz_documents (issue_date DESC, id DESC);

CREATE TABLE wz_lines (
  id INTEGER PRIMARY KEY NOT NULL,
  wz_document_id INTEGER NOT NULL REFERENCES wz_documents (id),
  position INTEGER NOT NULL,
  product_id INTEGER NOT NULL REFERENCES products (id),
  stock_movement_id INTEGER NOT NULL UNIQUE REFERENCES stock_movements (id),
  name TEXT NOT NULL,
  sku TEXT,
  unit TEXT NOT NULL,
  quantity_milli INTEGER NOT NULL
) STRICT;
CREATE INDEX wz_lines_document ON wz_lines (wz_document_id, position);
