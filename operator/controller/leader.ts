// Leader election on a coordination.k8s.io/v1 Lease, the client-go algorithm: optimistic concurrency on the
// Lease's resourceVersion; a lease is expired when its record has not changed for leaseDuration as observed
// on OUR clock (no cross-node clock comparison); the leader steps down when it cannot renew within
// renewDeadline; a graceful stop releases the lease (empty holder) so the next candidate takes over at once.

import { kinds } from '../../kube/kinds.ts';
import { collectionPath, objectPath } from '../../kube/paths.ts';
import { isConflict, isNotFound, type KubeRest } from '../../kube/rest.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';

export interface LeaderOptions {
  readonly rest: KubeRest;
  readonly namespace: string;
  readonly name: string;
  readonly identity: string;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly onStartedLeading: () => void;
  readonly onStoppedLeading: () => void;
}

type LeaseSpec = {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
};
type Lease = { metadata: { name: string; resourceVersion?: string }; spec?: LeaseSpec };

const leaseType = kinds.Lease;
/** MicroTime as the apiserver wants it (RFC 3339 with microseconds). */
const microTime = (d = new Date()): string => d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

export class LeaderElector {
  readonly #o: LeaderOptions;
  #leader = false;
  #stopped = false;
  #observed = { record: '', at: 0 };
  #lastRenew = 0;
  /** The holder a standby last said it waits for: said once per holder, not every retry period. */
  #waitingFor = '';
  #wake: (() => void) | undefined;
  #loop: Promise<void> | undefined;

  constructor(options: LeaderOptions) {
    this.#o = options;
  }

  get isLeader(): boolean {
    return this.#leader;
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  /** Stops campaigning; a leader releases the lease unless `release` is false (a simulated crash). */
  async stop(release = true): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    await this.#loop;
    if (this.#leader) {
      this.#setLeader(false);
      if (release)
        await this.#release().catch((err) => this.#o.log.warn('Release lease failed', { error: err }));
    }
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      const ok = await this.#tryAcquireOrRenew().catch((err) => {
        this.#o.log.warn('Lease update failed', { lease: this.#o.name, error: err });
        return false;
      });
      if (this.#stopped) return;
      if (ok) this.#lastRenew = Date.now();
      if (ok && !this.#leader) this.#setLeader(true);
      if (!ok && this.#leader && Date.now() - this.#lastRenew > this.#o.renewDeadlineMs)
        this.#setLeader(false);
      await this.#sleep(this.#o.retryPeriodMs);
    }
  }

  #setLeader(leader: boolean): void {
    this.#leader = leader;
    this.#o.metrics.leader.set(leader ? 1 : 0);
    this.#o.log.info(leader ? 'Started leading' : 'Stopped leading', {
      lease: `${this.#o.namespace}/${this.#o.name}`,
      identity: this.#o.identity,
    });
    if (leader) this.#o.onStartedLeading();
    else this.#o.onStoppedLeading();
  }

  async #tryAcquireOrRenew(): Promise<boolean> {
    const path = objectPath(leaseType, this.#o.namespace, this.#o.name);
    const lease = await this.#o.rest.getOrUndefined<Lease>(path);
    if (!lease) return this.#create();
    const spec = lease.spec ?? {};
    this.#observe(spec);
    const held = spec.holderIdentity && spec.holderIdentity !== this.#o.identity;
    if (held && Date.now() - this.#observed.at < this.#o.leaseDurationMs) {
      this.#sayWaiting(spec.holderIdentity as string);
      return false;
    }
    const changedHolder = spec.holderIdentity !== this.#o.identity;
    const next: Lease = {
      ...lease,
      spec: {
        ...this.#record(),
        acquireTime: changedHolder ? microTime() : (spec.acquireTime ?? microTime()),
        leaseTransitions: (spec.leaseTransitions ?? 0) + (changedHolder && spec.holderIdentity ? 1 : 0),
      },
    };
    return this.#write(() => this.#o.rest.request('update', path, { body: next }));
  }

  // A standby's log would otherwise show nothing after its start: say whom it waits for, so `kubectl logs`
  // on either replica tells which one reconciles.
  #sayWaiting(holder: string): void {
    if (holder === this.#waitingFor) return;
    this.#waitingFor = holder;
    this.#o.log.info('Waiting for the lease', { lease: `${this.#o.namespace}/${this.#o.name}`, holder });
  }

  #record(): LeaseSpec {
    return {
      holderIdentity: this.#o.identity,
      leaseDurationSeconds: Math.max(1, Math.ceil(this.#o.leaseDurationMs / 1000)),
      renewTime: microTime(),
    };
  }

  /** Remember when the record last changed, on our clock: that is what expiry is measured from. */
  #observe(spec: LeaseSpec): void {
    const record = JSON.stringify([spec.holderIdentity, spec.renewTime, spec.leaseTransitions]);
    if (record !== this.#observed.record) this.#observed = { record, at: Date.now() };
  }

  #create(): Promise<boolean> {
    const body = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: this.#o.name, namespace: this.#o.namespace },
      spec: { ...this.#record(), acquireTime: microTime(), leaseTransitions: 0 },
    };
    const path = collectionPath(leaseType, this.#o.namespace);
    return this.#write(() => this.#o.rest.request('create', path, { body }));
  }

  async #write(fn: () => Promise<unknown>): Promise<boolean> {
    try {
      await fn();
      return true;
    } catch (err) {
      // Someone else wrote the lease first (or it vanished): not ours this round.
      if (isConflict(err) || isNotFound(err)) return false;
      throw err;
    }
  }

  async #release(): Promise<void> {
    const path = objectPath(leaseType, this.#o.namespace, this.#o.name);
    const lease = await this.#o.rest.getOrUndefined<Lease>(path);
    if (lease?.spec?.holderIdentity !== this.#o.identity) return;
    const spec = { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime() };
    await this.#o.rest.request('update', path, { body: { ...lease, spec } });
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.#wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }
}
