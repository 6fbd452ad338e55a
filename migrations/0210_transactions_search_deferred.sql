-- The trigram index of the list's text search (0200) took every imported order as it was written:
-- for a first import of 10 000 orders in batches of 100 that was about two thirds of the
-- import's database time (docs/benchmarks.md). The import now sets a flag while it inserts a
-- batch; the orders it adds wait in transactions_search_pending and enter the index together,
-- in large chunks, once the import is done (indexPendingSearch in transactions.queries.ts).
-- Every search first indexes whatever is pending, so no search misses an order. Orders stored
-- any other way are indexed at once, as before.

CREATE TABLE transactions_search_pending (
  transaction_id INTEGER PRIMARY KEY NOT NULL
) STRICT;

-- Holds its one row only inside the import's batch transaction.
CREATE TABLE transactions_search_deferred (
  id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1)
) STRICT;

DROP TRIGGER transactions_search_insert;
DROP TRIGGER transactions_search_delete;
DROP TRIGGER transactions_search_update;

CREATE TRIGGER transactions_search_insert AFTER INSERT ON transactions BEGIN
  INSERT INTO transactions_search (rowid, search_text)
    SELECT new.id, new.search_text WHERE NOT EXISTS (SELECT 1 FROM transactions_search_deferred);
  INSERT INTO transactions_search_pending (transaction_id)
    SELECT new.id WHERE EXISTS (SELECT 1 FROM transactions_search_deferred);
END;

-- External content: the index can only remove what it holds, so a pending row is not asked for.
CREATE TRIGGER transactions_search_delete AFTER DELETE ON transactions BEGIN
  INSERT INTO transactions_search (transactions_search, rowid, search_text)
    SELECT 'delete', old.id, old.search_text
    WHERE NOT EXISTS (SELECT 1 FROM transactions_search_pending WHERE transaction_id = old.id);
  DELETE FROM transactions_search_pending WHERE transaction_id = old.id;
END;

-- A pending row is indexed later with whatever text it has by then. An import that stores a new
-- revision with the same text (most status changes) no longer rewrites the index.
CREATE TRIGGER transactions_search_update AFTER UPDATE OF search_text ON transactions
WHEN old.search_text IS NOT new.search_text
  AND NOT EXISTS (SELECT 1 FROM transactions_search_pending WHERE transaction_id = old.id)
BEGIN
  INSERT INTO transactions_search (transactions_search, rowid, search_text) VALUES ('delete', old.id, old.search_text);
  INSERT INTO transactions_search (rowid, search_text) VALUES (new.id, new.search_text);
END;
