-- Rollups derived from events by materialized views. This is the ONE derivation path for them
-- as well: the API never writes these tables, so nothing is counted twice.
-- A deduplicated events insert is skipped before its views run, so retries never double-count.

-- First and last seen per visitor, kept current on every insert (a view over events would scan them all).
CREATE TABLE IF NOT EXISTS {{table visitors}} (
  oid UUID,
  vid UUID,
  first_seen SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
  last_seen SimpleAggregateFunction(max, DateTime64(3, 'UTC')),
  events SimpleAggregateFunction(sum, UInt64),
  uid SimpleAggregateFunction(anyLast, UUID),
  first_url AggregateFunction(argMin, String, DateTime64(3, 'UTC')),
  first_source AggregateFunction(argMin, String, DateTime64(3, 'UTC')),
  first_medium AggregateFunction(argMin, String, DateTime64(3, 'UTC')),
  first_campaign AggregateFunction(argMin, String, DateTime64(3, 'UTC')),
  last_url AggregateFunction(argMax, String, DateTime64(3, 'UTC')),
  country AggregateFunction(argMax, String, DateTime64(3, 'UTC'))
) ENGINE = {{engine AggregatingMergeTree}}
ORDER BY (oid, vid)
{{ttl last_seen}}
{{settings}}
{{distribute cityHash64(vid)}};

CREATE MATERIALIZED VIEW IF NOT EXISTS {{object visitors_mv}} TO {{ref visitors}} AS
SELECT oid, vid,
  min(created_at) AS first_seen, max(created_at) AS last_seen, toUInt64(count()) AS events,
  anyLast(uid) AS uid,
  argMinState(url, created_at) AS first_url, argMinState(source, created_at) AS first_source,
  argMinState(medium, created_at) AS first_medium, argMinState(campaign, created_at) AS first_campaign,
  argMaxState(url, created_at) AS last_url, argMaxState(toString(country), created_at) AS country
FROM {{ref events}}
GROUP BY oid, vid;

CREATE TABLE IF NOT EXISTS {{table sessions}} (
  oid UUID,
  sid UUID,
  vid SimpleAggregateFunction(any, UUID),
  started SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
  ended SimpleAggregateFunction(max, DateTime64(3, 'UTC')),
  events SimpleAggregateFunction(sum, UInt64),
  entry_url AggregateFunction(argMin, String, DateTime64(3, 'UTC')),
  exit_url AggregateFunction(argMax, String, DateTime64(3, 'UTC'))
) ENGINE = {{engine AggregatingMergeTree}}
ORDER BY (oid, sid)
{{ttl ended}}
{{settings}}
{{distribute cityHash64(sid)}};

CREATE MATERIALIZED VIEW IF NOT EXISTS {{object sessions_mv}} TO {{ref sessions}} AS
SELECT oid, sid, any(vid) AS vid, min(created_at) AS started, max(created_at) AS ended,
  toUInt64(count()) AS events,
  argMinState(url, created_at) AS entry_url, argMaxState(url, created_at) AS exit_url
FROM {{ref events}}
GROUP BY oid, sid;

-- Per-day counters. SummingMergeTree: the count column is summed at merge time; read with sum().
CREATE TABLE IF NOT EXISTS {{table hits}} (
  hhash String,
  url String,
  date Date,
  total UInt64
) ENGINE = {{engine SummingMergeTree(total)}}
PARTITION BY toYYYYMM(date)
ORDER BY (hhash, url, date)
{{ttl date}}
{{settings}}
{{distribute cityHash64(hhash, url)}};

CREATE MATERIALIZED VIEW IF NOT EXISTS {{object hits_mv}} TO {{ref hits}} AS
SELECT hhash, url, toDate(created_at) AS date, toUInt64(count()) AS total
FROM {{ref events}} WHERE url != ''
GROUP BY hhash, url, date;

CREATE TABLE IF NOT EXISTS {{table ips}} (
  hhash String,
  ip String,
  date Date,
  total UInt64
) ENGINE = {{engine SummingMergeTree(total)}}
PARTITION BY toYYYYMM(date)
ORDER BY (hhash, ip, date)
{{ttl date}}
{{settings}}
{{distribute cityHash64(ip)}};

-- Reads events.ip, which the ingest has already truncated or dropped per the IP mode, so the mode
-- applies here too: no raw IP reaches a rollup the mode meant to strip.
CREATE MATERIALIZED VIEW IF NOT EXISTS {{object ips_mv}} TO {{ref ips}} AS
SELECT hhash, ip, toDate(created_at) AS date, toUInt64(count()) AS total
FROM {{ref events}} WHERE ip != ''
GROUP BY hhash, ip, date;

CREATE TABLE IF NOT EXISTS {{table reqs}} (
  hhash String,
  vid UUID,
  date Date,
  total UInt64
) ENGINE = {{engine SummingMergeTree(total)}}
PARTITION BY toYYYYMM(date)
ORDER BY (hhash, vid, date)
{{ttl date}}
{{settings}}
{{distribute cityHash64(vid)}};

CREATE MATERIALIZED VIEW IF NOT EXISTS {{object reqs_mv}} TO {{ref reqs}} AS
SELECT hhash, vid, toDate(created_at) AS date, toUInt64(count()) AS total
FROM {{ref events}}
GROUP BY hhash, vid, date;

CREATE TABLE IF NOT EXISTS {{table browsers}} (
  hhash String,
  bhash String,
  browser String,
  date Date,
  total UInt64
) ENGINE = {{engine SummingMergeTree(total)}}
PARTITION BY toYYYYMM(date)
ORDER BY (hhash, bhash, browser, date)
{{ttl date}}
{{settings}}
{{distribute cityHash64(bhash)}};

CREATE MATERIALIZED VIEW IF NOT EXISTS {{object browsers_mv}} TO {{ref browsers}} AS
SELECT hhash, bhash, browser, toDate(created_at) AS date, toUInt64(count()) AS total
FROM {{ref events}} WHERE browser != ''
GROUP BY hhash, bhash, browser, date;

CREATE TABLE IF NOT EXISTS {{table referrers}} (
  hhash String,
  url String,
  date Date,
  total UInt64
) ENGINE = {{engine SummingMergeTree(total)}}
PARTITION BY toYYYYMM(date)
ORDER BY (hhash, url, date)
{{ttl date}}
{{settings}}
{{distribute cityHash64(hhash, url)}};

CREATE MATERIALIZED VIEW IF NOT EXISTS {{object referrers_mv}} TO {{ref referrers}} AS
SELECT hhash, last AS url, toDate(created_at) AS date, toUInt64(count()) AS total
FROM {{ref events}} WHERE last != ''
GROUP BY hhash, url, date;

CREATE TABLE IF NOT EXISTS {{table dailies}} (
  ip String,
  day Date,
  total UInt64
) ENGINE = {{engine SummingMergeTree(total)}}
PARTITION BY toYYYYMM(day)
ORDER BY (ip, day)
{{ttl day}}
{{settings}}
{{distribute cityHash64(ip)}};

CREATE MATERIALIZED VIEW IF NOT EXISTS {{object dailies_mv}} TO {{ref dailies}} AS
SELECT ip, toDate(created_at) AS day, toUInt64(count()) AS total
FROM {{ref events}} WHERE ip != ''
GROUP BY ip, day;
