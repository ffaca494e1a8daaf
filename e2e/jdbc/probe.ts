// Builds and runs the JDBC probe (e2e/jdbc: ClickHouse's JDBC driver from Maven Central, a tiny Java
// program) against a SQL endpoint. Maven resolves the driver once into ~/.m2; a JDK and Maven come from
// install.sh (`make jdbc`, which `make test` runs).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));

function need(tool: string): void {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
  } catch {
    throw new Error(`${tool} is missing: run \`make jdbc\` (installs a JDK and Maven)`);
  }
}

/** Compiles the probe and resolves the driver (cached by Maven after the first run); returns the classpath. */
export function buildProbe(): string {
  for (const tool of ['java', 'mvn']) need(tool);
  const out = join(here, 'target', 'classpath.txt');
  execFileSync('mvn', ['-q', '-B', 'compile', 'dependency:build-classpath', `-Dmdep.outputFile=${out}`], {
    cwd: here,
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 600_000,
  });
  return `${join(here, 'target', 'classes')}:${readFileSync(out, 'utf8').trim()}`;
}

/** Runs the probe; its output is `step<TAB>result` lines, returned as [step, result] pairs. */
export function runProbe(
  classpath: string,
  sqlUrl: string,
  password: string,
  oid: string,
): [string, string][] {
  const stdout = execFileSync('java', ['-cp', classpath, 'dev.tracker.probe.Probe', sqlUrl, 'tracker', oid], {
    env: { ...process.env, TRACKER_SQL_PASSWORD: password },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return stdout
    .trim()
    .split('\n')
    .map((line) => line.split('\t', 2) as [string, string]);
}
