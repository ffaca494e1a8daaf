// What scripts/generate.ts writes and checks for the images: images/<image>/{package.json,
// package-lock.json,files.txt}, plus the package problems that make those wrong (an incomplete root lock,
// a dependency nothing imports).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { imageManifest, images, rootLockProblems, unusedDependencies } from './manifests.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Runtime entry points that are not images but ship with the package (the `tracker` CLI). */
const otherEntries = ['bin/tracker.ts'];

export function imageTargets(): { path: string; render: () => string }[] {
  const cache = new Map<string, ReturnType<typeof imageManifest>>();
  const manifest = (name: string) => {
    if (!cache.has(name)) cache.set(name, imageManifest(root, images[name] as (typeof images)[string]));
    return cache.get(name) as ReturnType<typeof imageManifest>;
  };
  return Object.keys(images).flatMap((name) => [
    { path: `images/${name}/package.json`, render: () => manifest(name).packageJson },
    { path: `images/${name}/package-lock.json`, render: () => manifest(name).lock },
    { path: `images/${name}/files.txt`, render: () => manifest(name).files },
  ]);
}

export function packageProblems(): string[] {
  return [
    ...rootLockProblems(root).map(
      (p) =>
        `package-lock.json: ${p} (npm ci refuses it; npm install on a registry that lacks a platform package drops its entry: restore it, see images/README.md)`,
    ),
    ...unusedDependencies(root, otherEntries).map(
      (d) =>
        `package.json: dependency ${d} is imported by no image and no CLI: remove it or make it a devDependency`,
    ),
  ];
}
