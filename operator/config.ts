// Operator configuration: one strict schema (unknown keys are errors, every problem reported at once),
// from an optional JSON/YAML file plus a few environment overrides. Frozen after load. Timings are
// configurable so tests can use short leases and backoffs; the defaults are production values.
import { accessSync, constants, readFileSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { delimiter, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import Type, { type Static } from 'typebox';
import Value from 'typebox/value';
import YAML from 'yaml';

const strict = { additionalProperties: false } as const;
const ms = (def: number, min: number, description: string) =>
  Type.Integer({ minimum: min, maximum: 3_600_000, default: def, description });

export const OperatorConfigSchema = Type.Object(
  {
    /** Namespace to watch; empty = all namespaces. */
    namespace: Type.String({ default: '', maxLength: 63 }),
    identity: Type.String({ minLength: 1, maxLength: 253, default: hostname() }),
    http: Type.Object(
      {
        port: Type.Integer({ minimum: 0, maximum: 65535, default: 8081 }),
        host: Type.String({ default: '0.0.0.0' }),
      },
      { ...strict, default: {} },
    ),
    leaderElection: Type.Object(
      {
        enabled: Type.Boolean({ default: true }),
        namespace: Type.String({ default: 'default', minLength: 1, maxLength: 63 }),
        name: Type.String({ default: 'tracker-operator', minLength: 1, maxLength: 253 }),
        leaseDurationMs: ms(15_000, 1_000, 'A lease not renewed for this long may be taken over.'),
        renewDeadlineMs: ms(10_000, 500, 'The leader steps down when it cannot renew for this long.'),
        retryPeriodMs: ms(2_000, 100, 'Interval of acquire and renew attempts.'),
      },
      { ...strict, default: {} },
    ),
    watch: Type.Object(
      {
        /** No event or bookmark for this long: the watch is restarted (client-node watches can hang). */
        watchdogMs: ms(300_000, 500, 'Restart a silent watch after this long.'),
        relistIntervalMs: ms(600_000, 1_000, 'Full relist of every informer (a missed event heals).'),
        reconnectMaxMs: ms(30_000, 50, 'Upper bound of the watch reconnect backoff.'),
      },
      { ...strict, default: {} },
    ),
    queue: Type.Object(
      {
        workers: Type.Integer({ minimum: 1, maximum: 64, default: 4 }),
        backoffBaseMs: ms(500, 1, 'First retry delay after a failed reconcile; doubles per failure.'),
        backoffMaxMs: ms(300_000, 10, 'Upper bound of the per-key retry delay.'),
        /** Requeue while waiting for a gate (pods starting); watches usually wake the key sooner. */
        progressRequeueMs: ms(10_000, 10, 'Requeue delay while a gate is not passed.'),
        shutdownTimeoutMs: ms(30_000, 100, 'Wait this long for in-flight reconciles on shutdown.'),
      },
      { ...strict, default: {} },
    ),
    clickhouse: Type.Object(
      {
        /**
         * THE test seam (issue 6, item 5): replica DNS name → HTTP URL. In a cluster this stays empty and
         * replicas are reached through their Service DNS; tests map every replica to a loopback server.
         */
        endpoints: Type.Record(Type.String(), Type.String({ pattern: '^https?://' }), { default: {} }),
        /**
         * `cluster`: one ON CLUSTER run through the first replica, then verified on every replica (needs
         * Keeper). `per-replica`: the single-node rendering applied on each replica (test doubles have no
         * Keeper, so ON CLUSTER cannot run there).
         */
        schemaMode: Type.Union([Type.Literal('cluster'), Type.Literal('per-replica')], {
          default: 'cluster',
        }),
        requestTimeoutMs: ms(30_000, 100, 'Timeout of one SQL request.'),
      },
      { ...strict, default: {} },
    ),
    logLevel: Type.Union(
      [Type.Literal('debug'), Type.Literal('info'), Type.Literal('warn'), Type.Literal('error')],
      { default: 'info' },
    ),
  },
  strict,
);
export type OperatorConfig = Static<typeof OperatorConfigSchema>;

export class OperatorConfigError extends Error {
  override readonly name = 'OperatorConfigError';
  readonly problems: readonly string[];
  constructor(source: string, problems: readonly string[]) {
    super(`load operator config (${source}):\n  - ${problems.join('\n  - ')}`);
    this.problems = problems;
  }
}

/** Environment overrides: the few settings a Deployment sets per pod. */
const envKeys: Record<string, (c: Record<string, unknown>, v: string) => void> = {
  TRACKER_OPERATOR_NAMESPACE: (c, v) => {
    c.namespace = v;
  },
  TRACKER_OPERATOR_IDENTITY: (c, v) => {
    c.identity = v;
  },
  TRACKER_OPERATOR_LOG_LEVEL: (c, v) => {
    c.logLevel = v;
  },
};

/** Validate, default and freeze a config object. */
export function parseConfig(input: unknown, source = 'object'): Readonly<OperatorConfig> {
  const value = Value.Default(OperatorConfigSchema, structuredClone(input ?? {}));
  const problems = [...Value.Errors(OperatorConfigSchema, value)].map(
    (e) => `${e.instancePath || '/'}: ${e.message}`,
  );
  const config = value as OperatorConfig;
  const le = config.leaderElection;
  if (problems.length === 0 && le.renewDeadlineMs >= le.leaseDurationMs) {
    problems.push('/leaderElection/renewDeadlineMs: must be less than leaseDurationMs');
  }
  if (problems.length > 0) throw new OperatorConfigError(source, [...new Set(problems)]);
  return deepFreeze(config);
}

export function loadConfig(file: string | undefined, env: NodeJS.ProcessEnv): Readonly<OperatorConfig> {
  const raw = (file ? readFileAny(file) : {}) as Record<string, unknown>;
  for (const [key, set] of Object.entries(envKeys)) {
    const v = env[key];
    if (v !== undefined && v !== '') set(raw, v);
  }
  return parseConfig(raw, file ?? 'environment');
}

function readFileAny(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new OperatorConfigError(file, [`cannot read: ${(err as Error).message}`]);
  }
  try {
    return file.endsWith('.json') ? JSON.parse(text) : YAML.parse(text);
  } catch (err) {
    throw new OperatorConfigError(file, [`parse: ${(err as Error).message}`]);
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** No usable cluster credentials; the message says which sources were tried and how to provide one. */
export class KubeConfigError extends Error {
  override readonly name = 'KubeConfigError';
}

/** Where a pod's service account credentials are mounted (client-node's in-cluster paths). */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

function readable(file: string, what: string): void {
  try {
    accessSync(file, constants.R_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'not readable';
    throw new KubeConfigError(`${what} ${file}: ${code}`);
  }
}

function fromFiles(files: readonly string[], what: string): KubeConfig {
  const kc = new KubeConfig();
  for (const [i, file] of files.entries()) {
    readable(file, what);
    const one = i === 0 ? kc : new KubeConfig();
    try {
      one.loadFromFile(file);
    } catch (err) {
      // The first line names the problem; YAML errors go on with a source excerpt.
      throw new KubeConfigError(`${what} ${file}: ${(err as Error).message.split('\n')[0]}`);
    }
    if (one !== kc) kc.mergeConfig(one);
  }
  return kc;
}

/**
 * The operator's cluster credentials, in kubectl's order: --kubeconfig, $KUBECONFIG, ~/.kube/config, then
 * the pod's service account. client-node's loadFromDefault would fall back to http://localhost:8080 when
 * there is none, and the operator would then report healthy while every request fails; this throws instead.
 * `env` is the process environment: for the service account, client-node reads KUBERNETES_SERVICE_HOST and
 * _PORT from process.env itself.
 */
export function loadKubeConfig(
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
  /** `root`: a prefix for the service account path (tests mount one under a temporary directory). */
  opts: { home?: string; root?: string } = {},
): KubeConfig {
  if (flag !== undefined && flag !== '') return fromFiles([flag], '--kubeconfig');
  const listed = (env.KUBECONFIG ?? '').split(delimiter).filter(Boolean);
  if (listed.length > 0) return fromFiles(listed, 'KUBECONFIG');
  const home = join(opts.home ?? homedir(), '.kube', 'config');
  try {
    accessSync(home);
    return fromFiles([home], 'kubeconfig');
  } catch (err) {
    if (err instanceof KubeConfigError) throw err;
  }
  const root = opts.root ?? '';
  const sa = `${root}${SERVICE_ACCOUNT_DIR}`;
  if (env.KUBERNETES_SERVICE_HOST === undefined || env.KUBERNETES_SERVICE_HOST === '') {
    throw new KubeConfigError(
      'no cluster credentials: pass --kubeconfig FILE or set KUBECONFIG, or run in a pod with a service ' +
        'account token (KUBERNETES_SERVICE_HOST is not set)',
    );
  }
  for (const f of ['token', 'ca.crt']) {
    try {
      accessSync(join(sa, f), constants.R_OK);
    } catch {
      throw new KubeConfigError(
        `running in a pod without a service account token (${join(sa, f)} is missing): set ` +
          'automountServiceAccountToken: true on the pod or its ServiceAccount',
      );
    }
  }
  const kc = new KubeConfig();
  kc.loadFromCluster(root);
  return kc;
}
