// The chart's README upgrades keep what the install set. `helm upgrade … --set monitoring…=true`, as it
// was written, started from the chart's defaults: the operator's image.repository went back to the
// default and its pods asked for an image the user had never pushed (seen on a real apiserver with
// Helm 3.22). Helm keeps the release's values only when told to.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

/** Every `helm upgrade` command of the documents that describe installing (continuations joined). */
function upgrades(): string[] {
  return ['README.md', 'charts/README.md'].flatMap((doc) =>
    [...readFileSync(join(root, doc), 'utf8').matchAll(/```sh\n([\s\S]*?)```/g)]
      .flatMap((m) => (m[1] ?? '').replaceAll('\\\n', ' ').split('\n'))
      .map((l) => l.trim())
      .filter((l) => l.startsWith('helm upgrade ')),
  );
}

it('every documented helm upgrade keeps the values of the install', () => {
  const found = upgrades();
  expect(found.length).toBeGreaterThanOrEqual(2);
  expect(found.filter((c) => !/ --(reset-then-)?reuse-values\b/.test(c))).toEqual([]);
});
