import { describe, expect, it } from 'vitest';
import { runtimeLine, stderrLog } from './runtime-log.ts';

describe('runtime log', () => {
  // A destination that kept failing was logged as "...; retrying undefined".
  it('prints a message without an error alone, never "undefined"', () => {
    const lines: string[] = [];
    stderrLog((line) => lines.push(line))('destination crm: 1 events not accepted (HTTP 500); retrying');
    expect(lines).toEqual(['destination crm: 1 events not accepted (HTTP 500); retrying']);
  });

  it('follows a message with its error', () => {
    const line = runtimeLine('data path', new Error('store unreachable'));
    expect(line).toMatch(/^data path: Error: store unreachable\n\s+at /);
  });
});
