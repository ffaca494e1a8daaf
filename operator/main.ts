// The operator process: configuration, kubeconfig (--kubeconfig, $KUBECONFIG, ~/.kube/config or the pod's
// service account), signals. Wiring only. A startup problem is one JSON log line on stderr and a non-zero
// exit; Node's process warnings are log lines too.
//   node operator/main.ts [--config operator.yaml] [--kubeconfig path]
import { ConfigError } from '../common/config/problems.ts';
import { holdIdleCodeOut } from '../common/idle-code.ts';
import { isoLine, type LineFormat, logProcessWarnings, type Threshold } from '../common/json-log.ts';
import { type ProcessUsage, processArgs } from '../common/process-args.ts';
import { exitOnStartupError, StartupError } from '../common/startup-error.ts';
import { loadConfig } from './config.ts';
import { KubeConfigError, loadKubeConfig } from './kubeconfig.ts';
import { type Operator, startOperator } from './operator.ts';

const usage: ProcessUsage = {
  command: 'node operator/main.ts',
  options: {
    config: {
      value: 'FILE',
      description:
        'operator configuration, YAML or JSON (default: every default; docs/operator-configuration.md)',
    },
    kubeconfig: {
      value: 'FILE',
      description: 'cluster credentials (default: $KUBECONFIG, ~/.kube/config, else the pod service account)',
    },
  },
  notes: ['TRACKER_OPERATOR_NAMESPACE, _IDENTITY and _LOG_LEVEL override the configuration.'],
};

// The component every line of the operator's logger carries (operator.ts): its start-up failure and
// process warnings too, so a pipeline filtering on it keeps them.
const component = 'tracker-operator';
const line: LineFormat = (level, msg, fields) => isoLine(level, msg, { component, ...fields });
const proc = { name: component, line };

// Node's warnings under the operator's logLevel, as its logger's lines are, once the configuration says it.
let warnLevel: Threshold = 'info';

async function start(values: Record<string, string>): Promise<Operator> {
  try {
    const config = loadConfig(values.config, process.env);
    warnLevel = config.logLevel;
    const access = loadKubeConfig(values.kubeconfig, process.env);
    const operator = await startOperator({ config, access });
    // Once its modules are loaded and its caches filled: what that ran is not run again.
    holdIdleCodeOut(config.idleCodeReleaseSeconds);
    return operator;
  } catch (err) {
    // Problems the user fixes (exit 2); the config error lists every problem, joined into the line.
    if (err instanceof KubeConfigError || err instanceof ConfigError) throw new StartupError(err.message);
    throw err;
  }
}

logProcessWarnings(
  line,
  (l) => process.stdout.write(l),
  () => warnLevel,
);
const operator = await start(processArgs(proc, usage)).catch((err: unknown) => exitOnStartupError(proc, err));

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  operator.log.lifecycle('Shutting down', { signal });
  void operator.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
// Before the start line, and kept after the first signal: with no handler installed the kernel ends the
// process at once, so a SIGTERM sent as soon as the operator said it listens (or a second one while it
// stops) skipped the lease release and the drain.
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
operator.log.lifecycle('Operator listening', { port: operator.httpPort });
