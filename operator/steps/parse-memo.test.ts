// The parse memo: the same answer as parseCluster every time, parsing again only when an input changed.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import * as cdk8s from '../../cdk8s/index.ts';
import { ConfigError } from '../../common/config/problems.ts';
import type { KubeObject } from '../../kube/object.ts';
import { ParseMemo } from './parse-memo.ts';

vi.mock('../../cdk8s/index.ts', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../cdk8s/index.ts')>();
  return { ...original, parseCluster: vi.fn(original.parseCluster) };
});
const parses = vi.mocked(cdk8s.parseCluster);

const live = (spec: unknown, meta: Record<string, unknown> = {}, status?: unknown): KubeObject =>
  ({
    apiVersion: 'tracker.dev/v1alpha1',
    kind: 'TrackerCluster',
    metadata: { name: 'demo', namespace: 'ns', uid: 'u-1', resourceVersion: '1', ...meta },
    spec,
    ...(status ? { status } : {}),
  }) as KubeObject;

const spec = { clickhouse: { shards: 1, replicas: 2 } };

describe('ParseMemo', () => {
  beforeEach(() => {
    parses.mockClear();
  });

  it('parses an unchanged spec once and hands each call an equal, independent copy', () => {
    const memo = new ParseMemo();
    const first = memo.parse(live(spec));
    const second = memo.parse(live(spec));
    expect(parses).toHaveBeenCalledTimes(1);
    expect(second).toEqual(first);
    expect(second.spec).not.toBe(first.spec);
    first.spec.clickhouse.replicas = 9;
    first.spec.keeper.resources.requests = { cpu: '9' };
    expect(memo.parse(live(spec))).toEqual(cdk8s.parseCluster(live(spec)));
  });

  it('takes metadata and status from the object at hand on a hit', () => {
    const memo = new ParseMemo();
    memo.parse(live(spec));
    const later = memo.parse(live(spec, { resourceVersion: '7', labels: { a: 'b' } }, { phase: 'x' }));
    expect(parses).toHaveBeenCalledTimes(1);
    expect(later.metadata).toMatchObject({ resourceVersion: '7', labels: { a: 'b' } });
    expect(later.status).toEqual({ phase: 'x' });
    expect(memo.parse(live(spec)).status).toBeUndefined();
  });

  it('parses again when the spec changes', () => {
    const memo = new ParseMemo();
    memo.parse(live(spec));
    const scaled = memo.parse(live({ clickhouse: { shards: 2, replicas: 2 } }));
    expect(parses).toHaveBeenCalledTimes(2);
    expect(scaled.spec.clickhouse.shards).toBe(2);
    expect(memo.size).toBe(1);
  });

  it('never keeps an invalid spec: it throws on every call, and the valid entry before it is gone', () => {
    const memo = new ParseMemo();
    memo.parse(live(spec));
    const invalid = live({ keeper: { replicas: 2 } });
    expect(() => memo.parse(invalid)).toThrow(ConfigError);
    expect(() => memo.parse(invalid)).toThrow(ConfigError);
    expect(parses).toHaveBeenCalledTimes(3);
    expect(memo.size).toBe(0);
  });

  it('forgets a deleted cluster', () => {
    const memo = new ParseMemo();
    memo.parse(live(spec));
    memo.parse(live(spec, { name: 'other' }));
    memo.forget('ns', 'demo');
    expect(memo.size).toBe(1);
    memo.parse(live(spec));
    expect(parses).toHaveBeenCalledTimes(3);
  });

  it('keeps at most `max` entries, dropping the least recently used', () => {
    const memo = new ParseMemo(2);
    memo.parse(live(spec, { name: 'a' }));
    memo.parse(live(spec, { name: 'b' }));
    memo.parse(live(spec, { name: 'a' }));
    memo.parse(live(spec, { name: 'c' }));
    expect(memo.size).toBe(2);
    parses.mockClear();
    memo.parse(live(spec, { name: 'a' }));
    expect(parses).not.toHaveBeenCalled();
    memo.parse(live(spec, { name: 'b' }));
    expect(parses).toHaveBeenCalledTimes(1);
  });
});
