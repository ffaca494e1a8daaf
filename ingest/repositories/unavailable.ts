// A read the store could not answer, as the one who asked should see it. Down or busy: 503 OVERLOADED with
// Retry-After and a message naming what could not be read, so a person, a dashboard or a retrying client
// can tell "ask again later" from a bug. Refusing the ingest for its configuration (wrong credentials, a
// missing grant, the schema missing): 500 STORE_REFUSED naming which, with no Retry-After, since waiting
// never heals it and "retry later" sent clients and dashboards into retrying a misconfiguration for ever.
// Any other failure stays a 500 INTERNAL. The message never carries the store's address or the engine's
// words (the answer may go to anyone: a short-link visitor, a request id's holder); the log line has the
// cause.
import { insertErrorKind, REFUSAL_TEXT, type Store, storeRefusal } from '../../store/index.ts';
import { IngestError } from '../errors.ts';

/** The part of a store a repository reads with. */
export type StoreReads = Pick<Store, 'query'>;

/**
 * `err` as STORE_REFUSED naming `what` when the store refuses the ingest for its configuration; as
 * OVERLOADED with `message` when the store is down or busy (no answer, a network error, a code of the
 * store's own state: the same judgement the data path makes before retrying an insert); anything else as
 * it was thrown.
 */
export function storeUnavailable(err: unknown, message: string, what = 'the answer'): unknown {
  const refusal = storeRefusal(err);
  if (refusal !== undefined) {
    return new IngestError('STORE_REFUSED', `${what} could not be read: ${REFUSAL_TEXT[refusal]}`, {
      cause: err,
      details: { refusal },
    });
  }
  if (insertErrorKind(err) !== 'transient') return err;
  return new IngestError('OVERLOADED', message, { cause: err });
}

/** `store`'s reads, each failing as storeUnavailable, the message naming `what` (e.g. "short links"). */
export function readsOf(store: StoreReads, what: string): StoreReads {
  const message = `${what} could not be read: the store is down or busy; retry later`;
  return {
    query: <T>(sql: string, params?: Record<string, unknown>) =>
      store.query<T>(sql, params).catch((err: unknown): never => {
        throw storeUnavailable(err, message, what);
      }),
  };
}
