// Writes every checked-in generated file; `--check` compares instead and exits 1 when one is stale
// (the Makefile's check-generated target and CI run that). Add new generated files to `targets`.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crdGeneratedPath, trackerClusterCrdYaml } from '../crds/crd.ts';
import { DASHBOARD_DIR, DASHBOARDS, dashboardJson } from '../monitoring/dashboards/index.ts';

type Target = { path: string; render: () => string };

/** The Helm chart ships the same CRD (Helm installs crds/ on first install only; see charts/README.md). */
export const chartCrdPath = 'charts/tracker-operator/crds/tracker.dev_trackerclusters.yaml';

export const targets: readonly Target[] = [
  { path: crdGeneratedPath, render: trackerClusterCrdYaml },
  { path: chartCrdPath, render: trackerClusterCrdYaml },
  // Grafana dashboards: built from monitoring/dashboards/, shipped by the chart as ConfigMaps
  ...Object.entries(DASHBOARDS).map(([file, build]) => ({
    path: `${DASHBOARD_DIR}/${file}`,
    render: () => dashboardJson(build),
  })),
];

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function read(path: string): string | undefined {
  try {
    return readFileSync(join(root, path), 'utf8');
  } catch {
    return undefined;
  }
}

/** Paths whose committed content differs from a fresh generation. */
export function staleTargets(list: readonly Target[] = targets): string[] {
  return list.filter((t) => read(t.path) !== t.render()).map((t) => t.path);
}

function main(args: readonly string[]): number {
  if (args.includes('--check')) {
    const stale = staleTargets();
    for (const path of stale)
      console.error(`stale: ${path} differs from a fresh generation; run node scripts/generate.ts`);
    return stale.length > 0 ? 1 : 0;
  }
  for (const t of targets) {
    writeFileSync(join(root, t.path), t.render());
    console.log(`wrote ${t.path}`);
  }
  return 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exitCode = main(process.argv.slice(2));
