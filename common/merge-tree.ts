// MergeTree defaults that bound the files a data part needs, whatever its JSON columns hold, and that
// make a part durable before its insert answers: the one set of values both the embedded engine (store/embedded.ts, in the configuration file it reads at start) and
// the ClickHouse servers the operator renders (cdk8s/clickhouse-config.ts, their server configuration)
// get. The embedded engine is always a current release; a server runs whatever image its cluster names,
// and a setting its release does not know stops it at start ("Unknown setting ... in MergeTree config"),
// so each setting says from which release on a server gets it.

/** A ClickHouse release as its major and minor version (25.8, 26.3). */
export type Release = readonly [major: number, minor: number];

export interface MergeTreeDefault {
  readonly value: number;
  /** The first release that has the setting and in which, with that release's defaults, it does what is said. */
  readonly since: Release;
}

/**
 * A part in the Wide format keeps a file per stream, and a JSON column has streams per path and per type
 * of each path, nested again inside arrays of objects: what clients send decides how many. Parts of a
 * few hundred generated events needed 12,000 files and more, past a process's limit of open files, and
 * an insert or merge that needed more failed while holding the others' descriptors (ADR 0037). So:
 * - an insert always writes a Compact part (a dozen files whatever its columns); merges write Wide parts
 *   once they are large;
 * - a Wide part keeps no JSON path as a column of its own: every path is in the column's shared data, in
 *   8 buckets (about a hundred files per JSON column; reading one path reads its own substream there).
 *   The bucket count exists from 25.8, but only the `advanced` shared-data serialization reads it, the
 *   default from 25.12 (before, the shared data is one map whatever the count).
 * What it costs: a query on a JSON path reads it from the shared data of merged parts instead of from a
 * column of its own (store/README.md has the numbers).
 */
export const PART_FILE_BOUNDS: Readonly<Record<string, MergeTreeDefault>> = {
  min_level_for_wide_part: { value: 1, since: [25, 10] },
  merge_max_dynamic_subcolumns_in_wide_part: { value: 0, since: [25, 11] },
  object_shared_data_buckets_for_wide_part: { value: 8, since: [25, 12] },
};

const atLeast = (release: Release, since: Release) =>
  release[0] > since[0] || (release[0] === since[0] && release[1] >= since[1]);

/**
 * The data path deletes a batch from its spool once the store has answered its insert, so an answered
 * insert must be on the disk, not only in the page cache: by default neither the engine nor a server
 * syncs a part it writes, and the kernel writes it back up to ~30 s later, so a power loss (not a process
 * kill, which leaves the page cache) in that window lost rows the ingest had acknowledged. With these the
 * insert syncs its part's files and directory before it answers. What it costs: a sync per file of each
 * part an insert writes (an insert writes Compact parts, about ten files, one part per table and view),
 * on the engine's threads, which run below the event loop's priority. Merges and mutations need none:
 * the parts they replace stay on the disk for the table's old_parts_lifetime (8 minutes by default),
 * long after the kernel has written the new part back (that is what ClickHouse keeps them for: a merged
 * part lost to a sudden reboot is made again from them). Not tested here: no power loss can be simulated.
 */
export const DURABLE_PARTS: Readonly<Record<string, MergeTreeDefault>> = {
  fsync_after_insert: { value: 1, since: [21, 1] },
  fsync_part_directory: { value: 1, since: [21, 1] },
};

/**
 * The MergeTree defaults `release` has (the file bounds and durable parts), as `merge_tree` settings;
 * without a release, every one (a current engine).
 */
export function mergeTreeDefaults(release?: Release): Record<string, number> {
  const all = Object.entries({ ...PART_FILE_BOUNDS, ...DURABLE_PARTS });
  const entries = all.filter(([, s]) => !release || atLeast(release, s.since));
  return Object.fromEntries(entries.map(([name, s]) => [name, s.value]));
}
