// A real store one of whose calls can be held at a chosen point: a store that is slow (or away) exactly
// while one batch is being delivered, or while an erasure's delete runs. Every other call goes straight
// to the real store.
import type { Store } from '../../../store/index.ts';

export interface HeldStore {
  readonly store: Store;
  /** Resolves once the held call has been made; it waits for release() before it reaches the store. */
  readonly held: Promise<void>;
  release(): void;
}

type Held = 'insertJsonLines' | 'command';

/** Holds the calls of `method` for which `holds(first argument)` is true until release(). */
function holdCalls<M extends Held>(
  real: Store,
  method: M,
  holds: (first: Parameters<Store[M]>[0]) => boolean,
): HeldStore {
  let entered = () => {};
  const held = new Promise<void>((resolve) => {
    entered = resolve;
  });
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const call = async (...args: Parameters<Store[M]>) => {
    if (holds(args[0])) {
      entered();
      await released;
    }
    return (real[method] as (...a: Parameters<Store[M]>) => ReturnType<Store[M]>).apply(real, args);
  };
  // Methods are bound to the real store: its private fields are not reachable through a proxy.
  const store = new Proxy(real, {
    get(target, key) {
      if (key === method) return call;
      const value = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store, held, release };
}

/** Holds the `nth` insert into `table` (1 = the first); later ones pass as soon as they are called. */
export function holdInsert(real: Store, table: string, nth: number): HeldStore {
  let calls = 0;
  return holdCalls(real, 'insertJsonLines', (into) => into === table && ++calls === nth);
}

/** Holds every command whose SQL matches `sql` (e.g. an erasure's mutations) until release(). */
export function holdCommand(real: Store, sql: RegExp): HeldStore {
  return holdCalls(real, 'command', (text) => sql.test(text));
}
