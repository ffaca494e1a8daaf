// The documents name the tests that hold what they describe (`tracking-routes.test.ts` "/tr is a client
// event", …): every test file they name exists, and every test they quote by name is in that file.
// docs/go-tracker.md once pointed at a routes test "short-link admin input" that no file held, so a reader
// looking for the test found nothing.
import { readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repositoryRoot, sourceFiles } from './architecture/graph.ts';

const skipped = new Set(['node_modules', 'coverage', 'dist', 'data', 'test-results']);

function markdownFiles(dir = ''): string[] {
  return readdirSync(join(repositoryRoot, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = dir === '' ? entry.name : `${dir}/${entry.name}`;
    if (entry.name.startsWith('.') || skipped.has(entry.name)) return [];
    if (entry.isDirectory()) return markdownFiles(path);
    return entry.name.endsWith('.md') ? [path] : [];
  });
}

/** A test file named in backticks, then the test names quoted after it ("a", "b"). */
const REFERENCE = /`([\w./-]+\.test\.ts)`((?:,?\s*"[^"\n]+")*)/g;

interface Reference {
  readonly doc: string;
  readonly file: string;
  readonly names: readonly string[];
}

function references(doc: string, text: string): Reference[] {
  return [...text.matchAll(REFERENCE)].map((m) => ({
    doc,
    file: m[1] ?? '',
    names: [...(m[2] ?? '').matchAll(/"([^"]+)"/g)].map((n) => n[1] ?? ''),
  }));
}

const tests = sourceFiles().filter((f) => f.endsWith('.test.ts'));

/** The test files a reference may mean: by its path (from the root or the document), or by its name. */
const candidates = ({ doc, file }: Reference) => {
  const fromDoc = posix.normalize(posix.join(posix.dirname(doc), file));
  return tests.filter((t) => t === file || t === fromDoc || t.endsWith(`/${file}`));
};

/**
 * Whether a file holds a quoted test name: the name as written, or for a parameterised title
 * (`'%s %s → 404'`) or an elided one ("… → 404"), each literal part of it.
 */
const holds = (source: string, name: string) =>
  name
    .split(/…|%[sdij]/)
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .every((part) => source.includes(part));

const all = markdownFiles().flatMap((doc) =>
  references(doc, readFileSync(join(repositoryRoot, doc), 'utf8')),
);

describe('test names in the documents', () => {
  it('finds references to check', () => expect(all.length).toBeGreaterThan(50));

  it('every named test file exists', () => {
    const missing = all.filter((r) => candidates(r).length === 0).map((r) => `${r.doc}: ${r.file}`);
    expect(missing).toEqual([]);
  });

  it('every quoted test name is in the file named before it', () => {
    const missing = all.flatMap((r) => {
      const sources = candidates(r).map((f) => readFileSync(join(repositoryRoot, f), 'utf8'));
      return r.names
        .filter((name) => !sources.some((s) => holds(s, name)))
        .map((name) => `${r.doc}: ${r.file} "${name}"`);
    });
    expect(missing).toEqual([]);
  });

  it('reads a reference with several names and an elided one', () => {
    expect(references('x.md', '`a/b.test.ts` "one", "two … three"; `c.test.ts`')).toEqual([
      { doc: 'x.md', file: 'a/b.test.ts', names: ['one', 'two … three'] },
      { doc: 'x.md', file: 'c.test.ts', names: [] },
    ]);
    expect(holds("it.each(x)('%s %s → 404 JSON', …)", '… → 404 JSON')).toBe(true);
  });
});
