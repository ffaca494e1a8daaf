// The runner hands the Events that follow its status write to `detach` (the controller waits for them
// before it stops) instead of holding the cluster's key for their round trips; they are still sent, counted
// and in order.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../kube/object.ts';
import type { KubeRest, RequestOptions, Verb } from '../../kube/rest.ts';
import { createLogger } from '../log.ts';
import { runSteps } from './runner.ts';
import type { Deps, Step, StepOutcome } from './state.ts';

describe('the Events after the status write', () => {
  it('are sent after the reconcile returned, in order, through detach', async () => {
    const sent: { verb: Verb; path: string; reason?: string }[] = [];
    const answers: (() => void)[] = [];
    const rest = {
      request(verb: Verb, path: string, opts: RequestOptions = {}) {
        sent.push({ verb, path, reason: (opts.body as { reason?: string } | undefined)?.reason });
        // Events wait for the test to answer them; the status write is answered at once.
        if (!path.endsWith('/events')) return Promise.resolve({});
        return new Promise((resolve) => answers.push(() => resolve({})));
      },
    } as unknown as KubeRest;
    const detached: Promise<unknown>[] = [];
    const deps = {
      rest,
      log: createLogger('error', {}, () => undefined),
      detach: (work: () => Promise<unknown>) => detached.push(work()),
    } as unknown as Deps;
    const live: KubeObject = {
      apiVersion: 'tracker.dev/v1alpha1',
      kind: 'TrackerCluster',
      metadata: { name: 'demo', namespace: 'ns', uid: 'u1', generation: 1 },
      status: {
        conditions: [
          { type: 'KeeperReady', status: 'True', reason: 'Available', message: '' },
          { type: 'ClickHouseReady', status: 'True', reason: 'Available', message: '' },
        ],
      },
    };
    const noop: Step = { name: 'keeper', run: async (): Promise<StepOutcome> => 'continue' };
    const outcome = await runSteps(live, [noop], deps);
    // Returned while the first Event waits for its answer: the key is free (the status write and that
    // Event are counted so far; the rest count as they are sent).
    expect(sent.filter((s) => s.path.endsWith('/status'))).toHaveLength(1);
    expect(detached).toHaveLength(1);
    const events = () => sent.filter((s) => s.path.endsWith('/events'));
    expect(outcome.writes).toBe(2);
    // In order: the next Event is sent only once the one before was answered.
    expect(events()).toHaveLength(1);
    for (let answer = answers.shift(); answer; answer = answers.shift()) {
      answer();
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all(detached);
    expect(events().map((e) => e.reason)).toEqual([
      'WaitingForKeeper',
      'WaitingForClickHouse',
      'WaitingForSchema',
      'Reconciling',
    ]);
  });
});

describe('steps with nothing to wait for', () => {
  // A burst of new clusters sent their first writes together, each after all of their work: awaiting a
  // step that had finished let every other reconcile in flight run its next piece first.
  it('run up to the first write without yielding to other work in flight', async () => {
    const order: string[] = [];
    const rest = {
      request(_verb: Verb, path: string) {
        order.push(`write ${path}`);
        return Promise.resolve({});
      },
    } as unknown as KubeRest;
    const deps = { rest, log: createLogger('error', {}, () => undefined) } as unknown as Deps;
    const live: KubeObject = {
      apiVersion: 'tracker.dev/v1alpha1',
      kind: 'TrackerCluster',
      metadata: { name: 'demo', namespace: 'ns', uid: 'u1', generation: 1 },
    };
    const settled = (name: string): Step => ({ name, run: () => 'continue' });
    const writes: Step = {
      name: 'credentials',
      run: async (state, d): Promise<StepOutcome> => {
        await d.rest.request('create', '/api/v1/namespaces/ns/secrets', {});
        state.writes++;
        return 'continue';
      },
    };
    queueMicrotask(() => order.push('other work'));
    const done = runSteps(live, [settled('parse'), settled('paused'), writes], deps);
    order.push('runSteps returned');
    await done;
    expect(order.slice(0, 3)).toEqual([
      'write /api/v1/namespaces/ns/secrets',
      'runSteps returned',
      'other work',
    ]);
  });
});

describe('a step that fails', () => {
  // Regression: an ingest Deployment the apiserver refused left IngestReady at "Waiting for the schema"
  // (the schema was verified); only Ready said what failed.
  it('says so in the condition it decides, as Ready does', async () => {
    const rest = { request: () => Promise.resolve({}) } as unknown as KubeRest;
    const deps = { rest, log: createLogger('error', {}, () => undefined) } as unknown as Deps;
    const live: KubeObject = {
      apiVersion: 'tracker.dev/v1alpha1',
      kind: 'TrackerCluster',
      metadata: { name: 'demo', namespace: 'ns', uid: 'u1', generation: 1 },
    };
    const failing: Step = {
      name: 'ingest',
      condition: 'IngestReady',
      run: () => {
        throw new Error('apply Deployment demo-ingest: 422 invalid');
      },
    };
    const written: unknown[] = [];
    deps.rest.request = ((_verb: Verb, path: string, opts: RequestOptions = {}) => {
      if (path.endsWith('/status')) written.push(opts.body);
      return Promise.resolve({});
    }) as KubeRest['request'];
    await expect(runSteps(live, [failing], deps)).rejects.toThrow(/ingest: apply Deployment/);
    const conditions = (written[0] as { status: { conditions: { type: string }[] } }).status.conditions;
    const message = 'ingest: apply Deployment demo-ingest: 422 invalid';
    expect(conditions.find((c) => c.type === 'IngestReady')).toMatchObject({
      status: 'False',
      reason: 'ApplyFailed',
      message,
    });
    expect(conditions.find((c) => c.type === 'Ready')).toMatchObject({ reason: 'ApplyFailed', message });
  });
});
