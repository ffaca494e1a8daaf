// How batches reach the ingest. A transport answers whether the ingest took a batch, and whether a
// refusal is worth retrying: network failures, 408, 429 and 5xx are; any other 4xx is final for that
// input (retrying the same bytes cannot succeed).
import { AGREE, type Ev } from './queue.ts';

export type Result =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly retryMs?: number;
      /** The ingest's error code, and its message saying why (an unknown site key, a bad field, …). */
      readonly error?: string;
      readonly message?: string;
      readonly final?: boolean;
    };

export interface Transport {
  send(evs: readonly Ev[]): Promise<Result>;
  /** Hands events to the browser to deliver after the page is gone; false when it refused them. */
  beacon(evs: readonly Ev[]): boolean;
  close(): void;
}

// Browsers cap the bodies of keepalive requests (fetch keepalive and sendBeacon) at 64 KiB in flight.
export const KEEPALIVE_MAX_BYTES = 60_000;

const retryable = (status: number) => status === 408 || status === 429 || status >= 500;

function retryAfterMs(h: string | null): number | undefined {
  const s = Number(h);
  return h !== null && Number.isFinite(s) && s >= 0 ? s * 1000 : undefined;
}

/** Where events go and as what: a batch as a JSON array to the events route, a consent record (always
 * alone in its batch) as one object, without its mark, to the consent route. */
function target(endpoint: string, evs: readonly Ev[]): [url: string, body: string] {
  const first = evs[0];
  if (first === undefined || !(AGREE in first)) return [`${endpoint}/tr/v1/tr/`, JSON.stringify(evs)];
  const { [AGREE]: _mark, ...record } = first;
  return [`${endpoint}/tr/v1/ppi/agree`, JSON.stringify(record)];
}

/** Batches POSTed as a JSON array, as text/plain so no CORS preflight is needed. */
export function httpTransport(endpoint: string, credentials: boolean): Transport {
  return {
    async send(evs) {
      const [url, body] = target(endpoint, evs);
      let res: Response;
      try {
        res = await fetch(url, {
          method: 'POST',
          body,
          // keepalive lets a request sent just before the page goes away finish
          keepalive: new TextEncoder().encode(body).length < KEEPALIVE_MAX_BYTES,
          credentials: credentials ? 'include' : 'omit',
        });
      } catch {
        return { ok: false };
      }
      if (res.ok) return { ok: true };
      const { error, message } = await res.json().then(
        (b: { error?: string; message?: string }) => ({
          error: b.error ?? `HTTP_${res.status}`,
          message: b.message,
        }),
        () => ({ error: `HTTP_${res.status}`, message: undefined }),
      );
      const retryMs = retryAfterMs(res.headers.get('retry-after'));
      return retryable(res.status)
        ? { ok: false, error, ...(retryMs === undefined ? {} : { retryMs }) }
        : { ok: false, error, ...(typeof message === 'string' ? { message } : {}), final: true };
    },
    beacon: (evs) => navigator.sendBeacon?.(...target(endpoint, evs)) ?? false,
    close() {},
  };
}
