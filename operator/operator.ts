// The operator as a value: leader election decides when a Controller runs; HTTP probes and metrics run
// always. main.ts builds one from the environment; tests build them in-process with their own config.
import type { KubeAccess } from '../kube/access.ts';
import { KubeRest } from '../kube/rest.ts';
import { clickhouseAccess } from './clickhouse.ts';
import type { OperatorConfig } from './config.ts';
import { Controller } from './controller/controller.ts';
import { LeaderElector } from './controller/leader.ts';
import { startHttp } from './http.ts';
import { createLogger, type Logger } from './log.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import type { Step } from './reconcile/state.ts';
import { steps as defaultSteps } from './steps/index.ts';

export interface OperatorOptions {
  readonly config: Readonly<OperatorConfig>;
  /** The apiserver and credentials (operator/kubeconfig.ts). */
  readonly access: KubeAccess;
  readonly log?: Logger;
  readonly steps?: readonly Step[];
}

export interface Operator {
  readonly metrics: Metrics;
  /** The operator's logger: main.ts writes its own lines through it, in the same shape as every other. */
  readonly log: Logger;
  readonly httpPort: number;
  readonly isLeader: () => boolean;
  /** The running controller (undefined while standing by). */
  readonly controller: () => Controller | undefined;
  /** Graceful stop; `release: false` keeps the lease held, as a crash would. */
  stop(opts?: { release?: boolean }): Promise<void>;
}

export async function startOperator(opts: OperatorOptions): Promise<Operator> {
  const { config, access } = opts;
  const log =
    opts.log ?? createLogger(config.logLevel, { component: 'tracker-operator', identity: config.identity });
  const metrics = createMetrics();
  const rest = new KubeRest(
    access,
    (verb) => metrics.apiRequests.inc({ verb }),
    (verb, seconds) => metrics.apiRequestDuration.observe({ verb }, seconds),
  );
  const build = () =>
    new Controller({
      rest,
      config,
      log,
      metrics,
      clickhouse: clickhouseAccess(config.clickhouse),
      steps: opts.steps ?? defaultSteps,
    });
  let controller: Controller | undefined;
  // Starting and stopping are chained, so a lost-then-regained lease never runs two controllers.
  let transition: Promise<void> = Promise.resolve();
  let stopping = false;
  const lead = (on: boolean) => {
    transition = transition.then(async () => {
      if (on && !controller && !stopping) {
        controller = build();
        await controller.start().catch((err) => log.error('Start controller failed', { error: err }));
      } else if (!on && controller) {
        const c = controller;
        controller = undefined;
        await c.stop();
      }
    });
  };
  // Listening first: a port it cannot bind stops the start before it takes a lease it would hold
  // until the lease expired, unrenewed.
  const http = await startHttp(config.http.host, config.http.port, {
    registry: metrics.registry,
    healthy: () => !controller || controller.maxSilenceMs < 2 * config.watch.watchdogMs,
    ready: () => !controller || controller.synced,
  }).catch(async (err: unknown) => {
    await rest.close();
    throw err;
  });
  const le = config.leaderElection;
  const elector = le.enabled
    ? new LeaderElector({
        rest,
        ...le,
        identity: config.identity,
        log,
        metrics,
        onStartedLeading: () => lead(true),
        onStoppedLeading: () => lead(false),
      })
    : undefined;
  if (elector) elector.start();
  else lead(true);
  return {
    metrics,
    log,
    httpPort: http.port,
    isLeader: () => (elector ? elector.isLeader : true),
    controller: () => controller,
    async stop({ release = true } = {}) {
      // Drain the controller while the lease is still held (and renewed), and only then give it up: an
      // in-flight reconcile of the old leader must never write after a new leader has taken over.
      stopping = true;
      lead(false);
      await transition;
      if (elector) await elector.stop(release);
      await http.close();
      await rest.close();
      log.info('Operator stopped');
    },
  };
}
