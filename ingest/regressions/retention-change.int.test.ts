// A retention set or changed on a store that already has its tables (retention.defaultDays: 30 after a
// month with the default, which keeps for ever) used to change nothing: each table kept the TTL it was
// created with, and rows were kept for ever without a word. A start on the embedded engine now gives every
// table the configured TTL, once, and says so. The real data path on the real engine.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ttlDays } from '../../schema/index.ts';
import { parseConfig } from '../config.ts';
import { createDataPath } from '../datapath/datapath.ts';

const dir = mkdtempSync(join(tmpdir(), 'retention-change-'));

/** Starts and stops the data path with this retention; returns what it said and each table's TTL in days. */
async function start(retention: object) {
  const notices: string[] = [];
  const config = parseConfig({
    store: { kind: 'embedded', path: join(dir, 'chdb') },
    spool: { dir: join(dir, 'spool') },
    retention,
  });
  const dp = await createDataPath(config, { onNotice: (msg) => notices.push(msg) });
  const rows = await dp.store.query<{ name: string; engine_full: string }>(
    "SELECT name, engine_full FROM system.tables WHERE database = 'tracker' AND name IN ('events', 'logs', 'visitors')",
  );
  await dp.close(1000);
  const days = Object.fromEntries(rows.map((r) => [r.name, ttlDays(r.engine_full)]));
  return { retention: notices.filter((n) => n.startsWith('retention:')), days };
}

describe('a changed retention on an existing store', () => {
  it('becomes every table’s TTL at the next start, once, and back to for ever', async () => {
    expect(await start({})).toEqual({ retention: [], days: { events: 0, logs: 0, visitors: 0 } });

    const shortened = await start({ defaultDays: 30, tables: { logs: 7 } });
    expect(shortened.days).toEqual({ events: 30, logs: 7, visitors: 30 });
    expect(shortened.retention).toHaveLength(1);
    expect(shortened.retention[0]).toMatch(
      /^retention: .*\bevents\b.* keep rows 30 days \(were kept for ever\); logs keep rows 7 days \(were kept for ever\)$/,
    );

    expect(await start({ defaultDays: 30, tables: { logs: 7 } })).toEqual({
      retention: [],
      days: { events: 30, logs: 7, visitors: 30 },
    });

    const forever = await start({});
    expect(forever.days).toEqual({ events: 0, logs: 0, visitors: 0 });
    expect(forever.retention[0]).toMatch(
      /keep rows for ever \(were kept 30 days\); logs keep rows for ever \(were kept 7 days\)$/,
    );
  });
});
