// Warm-up: V8 compiles a function on its first call, so the first reconcile after the operator started ran
// its parse and render code cold: the first new cluster's first write (its Secrets) waited ~25–45 ms more
// than the next cluster's, ~120 ms on a loaded machine, and set the reaction p99 of a small burst. Parsing
// and rendering one sample cluster while the informers list moves that cost to the start, before the
// operator reports ready. Nothing is written or kept: the sample goes through neither memo.
import { generatedSecrets, parseCluster, renderCluster } from '../../cdk8s/index.ts';
import { kinds } from '../../kube/kinds.ts';
import type { OperatorConfig } from '../config.ts';
import type { Logger } from '../log.ts';

const { group, version, kind } = kinds.TrackerCluster;
const sample = {
  apiVersion: `${group}/${version}`,
  kind,
  metadata: { name: 'warm-up', namespace: 'warm-up', uid: 'warm-up', generation: 1 },
  spec: {},
};

export function warmUp(config: Readonly<OperatorConfig>, log: Logger): void {
  const started = performance.now();
  try {
    const tc = parseCluster(structuredClone(sample));
    generatedSecrets(tc);
    renderCluster(tc, {
      schemaMode: config.clickhouse.schemaMode,
      schemaOwner: 'operator',
      prometheus: config.monitoring.prometheus,
      operatorNamespace: config.operatorNamespace,
    });
    log.debug('Warmed up', { ms: Math.round(performance.now() - started) });
  } catch (err) {
    // Only a head start: a reconcile that fails the same way reports it where it matters.
    log.warn('Warm-up failed', { error: err });
  }
}
