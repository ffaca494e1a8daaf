// Consent records: `agreed` is the history (one row per record, written through the data path); the latest
// record of a visitor is read here.
import type { Row, Store } from '../../store/index.ts';

export interface ConsentRepository {
  /** The visitor's latest consent record, or undefined when none was recorded. */
  latest(vid: string): Promise<Row | undefined>;
}

export const consentRepository = (store: Store): ConsentRepository => ({
  async latest(vid) {
    const rows = await store.query(
      'SELECT * FROM agreed WHERE vid = {vid:UUID} ORDER BY updated_at DESC LIMIT 1',
      { vid },
    );
    return rows[0];
  },
});
