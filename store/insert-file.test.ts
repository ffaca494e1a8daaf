import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BodyBuffers } from './contract.ts';
import { insertFromFileSql, writeLines } from './insert-file.ts';
import { BufferShelf } from './lent-body.ts';

it('quotes the file and every string setting as ClickHouse literals', () => {
  expect(
    insertFromFileSql('`db`.`t`', "/data/it's\\x.jsonl", {
      insert_deduplicate: 1,
      insert_deduplication_token: "a'b\\c",
    }),
  ).toBe(
    "INSERT INTO `db`.`t` FROM INFILE '/data/it\\'s\\\\x.jsonl' SETTINGS insert_deduplicate = 1, insert_deduplication_token = 'a\\'b\\\\c' FORMAT JSONEachRow",
  );
});

const MiB = 1024 * 1024;
/** A chunk as the spool reads one: a little less than the 1 MiB read, so two make a written group. */
const CHUNK = MiB - 64;
/** Piece i of a body: every byte says which piece it belongs to, so a piece overwritten early shows. */
const fill = (b: Buffer, i: number, bytes: number) => b.fill(`${i % 251},`, 0, bytes).subarray(0, bytes);
const piece = (i: number, bytes: number) => fill(Buffer.alloc(bytes), i, bytes);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const file = () => join(mkdtempSync(join(tmpdir(), 'insert-file-')), 'body.jsonl');

/** Lends as the spool's reader borrows: a buffer per chunk read, a view of it yielded. */
const lent = (buffers: BodyBuffers | undefined, i: number, bytes: number) =>
  fill(buffers?.lend(bytes) ?? Buffer.allocUnsafe(bytes), i, bytes);

describe('writing a batch read into the shelf’s buffers', () => {
  it('reuses the buffers of each completed write, and the file holds exactly the pieces', async () => {
    const shelf = new BufferShelf(MiB, 4);
    const pieces = 24;
    const read = async function* (buffers?: BodyBuffers) {
      for (let i = 0; i < pieces; i++) yield lent(buffers, i, CHUNK);
    };
    const expected = sha(Buffer.concat(Array.from({ length: pieces }, (_, i) => piece(i, CHUNK))));
    for (const path of [file(), file()]) {
      await writeLines(path, read, shelf);
      expect(sha(readFileSync(path))).toBe(expected);
    }
    // a group of two chunks per write: two buffers for both batches, not one per chunk
    expect(shelf.made).toBe(2);
  });

  it('never lends again a buffer the reader still holds, and lends none larger than the shelf’s', async () => {
    const shelf = new BufferShelf(MiB, 4);
    const read = async function* (buffers?: BodyBuffers) {
      // lent first, yielded last: several groups are written while the reader holds it
      const held = lent(buffers, 0, CHUNK);
      for (let i = 1; i <= 6; i++) yield lent(buffers, i, CHUNK);
      // read in vain (a record larger than the chunk), given back, read again whole into a fresh one
      buffers?.giveBack(buffers.lend(CHUNK));
      yield lent(buffers, 7, 3 * MiB);
      // lines the spool still had in memory, between the reads
      yield Buffer.from('{"cached":1}\n');
      yield held;
    };
    const path = file();
    await writeLines(path, read, shelf);
    const expected = [1, 2, 3, 4, 5, 6].map((i) => piece(i, CHUNK));
    expected.push(piece(7, 3 * MiB), Buffer.from('{"cached":1}\n'), piece(0, CHUNK));
    expect(sha(readFileSync(path))).toBe(sha(Buffer.concat(expected)));
    expect(shelf.made).toBe(3);
  });

  it('writes one buffer and pieces that are no reader as they are, lending nothing', async () => {
    const shelf = new BufferShelf(MiB, 4);
    const one = file();
    const many = file();
    await writeLines(one, Buffer.from('{"a":1}\n'), shelf);
    await writeLines(many, [Buffer.from('{"a":'), Buffer.from('2}\n')], shelf);
    expect([readFileSync(one, 'utf8'), readFileSync(many, 'utf8')]).toEqual(['{"a":1}\n', '{"a":2}\n']);
    expect(shelf.made).toBe(0);
  });
});
