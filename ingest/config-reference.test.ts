// docs/configuration.md lists every configuration key with its type, default and description. The ingest's
// --help said ingest/README.md lists them, which names about three keys in four: a user looking for
// websocket.idleTimeoutMs or spool.segmentBytes had to read the schema's source.
import { describe, expect, it } from 'vitest';
import { IngestConfig } from '../common/config/ingest.ts';
import { ConfigError } from '../common/config/problems.ts';
import {
  type KeyRow,
  referenceMarkdown,
  referenceRows,
  type SchemaNode,
} from '../common/config/reference.ts';
import { loadConfig } from './config.ts';

const rows = referenceRows(IngestConfig as SchemaNode);
const byKey = new Map(rows.map((r) => [r.key, r]));

/** The variable that sets a key: `server.port` → TRACKER_SERVER__PORT. */
const envName = (key: string) => `TRACKER_${key.toUpperCase().replaceAll('.', '__')}`;

describe('the configuration reference', () => {
  // every key it names is one the loader takes: a variable naming it is never "no configuration key"
  it('names only keys the configuration has', () => {
    const plain = rows.filter((r) => !r.key.includes('<') && !r.key.includes('['));
    expect(plain.length).toBeGreaterThan(100);
    for (const { key } of plain) {
      let problems: readonly string[] = [];
      try {
        loadConfig(undefined, { [envName(key)]: '"x"' }, { files: [] });
      } catch (err) {
        problems = err instanceof ConfigError ? err.problems : [String(err)];
      }
      expect(
        problems.filter((p) => p.includes('no configuration key')),
        key,
      ).toEqual([]);
    }
  });

  it.each([
    ['server.port', 'integer 0–65535', '`8080`'],
    ['store.kind', '`embedded` \\| `clickhouse`', '`"embedded"`'],
    ['websocket.idleTimeoutMs', 'integer 1000–3600000', '`300000`'],
    ['spool.nats.url', 'string matching `^(nats\\|tls)://`', ''],
    ['batching.tables.<name>.maxDelayMs', 'integer 0–600000', ''],
    ['destinations.webhooks[].url', 'string matching `^https?://`', ''],
    ['privacy.consentBits', 'map: name → integer 0–62', '`{"necessary":0,"analytics":1,"marketing":2}`'],
  ])('lists %s with its type and default', (key, type, dflt) => {
    expect(byKey.get(key)).toMatchObject({ type, default: dflt });
  });

  it('describes every key', () => {
    expect(rows.filter((r: KeyRow) => r.description === '').map((r) => r.key)).toEqual([]);
  });

  // a pipe ends a table cell (inside a code span too) and "<stream>" reads as an HTML tag
  it('keeps each row one row of four cells', () => {
    const md = referenceMarkdown(IngestConfig as SchemaNode, 'Reference', 'intro');
    const lines = md.split('\n').filter((l) => l.startsWith('| `'));
    expect(lines).toHaveLength(rows.length);
    for (const line of lines) expect(line.split(/(?<!\\)\|/).length, line).toBe(6);
    expect(md).not.toMatch(/[^`]<stream>/);
  });
});
