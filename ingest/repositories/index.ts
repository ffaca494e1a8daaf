// The ingest's read side: every SQL statement a request (or the ingest itself, e.g. reloading the client-eid
// window at start) reads with lives in a repository, one per table family, so neither route handlers nor
// tracking.ts hold SQL. Writes go through the data path (tracking.ts), never through here.
import type { Store } from '../../store/index.ts';
import type { Config } from '../config.ts';
import { type AccountRepository, accountRepository } from './accounts.ts';
import { type AnalyticsRepository, type AnalyticsSource, analyticsRepository } from './analytics.ts';
import { type ApiKeyRepository, apiKeyRepository } from './api-keys.ts';
import { type ConsentRepository, consentRepository } from './consent.ts';
import { type ErasureRepository, erasureRepository } from './erasures.ts';
import { type EventRepository, eventRepository } from './events.ts';
import { type JurisdictionRepository, jurisdictionRepository } from './jurisdictions.ts';
import { type LinkRepository, linkRepository } from './links.ts';
import { readsOf } from './unavailable.ts';

export type { AccountRepository } from './accounts.ts';
export type {
  AnalyticsRepository,
  AnalyticsSource,
  Count,
  Range,
  RecentEvent,
  Totals,
} from './analytics.ts';
export type { ApiKeyRepository, KeyEntry } from './api-keys.ts';
export type { StoredConsent } from './consent.ts';
export type { EraseTarget, ErasureRepository, ErasureStatus, LinkedIds } from './erasures.ts';
export { ANY_IPS, ANY_LINKS, NO_LINKS } from './erasures.ts';
export type { EventRepository, RecentEid } from './events.ts';
export type { Link, LinkRepository } from './links.ts';

export interface Repositories {
  readonly accounts: AccountRepository;
  /** What the dashboard shows; reads through the read-only reader when the store is embedded. */
  readonly analytics: AnalyticsRepository;
  readonly apiKeys: ApiKeyRepository;
  readonly consent: ConsentRepository;
  readonly erasures: ErasureRepository;
  readonly events: EventRepository;
  readonly jurisdictions: JurisdictionRepository;
  readonly links: LinkRepository;
}

/**
 * The repositories over the ingest's store; erasures follow the configured store's schema rendering (and
 * run on every server of store.hostUrls). The
 * analytics read through `analyticsSource` when given (the embedded engine's read-only connection, whose
 * reads never wait behind the data path's inserts), else through the store. A read a request answers
 * from fails, while the store is down or busy, as OVERLOADED naming what could not be read, and while it
 * refuses the ingest for its configuration (credentials, grants, schema) as STORE_REFUSED naming why
 * (unavailable.ts; the erase status names the server itself); the events' reload at start is no request's
 * and keeps the store's own error.
 */
export function createRepositories(
  store: Store,
  storeConfig: Config['store'],
  analyticsSource: AnalyticsSource = store,
): Repositories {
  return {
    accounts: accountRepository(readsOf(store, 'accounts')),
    analytics: analyticsRepository(readsOf(analyticsSource, 'dashboard data')),
    apiKeys: apiKeyRepository(readsOf(store, 'API keys')),
    consent: consentRepository(readsOf(store, 'consent')),
    erasures: erasureRepository(store, storeConfig),
    events: eventRepository(store),
    jurisdictions: jurisdictionRepository(readsOf(store, 'jurisdictions')),
    links: linkRepository(readsOf(store, 'short links')),
  };
}
