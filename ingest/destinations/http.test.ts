import { describe, expect, it } from 'vitest';
import { closedPort } from '../../e2e/env/ports.ts';
import { post, unanswered } from './http.ts';

/** What `post` threw for `url`, as the forwarder reports it. */
async function reasonFor(url: string): Promise<string> {
  try {
    await post(url, '{}', {}, 2_000, new AbortController().signal);
  } catch (err) {
    const outcome = unanswered(err);
    return outcome.kind === 'retry' ? outcome.reason : outcome.kind;
  }
  throw new Error(`${url} answered`);
}

describe('a destination that does not answer', () => {
  // The log said only "no answer: fetch failed": nothing told a refused connection from a port fetch
  // will never connect to.
  it('names why: a refused connection by its code', async () => {
    expect(await reasonFor(`http://127.0.0.1:${await closedPort()}/hook`)).toBe(
      'no answer: fetch failed (ECONNREFUSED)',
    );
  });

  it('names why: a port fetch refuses to use by the cause', async () => {
    expect(await reasonFor('http://127.0.0.1:1/hook')).toBe('no answer: fetch failed (bad port)');
  });
});
