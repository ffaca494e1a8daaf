// The flags and environment the ingest's Node process runs with: the image's ENTRYPOINT and ENV
// (Dockerfile.ingest), `make run` and the bench harness (bench/lib/ingest-server.ts) use these;
// node-flags.test.ts keeps the image and the Makefile equal to this file.
//
// V8 sizes the young generation for throughput: under load it grows to 32 MiB semi-spaces (64 MiB of new
// space reserved, resident after the first bursts) while the live heap is ~30-60 MiB. 4 MiB semi-spaces
// held the clickhouse-store ingest ~15 MiB lower idle and 20-80 MiB lower at peak under 100-event POSTs,
// at the price of more frequent minor collections (bench/README.md, "Where the memory went"). Under durable
// single events each scavenge copies the ~64 requests then waiting for the spool's fdatasync (~336 KB),
// whatever the size, so a larger young generation only makes scavenges rarer: 16 MiB took 2-9 µs of main
// thread off a request in four of four side-by-side runs (8 MiB in one of four; V8 rounds 6 up to 8), but
// V8 keeps both semi-spaces committed and raises the old generation's limit by one: every embedded c64
// peak under single events with 8 or 16 went over 400 MB then. With the engine's unused code no longer
// resident those peaks stayed under it with 16 (240-305 MiB), and on a loaded machine 16 MiB had the
// higher c64 row and the lower half-load tail in six of six pairs, but the 100-event peaks, already over
// 400 MB with 4, rose ~20 MiB more (bench/README.md, "The young generation's size under durable single
// events" and "... measured again, with the single-event peaks lower"); in six later pairs at load 3-16
// the gain did not stand out from the run-to-run spread. Nor can the young generation be large for single
// events only: the ingest grows it to the largest size allowed while it starts, before its first request,
// and V8 shrinks it again only when the process nearly stops allocating or in a memory-reducing full
// collection, neither of which happened under the bench's load (bench/README.md, "The young generation at
// 16 MiB without its memory").
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
export const ingestNodeFlags: readonly string[] = ['--max-semi-space-size=4', '--heap-growing-percent=30'];

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
