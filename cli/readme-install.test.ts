// The top-level README's Kubernetes install works as written: the images it builds and pushes are the ones
// the chart install and the examples it applies then run. It applied examples/minimal.yaml without an
// ingest image, so the ingest's pods waited for a default image the user had never pushed.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';

const root = join(import.meta.dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

/** The install section's commands, one per line (continuations joined). */
function installCommands(): string[] {
  const section = readme.slice(readme.indexOf('\n## Install on Kubernetes\n'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  return block
    .replaceAll('\\\n', ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

const commands = installCommands();
/** The tag `docker build -f <dockerfile> -t <tag>` gives. */
const built = (dockerfile: string) =>
  commands
    .map((c) => new RegExp(`^docker build -f ${dockerfile} -t (\\S+) `).exec(c)?.[1])
    .find((t) => t !== undefined);
const set = (key: string) =>
  commands
    .filter((c) => c.startsWith('helm install '))
    .map((c) => new RegExp(`--set ${key.replaceAll('.', '\\.')}=(\\S+)`).exec(c)?.[1])
    .find((v) => v !== undefined);

const examples = readdirSync(join(root, 'examples')).filter((f) => f.endsWith('.yaml'));

describe('README: Install on Kubernetes', () => {
  it('builds both images and pushes what it built', () => {
    const tags = [built('Dockerfile.operator'), built('Dockerfile.ingest')];
    expect(tags).not.toContain(undefined);
    const pushed = commands.filter((c) => c.startsWith('docker push ')).map((c) => c.split(/\s+/)[2]);
    expect(pushed.sort()).toEqual([...tags].sort());
  });

  it('installs the chart with the operator image it built', () => {
    expect(`${set('image.repository')}:${set('image.tag')}`).toBe(built('Dockerfile.operator'));
  });

  it.each(examples)('examples/%s runs the ingest image it built', (file) => {
    const tc = YAML.parse(readFileSync(join(root, 'examples', file), 'utf8')) as {
      spec: { ingest: { image?: string } };
    };
    expect(tc.spec.ingest.image).toBeDefined();
    expect(tc.spec.ingest.image).toBe(built('Dockerfile.ingest'));
  });
});
