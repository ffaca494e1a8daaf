// The flags and environment the ingest's Node process runs with: the image's ENTRYPOINT and ENV
// (Dockerfile.ingest), `make run`, the operator's ingest pods (cdk8s/ingest.ts) and the bench harness
// (bench/lib/ingest-server.ts) use these; node-flags.test.ts keeps the image, the Makefile and the
// rendered pods equal to this file.
//
// V8 sizes the young generation for throughput: under load it grows to 32 MiB semi-spaces (64 MiB of new
// space reserved, resident after the first bursts) while the live heap is ~30-60 MiB. Under durable single
// events each scavenge copies the ~64 requests then waiting for the spool's fdatasync (~336 KB), whatever
// the size, so a larger young generation only makes scavenges rarer, and V8 keeps both semi-spaces
// committed and raises the old generation's limit by one. 4 MiB semi-spaces were chosen while the
// embedded ingest's peaks were over 400 MB; with those peaks lower (the engine's unused code no longer
// resident, records in reused slabs), 8 MiB took CPU off every single-event request: in eight of eight
// alternated rounds at 64 connections, 9% of the whole process's CPU per request and 16% of the main
// thread's (medians), for 5-15 MiB more at the embedded 100-event peaks (still under 400 MB); the
// clickhouse store's ingest keeps 4 (below). 16 MiB raised the embedded peaks by 15-35 MiB, to within
// 10 MiB of 400 MB, and its gain did not show in every round. Nor can the young generation be large for
// single events only: the ingest grows it to the largest size allowed while it starts, before its first
// request, and V8 shrinks it again only when the process nearly stops allocating or in a memory-reducing
// full collection, neither of which happens under load (bench/README.md, "The young generation's size
// under durable single events", "... measured again, with the single-event peaks lower", "... at 16 MiB
// without its memory" and "8 MiB semi-spaces on a faster machine").
//
// V8 lets the old generation grow up to four times its live size before the next full collection; under
// 100-event POSTs that is 50-70 MiB of garbage (and the request bodies and batches it still references)
// with ~25 MiB live. Doubling at most (--heap-growing-percent=100) held the old space at 60-80 MiB
// committed instead of 90-115, for more full collections, on V8's helper threads mostly (+0.2-0.3 s per 4 s
// of load; CPU per event within the run-to-run noise). 30 and 50 held it lower but cost ~30% and ~20% more
// CPU per event (ADR 0031) while each 100-event request's record and parsed body were promoted with it.
// Those no longer are (records in reused slabs, the body let go of before the write: ADR 0054), so full
// collections come less often for the same growth, and 50 (at most 1.5 times the live size), with the
// rest of that change, held the peak under 100-event POSTs at 134-140 MiB instead of 162-170, at a CPU
// per event at or below main's with 100 (bench/README.md, ADR 0054). With each request's answer made
// before its write, half as much again is promoted per event (ADR 0060), and the old generation's size is
// set by its live size (~24 MiB, mostly the process at rest) times this growth: 30 (at most 1.3 times)
// held that peak at 133-141 MiB (median 135) against 130-143 (median 138) with 50, for more work on
// V8's helper threads that left the CPU per event below what it was before that change.
export const ingestNodeFlags: readonly string[] = ['--max-semi-space-size=8', '--heap-growing-percent=30'];

/**
 * The flags of an ingest on the `clickhouse` store: the pods the operator renders (their container's
 * command; the image's ENTRYPOINT carries `ingestNodeFlags`, for the embedded store it defaults to). That
 * process holds ~130 MiB: with 8 MiB semi-spaces its 100-event peaks were 136-154 MiB against 127-142
 * with 4, once over its 150 MB (143 MiB) goal, so it keeps 4.
 */
export const clickhouseStoreNodeFlags: readonly string[] = [
  '--max-semi-space-size=4',
  '--heap-growing-percent=30',
];

/**
 * glibc's malloc, which holds Node's buffers (request bodies, spool records, batches): by default it raises
 * its mmap threshold to the largest block freed (up to 32 MiB), after which batches and bodies come from
 * its heap, and freed pages there are returned only from the top, so after a burst 100-200 MiB stayed
 * resident that nothing used. A fixed 32 KiB threshold maps every larger block on its own and unmaps it
 * when freed; two arenas instead of eight per core keep the threads' small allocations together. The
 * embedded engine's own allocator (jemalloc, JE_MALLOC_CONF) is not affected. The price is an mmap and a
 * munmap (and fresh page faults) per larger buffer; CPU per event stayed within the run-to-run noise.
 */
export const ingestEnv: { readonly GLIBC_TUNABLES: string } = {
  GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=32768:glibc.malloc.arena_max=2',
};
