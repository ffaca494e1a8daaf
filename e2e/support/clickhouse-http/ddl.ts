// Text helpers of the ClickHouse-HTTP test double's CLUSTER STAND-IN (cluster.ts): finding the parts of a
// DDL statement the stand-in acts on, in the shapes ClickHouse accepts and the operator sends. Not a SQL
// parser: the real parser (formatQuery) checks every statement the stand-in rewrites before it runs.

export type TableName = { readonly database: string; readonly table: string };

const NAME = '(`[^`]+`|[A-Za-z_][A-Za-z0-9_]*)(?:\\.(`[^`]+`|[A-Za-z_][A-Za-z0-9_]*))?';
const ON_CLUSTER = /\s+ON\s+CLUSTER\s+('(?:[^'\\]|\\.)*'|`[^`]+`|[A-Za-z0-9_.-]+)/i;
const TARGET = new RegExp(
  `^\\s*(CREATE\\s+TABLE|ALTER\\s+TABLE|DROP\\s+TABLE|INSERT\\s+INTO)\\s+(?:IF\\s+(?:NOT\\s+)?EXISTS\\s+)?${NAME}`,
  'i',
);
// A string literal or quoted identifier (kept whole, so a `--` inside one is no comment), or a comment.
const LITERAL_OR_COMMENT = /'(?:[^'\\]|\\.)*'|`(?:[^`\\]|\\.)*`|"(?:[^"\\]|\\.)*"|--[^\n]*|\/\*[\s\S]*?\*\//g;
const REPLICATED = /\bENGINE\s*=\s*Replicated(\w*MergeTree)\s*\(/i;

const unquoteIdent = (id: string): string => (id.startsWith('`') ? id.slice(1, -1) : id);

/**
 * The statement without its comments (`-- …` to the end of the line, `/* … *\/`), string literals and
 * quoted identifiers left as they are: ClickHouse ignores comments, and the stand-in's patterns must not
 * find a clause in one (a migration's leading comment lines, say).
 */
export function withoutComments(sql: string): string {
  return sql
    .replace(LITERAL_OR_COMMENT, (token) => {
      if (token.startsWith('--')) return '';
      return token.startsWith('/*') ? ' ' : token;
    })
    .trim();
}

/** `… ON CLUSTER c …` → the cluster and the statement without the clause; undefined without one. */
export function onCluster(sql: string): { cluster: string; local: string } | undefined {
  const match = ON_CLUSTER.exec(sql);
  if (!match?.[1]) return undefined;
  const raw = match[1];
  const cluster = raw.startsWith("'") ? unquoteLiteral(raw) : unquoteIdent(raw);
  return { cluster, local: sql.slice(0, match.index) + sql.slice(match.index + match[0].length) };
}

/** What a CREATE/ALTER/DROP TABLE or INSERT INTO statement acts on. */
export function targetOf(
  sql: string,
  defaultDatabase: string,
): { verb: 'create' | 'alter' | 'drop' | 'insert'; name: TableName } | undefined {
  const match = TARGET.exec(sql);
  if (!match?.[1] || !match[2]) return undefined;
  const verb = match[1].split(/\s+/)[0]?.toLowerCase() as 'create' | 'alter' | 'drop' | 'insert';
  const name = match[3]
    ? { database: unquoteIdent(match[2]), table: unquoteIdent(match[3]) }
    : { database: defaultDatabase, table: unquoteIdent(match[2]) };
  return { verb, name };
}

export type ReplicatedEngine = {
  /** The MergeTree-family engine without `Replicated`, e.g. `ReplacingMergeTree`. */
  readonly engine: string;
  /** The Keeper path and replica name as written (string literals, macros unexpanded). */
  readonly pathLiteral: string;
  readonly replicaLiteral: string;
  /** The statement with `Replicated<E>(path, replica, args…)` replaced by `<E>(args…)`. */
  readonly local: string;
};

/** A CREATE TABLE with a Replicated*MergeTree engine whose first two arguments are the path and replica. */
export function replicatedEngine(sql: string): ReplicatedEngine | undefined {
  const match = REPLICATED.exec(sql);
  if (!match?.[1]) return undefined;
  const open = match.index + match[0].length - 1;
  const close = closingParen(sql, open);
  const args = splitTopLevel(sql.slice(open + 1, close));
  const [pathLiteral, replicaLiteral, ...rest] = args;
  if (!pathLiteral?.startsWith("'") || !replicaLiteral?.startsWith("'")) {
    throw Object.assign(
      new Error(
        'Replicated engines without an explicit Keeper path and replica name are not supported by the test double (NOT_IMPLEMENTED)',
      ),
      { clickhouseCode: 48 },
    );
  }
  const engine = match[1];
  const local = `ENGINE = ${engine}${rest.length > 0 ? `(${rest.join(', ')})` : ''}`;
  return {
    engine,
    pathLiteral,
    replicaLiteral,
    local: sql.slice(0, match.index) + local + sql.slice(close + 1),
  };
}

/**
 * The engine clause starting at `at` (`Engine(args)` or `Engine`) shown as the Replicated engine it stands
 * for, as ClickHouse shows it: `Replicated<Engine>('path', 'replica'[, args])`.
 */
export function replicatedForm(
  text: string,
  at: number,
  pathLiteral: string,
  replicaLiteral: string,
): string {
  const name = /^\w+/.exec(text.slice(at))?.[0] ?? '';
  const after = at + name.length;
  const hasArgs = text[after] === '(';
  const end = hasArgs ? closingParen(text, after) + 1 : after;
  const args = hasArgs ? text.slice(after + 1, end - 1) : '';
  const all = [pathLiteral, replicaLiteral, ...(args.trim() === '' ? [] : [args])].join(', ');
  return `${text.slice(0, at)}Replicated${name}(${all})${text.slice(end)}`;
}

/** Expands `{macro}` as ClickHouse does for a Keeper path; an unknown macro is an error there too. */
export function expandMacros(
  value: string,
  macros: Readonly<Record<string, string>>,
  name: TableName,
): string {
  const all: Record<string, string> = { ...macros, database: name.database, table: name.table };
  return value.replace(/\{(\w+)\}/g, (_m, macro: string) => {
    const expanded = all[macro];
    if (expanded === undefined) {
      throw Object.assign(
        new Error(
          `No macro '${macro}' in config while processing substitutions in '${value}' (NO_ELEMENTS_IN_CONFIG)`,
        ),
        { clickhouseCode: 139 },
      );
    }
    return expanded;
  });
}

export function unquoteLiteral(literal: string): string {
  return literal.slice(1, -1).replace(/\\(.)/g, '$1');
}

function closingParen(text: string, open: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === "'" || c === '`' || c === '"') quote = c;
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i;
  }
  throw Object.assign(new Error('Unbalanced parentheses in the engine clause (SYNTAX_ERROR)'), {
    clickhouseCode: 62,
  });
}

function splitTopLevel(args: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < args.length; i++) {
    const c = args[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === "'" || c === '`' || c === '"') quote = c;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(args.slice(start, i).trim());
      start = i + 1;
    }
  }
  const last = args.slice(start).trim();
  return last === '' ? parts : [...parts, last];
}
