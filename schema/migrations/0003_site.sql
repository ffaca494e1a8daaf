-- Direct-write site tables: hosts, outcomes, counters (NATS "count"), updates (NATS "update"), logs.

-- One row per (host hash, hostname); repeats collapse at merge.
CREATE TABLE IF NOT EXISTS {{table hosts}} (
  hhash String,
  hostname String,
  created_at DateTime64(3, 'UTC') DEFAULT now64(3, 'UTC')
) ENGINE = {{engine ReplacingMergeTree(created_at)}}
ORDER BY (hhash, hostname)
{{settings}}
{{distribute cityHash64(hhash)}};

CREATE TABLE IF NOT EXISTS {{table outcomes}} (
  hhash String,
  outcome String,
  sink String,
  created Date,
  url String,
  total UInt64
) ENGINE = {{engine SummingMergeTree(total)}}
PARTITION BY toYYYYMM(created)
ORDER BY (hhash, outcome, sink, url, created)
{{ttl created}}
{{settings}}
{{distribute cityHash64(hhash, outcome)}};

-- Keyed by (id, date): keyed by id alone, daily totals would merge into one row per partition.
CREATE TABLE IF NOT EXISTS {{table counters}} (
  id String,
  date Date,
  total UInt64
) ENGINE = {{engine SummingMergeTree(total)}}
PARTITION BY toYYYYMM(date)
ORDER BY (id, date)
{{settings}}
{{distribute cityHash64(id)}};

CREATE TABLE IF NOT EXISTS {{table updates}} (
  id String,
  updated_at DateTime64(3, 'UTC'),
  msg String
) ENGINE = {{engine ReplacingMergeTree(updated_at)}}
ORDER BY id
{{settings}}
{{distribute cityHash64(id)}};

CREATE TABLE IF NOT EXISTS {{table logs}} (
  id UUID,
  ldate Date,
  created_at DateTime64(3, 'UTC'),
  ltime DateTime64(9, 'UTC'),
  topic LowCardinality(String),
  name String,
  host String,
  hostname String,
  oid UUID,
  org LowCardinality(String),
  owner UUID,
  ip String,
  iphash String,
  level Int32,
  msg String,
  params JSON
) ENGINE = {{engine MergeTree}}
PARTITION BY toYYYYMM(ldate)
ORDER BY (topic, created_at, id)
{{ttl created_at}}
{{settings}}
{{distribute cityHash64(id)}};
