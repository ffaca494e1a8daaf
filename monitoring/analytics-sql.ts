// How the two analytics views, the ingest's /dashboard and Grafana's Tracker / Analytics dashboard, read
// the events table where they count the same thing: one definition (here, beside the dashboards, which
// import nothing else; the ingest imports it), so the two never disagree about what a page view is or
// where a visitor came from.

/** A page view: the browser client's `page_view`, or an event of type `view` (the Go tracker's clients). */
export const PAGE_VIEW_SQL = "(ename = 'page_view' OR etyp = 'view')";

/**
 * Where a visitor came from: the browser client's `last` (the document's referrer, then a single-page
 * app's previous page), else the `referrer` column (an event's `referrer` field, or the Referer header of
 * a client event) unless it names the page's own host (the Referer of a page's own request is the page).
 */
export const CAME_FROM_SQL = "if(last != '', last, if(domain(referrer) = domain(url), '', referrer))";

/**
 * Distinct visitors, counted exactly: a server event that names no visitor is stored with the zero vid,
 * which is nobody and not counted (uniq's estimate would differ from the exact count on the other view).
 */
export const VISITORS_SQL = 'uniqExactIf(vid, notEmpty(vid))';

/** The page of a page view: the url's path, `(none)` for a page view without one. */
export const PAGE_SQL = "if(path(url) = '', '(none)', path(url))";

/** A column's value in a breakdown, `(unknown)` when the event has none. */
export const orUnknown = (column: string): string => `if(${column} = '', '(unknown)', toString(${column}))`;
