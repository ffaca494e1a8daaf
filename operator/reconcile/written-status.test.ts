// A reconcile that starts before the TrackerCluster cache has seen the status its predecessor wrote (the
// usual case: the predecessor's own applies came back as watch events while it ran) compares with what
// was written, not with the older cached status. Regression: every new cluster's status was written twice,
// with fresh transition times, and each of its Events recorded twice.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../kube/object.ts';
import type { KubeRest, RequestOptions, Verb } from '../../kube/rest.ts';
import { createLogger } from '../log.ts';
import { runSteps } from './runner.ts';
import type { Deps, StatusWrite, Step, StepOutcome } from './state.ts';
import { WrittenStatuses } from './written-status.ts';

const tc = (rv: string, status?: unknown): KubeObject => ({
  apiVersion: 'tracker.dev/v1alpha1',
  kind: 'TrackerCluster',
  metadata: { name: 'demo', namespace: 'ns', uid: 'u1', generation: 1, resourceVersion: rv },
  ...(status === undefined ? {} : { status }),
});

/** TEST DOUBLE: an apiserver client that stores status patches, answering with the next resourceVersion. */
function setup() {
  const writes: { path: string; body: unknown }[] = [];
  let rv = 10;
  let stored: unknown;
  const rest = {
    async request(_verb: Verb, path: string, opts: RequestOptions = {}) {
      writes.push({ path, body: opts.body });
      if (!path.endsWith('/status')) return {};
      stored = (opts.body as { status: unknown }).status;
      return tc(String(++rv), stored);
    },
  } as unknown as KubeRest;
  const statuses = new WrittenStatuses();
  const deps = { rest, log: createLogger('error', {}, () => undefined), statuses } as unknown as Deps;
  return { writes, deps, statuses, stored: () => stored };
}

const noop: Step = { name: 'keeper', run: async (): Promise<StepOutcome> => 'continue' };
const statusWrites = (writes: { path: string }[]) => writes.filter((w) => w.path.endsWith('/status'));
const eventWrites = (writes: { path: string }[]) => writes.filter((w) => w.path.endsWith('/events'));

describe('the status a reconcile wrote', () => {
  it('is not written again, nor its Events, by a reconcile whose cache has not seen it (regression: every new cluster wrote its status twice)', async () => {
    const { writes, deps } = setup();
    await runSteps(tc('10'), [noop], deps);
    expect(statusWrites(writes)).toHaveLength(1);
    const events = eventWrites(writes).length;
    expect(events).toBeGreaterThan(0);
    // The cache still holds the TrackerCluster as it was before that write (resourceVersion 10).
    const outcome = await runSteps(tc('10'), [noop], deps);
    expect(outcome.writes).toBe(0);
    expect(statusWrites(writes)).toHaveLength(1);
    expect(eventWrites(writes)).toHaveLength(events);
  });

  it('gives way once the cache has caught up, so a newer stored status decides again', async () => {
    const { writes, deps, statuses } = setup();
    await runSteps(tc('10'), [noop], deps);
    // Someone replaced the status after the operator's write (resourceVersion 12 > 11): it is written back.
    await runSteps(tc('12', { conditions: [] }), [noop], deps);
    expect(statusWrites(writes)).toHaveLength(2);
    expect(statuses.size).toBe(1);
  });

  it('is forgotten with its cluster', async () => {
    const { deps, statuses } = setup();
    await runSteps(tc('10'), [noop], deps);
    statuses.forget('ns', 'demo');
    expect(statuses.overlay(tc('10'))).toEqual(tc('10'));
  });
});

describe('a status on its way', () => {
  it('is what the next reconcile compares with before its answer, and an older answer does not replace a newer one on its way', () => {
    const statuses = new WrittenStatuses();
    const first = { conditions: [{ type: 'Ready', status: 'False' }] };
    const second = { conditions: [{ type: 'Ready', status: 'True' }] };
    statuses.sending(tc('10'), first);
    expect(statuses.overlay(tc('10')).status).toBe(first);
    statuses.sending(tc('10'), second);
    statuses.remember(tc('11', first), first);
    expect(statuses.overlay(tc('11')).status).toBe(second);
    statuses.remember(tc('12', second), second);
    expect(statuses.overlay(tc('11')).status).toBe(second);
    expect(statuses.overlay(tc('12')).status).toBeUndefined();
  });

  it('lets the reconcile return before the apiserver answered it', async () => {
    let answer: (() => void) | undefined;
    const rest = {
      request: (_verb: Verb, path: string) =>
        path.endsWith('/status')
          ? new Promise((resolve) => {
              answer = () => resolve(tc('11'));
            })
          : Promise.resolve({}),
    } as unknown as KubeRest;
    const inFlight: Promise<void>[] = [];
    const deps = {
      rest,
      log: createLogger('error', {}, () => undefined),
      statuses: new WrittenStatuses(),
      sendStatus: (write: StatusWrite) => {
        inFlight.push(write.patch());
      },
    } as unknown as Deps;
    const outcome = await runSteps(tc('10'), [noop], deps);
    expect(outcome.writes).toBe(1);
    expect(answer).toBeDefined();
    answer?.();
    await Promise.all(inFlight);
  });

  it('hands its write over and returns; replaced by a newer one, it reports its reaction once, as the status', async () => {
    const { deps } = setup();
    const handed: StatusWrite[] = [];
    const reacted: string[] = [];
    const withLane = {
      ...deps,
      sendStatus: (write: StatusWrite) => void handed.push(write),
      onFirstWrite: (step: string) => void reacted.push(step),
    } as Deps;
    const outcome = await runSteps(tc('10'), [noop], withLane);
    expect(outcome.writes).toBe(0);
    expect(handed).toHaveLength(1);
    handed[0]?.replaced();
    expect(reacted).toEqual(['status']);
  });
});
