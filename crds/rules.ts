// The CEL rules (x-kubernetes-validations) of the TrackerCluster CRD, with the messages users see.
// The schema in spec.ts attaches each rule where it applies; `celRules` in validate.ts checks the
// non-transition rules the same way for `tracker render` (no API server there), reusing these messages.
// The integration test feeds the same invalid specs to both and expects the same message.

export type CelRule = {
  readonly rule: string;
  readonly message: string;
  /** JSON path (from the rule's node) the apiserver reports the error against. */
  readonly fieldPath?: string;
  readonly reason?:
    | 'FieldValueInvalid'
    | 'FieldValueForbidden'
    | 'FieldValueRequired'
    | 'FieldValueDuplicate';
};

export const rules = {
  nameIsShortLabel: {
    rule: "self.metadata.name.matches('^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$')",
    message:
      'metadata.name must be a DNS label of at most 40 characters (lower-case letters, digits and "-", ' +
      'starting with a letter): Services and StatefulSets are named after it',
    // Without a path the apiserver reports the rule against `<nil>`, naming no field.
    fieldPath: '.metadata.name',
  },
  // Every quantity (sizes, CPU, memory): the string form is checked here and not by the schema's pattern,
  // whose refusal would print the regular expression (crds/structural.ts). The TypeBox pattern still
  // checks the same for `tracker render`.
  isQuantity: {
    rule: "type(self) == int || (isQuantity(self) && !self.startsWith('-'))",
    message:
      'must be a Kubernetes quantity, not negative, such as 500m, 2Gi or 1 (suffixes Ki Mi Gi Ti, or k M G T; no space; not GB)',
  },
  keeperReplicas: {
    rule: 'self in [1, 3, 5]',
    message: 'keeper.replicas must be 1, 3 or 5: a Keeper quorum needs an odd number of members',
  },
  natsReplicas: {
    rule: 'self in [1, 3, 5]',
    message: 'nats.replicas must be 1, 3 or 5: a JetStream cluster needs an odd number of servers',
  },
  databaseImmutable: {
    rule: 'self == oldSelf',
    message:
      'schema.database is immutable: the data lives in the first database; create a new TrackerCluster',
  },
  shardsMayNotDecrease: {
    rule: 'self.allowDataLoss || !has(oldSelf.clickhouse) || self.clickhouse.shards >= oldSelf.clickhouse.shards',
    message:
      'clickhouse.shards may not decrease: ClickHouse cannot move data off a removed shard; ' +
      'set spec.allowDataLoss: true to drop those shards and their data',
    fieldPath: '.clickhouse.shards',
  },
  // A claim cannot shrink and the operator never shrinks one: a smaller size would be a spec that the
  // existing volumes do not follow, and only the replicas added afterwards would get it.
  storageMayNotShrink: {
    rule: '!has(self.size) || !has(oldSelf.size) || quantity(string(self.size)).compareTo(quantity(string(oldSelf.size))) >= 0',
    message:
      'storage.size may not decrease: a PersistentVolumeClaim cannot shrink (the existing volumes keep their size)',
    fieldPath: '.size',
  },
  // The operator keeps a StatefulSet's claim templates as they are (the apiserver refuses to change them),
  // so a new class reached no existing claim, and only the ClickHouse replicas added later.
  storageClassImmutable: {
    rule: 'has(self.storageClassName) == has(oldSelf.storageClassName) && (!has(self.storageClassName) || self.storageClassName == oldSelf.storageClassName)',
    message:
      'storage.storageClassName cannot change: the existing PersistentVolumeClaims keep their class (a StatefulSet cannot change its claim templates); move the data with a new TrackerCluster',
    fieldPath: '.storageClassName',
  },
  // The apiserver refuses a Pod template whose request exceeds its limit; accepted here, every apply of the
  // workload failed and was retried with backoff, the cluster stuck at ApplyFailed.
  requestsWithinLimits: {
    rule: '!has(self.requests) || !has(self.limits) || ((!has(self.requests.cpu) || !has(self.limits.cpu) || !isQuantity(string(self.requests.cpu)) || !isQuantity(string(self.limits.cpu)) || quantity(string(self.requests.cpu)).compareTo(quantity(string(self.limits.cpu))) <= 0) && (!has(self.requests.memory) || !has(self.limits.memory) || !isQuantity(string(self.requests.memory)) || !isQuantity(string(self.limits.memory)) || quantity(string(self.requests.memory)).compareTo(quantity(string(self.limits.memory))) <= 0))',
    message:
      'resources.requests must not exceed resources.limits (cpu, memory): a container cannot request more than its limit; raise the limit too',
  },
  autoscalingBounds: {
    rule: 'self.minReplicas <= self.maxReplicas',
    message: 'ingest.autoscaling.minReplicas must be less than or equal to maxReplicas',
    fieldPath: '.minReplicas',
  },
  replicasOrAutoscaling: {
    rule: '!(has(self.replicas) && has(self.autoscaling))',
    message: 'set either ingest.replicas or ingest.autoscaling, not both: the HPA owns the replica count',
  },
  tlsOneSource: {
    rule: 'has(self.secretName) != has(self.issuerRef)',
    message: 'ingest.tls needs exactly one of secretName (an existing Secret) or issuerRef (cert-manager)',
  },
  tlsFromSpec: {
    rule: '!has(self.config) || !has(self.config.server) || !has(self.config.server.tls)',
    message: 'leave ingest.config.server.tls out: the operator sets it from ingest.tls (the mounted Secret)',
    fieldPath: '.config.server.tls',
  },
  // The Service and the kubelet's probes reach a pod on its pod IP, which is not known when the config is
  // rendered: only a wildcard address listens there. The operator refuses the rest instead of overriding
  // them, so the ConfigMap never says something other than what the pods do.
  hostIsWildcard: {
    rule:
      '!has(self.config) || !has(self.config.server) || !has(self.config.server.host) || ' +
      "self.config.server.host in ['0.0.0.0', '::']",
    message:
      'ingest.config.server.host must be "0.0.0.0" or "::" (or left out): the Service and the probes reach a pod on its pod IP, so an ingest listening on one address such as 127.0.0.1 is unreachable',
    fieldPath: '.config.server.host',
  },
  // Prometheus scrapes the operations port on the pod IP, as the Service reaches the public one.
  opsHostIsWildcard: {
    rule:
      '!has(self.config) || !has(self.config.server) || !has(self.config.server.opsHost) || ' +
      "self.config.server.opsHost in ['0.0.0.0', '::']",
    message:
      'ingest.config.server.opsHost must be "0.0.0.0" or "::" (or left out: server.host): Prometheus scrapes a pod on its pod IP, so an operations listener on one address such as 127.0.0.1 is unreachable',
    fieldPath: '.config.server.opsHost',
  },
  // The Service, the probes and Prometheus name the ports; with the defaults applied server.port and
  // server.opsPort are both present whenever server is.
  portsFixed: {
    rule:
      '!has(self.config) || !has(self.config.server) || !has(self.config.server.port) || ' +
      '!has(self.config.server.opsPort) || (self.config.server.port != 0 && ' +
      'self.config.server.opsPort != 0 && self.config.server.port != self.config.server.opsPort)',
    message:
      'ingest.config.server.port and opsPort must be set (not 0) and differ: the Service and the probes reach the pods on the first, Prometheus on the second',
    fieldPath: '.config.server',
  },
  hashKeyFromOperator: {
    rule: '!has(self.config) || !has(self.config.privacy) || !has(self.config.privacy.hashKeyFile)',
    message:
      'leave ingest.config.privacy.hashKeyFile out: the operator generates one key for every replica (Secret <name>-hash-key) and mounts it',
    fieldPath: '.config.privacy.hashKeyFile',
  },
  // The spec's own default ({}) is validated too, before any nested default: every field is tested with has().
  natsForSpool: {
    rule:
      'has(self.nats) || !has(self.ingest) || !has(self.ingest.config) || !has(self.ingest.config.spool) || ' +
      "!has(self.ingest.config.spool.kind) || self.ingest.config.spool.kind != 'nats' || has(self.ingest.config.spool.nats)",
    message:
      'ingest.config.spool.kind nats needs a NATS server: add spec.nats (in-cluster JetStream) or set ingest.config.spool.nats.url',
    fieldPath: '.ingest.config.spool.kind',
  },
  natsForFeatures: {
    rule:
      'has(self.nats) || !has(self.ingest) || !has(self.ingest.config) || ' +
      '(has(self.ingest.config.nats) && has(self.ingest.config.nats.url)) || ' +
      "!((has(self.ingest.config.rateLimits) && has(self.ingest.config.rateLimits.shared) && self.ingest.config.rateLimits.shared == 'nats') || " +
      "(has(self.ingest.config.privacy) && has(self.ingest.config.privacy.salts) && self.ingest.config.privacy.salts == 'nats') || " +
      '(has(self.ingest.config.nats) && ((has(self.ingest.config.nats.publish) && self.ingest.config.nats.publish) || ' +
      '(has(self.ingest.config.nats.consume) && self.ingest.config.nats.consume))))',
    message:
      'ingest.config rateLimits.shared nats, privacy.salts nats, nats.publish and nats.consume need a NATS server: add spec.nats (in-cluster JetStream) or set ingest.config.nats.url',
    fieldPath: '.ingest.config',
  },
} as const satisfies Record<string, CelRule>;

/** The `x-kubernetes-validations` schema option for the given rules. */
export function cel(...list: readonly CelRule[]): { 'x-kubernetes-validations': CelRule[] } {
  return { 'x-kubernetes-validations': list.map((r) => ({ ...r })) };
}
