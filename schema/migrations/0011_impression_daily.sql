-- impression_daily: impressions, conversions and unique visitors per day, org, campaign and variant (xid),
-- derived from events by a materialized view like every other rollup (the API never writes it).
-- Which events count is configuration (rollups.impressionDaily); the view reads it from rollup_settings
-- at every insert, so a configuration change applies to the events inserted after it without DDL
-- (ADR 0016). Events already counted stay counted as they were.

-- The rules the view reads, one row per list, latest updated_at wins. Written by the schema runner from
-- the configuration (schema/rollups.ts), never by the data path. Every node holds every row: the view
-- runs on whichever shard an events insert lands.
CREATE TABLE IF NOT EXISTS {{everywhere rollup_settings}} (
  name LowCardinality(String),
  values Array(String),
  updated_at DateTime64(6, 'UTC') DEFAULT now64(6, 'UTC')
) ENGINE = {{engine ReplacingMergeTree(updated_at)}}
ORDER BY name;

-- Aggregating: the counts are summed at merge time, unique visitors are uniq states merged at read time.
-- Read with sum(...) and uniqMerge(unique_visitors), grouped by the key columns you need.
CREATE TABLE IF NOT EXISTS {{table impression_daily}} (
  oid UUID,
  day Date,
  campaign String,
  xid String,
  impressions SimpleAggregateFunction(sum, UInt64),
  anonymous_impressions SimpleAggregateFunction(sum, UInt64),
  identified_impressions SimpleAggregateFunction(sum, UInt64),
  conversions SimpleAggregateFunction(sum, UInt64),
  unique_visitors AggregateFunction(uniq, UUID)
) ENGINE = {{engine AggregatingMergeTree}}
PARTITION BY toYYYYMM(day)
ORDER BY (oid, day, campaign, xid)
{{ttl day}}
{{settings}}
{{distribute cityHash64(oid, campaign)}};

-- An impression: etyp in impression_etyps or ename in impression_enames. A conversion: ename in
-- conversion_enames. Anonymous means no uid (the zero UUID); unique visitors count the vids of impressions.
CREATE MATERIALIZED VIEW IF NOT EXISTS {{object impression_daily_mv}} TO {{ref impression_daily}} AS
WITH
  (SELECT argMax(values, updated_at) FROM {{db}}.rollup_settings WHERE name = 'impression_daily.impression_etyps') AS impression_etyps,
  (SELECT argMax(values, updated_at) FROM {{db}}.rollup_settings WHERE name = 'impression_daily.impression_enames') AS impression_enames,
  (SELECT argMax(values, updated_at) FROM {{db}}.rollup_settings WHERE name = 'impression_daily.conversion_enames') AS conversion_enames,
  has(impression_etyps, toString(etyp)) OR has(impression_enames, toString(ename)) AS is_impression,
  has(conversion_enames, toString(ename)) AS is_conversion
SELECT oid, toDate(created_at) AS day, campaign, xid,
  toUInt64(countIf(is_impression)) AS impressions,
  toUInt64(countIf(is_impression AND empty(uid))) AS anonymous_impressions,
  toUInt64(countIf(is_impression AND NOT empty(uid))) AS identified_impressions,
  toUInt64(countIf(is_conversion)) AS conversions,
  uniqStateIf(vid, is_impression) AS unique_visitors
FROM {{ref events}}
WHERE is_impression OR is_conversion
GROUP BY oid, day, campaign, xid;
