// The reconcile, in order: parse → paused → credentials → render → prune → Keeper (gate: quorum) →
// ClickHouse objects → volumes → gate: every host ready → schema (gate: verified on every replica) →
// retire (removed replicas: sync, delete, drop their Keeper metadata) → ingest.
// A step that returns 'stop' ends the list at its gate; the runner then writes status once.
import type { Step } from '../reconcile/state.ts';
import { clickhouse, clickhouseReady } from './clickhouse.ts';
import { credentials } from './credentials.ts';
import { ingest } from './ingest.ts';
import { keeper } from './keeper.ts';
import { parse, paused } from './parse.ts';
import { prune } from './prune.ts';
import { render } from './render.ts';
import { retire } from './retire.ts';
import { schema } from './schema.ts';
import { volumes } from './volumes.ts';

export const steps: readonly Step[] = [
  parse,
  paused,
  credentials,
  render,
  prune,
  keeper,
  clickhouse,
  volumes,
  clickhouseReady,
  schema,
  retire,
  ingest,
];
