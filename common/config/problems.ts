// Turn TypeBox validation errors into one readable line per problem, naming the key path
// ("server.port: must be integer", "cors.bogus: unknown key"). Unions are condensed so a wrong
// discriminant reports "must be one of …" instead of every branch's complaints.

export interface SchemaError {
  keyword: string;
  schemaPath: string;
  instancePath: string;
  params: Record<string, unknown>;
  message: string;
}

const keyPath = (instancePath: string): string =>
  instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'))
    .join('.') || '(root)';

const join = (base: string, key: string) => (base === '(root)' ? key : `${base}.${key}`);

function anyOfPrefix(schemaPath: string): { prefix: string; branch: number } | undefined {
  const m = /^(.*?\/anyOf)\/(\d+)/.exec(schemaPath);
  return m ? { prefix: m[1] ?? '', branch: Number(m[2]) } : undefined;
}

function oneOfMessage(errs: SchemaError[]): string[] {
  const byPath = new Map<string, unknown[]>();
  for (const e of errs) {
    if (e.keyword !== 'const') continue;
    const list = byPath.get(e.instancePath) ?? [];
    list.push(e.params.allowedValue);
    byPath.set(e.instancePath, list);
  }
  return [...byPath].map(
    ([p, vals]) => `${keyPath(p)}: must be one of ${vals.map((v) => String(v)).join(', ')}`,
  );
}

function condenseUnion(errs: SchemaError[]): SchemaError[] | string[] {
  const branches = new Map<number, SchemaError[]>();
  for (const e of errs) {
    const b = anyOfPrefix(e.schemaPath)?.branch ?? -1;
    branches.set(b, [...(branches.get(b) ?? []), e]);
  }
  const matching = [...branches.values()].filter((list) => !list.some((e) => e.keyword === 'const'));
  if (matching.length === 0) return oneOfMessage(errs);
  return matching.reduce((a, b) => (b.length < a.length ? b : a));
}

function describe(e: SchemaError): string[] {
  if (e.keyword === 'additionalProperties') {
    const extra = Array.isArray(e.params.additionalProperties) ? e.params.additionalProperties : [];
    return extra.map((k) => `${join(keyPath(e.instancePath), String(k))}: unknown key`);
  }
  if (e.keyword === 'required') {
    const req = Array.isArray(e.params.requiredProperties) ? e.params.requiredProperties : [];
    return req.map((k) => `${join(keyPath(e.instancePath), String(k))}: is required`);
  }
  return [`${keyPath(e.instancePath)}: ${e.message}`];
}

/** One message per problem, stable order, duplicates removed. */
export function formatSchemaErrors(errors: readonly SchemaError[]): string[] {
  const relevant = errors.filter(
    (e) =>
      e.keyword !== 'anyOf' && !(e.keyword === 'boolean' && e.schemaPath.endsWith('/additionalProperties')),
  );
  const plain: SchemaError[] = [];
  const unions = new Map<string, SchemaError[]>();
  for (const e of relevant) {
    const u = anyOfPrefix(e.schemaPath);
    if (u === undefined) plain.push(e);
    else unions.set(u.prefix, [...(unions.get(u.prefix) ?? []), e]);
  }
  const out: string[] = plain.flatMap(describe);
  for (const errs of unions.values()) {
    const condensed = condenseUnion(errs);
    for (const c of condensed) out.push(...(typeof c === 'string' ? [c] : describe(c)));
  }
  return [...new Set(out)];
}
