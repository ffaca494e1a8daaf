// How to reach and authenticate to an apiserver, read from a kubeconfig file or a pod's service account.
// Covers what an operator's credentials are made of: a server URL, a CA (file or inline), client
// certificates (file or inline), a bearer token (inline or a file re-read as it rotates), basic auth,
// impersonation, insecure-skip-tls-verify and tls-server-name. Credential plugins (`exec`, `auth-provider`)
// and proxies are refused with a message naming them: running a plugin is not something an operator
// in a pod needs, and ignoring one would fail every request later with a less useful error.
import { readFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { dirname, isAbsolute, join } from 'node:path';
import { parse } from 'yaml';

/** A kubeconfig the operator cannot use; the message names the file and the problem, on one line. */
export class KubeAccessError extends Error {
  override readonly name = 'KubeAccessError';
}

export interface TlsOptions {
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly rejectUnauthorized: boolean;
  readonly servername?: string;
}

export interface KubeAccess {
  /** Without a trailing slash. */
  readonly server: string;
  readonly tls: TlsOptions;
  /** Headers that authenticate a request (a token file is re-read at most once a minute). */
  authHeaders(): Record<string, string>;
}

/** client-go re-reads a token file at most this often (bound service account tokens rotate hourly). */
const TOKEN_FILE_REREAD_MS = 60_000;

/** A token read from a file, re-read once it is older than a minute, so a rotated token is picked up. */
export function tokenFile(file: string, now: () => number = Date.now): () => string {
  let token = '';
  let readAt = Number.NEGATIVE_INFINITY;
  return () => {
    if (now() - readAt > TOKEN_FILE_REREAD_MS) {
      token = readFileSync(file, 'utf8').trim();
      readAt = now();
    }
    return token;
  };
}

function access(
  server: string,
  tls: TlsOptions,
  auth: { token?: () => string; basic?: string; impersonate?: string },
): KubeAccess {
  return {
    server: server.replace(/\/$/, ''),
    tls,
    authHeaders() {
      const h: Record<string, string> = {};
      const token = auth.token?.();
      if (token) h.authorization = `Bearer ${token}`;
      else if (auth.basic) h.authorization = `Basic ${auth.basic}`;
      if (auth.impersonate) h['impersonate-user'] = auth.impersonate;
      return h;
    },
  };
}

/** The pod's service account: KUBERNETES_SERVICE_HOST/_PORT, `<dir>/ca.crt` and `<dir>/token`. */
export function inClusterAccess(env: NodeJS.ProcessEnv, dir: string): KubeAccess {
  const host = env.KUBERNETES_SERVICE_HOST ?? '';
  const port = env.KUBERNETES_SERVICE_PORT ?? '443';
  // The same plain-HTTP ports client-go and client-node treat as such.
  const scheme = ['80', '8080', '8001'].includes(port) ? 'http' : 'https';
  const server = `${scheme}://${isIPv6(host) ? `[${host}]` : host}:${port}`;
  const tls = { ca: readFileSync(join(dir, 'ca.crt')), rejectUnauthorized: true };
  return access(server, tls, { token: tokenFile(join(dir, 'token')) });
}

type Named<T> = { name?: string } & T;
type Cluster = Record<string, unknown> & { server?: string };
type User = Record<string, unknown>;
type Context = { cluster?: string; user?: string };
type Doc = {
  'current-context'?: string;
  clusters?: Named<{ cluster?: Cluster }>[];
  users?: Named<{ user?: User }>[];
  contexts?: Named<{ context?: Context }>[];
};

/** One parsed file with relative paths made absolute (kubectl resolves them against the file's directory). */
function readDoc(file: string): Doc {
  let doc: unknown;
  try {
    doc = parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new KubeAccessError((err as Error).message.split('\n')[0]);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc))
    throw new KubeAccessError('not a kubeconfig (expected a mapping)');
  const d = doc as Doc;
  const abs = (o: Record<string, unknown> | undefined, key: string) => {
    const v = o?.[key];
    if (o && typeof v === 'string' && v !== '' && !isAbsolute(v)) o[key] = join(dirname(file), v);
  };
  for (const c of d.clusters ?? []) abs(c.cluster, 'certificate-authority');
  for (const u of d.users ?? [])
    for (const k of ['client-certificate', 'client-key', 'token-file']) abs(u.user, k);
  return d;
}

/** Files merged as kubectl merges KUBECONFIG: the first file that sets a value or defines a name wins. */
function merge(docs: readonly Doc[]): Doc {
  const out: Required<Pick<Doc, 'clusters' | 'users' | 'contexts'>> & Doc = {
    clusters: [],
    users: [],
    contexts: [],
  };
  for (const d of docs) {
    out['current-context'] ||= d['current-context'];
    for (const list of ['clusters', 'users', 'contexts'] as const) {
      const into = out[list] as Named<object>[];
      for (const entry of d[list] ?? [])
        if (!into.some((e) => e.name === entry.name)) into.push(entry as Named<object>);
    }
  }
  return out;
}

const bytes = (file: unknown, data: unknown): Buffer | undefined => {
  if (typeof file === 'string' && file !== '') return readFileSync(file);
  if (typeof data === 'string' && data !== '') return Buffer.from(data, 'base64');
  return undefined;
};

function userAuth(user: User): { token?: () => string; basic?: string; impersonate?: string } {
  for (const plugin of ['exec', 'auth-provider'])
    if (user[plugin]) throw new KubeAccessError(`the user's credential plugin (${plugin}) is not supported`);
  const token = typeof user.token === 'string' && user.token !== '' ? user.token : undefined;
  const file = typeof user['token-file'] === 'string' ? user['token-file'] : undefined;
  const basic =
    typeof user.username === 'string'
      ? Buffer.from(`${user.username}:${String(user.password ?? '')}`).toString('base64')
      : undefined;
  return {
    token: token !== undefined ? () => token : file ? tokenFile(file) : undefined,
    basic,
    impersonate: typeof user.as === 'string' ? user.as : undefined,
  };
}

/** The current context of one or more kubeconfig files (KUBECONFIG's list), resolved to what a request needs. */
export function kubeconfigAccess(files: readonly string[]): KubeAccess {
  const doc = merge(files.map(readDoc));
  const name = doc['current-context'];
  if (!name) throw new KubeAccessError('no current-context');
  const context = doc.contexts?.find((c) => c.name === name)?.context;
  if (!context) throw new KubeAccessError(`current-context "${name}" is not defined`);
  const cluster = doc.clusters?.find((c) => c.name === context.cluster)?.cluster;
  if (!cluster?.server) throw new KubeAccessError(`cluster "${context.cluster}" has no server`);
  if (cluster['proxy-url']) throw new KubeAccessError('proxy-url is not supported');
  const user = doc.users?.find((u) => u.name === context.user)?.user ?? {};
  const tls: TlsOptions = {
    ca: bytes(cluster['certificate-authority'], cluster['certificate-authority-data']),
    cert: bytes(user['client-certificate'], user['client-certificate-data']),
    key: bytes(user['client-key'], user['client-key-data']),
    rejectUnauthorized: cluster['insecure-skip-tls-verify'] !== true,
    servername: typeof cluster['tls-server-name'] === 'string' ? cluster['tls-server-name'] : undefined,
  };
  return access(cluster.server, tls, userAuth(user));
}
