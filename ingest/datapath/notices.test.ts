// What a start says it did to the schema: an upgrade used to apply its migrations without a word.
import { describe, expect, it } from 'vitest';
import { migrationNotice } from './notices.ts';

describe('migrationNotice', () => {
  it('says a new store was created, at which version', () => {
    expect(migrationNotice({ applied: [1, 2, 3], skipped: [], version: 3 })).toBe(
      'schema: created at version 3',
    );
  });

  it('says an existing store was upgraded, from which version to which, by which migrations', () => {
    expect(migrationNotice({ applied: [13, 14], skipped: [1, 2, 12], version: 14 })).toBe(
      'schema: upgraded from version 12 to 14 (migrations 13, 14)',
    );
    expect(migrationNotice({ applied: [14], skipped: [13], version: 14 })).toBe(
      'schema: upgraded from version 13 to 14 (migration 14)',
    );
  });

  it('says nothing when every migration was applied already', () => {
    expect(migrationNotice({ applied: [], skipped: [1, 2], version: 2 })).toBeUndefined();
  });
});
