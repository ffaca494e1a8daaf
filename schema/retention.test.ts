import { describe, expect, it } from 'vitest';
import { agedTables, retentionProblems, specRetentionProblems } from './retention.ts';

describe('retention table names', () => {
  it('are the tables with an age column', () => {
    // ltv too: a person's payment lines (it had no age, so a retention naming it was refused)
    expect(agedTables()).toEqual(expect.arrayContaining(['events', 'logs', 'reqs', 'hits', 'ltv']));
    expect(agedTables()).not.toContain('consent');
    expect(agedTables()).not.toContain('accounts');
  });

  // Regression: a misspelt table (or one kept until erased) in retention.tables was silently ignored.
  it.each([['evnets'], ['accounts']])('refuses %s', (name) => {
    expect(retentionProblems({ tables: { logs: 30, [name]: 7 } }, 'retention')).toEqual([
      expect.stringMatching(
        new RegExp(`^retention\\.tables\\.${name}: no table with an age \\(one of .*events`),
      ),
    ]);
  });

  it('checks a spec’s own retention and its prune job’s', () => {
    const problems = specRetentionProblems({
      retention: { tables: { logs: 30 } },
      prune: { retention: { tables: { lgos: 7 } } },
    });
    expect(problems).toEqual([expect.stringMatching(/^spec\.schema\.prune\.retention\.tables\.lgos: /)]);
    expect(specRetentionProblems({})).toEqual([]);
  });
});
