// Test stand-in for what Grafana's ClickHouse data source plugin does to a panel's SQL before sending it:
// its macros ($__timeFilter, $__timeInterval, $__conditionalAll) and the dashboard variables. Only the
// macros the analytics dashboard uses; it lets the tests run that SQL on the real engine.

export const ALL = '$__all';

export interface Expansion {
  /** Range in epoch seconds. */
  readonly from: number;
  readonly to: number;
  readonly intervalS: number;
  /** Variable values; ALL for the `All` option. */
  readonly vars: Readonly<Record<string, string>>;
}

function substituteVars(sql: string, vars: Expansion['vars']): string {
  return sql.replace(/\$\{(\w+)\}|\$(\w+)/g, (m, a: string | undefined, b: string | undefined) => {
    const name = a ?? b ?? '';
    return name.startsWith('__') || vars[name] === undefined ? m : vars[name];
  });
}

export function expandMacros(sql: string, x: Expansion): string {
  const conditional = sql.replace(
    /\$__conditionalAll\((.+?),\s*\$(\w+)\)/g,
    (_m, cond: string, name: string) => (x.vars[name] === ALL ? '1=1' : cond),
  );
  return substituteVars(conditional, x.vars)
    .replace(
      /\$__timeFilter\((\w+)\)/g,
      (_m, col: string) => `${col} >= toDateTime(${x.from}) AND ${col} <= toDateTime(${x.to})`,
    )
    .replace(
      /\$__timeInterval\((\w+)\)/g,
      (_m, col: string) => `toStartOfInterval(toDateTime(${col}), INTERVAL ${x.intervalS} second)`,
    );
}
