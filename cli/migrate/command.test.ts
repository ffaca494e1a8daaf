import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { program } from '../program.ts';
import { MIGRATE_EXIT, MigrateError } from './errors.ts';

describe('tracker migrate', () => {
  // Run without the ingest's --config, migrate would have made an empty embedded store in the working
  // directory and said it was done.
  it('refuses an embedded data directory that does not exist, and creates none', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'migrate-nodata-'));
    const path = join(dir, 'chdb');
    const config = join(dir, 'ingest.json');
    writeFileSync(config, JSON.stringify({ store: { kind: 'embedded', path } }));
    const out: string[] = [];
    const cli = program({ out: (t) => out.push(t), err: () => {}, exit: () => {} });
    await expect(cli.parseAsync(['node', 'tracker', 'migrate', '--config', config])).rejects.toThrow(
      `no data at ${path}`,
    );
    expect(existsSync(path)).toBe(false);
    expect(out).toEqual([]);
  });

  // The operator renders store.schemaOwner: operator into the ingest's ConfigMap. Run with that
  // configuration, migrate applied the schema behind the operator's back and said nothing about it.
  describe('a schema the operator applies (store.schemaOwner: operator)', () => {
    // Nothing listens there: a run that gets past the refusal finds the server unreachable.
    const owned = () => {
      const dir = mkdtempSync(join(tmpdir(), 'migrate-owned-'));
      const config = join(dir, 'ingest.json');
      const store = { kind: 'clickhouse', url: 'http://127.0.0.1:1', schemaOwner: 'operator' };
      writeFileSync(config, JSON.stringify({ store }));
      return config;
    };
    const run = async (...flags: string[]): Promise<{ error: unknown; out: string[] }> => {
      const out: string[] = [];
      const cli = program({ out: (t) => out.push(t), err: () => {}, exit: () => {} });
      const error = await cli.parseAsync(['node', 'tracker', 'migrate', '--config', owned(), ...flags]).then(
        () => undefined,
        (err: unknown) => err,
      );
      return { error, out };
    };

    it('is refused with MIGRATE_SCHEMA_OWNED naming the SchemaReady condition, before the store is reached', async () => {
      const { error, out } = await run();
      expect(error).toBeInstanceOf(MigrateError);
      expect(error).toMatchObject({ code: 'MIGRATE_SCHEMA_OWNED', exitCode: MIGRATE_EXIT.owned });
      expect((error as Error).message).toMatch(/operator applies the schema .*SchemaReady.*--force/);
      expect(out).toEqual([]);
    });

    it.each([['--force'], ['--dry-run']])('%s goes on to the store', async (flag) => {
      const { error } = await run(flag);
      expect(error).toMatchObject({ code: 'MIGRATE_STORE_UNREACHABLE', exitCode: MIGRATE_EXIT.unreachable });
    });
  });
});
