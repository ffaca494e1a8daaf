-- Match keys for the ad platforms events are forwarded to (Facebook's Conversions API). Filled by the
-- ingest only for events whose consent bits allow a configured destination to receive them, otherwise
-- empty: Facebook-normalised SHA-256 of the email and phone (the raw values are never stored), the
-- _fbp and _fbc cookies, and the raw user agent that Facebook requires for website events.
ALTER TABLE {{alter events}}
  ADD COLUMN IF NOT EXISTS ad_match JSON(max_dynamic_paths = 16);
