-- A server event that names no visitor is stored with the zero vid, and one that names no session with
-- the zero sid (before, each got a fresh random id and counted as a visitor and a session of its own).
-- The zero ids are nobody: the visitors and sessions rollups leave them out from here on. Rows already
-- rolled up stay as they are; the views change in place (MODIFY QUERY), so no insert runs without them.
ALTER TABLE {{object visitors_mv}} MODIFY QUERY
SELECT oid, vid,
  min(created_at) AS first_seen, max(created_at) AS last_seen, toUInt64(count()) AS events,
  anyLast(uid) AS uid,
  argMinState(url, created_at) AS first_url, argMinState(source, created_at) AS first_source,
  argMinState(medium, created_at) AS first_medium, argMinState(campaign, created_at) AS first_campaign,
  argMaxState(url, created_at) AS last_url, argMaxState(toString(country), created_at) AS country
FROM {{ref events}}
WHERE notEmpty(vid)
GROUP BY oid, vid;

ALTER TABLE {{object sessions_mv}} MODIFY QUERY
SELECT oid, sid, any(vid) AS vid, min(created_at) AS started, max(created_at) AS ended,
  toUInt64(count()) AS events,
  argMinState(url, created_at) AS entry_url, argMaxState(url, created_at) AS exit_url
FROM {{ref events}}
WHERE notEmpty(sid)
GROUP BY oid, sid;

-- impression_daily's unique visitors likewise leave the zero vid out (its counts are unchanged).
ALTER TABLE {{object impression_daily_mv}} MODIFY QUERY
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
  uniqStateIf(vid, is_impression AND notEmpty(vid)) AS unique_visitors
FROM {{ref events}}
WHERE is_impression OR is_conversion
GROUP BY oid, day, campaign, xid;
