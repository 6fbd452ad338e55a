-- Sales documents attached to their Allegro orders (reference/allegro-api.md §6): one delivery per
-- document, its state as last read back from Allegro, and the retry schedule of the background
-- sender. Allegro has no idempotency key, so the invoice id is stored the moment Allegro returns
-- it, and every attempt reads the order's invoices back before creating anything.
CREATE TABLE document_allegro_deliveries (
  id INTEGER PRIMARY KEY NOT NULL,
  document_id INTEGER NOT NULL UNIQUE REFERENCES documents (id),
  shop_id INTEGER NOT NULL REFERENCES allegro_shops (id),
  checkout_form_id TEXT NOT NULL,
  -- Allegro's id of the invoice metadata (step 1), null until Allegro has given one
  allegro_invoice_id TEXT,
  -- do_wyslania: waiting for the sender (next_attempt_at); wyslano: file attached, no scan
  -- result yet; w_weryfikacji: Allegro is checking it; widoczna: visible to the buyer;
  -- odrzucono: Allegro rejected the file (reason); blad: not sent, will not be retried by itself
  state TEXT NOT NULL CHECK (state IN ('do_wyslania', 'wyslano', 'w_weryfikacji', 'odrzucono', 'widoczna', 'blad')),
  reason TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  -- when the background sender may try next; null: it leaves the delivery alone
  next_attempt_at TEXT,
  -- one sender at a time per document (a double click, two tabs, the background sender): the
  -- claim is taken with a conditional UPDATE and lapses by itself if a process dies mid-send
  claimed_until TEXT,
  uploaded_at TEXT,
  checked_at TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX document_allegro_deliveries_due ON document_allegro_deliveries (state, next_attempt_at);

-- USTAWIENIA » INTEGRACJE » ALLEGRO, per shop: attach every sales document to its order right
-- after issuing (pro formas only by hand).
ALTER TABLE allegro_shops ADD COLUMN auto_send_documents INTEGER NOT NULL DEFAULT 0;
