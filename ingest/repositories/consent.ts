// Consent records: `agreed` is the history (one row per record, written through the data path); the latest
// record of a visitor is read here. Only the consent itself is read: the row also holds the visitor's IP,
// IP hash and user agent, which no reader of this repository may hand out.
import type { StoreReads } from './unavailable.ts';

/** What a stored consent record says. */
export interface StoredConsent {
  readonly cflags: number;
  /** ClickHouse date-time text, as stored. */
  readonly updated_at: string;
}

export interface ConsentRepository {
  /** The visitor's latest consent record, or undefined when none was recorded. */
  latest(vid: string): Promise<StoredConsent | undefined>;
}

export const consentRepository = (store: StoreReads): ConsentRepository => ({
  async latest(vid) {
    const rows = await store.query<{ cflags: number | string; updated_at: string }>(
      'SELECT cflags, updated_at FROM agreed WHERE vid = {vid:UUID} ORDER BY updated_at DESC LIMIT 1',
      { vid },
    );
    const row = rows[0];
    return row === undefined ? undefined : { cflags: Number(row.cflags), updated_at: row.updated_at };
  },
});
