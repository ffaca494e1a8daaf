// The checksum of the Secret values pods read at start: changes with any of them, never shows them, and a
// Secret that cannot be read keeps the checksum the live workload carries.
import { describe, expect, it } from 'vitest';
import { annotations } from '../../cdk8s/index.ts';
import { cluster } from '../../cdk8s/testing/cluster.ts';
import type { KubeObject } from '../../kube/object.ts';
import type { Deps } from '../reconcile/state.ts';
import {
  checksumOf,
  checksumSecrets,
  checksumsOf,
  readSecrets,
  type SecretData,
} from './secret-checksums.ts';

const refs = [
  { name: 'pw', key: 'password' },
  { name: 'demo-hash-key', key: 'hash-key' },
];
const data = (password: string, hashKey = 'aGs='): SecretData =>
  new Map<string, Record<string, string> | undefined>([
    ['pw', { password }],
    ['demo-hash-key', { 'hash-key': hashKey }],
  ]);
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('checksumOf', () => {
  it('is stable, and changes with any value, the Secret it is read from and the key', () => {
    const sum = checksumOf(refs, data(b64('one')), 'k');
    expect(sum).toMatch(/^[0-9a-f]{32}$/);
    expect(checksumOf(refs, data(b64('one')), 'k')).toBe(sum);
    expect(checksumOf(refs, data(b64('two')), 'k')).not.toBe(sum);
    expect(checksumOf(refs, data(b64('one'), 'b3RoZXI='), 'k')).not.toBe(sum);
    const moved = new Map([...data(b64('one')), ['other', { password: b64('one') }] as const]);
    expect(checksumOf([{ name: 'other', key: 'password' }, refs[1]!], moved, 'k')).not.toBe(sum);
    expect(checksumOf(refs, data(b64('one')), 'another key')).not.toBe(sum);
  });

  it('contains neither the value nor its base64', () => {
    const sum = checksumOf(refs, data(b64('hunter2')), 'k') ?? '';
    expect(sum).not.toContain('hunter2');
    expect(sum).not.toContain(b64('hunter2'));
  });

  it('is undefined when a Secret, a value or the key is missing', () => {
    expect(checksumOf(refs, new Map([['pw', { password: 'x' }]]), 'k')).toBeUndefined();
    expect(checksumOf(refs, new Map([...data('x'), ['pw', {}]]), 'k')).toBeUndefined();
    expect(checksumOf(refs, new Map([...data('x'), ['pw', undefined]]), 'k')).toBeUndefined();
    expect(checksumOf(refs, data('x'), undefined)).toBeUndefined();
  });
});

const tc = () => {
  const c = cluster({ clickhouse: { passwordSecretRef: { name: 'pw', key: 'password' } } });
  return { ...c, metadata: { ...c.metadata, uid: 'u-1' } };
};
const workload = (name: string, checksum: string): KubeObject =>
  ({
    metadata: { name },
    spec: { template: { metadata: { annotations: { [annotations.secretChecksum]: checksum } } } },
  }) as unknown as KubeObject;

/** A fake of the cache and REST client: only the lookups these functions make. */
function deps(cached: Record<string, KubeObject>, rest: Record<string, KubeObject> = {}) {
  const gets: string[] = [];
  const d = {
    cache: {
      get: (_k: unknown, _ns: string, name: string) => cached[name],
      owned: () => Object.values(cached).filter((o) => o.metadata.name.startsWith('demo-ch-')),
    },
    rest: {
      getOrUndefined: async (path: string) => {
        gets.push(path);
        return rest[path.split('/').at(-1) ?? ''];
      },
    },
  } as unknown as Deps;
  return { d, gets };
}
const secret = (name: string, values: Record<string, string>) =>
  ({ metadata: { name }, data: values }) as unknown as KubeObject;

describe('checksumsOf and readSecrets', () => {
  it('needs the credentials (the HMAC key), the password Secret and the hash key, each once', () => {
    expect(checksumSecrets(tc())).toEqual(['demo-credentials', 'pw', 'demo-hash-key']);
    expect(checksumSecrets(cluster({}))).toEqual(['demo-credentials', 'demo-hash-key']);
  });

  it('reads cached Secrets without a request and GETs each other one once', async () => {
    const cached = {
      'demo-credentials': secret('demo-credentials', { 'interserver-secret': 'aXM=' }),
      'demo-hash-key': secret('demo-hash-key', { 'hash-key': 'aGs=' }),
    };
    const { d, gets } = deps(cached, { pw: secret('pw', { password: 'cHc=' }) });
    const got = await readSecrets(checksumSecrets(tc()), 'ns', d);
    expect(gets).toEqual(['/api/v1/namespaces/ns/secrets/pw']);
    const sums = checksumsOf(tc(), got, d);
    expect(sums.clickhouse).toMatch(/^[0-9a-f]{32}$/);
    expect(sums.ingest).toMatch(/^[0-9a-f]{32}$/);
    expect(sums.ingest).not.toBe(sums.clickhouse);
    const all = deps({ ...cached, pw: secret('pw', { password: 'cHc=' }) });
    expect(readSecrets(checksumSecrets(tc()), 'ns', all.d)).toBeInstanceOf(Map);
  });

  it('keeps the live checksums when the password Secret is gone (a deletion restarts nothing)', async () => {
    const cached = {
      'demo-credentials': secret('demo-credentials', { 'interserver-secret': 'aXM=' }),
      'demo-hash-key': secret('demo-hash-key', { 'hash-key': 'aGs=' }),
      'demo-ch-0-0': workload('demo-ch-0-0', 'live-ch'),
      'demo-ingest': workload('demo-ingest', 'live-ingest'),
    };
    const { d } = deps(cached);
    const got = await readSecrets(checksumSecrets(tc()), 'ns', d);
    expect(checksumsOf(tc(), got, d)).toEqual({ clickhouse: 'live-ch', ingest: 'live-ingest' });
  });
});
