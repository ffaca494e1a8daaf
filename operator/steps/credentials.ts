// credentials: the Secrets the renderer references but cannot render (random values; cdk8s/ is pure).
// Created once when missing and never updated: rotating them would lock ClickHouse replicas out of each
// other. Owned by the TrackerCluster, so they are garbage-collected with it. Their names come from the
// spec alone, so this step runs before the rendering: a new cluster's first write does not wait for it.
import { randomBytes } from 'node:crypto';
import { type GeneratedSecret, generatedSecrets, labels, ownerReferences } from '../../cdk8s/index.ts';
import { EventReason } from '../../crds/conditions.ts';
import { kinds } from '../../kube/kinds.ts';
import { collectionPath } from '../../kube/paths.ts';
import { isConflict } from '../../kube/rest.ts';
import { type Deps, type ReconcileState, type Step, type StepOutcome, tcOf } from '../reconcile/state.ts';
import { tell, write } from '../reconcile/write.ts';

export const credentials: Step = {
  name: 'credentials',
  run(state: ReconcileState, deps: Deps) {
    const tc = tcOf(state);
    const ns = tc.metadata.namespace ?? 'default';
    const missing = generatedSecrets(tc).filter((s) => !deps.cache.get(kinds.Secret, ns, s.name));
    // Nothing to create (every reconcile but a new cluster's first): an outcome, not a promise, so the
    // runner goes on without yielding (runner.ts).
    return missing.length === 0 ? 'continue' : createAll(missing, state, deps);
  },
};

/** Created concurrently: each is one round trip, and a new cluster's first reconcile waits for them. */
async function createAll(
  missing: readonly GeneratedSecret[],
  state: ReconcileState,
  deps: Deps,
): Promise<StepOutcome> {
  const results = await Promise.allSettled(missing.map((secret) => create(secret, state, deps)));
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  return 'continue';
}

async function create(secret: GeneratedSecret, state: ReconcileState, deps: Deps): Promise<void> {
  const tc = tcOf(state);
  const ns = tc.metadata.namespace ?? 'default';
  const data = Object.fromEntries(secret.keys.map((k) => [k, randomBytes(24).toString('base64url')]));
  const body = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: secret.name,
      namespace: ns,
      labels: labels(tc, 'clickhouse'),
      ownerReferences: ownerReferences(tc),
    },
    type: 'Opaque',
    stringData: data,
  };
  const created = await write(state, deps, {
    verb: 'create',
    path: collectionPath(kinds.Secret, ns),
    target: `Secret ${secret.name}`,
    body,
    // Created by an earlier reconcile the cache has not seen yet: keep the existing values.
    accept: isConflict,
  });
  if (created) await tell(state, deps, 'Normal', EventReason.SecretCreated, `Created Secret ${secret.name}`);
}
