// The operator image runs Node with the same flags the bench and the process tests measure.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { operatorNodeFlags } from './node-flags.ts';

describe('operatorNodeFlags', () => {
  it("are the image's ENTRYPOINT flags", () => {
    const dockerfile = readFileSync(join(import.meta.dirname, '..', 'Dockerfile.operator'), 'utf8');
    const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)?.[1];
    expect(JSON.parse(entrypoint ?? '[]')).toEqual([
      '/usr/local/bin/node',
      ...operatorNodeFlags,
      '/app/operator/main.js',
    ]);
  });
});
