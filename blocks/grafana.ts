import { contentHash } from './hash';

/**
 * A small typed builder for Grafana dashboard JSON (schema version 39): time
 * series and stat panels on a Prometheus data source chosen by a dashboard
 * variable, laid out two per row.
 */
export const SCHEMA_VERSION = 39;
/** Grafana rejects dashboard uids longer than this. */
export const MAX_UID_LENGTH = 40;

export interface Target {
  readonly expr: string;
  readonly legendFormat: string;
}

export interface PanelSpec {
  readonly title: string;
  readonly description: string;
  /** Grafana unit id: `reqps`, `percentunit`, `ms`, `short`, `bytes`… */
  readonly unit: string;
  readonly targets: readonly Target[];
  readonly type?: 'timeseries' | 'stat';
  /** Full width instead of half. */
  readonly wide?: boolean;
}

const DATASOURCE = { type: 'prometheus', uid: '${datasource}' } as const;

export interface GridPos {
  h: number;
  w: number;
  x: number;
  y: number;
}

export interface Panel {
  id: number;
  type: 'timeseries' | 'stat';
  title: string;
  description: string;
  gridPos: GridPos;
  datasource: typeof DATASOURCE;
  targets: { refId: string; expr: string; legendFormat: string; datasource: typeof DATASOURCE }[];
  fieldConfig: { defaults: { unit: string }; overrides: never[] };
  options: Record<string, unknown>;
}

export interface Dashboard {
  uid: string;
  title: string;
  description: string;
  tags: string[];
  timezone: 'browser';
  editable: boolean;
  graphTooltip: number;
  schemaVersion: number;
  version: number;
  refresh: string;
  time: { from: string; to: string };
  templating: { list: Record<string, unknown>[] };
  annotations: { list: never[] };
  panels: Panel[];
}

/** A readable uid when it fits, else a readable prefix plus a hash. */
export function dashboardUid(...parts: string[]): string {
  const readable = parts.join('-');
  if (readable.length <= MAX_UID_LENGTH) return readable;
  return `${readable.slice(0, MAX_UID_LENGTH - 13)}-${contentHash(parts).slice(0, 12)}`;
}

const refId = (i: number) => String.fromCharCode(65 + i);

export function dashboard(o: { uid: string; title: string; description: string; tags: string[]; panels: readonly PanelSpec[] }): Dashboard {
  if (o.uid.length > MAX_UID_LENGTH) throw new Error(`dashboard uid '${o.uid}' is longer than ${MAX_UID_LENGTH}`);
  const panels: Panel[] = [];
  let x = 0;
  let y = 0;
  o.panels.forEach((p, i) => {
    const w = p.wide ? 24 : 12;
    if (x + w > 24) {
      x = 0;
      y += 8;
    }
    const type = p.type ?? 'timeseries';
    panels.push({
      id: i + 1,
      type,
      title: p.title,
      description: p.description,
      gridPos: { h: 8, w, x, y },
      datasource: DATASOURCE,
      targets: p.targets.map((t, j) => ({ refId: refId(j), expr: t.expr, legendFormat: t.legendFormat, datasource: DATASOURCE })),
      fieldConfig: { defaults: { unit: p.unit }, overrides: [] },
      options:
        type === 'stat'
          ? { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'value', graphMode: 'area' }
          : { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi', sort: 'desc' } },
    });
    x += w;
    if (x >= 24) {
      x = 0;
      y += 8;
    }
  });
  return {
    uid: o.uid,
    title: o.title,
    description: o.description,
    tags: o.tags,
    timezone: 'browser',
    editable: false,
    graphTooltip: 1,
    schemaVersion: SCHEMA_VERSION,
    version: 1,
    refresh: '30s',
    time: { from: 'now-6h', to: 'now' },
    templating: {
      list: [{ name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus', current: {}, hide: 0, refresh: 1 }],
    },
    annotations: { list: [] },
    panels,
  };
}
