// The flags the operator's Node process runs with: the image's ENTRYPOINT (Dockerfile.operator) and the
// test and bench harness (testing/process.ts) use these, and node-flags.test.ts keeps the two equal.
//
// V8 sizes its heap for throughput: under the burst of watch events and reconciles that 50
// TrackerClusters bring, it grew to 128 MiB of semi-spaces that stayed resident (the live heap was ~40 MiB).
// 4 MiB semi-spaces held the operator's resident memory ~130 MiB lower in the bench at the price of more
// frequent minor collections (operator CPU +10-15%); an operator waits on the apiserver, not on its CPU.
// The old generation grew the same way: with 50 clusters the live heap was 38 MiB (most of it code and
// module sources; the informer caches are a few MiB), but ~115 MiB of heap pages stayed resident after the
// burst. --optimize-for-size makes V8 grow the heap in smaller steps and give pages back sooner: resident
// at rest with 50 clusters 195-224 → 135 MiB (bench/README.md, with its CPU cost).
export const operatorNodeFlags: readonly string[] = ['--max-semi-space-size=4', '--optimize-for-size'];
