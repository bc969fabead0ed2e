import type { RenderedChart } from '../blocks/kube-object';
import type { PlatformModel } from '../platform/model';
import { renderByEnvironment } from './by-environment';
import type { RenderResult } from './platform-app';
import { byFile } from './synth';

export type { RenderResult };

/**
 * model → charts → policy gate → file contents, one environment at a time (`renderByEnvironment`), every
 * chart and file kept. Pure: reads and writes nothing. Files in `PlatformApp.render()`'s order: the charts'
 * by path, then the kustomizations.
 */
export function renderPlatform(model: PlatformModel): RenderResult {
  const charts: RenderedChart[] = [];
  const texts = new Map<string, string>();
  renderByEnvironment(model, (path, text) => texts.set(path, text), { onCharts: (c) => charts.push(...c) });
  charts.sort(byFile);
  const files = new Map(charts.map((c) => [c.file, texts.get(c.file)!]));
  for (const [path, text] of texts) if (!files.has(path)) files.set(path, text);
  return { charts, files };
}
