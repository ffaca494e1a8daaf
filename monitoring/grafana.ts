// Small helpers over Grafana's own dashboard SDK (@grafana/grafana-foundation-sdk, whose types are
// generated from Grafana's dashboard schema, so tsc checks every dashboard against it). Panels pick their
// data source through the dashboard's `datasource` variable, so the JSON works in any Grafana.
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder as PromQuery } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatPanel } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TablePanel } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as TimeseriesPanel } from '@grafana/grafana-foundation-sdk/timeseries';

export const PROMETHEUS_TYPE = 'prometheus';
export const CLICKHOUSE_TYPE = 'grafana-clickhouse-datasource';
/** Every panel's data source is the dashboard's `datasource` variable. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: a Grafana variable reference, not a JS template
const source = (type: string) => ({ type, uid: '${datasource}' });

export interface Query {
  /** PromQL or ClickHouse SQL (with the ClickHouse plugin's macros). */
  readonly expr: string;
  readonly legend?: string;
}

export interface PanelSpec {
  readonly title: string;
  readonly description: string;
  readonly kind: 'timeseries' | 'stat' | 'table';
  readonly queries: readonly Query[];
  readonly unit?: string;
  /** Value → text, e.g. a state gauge. */
  readonly states?: Readonly<Record<string, string>>;
  readonly width?: number;
  readonly height?: number;
}

type Panel = TimeseriesPanel | StatPanel | TablePanel;

function panelOf(kind: PanelSpec['kind']): Panel {
  if (kind === 'stat') return new StatPanel().graphMode(common.BigValueGraphMode.Area);
  if (kind === 'table') return new TablePanel();
  return new TimeseriesPanel()
    .fillOpacity(10)
    .legend(
      new common.VizLegendOptionsBuilder()
        .showLegend(true)
        .displayMode(common.LegendDisplayMode.List)
        .placement(common.LegendPlacement.Bottom),
    );
}

function mappings(states: Readonly<Record<string, string>>): dashboard.ValueMapping[] {
  const options = Object.fromEntries(
    Object.entries(states).map(([value, text], index) => [value, { text, index }]),
  );
  return [{ type: dashboard.MappingType.ValueToText, options }];
}

/** A ClickHouse-plugin SQL query (the SDK has no ClickHouse query type; this is the plugin's model). */
class ClickHouseQuery implements cog.Builder<cog.Dataquery> {
  readonly #query: cog.Dataquery;
  constructor(refId: string, rawSql: string, table: boolean) {
    this.#query = {
      refId,
      datasource: source(CLICKHOUSE_TYPE),
      editorType: 'sql',
      queryType: table ? 'table' : 'timeSeries',
      format: table ? 1 : 0,
      rawSql,
      _implementsDataqueryVariant() {},
    } as cog.Dataquery;
  }
  build(): cog.Dataquery {
    return this.#query;
  }
}

const refId = (i: number) => String.fromCharCode(65 + i);

/** One panel on a Prometheus or ClickHouse data source; `id` must be unique in its dashboard. */
export function panel(
  id: number,
  spec: PanelSpec,
  datasourceType: string,
  gridPos: dashboard.GridPos,
): cog.Builder<dashboard.Panel> {
  const p = panelOf(spec.kind)
    .id(id)
    .title(spec.title)
    .description(spec.description)
    .datasource(source(datasourceType))
    .gridPos(gridPos);
  if (spec.unit) p.unit(spec.unit);
  if (spec.states) p.mappings(mappings(spec.states));
  spec.queries.forEach((q, i) => {
    if (datasourceType === CLICKHOUSE_TYPE) {
      p.withTarget(new ClickHouseQuery(refId(i), q.expr, spec.kind !== 'timeseries'));
      return;
    }
    const t = new PromQuery().refId(refId(i)).expr(q.expr).datasource(source(datasourceType));
    p.withTarget(q.legend ? t.legendFormat(q.legend) : t);
  });
  return p;
}

export interface DashboardSpec {
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  readonly datasourceType: string;
  readonly variables?: readonly cog.Builder<dashboard.VariableModel>[];
  readonly refresh?: string;
  readonly panels: readonly PanelSpec[];
}

export function buildDashboard(spec: DashboardSpec): dashboard.Dashboard {
  const d = new dashboard.DashboardBuilder(spec.title)
    .uid(spec.uid)
    .description(spec.description)
    .tags(['tracker'])
    .editable()
    .refresh(spec.refresh ?? '30s')
    .time({ from: 'now-6h', to: 'now' })
    .withVariable(
      new dashboard.DatasourceVariableBuilder('datasource').label('Data source').type(spec.datasourceType),
    );
  for (const v of spec.variables ?? []) d.withVariable(v);
  layout(spec.panels).forEach((gridPos, i) => {
    d.withPanel(panel(i + 1, spec.panels[i]!, spec.datasourceType, gridPos));
  });
  return d.build();
}

const GRID_COLUMNS = 24;

/** Left to right on Grafana's 24-column grid, a panel that does not fit starting the next row. */
function layout(panels: readonly PanelSpec[]): dashboard.GridPos[] {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  return panels.map((p) => {
    const w = Math.min(p.width ?? 12, GRID_COLUMNS);
    const h = p.height ?? 8;
    if (x + w > GRID_COLUMNS) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const pos = { x, y, w, h };
    x += w;
    rowHeight = Math.max(rowHeight, h);
    return pos;
  });
}

/** A query variable over the dashboard's data source (`All` allowed). */
export function queryVariable(name: string, label: string, query: string, type: string) {
  return new dashboard.QueryVariableBuilder(name)
    .label(label)
    .query(query)
    .datasource(source(type))
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .includeAll(true)
    .multi(false);
}
