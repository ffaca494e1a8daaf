// Where the Go-built binaries live (see tools/versions.env and tools/build.sh).
import { accessSync, constants, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export type Tool =
  | 'etcd'
  | 'kube-apiserver'
  | 'kube-controller-manager'
  | 'kube-scheduler'
  | 'kwok'
  | 'helm'
  | 'nats-server'
  | 'promtool';

const VERSION_KEYS: Record<Tool, string> = {
  etcd: 'ETCD_VERSION',
  'kube-apiserver': 'KUBERNETES_VERSION',
  'kube-controller-manager': 'KUBERNETES_VERSION',
  'kube-scheduler': 'KUBERNETES_VERSION',
  kwok: 'KWOK_VERSION',
  helm: 'HELM_VERSION',
  'nats-server': 'NATS_SERVER_VERSION',
  promtool: 'PROMETHEUS_VERSION',
};

export function cacheDir(): string {
  return process.env.TRACKER_CACHE ?? join(homedir(), '.cache', 'tracker');
}

/** The pinned versions, parsed from tools/versions.env (the one place they are written). */
export function pinnedVersions(): Record<string, string> {
  const text = readFileSync(new URL('./tools/versions.env', import.meta.url), 'utf8');
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z_]+)=(\S+)/.exec(line);
    if (m?.[1] && m[2]) out[m[1]] = m[2];
  }
  return out;
}

/** Absolute path of the pinned build of a tool; throws with the fix when it was not built. */
export function toolPath(tool: Tool): string {
  const version = pinnedVersions()[VERSION_KEYS[tool]];
  const path = join(cacheDir(), 'bin', `${tool}-${version}`);
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new Error(`${tool} ${version} is not built at ${path}: run \`make tools\``);
  }
  return path;
}

/** The upstream kwok "fast" Stage objects collected by tools/build.sh next to the kwok binary. */
export function kwokStages(): string {
  return `${toolPath('kwok')}-stages.yaml`;
}
