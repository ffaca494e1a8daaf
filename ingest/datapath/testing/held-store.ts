// A real store whose insert into one table can be held at a chosen call: a store that is slow (or away)
// exactly while one batch is being delivered. Every other call goes straight to the real store.
import type { Store } from '../../../store/index.ts';

export interface HeldStore {
  readonly store: Store;
  /** Resolves once the held insert has been called; it waits for release() before it reaches the store. */
  readonly held: Promise<void>;
  release(): void;
}

/** Holds the `nth` insert into `table` (1 = the first); later ones pass as soon as they are called. */
export function holdInsert(real: Store, table: string, nth: number): HeldStore {
  let calls = 0;
  let entered = () => {};
  const held = new Promise<void>((resolve) => {
    entered = resolve;
  });
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const insertJsonLines: Store['insertJsonLines'] = async (into, lines, opts) => {
    if (into === table && ++calls === nth) {
      entered();
      await released;
    }
    return real.insertJsonLines(into, lines, opts);
  };
  // Methods are bound to the real store: its private fields are not reachable through a proxy.
  const store = new Proxy(real, {
    get(target, key) {
      if (key === 'insertJsonLines') return insertJsonLines;
      const value = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store, held, release };
}

/** Holds every command whose SQL matches `sql` (e.g. an erasure's mutations) until release(). */
export function holdCommand(real: Store, sql: RegExp): HeldStore {
  let entered = () => {};
  const held = new Promise<void>((resolve) => {
    entered = resolve;
  });
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const command: Store['command'] = async (text, params) => {
    if (sql.test(text)) {
      entered();
      await released;
    }
    return real.command(text, params);
  };
  const store = new Proxy(real, {
    get(target, key) {
      if (key === 'command') return command;
      const value = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store, held, release };
}
