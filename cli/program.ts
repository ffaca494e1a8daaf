// The `tracker` command line. Each subcommand lives in its own module; this file only wires them. `render`
// and `crd` import the renderer and the CRD when they run: the ingest image carries `tracker prune` (store,
// schema, ingest configuration) for the prune CronJob, and `tracker migrate` for the schema Job, but
// neither of those.
import { Command, InvalidArgumentError, Option } from 'commander';
import { migrateCommand } from './migrate/command.ts';
import { pruneCommand } from './prune/command.ts';

export interface Io {
  readonly out: (text: string) => void;
  /** What the user should know beside the output (render: the documents it left out). */
  readonly err: (text: string) => void;
  /**
   * Records the exit code a subcommand ends with when it did not throw (prune: 1 when a table failed;
   * migrate --dry-run: 2 when something would be applied).
   */
  readonly exit: (code: number) => void;
}

const defaultIo: Io = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  exit: () => {},
};

export function program(io: Io = defaultIo): Command {
  const cmd = new Command('tracker')
    .description('Tracker: privacy-first product telemetry on ClickHouse')
    .version('0.1.0');

  cmd
    .command('render')
    .description('print the Kubernetes manifests of a TrackerCluster (what the operator would apply)')
    .requiredOption('-f, --file <path>', 'TrackerCluster YAML (one or more documents); - reads stdin')
    .option(
      '-n, --namespace <ns>',
      'namespace of the objects (default: metadata.namespace, else "default")',
      namespaceName,
    )
    .option('--with-crd', 'also print the TrackerCluster CustomResourceDefinition first')
    .option(
      '--with-schema-job',
      'also print a Job that applies the schema (tracker migrate), for manifests no operator runs for',
    )
    .addOption(new Option('-o, --output <format>', 'output format').choices(['yaml', 'json']).default('yaml'))
    .addOption(
      new Option(
        '--schema-mode <mode>',
        "how the schema is laid out on ClickHouse, as the operator's clickhouse.schemaMode (the ingest's erasure and prune follow it)",
      )
        .choices(['cluster', 'per-replica'])
        .default('cluster'),
    )
    .option(
      '--prometheus-namespace-label <key=value>',
      "where Prometheus runs, the only pods admitted to the ingest's metrics (repeatable; default: kubernetes.io/metadata.name=monitoring)",
      collectLabel,
    )
    .option(
      '--prometheus-pod-label <key=value>',
      'and its pods there (repeatable; default: every pod)',
      collectLabel,
    )
    .option(
      '--operator-namespace <ns>',
      "namespace of the operator's pods, the only one Keeper and ClickHouse admit them from (default: any namespace)",
      namespaceName,
    )
    .action(
      async (opts: {
        file: string;
        namespace?: string;
        withCrd?: boolean;
        withSchemaJob?: boolean;
        output: 'yaml' | 'json';
        schemaMode: 'cluster' | 'per-replica';
        prometheusNamespaceLabel?: Record<string, string>;
        prometheusPodLabel?: Record<string, string>;
        operatorNamespace?: string;
      }) => {
        const { render } = await optional(() => import('./render.ts'), 'render');
        const { prometheusNamespaceLabel: namespaceLabels, prometheusPodLabel: podLabels, ...rest } = opts;
        const prometheus =
          namespaceLabels || podLabels
            ? { prometheus: { namespaceLabels: namespaceLabels ?? {}, podLabels: podLabels ?? {} } }
            : {};
        const { text, skipped } = render({ ...rest, ...prometheus });
        for (const line of skipped) io.err(`tracker render: ${line}\n`);
        io.out(text);
      },
    );

  cmd
    .command('crd')
    .description('print the TrackerCluster CustomResourceDefinition')
    .action(async () => {
      const { trackerClusterCrdYaml } = await optional(() => import('../crds/crd.ts'), 'crd');
      io.out(trackerClusterCrdYaml());
    });

  cmd.addCommand(migrateCommand(io.out, io.exit));
  cmd.addCommand(pruneCommand(io.out, io.exit));
  return cmd;
}

/**
 * A namespace Kubernetes takes (a DNS label): any other name was rendered into every object, and the
 * apiserver refused the whole output object by object on `kubectl apply`.
 */
function namespaceName(ns: string): string {
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(ns))
    throw new InvalidArgumentError(
      `"${ns}" is not a namespace name (at most 63 lower-case letters, digits and "-", starting and ending with a letter or digit)`,
    );
  return ns;
}

/** `key=value` into the labels given so far (commander's repeatable option). */
function collectLabel(pair: string, previous: Record<string, string> = {}): Record<string, string> {
  const at = pair.indexOf('=');
  if (at < 1) throw new InvalidArgumentError(`expected key=value, got "${pair}"`);
  return { ...previous, [pair.slice(0, at)]: pair.slice(at + 1) };
}

/** A subcommand's module, or an error that says this installation (the ingest image) leaves it out. */
async function optional<T>(load: () => Promise<T>, command: string): Promise<T> {
  try {
    return await load();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw err;
    throw new Error(
      `${command}: not in this installation (the ingest image carries only tracker prune and tracker migrate); run it from the repository or the npm package`,
      { cause: err },
    );
  }
}

/**
 * Runs the CLI; errors print as one message (with every problem of an invalid spec) and exit 1, or the
 * exit code the error carries (tracker migrate's: unreachable, refused, no database).
 */
export async function main(argv: readonly string[]): Promise<number> {
  let code = 0;
  try {
    await program({ ...defaultIo, exit: (c) => (code = c) }).parseAsync([...argv]);
    return code;
  } catch (err) {
    process.stderr.write(`tracker: ${err instanceof Error ? err.message : String(err)}\n`);
    const carried = (err as { exitCode?: unknown } | null)?.exitCode;
    return typeof carried === 'number' ? carried : 1;
  }
}
