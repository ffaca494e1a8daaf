import { Value } from 'typebox/value';
import { describe, expect, it } from 'vitest';
import { Spool } from '../../../common/config/datapath.ts';
import { openSpool } from './open.ts';

describe('openSpool', () => {
  it('names the missing section when spool.kind is nats without spool.nats', async () => {
    const config = Value.Default(Spool, { kind: 'nats' }) as Spool;
    await expect(openSpool(config, Date.now)).rejects.toThrow(
      /spool\.nats.*required when spool\.kind is nats/,
    );
  });

  it.each([
    [{ kind: 'nats', nats: { url: 'nats://n:4222', bogus: 1 } }, 'unknown key'],
    [{ kind: 'nats', nats: { url: 'http://n:4222' } }, 'not a nats:// url'],
    [{ kind: 'nats', nats: { url: 'nats://n:4222', replicas: 7 } }, 'too many replicas'],
    [{ kind: 'nats', nats: { url: 'nats://n:4222', stream: 'a.b' } }, 'a dot in the stream name'],
  ])('the schema rejects %j (%s)', (input: object, _why: string) => {
    expect(Value.Check(Spool, Value.Default(Spool, structuredClone(input)))).toBe(false);
  });

  it('fills the nats defaults', () => {
    expect(Value.Default(Spool, { kind: 'nats', nats: { url: 'nats://n:4222' } })).toMatchObject({
      nats: { stream: 'TRACKER_SPOOL', subjectPrefix: 'tracker.spool', replicas: 1, publishTimeoutMs: 5000 },
    });
  });
});
