import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { json } from '../cdk8s/testing/cluster.ts';
import type { ConfigError } from '../common/config/problems.ts';
import { parseConfig } from '../ingest/config.ts';
import { program } from './program.ts';
import { render, renderText } from './render.ts';

const example = (name: string) => readFileSync(`examples/${name}.yaml`, 'utf8');
const examples = readdirSync('examples')
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => f.slice(0, -'.yaml'.length));
const docs = (text: string) =>
  parseAllDocuments(text).map(
    (d) => d.toJS() as { kind: string; metadata: { name: string; namespace?: string } },
  );

describe('tracker render', () => {
  it.each([
    ['minimal', 'minimal', 2],
    ['production', 'analytics', 6],
  ])('renders examples/%s.yaml as multi-document YAML', (file, name, statefulSets) => {
    const objects = docs(renderText(example(file)).text);
    expect(objects.filter((o) => o.kind === 'StatefulSet')).toHaveLength(statefulSets);
    expect(objects.find((o) => o.kind === 'Deployment')?.metadata.name).toBe(`${name}-ingest`);
    for (const o of objects) expect(o.metadata.namespace).toBe('default');
  });

  it('production example: autoscaled ingest without replicas, TLS, NATS, 2x2 + 3 Keepers', () => {
    const objects = docs(renderText(example('production')).text);
    const deployment = objects.find((o) => o.kind === 'Deployment') as unknown as {
      spec: Record<string, unknown>;
    };
    expect(deployment.spec.replicas).toBeUndefined();
    expect(objects.some((o) => o.kind === 'HorizontalPodAutoscaler')).toBe(true);
    const names = objects.filter((o) => o.kind === 'StatefulSet').map((o) => o.metadata.name);
    expect(names.sort()).toEqual([
      'analytics-ch-0-0',
      'analytics-ch-0-1',
      'analytics-ch-1-0',
      'analytics-ch-1-1',
      'analytics-keeper',
      'analytics-nats',
    ]);
  });

  // Regression: examples/production.yaml rendered a JetStream spool without a server, and its ingest
  // pods could not start. Every example's ConfigMap must be one the ingest starts with (files are
  // mounted only in the pod, so they are not checked here).
  it.each(examples)('examples/%s.yaml: the ingest starts with the rendered configuration', (file) => {
    const list = JSON.parse(renderText(example(file), { output: 'json' }).text) as {
      items: { kind: string; metadata: { name: string }; data?: Record<string, string> }[];
    };
    const map = list.items.find((o) => o.kind === 'ConfigMap' && o.metadata.name.endsWith('-ingest'));
    const raw = JSON.parse(map?.data?.['config.json'] ?? 'null');
    expect(() => parseConfig(raw, `examples/${file}.yaml`, [], { files: [] })).not.toThrow();
  });

  // Regression: examples/production.yaml ran 3-20 ingest pods with per-pod daily salts, so a cookieless
  // visitor had a different id on each pod and was counted once per pod.
  it.each(examples)('examples/%s.yaml: several ingest pods share one daily salt', (file) => {
    const list = JSON.parse(renderText(example(file), { output: 'json' }).text) as {
      items: {
        kind: string;
        metadata: { name: string };
        spec?: { replicas?: number };
        data?: Record<string, string>;
      }[];
    };
    const ingest = (kind: string) =>
      list.items.find((o) => o.kind === kind && o.metadata.name.endsWith('-ingest'));
    const pods = ingest('HorizontalPodAutoscaler')
      ? Number.POSITIVE_INFINITY
      : (ingest('Deployment')?.spec?.replicas ?? 0);
    const config = JSON.parse(ingest('ConfigMap')?.data?.['config.json'] ?? '{}');
    if (pods > 1) expect(config.privacy.salts).toBe('nats');
  });

  it('--namespace overrides metadata.namespace; --with-crd prints the CRD first', () => {
    const objects = docs(renderText(example('minimal'), { namespace: 'prod', withCrd: true }).text);
    expect(objects[0]?.kind).toBe('CustomResourceDefinition');
    for (const o of objects.slice(1)) expect(o.metadata.namespace).toBe('prod');
  });

  it('--with-schema-job adds the Job that runs tracker migrate, after the objects of its cluster', () => {
    const without = docs(renderText(example('minimal')).text);
    expect(without.some((o) => o.kind === 'Job')).toBe(false);
    const objects = docs(renderText(example('minimal'), { withSchemaJob: true }).text);
    expect(objects).toHaveLength(without.length + 1);
    const job = json(objects.at(-1));
    expect(job.kind).toBe('Job');
    expect(job.metadata.name).toMatch(/^minimal-schema-[0-9a-f]{10}$/);
    expect(job.spec.template.spec.containers[0].args.slice(0, 1)).toEqual(['migrate']);
  });

  it('-o json prints a v1 List', () => {
    const list = JSON.parse(renderText(example('minimal'), { output: 'json' }).text);
    expect(list.kind).toBe('List');
    expect(list.items.length).toBeGreaterThan(10);
  });

  it.each([
    [
      'no TrackerCluster',
      'kind: ConfigMap\napiVersion: v1\n',
      /^no TrackerCluster in the input \(1 other document\)$/,
    ],
    ['broken YAML', 'kind: [', /cannot parse YAML/],
    [
      'an invalid spec, with the rule message',
      'apiVersion: tracker.dev/v1alpha1\nkind: TrackerCluster\nmetadata: {name: x}\nspec: {keeper: {replicas: 4}}\n',
      /keeper.replicas must be 1, 3 or 5/,
    ],
    [
      'retention for a table without an age (the CRD cannot know the tables)',
      'apiVersion: tracker.dev/v1alpha1\nkind: TrackerCluster\nmetadata: {name: x}\nspec: {schema: {retention: {tables: {evnets: 3}}}}\n',
      /spec\.schema\.retention\.tables\.evnets: no table with an age/,
    ],
  ])('fails on %s', (_name, text, message) => {
    expect(() => renderText(text)).toThrow(message);
  });

  // Regression: the message was errno's own ("ENOENT: no such file or directory, open 'x'").
  it.each([
    ['/nonexistent/cluster.yaml', /^-f \/nonexistent\/cluster\.yaml: cannot read: no such file$/],
    ['examples', /^-f examples: cannot read: a directory, not a file$/],
  ])('names the file it cannot read: %s', (file, message) => {
    expect(() => render({ file })).toThrow(message);
  });
});

