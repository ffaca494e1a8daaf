// The ingest's image, `make run` and the operator's ingest pods start Node with the flags and malloc
// settings the bench measures.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderCluster } from '../cdk8s/index.ts';
import { cluster, find, json } from '../cdk8s/testing/cluster.ts';
import { clickhouseStoreNodeFlags, ingestEnv, ingestNodeFlags } from './node-flags.ts';

const root = join(import.meta.dirname, '..');
const dockerfile = () => readFileSync(join(root, 'Dockerfile.ingest'), 'utf8');
const makefile = () => readFileSync(join(root, 'Makefile'), 'utf8');

describe('ingestNodeFlags', () => {
  it("are the image's ENTRYPOINT flags", () => {
    const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(dockerfile())?.[1];
    expect(JSON.parse(entrypoint ?? '[]')).toEqual([
      '/usr/local/bin/node',
      ...ingestNodeFlags,
      '/app/ingest/server.js',
    ]);
  });

  it('are the flags `make run` starts the ingest with', () => {
    const flags = /^INGEST_NODE_FLAGS := (.*)$/m.exec(makefile())?.[1];
    expect(flags?.split(' ')).toEqual([...ingestNodeFlags]);
    expect(makefile()).toContain('node $(INGEST_NODE_FLAGS) ingest/server.ts');
  });
});

describe('clickhouseStoreNodeFlags', () => {
  it("are the flags the operator's ingest pods (on the clickhouse store) start the image's server with", () => {
    const deployment = find(renderCluster(cluster()).objects, 'Deployment', 'demo-ingest');
    const [container] = json(deployment).spec.template.spec.containers;
    expect(container.command).toEqual([
      '/usr/local/bin/node',
      ...clickhouseStoreNodeFlags,
      '/app/ingest/server.js',
    ]);
    expect(container.args).toBeUndefined();
  });
});

describe('ingestEnv', () => {
  it("is the image's ENV", () => {
    const env = Object.fromEntries(
      [...dockerfile().matchAll(/^ENV (\w+)=(\S+)$/gm)].map((m) => [m[1] as string, m[2] as string]),
    );
    for (const [name, value] of Object.entries(ingestEnv)) expect(env[name]).toBe(value);
  });

  it('is the environment `make run` starts the ingest with', () => {
    const tunables = /^INGEST_GLIBC_TUNABLES := (.*)$/m.exec(makefile())?.[1];
    expect(tunables).toBe(ingestEnv.GLIBC_TUNABLES);
    expect(Object.keys(ingestEnv)).toEqual(['GLIBC_TUNABLES']);
    expect(makefile()).toContain(
      'GLIBC_TUNABLES=$(INGEST_GLIBC_TUNABLES) node $(INGEST_NODE_FLAGS) ingest/server.ts',
    );
  });
});
