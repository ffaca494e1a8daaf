// The command line of the long-running processes (the ingest, the operator): strict, so an unknown option is
// a startup problem that names the usage, and `--help`/`-h` answers the usage on stdout with exit 0. A
// request for help is not a mistake: printing it as "cannot start" with exit 2 sent a user who asked what
// the options are to the error path (and a wrapper script to its failure branch).
import { parseArgs } from 'node:util';
import { exitOnStartupError, type ServerProcess, StartupError } from './startup-error.ts';

export interface ProcessOption {
  readonly short?: string;
  /** The value's placeholder in the usage (`FILE`). Every option here takes one. */
  readonly value: string;
  readonly description: string;
}

export interface ProcessUsage {
  /** How the process is started, e.g. `node ingest/server.ts`. */
  readonly command: string;
  readonly options: Readonly<Record<string, ProcessOption>>;
  /** Lines after the options (environment variables, where to read more). */
  readonly notes?: readonly string[];
}

export type ProcessArgs =
  | { readonly help: true }
  | { readonly help: false; readonly values: Record<string, string> };

const flag = (name: string, o: ProcessOption) => `${o.short ? `-${o.short}, ` : '    '}--${name} ${o.value}`;

/** The one-line synopsis: `usage: node x.ts [--config FILE] [--kubeconfig FILE]`. */
export function usageLine(usage: ProcessUsage): string {
  const opts = Object.entries(usage.options).map(([name, o]) => ` [--${name} ${o.value}]`);
  return `usage: ${usage.command}${opts.join('')}`;
}

/** What `--help` prints: the synopsis, every option with its description, then the notes. */
export function helpText(usage: ProcessUsage): string {
  const rows: [string, string][] = [
    ...Object.entries(usage.options).map(([name, o]): [string, string] => [flag(name, o), o.description]),
    ['-h, --help', 'print this and exit'],
  ];
  const width = Math.max(...rows.map(([left]) => left.length));
  const lines = rows.map(([left, text]) => `  ${left.padEnd(width)}  ${text}`);
  return `${[usageLine(usage), '', ...lines, ...(usage.notes ? ['', ...usage.notes] : [])].join('\n')}\n`;
}

/** Parses `argv` (without node and the script); throws a StartupError naming the usage when it is wrong. */
export function parseProcessArgs(usage: ProcessUsage, argv: readonly string[]): ProcessArgs {
  const options = Object.fromEntries(
    Object.entries(usage.options).map(([name, o]) => [
      name,
      { type: 'string' as const, ...(o.short ? { short: o.short } : {}) },
    ]),
  );
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      strict: true,
    });
    const { help, ...rest } = values;
    return help === true ? { help: true } : { help: false, values: rest as Record<string, string> };
  } catch (err) {
    throw new StartupError(`${(err as Error).message} (${usageLine(usage)}; --help lists the options)`);
  }
}

/**
 * The process's options from its command line; `--help` prints the usage on stdout and exits 0, a wrong
 * argument is one startup line on stderr and exit 2.
 */
export function processArgs(
  proc: ServerProcess,
  usage: ProcessUsage,
  argv: readonly string[] = process.argv.slice(2),
): Record<string, string> {
  let args: ProcessArgs;
  try {
    args = parseProcessArgs(usage, argv);
  } catch (err) {
    return exitOnStartupError(proc, err);
  }
  if (!args.help) return args.values;
  process.stdout.write(helpText(usage));
  return process.exit(0);
}
