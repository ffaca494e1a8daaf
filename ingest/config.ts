// Load the ingest configuration: file (JSON or YAML) + environment overrides, through the one loader
// (common/config/loader.ts) against the shared schema (common/config/ingest.ts). Every problem is reported at
// once with its key path; unknown keys are errors. The result is deep-frozen: nothing may change
// configuration after start. The variables' part is config-env.ts, the rules across fields config-checks.ts,
// the type and its derived views config-view.ts.
import { IngestConfig } from '../common/config/ingest.ts';
import { parseConfig as parseWithSchema, readConfigFile } from '../common/config/loader.ts';
import { ConfigError } from '../common/config/problems.ts';
import { type LoadOptions, semanticChecks, withFileCode } from './config-checks.ts';
import { applyEnv, isObj, withVariable } from './config-env.ts';
import type { Config } from './config-view.ts';

export type { FileKey, LoadOptions } from './config-checks.ts';
export { applyEnv, ENV_PREFIX, isReservedEnv } from './config-env.ts';
export { type Config, sqlEnabled, storeRendering } from './config-view.ts';

/** Validate a raw object (already merged with env). Throws ConfigError listing every problem. */
export function parseConfig(
  raw: unknown,
  source = 'inline',
  preProblems: readonly string[] = [],
  opts: LoadOptions = {},
): Config {
  const fileCodes = new Map<string, string>();
  try {
    return parseWithSchema<Config>(IngestConfig, raw, {
      subject: `configuration (${source})`,
      emptySections: true,
      problems: preProblems,
      checks: semanticChecks(opts, fileCodes),
    });
  } catch (err) {
    throw withFileCode(err, fileCodes);
  }
}

/** Load from an optional file and the environment. No file and no env → every default (embedded store). */
export function loadConfig(
  file?: string,
  env: NodeJS.ProcessEnv = process.env,
  opts: LoadOptions = {},
): Config {
  const path = file ?? env.TRACKER_CONFIG;
  const source = path !== undefined && path !== '' ? path : undefined;
  const raw = source === undefined ? {} : readConfigFile(source, `configuration (${source})`);
  if (!isObj(raw)) throw new ConfigError(`configuration (${source ?? 'env'})`, ['(root): must be an object']);
  const problems: string[] = [];
  const fromEnv = new Map<string, string>();
  const merged = applyEnv(raw, env, problems, fromEnv);
  const label = source === undefined ? 'defaults + env' : fromEnv.size > 0 ? `${source} + env` : source;
  try {
    return parseConfig(merged, label, problems, opts);
  } catch (err) {
    if (!(err instanceof ConfigError) || fromEnv.size === 0) throw err;
    throw new ConfigError(
      `configuration (${label})`,
      err.problems.map((p) => withVariable(p, fromEnv)),
      err.code,
    );
  }
}
