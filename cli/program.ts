// The `tracker` command line. Each subcommand lives in its own module; this file only wires them.
import { Command, Option } from 'commander';
import { trackerClusterCrdYaml } from '../crds/crd.ts';
import { render } from './render.ts';

export function program(out: (text: string) => void = (t) => process.stdout.write(t)): Command {
  const cmd = new Command('tracker')
    .description('Tracker: privacy-first product telemetry on ClickHouse')
    .version('0.1.0');

  cmd
    .command('render')
    .description('print the Kubernetes manifests of a TrackerCluster (what the operator would apply)')
    .requiredOption('-f, --file <path>', 'TrackerCluster YAML (one or more documents); - reads stdin')
    .option('-n, --namespace <ns>', 'namespace of the objects (default: metadata.namespace, else "default")')
    .option('--with-crd', 'also print the TrackerCluster CustomResourceDefinition first')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['yaml', 'json']).default('yaml'))
    .action((opts: { file: string; namespace?: string; withCrd?: boolean; output: 'yaml' | 'json' }) => {
      out(render(opts));
    });

  cmd
    .command('crd')
    .description('print the TrackerCluster CustomResourceDefinition')
    .action(() => out(trackerClusterCrdYaml()));

  return cmd;
}

/** Runs the CLI; errors print as one message (with every problem of an invalid spec) and exit 1. */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    await program().parseAsync([...argv]);
    return 0;
  } catch (err) {
    process.stderr.write(`tracker: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
