// `node bench/run.ts --only <part>` names ingest or operator; a misspelt part ran the whole bench (both
// parts, minutes of load on a shared machine) instead of saying what was wrong.
import { spawnSync } from 'node:child_process';
import { expect, it } from 'vitest';

const RUN = new URL('./run.ts', import.meta.url).pathname;

it('refuses an --only that names no part, before any load, exit 2', { timeout: 60_000 }, () => {
  const res = spawnSync(process.execPath, [RUN, '--only', 'operater'], { encoding: 'utf8' });
  expect(res.status).toBe(2);
  expect(res.stdout).toBe('');
  expect(res.stderr.trim()).toBe(
    'bench: --only operater: name ingest or operator (usage: node bench/run.ts [--only ingest|operator])',
  );
});
