import { describe, expect, it } from 'vitest';
import { fetchUrlProblem } from './fetch-url.ts';

describe('fetchUrlProblem', () => {
  it.each([
    ['https://crm.example/hooks/tracker', undefined],
    ['http://127.0.0.1:18080/hook', undefined],
    ['http://', '"http://" is not a URL'],
    ['http://a b/x', '"http://a b/x" is not a URL'],
    [
      'https://user:secret@crm.example/hook',
      'a URL with credentials (user:password@) cannot be requested; leave them out',
    ],
    [
      'http://hooks.example:6000/x',
      'port 6000 is one fetch refuses to connect to (a blocked port); choose another',
    ],
  ])('%s → %s', (url, problem) => {
    expect(fetchUrlProblem(url)).toBe(problem);
  });

  // The list is the Fetch standard's: what fetch() itself refuses, no more.
  it.each(['http://127.0.0.1:6000/', 'https://user:pw@127.0.0.1/'])('fetch refuses %s too', async (url) => {
    await expect(fetch(url, { method: 'POST' })).rejects.toThrow();
  });
});