const tcDoc = (name: string, spec: string) =>
  `apiVersion: tracker.dev/v1alpha1\nkind: TrackerCluster\nmetadata: {name: ${name}}\nspec: ${spec}\n`;

// Regression: a file of several clusters stopped at the first invalid one (fix it, run again, meet the
// next), and documents of other kinds were dropped without a word, though every problem is to be listed.
describe('tracker render: every document accounted for', () => {
  it('lists every problem of every invalid cluster, each naming its document', () => {
    const text = [
      tcDoc('a', '{keeper: {replicas: 4}}'),
      'apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n',
      tcDoc('b', '{}'),
      tcDoc('c', '{nats: {replicas: 2}, schema: {retention: {tables: {evnets: 3}}}}'),
    ].join('---\n');
    let problems: readonly string[] = [];
    try {
      renderText(text);
    } catch (err) {
      problems = (err as ConfigError).problems;
      expect((err as Error).message).toMatch(/^invalid TrackerCluster input:/);
    }
    expect(problems).toEqual([
      expect.stringMatching(/^document 1 \(TrackerCluster a\): spec\.keeper\.replicas: /),
      expect.stringMatching(/^document 4 \(TrackerCluster c\): spec\.nats\.replicas: /),
    ]);
  });

  it('lists the retention problems of a cluster that passed the CRD checks, after the others', () => {
    const text = [
      tcDoc('a', '{keeper: {replicas: 2}}'),
      tcDoc('c', '{schema: {retention: {tables: {evnets: 3}}}}'),
    ];
    expect(() => renderText(text.join('---\n'))).toThrow(
      /document 1 \(TrackerCluster a\): spec\.keeper\.replicas: [^\n]*\n {2}- document 2 \(TrackerCluster c\): spec\.schema\.retention\.tables\.evnets: no table with an age/,
    );
  });

  it('says which documents it skipped; empty documents are not counted', () => {
    const text = [
      '',
      tcDoc('a', '{}'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\n',
      'just: data\n',
      '',
    ];
    const { text: out, skipped } = renderText(text.join('---\n'));
    expect(skipped).toEqual([
      'skipped document 2 (ConfigMap settings): not a TrackerCluster',
      'skipped document 3 (no kind): not a TrackerCluster',
    ]);
    expect(docs(out).every((o) => o.metadata.name.startsWith('a-'))).toBe(true);
  });

  it('prints the skipped documents on stderr, the manifests alone on stdout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'render-skip-'));
    const file = join(dir, 'all.yaml');
    writeFileSync(
      file,
      [tcDoc('a', '{}'), 'apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n'].join('---\n'),
    );
    const out: string[] = [];
    const err: string[] = [];
    await program({ out: (t) => out.push(t), err: (t) => err.push(t), exit: () => {} }).parseAsync([
      'node',
      'tracker',
      'render',
      '-f',
      file,
    ]);
    expect(err).toEqual(['tracker render: skipped document 2 (Secret s): not a TrackerCluster\n']);
    expect(docs(out.join('')).some((o) => o.kind === 'Secret')).toBe(false);
  });
});

