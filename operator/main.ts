// The operator process: configuration, kubeconfig (in-cluster or $KUBECONFIG), signals. Wiring only.
//   node operator/main.ts [--config operator.yaml] [--kubeconfig path]
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { loadConfig } from './config.ts';
import { startOperator } from './operator.ts';

const { values } = parseArgs({ options: { config: { type: 'string' }, kubeconfig: { type: 'string' } } });
const config = loadConfig(values.config, process.env);
const kc = new KubeConfig();
if (values.kubeconfig) kc.loadFromFile(values.kubeconfig);
else kc.loadFromDefault();
const operator = await startOperator({ config, kc });
console.log(JSON.stringify({ level: 'info', msg: 'Operator listening', port: operator.httpPort }));

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(JSON.stringify({ level: 'info', msg: 'Shutting down', signal }));
  void operator.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGTERM', () => stop('SIGTERM'));
process.once('SIGINT', () => stop('SIGINT'));
