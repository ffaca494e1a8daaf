// The one HTTP path to the apiserver: authentication and TLS come from a KubeAccess (kube/access.ts);
// requests go through ONE pooled undici Agent, watch streams through a second one (a watch holds its
// connection for minutes and must not take a request's place). Every request is reported by verb to
// `onRequest`, so the operator's zero-write guarantee and the bench have a number to read; watch streams
// are not requests in that sense and are not reported. Both use undici's own `request`, not `fetch`: the
// WHATWG layer (Request, Headers, Response, web streams) cost a few percent of the operator's CPU and more
// of its garbage while 50 clusters were created, for nothing the client needs (no redirects, no CORS).
import { Agent, type Dispatcher } from 'undici';
import type { KubeAccess } from './access.ts';

export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  readonly reason: string;
  constructor(what: string, status: number, body: string) {
    const parsed = safeJson(body) as { reason?: string; message?: string } | undefined;
    super(`${what}: ${status} ${parsed?.message ?? body.slice(0, 300)}`);
    this.status = status;
    this.reason = parsed?.reason ?? '';
  }
}

export const isNotFound = (err: unknown): boolean => err instanceof ApiError && err.status === 404;
export const isConflict = (err: unknown): boolean => err instanceof ApiError && err.status === 409;

export type Verb = 'get' | 'list' | 'create' | 'update' | 'patch' | 'apply' | 'delete';
const methods: Record<Verb, string> = {
  get: 'GET',
  list: 'GET',
  create: 'POST',
  update: 'PUT',
  patch: 'PATCH',
  apply: 'PATCH',
  delete: 'DELETE',
};
// A DELETE body is DeleteOptions: the apiserver takes one without a content type for built-in kinds but
// answers 415 for custom resources (a cert-manager Certificate), so it is always labelled.
const contentTypes: Partial<Record<Verb, string>> = {
  create: 'application/json',
  update: 'application/json',
  patch: 'application/merge-patch+json',
  apply: 'application/apply-patch+yaml',
  delete: 'application/json',
};

/** Connections for requests (watches have their own). */
const requestConnections = 64;

/** `accept`: the Accept header instead of plain JSON (e.g. metadata only: `metadataOnlyAccept`). */
export type RequestOptions = { query?: Record<string, string | undefined>; body?: unknown; accept?: string };

/**
 * Accept headers asking the apiserver for objects' metadata only (PartialObjectMetadata, as client-go's
 * metadata client asks), plain JSON as the fallback: a list, and a watch's events.
 */
export const metadataOnlyAccept = {
  list: 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json',
  watch: 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json',
} as const;

/** One line of a watch stream. */
export type WatchEvent<T> = { type: string; object: T };

export class KubeRest {
  readonly server: string;
  readonly #access: KubeAccess;
  readonly #onRequest: ((verb: Verb) => void) | undefined;
  readonly #onAnswer: ((verb: Verb, seconds: number) => void) | undefined;
  readonly #agent: Agent;
  readonly #watchAgent: Agent;

  /** `onAnswer`: each request's duration until its answer was read (failed ones included). */
  constructor(
    access: KubeAccess,
    onRequest?: (verb: Verb) => void,
    onAnswer?: (verb: Verb, seconds: number) => void,
  ) {
    this.server = access.server;
    this.#access = access;
    this.#onRequest = onRequest;
    this.#onAnswer = onAnswer;
    const { ca, cert, key, rejectUnauthorized, servername } = access.tls;
    const connect = {
      ca,
      cert,
      key,
      rejectUnauthorized,
      servername,
      keepAlive: true,
      keepAliveInitialDelay: 30_000,
    };
    // 64, not 16: with 16, a new TrackerCluster's first write (its Secrets) waited ~1 s for a connection
    // behind the other clusters' applies when 50 were created at once, most of its whole wait; the
    // apiserver answered it within a few hundred ms of receiving it (bench/README.md, ADR 0055).
    this.#agent = new Agent({ connect, connections: requestConnections });
    // A watch is silent between events for as long as nothing changes: its liveness is the caller's
    // watchdog (bookmarks), not a body timeout.
    this.#watchAgent = new Agent({ connect, bodyTimeout: 0 });
  }

  async request<T>(verb: Verb, path: string, opts: RequestOptions = {}): Promise<T> {
    const url = this.#url(path, opts.query);
    const headers = this.#headers(opts.accept);
    const type = contentTypes[verb];
    if (type && opts.body !== undefined) headers['content-type'] = type;
    this.#onRequest?.(verb);
    const started = performance.now();
    let status: number;
    let text: string;
    try {
      const res = await this.#agent.request({
        ...target(url),
        method: methods[verb] as Dispatcher.HttpMethod,
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      });
      status = res.statusCode;
      text = await res.body.text();
    } finally {
      this.#onAnswer?.(verb, (performance.now() - started) / 1000);
    }
    if (!ok(status)) throw new ApiError(`${verb} ${url.pathname}`, status, text);
    return (text ? JSON.parse(text) : {}) as T;
  }

  /** GET that answers undefined for 404. */
  async getOrUndefined<T>(path: string): Promise<T | undefined> {
    try {
      return await this.request<T>('get', path);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /**
   * A watch stream (`?watch=1`): every JSON line is handed to `onEvent` as it arrives; resolves when the
   * server ends the stream, rejects with an ApiError when it refuses the watch (e.g. 410 Gone) and with an
   * AbortError once `signal` aborts.
   */
  async watch<T>(
    path: string,
    query: Record<string, string | undefined>,
    onEvent: (event: WatchEvent<T>) => void,
    signal: AbortSignal,
    accept?: string,
  ): Promise<void> {
    const url = this.#url(path, { ...query, watch: '1' });
    const res = await this.#watchAgent.request({
      ...target(url),
      method: 'GET',
      headers: this.#headers(accept),
      signal,
    });
    if (!ok(res.statusCode))
      throw new ApiError(`watch ${url.pathname}`, res.statusCode, await res.body.text());
    const decoder = new TextDecoder();
    let buffered = '';
    for await (const chunk of res.body) {
      buffered += decoder.decode(chunk as Uint8Array, { stream: true });
      let nl = buffered.indexOf('\n');
      while (nl >= 0) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (line) onEvent(JSON.parse(line) as WatchEvent<T>);
        nl = buffered.indexOf('\n');
      }
    }
    const rest = (buffered + decoder.decode()).trim();
    if (rest) onEvent(JSON.parse(rest) as WatchEvent<T>);
  }

  async close(): Promise<void> {
    // A watch still open would hold close() until its stream ends: watches are cut, requests finish.
    await Promise.all([this.#agent.close(), this.#watchAgent.destroy()]);
  }

  #url(path: string, query: Record<string, string | undefined> = {}): URL {
    const url = new URL(this.server + path);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, v);
    return url;
  }

  #headers(accept = 'application/json'): Record<string, string> {
    return { accept, ...this.#access.authHeaders() };
  }
}

/** Where undici's `request` sends: the origin, and the path with its query (a server URL's own path kept). */
const target = (url: URL): { origin: string; path: string } => ({
  origin: url.origin,
  path: url.pathname + url.search,
});

const ok = (status: number): boolean => status >= 200 && status < 300;

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
