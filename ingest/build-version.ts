// The version `/status` reports (`build.version`): TRACKER_VERSION when set, else the version of the
// package the ingest runs from (the image's /app/package.json, or the checkout's). Nothing set
// TRACKER_VERSION, so every image reported "dev".
import { readFileSync } from 'node:fs';

const PACKAGE = new URL('../package.json', import.meta.url);

export function buildVersion(
  env: NodeJS.ProcessEnv = process.env,
  packageFile: URL | string = PACKAGE,
): string {
  if (env.TRACKER_VERSION) return env.TRACKER_VERSION;
  try {
    const { version } = JSON.parse(readFileSync(packageFile, 'utf8')) as { version?: unknown };
    return typeof version === 'string' && version !== '' ? version : 'dev';
  } catch {
    return 'dev'; // run from somewhere without a package.json (a copied script)
  }
}
