-- JSON columns that hold what clients send get a bound on dynamic paths. Without it, a batch whose rows
-- carry thousands of distinct keys (arrays of objects with varying keys multiply them) is written as a
-- wide part with a file per path and substream, and its insert fails with "Too many open files": an
-- acknowledged batch that can never be stored. Paths beyond the bound are kept in the column's shared
-- storage: still stored and queryable, only not as separate sub-columns.
ALTER TABLE {{alter events}}
  MODIFY COLUMN IF EXISTS params JSON(max_dynamic_paths = 256),
  MODIFY COLUMN IF EXISTS targets JSON(max_dynamic_paths = 256);

ALTER TABLE {{alter agreed}}
  MODIFY COLUMN IF EXISTS compliances JSON(max_dynamic_paths = 256);

ALTER TABLE {{alter agreements}}
  MODIFY COLUMN IF EXISTS compliances JSON(max_dynamic_paths = 256);

ALTER TABLE {{alter logs}}
  MODIFY COLUMN IF EXISTS params JSON(max_dynamic_paths = 256);
