// The published bundles: both build, stay within the size budget a script tag can afford (gzipped, as
// served), and the ESM bundle and the declarations expose createTracker.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildClient } from './build.ts';

const BUDGET_GZIP_BYTES = 7 * 1024;

describe('client build', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'client-dist-'));
  const files = await buildClient(dir);

  it.each(files.map((f) => [f.file.split('/').pop(), f] as const))(
    '%s stays under the gzipped size budget',
    (_name, f) => {
      expect(f.gzipBytes).toBeLessThan(BUDGET_GZIP_BYTES);
    },
  );

  it('exports createTracker from the ES module and its declarations', () => {
    expect(readFileSync(join(dir, 'tracker.mjs'), 'utf8')).toMatch(/export\s*\{[^}]*as createTracker/);
    expect(readFileSync(join(dir, 'types', 'index.d.ts'), 'utf8')).toContain(
      "export { createTracker } from './tracker.js';",
    );
  });

  // The READMEs state the sizes: the client's said 5.8 KB for a 5.7 KiB module (kB there, KiB beside it).
  it('is as large as the READMEs say, gzipped, in KiB to one decimal', () => {
    const kib = (name: string) => {
      const f = files.find((x) => x.file.endsWith(`/${name}`));
      return `${((f?.gzipBytes ?? 0) / 1024).toFixed(1)} KiB`;
    };
    const readme = (path: string) =>
      readFileSync(new URL(path, import.meta.url), 'utf8').replace(/\s+/g, ' ');
    expect(readme('./README.md')).toContain(
      `**${kib('tracker.js')} gzipped** as a script tag, ${kib('tracker.mjs')} as an ES module`,
    );
    expect(readme('../README.md')).toContain(`(\`client/\`, ${kib('tracker.js')} gzipped)`);
  });

  it('makes the script tag build self-contained (no import or export statements)', () => {
    expect(readFileSync(join(dir, 'tracker.js'), 'utf8')).not.toMatch(/(^|[;}])\s*(import|export)\s*[{*]/);
  });
});
