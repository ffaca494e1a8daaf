// The ingest's image and `make run` start Node with the same flags the bench measures.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ingestNodeFlags } from './node-flags.ts';

const root = join(import.meta.dirname, '..');

describe('ingestNodeFlags', () => {
  it("are the image's ENTRYPOINT flags", () => {
    const dockerfile = readFileSync(join(root, 'Dockerfile.ingest'), 'utf8');
    const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)?.[1];
    expect(JSON.parse(entrypoint ?? '[]')).toEqual([
      '/usr/local/bin/node',
      ...ingestNodeFlags,
      '/app/ingest/server.js',
    ]);
  });

  it('are the flags `make run` starts the ingest with', () => {
    const makefile = readFileSync(join(root, 'Makefile'), 'utf8');
    const flags = /^INGEST_NODE_FLAGS := (.*)$/m.exec(makefile)?.[1];
    expect(flags?.split(' ')).toEqual([...ingestNodeFlags]);
    expect(makefile).toContain('node $(INGEST_NODE_FLAGS) ingest/server.ts');
  });
});
