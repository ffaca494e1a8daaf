-- Payments and lifetime value (/tr/v1/ltv). Both are idempotent per payment line: the API derives
-- `payments.id` from the order/line id, so a resent payment replaces instead of adding.

CREATE TABLE IF NOT EXISTS {{table payments}} (
  id UUID,
  oid UUID,
  org LowCardinality(String),
  tid UUID,
  uid UUID,
  vid UUID,
  sid UUID,
  invid UUID,
  orid UUID,
  invoiced_at DateTime64(3, 'UTC'),
  product String,
  product_id UUID,
  pcat String,
  man String,
  model String,
  qty Float64,
  duration Int64,
  starts DateTime64(3, 'UTC'),
  ends DateTime64(3, 'UTC'),
  price Float64,
  discount Float64,
  revenue Float64,
  margin Float64,
  cost Float64,
  tax Float64,
  tax_rate Float64,
  commission Float64,
  referral Float64,
  fees Float64,
  subtotal Float64,
  total Float64,
  payment Float64,
  currency LowCardinality(String) DEFAULT 'USD',
  country LowCardinality(String),
  rcode String,
  region String,
  campaign_id String,
  paid_at DateTime64(3, 'UTC'),
  created_at DateTime64(3, 'UTC') DEFAULT now64(3, 'UTC'),
  updated_at DateTime64(3, 'UTC') DEFAULT now64(3, 'UTC')
) ENGINE = {{engine ReplacingMergeTree(updated_at)}}
PARTITION BY toYYYYMM(created_at)
ORDER BY (oid, org, id)
{{ttl created_at}}
{{settings}}
{{distribute cityHash64(id)}};

-- One contribution per (id, payment line). Lifetime value = sum(paid) over FINAL rows, so a resent
-- payment replaces its contribution instead of adding to it, and refunds (negative paid) subtract.
-- (A SummingMergeTree(paid) would count every retry again.)
CREATE TABLE IF NOT EXISTS {{table ltv}} (
  hhash String,
  id UUID,
  id_type LowCardinality(String),
  payment_id UUID,
  paid Float64,
  currency LowCardinality(String) DEFAULT 'USD',
  oid UUID,
  org LowCardinality(String),
  owner UUID,
  updater UUID,
  created_at DateTime64(3, 'UTC') DEFAULT now64(3, 'UTC'),
  updated_at DateTime64(3, 'UTC') DEFAULT now64(3, 'UTC')
) ENGINE = {{engine ReplacingMergeTree(updated_at)}}
ORDER BY (oid, id_type, id, payment_id)
{{settings}}
{{distribute cityHash64(id)}};
