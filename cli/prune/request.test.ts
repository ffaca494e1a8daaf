import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../common/config/problems.ts';
import { pruneRequest, readIds } from './request.ts';

const retention = { defaultDays: 90, tables: { logs: 30 } };
const now = new Date('2026-03-10T12:00:00Z');
const file = (text: string) => {
  const path = join(mkdtempSync(join(tmpdir(), 'prune-ids-')), 'ids.txt');
  writeFileSync(path, text);
  return path;
};
const vid = '1d2c3b4a-0000-4000-8000-000000000001';

describe('pruneRequest', () => {
  it('defaults: a dry run deleting by the configured retention', () => {
    expect(pruneRequest({}, retention, now)).toEqual({
      mode: 'delete',
      apply: false,
      retention: { defaultDays: 90, tables: { logs: 30 } },
      batchSize: 1000,
      now,
    });
  });

  it('--days and --table override the configured retention for this run', () => {
    const r = pruneRequest({ days: '10', table: ['logs=0', 'events=400'], apply: true }, retention, now);
    expect(r.retention).toEqual({ defaultDays: 10, tables: { logs: 0, events: 400 } });
    expect(r.apply).toBe(true);
  });

  // Regression: `--table evnets=7` was accepted and ignored; the run pruned events by the default age.
  it('refuses a --table that names no table with an age', () => {
    expect(() => pruneRequest({ table: ['evnets=7'] }, retention, now)).toThrow(
      /--table: "evnets" is not a table with an age \(one of .*events.*\)/,
    );
    expect(() => pruneRequest({ table: ['consent=7'] }, retention, now)).toThrow(/"consent" is not a table/);
  });

  it('reads visitor lists: one UUID per line, comments and blank lines skipped, duplicates once', () => {
    const path = file(`# erase requests\n${vid}\n\n${vid.toUpperCase()}  # again\n`);
    expect(pruneRequest({ visitors: path }, retention, now).visitors).toEqual({ vids: [vid], uids: [] });
  });

  it('reports every problem at once', () => {
    const flags = {
      mode: 'shred',
      days: 'ten',
      table: ['logs'],
      batchSize: '0',
      visitors: file('not-a-uuid\n'),
    };
    let err: unknown;
    try {
      pruneRequest(flags, retention, now);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toEqual([
      '--mode: "shred" is not delete or anonymise',
      '--batch-size: "0" is not 1 to 100000',
      `--visitors: ${flags.visitors} line 1: "not-a-uuid" is not a UUID`,
      '--days/--table: not with --visitors/--users (a visitor list prunes rows of any age)',
      '--table: "logs" is not <table>=<days>',
      '--days: "ten" is not a whole number of days',
    ]);
  });

  it('refuses an empty visitor list rather than pruning nothing silently', () => {
    expect(() => pruneRequest({ users: file('# none\n') }, retention, now)).toThrow(/hold no id/);
  });

  it('names a file it cannot read', () => {
    const problems: string[] = [];
    expect(readIds('/nonexistent/ids.txt', '--users', problems)).toEqual([]);
    expect(problems[0]).toMatch(/^--users: cannot read \/nonexistent\/ids.txt/);
  });
});
