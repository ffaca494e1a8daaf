import { describe, expect, it } from 'vitest';
import { renderCluster } from './index.ts';
import { cluster, find, json } from './testing/cluster.ts';

const render = (schema: Record<string, unknown>, spec: Record<string, unknown> = {}) =>
  renderCluster(cluster({ schema, ...spec })).objects;
const cronJob = (prune: Record<string, unknown>, spec: Record<string, unknown> = {}) =>
  json(find(render({ prune }, spec), 'CronJob', 'demo-prune'));

describe('the prune CronJob', () => {
  it('is rendered only with spec.schema.prune', () => {
    expect(render({}).some((o) => o.kind === 'CronJob')).toBe(false);
    expect(cronJob({ schedule: '17 3 * * *' }).spec.schedule).toBe('17 3 * * *');
  });

  it('runs tracker prune --apply in the ingest image with the ingest configuration and password', () => {
    const job = cronJob({ schedule: '@daily' }, { ingest: { image: 'registry.example/ingest:1.2' } });
    expect(job.spec).toMatchObject({ concurrencyPolicy: 'Forbid', suspend: false });
    const pod = job.spec.jobTemplate.spec.template.spec;
    const [container] = pod.containers;
    expect(container.image).toBe('registry.example/ingest:1.2');
    expect([...container.command, ...container.args]).toEqual([
      'node',
      'bin/tracker.ts',
      'prune',
      '--config',
      '/etc/tracker/config/config.json',
      '--apply',
      '--mode',
      'delete',
    ]);
    const deployment = json(find(render({ prune: { schedule: '@daily' } }), 'Deployment', 'demo-ingest'));
    const ingestVolumes = deployment.spec.template.spec.volumes;
    for (const name of ['config', 'clickhouse-password']) {
      expect(pod.volumes).toContainEqual(ingestVolumes.find((v: { name: string }) => v.name === name));
    }
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, runAsNonRoot: true });
    expect(container.resources.requests).toEqual({ cpu: '50m', memory: '128Mi' });
  });

  it('passes its own ages and mode as flags', () => {
    const job = cronJob({
      schedule: '@daily',
      mode: 'anonymise',
      retention: { defaultDays: 30, tables: { logs: 7 } },
      suspend: true,
    });
    expect(job.spec.suspend).toBe(true);
    expect(job.spec.jobTemplate.spec.template.spec.containers[0].args.slice(4)).toEqual([
      '--mode',
      'anonymise',
      '--days',
      '30',
      '--table',
      'logs=7',
    ]);
  });

  it('its pods are this instance (ClickHouse admits them) but never match an ingest selector', () => {
    const objects = render({ prune: { schedule: '@daily' } });
    const labels = json(find(objects, 'CronJob', 'demo-prune')).spec.jobTemplate.spec.template.metadata
      .labels;
    expect(labels['app.kubernetes.io/instance']).toBe('demo');
    const selector = json(find(objects, 'Service', 'demo-ingest')).spec.selector as Record<string, string>;
    expect(Object.entries(selector).every(([k, v]) => labels[k] === v)).toBe(false);
  });
});
