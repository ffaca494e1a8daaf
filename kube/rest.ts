// The one HTTP path to the apiserver for non-watch calls: authentication and TLS come from client-node's
// KubeConfig (token files, exec plugins, certificates), requests go through ONE pooled undici Agent
// (client-node 2.0.1 builds a new dispatcher per request, i.e. a TLS handshake per call). Every request is
// reported by verb to `onRequest`, so the operator's zero-write guarantee and the bench have a number to read.
import type { KubeConfig } from '@kubernetes/client-node';
import { Agent, fetch } from 'undici';

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

export type RequestOptions = { query?: Record<string, string | undefined>; body?: unknown };

export class KubeRest {
  readonly server: string;
  readonly #kc: KubeConfig;
  readonly #onRequest: ((verb: Verb) => void) | undefined;
  #agent: Agent | undefined;

  constructor(kc: KubeConfig, onRequest?: (verb: Verb) => void) {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('create kube client: the kubeconfig has no current cluster');
    this.server = cluster.server.replace(/\/$/, '');
    this.#kc = kc;
    this.#onRequest = onRequest;
  }

  async request<T>(verb: Verb, path: string, opts: RequestOptions = {}): Promise<T> {
    const url = new URL(this.server + path);
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    const headers = await this.#headers();
    const type = contentTypes[verb];
    if (type && opts.body !== undefined) headers['content-type'] = type;
    this.#onRequest?.(verb);
    const res = await fetch(url, {
      method: methods[verb],
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      dispatcher: await this.#dispatcher(),
    });
    const text = await res.text();
    if (!res.ok) throw new ApiError(`${verb} ${url.pathname}`, res.status, text);
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

  async close(): Promise<void> {
    await this.#agent?.close();
  }

  async #headers(): Promise<Record<string, string>> {
    const opts: { headers?: Record<string, string> } = {};
    await this.#kc.applyToHTTPSOptions(opts);
    return { accept: 'application/json', ...opts.headers };
  }

  async #dispatcher(): Promise<Agent> {
    if (this.#agent) return this.#agent;
    const tls: Record<string, unknown> = {};
    await this.#kc.applyToHTTPSOptions(tls);
    const connect = {
      ca: tls.ca,
      cert: tls.cert,
      key: tls.key,
      rejectUnauthorized: tls.rejectUnauthorized,
      servername: tls.servername,
      keepAlive: true,
      keepAliveInitialDelay: 30_000,
    } as Agent.Options['connect'];
    this.#agent = new Agent({ connect, connections: 16 });
    return this.#agent;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
