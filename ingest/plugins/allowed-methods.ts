// Which methods a path has routes for, asked only when a request found none for its own: the answer to a
// wrong method on an existing path is then 405 with Allow, not 404. The hot routes pay nothing for it; the
// not-found path asks the router once per method the app routes.
import type { FastifyInstance, HTTPMethods } from 'fastify';

/** Every method some route of `app` (or of a context registered under it later) answers. */
export function routedMethods(app: FastifyInstance): ReadonlySet<HTTPMethods> {
  const methods = new Set<HTTPMethods>();
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) methods.add(method);
  });
  return methods;
}

function decodedPath(url: string): string {
  const path = url.split('?')[0] ?? '';
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/**
 * A route that answers every path (the short links' `GET /*`, CORS's `OPTIONS *`) tells nothing about
 * this one: its wildcard holds the whole path. A route of the path's own has a static prefix before any
 * wildcard, so its wildcard holds less.
 */
function answersEveryPath(params: Readonly<Record<string, string | undefined>>, path: string): boolean {
  const names = Object.keys(params);
  const rest = params['*'];
  return names.length === 1 && rest !== undefined && (rest === path || `/${rest}` === path);
}

/**
 * The methods with a route of their own for `url`, sorted; undefined when `method` has one (a handler
 * called callNotFound) or no method does (the path does not exist).
 */
export function allowedMethods(
  app: FastifyInstance,
  methods: ReadonlySet<HTTPMethods>,
  method: string,
  url: string,
): string[] | undefined {
  const path = decodedPath(url);
  const allowed: string[] = [];
  for (const candidate of methods) {
    // typed as always found, but null when no route matches
    const found = app.findRoute({ method: candidate, url }) as ReturnType<typeof app.findRoute> | null;
    if (found !== null && !answersEveryPath(found.params, path)) allowed.push(candidate);
  }
  if (allowed.length === 0 || allowed.includes(method)) return undefined;
  return allowed.sort();
}
