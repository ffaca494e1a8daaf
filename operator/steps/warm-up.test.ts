// The warm-up parses and renders its sample without failing (a failure would only be logged, and the
// first reconciles would run cold again unnoticed), and keeps nothing in the memos.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config.ts';
import { createLogger } from '../log.ts';
import { parsedSpecs } from './parse-memo.ts';
import { warmUp } from './warm-up.ts';

describe('warmUp', () => {
  it.each(['cluster', 'per-replica'] as const)(
    'parses and renders its sample (%s schema mode)',
    (schemaMode) => {
      const lines: string[] = [];
      const log = createLogger('debug', {}, (l) => lines.push(l));
      const before = parsedSpecs.size;
      warmUp(parseConfig({ clickhouse: { schemaMode } }), log);
      expect(lines.map((l) => JSON.parse(l).msg)).toEqual(['Warmed up']);
      expect(parsedSpecs.size).toBe(before);
    },
  );
});
