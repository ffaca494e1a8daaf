import { describe, expect, it } from 'vitest';
import { renderCluster } from './index.ts';
import { renderSchemaJob } from './schema-job/index.ts';
import { cluster, find, json } from './testing/cluster.ts';

const spec = (more: Record<string, unknown> = {}) =>
  cluster({ ingest: { image: 'registry.example/ingest:1.2' }, ...more });
/** The Job `tracker render --with-schema-job` adds, beside everything renderCluster renders. */
function rendered(tc = spec()) {
  const all = renderCluster(tc);
  const [job, ...rest] = renderSchemaJob(tc, all.hashes.ingest);
  expect(rest).toEqual([]);
  return { objects: all.objects, job: json(job) };
}

describe('the schema Job (tracker render --with-schema-job)', () => {
  it('runs tracker migrate in the ingest image with the ingest configuration and password', () => {
    const { objects, job } = rendered();
    expect(job).toMatchObject({ apiVersion: 'batch/v1', kind: 'Job', metadata: { namespace: 'ns' } });
    const pod = job.spec.template.spec;
    const [container] = pod.containers;
    expect(container.image).toBe('registry.example/ingest:1.2');
    expect([...container.command, ...container.args]).toEqual([
      'node',
      'bin/tracker.ts',
      'migrate',
      '--config',
      '/etc/tracker/config/config.json',
    ]);
    const ingestVolumes = json(find(objects, 'Deployment', 'demo-ingest')).spec.template.spec.volumes;
    for (const name of ['config', 'clickhouse-password'])
      expect(pod.volumes).toContainEqual(ingestVolumes.find((v: { name: string }) => v.name === name));
  });

  it('waits for ClickHouse by restarting with the back-off; non-root with a read-only root file system', () => {
    const { job } = rendered();
    const pod = job.spec.template.spec;
    expect(pod.restartPolicy).toBe('OnFailure');
    expect(job.spec.backoffLimit).toBeGreaterThanOrEqual(6);
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    expect(pod.containers[0].securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
    });
  });

  it('its pods are this instance (ClickHouse admits them) but never match an ingest selector', () => {
    const { objects, job } = rendered();
    const labels = job.spec.template.metadata.labels;
    expect(labels['app.kubernetes.io/instance']).toBe('demo');
    const selector = json(find(objects, 'Service', 'demo-ingest')).spec.selector as Record<string, string>;
    expect(Object.entries(selector).every(([k, v]) => labels[k] === v)).toBe(false);
  });

  // A Job's pod template cannot change: an upgrade or a new retention under the same name would be refused
  // by the apiserver. A new name runs tracker migrate again with them; the same input keeps the name.
  it('is named for the image and the ingest configuration it migrates with', () => {
    const name = (tc = spec()) => rendered(tc).job.metadata.name as string;
    expect(name()).toMatch(/^demo-schema-[0-9a-f]{10}$/);
    expect(name()).toBe(name());
    expect(name(cluster({ ingest: { image: 'registry.example/ingest:1.3' } }))).not.toBe(name());
    expect(name(spec({ schema: { retention: { defaultDays: 30 } } }))).not.toBe(name());
  });

  it('is never part of what the operator renders (it applies the schema itself)', () => {
    expect(renderCluster(spec()).objects.some((o) => o.kind === 'Job')).toBe(false);
  });
});
