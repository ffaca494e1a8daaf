// The one write path: every write counted (Events included), logged with its step as a field, a failure
// named "verb target: cause" and answered with a Warning Event; and the runner's StepError names the step.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../kube/object.ts';
import { ApiError, type KubeRest, type RequestOptions, type Verb } from '../../kube/rest.ts';
import { createLogger } from '../log.ts';
import { runSteps, StepError } from './runner.ts';
import type { Deps, ReconcileState, Step } from './state.ts';
import { recordEvent, write } from './write.ts';

type Sent = { verb: Verb; path: string; body: unknown };

/** TEST DOUBLE of the apiserver client: records every request; `fail` decides which ones throw. */
function recordingRest(fail: (s: Sent) => ApiError | undefined = () => undefined) {
  const sent: Sent[] = [];
  const rest = {
    async request(verb: Verb, path: string, opts: RequestOptions = {}) {
      const s = { verb, path, body: opts.body };
      sent.push(s);
      const err = fail(s);
      if (err) throw err;
      return {};
    },
  };
  return { sent, rest: rest as unknown as KubeRest };
}

function setup(fail?: (s: Sent) => ApiError | undefined) {
  const { sent, rest } = recordingRest(fail);
  const lines: Record<string, unknown>[] = [];
  const log = createLogger('debug', {}, (l) => lines.push(JSON.parse(l)));
  const deps = { rest, log } as unknown as Deps;
  const live: KubeObject = {
    apiVersion: 'tracker.dev/v1alpha1',
    kind: 'TrackerCluster',
    metadata: { name: 'demo', namespace: 'ns', uid: 'u1', generation: 1 },
  };
  const state = { live, conditions: new Map(), status: {}, step: 'ingest', writes: 0 } as ReconcileState;
  return { sent, lines, deps, state };
}

const apply = {
  verb: 'apply',
  path: '/apis/apps/v1/namespaces/ns/deployments/d',
  target: 'Deployment d',
} as const;
const events = (sent: Sent[]) => sent.filter((s) => s.path.endsWith('/events'));
const reason = (s: Sent | undefined) => (s?.body as { reason?: string; type?: string } | undefined)?.reason;

describe('the write path', () => {
  it('counts every write, Events included, and logs the step as a field', async () => {
    const { sent, lines, deps, state } = setup();
    expect(await write(state, deps, apply)).toBe(true);
    await recordEvent(state, deps, 'Normal', 'Pruned', 'Deleted Service/x: no longer rendered');
    expect(state.writes).toBe(2);
    expect(sent.map((s) => s.verb)).toEqual(['apply', 'create']);
    expect(lines.filter((l) => l.msg === 'Wrote').map((l) => [l.step, l.target])).toEqual([
      ['ingest', 'Deployment d'],
      ['ingest', 'Event Pruned'],
    ]);
  });

  it('records a Warning Event on the TrackerCluster and throws "verb target: cause" when a write fails', async () => {
    const { sent, lines, deps, state } = setup((s) =>
      s.verb === 'apply' ? new ApiError('apply', 500, '{"message":"boom"}') : undefined,
    );
    await expect(write(state, deps, apply)).rejects.toThrow('apply Deployment d: apply: 500 boom');
    const [warning] = events(sent);
    expect(warning?.body).toMatchObject({
      type: 'Warning',
      reason: 'WriteFailed',
      involvedObject: { kind: 'TrackerCluster', name: 'demo', uid: 'u1' },
    });
    expect(state.writes).toBe(2);
    expect(lines.find((l) => l.msg === 'Write failed')).toMatchObject({
      step: 'ingest',
      target: 'Deployment d',
    });
  });

  it('resolves false without a Warning when the answer is accepted as "nothing to do"', async () => {
    const { sent, deps, state } = setup(() => new ApiError('delete', 404, '{}'));
    const gone = {
      ...apply,
      verb: 'delete',
      accept: (e: unknown) => (e as ApiError).status === 404,
    } as const;
    expect(await write(state, deps, gone)).toBe(false);
    expect(events(sent)).toEqual([]);
  });

  it('throws on a conflict without a Warning (the runner requeues it shortly)', async () => {
    const { sent, deps, state } = setup((s) =>
      s.verb === 'apply' ? new ApiError('apply', 409, '{}') : undefined,
    );
    await expect(write(state, deps, apply)).rejects.toThrow('apply Deployment d');
    expect(events(sent)).toEqual([]);
  });

  it('logs a failed Event and never throws it', async () => {
    const { lines, deps, state } = setup(() => new ApiError('create', 403, '{"message":"forbidden"}'));
    await recordEvent(state, deps, 'Normal', 'Pruned', 'x');
    expect(lines.find((l) => l.msg === 'Write failed')).toMatchObject({ target: 'Event Pruned' });
  });
});

describe('runSteps', () => {
  it('fails with a StepError naming the step, after a Warning Event and the status write', async () => {
    const { sent, deps, state } = setup((s) =>
      s.verb === 'apply' ? new ApiError('apply', 422, '{"message":"invalid"}') : undefined,
    );
    const failing: Step = { name: 'keeper', run: (st, d) => write(st, d, apply).then(() => 'continue') };
    const err = await runSteps(state.live, [failing], deps).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StepError);
    expect((err as StepError).step).toBe('keeper');
    expect((err as Error).message).toBe('reconcile ns/demo: keeper: apply Deployment d: apply: 422 invalid');
    expect(reason(events(sent)[0])).toBe('WriteFailed');
    expect(sent.some((s) => s.path.endsWith('/trackerclusters/demo/status'))).toBe(true);
  });
});

describe('a write refused on every retry', () => {
  // Regression: each retry of the backoff, for as long as the apiserver refused the write, added a
  // Warning Event with the same message.
  it('is told by one Warning until it succeeds or fails otherwise', async () => {
    let answer: ApiError | undefined = new ApiError('apply', 422, '{"message":"invalid"}');
    const { sent, deps: base, state } = setup((s) => (s.verb === 'apply' ? answer : undefined));
    const deps = { ...base, toldFailures: new Map<string, string>() } as Deps;
    const retry = () => write(state, deps, apply).catch(() => false);
    await retry();
    await retry();
    await retry();
    expect(events(sent).map(reason)).toEqual(['WriteFailed']);
    answer = new ApiError('apply', 403, '{"message":"forbidden"}');
    await retry();
    expect(events(sent)).toHaveLength(2);
    answer = undefined;
    await retry();
    answer = new ApiError('apply', 403, '{"message":"forbidden"}');
    await retry();
    expect(events(sent)).toHaveLength(3);
    expect(sent.filter((s) => s.verb === 'apply')).toHaveLength(6);
  });
});
