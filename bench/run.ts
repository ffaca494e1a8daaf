// `make bench`: ONE table. The ingest's HTTP and WebSocket paths under an external load generator (server
// alone on one core, generator alone on the other), next to a bare Fastify POST with the same body; the
// ingest durable, with the spool's fsync off (the price of durability) and on the clickhouse store; then
// the operator with 1, 10 and 50 TrackerClusters. Numbers are printed, never asserted. The machine's load
// average is printed before and after: numbers taken on a busy machine say little in absolute terms.
//   node bench/run.ts [--only ingest|operator]     BENCH_SECONDS=5 per load phase; PROFILE_DIR=dir profiles
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { TABLE_DEFAULTS } from '../ingest/datapath/batching/defaults.ts';
import { type BenchRow, ingestRows, LOAD_CPU, SERVER_CPU } from './ingest.ts';
import { exactText } from './lib/reactions.ts';
import { runsWhat } from './lib/shipped.ts';
import { CLUSTER_COUNTS, GATE_STEPS, type OperatorRow, operatorRows } from './operator.ts';

const { values } = parseArgs({ options: { only: { type: 'string' } } });
// A misspelt part (`--only operater`) ran the whole bench, ingest and operator, for minutes.
if (values.only !== undefined && values.only !== 'ingest' && values.only !== 'operator') {
  console.error(
    `bench: --only ${values.only}: name ingest or operator (usage: node bench/run.ts [--only ingest|operator])`,
  );
  process.exit(2);
}
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const ms = (n: number) => n.toFixed(2);

function ingestLine(r: BenchRow) {
  return {
    scenario: `${r.server}: ${r.scenario}`,
    conc: r.conc,
    'req/s': Math.round(r.result.rps),
    'events/s': Math.round(r.result.rps * r.eventsPerRequest),
    'p50 ms': ms(r.result.p50),
    'p99 ms': ms(r.result.p99),
    'p999 ms': ms(r.result.p999),
    'peak RSS MiB': Math.round(r.peakRssMiB),
    notes: [
      r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}× bare Fastify`,
      r.result.errors > 0 ? `${r.result.errors} failed` : '',
      r.store ? storeText(r.store) : '',
    ]
      .filter(Boolean)
      .join('; '),
  };
}

/** The `events` table's rows per batch (its default batching). */
const EVENTS_BATCH_ROWS = TABLE_DEFAULTS.events?.maxRows ?? 0;

/**
 * How fast the ingest's store took the phase's `events` rows, beside what the ingest acknowledged. A
 * queue of less than one batch at the end means the store kept up: its rate was then the input's.
 */
function storeText(st: NonNullable<BenchRow['store']>): string {
  if (Number.isNaN(st.emptiedAfterSec)) return `store: queue ${st.backlogAtEnd} at the end, not emptied`;
  if (st.backlogAtEnd < EVENTS_BATCH_ROWS) return `store kept up (queue ${st.backlogAtEnd} at the end)`;
  return (
    `store took ${Math.round(st.eventsPerSec)} ev/s until its queue (${st.backlogAtEnd} at the end) ` +
    `was empty ${st.emptiedAfterSec.toFixed(1)} s after`
  );
}

/** The operator row's details, printed below the table (too long for a column). */
function operatorDetails(r: OperatorRow): string {
  return (
    `exact p50/p99/max: gate reactions (${GATE_STEPS.join(', ')}) ${r.exact.gate.count}: ${exactText(r.exact.gate)}; ` +
    `by step ${r.exact.bySteps}; slowest ${r.exact.slowest}; ` +
    `histogram (bucket bounds) ${r.reaction.count}: p50 ${r.reaction.p50}, p99 ${r.reaction.p99}, max ${r.reaction.max}; ` +
    `create→applied ${(r.appliedMs / 1000).toFixed(1)} s, →Ready ${(r.readyMs / 1000).toFixed(1)} s; ` +
    `operator's share per cluster (Σ reactions / clusters) ${(r.operatorShareMs / 1000).toFixed(2)} s; ` +
    `histogram gate reactions ${r.gateReaction.count}: p50 ${r.gateReaction.p50}, ` +
    `p99 ${r.gateReaction.p99}; histogram by step (count: p50/p99) ${r.reactionBySteps}; ` +
    `create → first Secret at the apiserver per cluster p50 ${r.createToSecret.p50} ms, p99 ${r.createToSecret.p99} ms; ` +
    `queue wait p50 ${r.queueWait.p50}, p99 ${r.queueWait.p99}; ` +
    `apiserver requests ${r.apiRequests.count} p50 ${r.apiRequests.p50}, p99 ${r.apiRequests.p99}; ` +
    `schema passes ${r.schemaPasses.count} (ClickHouse's time) p50 ${r.schemaPasses.p50}, p99 ${r.schemaPasses.p99}; ` +
    `operator CPU ${(r.cpuMs / 1000).toFixed(1)} s, in reconciles ${(r.reconcileMs / 1000).toFixed(1)} s ` +
    `(${r.reconciles} reconciles; ${r.steps}); steady-state writes ${r.steadyWrites}; ` +
    `RSS at rest ${r.rssMiB} MiB (anonymous ${r.rssAnonMiB})`
  );
}

function operatorLine(r: OperatorRow) {
  return {
    scenario: `operator: ${r.clusters} TrackerCluster${r.clusters === 1 ? '' : 's'}, reaction latency (exact, from its reaction trace)`,
    conc: r.clusters,
    'req/s': '',
    'events/s': `${r.exact.all.count} reactions`,
    'p50 ms': ms(r.exact.all.p50),
    'p99 ms': ms(r.exact.all.p99),
    'p999 ms': `max ${ms(r.exact.all.max)}`,
    'peak RSS MiB': r.peakRssMiB,
    notes: `gate p99 ${ms(r.exact.gate.p99)}; steady-state writes ${r.steadyWrites}; details below the table`,
  };
}

// The operator rows pin nothing (the operator shares the cores with the control plane): say so.
const pinning =
  values.only === 'operator'
    ? 'nothing pinned (operator rows)'
    : `pinned with taskset: servers on cpu ${SERVER_CPU}, load generators on cpu ${LOAD_CPU}` +
      (values.only === 'ingest' ? '' : ' (ingest rows; the operator rows pin nothing)');
console.log(
  `bench: node ${process.version}; ${pinning}; running ${runsWhat()}; load average at start ${load()}`,
);
const rows: object[] = [];
if (values.only !== 'operator') rows.push(...(await ingestRows()).map(ingestLine));
const operator = values.only === 'ingest' ? [] : await operatorRows(CLUSTER_COUNTS);
rows.push(...operator.map(operatorLine));
console.table(rows);
for (const r of operator) console.log(`operator, ${r.clusters} TrackerCluster(s): ${operatorDetails(r)}`);
console.log(`load average at end ${load()}`);
