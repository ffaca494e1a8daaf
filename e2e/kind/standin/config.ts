// TEST DOUBLE support: read the configuration the operator renders for ClickHouse and Keeper (YAML files in
// config.d/, users.d/, keeper_config.d/) the way the servers merge it, so the stand-ins listen where the
// real servers would and use the password the real server would.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function merge(a: Obj, b: Obj): Obj {
  const out: Obj = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = isObj(v) && isObj(out[k]) ? merge(out[k] as Obj, v) : v;
  return out;
}

/** `--config-file=PATH` (or `--config-file PATH`) from the server's arguments. */
export function configFileArg(argv: readonly string[]): string | undefined {
  const at = argv.findIndex((a) => a === '--config-file' || a.startsWith('--config-file='));
  if (at === -1) return undefined;
  const arg = argv[at] as string;
  return arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[at + 1];
}

/** The YAML files of `dirs` (sorted by name within each, as the servers read them), merged in order. */
export function readMerged(files: readonly string[], dirs: readonly string[]): Obj {
  const all = [
    ...files,
    ...dirs.flatMap((d) => {
      try {
        return readdirSync(d)
          .filter((f) => /\.ya?ml$/.test(f))
          .sort()
          .map((f) => join(d, f));
      } catch {
        return [];
      }
    }),
  ];
  return all.reduce<Obj>((acc, f) => merge(acc, (parse(readFileSync(f, 'utf8')) as Obj | null) ?? {}), {});
}

/** A `{'@from_env': NAME}` value resolved as ClickHouse does; plain values pass through. */
export function fromEnv(v: unknown, env: NodeJS.ProcessEnv = process.env): unknown {
  return isObj(v) && typeof v['@from_env'] === 'string' ? env[v['@from_env']] : v;
}

export function at(o: Obj, ...path: string[]): unknown {
  return path.reduce<unknown>((v, k) => (isObj(v) ? v[k] : undefined), o);
}
