// POST <graphApiUrl>/<graphApiVersion>/<pixelId>/events with up to 1000 server events. The access token
// is read from its file for every request (a rotated Secret is picked up without a restart) and sent in
// the Authorization header only: never in the URL, never in a log line or dead letter.
// Facebook answers errors as JSON {error: {code, message, is_transient, ...}}; beyond the HTTP status,
// transient errors and rate limits are retried, token and permission errors wait for the operator (the
// token must be fixed, the events are not at fault), anything else refuses the events for good.
import { readFile } from 'node:fs/promises';
import type { FacebookDestination } from '../../../common/config/destinations.ts';
import type { Sender, SendOutcome } from '../contract.ts';
import { type Answer, classify, post, unanswered } from '../http.ts';
import { requestBody } from './payload.ts';

/** Graph API error codes that mean "later": unknown/service errors and the rate limits. */
const TRANSIENT_CODES = new Set([1, 2, 4, 17, 32, 341, 613, 80004]);
/** Token and permission errors: nothing is wrong with the events. */
const CREDENTIAL_CODES = new Set([10, 102, 190]);

interface GraphError {
  readonly code?: number;
  readonly error_subcode?: number;
  readonly message?: string;
  readonly error_user_msg?: string;
  readonly is_transient?: boolean;
}

export function eventsUrl(d: FacebookDestination): string {
  return `${d.graphApiUrl.replace(/\/+$/, '')}/${d.graphApiVersion}/${d.pixelId}/events`;
}

export function facebookSender(d: FacebookDestination): Sender {
  const url = eventsUrl(d);
  return {
    async send(events, signal) {
      let token: string;
      try {
        token = (await readFile(d.accessTokenFile, 'utf8')).trim();
      } catch (err) {
        return {
          kind: 'retry',
          reason: `access token file unreadable: ${(err as NodeJS.ErrnoException).code}`,
        };
      }
      try {
        const headers = { authorization: `Bearer ${token}` };
        return refine(await post(url, requestBody(events, d), headers, d.delivery.timeoutMs, signal));
      } catch (err) {
        return unanswered(err);
      }
    },
  };
}

export function refine(answer: Answer): SendOutcome {
  const basic = classify(answer);
  if (basic.kind === 'sent') return basic;
  const error = graphError(answer.text);
  if (error === undefined) return basic;
  const reason = `Facebook error ${error.code ?? '?'}${error.error_subcode ? `/${error.error_subcode}` : ''}: ${
    error.error_user_msg ?? error.message ?? basic.reason
  }`;
  const code = error.code ?? 0;
  const later = error.is_transient === true || TRANSIENT_CODES.has(code) || CREDENTIAL_CODES.has(code);
  if (later || (code >= 200 && code < 300)) return { ...basic, kind: 'retry', reason };
  return { ...basic, reason };
}

function graphError(text: string): GraphError | undefined {
  try {
    const body = JSON.parse(text) as { error?: GraphError };
    return typeof body.error === 'object' && body.error !== null ? body.error : undefined;
  } catch {
    return undefined;
  }
}
