// Parse and default a TrackerCluster the way the apiserver would (OpenAPI defaults, schema, non-transition CEL
// rules), for `tracker render` and the renderer's own input check, through the one loader of configuration
// and specs (common/config/loader.ts). All problems are reported at once, as one ConfigError.
import { type Check, crossFieldProblems } from '../common/config/cross-field.ts';
import { destinationUrlProblems } from '../common/config/fetch-url.ts';
import { hostAndOriginProblems } from '../common/config/hosts-origins.ts';
import { ingestRuleProblems } from '../common/config/ingest-rules.ts';
import { validate } from '../common/config/loader.ts';
import { natsNeeds, natsUrl } from '../common/config/nats.ts';
import { ConfigError } from '../common/config/problems.ts';
import { quantityBytes } from '../kube/quantity.ts';
import { rules } from './rules.ts';
import {
  QUANTITY_PATTERN,
  quantityFractionMessage,
  TrackerClusterSpec as SpecSchema,
  type TrackerClusterSpec,
} from './spec.ts';
import { apiVersion, kind, type TrackerCluster } from './trackercluster.ts';

/**
 * Default the spec (a copy) and return it with every schema and rule violation; a rule is reported with the
 * schema's problems unless it reads a key the schema refused (common/config/cross-field.ts).
 */
export function defaultSpec(input: unknown): { spec: TrackerClusterSpec; problems: string[] } {
  const checked = validate<TrackerClusterSpec>(SpecSchema, input ?? {}, { root: 'spec' });
  const { value: spec } = checked;
  const fractions = bareFractions(SpecSchema as Node, input, 'spec');
  const problems = [
    ...fractions.map(([path, value]) => `${path}: ${quantityFractionMessage(value)}`),
    ...checked.problems
      .filter((p) => !fractions.some(([path]) => p.startsWith(`${path}: `)))
      .map(quantityInWords),
  ];
  problems.push(...crossFieldProblems(spec, problems, semanticChecks, 'spec'));
  return { spec, problems };
}

/** A quantity refused by its pattern is told as the CRD's rule tells it, not as the regular expression. */
const QUANTITY_REFUSAL = `: must match pattern "${QUANTITY_PATTERN}"`;
const quantityInWords = (problem: string): string =>
  problem.endsWith(QUANTITY_REFUSAL)
    ? `${problem.slice(0, -QUANTITY_REFUSAL.length)}: ${rules.isQuantity.message}`
    : problem;

type Node = { properties?: Record<string, Node>; 'x-kubernetes-int-or-string'?: boolean };
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Paths of quantities given as a number with a fraction (`cpu: 0.5`). The CRD's quantities are integers
 * or strings (a structural schema has no number-or-string), so the apiserver refuses them, and the schema
 * here would only say "must be integer": each is reported once, saying how to write it instead.
 */
function bareFractions(schema: Node, value: unknown, path: string): [string, number][] {
  if (schema['x-kubernetes-int-or-string'] && typeof value === 'number' && !Number.isInteger(value))
    return [[path, value]];
  if (!isObject(value) || !schema.properties) return [];
  return Object.entries(schema.properties).flatMap(([key, child]) =>
    bareFractions(child, value[key], `${path}.${key}`),
  );
}

type Spec = TrackerClusterSpec;

/** The non-transition CEL rules of rules.ts: what must hold, and the message (the same) when it does not. */
const celRules: readonly (readonly [(spec: Spec) => boolean, string])[] = [
  [(s) => [1, 3, 5].includes(s.keeper.replicas), `spec.keeper.replicas: ${rules.keeperReplicas.message}`],
  [
    (s) => !s.nats || [1, 3, 5].includes(s.nats.replicas),
    `spec.nats.replicas: ${rules.natsReplicas.message}`,
  ],
  [
    ({ ingest }) => !ingest.autoscaling || ingest.autoscaling.minReplicas <= ingest.autoscaling.maxReplicas,
    `spec.ingest.autoscaling.minReplicas: ${rules.autoscalingBounds.message}`,
  ],
  [
    ({ ingest }) => ingest.replicas === undefined || ingest.autoscaling === undefined,
    `spec.ingest: ${rules.replicasOrAutoscaling.message}`,
  ],
  [
    ({ ingest }) =>
      !ingest.tls || (ingest.tls.secretName === undefined) !== (ingest.tls.issuerRef === undefined),
    `spec.ingest.tls: ${rules.tlsOneSource.message}`,
  ],
  [
    ({ ingest }) => ingest.config.server?.tls === undefined,
    `spec.ingest.config.server.tls: ${rules.tlsFromSpec.message}`,
  ],
  [
    ({ ingest }) => [undefined, '0.0.0.0', '::'].includes(ingest.config.server?.host),
    `spec.ingest.config.server.host: ${rules.hostIsWildcard.message}`,
  ],
  [
    ({ ingest }) => [undefined, '0.0.0.0', '::'].includes(ingest.config.server?.opsHost),
    `spec.ingest.config.server.opsHost: ${rules.opsHostIsWildcard.message}`,
  ],
  [
    ({ ingest }) => portsFixed(ingest.config.server),
    `spec.ingest.config.server: ${rules.portsFixed.message}`,
  ],
  [
    ({ ingest }) => ingest.config.privacy?.hashKeyFile === undefined,
    `spec.ingest.config.privacy.hashKeyFile: ${rules.hashKeyFromOperator.message}`,
  ],
];

