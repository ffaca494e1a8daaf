-- impression_daily as first created (a summing table with per-event constants) was never written: the
-- ingest refused to guess what its counts meant. The next migration replaces it with a rollup derived
-- from events. The drop is a migration of its own so that re-running that one after an interruption can
-- never drop the new table (a migration is recorded only once all of its statements ran).
-- SYNC: on a cluster the replicated table's Keeper path must be gone before the new table is created at it.
DROP TABLE IF EXISTS {{drop impression_daily}} SYNC;
