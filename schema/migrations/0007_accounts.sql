-- Organisations, accounts, API keys and erase requests.

-- `ddata` holds per-org settings such as tracker_host and default_destination_host.
CREATE TABLE IF NOT EXISTS {{table orgs}} (
  oid UUID,
  org LowCardinality(String),
  parent UUID,
  root UUID,
  lname String,
  hname String,
  notes String,
  roles Array(String),
  rights Array(String),
  etype LowCardinality(String),
  country LowCardinality(String),
  lang LowCardinality(String),
  hq_id UUID,
  addresses JSON,
  host String,
  hhash String,
  taxid String,
  terms_accepted DateTime64(3, 'UTC'),
  ddata JSON,
  mcerts JSON,
  expiry DateTime64(3, 'UTC'),
  email String,
  phone String,
  slack_webhook_url String,
  created_at DateTime64(3, 'UTC') DEFAULT now64(3, 'UTC'),
  owner UUID,
  updated_at DateTime64(3, 'UTC') DEFAULT now64(3, 'UTC'),
  updater UUID
) ENGINE = {{engine ReplacingMergeTree(updated_at)}}
ORDER BY (oid, org)
{{settings}}
{{distribute cityHash64(oid)}};

-- The accounts of the credentials-in-path admin form; `pwd` is never an unsalted SHA-1 here (the API stores a scrypt/argon2
-- string) and `expires` is enforced by the API.
CREATE TABLE IF NOT EXISTS {{table accounts}} (
  uid UUID,
  pwd String,
  ip String,
  msg String,
  expires DateTime64(3, 'UTC'),
  creds JSON,
  oid UUID,
  created_at DateTime64(3, 'UTC') DEFAULT now64(3, 'UTC'),
  updated_at DateTime64(3, 'UTC') DEFAULT now64(3, 'UTC'),
  owner UUID
) ENGINE = {{engine ReplacingMergeTree(updated_at)}}
ORDER BY uid
{{settings}}
{{distribute cityHash64(uid)}};

-- API keys for the short-link admin API: only a hash of the key is stored, scoped to one org.
-- Revocation is a newer row with revoked = 1.
CREATE TABLE IF NOT EXISTS {{table api_keys}} (
  oid UUID,
  key_id String,
  hash String,
  name String,
  scopes Array(String),
  revoked UInt8,
  expires_at DateTime64(3, 'UTC'),
  created_at DateTime64(3, 'UTC') DEFAULT now64(3, 'UTC'),
  updated_at DateTime64(3, 'UTC') DEFAULT now64(3, 'UTC')
) ENGINE = {{engine ReplacingMergeTree(updated_at)}}
ORDER BY (oid, key_id)
{{settings}}
{{distribute cityHash64(oid)}};

-- Erase-by-visitor requests (POST /ppi/forget): the latest status per request id.
CREATE TABLE IF NOT EXISTS {{table erasures}} (
  request_id UUID,
  oid UUID,
  vid UUID,
  uid UUID,
  ehash String,
  status LowCardinality(String),
  detail String,
  created_at DateTime64(3, 'UTC') DEFAULT now64(3, 'UTC'),
  updated_at DateTime64(3, 'UTC') DEFAULT now64(3, 'UTC')
) ENGINE = {{engine ReplacingMergeTree(updated_at)}}
ORDER BY request_id
{{settings}}
{{distribute cityHash64(request_id)}};
