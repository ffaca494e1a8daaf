// One POST to a destination and what its answer means for the events it carried. Shared by every kind:
//   2xx                          sent
//   408, 429, 5xx, no answer     retry (Retry-After honoured): the destination may accept them later
//   401, 403                     retry: our credentials are wrong or expired, not the events; they wait
//                                for the token or secret to be fixed (logged) instead of being dead-lettered
//   any other 4xx                refused for good: the events go to the destination's dead letters
// A kind may refine this from the body (Facebook marks transient errors and rate limits in its JSON).
import type { SendOutcome } from './contract.ts';

export interface Answer {
  readonly status: number;
  readonly retryAfterMs?: number;
  /** The body's first few KB: enough for an error message, never a whole echo. */
  readonly text: string;
}

const BODY_EXCERPT = 4096;

export async function post(
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<Answer> {
  const res = await fetch(url, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', 'user-agent': 'tracker-destinations', ...headers },
    signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
  });
  const text = (await res.text()).slice(0, BODY_EXCERPT);
  const retryAfterMs = retryAfter(res.headers.get('retry-after'));
  return { status: res.status, text, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
}

/** Retry-After as seconds or an HTTP date, in milliseconds from now. */
function retryAfter(value: string | null): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

export function classify(answer: Answer): SendOutcome {
  const { status } = answer;
  if (status >= 200 && status < 300) return { kind: 'sent' };
  const reason = `HTTP ${status}${answer.text === '' ? '' : `: ${answer.text.slice(0, 512)}`}`;
  if (status === 408 || status === 429 || status >= 500 || status === 401 || status === 403)
    return {
      kind: 'retry',
      reason,
      ...(answer.retryAfterMs === undefined ? {} : { retryAfterMs: answer.retryAfterMs }),
    };
  return { kind: 'refused', reason };
}

/** A request that got no answer (connection refused, reset, timeout) is retried. */
export function unanswered(err: unknown): SendOutcome {
  const cause = causeOf(err);
  return { kind: 'retry', reason: `no answer: ${(err as Error).message}${cause ? ` (${cause})` : ''}` };
}

/**
 * Why fetch failed, which its own message ("fetch failed") never says: the system error's code, else the
 * cause's message (a port fetch refuses to connect to is "bad port", a URL it cannot parse is named).
 */
function causeOf(err: unknown): string | undefined {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof cause?.code === 'string') return cause.code;
  return typeof cause?.message === 'string' && cause.message !== '' ? cause.message : undefined;
}
