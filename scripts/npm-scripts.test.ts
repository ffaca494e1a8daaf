// Every npm script runs a program this checkout has: `make`, the pinned `node`, or a binary an npm
// dependency installs. `npm start` and `npm run env:up` used to call `tsx`, which no dependency installs,
// so they failed with "tsx: not found" on a fresh checkout.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> })
  .scripts;

/** The program each command of a script line starts (commands joined by && or ||). */
const programs = (line: string): string[] =>
  line.split(/&&|\|\|/).map((command) => command.trim().split(/\s+/)[0] ?? '');

const available = (program: string) => program === 'make' || existsSync(`node_modules/.bin/${program}`);

describe('npm scripts', () => {
  it.each(Object.entries(scripts))('%s runs programs the checkout has', (_name, line) => {
    for (const program of programs(line)) expect(available(program), `${program} in "${line}"`).toBe(true);
  });
});
