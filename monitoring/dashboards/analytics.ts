// Analytics on the ClickHouse data source (Grafana's ClickHouse plugin, `grafana-clickhouse-datasource`,
// with the tracker database as its default database): traffic, pages, referrers, campaigns, where and on
// what visitors are, consent. The SQL uses the plugin's macros ($__timeFilter, $__timeInterval,
// $__conditionalAll); a test runs every query on the real engine against the migrated schema.
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { CAME_FROM_SQL, orUnknown, PAGE_SQL, PAGE_VIEW_SQL, VISITORS_SQL } from '../analytics-sql.ts';
import { buildDashboard, CLICKHOUSE_TYPE, type PanelSpec, queryVariable } from '../grafana.ts';

/** Time range and the site picked in the `oid` variable (all sites when `All`). */
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana variable references, not JS templates
export const WHERE = "$__timeFilter(created_at) AND $__conditionalAll(toString(oid) = '${oid}', $oid)";
const views = `${PAGE_VIEW_SQL} AND ${WHERE}`;

const table = (title: string, description: string, sql: string, width = 12): PanelSpec => ({
  title,
  description,
  kind: 'table',
  queries: [{ expr: sql }],
  width,
});

const topBy = (label: string, column: string) =>
  `SELECT ${orUnknown(column)} AS ${label}, ${VISITORS_SQL} AS visitors, count() AS events ` +
  `FROM events WHERE ${WHERE} GROUP BY ${label} ORDER BY visitors DESC, ${label} LIMIT 20`;

export const ANALYTICS_PANELS: readonly PanelSpec[] = [
  {
    title: 'Events per minute',
    description: 'Every stored event, by minute (by the panel interval on long ranges).',
    kind: 'timeseries',
    queries: [
      {
        expr: `SELECT $__timeInterval(created_at) AS time, count() AS events FROM events WHERE ${WHERE} GROUP BY time ORDER BY time`,
      },
    ],
    width: 16,
  },
  {
    title: 'Totals',
    description: 'Page views, distinct visitors and all events in the range.',
    kind: 'stat',
    queries: [
      {
        expr: `SELECT countIf(${PAGE_VIEW_SQL}) AS page_views, ${VISITORS_SQL} AS visitors, count() AS events FROM events WHERE ${WHERE}`,
      },
    ],
    width: 8,
  },
  table(
    'Top pages',
    'Page views and visitors per path.',
    `SELECT ${PAGE_SQL} AS page, count() AS views, ${VISITORS_SQL} AS visitors FROM events WHERE ${views} GROUP BY page ORDER BY views DESC, page LIMIT 20`,
  ),
  table(
    'Referrers',
    'Page views arriving from another host, by referring host.',
    `SELECT domain(${CAME_FROM_SQL}) AS referrer, count() AS views FROM events WHERE ${views} AND ${CAME_FROM_SQL} != '' AND domain(${CAME_FROM_SQL}) != domain(url) GROUP BY referrer ORDER BY views DESC, referrer LIMIT 20`,
  ),
  table(
    'Campaigns (UTM)',
    'Events by utm_source / utm_medium / utm_campaign.',
    `SELECT source, medium, campaign, count() AS events, ${VISITORS_SQL} AS visitors FROM events WHERE source != '' AND ${WHERE} GROUP BY source, medium, campaign ORDER BY events DESC, source LIMIT 20`,
  ),
  {
    title: 'Consent',
    description: 'Share of page views with each consent bit (positions set in the dashboard variables).',
    kind: 'stat',
    unit: 'percent',
    queries: [
      {
        expr:
          // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana variable references, not JS templates
          'SELECT round(100 * countIf(bitTest(cflags, ${analytics_bit})) / greatest(count(), 1), 1) AS analytics, ' +
          `round(100 * countIf(bitTest(cflags, \${marketing_bit})) / greatest(count(), 1), 1) AS marketing FROM events WHERE ${views}`,
      },
    ],
  },
  table('Countries', 'Visitors per country.', topBy('country', 'country'), 8),
  table('Devices', 'Visitors per device type.', topBy('device', 'device'), 8),
  table('Operating systems', 'Visitors per operating system.', topBy('os', 'os'), 8),
  table('Browsers', 'Visitors per browser (user agent).', topBy('browser', 'browser'), 24),
  table(
    'Last events',
    'The 50 most recent events.',
    `SELECT created_at, ename, url, country, device, toString(oid) AS site FROM events WHERE ${WHERE} ORDER BY created_at DESC LIMIT 50`,
    24,
  ),
];

const constant = (name: string, label: string, value: string) =>
  new dashboard.ConstantVariableBuilder(name).label(label).value(value);

export function analyticsDashboard(): dashboard.Dashboard {
  return buildDashboard({
    uid: 'tracker-analytics',
    title: 'Tracker / Analytics',
    description: 'Page views, visitors, pages, referrers, campaigns, countries, devices and consent.',
    datasourceType: CLICKHOUSE_TYPE,
    refresh: '1m',
    variables: [
      queryVariable(
        'oid',
        'Site (oid)',
        'SELECT DISTINCT toString(oid) FROM events LIMIT 1000',
        CLICKHOUSE_TYPE,
      ),
      constant('analytics_bit', 'Analytics consent bit', '1'),
      constant('marketing_bit', 'Marketing consent bit', '2'),
    ],
    panels: ANALYTICS_PANELS,
  });
}
