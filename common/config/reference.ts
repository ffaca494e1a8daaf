// The configuration reference: every key of a configuration schema, with its type, default and
// description, as Markdown tables (one per top-level section). `node scripts/generate.ts` writes the
// ingest's to docs/configuration.md; the schema stays the one source of truth, so the reference cannot
// list a key the loader refuses or leave out one it accepts.

/** The part of a JSON Schema (TypeBox's output) the reference reads. */
export interface SchemaNode {
  readonly type?: string;
  readonly const?: unknown;
  readonly anyOf?: readonly SchemaNode[];
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly patternProperties?: Readonly<Record<string, SchemaNode>>;
  readonly items?: SchemaNode;
  readonly default?: unknown;
  readonly description?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly pattern?: string;
}

/** One key of the reference. */
export interface KeyRow {
  readonly key: string;
  readonly type: string;
  readonly default: string;
  readonly description: string;
}

const literals = (s: SchemaNode): unknown[] | undefined =>
  s.anyOf?.every((a) => 'const' in a) ? s.anyOf.map((a) => a.const) : undefined;

/** An object variant of a union (the store's kinds), named by its `kind` literal. */
const objectVariants = (s: SchemaNode): SchemaNode[] | undefined =>
  s.anyOf?.every((a) => a.type === 'object' && a.properties !== undefined) ? [...s.anyOf] : undefined;

function range(s: SchemaNode): string {
  if (s.minimum === undefined) return s.maximum === undefined ? '' : ` ≤ ${s.maximum}`;
  return s.maximum === undefined ? ` ≥ ${s.minimum}` : ` ${s.minimum}–${s.maximum}`;
}

/** The type column: what a value may be. */
function typeOf(s: SchemaNode): string {
  const values = literals(s);
  if (values !== undefined) return values.map((v) => `\`${cell(String(v))}\``).join(' \\| ');
  if (s.anyOf?.length === 1) return typeOf(s.anyOf[0] as SchemaNode);
  if ('const' in s) return `\`${cell(String(s.const))}\``;
  if (s.type === 'array') return `list of ${s.items === undefined ? 'values' : typeOf(s.items)}`;
  const entries = s.patternProperties === undefined ? undefined : Object.values(s.patternProperties)[0];
  if (s.type === 'object' && entries !== undefined) return `map: name → ${typeOf(entries)}`;
  if (s.type === 'object') return 'object';
  if (s.type === 'integer' || s.type === 'number') return `${s.type}${range(s)}`;
  if (s.type === 'string' && s.pattern !== undefined) return `string matching \`${cell(s.pattern)}\``;
  return s.type ?? 'value';
}

/** Text in a table cell: a pipe would end the cell (in a code span too), a line the row. */
const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');
/** Prose in a cell: `<stream>` would be read as an HTML tag and not shown. */
const prose = (text: string) => cell(text).replaceAll('<', '&lt;').replaceAll('>', '&gt;');

function row(key: string, s: SchemaNode, description = s.description): KeyRow {
  return {
    key,
    type: typeOf(s),
    default: s.default === undefined ? '' : `\`${cell(JSON.stringify(s.default))}\``,
    description: prose(description ?? ''),
  };
}

/** A union variant with the union's own default values as its keys' defaults (the store's `kind`). */
function withDefaults(variant: SchemaNode, defaults: unknown): SchemaNode {
  if (typeof defaults !== 'object' || defaults === null) return variant;
  const properties = Object.fromEntries(
    Object.entries(variant.properties ?? {}).map(([k, v]) => {
      const d = (defaults as Record<string, unknown>)[k];
      return [k, v.default === undefined && d !== undefined ? { ...v, default: d } : v];
    }),
  );
  return { ...variant, properties };
}

/** Objects kept whole in a row: a map or list of them gets rows for their fields, under `<name>` or `[]`. */
function rows(s: SchemaNode, key: string): KeyRow[] {
  const variants = objectVariants(s);
  if (variants !== undefined) return variants.flatMap((v) => rows(withDefaults(v, s.default), key));
  if (s.type === 'object' && s.properties !== undefined)
    return Object.entries(s.properties).flatMap(([k, v]) => rows(v, key === '' ? k : `${key}.${k}`));
  const entries = s.patternProperties === undefined ? undefined : Object.values(s.patternProperties)[0];
  if (entries?.type === 'object' && entries.properties !== undefined)
    return [row(key, s), ...rows(entries, `${key}.<name>`)];
  if (s.type === 'array' && s.items?.type === 'object' && s.items.properties !== undefined)
    return [row(key, s), ...rows(s.items, `${key}[]`)];
  return [row(key, s)];
}

/** One key of two union variants (both stores have `kind` and `database`): their types and texts joined. */
function joined(a: KeyRow, b: KeyRow): KeyRow {
  const join = (x: string, y: string, by: string) =>
    x === y || y === '' ? x : x === '' ? y : `${x}${by}${y}`;
  return { ...a, type: join(a.type, b.type, ' \\| '), description: join(a.description, b.description, ' ') };
}

/** Every key of the schema, depth first in the schema's order. */
export function referenceRows(schema: SchemaNode): KeyRow[] {
  // a union's variants share keys (both stores have `kind` and `database`): listed once, types joined
  const merged = new Map<string, KeyRow>();
  for (const r of rows(schema, '')) {
    const earlier = merged.get(r.key);
    if (earlier === undefined) merged.set(r.key, r);
    else merged.set(r.key, joined(earlier, r));
  }
  return [...merged.values()];
}

const HEADER = '| key | type | default | what it does |\n| --- | --- | --- | --- |';

/** The reference as Markdown: `intro` first, then one table per top-level section. */
export function referenceMarkdown(schema: SchemaNode, title: string, intro: string): string {
  const sections = new Map<string, KeyRow[]>();
  for (const r of referenceRows(schema)) {
    const section = r.key.split(/[.[]/)[0] as string;
    sections.set(section, [...(sections.get(section) ?? []), r]);
  }
  const tables = [...sections].map(([section, list]) => {
    const lines = list.map((r) => `| \`${r.key}\` | ${r.type} | ${r.default} | ${r.description} |`);
    return `## ${section}\n\n${HEADER}\n${lines.join('\n')}\n`;
  });
  return `# ${title}\n\n${intro}\n\n${tables.join('\n')}`;
}
