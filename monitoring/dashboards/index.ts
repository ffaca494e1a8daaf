// Every dashboard, by the file name it is generated into (charts/tracker-operator/dashboards/).
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { analyticsDashboard } from './analytics.ts';
import { ingestDashboard } from './ingest.ts';
import { operatorDashboard } from './operator.ts';

export const DASHBOARDS: Readonly<Record<string, () => Dashboard>> = {
  'tracker-ingest.json': ingestDashboard,
  'tracker-operator.json': operatorDashboard,
  'tracker-analytics.json': analyticsDashboard,
};

export const DASHBOARD_DIR = 'charts/tracker-operator/dashboards';

export const dashboardJson = (build: () => Dashboard): string => `${JSON.stringify(build(), null, 2)}\n`;
