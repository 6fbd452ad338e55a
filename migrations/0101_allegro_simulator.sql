-- The built-in simulator's history is a function of (seed, epoch, now): keeping the epoch makes a
-- restarted server serve the same orders instead of a fresh set next to the imported ones.
CREATE TABLE allegro_simulator_state (
  id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
  epoch TEXT NOT NULL
) STRICT;
