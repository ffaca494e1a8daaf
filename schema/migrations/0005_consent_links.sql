-- Consent records and short links.

-- Full consent history: the API writes here, one row per POST /ppi/agree.
CREATE TABLE IF NOT EXISTS {{table agreed}} (
  vid UUID,
  created_at DateTime64(3, 'UTC') DEFAULT now64(3, 'UTC'),
  updated_at DateTime64(3, 'UTC') DEFAULT now64(3, 'UTC'),
  compliances JSON,
  cflags Int64,
  sid UUID,
  uid UUID,
  avid UUID,
  hhash String,
  app LowCardinality(String),
  rel LowCardinality(String),
  url String,
  ip String,
  iphash String,
  gaid String,
  idfa String,
  msid String,
  fbid String,
  country LowCardinality(String),
  region String,
  culture LowCardinality(String),
  source String,
  medium String,
  campaign String,
  term String,
  ref UUID,
  rcode String,
  aff String,
  browser String,
  bhash String,
  device LowCardinality(String),
  os LowCardinality(String),
  tz LowCardinality(String),
  vp_w Int64,
  vp_h Int64,
  loc JSON,
  lat Float64,
  lon Float64,
  zip String,
  owner UUID,
  oid UUID,
  org LowCardinality(String)
) ENGINE = {{engine MergeTree}}
PARTITION BY toYYYYMM(created_at)
ORDER BY (oid, vid, created_at)
{{ttl created_at}}
{{settings}}
{{distribute cityHash64(vid)}};

-- Latest consent per visitor: keyed by (oid, vid), versioned by updated_at, so the newest row wins
-- (keyed by time as well, every row would stay and no row would be the latest). Derived from agreed.
CREATE TABLE IF NOT EXISTS {{table agreements}} AS {{ref agreed}}
ENGINE = {{engine ReplacingMergeTree(updated_at)}}
ORDER BY (oid, vid)
{{settings}}
{{distribute cityHash64(vid)}};

CREATE MATERIALIZED VIEW IF NOT EXISTS {{object agreements_mv}} TO {{ref agreements}} AS
SELECT * FROM {{ref agreed}};

CREATE TABLE IF NOT EXISTS {{table jurisdictions}} (
  regulation LowCardinality(String),
  compliance LowCardinality(String),
  seq UInt32,
  rules JSON,
  locs JSON,
  updated_at DateTime64(3, 'UTC') DEFAULT now64(3, 'UTC')
) ENGINE = {{engine ReplacingMergeTree(updated_at)}}
ORDER BY (regulation, compliance, seq)
{{settings}}
{{distribute cityHash64(regulation)}};

-- Short links, latest per (host, slug); `deleted = 1` rows are tombstones that FINAL drops.
CREATE TABLE IF NOT EXISTS {{table redirects}} (
  hhash String,
  urlfrom String,
  urlto String,
  oid UUID,
  org LowCardinality(String),
  updated_at DateTime64(3, 'UTC') DEFAULT now64(3, 'UTC'),
  updater UUID,
  created_at DateTime64(3, 'UTC') DEFAULT now64(3, 'UTC'),
  deleted UInt8
) ENGINE = {{engine ReplacingMergeTree(updated_at, deleted)}}
ORDER BY (hhash, urlfrom)
{{settings}}
{{distribute cityHash64(hhash, urlfrom)}};

CREATE TABLE IF NOT EXISTS {{table redirect_history}} (
  urlfrom String,
  hostfrom String,
  slugfrom String,
  urlto String,
  hostto String,
  pathto String,
  searchto String,
  oid UUID,
  org LowCardinality(String),
  updater UUID,
  updated_at DateTime64(3, 'UTC') DEFAULT now64(3, 'UTC'),
  action LowCardinality(String)
) ENGINE = {{engine MergeTree}}
PARTITION BY toYYYYMM(updated_at)
ORDER BY (oid, hostfrom, slugfrom, updated_at)
{{ttl updated_at}}
{{settings}}
{{distribute cityHash64(hostfrom, slugfrom)}};
