-- Every attempt to set an Allegro offer's available stock from a product's stock in Biurko
-- ("Ustaw w Allegro stan z Biurka"), one row per offer per click, written after Allegro answered.
CREATE TABLE offer_stock_pushes (
  id INTEGER PRIMARY KEY NOT NULL,
  shop_id INTEGER NOT NULL REFERENCES allegro_shops (id),
  offer_id TEXT NOT NULL,
  -- the product may be deleted later; the history stays
  product_id INTEGER REFERENCES products (id) ON DELETE SET NULL,
  available INTEGER NOT NULL CHECK (available >= 0),
  -- done: 200; accepted: 202, Allegro still processing; the rest: nothing changed for sure
  outcome TEXT NOT NULL CHECK (outcome IN ('done', 'accepted', 'conflict', 'refused', 'failed')),
  http_status INTEGER,
  message TEXT NOT NULL DEFAULT '',
  user_id INTEGER REFERENCES users (id),
  created_at TEXT NOT NULL
) STRICT;
CREATE INDEX offer_stock_pushes_offer ON offer_stock_pushes (shop_id, offer_id, id DESC);
