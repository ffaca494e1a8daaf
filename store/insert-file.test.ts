import { expect, it } from 'vitest';
import { insertFromFileSql } from './insert-file.ts';

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
