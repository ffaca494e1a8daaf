// Test double of the client's Storage gate (storage.ts), backed by a Map instead of localStorage, for the
// unit tests that run in Node. The real gate over the browser's localStorage runs in the browser test.
import { PREFIX, type Storage } from '../src/storage.ts';

export function memoryStorage(
  allowed = true,
  data = new Map<string, string>(),
): Storage & {
  data: Map<string, string>;
} {
  const s = {
    data,
    allowed,
    get: (k: string) => (s.allowed ? (data.get(PREFIX + k) ?? null) : null),
    set(k: string, v: string) {
      if (s.allowed) data.set(PREFIX + k, v);
    },
    remove: (k: string) => void data.delete(PREFIX + k),
    keys: () => [...data.keys()].filter((k) => k.startsWith(PREFIX)).map((k) => k.slice(PREFIX.length)),
    clear() {
      for (const k of s.keys()) s.remove(k);
    },
  };
  return s;
}
