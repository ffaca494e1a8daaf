import { describe, expect, it } from 'vitest';
import { classify, MIGRATE_EXIT } from './errors.ts';

const where = { url: 'http://ch.example:8123', username: 'tracker', database: 'tracker' };
const fromServer = (code: number, text: string) => Object.assign(new Error(text), { code: String(code) });
/** How applyMigrations wraps what a statement of a migration threw. */
const inMigration = (cause: unknown) =>
  new Error(`apply migration 0003_x: ${(cause as Error).message}`, { cause });

describe('what tracker migrate says about a store it cannot migrate', () => {
  it.each([
    [
      'no answer',
      Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:8123'), { code: 'ECONNREFUSED' }),
      'MIGRATE_STORE_UNREACHABLE',
      MIGRATE_EXIT.unreachable,
    ],
    [
      'a wrong password',
      fromServer(516, 'tracker: Authentication failed'),
      'MIGRATE_CREDENTIALS_REFUSED',
      MIGRATE_EXIT.refused,
    ],
    [
      'a missing grant, inside a migration',
      inMigration(fromServer(497, 'Not enough privileges')),
      'MIGRATE_ACCESS_DENIED',
      MIGRATE_EXIT.refused,
    ],
    [
      'an unknown database',
      fromServer(81, 'Database tracker does not exist'),
      'MIGRATE_UNKNOWN_DATABASE',
      MIGRATE_EXIT.database,
    ],
  ])('%s', (_what, err, code, exit) => {
    const said = classify(err, where);
    expect(said).toMatchObject({ code, exitCode: exit });
    expect(said?.message).toMatch(new RegExp(`^${code}: ClickHouse at http://ch\\.example:8123`));
  });

  // A statement ClickHouse refused inside a migration is that statement's failure (exit 1, the migration
  // named), not a server that did not answer.
  it('leaves a failed statement as it is', () => {
    expect(classify(inMigration(fromServer(62, 'Syntax error')), where)).toBeUndefined();
    expect(classify(new Error('apply migration 0003_x: its checksum differs'), where)).toBeUndefined();
  });
});
