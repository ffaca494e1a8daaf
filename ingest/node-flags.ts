// The flags the ingest's Node process runs with: the image's ENTRYPOINT (Dockerfile.ingest), `make run`
// and the bench harness (bench/lib/ingest-server.ts) use these; node-flags.test.ts keeps the image's
// ENTRYPOINT and the Makefile equal to this list.
//
// V8 sizes the young generation for throughput: under load it grows to 32 MiB semi-spaces (64 MiB of new
// space reserved, resident after the first bursts) while the live heap is ~30-60 MiB. 4 MiB semi-spaces
// held the clickhouse-store ingest ~15 MiB lower idle and 20-80 MiB lower at peak under 100-event POSTs,
// at the price of more frequent minor collections (bench/README.md, "Where the memory went").
export const ingestNodeFlags: readonly string[] = ['--max-semi-space-size=4'];
