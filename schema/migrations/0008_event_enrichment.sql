-- What the ingest derives for analytics beyond the Go tracker's columns: the referrer (the client's, or
-- the Referer header), the ad click ids, the parsed user agent (browser and os hold the names; the
-- version columns their versions; device the device type) with a bot flag, and whether the event id
-- came from the client (the ids the ingest deduplicates retries by).
ALTER TABLE {{alter events}}
  ADD COLUMN IF NOT EXISTS referrer String,
  ADD COLUMN IF NOT EXISTS gclid String,
  ADD COLUMN IF NOT EXISTS fbclid String,
  ADD COLUMN IF NOT EXISTS msclkid String,
  ADD COLUMN IF NOT EXISTS browser_version String,
  ADD COLUMN IF NOT EXISTS os_version String,
  ADD COLUMN IF NOT EXISTS bot Bool DEFAULT false,
  ADD COLUMN IF NOT EXISTS client_eid Bool DEFAULT false;