describe('tracker render: the installation it renders for', () => {
  const renderArgs = async (args: string[]) => {
    const out: string[] = [];
    await program({ out: (t) => out.push(t), err: () => {}, exit: () => {} }).parseAsync([
      'node',
      'tracker',
      'render',
      '-f',
      'examples/minimal.yaml',
      ...args,
    ]);
    return docs(out.join('')).map(json);
  };

  it('admits to the ingest metrics only where Prometheus runs: the monitoring namespace, or the labels given', async () => {
    const policy = async (args: string[]) =>
      (await renderArgs(args)).find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'minimal-ingest')
        ?.spec.ingress[1];
    expect(await policy([])).toEqual({
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
      ports: [{ protocol: 'TCP', port: 9464 }],
    });
    const given = await policy([
      '--prometheus-namespace-label',
      'team=obs',
      '--prometheus-pod-label',
      'app.kubernetes.io/name=prometheus',
      '--prometheus-pod-label',
      'shard=0',
    ]);
    expect(given.from).toEqual([
      {
        namespaceSelector: { matchLabels: { team: 'obs' } },
        podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus', shard: '0' } },
      },
    ]);
  });

  it('--schema-mode per-replica names every ClickHouse server in the ingest configuration', async () => {
    const map = (await renderArgs(['--schema-mode', 'per-replica'])).find(
      (o) => o.kind === 'ConfigMap' && o.metadata.name === 'minimal-ingest',
    );
    const store = JSON.parse(map.data['config.json']).store;
    expect(store.cluster).toBeUndefined();
    expect(store.hostUrls).toHaveLength(1);
  });
});

// A namespace Kubernetes would refuse was rendered into every object; kubectl then refused them one by one.
describe('tracker render -n', () => {
  const BIN = new URL('../bin/tracker.ts', import.meta.url).pathname;
  it.each(['Bad_NS', 'analytics-', 'a'.repeat(64)])(
    'refuses %s naming the option, printing nothing',
    (ns) => {
      const res = spawnSync(process.execPath, [BIN, 'render', '-f', 'examples/minimal.yaml', '-n', ns], {
        encoding: 'utf8',
      });
      expect(res.status).toBe(1);
      expect(res.stdout).toBe('');
      expect(res.stderr).toContain(
        `option '-n, --namespace <ns>' argument '${ns}' is invalid. "${ns}" is not a namespace name`,
      );
    },
  );

  it('takes a DNS label', () => {
    const res = spawnSync(
      process.execPath,
      [BIN, 'render', '-f', 'examples/minimal.yaml', '-n', 'analytics-2'],
      {
        encoding: 'utf8',
      },
    );
    expect(res.status, res.stderr).toBe(0);
    expect(docs(res.stdout).every((o) => o.metadata.namespace === 'analytics-2')).toBe(true);
  });
});
