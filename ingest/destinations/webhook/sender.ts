// POST {"destination": "<name>", "events": [<row>, ...]} to the webhook's URL, signed (signature.ts).
// Each event is the `events` row as stored (eid, ename, etyp, created_at, url, params, ...; the receiver
// deduplicates by eid: delivery is at least once), without `ad_match`, the match keys kept for ad
// platforms. The signing secret is the file's content without surrounding whitespace, read for every
// request (rotation needs no restart).
import { readFile } from 'node:fs/promises';
import type { WebhookDestination } from '../../../common/config/destinations.ts';
import type { Sender, StoredEvent } from '../contract.ts';
import { classify, post, unanswered } from '../http.ts';
import { SIGNATURE_HEADER, signature } from './signature.ts';

export function webhookBody(name: string, events: readonly StoredEvent[]): string {
  return JSON.stringify({
    destination: name,
    events: events.map(withoutMatchKeys),
  });
}

function withoutMatchKeys({ ad_match: _kept, ...row }: StoredEvent): StoredEvent {
  return row;
}

export function webhookSender(d: WebhookDestination, now: () => number = Date.now): Sender {
  return {
    async send(events, signal) {
      let secret: string;
      try {
        secret = (await readFile(d.signingSecretFile, 'utf8')).trim();
      } catch (err) {
        return {
          kind: 'retry',
          reason: `signing secret file unreadable: ${(err as NodeJS.ErrnoException).code}`,
        };
      }
      const body = webhookBody(d.name, events);
      try {
        const headers = { [SIGNATURE_HEADER]: signature(secret, body, now()) };
        return classify(await post(d.url, body, headers, d.delivery.timeoutMs, signal));
      } catch (err) {
        return unanswered(err);
      }
    },
  };
}