/** Each rule on its own, so that a schema problem leaves out only the rules that read its key. */
const semanticChecks: readonly Check<Spec>[] = [
  ...celRules.map(
    ([holds, message]) =>
      (spec: Spec) =>
        holds(spec) ? [] : [message],
  ),
  requestsAboveLimits,
  natsErrors,
  // Not CEL rules (URL parsing, regular expressions, CIDRs): the operator reports them as SpecInvalid
  // before rolling out an ingest that would refuse to start on them.
  (spec: Spec) => hostAndOriginProblems(spec.ingest.config, 'spec.ingest.config.'),
  (spec: Spec) => ingestRuleProblems(spec.ingest.config, 'spec.ingest.config.'),
  (spec: Spec) => destinationUrlProblems(spec.ingest.destinations, 'spec.ingest.destinations.'),
];

type Quantities = { cpu?: string | number; memory?: string | number };
type ResourcesSpec = { requests?: Quantities; limits?: Quantities };

/** The same as the CEL rule requestsWithinLimits, for every container's resources in the spec. */
function requestsAboveLimits(spec: Spec): string[] {
  const all: [string, ResourcesSpec | undefined][] = [
    ['clickhouse', spec.clickhouse.resources],
    ['keeper', spec.keeper.resources],
    ['ingest', spec.ingest.resources],
    ['nats', spec.nats?.resources],
    ['schema.prune', spec.schema.prune?.resources],
  ];
  return all
    .filter(([, r]) => r && (['cpu', 'memory'] as const).some((k) => exceeds(r.requests?.[k], r.limits?.[k])))
    .map(([path]) => `spec.${path}.resources: ${rules.requestsWithinLimits.message}`);
}

function exceeds(request: string | number | undefined, limit: string | number | undefined): boolean {
  if (request === undefined || limit === undefined) return false;
  try {
    return quantityBytes(request) > quantityBytes(limit);
  } catch {
    return false; // not a quantity: the schema says so
  }
}

/** The same as the CEL rule: both ports are defaulted whenever server is given. */
function portsFixed(server: { port?: number; opsPort?: number } | undefined): boolean {
  if (server?.port === undefined || server.opsPort === undefined) return true;
  return server.port !== 0 && server.opsPort !== 0 && server.port !== server.opsPort;
}

/** Settings that use NATS while neither spec.nats nor their own key names a server (common/config/nats.ts). */
function natsErrors(spec: TrackerClusterSpec): string[] {
  if (spec.nats) return [];
  const config = spec.ingest.config;
  const missing = natsNeeds(config).filter((n) => natsUrl(config, n.url) === undefined);
  return [
    ...(missing.some((n) => n.url === 'spool.nats.url')
      ? [`spec.ingest.config.spool.kind: ${rules.natsForSpool.message}`]
      : []),
    ...(missing.some((n) => n.url === 'nats.url')
      ? [`spec.ingest.config: ${rules.natsForFeatures.message}`]
      : []),
  ];
}

/** The transition rules: what an update from `old` to `next` may not do. */
export function transitionErrors(old: TrackerClusterSpec, next: TrackerClusterSpec): string[] {
  const problems: string[] = [];
  if (!next.allowDataLoss && next.clickhouse.shards < old.clickhouse.shards) {
    problems.push(`spec.clickhouse.shards: ${rules.shardsMayNotDecrease.message}`);
  }
  if (next.schema.database !== old.schema.database) {
    problems.push(`spec.schema.database: ${rules.databaseImmutable.message}`);
  }
  const storage = { clickhouse: [old.clickhouse, next.clickhouse], keeper: [old.keeper, next.keeper] };
  const nats = old.nats && next.nats ? { nats: [old.nats, next.nats] } : {};
  for (const [component, [was, is]] of Object.entries({ ...storage, ...nats })) {
    if (was && is && quantityBytes(is.storage.size) < quantityBytes(was.storage.size)) {
      problems.push(`spec.${component}.storage.size: ${rules.storageMayNotShrink.message}`);
    }
    if (was && is && is.storage.storageClassName !== was.storage.storageClassName) {
      problems.push(`spec.${component}.storage.storageClassName: ${rules.storageClassImmutable.message}`);
    }
  }
  return problems;
}

/** A TrackerCluster object (as read from YAML or the apiserver) → a defaulted, valid TrackerCluster. */
export function parseTrackerCluster(input: unknown): TrackerCluster {
  const obj = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  const metadata = (obj.metadata ?? {}) as TrackerCluster['metadata'];
  const name = typeof metadata.name === 'string' ? metadata.name : '<unnamed>';
  const problems: string[] = [];
  if (obj.apiVersion !== apiVersion) problems.push(`apiVersion: must be ${apiVersion}`);
  if (obj.kind !== kind) problems.push(`kind: must be ${kind}`);
  if (!/^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$/.test(metadata.name ?? '')) {
    // Same pattern as the CEL rule nameIsShortLabel.
    problems.push(rules.nameIsShortLabel.message);
  }
  const { spec, problems: specProblems } = defaultSpec(obj.spec);
  problems.push(...specProblems);
  if (problems.length > 0) throw new ConfigError(`TrackerCluster ${name}`, problems);
  return {
    apiVersion,
    kind,
    metadata,
    spec,
    ...(obj.status ? { status: obj.status as TrackerCluster['status'] } : {}),
  };
}
