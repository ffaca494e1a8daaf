// `make env-up` / `make env-down`: the same environment the tests use, started by hand and left running.
// State (pids, kubeconfig, logs) lives in .env-state/ at the repository root.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startEnvironment } from './environment.ts';
import { stopPid } from './process.ts';
import { upMessage } from './up-message.ts';

const stateDir = resolve(import.meta.dirname, '..', '..', '.env-state');
const stateFile = join(stateDir, 'env.json');

interface State {
  readonly pids: number[];
  readonly kubeconfig: string;
  readonly natsUrl?: string;
}

async function up(): Promise<void> {
  if (existsSync(stateFile)) {
    console.error(`an environment is already up (${stateFile}); run \`make env-down\` first`);
    process.exitCode = 1;
    return;
  }
  mkdirSync(stateDir, { recursive: true });
  const env = await startEnvironment({ detached: true, keep: true, dir: stateDir });
  const state: State = {
    pids: env.processes().map((p) => p.pid),
    kubeconfig: env.kubeconfig,
    natsUrl: env.natsUrl,
  };
  writeFileSync(stateFile, JSON.stringify(state, null, 2));
  for (const line of upMessage(env)) console.log(line);
}

async function down(): Promise<void> {
  if (!existsSync(stateFile)) {
    console.log('no environment is up');
    return;
  }
  const state = JSON.parse(readFileSync(stateFile, 'utf8')) as State;
  for (const pid of [...state.pids].reverse()) await stopPid(pid);
  rmSync(stateDir, { recursive: true, force: true });
  console.log(`stopped ${state.pids.length} processes`);
}

const cmd = process.argv[2];
if (cmd === 'up') await up();
else if (cmd === 'down') await down();
else {
  console.error('usage: node e2e/env/cli.ts up|down');
  process.exitCode = 2;
}
