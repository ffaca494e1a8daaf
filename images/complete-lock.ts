// Restores the lock entries of optional platform packages that `npm install` dropped because the registry it
// used does not serve them (this project's machines get only chdb's linux-x64 engine). Without them `npm ci`
// refuses the lock everywhere ("Missing: @chdb/lib-darwin-arm64 from lock file"), even on linux-x64.
//   node images/complete-lock.ts          (then `node scripts/generate.ts`)
// Entries are made from the platform in the package name (`<os>-<cpu>[-<libc>]`, the napi-rs convention
// chdb and lz4-napi follow), with the exact version the parent pins. They carry no integrity hash: where a
// registry serves the package, npm downloads it from there (over TLS) and the hash is added by the next
// `npm install` on such a machine.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lock } from './lockfile.ts';
import { resolveIn } from './lockfile.ts';

const OS = new Set(['darwin', 'linux', 'win32', 'freebsd', 'android', 'openharmony']);
const LIBC: Record<string, string> = { gnu: 'glibc', musl: 'musl' };

/** os/cpu/libc of a platform package from its name, or undefined when it does not name a platform. */
export function platformOf(name: string): { os: string[]; cpu: string[]; libc?: string[] } | undefined {
  const parts = (name.split('/').pop() ?? '').split('-');
  const at = parts.findIndex((p) => OS.has(p));
  if (at === -1 || parts[at + 1] === undefined) return undefined;
  const libc = parts[at + 2] === undefined ? undefined : LIBC[parts[at + 2] as string];
  return { os: [parts[at] as string], cpu: [parts[at + 1] as string], ...(libc ? { libc: [libc] } : {}) };
}

/** Adds the missing optional platform entries in place; returns what it added. */
export function completeLock(lock: Lock): string[] {
  const added: string[] = [];
  for (const [key, entry] of Object.entries(lock.packages)) {
    for (const [name, range] of Object.entries(entry.optionalDependencies ?? {})) {
      const platform = platformOf(name);
      if (resolveIn(lock, key, name) !== undefined || platform === undefined) continue;
      if (!/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(range)) throw new Error(`${name}@${range}: not an exact version`);
      // Hoisted to the top like npm does, unless another version holds that place.
      const top = `node_modules/${name}`;
      const at = lock.packages[top] === undefined ? top : `${key}/node_modules/${name}`;
      // Keys in npm's order (version first, then alphabetical), as npm would write them.
      const { os, cpu, libc } = platform;
      lock.packages[at] = {
        version: range,
        cpu,
        ...(libc ? { libc } : {}),
        license: entry.license,
        optional: true,
        os,
      };
      added.push(`${at}@${range}`);
    }
  }
  // npm's own order of the keys, so that a later `npm install` rewrites nothing.
  lock.packages = Object.fromEntries(
    Object.entries(lock.packages).sort(([a], [b]) => a.localeCompare(b, 'en')),
  );
  return added;
}

if (process.argv[1] === import.meta.filename) {
  const file = join(import.meta.dirname, '..', 'package-lock.json');
  const lock = JSON.parse(readFileSync(file, 'utf8')) as Lock;
  const added = completeLock(lock);
  writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
  console.log(added.length === 0 ? 'the lock is complete' : `added ${added.join(', ')}`);
}
