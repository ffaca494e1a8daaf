// Jurisdictions: the privacy regions and their rules, latest version of each.
import type { Row } from '../../store/index.ts';
import type { StoreReads } from './unavailable.ts';

export interface JurisdictionRepository {
  all(): Promise<Row[]>;
}

export const jurisdictionRepository = (store: StoreReads): JurisdictionRepository => ({
  all: () =>
    store.query(
      'SELECT regulation, compliance, seq, rules, locs, updated_at FROM jurisdictions FINAL ORDER BY regulation, compliance, seq',
    ),
});
