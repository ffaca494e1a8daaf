// The reaction clock of a reconcile starts at the oldest event that is news; echoes of the operator's own
// writes count only when nothing else came, even when the answer to the write came after its echo.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../kube/object.ts';
import { Echoes } from '../reconcile/echoes.ts';
import { ReactionClocks } from './reaction-clock.ts';

const cm = (rv: string, name = 'demo-ingest'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'ns', resourceVersion: rv },
});

describe('the reaction clock', () => {
  it('starts at the oldest event that is news, the echo answered after it arrived set aside', () => {
    const echoes = new Echoes(['ConfigMap']);
    const clocks = new ReactionClocks(echoes);
    clocks.event('ns/demo', cm('5'));
    const before = performance.now();
    clocks.event('ns/demo', cm('6', 'other'));
    // The answer to the write that stored version 5 comes after its echo.
    echoes.written(cm('5'));
    const at = clocks.start('ns/demo');
    expect(at).toBeGreaterThanOrEqual(before);
    expect(clocks.start('ns/demo')).toBeUndefined();
  });

  it('starts at the oldest echo when nothing else came, and at once for an internal event', () => {
    const echoes = new Echoes(['ConfigMap']);
    const clocks = new ReactionClocks(echoes);
    clocks.event('ns/demo', cm('5', 'a'));
    const between = performance.now();
    clocks.event('ns/demo', cm('6', 'b'));
    echoes.written(cm('5', 'a'));
    echoes.written(cm('6', 'b'));
    expect(clocks.start('ns/demo')).toBeLessThanOrEqual(between);
    const internal = performance.now();
    clocks.event('ns/demo');
    expect(clocks.start('ns/demo')).toBeGreaterThanOrEqual(internal);
  });
});

describe('a look at the clock', () => {
  it('leaves the events to the next reconcile', () => {
    const clocks = new ReactionClocks(new Echoes([]));
    expect(clocks.peek('ns/demo')).toBeUndefined();
    clocks.event('ns/demo');
    const at = clocks.peek('ns/demo');
    expect(at).toBeDefined();
    expect(clocks.start('ns/demo')).toBe(at);
    expect(clocks.peek('ns/demo')).toBeUndefined();
  });
});
